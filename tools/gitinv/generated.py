"""The files gitinv writes for a repository to commit, and whether a revision holds them
as gitinv would write them: what `gitinv schema --check` and `gitinv codeowners --check`
say in CI, said in the pull request's report too.

Public API::

    out_of_date(root, inventory, head, base) -> list[Stale]   # HEAD's, None: the working tree
    same(current_bytes, wanted_text) -> bool                   # as the --check commands compare
    file_bytes(path) -> bytes | None                           # a file as they read it
    SCHEMA, CODEOWNERS                                         # the commands that write them

A repository that keeps none of them (no schema/ and no CODEOWNERS at HEAD or at the
base) is not asked to: the report speaks of the files a repository has chosen to keep.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from gitinv import codeowners, git, schemas
from gitinv.codeowners import GROUPS
from gitinv.errors import GitinvError
from gitinv.forge import config as forge_config
from gitinv.inventory import Inventory
from gitinv.layout import FIELDS_FILE, SETTINGS_FILE
from gitinv.printable import undecoded
from gitinv.schemas import SCHEMA_DIR

SCHEMA = "gitinv schema"
CODEOWNERS = "gitinv codeowners"
# What each command writes from, besides gitinv's own models.
SOURCES = {SCHEMA: (FIELDS_FILE,), CODEOWNERS: (GROUPS, SETTINGS_FILE)}
_SUFFIX = ".schema.json"


@dataclass(frozen=True)
class Stale:
    """A generated file a revision does not hold as `command` writes it: `why`, said of
    the file (one of the phrases below), and `detail`, the command's own message where
    it cannot write the file."""

    path: str
    why: str
    command: str
    detail: str = ""


MISSING = "missing"
DIFFERENT = "not as gitinv writes it"
FOREIGN = "not one gitinv writes; the command removes it"
UNWRITABLE = "cannot be written"


def file_bytes(path: Path) -> bytes | None:
    """A generated file's bytes in the working tree (a symbolic link followed), or None
    where there is no file (a folder of that name too, or one that does not read)."""
    try:
        return path.read_bytes() if path.is_file() else None
    except OSError:
        return None


def _read(root: Path, rev: str | None, path: str) -> bytes | None:
    """The file at a revision, None: in the working tree; None when there is none."""
    return file_bytes(root / path) if rev is None else git.read_blob(root, rev, path)


def _schema_files(root: Path, rev: str | None) -> set[str]:
    """The schema/*.schema.json files of a revision (None: the working tree), their
    names as shown (bytes that are not UTF-8 escaped)."""
    if rev is None:
        folder = root / SCHEMA_DIR
        found = folder.glob(f"*{_SUFFIX}") if folder.is_dir() else ()
        return {undecoded(f"{SCHEMA_DIR}/{p.name}") for p in found}
    return {
        undecoded(e.path)
        for e in git.ls_tree(root, rev, SCHEMA_DIR)
        if e.path.count("/") == 1 and e.path.endswith(_SUFFIX)
    }


def same(current: bytes | None, wanted: str) -> bool:
    """Whether a file's bytes (None: no file) are `wanted`, whatever its line ends: how
    the report and the --check commands alike compare a generated file."""
    if current is None:
        return False
    return current.replace(b"\r\n", b"\n").replace(b"\r", b"\n") == wanted.encode()


def _compare(path: str, current: bytes | None, wanted: str, command: str) -> list[Stale]:
    if current is None:
        return [Stale(path, MISSING, command)]
    return [] if same(current, wanted) else [Stale(path, DIFFERENT, command)]


def _schemas(
    root: Path, inv: Inventory, head: str | None, revs: Iterable[str | None]
) -> list[Stale]:
    if any(f.file == FIELDS_FILE for f in inv.findings):
        return []  # its problems are the report's already; `schema` refuses to write
    if not any(_schema_files(root, rev) for rev in revs):
        return []
    wanted = schemas.files(inv.fields)
    out = []
    for path in sorted(wanted):
        out += _compare(path, _read(root, head, path), wanted[path], SCHEMA)
    for path in sorted(_schema_files(root, head) - set(wanted)):
        out.append(Stale(path, FOREIGN, SCHEMA))
    return out


def _codeowners(
    root: Path, inv: Inventory, head: str | None, revs: Iterable[str | None]
) -> list[Stale]:
    if any(f.file in (GROUPS, SETTINGS_FILE) for f in inv.findings):
        return []  # their problems are the report's already
    kept = (_read(root, rev, path) for rev in revs for path in codeowners.PATHS.values())
    if not any(found is not None for found in kept):
        return []  # at either host's place: a change of host is one to say
    try:
        path, wanted = codeowners.render_of(inv.catalogs.get("groups", {}), inv.settings, root)
    except GitinvError as exc:  # no admins; a handle the host does not take
        forge = forge_config.forge_of(inv.settings, root) or "github"
        return [Stale(codeowners.PATHS[forge], UNWRITABLE, CODEOWNERS, str(exc))]
    return _compare(path, _read(root, head, path), wanted, CODEOWNERS)


def out_of_date(root: Path, inv: Inventory, head: str | None, base: str) -> list[Stale]:
    """The generated files `head` (None: the working tree) does not hold as gitinv would
    write them from `inv`, its inventory, among those the repository keeps (at `head`
    or at `base`)."""
    revs = (head, base)
    return _schemas(root, inv, head, revs) + _codeowners(root, inv, head, revs)
