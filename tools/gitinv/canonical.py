"""The canonical text of an inventory file, keeping every comment.

Canonical: keys in the models' order (catalog entries by name; a server's fields
built-in first, then those fields.yaml declares, in its order), block lists, sorted
tags, two-space indentation, double quotes only where a plain scalar would be read
as something else. A declared integer, boolean or date that YAML reads as one is
written as it was typed. A comment moves with the key or list item it stands before or
beside; one that cannot be placed makes the rewrite refuse (`Unplaceable`).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from gitinv import models, printable
from gitinv.layout import SERVERS_DIR
from gitinv.loader import STR_TAG, Document, Loc, Typed

_resolver = yaml.resolver.Resolver()
_INDICATORS = set("-?:,[]{}#&*!|>'\"%@`")
# What JSON leaves as it is but a file should not hold raw inside double quotes: what
# YAML cannot (DEL and the C1 controls, refused; NEL, U+2028 and U+2029, folded into a
# space; U+FFFE, U+FFFF), and what would not show as it is in an editor or a diff (a
# bidirectional override that reorders the text, a zero-width space: printable.UNSEEN).
_RAW_IN_JSON = re.compile(f"{printable.UNSEEN.pattern}|[\ufffe\uffff]")


class Unplaceable(Exception):
    """A comment or value the canonical form cannot keep."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@functools.lru_cache(maxsize=65536)  # values repeat a lot: components, states, tags
def scalar(text: str) -> str:
    """`text` as a YAML scalar: plain where YAML reads it back as the same string."""
    if (
        text
        and text == text.strip()
        and text.isprintable()
        and not printable.UNSEEN.search(text)  # a variation selector is "printable"
        and text[0] not in _INDICATORS
        and ": " not in text
        and " #" not in text
        and not text.endswith(":")
        and _resolver.resolve(yaml.ScalarNode, text, (True, False)) == STR_TAG  # type: ignore[no-untyped-call]
    ):
        return text
    quoted = json.dumps(text, ensure_ascii=False)
    return _RAW_IN_JSON.sub(printable.escape, quoted)


@dataclass
class Line:
    text: str
    anchor: Loc | None  # the source node this line comes from
    before: list[str] = field(default_factory=list)
    trailing: str | None = None


@dataclass(frozen=True)
class Comment:
    line: int  # 1-based
    text: str  # from '#' to the end of the line
    full_line: bool


def comments(text: str) -> list[Comment]:
    """Every comment: '#' text found in the gaps between YAML tokens."""
    if "#" not in text:
        return []
    lines = text.split("\n")
    found: list[Comment] = []
    prev = (0, 0)
    for token in yaml.scan(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
        start = (token.start_mark.line, token.start_mark.column)
        _gap_comments(lines, prev, start, found)
        end = (token.end_mark.line, token.end_mark.column)
        prev = max(prev, end)
    _gap_comments(lines, prev, (len(lines), 0), found)
    return found


def _gap_comments(
    lines: list[str], start: tuple[int, int], end: tuple[int, int], out: list[Comment]
) -> None:
    line, col = start
    while (line, col) < end and line < len(lines):
        stop = end[1] if line == end[0] else len(lines[line])
        segment = lines[line][col:stop]
        hash_at = segment.find("#")
        if hash_at >= 0:
            absolute = col + hash_at
            full = lines[line][:absolute].strip() == ""
            out.append(Comment(line + 1, lines[line][absolute:].rstrip(), full))
        line, col = line + 1, 0


def _value(value: Any) -> str:
    """A scalar as written: text through `scalar`; what a declared integer, boolean or
    date holds as YAML (`4`, `true`, `2027-01-31`) plain."""
    if isinstance(value, Typed):
        return value.text
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return scalar(value)


def _server_lines(value: dict[str, Any], order: Sequence[str]) -> list[Line]:
    out: list[Line] = []
    # A key `order` does not name (a field of a fields.yaml that cannot be read) keeps
    # its place after the others: a value is never dropped.
    keys = [k for k in order if k in value]
    if len(keys) != len(value):
        keys += [k for k in value if k not in keys]
    for key in keys:
        if isinstance(value[key], list):
            out.extend(_list_lines(key, value[key], (key,), "", sort=key == "tags"))
        else:
            out.append(Line(f"{key}: {_value(value[key])}", (key,)))
    return out


def _list_lines(key: str, items: list[str], loc: Loc, pad: str, *, sort: bool) -> list[Line]:
    if not items:
        return [Line(f"{pad}{key}: []", loc)]
    order = sorted(range(len(items)), key=lambda i: items[i]) if sort else range(len(items))
    lines = [Line(f"{pad}{key}:", loc)]
    lines.extend(Line(f"{pad}  - {scalar(items[i])}", (*loc, i)) for i in order)
    return lines


def _mapping_lines(
    value: dict[str, Any], model: type[models.StrictModel], loc: Loc, pad: str
) -> list[Line]:
    out: list[Line] = []
    for key in model.model_fields:
        if key not in value:
            continue
        if isinstance(value[key], list):
            out.extend(_list_lines(key, value[key], (*loc, key), pad, sort=False))
        else:
            out.append(Line(f"{pad}{key}: {scalar(value[key])}", (*loc, key)))
    return out


def _catalog_lines(value: dict[str, Any], model: type[models.StrictModel]) -> list[Line]:
    if not value:
        return [Line("{}", None)]
    out: list[Line] = []
    for name in sorted(value):
        attrs = value[name]
        if not attrs:
            out.append(Line(f"{scalar(name)}: {{}}", (name,)))
            continue
        out.append(Line(f"{scalar(name)}:", (name,)))
        out.extend(_mapping_lines(attrs, model, (name,), "  "))
    return out


def lines_for(
    path: str, value: dict[str, Any], order: Sequence[str] = models.SERVER_FIELDS
) -> list[Line]:
    """The canonical lines of a file; a server's keys in `order` (its FieldSet's names)."""
    stem = path.rsplit("/", 1)[-1].removesuffix(".yaml")
    if path.startswith(f"{SERVERS_DIR}/"):
        return _server_lines(value, order)
    if stem == "settings":
        return _mapping_lines(value, models.Settings, (), "")
    return _catalog_lines(value, models.CATALOGS[stem])


def render(doc: Document, text: str, order: Sequence[str] = models.SERVER_FIELDS) -> str:
    """The canonical text of a loaded, schema-valid document (`order`: see lines_for)."""
    lines = lines_for(doc.path, doc.value, order)
    footer = _place_comments(doc, text, lines)
    out: list[str] = []
    for line in lines:
        out.extend(line.before)
        out.append(f"{line.text}  {line.trailing}" if line.trailing else line.text)
    out.extend(footer)
    return "\n".join(out) + "\n"


def _anchor_line(doc: Document, loc: Loc) -> int:
    pos = doc.key_positions.get(loc) or doc.positions.get(loc)
    return pos[0] if pos else 0


def _place_comments(doc: Document, text: str, lines: list[Line]) -> list[str]:
    """Attach each comment to its line; the comments after the last node come back."""
    found = comments(text)
    if not found:
        return []
    anchored = sorted(
        (
            (_anchor_line(doc, line.anchor), len(line.anchor), i)
            for i, line in enumerate(lines)
            if line.anchor
        ),
    )
    first_line = anchored[0][0] if anchored else 10**9
    header: list[str] = []
    footer: list[str] = []
    for c in found:
        if c.full_line:
            if c.line < first_line:
                header.append(c.text)
                continue
            target = next((i for line_no, _, i in anchored if line_no > c.line), None)
            if target is None:
                footer.append(c.text)
            else:
                lines[target].before.append(_indent(lines[target].text) + c.text)
            continue
        on_line = [(depth, i) for line_no, depth, i in anchored if line_no == c.line]
        if not on_line:
            raise Unplaceable(
                c.line,
                f"cannot keep the comment on line {c.line} in place; "
                "move it to a line of its own above the key",
            )
        target = min(on_line)[1]
        if lines[target].trailing:
            raise Unplaceable(c.line, f"two comments would share line {c.line}; merge them")
        lines[target].trailing = c.text
    if header:
        lines[0].before[:0] = header
    return footer


def _indent(text: str) -> str:
    return text[: len(text) - len(text.lstrip())]
