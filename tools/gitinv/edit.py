"""Writing server files for change requests: `--set FIELD=VALUE` values, a new
file in the canonical form of `fmt`, and an edit of an existing file that keeps
its other lines (and their comments) as they are. A field declared in
`inventory/fields.yaml` is set as its type reads it (`--set cpu=4` is the number 4),
and written in its FieldSet's order."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from gitinv.canonical import scalar
from gitinv.errors import GitinvError
from gitinv.fields import BUILTIN, Field, FieldSet
from gitinv.fields.field import DATE_RE
from gitinv.loader import Typed

_TOP_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]*)\s*:")


def typed_value(f: Field, text: str) -> Any:
    """A --set value or a CSV cell of a declared field as the value to write:
    `Field.parse_cell`'s, and a date as YAML writes one (`eol: 2027-01-31`, unquoted,
    as `fmt` keeps it). Text that does not read as the type is handed on as text, for
    validation to report."""
    value = f.parse_cell(text)
    if f.kind == "date" and isinstance(value, str) and DATE_RE.fullmatch(value):
        return Typed("a date", value)
    return value


def parse_sets(sets: Iterable[str], fields: FieldSet = BUILTIN) -> dict[str, Any]:
    """{field: value} from FIELD=VALUE; `tags` (and a declared list) takes a
    comma-separated list; an empty VALUE removes an optional field (None). `fields`:
    the inventory's, built-in and declared."""
    out: dict[str, Any] = {}
    for item in sets:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep:
            raise GitinvError(f"--set {item!r}: write FIELD=VALUE, e.g. --set state=active")
        if key not in fields:
            raise GitinvError(
                f"--set {item!r}: unknown field `{key}`; fields are " + ", ".join(fields.names)
            )
        if key in out:
            raise GitinvError(f"--set {key}=... is given twice")
        declared = fields[key]
        if not declared.builtin:
            out[key] = typed_value(declared, value)
        elif key == "tags":
            tags = [t.strip() for t in value.split(",") if t.strip()]
            out[key] = sorted(dict.fromkeys(tags)) if tags else None
        else:
            out[key] = value if value != "" else None
    return out


def field_lines(key: str, value: Any) -> list[str]:
    if isinstance(value, list):
        if not value:
            return [f"{key}: []"]
        items = sorted(value) if key == "tags" else value
        return [f"{key}:", *(f"  - {scalar(str(v))}" for v in items)]
    if isinstance(value, bool):
        return [f"{key}: {'true' if value else 'false'}"]
    if isinstance(value, int | Typed):
        return [f"{key}: {value}"]
    return [f"{key}: {scalar(str(value))}"]


def render_server(fields: dict[str, Any], order: tuple[str, ...] = BUILTIN.names) -> bytes:
    """A new server file: its FieldSet's key order, block lists, quoting only where
    needed."""
    lines: list[str] = []
    for key in order:
        if fields.get(key) is not None:
            lines += field_lines(key, fields[key])
    return ("\n".join(lines) + "\n").encode()


def _blocks(lines: list[str]) -> dict[str, tuple[int, int]]:
    """Top-level key → (first line, end line) of its block (continuation lines included)."""
    starts = [(i, m.group(1)) for i, line in enumerate(lines) if (m := _TOP_KEY.match(line))]
    out = {}
    for n, (i, key) in enumerate(starts):
        end = starts[n + 1][0] if n + 1 < len(starts) else len(lines)
        # Comment or blank lines just before the next key belong to that key.
        while end > i + 1 and (not lines[end - 1].strip() or lines[end - 1].startswith("#")):
            end -= 1
        out[key] = (i, end)
    return out


def set_fields(text: str, updates: dict[str, Any], order: tuple[str, ...] = BUILTIN.names) -> str:
    """`text` with each updated top-level field rewritten, added in `order` (its
    FieldSet's), or removed (None); every other line stays byte for byte, and a file
    with CRLF line ends keeps them."""
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.splitlines()
    for key, value in updates.items():
        blocks = _blocks(lines)
        if key in blocks:
            start, end = blocks[key]
            if value is None:  # its comment lines go with it
                while start > 0 and lines[start - 1].startswith("#"):
                    start -= 1
            lines[start:end] = [] if value is None else field_lines(key, value)
        elif value is not None:
            before = [k for k in order[: order.index(key)] if k in blocks]
            at = (
                blocks[before[-1]][1]
                if before
                else (min((s for s, _ in blocks.values()), default=len(lines)))
            )
            lines[at:at] = field_lines(key, value)
    return newline.join(lines) + newline
