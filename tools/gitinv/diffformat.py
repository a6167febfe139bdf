"""Renderers of an `InventoryDiff`: text, markdown (the moderator's comparison
table on the pull request), json and html. Picked by `--format` from `RENDERERS`."""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from typing import Any

from gitinv.changes import SERVER_FIELDS, Change
from gitinv.diff import WORKTREE, InventoryDiff

_SIGN = {"added": "+", "updated": "~", "deleted": "-", "moved": ">"}
_TITLE = {"added": "Add", "updated": "Update", "deleted": "Delete", "moved": "Move"}
ABSENT = "—"


def value_text(value: Any) -> str:
    if value is None:
        return ABSENT
    if isinstance(value, list):
        return ", ".join(value_text(v) for v in value) if value else "[]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    text = str(value)
    if not text.isprintable():
        # A newline or control character would break the table's line: show it escaped.
        return json.dumps(text, ensure_ascii=False)
    return text


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
            if c.action == "added":
                lines.append(f"    {key}: {value_text(new)}")
            elif c.action == "deleted":
                lines.append(f"    {key}: {value_text(old)}")
            else:
                lines.append(f"    {key}: {value_text(old)} → {value_text(new)}")
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
        mark = "| ✏️ |" if changed else "| |"
        req = f"**{md_cell(new)}**" if changed else md_cell(new)
        out.append(f"{mark} {md_cell(key)} | {md_cell(old)} | {req} |")
    return out


def render_markdown(d: InventoryDiff) -> str:
    lines = ["## Inventory changes", "", f"{md_cell(d.describe())} ({md_cell(_revs(d))})", ""]
    for c in d.servers:
        lines.append(
            f"### {_TITLE[c.action]} server {md_cell(c.name)}"
            + (
                f" ({md_cell(c.old_group)} → {md_cell(c.group)})"
                if c.action == "moved"
                else f" ({md_cell(c.group)})"
            )
        )
        note = unreadable_note(c)
        lines += ["", *([f"> {md_cell(note)}", ""] if note else []), *_md_table(c), ""]
    if d.catalogs:
        lines += [
            "### Catalog changes",
            "",
            "| catalog | entry | action | changes |",
            "|---|---|---|---|",
        ]
        for c in d.catalogs:
            changes = "<br>".join(
                f"{md_cell(k)}: {md_cell(o)} → {md_cell(n)}" for k, (o, n) in c.changes.items()
            )
            lines.append(f"| {md_cell(c.kind)} | {md_cell(c.name)} | {c.action} | {changes} |")
        lines.append("")
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
            parts.append(
                f'<tr{cls}><td>{e(key)}</td><td class="old">{e(value_text(old))}</td>'
                f'<td class="new">{e(value_text(new))}</td></tr>'
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
