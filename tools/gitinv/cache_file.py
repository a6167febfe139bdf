"""The cache of results on disk (see cache.py): what one file holds, and reading it.

A line of JSON (the format, the key, the paths, the findings); the numbers (blob ids,
stats, what each file is, its ip's position and key) as packed arrays of a size the
number of paths gives; then a line of JSON a server file with its fields. A check
decodes the first line only and copies the arrays; the lines of fields are decoded
when records are asked for, and copied as they are into the next file.

Public API::

    columns = read(path, key)   # what `path` holds, or empty Columns when unusable
    Builder().add(path, kept) / .copy(columns, i) / .columns()   # new columns
    columns.encode(key)         # the file's bytes
    Hits(columns, rows, skip)   # the rows a run found unchanged
"""

from __future__ import annotations

import mmap
import os
from array import array
from itertools import compress
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import orjson

from gitinv.layout import names_of
from gitinv.report import Finding
from gitinv.stats import identity

if TYPE_CHECKING:  # the one key of an address, without importing ipaddress at run time
    from gitinv.ipkey import IPKey

FORMAT = "gitinv-validate-cache/2"

Stat = tuple[int, int, int, int]  # size, mtime_ns, ctime_ns, inode
Pos = tuple[int, int]
# What checking a server file gave: its path, its fields ({}: a server file that is not
# valid; None: not a server file at all), the ip's position and key, its findings.
Row = tuple[str, "dict[str, Any] | None", Pos, "IPKey | None", list[Finding]]

STAT = 4  # numbers a file in a stats column: see Stat; 0s: not known, -1s: no such file
_IP = 5  # numbers a row in the ips column: line, column, version (0: no key), high, low
SHA = 20  # bytes of a blob id
_LOW = 2**64 - 1
_UNKNOWN = (0,) * STAT
_T = TypeVar("_T")
# What a row is (the kinds column): no record, a record without fields, a valid server.
NONE, INVALID, VALID = 0, 1, 2


def dumps(value: object) -> bytes:
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
    return bytes(memoryview(dumps(fields)))


class Builder:
    """New columns in path order, from this run's results and rows kept before, in
    plain lists turned into packed arrays once."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        self.rows: list[Kept | tuple[Columns, int]] = []

    def add(self, path: str, kept: Kept) -> None:
        self.paths.append(path)
        self.rows.append(kept)

    def copy(self, other: Columns, i: int) -> None:
        self.paths.append(other.paths[i])
        self.rows.append((other, i))

    def columns(self) -> Columns:
        """The columns; a result JSON cannot hold as it is (a date, say) is left out."""
        c = Columns()
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
                    lines += dumps(fields)
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
Kept = tuple[str, "Stat | None", "dict[str, Any] | None", Pos, "IPKey | None", list[Finding]]


class Columns:
    """A cache file's contents, column by column, one row a server file, in path order."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        self.blobs = bytearray()  # SHA bytes a row
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

    def set(self, i: int, kept: Kept) -> None:
        """Row `i` from a run's result; one JSON cannot hold makes the row match nothing."""
        try:
            line = _line(kept[2])
        except TypeError:
            self.blobs[SHA * i : SHA * (i + 1)] = bytes(SHA)
            self.stats[STAT * i : STAT * (i + 1)] = array("q", (0,) * STAT)
            return
        self._set(i, kept, line)

    def _set(self, i: int, kept: Kept, line: bytes) -> None:
        blob, stat, fields, pos, key, found = kept
        version, number = key or (0, 0)
        self.ips[_IP * i : _IP * (i + 1)] = array("Q", (*pos, version, number >> 64, number & _LOW))
        self.blobs[SHA * i : SHA * (i + 1)] = bytes.fromhex(blob)
        self.stats[STAT * i : STAT * (i + 1)] = array("q", stat or (0,) * STAT)
        self.kinds[i] = NONE if fields is None else VALID if fields else INVALID
        self.lines[i] = line
        if found:
            self.findings[i] = found
        else:
            self.findings.pop(i, None)

    def blob(self, i: int) -> str:
        return self.blobs[SHA * i : SHA * (i + 1)].hex()

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


def read(path: Path, key: str) -> Columns:
    """The columns kept in `path`, or none when the file is missing or not to be trusted.

    The file is mapped, not read: a check never touches the lines of fields, two thirds
    of it. The mapping holds the file as it was even when another run replaces it."""
    try:
        with open(path, "rb") as f:
            which = identity(os.fstat(f.fileno()))
            data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        columns = parse(data, key)
    except (OSError, ValueError, KeyError, TypeError):
        columns = None
    if columns is None:
        return Columns()
    columns.identity = which
    return columns


def parse(data: mmap.mmap, key: str) -> Columns | None:
    """The columns, when their types and sizes are as written: a damaged file must not
    reach a record or a report. (The lines of fields are checked when first used.)"""
    end = data.find(b"\n")
    if end < 0:
        return None
    with memoryview(data) as view:
        header = orjson.loads(view[:end])
    if type(header) is not dict or header.get("format") != FORMAT or header.get("key") != key:
        return None
    c = Columns()
    c.paths, findings = header["paths"], header["findings"]
    if type(c.paths) is not list or type(findings) is not dict:
        return None
    n = len(c.paths)
    at = end + 1
    sizes = (SHA * n, 8 * STAT * n, 8 * _IP * n, n)
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

    def __init__(self, columns: Columns, rows: list[int] | None, skip: list[int]) -> None:
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
        return names_of(self.paths())

    def clash_free(self, names: list[str], keys: list[IPKey | None]) -> bool:
        """Whether the rows' server names (rows of a server path) and IP keys, together
        with `names` and `keys` (the files read this run), are each held once. Counted at
        C speed, without making each row's key: most inventories have no clash, and a
        warm run waits for this answer."""
        c = self.columns
        versions, lows = (self._pick(c.ips[k::_IP].tolist()) for k in (2, 4))
        held = list(compress(lows, versions)) + [n & _LOW for _, n in filter(None, keys)]
        if len(set(held)) != len(held):  # two keys end alike: are they the same key?
            highs = self._pick(c.ips[3::_IP].tolist())
            whole = list(compress(zip(versions, highs, lows, strict=True), versions))
            whole += [(version, n >> 64, n & _LOW) for version, n in filter(None, keys)]
            if len(set(whole)) != len(whole):
                return False
        every = names + names_of(compress(self.paths(), self.kinds()))
        return len(set(every)) == len(every)

    def count(self, kind: int) -> int:
        """The rows of this kind (NONE, INVALID, VALID)."""
        return self.kinds().count(kind)

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
