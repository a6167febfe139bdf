"""The semantic inventory diff between two revisions, or a revision and the working tree.

    d = inventory_diff(root, base="main", head="request/update/web01")
    d.changes       # list[Change] (see gitinv.changes): servers added, updated,
                    # deleted, moved; catalog entries added, updated, deleted
    d.summary()     # {"added": 1, "updated": 2, ...} for servers, plus "catalog"

Reading: `git diff-tree` (or `git diff` against the working tree plus the
untracked files) lists the changed paths; their blobs come in one batch, read by
`changes.parse` (the strict loader). Values keep what was typed: `state: no` stays
`no`, a boolean (`changes.NotText`), so the comparison shows it as written, and
`as_dict` writes the text typed; a version that does not read says so. A field
declared in fields.yaml is read with each side's declaration (`fieldsides.Sides`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gitinv import git, remote
from gitinv.cache import blob_id, file_blob_id
from gitinv.changes import AT_WORKTREE, Change, Unreadable, at_commit, compare, parse, too_large
from gitinv.errors import GitinvError
from gitinv.fields import FIELDS_FILE, FieldSet
from gitinv.fieldsides import TOO_LARGE, Sides, fields_from, fields_in
from gitinv.layout import INVENTORY, classify, server_path
from gitinv.loader import MAX_BYTES, Typed
from gitinv.printable import undecoded
from gitinv.source import in_place_of_inventory, read_with_stat

WORKTREE = "working tree"


# Why a changed file has no row in the comparison (`OtherFile.why`), and how the
# one-line summary counts them, in the comparison's order; the report puts those that
# change no value (`QUIET`) after the servers, and a cut leaves them out first.
NOT_FOLDER = "named inventory, but not the inventory/ folder: not read as inventory"
NOT_INVENTORY = "in inventory/ but not a server, catalog or settings file"
NOT_READ = "not read: not a regular file"
OUTSIDE = "outside inventory/"
TEXT_ONLY = "no value changed: only comments, quoting, order or the file's mode"
ADDED_EMPTY = "added without a value (empty, or comments only)"
DELETED_EMPTY = "deleted; it held no value (empty, or comments only)"
# The files that change no value: the report shows them after the servers.
QUIET = frozenset({TEXT_ONLY, ADDED_EMPTY, DELETED_EMPTY})
_COUNTED = {
    NOT_FOLDER: "in place of the inventory/ folder",
    NOT_INVENTORY: "in inventory/ not read as inventory",
    NOT_READ: "in inventory/ not read as inventory",
    OUTSIDE: "outside inventory/",
    TEXT_ONLY: "with no value changed",
    ADDED_EMPTY: "with no value changed",
    DELETED_EMPTY: "with no value changed",
}


@dataclass(frozen=True)
class OtherFile:
    """A changed file the comparison has no row for, and why: the diff names every file
    that changed, so that "no changes" is never said of a change."""

    path: str
    why: str


@dataclass
class InventoryDiff:
    base: str
    head: str | None  # a commit id, or None for the working tree
    changes: list[Change] = field(default_factory=list)
    others: list[OtherFile] = field(default_factory=list)
    # BASE is not an ancestor of HEAD (main moved on since the branch was cut): what
    # BASE's side changed since they parted shows too, reversed. None: a shallow clone
    # lacks the history to tell.
    diverged: bool | None = False

    @property
    def servers(self) -> list[Change]:
        return [c for c in self.changes if c.kind == "server"]

    @property
    def catalogs(self) -> list[Change]:
        return [c for c in self.changes if c.kind != "server"]

    def summary(self) -> dict[str, int]:
        counts = Counter(c.action for c in self.servers)
        result = {a: counts.get(a, 0) for a in ("added", "updated", "deleted", "moved")}
        result["catalog"] = len(self.catalogs)
        return result

    def describe(self) -> str:
        """ "2 updated, 1 added" style one-liner ("no changes" when empty)."""
        parts = [
            f"{n} {action}" for action, n in self.summary().items() if n and action != "catalog"
        ]
        if self.catalogs:
            parts.append(f"{len(self.catalogs)} catalog change(s)")
        unreadable = sum(1 for c in self.changes if c.unreadable)
        if unreadable:
            parts.append(f"{unreadable} unreadable")
        counted = Counter(_COUNTED[o.why] for o in self.others)
        parts += [f"{n} file{'s' * (n > 1)} {label}" for label, n in counted.items()]
        return ", ".join(parts) or "no changes"

    def as_dict(self) -> dict[str, Any]:
        def full(c: Change) -> dict[str, Any]:
            whole = {**c.as_dict(), "old_group": c.old_group, "old": c.old, "new": c.new}
            return {k: plain(v) for k, v in whole.items()}

        return {
            "base": self.base,
            "head": self.head,
            "diverged": self.diverged,
            "summary": self.summary(),
            "servers": [full(c) for c in self.servers],
            "catalogs": [full(c) for c in self.catalogs],
            "other_files": [{"path": o.path, "why": o.why} for o in self.others],
        }


def plain(value: Any) -> Any:
    """JSON-ready: a scalar YAML reads as other than text is written as the text typed
    (`state: no` gives "no"), never converted."""
    if isinstance(value, Typed):
        return value.text
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def default_base(root: Path, main: str | None = None) -> str:
    """The merge base of HEAD with the main branch (`remote.main_ref`; `main`: its name,
    when the caller has it)."""
    target = git.rev_parse(root, remote.main_ref(root, main=main, instead=", or give BASE"))
    head = git.try_rev_parse(root, "HEAD")
    base = git.merge_base(root, head, target) if head else None
    return base or target


def inventory_diff(
    root: Path, base: str | None = None, head: str | None = None, main: str | None = None
) -> InventoryDiff:
    base_sha = git.rev_parse(root, base) if base else default_base(root, main)
    if head is None:
        found = _worktree_diff(root, base_sha)
        tip = git.try_rev_parse(root, "HEAD")  # the working tree's commit, if any
    else:
        tip = git.rev_parse(root, head)
        found = diff_commits(root, base_sha, tip)
    if tip is not None and not git.is_ancestor(root, base_sha, tip):
        found.diverged = None if git.is_shallow(root) else True
    return found


def holds_inventory(root: Path, base: str | None, head: str | None) -> bool:
    """Whether BASE (default: as `inventory_diff` takes it) or HEAD (a commit; None: the
    working tree) holds an inventory/ folder: `repo.find_root`'s `compared`, for a
    comparison in a repository whose working tree has none. False when a revision
    cannot be found: the command then says that there is no inventory."""
    try:
        base_sha = git.rev_parse(root, base) if base else default_base(root)
        commits = [base_sha, *([git.rev_parse(root, head)] if head else [])]
    except GitinvError:
        return False
    return any(in_place_of_inventory(root, c) is None for c in commits)


def others(files: list[git.FileChange], changes: list[Change]) -> list[OtherFile]:
    """The changed `files` no change in `changes` stands for, and why: those that may
    matter first (see `_COUNTED`), each kind in path order."""
    # The versions (old, new) each change stands for, by path.
    olds, news = set(), set()
    for c in changes:
        if c.kind != "server" or c.action != "added":
            olds.add(c.path if c.old_group is None else server_path(c.old_group, c.name))
        if c.kind != "server" or c.action != "deleted":
            news.add(c.path)
    # Each file as `compare` names it (a name's bytes that are not UTF-8 escaped).
    named = [(f, path := undecoded(f.path), classify(path)) for f in files]
    found = []
    for f, path, kind in named:
        read = f.old is not None or f.new is not None  # else neither version was read
        if read and (f.old is None or path in olds) and (f.new is None or path in news):
            continue
        if path == INVENTORY:  # a file, link or submodule where the folder is (or was)
            why = NOT_FOLDER
        elif not path.startswith(f"{INVENTORY}/"):
            why = OUTSIDE
        elif kind is None:
            why = NOT_INVENTORY
        elif not read:
            why = NOT_READ
        else:
            why = ADDED_EMPTY if f.old is None else DELETED_EMPTY if f.new is None else TEXT_ONLY
        found.append(OtherFile(path, why))
    rank = {why: n for n, why in enumerate(_COUNTED)}
    return sorted(found, key=lambda o: (rank[o.why], o.path))


def _split(files: list[git.FileChange]) -> tuple[list[git.FileChange], list[git.FileChange]]:
    """(the inventory's files, the others)."""
    inside = [f for f in files if f.path.startswith(f"{INVENTORY}/")]
    return inside, [f for f in files if not f.path.startswith(f"{INVENTORY}/")]


class Versions:
    """The versions of changed files a comparison reads, by blob id, each parsed once:
    read in one batch, but those over the loader's limit (`MAX_BYTES`) never read, only
    their size asked, so a branch's files cost at most the limit each however large
    they are. Such a version does not read, as the loader says of a file too large."""

    def __init__(self, root: Path, shas: Iterable[str]) -> None:
        self.raw, self.large = git.read_blobs_within(root, shas, MAX_BYTES)
        self._parsed: dict[str, dict[str, Any] | Unreadable] = {}

    def __call__(self, sha: str) -> dict[str, Any] | Unreadable:
        """The version parsed, or why it does not read (`changes.parse`)."""
        if sha not in self._parsed:
            size = self.large.get(sha)
            self._parsed[sha] = parse(self.raw.get(sha)) if size is None else too_large(size)
        return self._parsed[sha]

    def fields(self, sha: str | None) -> FieldSet:
        """What this version of fields.yaml declares (`fields_from`; None: no file)."""
        if sha is not None and sha in self.large:
            return TOO_LARGE
        return fields_from(None if sha is None else self.raw.get(sha))


def diff_commits(root: Path, base_sha: str, head_sha: str) -> InventoryDiff:
    files, outside = _split(git.diff_tree(root, base_sha, head_sha, prefix=None))
    read = Versions(root, {s for f in files for s in (f.old, f.new) if s})
    sides = Sides(fields_in(root, base_sha), fields_in(root, head_sha))
    changes = compare(
        files, read, old_at=at_commit(base_sha), new_at=at_commit(head_sha), fields=sides
    )
    return InventoryDiff(base_sha, head_sha, changes, others(files + outside, changes))


def _worktree_diff(root: Path, base_sha: str) -> InventoryDiff:
    files: list[git.FileChange] = []
    local: dict[str, bytes] = {}
    local_large: dict[str, int] = {}  # a file over the limit: its size, its bytes unread
    changed = {f.path: f for f in git.diff_worktree(root, base_sha, prefix=None)}
    # Untracked but in `base` (`git rm --cached`): git diff says deleted, yet it is there.
    unindexed = set()
    for path in git.untracked(root, prefix=None):
        was = changed.get(path) or git.FileChange(path, None, None)
        changed[path] = git.FileChange(path, was.old, None, was.old_mode, "100644")
        if was.old is not None:
            unindexed.add(path)
    tracked, outside = _split(list(changed.values()))
    for fc in tracked:
        new_id = None
        target = root / fc.path
        if fc.new_mode != "000000" and target.is_file() and not target.is_symlink():
            new_id = f"worktree:{fc.path}"
            sha256 = len(fc.old or "") == 64
            try:
                data, size = _read_local(target)
                if data is None:
                    local_large[new_id] = size
                else:
                    local[new_id] = data
                same = fc.path in unindexed and fc.old == (
                    file_blob_id(target, sha256=sha256)
                    if data is None
                    else blob_id(data, sha256=sha256)
                )
            except OSError as exc:
                raise GitinvError(
                    f"cannot read {fc.path} ({exc.strerror or exc}); make it readable "
                    f"(`chmod a+r {fc.path}`), or give HEAD to compare commits"
                ) from None
            if same:
                continue  # the same bytes as in `base`: no change at all
        elif fc.new_mode in ("120000", "160000") and (target.is_symlink() or target.is_dir()):
            new_id = f"worktree:{fc.path}"  # a link or a submodule: compare says so, unread
        files.append(git.FileChange(fc.path, fc.old, new_id, fc.old_mode, fc.new_mode))
    read = Versions(root, {f.old for f in files if f.old})
    read.raw.update(local)
    read.large.update(local_large)
    base_fields = fields_in(root, base_sha)
    edited = next((f for f in files if f.path == FIELDS_FILE), None)
    if edited is None:
        sides = Sides(base_fields, base_fields)
    else:
        sides = Sides(base_fields, read.fields(edited.new))
    changes = compare(
        files,
        read,
        old_at=at_commit(base_sha),
        new_at=AT_WORKTREE,
        fields=sides,
    )
    return InventoryDiff(base_sha, None, changes, others(files + outside, changes))


def _read_local(path: Path) -> tuple[bytes | None, int]:
    """A working-tree file's bytes and size; over the limit, its size only (None)."""
    data, st = read_with_stat(path)  # at most one byte past the limit
    if len(data) > MAX_BYTES:
        return None, max(st.st_size, len(data))
    return data, len(data)
