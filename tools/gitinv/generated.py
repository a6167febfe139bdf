"""The files gitinv writes for a repository to commit, and whether a revision holds them
as gitinv would write them: what `gitinv schema --check` and `gitinv codeowners --check`
say in CI, said in the pull request's report too.

Public API::

    out_of_date(root, inventory, head, base) -> list[Stale]   # HEAD's, None: the working tree

A repository that keeps none of them (no schema/ and no CODEOWNERS at HEAD or at the
base) is not asked to: the report speaks of the files a repository has chosen to keep.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from gitinv import codeowners, git
from gitinv.codeowners import GROUPS
from gitinv.errors import GitinvError
from gitinv.inventory import Inventory
from gitinv.layout import FIELDS_FILE, SETTINGS_FILE
from gitinv.schemas import SCHEMA_DIR, documents, dumps

_SUFFIX = ".schema.json"


@dataclass(frozen=True)
class Stale:
    """A generated file a revision does not hold as gitinv writes it."""

    path: str
    why: str  # "out of date", "missing", "not written by gitinv"
    command: str  # what writes it again ("gitinv schema"); for "not written": remove it
    sources: tuple[str, ...]  # the files it is written from


def _read(root: Path, rev: str | None, path: str) -> bytes | None:
    if rev is None:
        target = root / path
        return target.read_bytes() if target.is_file() and not target.is_symlink() else None
    return git.read_blob(root, rev, path)


def _schema_files(root: Path, rev: str | None) -> set[str]:
    """The schema/*.schema.json files of a revision (None: the working tree)."""
    if rev is None:
        folder = root / SCHEMA_DIR
        found = folder.glob(f"*{_SUFFIX}") if folder.is_dir() else ()
        return {f"{SCHEMA_DIR}/{p.name}" for p in found}
    return {
        e.path
        for e in git.ls_tree(root, rev, SCHEMA_DIR)
        if e.kind == "blob" and e.path.count("/") == 1 and e.path.endswith(_SUFFIX)
    }


def _compare(
    path: str, current: bytes | None, wanted: str, command: str, sources: tuple[str, ...]
) -> list[Stale]:
    if current is None:
        return [Stale(path, "missing", command, sources)]
    # Read as the --check commands read a file: line ends as Python's text mode gives them.
    if current.replace(b"\r\n", b"\n") != wanted.encode():
        return [Stale(path, "out of date", command, sources)]
    return []


def _schemas(
    root: Path, inv: Inventory, head: str | None, revs: Iterable[str | None]
) -> list[Stale]:
    if any(f.file == FIELDS_FILE for f in inv.findings):
        return []  # its problems are the report's already; `schema` refuses to write
    if not any(_schema_files(root, rev) for rev in revs):
        return []
    sources = (FIELDS_FILE,)
    wanted = {f"{SCHEMA_DIR}/{name}": dumps(doc) for name, doc in documents(inv.fields).items()}
    out = []
    for path in sorted(wanted):
        out += _compare(path, _read(root, head, path), wanted[path], "gitinv schema", sources)
    for path in sorted(_schema_files(root, head) - set(wanted)):
        out.append(Stale(path, "not written by gitinv", "", sources))
    return out


def _codeowners(
    root: Path, inv: Inventory, head: str | None, revs: Iterable[str | None]
) -> list[Stale]:
    if any(f.file in (GROUPS, SETTINGS_FILE) for f in inv.findings):
        return []  # their problems are the report's already
    try:
        path, wanted = codeowners.render_of(inv.catalogs.get("groups", {}), inv.settings, root)
    except GitinvError:
        return []  # no admins, a handle the host refuses: `codeowners` says so itself
    if not any(_read(root, rev, path) is not None for rev in revs):
        return []
    sources = (GROUPS, SETTINGS_FILE)
    return _compare(path, _read(root, head, path), wanted, "gitinv codeowners", sources)


def out_of_date(root: Path, inv: Inventory, head: str | None, base: str) -> list[Stale]:
    """The generated files `head` (None: the working tree) does not hold as gitinv would
    write them from `inv`, its inventory, among those the repository keeps (at `head`
    or at `base`)."""
    revs = (head, base)
    return _schemas(root, inv, head, revs) + _codeowners(root, inv, head, revs)
