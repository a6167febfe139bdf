"""Writing server files for change requests: `--set FIELD=VALUE` values, a new
file in the canonical form of `fmt`, and an edit of an existing file that keeps
its other lines (and their comments) as they are."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from gitinv.canonical import scalar
from gitinv.changes import SERVER_FIELDS
from gitinv.errors import GitinvError

_TOP_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]*)\s*:")


def parse_sets(sets: Iterable[str]) -> dict[str, Any]:
    """{field: value} from FIELD=VALUE; `tags` takes a comma-separated list; an
    empty VALUE removes an optional field (None)."""
    out: dict[str, Any] = {}
    for item in sets:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep:
            raise GitinvError(f"--set {item!r}: write FIELD=VALUE, e.g. --set state=active")
        if key not in SERVER_FIELDS:
            raise GitinvError(
                f"--set {item!r}: unknown field `{key}`; fields are " + ", ".join(SERVER_FIELDS)
            )
        if key in out:
            raise GitinvError(f"--set {key}=... is given twice")
        if key == "tags":
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
    return [f"{key}: {scalar(str(value))}"]


def render_server(fields: dict[str, Any]) -> bytes:
    """A new server file: schema key order, block lists, quoting only where needed."""
    lines: list[str] = []
    for key in SERVER_FIELDS:
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


def set_fields(text: str, updates: dict[str, Any]) -> str:
    """`text` with each updated top-level field rewritten, added in schema order,
    or removed (None); every other line stays byte for byte, and a file with CRLF
    line ends keeps them."""
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
            order = list(SERVER_FIELDS)
            before = [k for k in order[: order.index(key)] if k in blocks]
            at = (
                blocks[before[-1]][1]
                if before
                else (min((s for s, _ in blocks.values()), default=len(lines)))
            )
            lines[at:at] = field_lines(key, value)
    return newline.join(lines) + newline
