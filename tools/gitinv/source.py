"""Where inventory files come from: the working tree, or a git revision's objects."""

from __future__ import annotations

import multiprocessing.util
import os
import stat
import threading
from array import array
from pathlib import Path
from typing import NamedTuple, NoReturn, Protocol

from gitinv import cache, git
from gitinv.layout import INVENTORY as INVENTORY
from gitinv.loader import MAX_BYTES, too_large
from gitinv.printable import undecoded
from gitinv.report import Finding
from gitinv.stats import stat_numbers


class SourceFile(NamedTuple):
    """One entry of a listing (a named tuple: a listing holds one per file, and a
    tuple is made in a fraction of a frozen dataclass's time)."""

    path: str  # posix, relative to the repository root
    # "file", "symlink", "folder" (named like a file), "unreadable", "other" or
    # "badname" (not UTF-8: `path` then shows its bytes, and it is never read)
    kind: str
    size: int  # -1: not known before reading


class Source(Protocol):
    root: Path

    def files(self) -> list[SourceFile]: ...

    def read(self, path: str) -> bytes: ...

    def read_many(self, paths: list[str]) -> dict[str, bytes] | None:
        """All contents at once where that is cheaper, else None (read lazily)."""


class WorkTree:
    def __init__(self, root: Path) -> None:
        self.root = root

    def files(self) -> list[SourceFile]:
        found: list[SourceFile] = []
        top = self.root / INVENTORY
        if top.is_symlink():
            return [SourceFile(INVENTORY, "symlink", 0)]
        self._scan(top, INVENTORY, found)
        return found

    def _scan(self, folder: Path, rel: str, found: list[SourceFile]) -> None:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            found.append(SourceFile(rel, "unreadable", 0))
            return
        new = tuple.__new__  # a SourceFile without the Python-level __new__ of NamedTuple
        for entry in entries:
            path = f"{rel}/{entry.name}"
            if not entry.name.isascii() and undecoded(path) != path:
                found.append(SourceFile(undecoded(path), "badname", 0))
            # A regular file first (not a link to one): nearly every entry is one.
            elif entry.is_file(follow_symlinks=False):
                # Size unknown (-1) saves a stat per file: the reader stops past the limit.
                found.append(new(SourceFile, (path, "file", -1)))
            elif entry.is_symlink():
                found.append(SourceFile(path, "symlink", 0))
            elif entry.is_dir(follow_symlinks=False):
                if entry.name.endswith((".yaml", ".yml")):
                    # An empty one would otherwise vanish without a word.
                    found.append(SourceFile(path, "folder", 0))
                else:
                    self._scan(Path(entry.path), path, found)
            else:
                found.append(SourceFile(path, "other", 0))

    def read(self, path: str) -> bytes:
        return read_limited(self.root / path)

    def read_many(self, paths: list[str]) -> dict[str, bytes] | None:
        return None

    def read_stat(self, path: str) -> tuple[bytes, os.stat_result]:
        """`read`, with the file's stat taken before its bytes are read (see cache.py)."""
        return read_with_stat(self.root / path)

    def stats(self, paths: list[str]) -> array[int]:
        """Size, modification and change times (ns) and inode of each file, not following
        a symbolic link: 4 numbers a path, -1s for one that is gone. Two threads: an
        lstat is mostly the system call, which runs without the interpreter lock."""
        half = len(paths) // 2
        second: list[int] = []
        helper = threading.Thread(
            target=lambda: second.extend(stat_numbers(str(self.root), paths[half:]))
        )
        helper.start()
        first = stat_numbers(str(self.root), paths[:half])
        helper.join()
        return array("q", first + second)


# What stands where a revision has no inventory/ folder (`in_place_of_inventory`).
NOTHING = "nothing"
_GIT_KINDS = {"120000": "a symbolic link", "160000": "a submodule"}


def in_place_of_inventory(root: Path, commit: str | None) -> str | None:
    """What a commit (None: the working tree) holds at inventory/ when it is not a
    folder: `NOTHING`, "a file", "a symbolic link", "a submodule" or "something else"
    (a device, a pipe); None when it is the inventory/ folder."""
    if commit is not None:
        entry = git.entry_at(root, commit, INVENTORY)
        if entry is None:
            return NOTHING
        if entry.kind == "tree":
            return None
        return _GIT_KINDS.get(entry.mode, "a file")
    try:
        mode = os.lstat(root / INVENTORY).st_mode
    except FileNotFoundError:
        return NOTHING
    except OSError:
        return None  # read as a folder: the reading says what stops it
    if stat.S_ISDIR(mode):
        return None
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    return "a file" if stat.S_ISREG(mode) else "something else"


def unreadable(path: str, exc: OSError) -> Finding:
    """A file the working tree has but gitinv may not read (permissions, a race)."""
    reason = exc.strerror or type(exc).__name__
    return Finding(
        path,
        1,
        1,
        "bad-file",
        f"cannot read the file ({reason}); make it readable (`chmod a+r {path}`) or remove it",
    )


# Why a link is refused: by validation, and by a comparison reading a version of one.
SYMLINK_REFUSED = "symbolic links are not allowed under inventory/; replace it with the file itself"


def file_problem(f: SourceFile) -> Finding | None:
    """What is wrong with a listed entry before it is read, if anything."""
    if f.kind == "badname":
        return Finding(
            f.path,
            1,
            1,
            "bad-path",
            "the name is not UTF-8 (the bytes shown as \\x..); rename it with `git mv` "
            "to a name of letters, digits, dots and dashes",
        )
    if f.kind == "symlink":
        return Finding(
            f.path,
            1,
            1,
            "bad-file",
            SYMLINK_REFUSED,
        )
    if f.kind == "unreadable":
        return Finding(
            f.path,
            1,
            1,
            "bad-file",
            f"cannot open this folder; make it readable (`chmod a+rx {f.path}`) or remove it",
        )
    if f.kind == "folder":
        return Finding(
            f.path,
            1,
            1,
            "bad-file",
            "a folder named like a YAML file; servers and catalogs are files: "
            "remove or rename the folder",
        )
    if f.kind != "file":
        return Finding(f.path, 1, 1, "bad-file", "not a regular file; remove it")
    if f.size > MAX_BYTES:
        return too_large(f.path, f.size)
    return None


def read_limited(path: Path) -> bytes:
    """At most one byte past the size limit: enough to know a file is too large."""
    return read_with_stat(path)[0]


def read_with_stat(path: Path) -> tuple[bytes, os.stat_result]:
    """`read_limited`, and the file's stat taken before its bytes are read. Plain file
    descriptor calls take half the time of a file object, 100,000 times a run; the
    size from the stat saves the read that would only find the end of the file."""
    fd = os.open(path, os.O_RDONLY)
    try:
        st = os.fstat(fd)
        return read_up_to(fd, MAX_BYTES + 1, st.st_size), st
    finally:
        os.close(fd)


def read_up_to(fd: int, want: int, size: int) -> bytes:
    """At most `want` bytes of a file of `size` bytes: one read, unless it comes back short
    (or the file grew)."""
    data = os.read(fd, want)
    if len(data) < min(size, want):
        parts, got = [data], len(data)
        while got < want and (more := os.read(fd, want - got)):
            parts.append(more)
            got += len(more)
        data = b"".join(parts)
    return data


_ONLY_THIS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


def open_regular(path: str | Path) -> tuple[int, int] | None:
    """A descriptor of `path` and its size when it is a regular file, else None (also when
    it cannot be opened); the caller closes it. Nothing else is opened (not a pipe,
    which would never answer, nor a device), and the open follows no link, should the
    file change in between."""
    try:
        st = os.lstat(path)
        if not stat.S_ISREG(st.st_mode):
            return None
        return os.open(path, _ONLY_THIS), st.st_size
    except OSError:
        return None


def read_regular(path: str | Path, most: int | None = None) -> bytes | None:
    """At most `most` bytes (all of them: None) of `path` when it is a regular file (see
    `open_regular`), else None, as when it cannot be read."""
    if (opened := open_regular(path)) is None:
        return None
    fd, size = opened
    try:
        return read_up_to(fd, size if most is None else most, size)
    except OSError:
        return None
    finally:
        os.close(fd)


class GitRevision:
    def __init__(self, root: Path, rev: str) -> None:
        self.root = root
        self.rev = rev
        self.commit = git.resolve_commit(root, rev)
        self._entries = {e.path: e for e in git.ls_tree(root, self.commit, INVENTORY)}
        self._reader: tuple[int, git.BlobReader] | None = None
        self._disk = _Disk(root)

    def files(self) -> list[SourceFile]:
        out = []
        for e in self._entries.values():
            kind = "symlink" if e.mode == "120000" else "file" if e.kind == "blob" else "other"
            if not e.path.isascii() and undecoded(e.path) != e.path:
                out.append(SourceFile(undecoded(e.path), "badname", 0))
            else:
                out.append(SourceFile(e.path, kind, max(e.size, 0)))
        return out

    def blob_id(self, path: str) -> str:
        return self._entries[path].sha

    def size(self, path: str) -> int:
        """The blob's size, from the listing (-1: git gave none)."""
        return self._entries[path].size

    def read(self, path: str) -> bytes:
        return self.read_many([path])[path]

    def read_many(self, paths: list[str]) -> dict[str, bytes]:
        found, paths = self._disk.read(paths, self._entries)
        shas = {p: self._entries[p].sha for p in paths}
        blobs = git.read_blobs(self.root, sorted(set(shas.values()))) if shas else {}
        if len(blobs) < len(set(shas.values())):
            self._missing(next(p for p, s in shas.items() if s not in blobs))
        found.update((p, blobs[s]) for p, s in shas.items())
        return found

    def read_here(self, paths: list[str]) -> dict[str, bytes]:
        """`read_many` through a `git cat-file` of this process's own, kept open between
        calls: each forked worker reads its share itself."""
        if self._reader is None or self._reader[0] != os.getpid():
            reader = git.BlobReader(self.root)
            # Closed, and its git reaped, when the worker ends.
            multiprocessing.util.Finalize(reader, reader.close, exitpriority=0)
            self._reader = (os.getpid(), reader)
        found, paths = self._disk.read(paths, self._entries)
        blobs = self._reader[1].read([self._entries[p].sha for p in paths])
        found.update((p, b) for p, b in zip(paths, blobs, strict=True) if b is not None)
        if any(p not in found for p in paths):
            self._missing(next(p for p in paths if p not in found))
        return found

    def _missing(self, path: str) -> NoReturn:
        """A blob the repository lacks: a partial clone, or a damaged one."""
        raise git.GitError("cat-file", f"{self.rev} has no object for {path}")


class _Disk:
    """A revision's blobs read from the working tree where its file holds exactly their
    bytes (the same hash): the usual case for a build or a report on a checkout of the
    revision, and a fraction of the cost of git inflating each object.

    Only a regular file of the blob's size is opened, in a folder of the repository
    reached without a link (a committed tree's paths are not trusted: no `..`), and
    only bytes with the blob's id are taken; anything else is left to git. Once the
    misses outrun the hits (another revision, a bare repository), the disk is no
    longer tried. The bytes are the blob's whatever git's copy of it is: a damaged
    object is found by `git fsck`, not here."""

    GIVE_UP = 256  # misses beyond the hits

    def __init__(self, root: Path) -> None:
        self.top = os.path.realpath(root)
        self.hits = self.misses = 0
        self._folders: dict[str, bool] = {}

    def read(
        self, paths: list[str], entries: dict[str, git.TreeEntry]
    ) -> tuple[dict[str, bytes], list[str]]:
        """The bytes of those `paths` the working tree holds as they are at the
        revision, and the paths left to git."""
        found: dict[str, bytes] = {}
        rest: list[str] = []
        for i, path in enumerate(paths):
            if self.misses > self.hits + self.GIVE_UP:
                rest += paths[i:]
                break
            entry = entries[path]
            folder, _, name = path.rpartition("/")
            data = (
                _same_blob(f"{self.top}/{path}", entry.sha, entry.size)
                if name not in _NOT_NAMES and self._plain(folder)
                else None
            )
            if data is None:
                self.misses += 1
                rest.append(path)
            else:
                self.hits += 1
                found[path] = data
        return found, rest

    def _plain(self, folder: str) -> bool:
        """Whether `folder` is a folder of the repository by that name, with no link
        and no `..` on the way (asked once a folder)."""
        known = self._folders.get(folder)
        if known is None:
            where = f"{self.top}/{folder}"
            known = self._folders[folder] = (
                not (set(folder.split("/")) & _NOT_NAMES) and os.path.realpath(where) == where
            )
        return known


_NOT_NAMES = frozenset({"", ".", ".."})


def _same_blob(path: str, sha: str, size: int) -> bytes | None:
    """The file's bytes when it is a regular file (`open_regular`) holding the blob `sha`
    of `size` bytes, else None."""
    if not 0 <= size <= MAX_BYTES or (opened := open_regular(path)) is None:
        return None
    fd, found = opened
    try:
        data = read_up_to(fd, size + 1, size) if found == size else b""
    except OSError:
        return None
    finally:
        os.close(fd)
    same = len(data) == size and cache.blob_id(data, sha256=len(sha) == 64) == sha
    return data if same else None


class Overlay:
    """Another source with some files added (new servers, before they are written)."""

    def __init__(self, base: Source, extra: dict[str, bytes]) -> None:
        self.root = base.root
        self.base = base
        self.extra = extra

    def files(self) -> list[SourceFile]:
        added = (SourceFile(p, "file", len(b)) for p, b in self.extra.items())
        return [*self.base.files(), *added]

    def read(self, path: str) -> bytes:
        return self.extra[path] if path in self.extra else self.base.read(path)

    def read_many(self, paths: list[str]) -> dict[str, bytes] | None:
        blobs = self.base.read_many([p for p in paths if p not in self.extra])
        return (
            None if blobs is None else blobs | {p: self.extra[p] for p in paths if p in self.extra}
        )
