"""Validation results kept between runs, so that a run re-reads only what changed.

What checking one server file gives (its record and its own findings: the schema, and
the references into the catalogs) depends on nothing but the file's path, its bytes and
the rules: gitinv's code, the catalogs, fields.yaml and settings.yaml. The cache keeps
that result for each path with the file's git blob id (the hash of its bytes, as `git
hash-object` computes it), in a file named by a key over the rules (cache_file.py). A
result is used again only for the same path, the same bytes and the same rules. The
whole-inventory rules (unique names and IPs) are not kept: they run over every record
every time.

A revision's files come with their blob ids from the tree. A working-tree file is known
unchanged without reading it from its stat (size, modification and change times, inode),
as git's index does; a stat is kept only once the file is RACY_NS old, since a change made
within a timestamp's resolution of the last one could leave the same times.

The file is written to a temporary file and renamed over the old one, so concurrent runs
never see half of one; anything unexpected in it (another format or key, a truncated or
corrupt file, wrong types) makes it ignored and rewritten. Nowhere to keep it (no git
directory, a folder that cannot be written) means no cache, never an error.

Public API::

    store = Store.open(root)          # $GITINV_CACHE_DIR, else <git dir>/gitinv; or None
    session = store.session(rules_key(parts))   # what is kept (nothing if unusable)
    hits, todo = session.by_blobs(paths, blob_ids)   # kept results, and paths to read
    hits, todo = session.by_stats(paths, stats)      # working-tree files (WorkTree.stats)
    session.row(path, blob)           # the kept Row for these bytes, or None
    session.keep(path, blob, stat, fields, pos, key, findings)
    session.save(paths)               # every server file of this run, sorted
    Prefetch.start(root).stats(session.old)   # the stats, taken by a child meanwhile
    blob_id(data)                     # git's object id of a blob with these bytes
    file_blob_id(path)                # the same of a file's bytes, read in parts
"""

from __future__ import annotations

import bisect
import contextlib
import hashlib
import os
import subprocess
import sys
import tempfile
import time
from array import array
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from gitinv import __version__, git
from gitinv.cache_file import (
    SHA,
    STAT,
    Builder,
    Columns,
    Hits,
    Kept,
    Pos,
    Row,
    Stat,
    dumps,
)
from gitinv.cache_file import read as read_columns
from gitinv.report import Finding

if TYPE_CHECKING:
    from gitinv.ipkey import IPKey

ENV = "GITINV_CACHE_DIR"
PREFIX = "validate-"
KEEP = 4  # files kept, one a key: the working tree and main may differ in catalogs
STALE_SECONDS = 3600  # a temporary file this old was left by a run that was killed
RACY_NS = 2 * 10**9  # FAT's 2 s timestamps are the coarsest in common use
# Lookups of a row by bisection before every path is indexed in a dict.
BISECT_LOOKUPS = 64
REWRITE_FROM = 1000  # the file is rewritten once a thousandth of its rows changed
PREFETCH_FROM = 4 << 20  # bytes of cache file (about 12,000 servers) worth a Prefetch child


def blob_id(data: bytes, *, sha256: bool = False) -> str:
    """`git hash-object` of these bytes (without filters): sha1 of "blob LEN\\0" + data,
    or sha256 in a repository of that object format."""
    h = _blob_hash(len(data), sha256)
    h.update(data)
    return h.hexdigest()


def file_blob_id(path: Path, *, sha256: bool = False) -> str:
    """`blob_id` of a file's bytes, read a part at a time (a file too large to hold)."""
    with path.open("rb") as f:
        h = _blob_hash(os.fstat(f.fileno()).st_size, sha256)
        while part := f.read(1 << 20):
            h.update(part)
    return h.hexdigest()


def _blob_hash(size: int, sha256: bool) -> hashlib._Hash:
    """The hash of a blob of `size` bytes, its header given: the bytes are to follow."""
    return (hashlib.sha256 if sha256 else hashlib.sha1)(b"blob %d\0" % size)


def stat_of(st: os.stat_result) -> Stat:
    return st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino


_code: str | None = None


def code_version() -> str:
    """gitinv's version and a digest of its code, and the libraries' versions: a result
    computed by other code (a development install changes without a new version number)
    is not used again. The byte order is that of the packed columns."""
    global _code
    if _code is None:
        import pydantic
        import yaml

        h = hashlib.sha256()
        package = Path(__file__).resolve().parent
        for path in sorted(package.rglob("*.py")):
            h.update(path.relative_to(package).as_posix().encode() + b"\0")
            h.update(path.read_bytes())
        _code = (
            f"{__version__} {h.hexdigest()[:20]} python {sys.version.split()[0]} "
            f"pydantic {pydantic.VERSION} pyyaml {yaml.__version__}"
            f"{' libyaml' if getattr(yaml, '__with_libyaml__', False) else ''} "
            f"{sys.byteorder} {array('q').itemsize}"
        )
    return _code


def rules_key(parts: Iterable[tuple[str, str]]) -> str:
    """The key results are kept under: the code and (name, state) of each rules file."""
    h = hashlib.sha256(code_version().encode())
    for name, state in parts:
        h.update(f"\0{name}\0{state}".encode())
    return h.hexdigest()


class Store:
    """The folder the cache files live in."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @classmethod
    def open(cls, root: Path) -> Store | None:
        configured = os.environ.get(ENV)
        if configured:
            return cls(Path(configured).absolute())
        found = git.git_dir(root)
        return cls(found / "gitinv") if found is not None else None

    def path(self, key: str) -> Path:
        return self.folder / f"{PREFIX}{key[:24]}.cache"

    def session(self, key: str) -> Session:
        return Session(self, key, read_columns(self.path(key), key))

    def write(self, key: str, data: bytes) -> None:
        """Replace the file for `key` whole; see `replace`."""
        self.replace(PREFIX, self.path(key).name, data)

    def replace(self, prefix: str, name: str, data: bytes, keep: int = KEEP) -> None:
        """Replace the file `name` whole (a temporary file renamed over it); then drop
        the oldest files of its kind (named `prefix...` with its suffix) past `keep`, and
        temporary files of its kind an hour old (left by a run killed while it wrote).
        Any failure leaves things as they were."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{prefix}", suffix=".tmp", dir=self.folder)
        except OSError:
            return
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, self.folder / name)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            return
        try:
            found = self.folder.glob(f"{prefix}*{Path(name).suffix}")
            for _, old in sorted(((p.stat().st_mtime_ns, p) for p in found), reverse=True)[keep:]:
                old.unlink()
            stale = time.time() - STALE_SECONDS
            for left in self.folder.glob(f".{prefix}*.tmp"):
                if left.stat().st_mtime < stale:
                    left.unlink()
        except OSError:
            pass


class Session:
    """One run's use of the cache: the results kept before, and what this run found."""

    def __init__(self, store: Store, key: str, old: Columns) -> None:
        self.store = store
        self.key = key
        self.old = old
        self.started = time.time_ns()
        self._index: dict[str, int] | None = None
        self._lookups = 0
        self.kept: dict[str, Kept] = {}

    def forget(self) -> None:
        """Use nothing kept (part of it turned out damaged); the next save writes all."""
        self.old = Columns()
        self._index = None
        self._lookups = 0

    def _find(self, path: str) -> int | None:
        """The row of `path`. The rows are written in path order: the first few are found
        by bisection, without indexing every path (a warm run looks up one or two). Rows
        out of order (a damaged file) may make a path not found, and its file is read
        again; a row found is always the one kept under that path."""
        if self._index is not None:
            return self._index.get(path)
        self._lookups += 1
        if self._lookups > BISECT_LOOKUPS:
            self._index = {p: i for i, p in enumerate(self.old.paths)}
            return self._index.get(path)
        paths = self.old.paths
        i = bisect.bisect_left(paths, path)
        return i if i < len(paths) and paths[i] == path else None

    def row(self, path: str, blob: str) -> Row | None:
        """The kept row for these bytes at this path, or None."""
        i = self._find(path)
        if i is None or self.old.blob(i) != blob:
            return None
        try:
            return self.old.row(i)
        except ValueError:
            return None

    def by_blobs(self, paths: list[str], blobs: list[str]) -> tuple[Hits, list[str]]:
        """The kept results for these paths (sorted) at these blob ids, and the paths
        without one."""
        old = self.old
        if paths == old.paths:  # the same files as last time: compared block by block
            return self._all_but(
                paths, _differing_rows(bytes.fromhex("".join(blobs)), old.blobs, SHA)
            )
        same = []
        for path, blob in zip(paths, blobs, strict=True):
            i = self._find(path)
            if i is not None and old.blob(i) == blob:
                same.append(i)
        return self._split(paths, same)

    def by_stats(self, paths: list[str], stats: array[int]) -> tuple[Hits, list[str]]:
        """The same, for working-tree files known unchanged from their stat: `stats`
        holds STAT numbers a path."""
        old = self.old
        if paths == old.paths:
            return self._all_but(paths, _differing_rows(stats, old.stats, STAT))
        same = []
        for at, path in enumerate(paths):
            i = self._find(path)
            if (
                i is not None
                and stats[STAT * at : STAT * (at + 1)] == old.stats[STAT * i : STAT * (i + 1)]
            ):
                same.append(i)
        return self._split(paths, same)

    def _all_but(self, paths: list[str], differ: list[int]) -> tuple[Hits, list[str]]:
        return Hits(self.old, None, differ), [paths[i] for i in differ]

    def _split(self, paths: list[str], rows: list[int]) -> tuple[Hits, list[str]]:
        found = {self.old.paths[i] for i in rows}
        return Hits(self.old, rows, []), [p for p in paths if p not in found]

    def keep(
        self,
        path: str,
        blob: str,
        stat: Stat | None,
        fields: dict[str, Any] | None,
        pos: Pos,
        key: IPKey | None,
        findings: list[Finding],
    ) -> None:
        """This run's result for `path` (a stat, if any, taken before its bytes were read;
        one too recent to trust is dropped when the rows are written)."""
        self.kept[path] = (blob, stat, fields, pos, key, findings)

    def _trusted(self) -> None:
        """Drop the stats taken within RACY_NS of this run's start: the next run reads
        those files again."""
        recent = self.started - RACY_NS
        for path, (blob, stat, *rest) in self.kept.items():
            if stat is not None and (stat[1] >= recent or stat[2] >= recent):
                self.kept[path] = (blob, None, *rest)  # type: ignore[assignment]

    def save(self, paths: list[str]) -> None:
        """Write the results for this run's files (`paths`, sorted): those kept from before
        and those this run found. A result JSON cannot hold as it is (a date, say) is left
        out: that file is read again.

        Rewriting the file costs about as much as checking a thousandth of its files
        again: while fewer than that changed since it was written, it is left as it is
        and the next run reads those few files again."""
        self._trusted()
        try:
            new = self._rows(paths)
        except ValueError:  # the kept file's lines turned out damaged: this run's rows only
            self.forget()
            new = self._rows(paths)
        if new is not None:
            self.store.write(self.key, new.encode(self.key))

    def _rows(self, paths: list[str]) -> Columns | None:
        """The columns to write, or None when the file is to be left as it is."""
        old = self.old
        if paths == old.paths:
            changed = [p for p in self.kept if self._changed(p)]
            if len(changed) * REWRITE_FROM < len(paths) or not changed:
                return None
            for path in changed:  # in place: this run reads nothing more from them
                i = self._find(path)
                assert i is not None
                old.set(i, self.kept[path])
            return old
        if old.paths:
            added = sum(1 for p in paths if self._find(p) is None)
            removed = len(old.paths) - (len(paths) - added)
            changed = [p for p in self.kept if self._changed(p)]
            if (len(changed) + added + removed) * REWRITE_FROM < len(paths):
                return None
        rows = Builder()
        for path in paths:
            if path in self.kept:
                rows.add(path, self.kept[path])
            elif (i := self._find(path)) is not None:
                rows.copy(old, i)  # unchanged, or not read (an unreadable file, say)
        return rows.columns()

    def _changed(self, path: str) -> bool:
        """Whether the row for `path` must be written: new bytes, a new stat, or a line
        of fields that is not what this run found (a damaged one)."""
        blob, stat, fields, *_ = self.kept[path]
        i = self._find(path)
        if i is None or self.old.blob(i) != blob or self.old.stat(i) != stat:
            return True
        try:
            return self.old.lines[i] != dumps(fields)
        except TypeError:
            return True


def _differing_rows(a: Any, b: Any, width: int, block: int = 512) -> list[int]:
    """The rows (`width` items each) where two equally long sequences differ: whole
    blocks are compared at once, row by row only inside a block that differs."""
    out: list[int] = []
    size = width * block
    for start in range(0, len(a), size):
        if a[start : start + size] == b[start : start + size]:
            continue
        for j in range(start, min(start + size, len(a)), width):
            if a[j : j + width] != b[j : j + width]:
                out.append(j // width)
    return out


class Prefetch:
    """The stats of the files the newest cache file lists, taken by a child process
    while this one goes on importing gitinv and listing the inventory: after pydantic's
    start-up and the listing, these are a warm run's biggest costs; side by side on two
    cores they overlap. The child reads nothing but the cache file's first line."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        self.proc = proc

    @classmethod
    def start(cls, root: Path) -> Prefetch | None:
        """A child taking the stats, or None where it would not pay (no cache, or one of
        fewer than some ten thousand files) or cannot start."""
        store = Store.open(root)
        if store is None:
            return None
        try:
            found = [(p.stat(), p) for p in store.folder.glob(f"{PREFIX}*.cache")]
            if not found:
                return None
            st, newest = max(found, key=lambda pair: pair[0].st_mtime_ns)
            if st.st_size < PREFETCH_FROM:
                return None
            proc = subprocess.Popen(
                [sys.executable, "-m", "gitinv.stats", str(root), str(newest)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        except (OSError, ValueError):
            return None
        return cls(proc)

    def stats(self, columns: Columns) -> array[int] | None:
        """The stats of `columns`' paths (in their order), when the child read the very
        file they come from; else None."""
        try:
            out = self._finish()
            end = out.index(b"\n")
            header = orjson.loads(out[:end])
            numbers = array("q")
            numbers.frombytes(out[end + 1 :])
        except (OSError, ValueError, TypeError):
            return None
        if (
            type(header) is not dict
            or columns.identity is None
            or header.get("identity") != list(columns.identity)
            or len(numbers) != STAT * len(columns.paths)
        ):
            return None
        return numbers

    def _finish(self) -> bytes:
        assert self.proc.stdout is not None
        with self.proc.stdout:
            out = self.proc.stdout.read()
        if self.proc.wait() != 0:
            raise OSError("the stat child failed")
        return out

    def close(self) -> None:
        """Stop the child if nobody asked for its result."""
        if self.proc.returncode is None:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
