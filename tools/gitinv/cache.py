"""Validation results kept between runs, so that a run re-reads only what changed.

What checking one server file gives (its record and its own findings: the schema, and
the references into the catalogs) depends on nothing but the file's path, its bytes and
the rules: gitinv's code, the catalogs and fields.yaml. The cache keeps that result for
each path with the file's git blob id (the hash of its bytes, as `git hash-object`
computes it), in a file named by a key over the rules. A result is used again only for
the same path, the same bytes and the same rules. The whole-inventory rules (unique names
and IPs) are not kept: they run over every record every time.

A revision's files come with their blob ids from the tree. A working-tree file is known
unchanged without reading it from its stat (size, modification and change times, inode),
as git's index does; a stat is kept only once the file is RACY_NS old, since a change made
within a timestamp's resolution of the last one could leave the same times.

The file is written to a temporary file and renamed over the old one, so concurrent runs
never see half of one; anything unexpected in it (another format or key, a truncated or
corrupt file, wrong types) makes it ignored and rewritten. Nowhere to keep it (no git
directory, a folder that cannot be written) means no cache, never an error.

The file is a line of JSON (the format, the key, the paths, the findings), the numbers
(blob ids, stats, what each file is, its ip's position and key) as packed arrays of a
known size, then a line of JSON a file with its fields. A check decodes the first line
only; the fields are decoded when records are asked for, and copied as they are.

Public API::

    store = Store.open(root)          # $GITINV_CACHE_DIR, else <git dir>/gitinv; or None
    session = store.session(key)      # what is kept under `key` (nothing if unusable)
    hits, todo = session.by_blobs(paths, blob_ids)   # kept results, and paths to read
    hits, todo = session.by_stats(paths, stats)      # working-tree files (see WorkTree.stats)
    hits.findings() / hits.names() / hits.ip_keys() / hits.valid() / hits.rows(fields=...)
    session.row(path, blob)           # the kept Row for these bytes, or None
    session.keep(path, blob, stat, fields, pos, key, findings)
    session.save(paths)               # every server file of this run, sorted
    blob_id(data)                     # git's object id of a blob with these bytes
"""

from __future__ import annotations

import contextlib
import hashlib
import mmap
import os
import subprocess
import sys
import tempfile
import time
from array import array
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeVar

import orjson

from gitinv import __version__, git
from gitinv.report import Finding
from gitinv.stats import identity

ENV = "GITINV_CACHE_DIR"
FORMAT = "gitinv-validate-cache/2"
PREFIX = "validate-"
KEEP = 4  # files kept, one a key: the working tree and main may differ in catalogs
RACY_NS = 2 * 10**9  # FAT's 2 s timestamps are the coarsest in common use
REWRITE_FROM = 1000  # the file is rewritten once a thousandth of its rows changed
PREFETCH_FROM = 4 << 20  # bytes of cache file (about 12,000 servers) worth a Prefetch child

Stat = tuple[int, int, int, int]  # size, mtime_ns, ctime_ns, inode
Pos = tuple[int, int]
IPKey = tuple[int, int]
# What checking a server file gave: its path, its fields ({}: a server file that is not
# valid; None: not a server file at all), the ip's position and key, its findings.
Row = tuple[str, "dict[str, Any] | None", Pos, "IPKey | None", list[Finding]]

STAT = 4  # numbers a file in a stats column: see Stat; 0s: not known, -1s: no such file
_IP = 5  # numbers a row in the ips column: line, column, version (0: no key), high, low
_SHA = 20  # bytes of a blob id
_LOW = 2**64 - 1
_UNKNOWN = (0,) * STAT
_T = TypeVar("_T")
# What a row is (the kinds column): no record, a record without fields, a valid server.
NONE, INVALID, VALID = 0, 1, 2


def blob_id(data: bytes) -> str:
    """`git hash-object` of these bytes (without filters): sha1 of "blob LEN\\0" + data."""
    h = hashlib.sha1(b"blob %d\0" % len(data))
    h.update(data)
    return h.hexdigest()


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
        return Session(self, key, _read(self.path(key), key))

    def write(self, key: str, data: bytes) -> None:
        """Replace the file for `key` whole (a temporary file renamed over it); then drop
        the oldest files past KEEP. Any failure leaves things as they were."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{PREFIX}", suffix=".tmp", dir=self.folder)
        except OSError:
            return
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, self.path(key))
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            return
        self._prune()

    def _prune(self) -> None:
        try:
            found = [(p.stat().st_mtime_ns, p) for p in self.folder.glob(f"{PREFIX}*.cache")]
            for _, old in sorted(found, reverse=True)[KEEP:]:
                old.unlink()
        except OSError:
            pass


def _dumps(value: object) -> bytes:
    """JSON of `value`; one JSON would not give back as it was (a date, say) raises
    TypeError instead of being written as something else."""
    return orjson.dumps(
        value,
        default=_refuse,
        option=orjson.OPT_PASSTHROUGH_DATETIME
        | orjson.OPT_PASSTHROUGH_SUBCLASS
        | orjson.OPT_PASSTHROUGH_DATACLASS,
    )


def _refuse(value: object) -> None:
    raise TypeError(f"not kept in the cache: {type(value).__name__}")


def _line(fields: dict[str, Any] | None) -> bytes:
    # A copy of exactly its size: orjson's own output holds a 4 KiB block each.
    return bytes(memoryview(_dumps(fields)))


class _Builder:
    """New columns in path order, from this run's results and rows kept before, in
    plain lists turned into packed arrays once."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        self.rows: list[_Kept | tuple[_Columns, int]] = []

    def add(self, path: str, kept: _Kept) -> None:
        self.paths.append(path)
        self.rows.append(kept)

    def copy(self, other: _Columns, i: int) -> None:
        self.paths.append(other.paths[i])
        self.rows.append((other, i))

    def columns(self) -> _Columns:
        """The columns; a result JSON cannot hold as it is (a date, say) is left out."""
        c = _Columns()
        blobs: list[str] = []
        stats: list[int] = []
        ips: list[int] = []
        lines = bytearray()  # one buffer: orjson's output holds a 4 KiB block each
        for path, row in zip(self.paths, self.rows, strict=True):
            if len(row) == 2:  # a row kept before, as it was
                other, i = row
                lines += other.lines[i]
                kind, found = other.kinds[i], other.findings.get(i)
                blobs.append(other.blob(i))
                stats += other.stats[STAT * i : STAT * (i + 1)]
                ips += other.ips[_IP * i : _IP * (i + 1)]
            else:
                blob, stat, fields, pos, key, found = row
                try:
                    lines += _dumps(fields)
                except TypeError:
                    continue
                kind = NONE if fields is None else VALID if fields else INVALID
                blobs.append(blob)
                stats += stat or _UNKNOWN
                version, number = key or (0, 0)
                ips += (pos[0], pos[1], version, number >> 64, number & _LOW)
            lines += b"\n"
            if found:
                c.findings[len(c.paths)] = found
            c.paths.append(path)
            c.kinds.append(kind)
        c.blobs = bytearray.fromhex("".join(blobs))
        c.stats = array("q", stats)
        c.ips = array("Q", ips)
        c.raw, c.lines_at, c._lines = bytes(lines), 0, None
        return c


# What a run found for one file: blob id, stat (None: not to be trusted), fields, the
# ip's position and key, findings.
_Kept = tuple[str, "Stat | None", "dict[str, Any] | None", Pos, "IPKey | None", list[Finding]]


class _Columns:
    """A cache file's contents, column by column, one row a server file, in path order."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        self.blobs = bytearray()  # _SHA bytes a row
        self.stats: array[int] = array("q")  # STAT numbers a row
        self.ips: array[int] = array("Q")  # _IP numbers a row
        self.kinds = bytearray()  # NONE, INVALID or VALID
        self.findings: dict[int, list[Finding]] = {}  # by row, only where there are any
        # The fields as JSON, a line a row: split from the file's bytes when first used.
        self._lines: list[bytes] | None = []
        # Or, until they are first used: the file (mapped) or new bytes holding them.
        self.raw: mmap.mmap | bytes | None = None
        self.lines_at = 0
        self.identity: tuple[int, int, int] | None = None  # of the file read, if any

    @property
    def lines(self) -> list[bytes]:
        """ValueError when the file's lines are not one a row (a damaged file)."""
        if self._lines is None:
            assert self.raw is not None
            section = self.raw[self.lines_at :]
            lines = section.split(b"\n")
            if len(lines) != len(self.paths) + 1 or lines.pop() != b"":
                raise ValueError("cache: not a line of fields a row")
            self._lines, self.raw = lines, None
        return self._lines

    def set(self, i: int, kept: _Kept) -> None:
        """Row `i` from a run's result; one JSON cannot hold makes the row match nothing."""
        try:
            line = _line(kept[2])
        except TypeError:
            self.blobs[_SHA * i : _SHA * (i + 1)] = bytes(_SHA)
            self.stats[STAT * i : STAT * (i + 1)] = array("q", (0,) * STAT)
            return
        self._set(i, kept, line)

    def _set(self, i: int, kept: _Kept, line: bytes) -> None:
        blob, stat, fields, pos, key, found = kept
        version, number = key or (0, 0)
        self.ips[_IP * i : _IP * (i + 1)] = array("Q", (*pos, version, number >> 64, number & _LOW))
        self.blobs[_SHA * i : _SHA * (i + 1)] = bytes.fromhex(blob)
        self.stats[STAT * i : STAT * (i + 1)] = array("q", stat or (0,) * STAT)
        self.kinds[i] = NONE if fields is None else VALID if fields else INVALID
        self.lines[i] = line
        if found:
            self.findings[i] = found
        else:
            self.findings.pop(i, None)

    def blob(self, i: int) -> str:
        return self.blobs[_SHA * i : _SHA * (i + 1)].hex()

    def stat(self, i: int) -> Stat | None:
        size, mtime, ctime, inode = self.stats[STAT * i : STAT * (i + 1)]
        return (size, mtime, ctime, inode) if mtime or ctime or inode else None

    def fields(self, i: int) -> dict[str, Any] | None:
        """The fields of row `i`; ValueError when its line is not what its kind says."""
        kind = self.kinds[i]
        if kind == NONE:
            return None
        fields = orjson.loads(self.lines[i])
        if type(fields) is not dict or bool(fields) != (kind == VALID):
            raise ValueError(f"cache: row {i} does not hold a server's fields")
        return fields

    def row(self, i: int) -> Row:
        line, column, version, high, low = self.ips[_IP * i : _IP * (i + 1)]
        return (
            self.paths[i],
            self.fields(i),
            (line, column),
            (version, high << 64 | low) if version else None,
            list(self.findings.get(i, ())),
        )

    def _section(self) -> list[bytes]:
        """The lines of fields as the file holds them."""
        if self._lines is None:
            assert self.raw is not None
            return [self.raw[self.lines_at :]]
        return [b"\n".join(self._lines), b"\n" if self._lines else b""]

    def encode(self, key: str) -> bytes:
        header = {
            "format": FORMAT,
            "key": key,
            "paths": self.paths,
            "findings": {
                str(i): [[f.file, f.line, f.column, f.code, f.message] for f in found]
                for i, found in self.findings.items()
            },
        }
        return b"".join(
            [
                orjson.dumps(header),
                b"\n",
                self.blobs,
                self.stats.tobytes(),
                self.ips.tobytes(),
                self.kinds,
                *self._section(),
            ]
        )


def _read(path: Path, key: str) -> _Columns:
    """The columns kept in `path`, or none when the file is missing or not to be trusted.

    The file is mapped, not read: a check never touches the lines of fields, two thirds
    of it. The mapping holds the file as it was even when another run replaces it."""
    try:
        with open(path, "rb") as f:
            which = identity(os.fstat(f.fileno()))
            data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        columns = _parse(data, key)
    except (OSError, ValueError, KeyError, TypeError):
        columns = None
    if columns is None:
        return _Columns()
    columns.identity = which
    return columns


def _parse(data: mmap.mmap, key: str) -> _Columns | None:
    """The columns, when their types and sizes are as written: a damaged file must not
    reach a record or a report. (The lines of fields are checked when first used.)"""
    end = data.find(b"\n")
    if end < 0:
        return None
    with memoryview(data) as view:
        header = orjson.loads(view[:end])
    if type(header) is not dict or header.get("format") != FORMAT or header.get("key") != key:
        return None
    c = _Columns()
    c.paths, findings = header["paths"], header["findings"]
    if type(c.paths) is not list or type(findings) is not dict:
        return None
    n = len(c.paths)
    at = end + 1
    sizes = (_SHA * n, 8 * STAT * n, 8 * _IP * n, n)
    if len(data) < at + sum(sizes):
        return None
    with memoryview(data) as view:
        c.blobs = bytearray(view[at : at + sizes[0]])
        at += sizes[0]
        c.stats.frombytes(view[at : at + sizes[1]])
        at += sizes[1]
        c.ips.frombytes(view[at : at + sizes[2]])
        at += sizes[2]
        c.kinds = bytearray(view[at : at + sizes[3]])
        at += sizes[3]
    if not (
        (not n or set(map(type, c.paths)) == {str})
        and not c.kinds.translate(None, bytes((NONE, INVALID, VALID)))
    ):
        return None
    c.raw, c.lines_at, c._lines = data, at, None
    for index, found in findings.items():
        if not (index.isdigit() and int(index) < n and type(found) is list):
            return None
        kept = []
        for f in found:
            if type(f) is not list or [type(x) for x in f] != [str, int, int, str, str]:
                return None
            kept.append(Finding(*f))
        c.findings[int(index)] = kept
    return c


class Hits:
    """The kept results of the files found unchanged (rows of the cache, in path order),
    column by column: a check needs their names, IP keys and findings, not their records.

    Usually every row but a few (`skip`, the files that changed), taken from whole
    columns; else the `rows` given."""

    def __init__(self, columns: _Columns, rows: list[int] | None, skip: list[int]) -> None:
        self.columns = columns
        self.rows_ = rows
        self.skip = skip  # sorted; only with rows None

    def __len__(self) -> int:
        if self.rows_ is None:
            return len(self.columns.paths) - len(self.skip)
        return len(self.rows_)

    def _pick(self, full: list[_T]) -> list[_T]:
        """Of a value a row, those of the rows held."""
        if self.rows_ is not None:
            return [full[i] for i in self.rows_]
        if not self.skip:
            return full
        out = list(full)
        for i in reversed(self.skip):
            del out[i]
        return out

    def paths(self) -> list[str]:
        return self._pick(self.columns.paths)

    def kinds(self) -> list[int]:
        return self._pick(list(self.columns.kinds))

    def names(self) -> list[str]:
        """The server names (file stems) of the rows; those of no record too."""
        return [p[p.rindex("/") + 1 : -5] for p in self.paths()]

    def ip_keys(self) -> list[IPKey | None]:
        n = self.columns.ips.tolist()
        return self._pick(
            [
                (version, high << 64 | low) if version else None
                for version, high, low in zip(n[2::5], n[3::5], n[4::5], strict=True)
            ]
        )

    def findings(self) -> list[Finding]:
        found = self.columns.findings
        if self.rows_ is None:
            skipped = set(self.skip)
            return [f for i in sorted(found) if i not in skipped for f in found[i]]
        return [f for i in self.rows_ if i in found for f in found[i]]

    def rows(self, only: set[int] | None = None, *, fields: bool = True) -> list[Row]:
        """The rows (those at the positions in `only`), their fields decoded, or {} when
        only the rules across files look at them. ValueError: a line is damaged."""
        c = self.columns
        order = self._pick(list(range(len(c.paths))))
        wanted = order if only is None else [order[at] for at in sorted(only)]
        out: list[Row] = []
        for i in wanted:
            line, column, version, high, low = c.ips[_IP * i : _IP * (i + 1)]
            kind = c.kinds[i]
            out.append(
                (
                    c.paths[i],
                    c.fields(i) if fields or kind == NONE else {},
                    (line, column),
                    (version, high << 64 | low) if version else None,
                    list(c.findings.get(i, ())),
                )
            )
        return out


class Session:
    """One run's use of the cache: the results kept before, and what this run found."""

    def __init__(self, store: Store, key: str, old: _Columns) -> None:
        self.store = store
        self.key = key
        self.old = old
        self.started = time.time_ns()
        self._index: dict[str, int] | None = None
        self.kept: dict[str, _Kept] = {}

    def forget(self) -> None:
        """Use nothing kept (part of it turned out damaged); the next save writes all."""
        self.old = _Columns()
        self._index = None

    def _find(self, path: str) -> int | None:
        if self._index is None:
            self._index = {p: i for i, p in enumerate(self.old.paths)}
        return self._index.get(path)

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
                paths, _differing_rows(bytes.fromhex("".join(blobs)), old.blobs, _SHA)
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

    def _rows(self, paths: list[str]) -> _Columns | None:
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
        rows = _Builder()
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
            return self.old.lines[i] != _dumps(fields)
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

    def stats(self, columns: _Columns) -> array[int] | None:
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
