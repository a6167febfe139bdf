"""Renderers of an `InventoryDiff`: text, markdown (the moderator's comparison
table on the pull request), json and html. Picked by `--format` from `RENDERERS`."""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from typing import Any

from gitinv.changes import SERVER_FIELDS, Change
from gitinv.diff import WORKTREE, InventoryDiff, plain
from gitinv.report import md_code

_SIGN = {"added": "+", "updated": "~", "deleted": "-", "moved": ">"}
_TITLE = {"added": "Add", "updated": "Update", "deleted": "Delete", "moved": "Move"}
ABSENT = "—"


def value_text(value: Any) -> str:
    if value is None:
        return ABSENT
    if isinstance(value, list):
        return ", ".join(shown(v, kind(v) if _odd(v) else None) for v in value) if value else "[]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return json.dumps(plain(value), sort_keys=True, ensure_ascii=False)
    text = str(value)
    if not text.isprintable():
        # A newline or control character would break the table's line: show it escaped.
        return json.dumps(text, ensure_ascii=False)
    return text


def kind(value: Any) -> str:
    """What YAML reads a value as, in words: text, list, boolean, number, date, mapping."""
    typed = getattr(value, "kind", None)  # a scalar YAML reads as other than text
    if isinstance(typed, str):
        return typed.removeprefix("a ")
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "mapping"
    return "text"


def _odd(value: Any) -> bool:
    """A value no inventory field takes: neither text nor a list (`no`, a boolean)."""
    return value is not None and not isinstance(value, list) and kind(value) != "text"


def kinds(old: Any, new: Any) -> tuple[str | None, str | None]:
    """The kind to show beside each value: when a change turns one kind into another
    (text → list), and always for a value that is neither text nor a list."""
    changed = old is not None and new is not None and kind(old) != kind(new)
    return (
        kind(old) if changed or _odd(old) else None,
        kind(new) if changed or _odd(new) else None,
    )


def shown(value: Any, label: str | None) -> str:
    """A value in plain text, with its kind when it matters: `no (boolean)`."""
    return f"{value_text(value)} ({label})" if label else value_text(value)


def unreadable_note(c: Change) -> str | None:
    """For a server file that does not read as one (YAML that does not parse, not a
    mapping, or empty): say so, since its fields then all look removed or added."""
    if c.kind != "server":
        return None
    if c.new == {} and c.old:
        return "the new file does not read as a server (not YAML, not a mapping, or empty)"
    if c.old == {} and c.new:
        return "the old file did not read as a server (not YAML, not a mapping, or empty)"
    return None


def _revs(d: InventoryDiff) -> str:
    return f"{d.base[:10]} → {d.head[:10] if d.head else WORKTREE}"


def _where(c: Change) -> str:
    if c.kind == "server":
        if c.action == "moved":
            return f"server {c.name} ({c.old_group} → {c.group})"
        return f"server {c.name} ({c.group})"
    if c.kind == "settings":
        return "settings"
    return f"{c.kind} entry {c.name}"


def render_text(d: InventoryDiff) -> str:
    lines = [f"{_revs(d)}: {d.describe()}"]
    for c in d.catalogs + d.servers:
        lines.append(f"{_SIGN.get(c.action, '~')} {c.action} {_where(c)}")
        if note := unreadable_note(c):
            lines.append(f"    ({note})")
        for key, (old, new) in c.changes.items():
            was, now = kinds(old, new)
            if c.action == "added":
                lines.append(f"    {key}: {shown(new, now)}")
            elif c.action == "deleted":
                lines.append(f"    {key}: {shown(old, was)}")
            else:
                lines.append(f"    {key}: {shown(old, was)} → {shown(new, now)}")
    return "\n".join(lines) + "\n"


def render_json(d: InventoryDiff) -> str:
    return json.dumps(d.as_dict(), indent=2, sort_keys=False, ensure_ascii=False) + "\n"


def md_cell(value: Any) -> str:
    """A markdown table cell: escaped so that data cannot break the table or inject HTML."""
    text = html.escape(value_text(value), quote=False)
    return (
        text.replace("|", "\\|")
        .replace("\r", "")
        .replace("\n", "<br>")
        .replace("`", "&#96;")
        .replace("*", "\\*")
        .replace("_", "\\_")
        .replace("[", "\\[")
    )


def md_value(value: Any, label: str | None = None) -> str:
    """A value in a table cell as code, so that nothing in it is markdown: no @mention,
    #123 reference, link, image or HTML comes alive. A list is one code span an item;
    `label` (the value's kind) follows in italics."""
    if value is None:
        cell = ABSENT
    elif isinstance(value, list):
        items = (md_value(v, kind(v) if _odd(v) else None) for v in value)
        cell = ", ".join(items) if value else "*(empty list)*"
    elif value == "":
        cell = "*(empty text)*"
    else:
        cell = md_code(value_text(value) if not isinstance(value, str) else value)
    return f"{cell} *({label})*" if label else cell


def _rows(c: Change) -> list[tuple[str, Any, Any, bool]]:
    """(field, current, requested, changed?) for every field of a server or entry."""
    old, new = c.old or {}, c.new or {}
    if c.kind == "server":
        keys = ["group", *SERVER_FIELDS]
        old = {"group": c.old_group or (c.group if c.old is not None else None), **old}
        new = {"group": c.group if c.new is not None else None, **new}
        keys += sorted((set(old) | set(new)) - set(keys))
    else:
        keys = sorted(set(old) | set(new) | set(c.changes))
    return [
        (k, old.get(k), new.get(k), old.get(k) != new.get(k))
        for k in keys
        if k in old or k in new or k in c.changes
    ]


def _md_table(c: Change) -> list[str]:
    out = ["| | field | current | requested |", "|---|---|---|---|"]
    for key, old, new, changed in _rows(c):
        was, now = kinds(old, new)
        mark = "| ✏️ |" if changed else "| |"
        req = f"**{md_value(new, now)}**" if changed else md_value(new, now)
        out.append(f"{mark} {md_code(key)} | {md_value(old, was)} | {req} |")
    return out


def server_heading(c: Change) -> str:
    where = (
        f"{md_code(c.old_group or '')} → {md_code(c.group or '')}"
        if c.action == "moved"
        else md_code(c.group or "")
    )
    return f"### {_TITLE[c.action]} server {md_code(c.name)} ({where})"


def server_section(c: Change) -> list[str]:
    """One server's heading and table: a unit the report keeps whole or leaves out."""
    note = unreadable_note(c)
    return [server_heading(c), "", *([f"> {note}", ""] if note else []), *_md_table(c), ""]


CATALOG_HEADER = [
    "### Catalog changes",
    "",
    "| catalog | entry | action | changes |",
    "|---|---|---|---|",
]


def catalog_row(c: Change) -> str:
    changes = "<br>".join(
        f"{md_code(k)}: {md_value(o, a)} → {md_value(n, b)}"
        for k, (o, n) in c.changes.items()
        for a, b in [kinds(o, n)]
    )
    return f"| {md_code(c.kind)} | {md_code(c.name)} | {c.action} | {changes} |"


def markdown_intro(d: InventoryDiff) -> list[str]:
    return ["## Inventory changes", "", f"{d.describe()} ({_revs(d)})", ""]


def render_markdown(d: InventoryDiff) -> str:
    lines = markdown_intro(d)
    for c in d.servers:
        lines += server_section(c)
    if d.catalogs:
        lines += [*CATALOG_HEADER, *(catalog_row(c) for c in d.catalogs), ""]
    return "\n".join(lines).rstrip("\n") + "\n"


_CSS = (
    "body{font-family:system-ui,sans-serif;margin:2rem}table{border-collapse:collapse;"
    "margin-bottom:1.5rem}td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}"
    "tr.changed td{background:#fff5d6}td.old{color:#8a1c1c}td.new{color:#1c5a1c}"
)


def render_html(d: InventoryDiff) -> str:
    e = html.escape
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Inventory changes {e(_revs(d))}</title><style>{_CSS}</style></head><body>",
        f"<h1>Inventory changes</h1><p>{e(d.describe())} ({e(_revs(d))})</p>",
    ]
    for c in d.servers + d.catalogs:
        title = f"{_TITLE.get(c.action, c.action)} {_where(c)}"
        note = unreadable_note(c)
        parts.append(
            f"<h2>{e(title)}</h2>"
            + (f"<p>{e(note)}</p>" if note else "")
            + "<table><thead><tr><th>field</th><th>current</th>"
            "<th>requested</th></tr></thead><tbody>"
        )
        for key, old, new, changed in _rows(c):
            cls = ' class="changed"' if changed else ""
            was, now = kinds(old, new)
            parts.append(
                f'<tr{cls}><td>{e(key)}</td><td class="old">{e(shown(old, was))}</td>'
                f'<td class="new">{e(shown(new, now))}</td></tr>'
            )
        parts.append("</tbody></table>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


RENDERERS: dict[str, Callable[[InventoryDiff], str]] = {
    "text": render_text,
    "markdown": render_markdown,
    "json": render_json,
    "html": render_html,
}
