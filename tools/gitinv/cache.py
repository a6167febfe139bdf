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

The file is JSON: the paths and the records' fields as lists, the numbers (blob ids,
stats, the ip's position and key) as base64 of packed arrays, which load in a fraction of
the time a list of numbers takes.

Public API::

    store = Store.open(root)          # $GITINV_CACHE_DIR, else <git dir>/gitinv; or None
    session = store.session(key)      # what is kept under `key` (nothing if unusable)
    rows, todo = session.by_blobs(paths, blob_ids)   # kept Rows, and the paths to read
    rows, todo = session.by_stats(paths, stat_columns(stats))   # working-tree files
    session.row(path, blob)           # the kept Row for these bytes, or None
    session.keep(path, blob, stat, fields, pos, key, findings)
    session.save(paths)               # every server file of this run, sorted
    blob_id(data)                     # git's object id of a blob with these bytes
"""

from __future__ import annotations

import binascii
import contextlib
import hashlib
import os
import sys
import tempfile
import time
from array import array
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson

from gitinv import __version__, git
from gitinv.report import Finding

ENV = "GITINV_CACHE_DIR"
FORMAT = "gitinv-validate-cache/1"
PREFIX = "validate-"
KEEP = 4  # files kept, one a key: the working tree and main may differ in catalogs
RACY_NS = 2 * 10**9  # FAT's 2 s timestamps are the coarsest in common use

Stat = tuple[int, int, int, int]  # size, mtime_ns, ctime_ns, inode
Pos = tuple[int, int]
IPKey = tuple[int, int]
# What checking a server file gave: its path, its fields ({}: a server file that is not
# valid; None: not a server file at all), the ip's position and key, its findings.
Row = tuple[str, "dict[str, Any] | None", Pos, "IPKey | None", list[Finding]]

_STAT = 4  # numbers a row in the stats column: see Stat (0s: not known)
_IP = 5  # in the ips column: line, column, version (0: no key), high and low 64 bits
_SHA = 20  # bytes of a blob id
_MISSING = (-1, -1, -1, -1)  # a file that could not be stat'ed: equal to nothing kept
_LOW = 2**64 - 1


def blob_id(data: bytes) -> str:
    """`git hash-object` of these bytes (without filters): sha1 of "blob LEN\\0" + data."""
    h = hashlib.sha1(b"blob %d\0" % len(data))
    h.update(data)
    return h.hexdigest()


def stat_of(st: os.stat_result) -> Stat:
    return st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino


def stat_columns(stats: Iterable[os.stat_result | None]) -> array[int]:
    """4 numbers a file (see Stat), as `Session.by_stats` takes them."""
    out: list[int] = []
    for st in stats:
        out += (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino) if st else _MISSING
    return array("q", out)


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
        return self.folder / f"{PREFIX}{key[:24]}.json"

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
            found = [(p.stat().st_mtime_ns, p) for p in self.folder.glob(f"{PREFIX}*.json")]
            for _, old in sorted(found, reverse=True)[KEEP:]:
                old.unlink()
        except OSError:
            pass


def _dumps(doc: dict[str, Any]) -> bytes:
    """JSON of the document; a value JSON would not give back as it was (a date, say)
    raises TypeError instead of being written as something else."""
    return orjson.dumps(
        doc,
        default=_refuse,
        option=orjson.OPT_PASSTHROUGH_DATETIME
        | orjson.OPT_PASSTHROUGH_SUBCLASS
        | orjson.OPT_PASSTHROUGH_DATACLASS,
    )


def _refuse(value: object) -> None:
    raise TypeError(f"not kept in the cache: {type(value).__name__}")


def _pack(numbers: array[int] | bytearray) -> str:
    return binascii.b2a_base64(numbers, newline=False).decode("ascii")


def _unpack(text: object, kind: str) -> array[int]:
    if type(text) is not str:
        raise TypeError("not a packed column")
    out = array(kind)
    out.frombytes(binascii.a2b_base64(text, strict_mode=True))
    return out


class _Columns:
    """A cache file's contents, column by column, one row a server file, in path order."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        self.blobs = bytearray()  # _SHA bytes a row
        self.stats: array[int] = array("q")  # _STAT numbers a row
        self.ips: array[int] = array("Q")  # _IP numbers a row
        self.fields: list[dict[str, Any] | None] = []
        self.findings: dict[int, list[Finding]] = {}  # by row, only where there are any

    def append(self, path: str, kept: _Kept) -> None:
        self.paths.append(path)
        self.blobs += b"\0" * _SHA
        self.stats.extend((0,) * _STAT)
        self.ips.extend((0,) * _IP)
        self.fields.append(None)
        self.set(len(self.paths) - 1, kept)

    def set(self, i: int, kept: _Kept) -> None:
        blob, stat, fields, pos, key, found = kept
        self.blobs[_SHA * i : _SHA * (i + 1)] = bytes.fromhex(blob)
        self.stats[_STAT * i : _STAT * (i + 1)] = array("q", stat or (0,) * _STAT)
        version, number = key or (0, 0)
        self.ips[_IP * i : _IP * (i + 1)] = array("Q", (*pos, version, number >> 64, number & _LOW))
        self.fields[i] = fields
        if found:
            self.findings[i] = found
        else:
            self.findings.pop(i, None)

    def copy(self, other: _Columns, i: int) -> None:
        if i in other.findings:
            self.findings[len(self.paths)] = other.findings[i]
        self.paths.append(other.paths[i])
        self.blobs += other.blobs[_SHA * i : _SHA * (i + 1)]
        self.stats += other.stats[_STAT * i : _STAT * (i + 1)]
        self.ips += other.ips[_IP * i : _IP * (i + 1)]
        self.fields.append(other.fields[i])

    def blob(self, i: int) -> str:
        return self.blobs[_SHA * i : _SHA * (i + 1)].hex()

    def stat(self, i: int) -> Stat | None:
        size, mtime, ctime, inode = self.stats[_STAT * i : _STAT * (i + 1)]
        return (size, mtime, ctime, inode) if mtime or ctime or inode else None

    def rows(self, rows: list[int]) -> list[Row]:
        if len(rows) == len(self.paths):  # every row, in order: column by column
            n = self.ips.tolist()
            got: list[Row] = [
                (path, fields, (line, column), (version, high << 64 | low) if version else None, [])
                for path, fields, line, column, version, high, low in zip(
                    self.paths,
                    self.fields,
                    n[0::5],
                    n[1::5],
                    n[2::5],
                    n[3::5],
                    n[4::5],
                    strict=True,
                )
            ]
            for i, found in self.findings.items():
                got[i][4].extend(found)
            return got
        return [self.row(i) for i in rows]

    def row(self, i: int) -> Row:
        line, column, version, high, low = self.ips[_IP * i : _IP * (i + 1)]
        return (
            self.paths[i],
            self.fields[i],
            (line, column),
            (version, high << 64 | low) if version else None,
            list(self.findings.get(i, ())),
        )

    def document(self, key: str) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "key": key,
            "paths": self.paths,
            "blobs": _pack(self.blobs),
            "stats": _pack(self.stats),
            "ips": _pack(self.ips),
            "fields": self.fields,
            "findings": {
                str(i): [[f.file, f.line, f.column, f.code, f.message] for f in found]
                for i, found in self.findings.items()
            },
        }


def _read(path: Path, key: str) -> _Columns:
    """The columns kept in `path`, or none when the file is missing or not to be trusted."""
    try:
        doc = orjson.loads(path.read_bytes())
        if type(doc) is dict and doc.get("format") == FORMAT and doc.get("key") == key:
            columns = _parse(doc)
            if columns is not None:
                return columns
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return _Columns()


def _parse(doc: dict[str, Any]) -> _Columns | None:
    """The columns, when their types and sizes are as written: a damaged file must not
    reach a record or a report."""
    c = _Columns()
    c.paths, c.fields = doc["paths"], doc["fields"]
    c.blobs = bytearray(_unpack(doc["blobs"], "B").tobytes())
    c.stats = _unpack(doc["stats"], "q")
    c.ips = _unpack(doc["ips"], "Q")
    findings = doc["findings"]
    n = len(c.paths)
    if not (
        type(c.paths) is list
        and type(c.fields) is list
        and type(findings) is dict
        and len(c.fields) == n
        and len(c.blobs) == _SHA * n
        and len(c.stats) == _STAT * n
        and len(c.ips) == _IP * n
    ):
        return None
    if n and not (
        set(map(type, c.paths)) == {str} and set(map(type, c.fields)) <= {dict, type(None)}
    ):
        return None
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


# What a run found for one file: blob id, stat (None: not to be trusted), fields, the
# ip's position and key, findings.
_Kept = tuple[str, "Stat | None", "dict[str, Any] | None", Pos, "IPKey | None", list[Finding]]


class Session:
    """One run's use of the cache: the results kept before, and what this run found."""

    def __init__(self, store: Store, key: str, old: _Columns) -> None:
        self.store = store
        self.key = key
        self.old = old
        self.started = time.time_ns()
        self._index: dict[str, int] | None = None
        self.kept: dict[str, _Kept] = {}

    def _find(self, path: str) -> int | None:
        if self._index is None:
            self._index = {p: i for i, p in enumerate(self.old.paths)}
        return self._index.get(path)

    def row(self, path: str, blob: str) -> Row | None:
        """The kept row for these bytes at this path, or None."""
        i = self._find(path)
        if i is None or self.old.blob(i) != blob:
            return None
        return self.old.row(i)

    def by_blobs(self, paths: list[str], blobs: list[str]) -> tuple[list[Row], list[str]]:
        """The kept rows for these paths (sorted) at these blob ids, and the paths without."""
        old = self.old
        if paths == old.paths:  # the same files as last time: compared block by block
            same = _equal_rows(bytes.fromhex("".join(blobs)), old.blobs, _SHA)
        else:
            same = []
            for path, blob in zip(paths, blobs, strict=True):
                i = self._find(path)
                if i is not None and old.blob(i) == blob:
                    same.append(i)
        return self._split(paths, same)

    def by_stats(self, paths: list[str], stats: array[int]) -> tuple[list[Row], list[str]]:
        """The same, for working-tree files known unchanged from their stat: `stats` holds
        4 numbers a path (see stat_columns)."""
        old = self.old
        if paths == old.paths:
            same = _equal_rows(stats, old.stats, _STAT)
        else:
            same = []
            for at, path in enumerate(paths):
                i = self._find(path)
                if (
                    i is not None
                    and stats[_STAT * at : _STAT * (at + 1)]
                    == old.stats[_STAT * i : _STAT * (i + 1)]
                ):
                    same.append(i)
        return self._split(paths, same)

    def _split(self, paths: list[str], rows: list[int]) -> tuple[list[Row], list[str]]:
        """`rows` of the old columns (in path order), and the paths not among them."""
        old = self.old
        if len(rows) == len(paths):
            return old.rows(rows), []
        found = {old.paths[i] for i in rows}
        return old.rows(rows), [p for p in paths if p not in found]

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
        """This run's result for `path` (a stat, if any, taken before its bytes were read)."""
        recent = self.started - RACY_NS
        if stat is not None and (stat[1] >= recent or stat[2] >= recent):
            stat = None
        self.kept[path] = (blob, stat, fields, pos, key, findings)

    def save(self, paths: list[str]) -> None:
        """Write the results for this run's files (`paths`, sorted): those kept from before
        and those this run found. Nothing is written when nothing changed."""
        old = self.old
        if paths == old.paths:
            changed = [p for p in self.kept if self._changed(p)]
            if not changed:
                return
            new = old  # updated in place: this run reads nothing more from it
            for path in changed:
                i = self._find(path)
                assert i is not None
                new.set(i, self.kept[path])
        else:
            new = _Columns()
            for path in paths:
                if path in self.kept:
                    new.append(path, self.kept[path])
                elif (i := self._find(path)) is not None:
                    new.copy(old, i)  # unchanged, or not read (an unreadable file, say)
        try:
            data = _dumps(new.document(self.key))
        except TypeError:
            data = _dumps(_keepable(new).document(self.key))
        self.store.write(self.key, data)

    def _changed(self, path: str) -> bool:
        blob, stat, *_ = self.kept[path]
        i = self._find(path)
        return i is None or self.old.blob(i) != blob or self.old.stat(i) != stat


def _equal_rows(a: Any, b: Any, width: int, block: int = 512) -> list[int]:
    """The rows (`width` items each) where two equally long sequences agree: whole
    blocks are compared at once, row by row only inside a block that differs."""
    out: list[int] = []
    size = width * block
    for start in range(0, len(a), size):
        first = start // width
        if a[start : start + size] == b[start : start + size]:
            out.extend(range(first, first + len(a[start : start + size]) // width))
            continue
        for j in range(start, min(start + size, len(a)), width):
            if a[j : j + width] == b[j : j + width]:
                out.append(j // width)
    return out


def _keepable(c: _Columns) -> _Columns:
    """The rows whose fields JSON gives back as they are (the rest is read again)."""
    out = _Columns()
    for i, fields in enumerate(c.fields):
        try:
            _dumps(fields)  # type: ignore[arg-type]
        except TypeError:
            continue
        out.copy(c, i)
    return out
