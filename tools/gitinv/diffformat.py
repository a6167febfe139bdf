"""Renderers of an `InventoryDiff`: text, markdown (the moderator's comparison
table on the pull request), json and html. Picked by `--format` from `RENDERERS`."""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from typing import Any

from gitinv import markdown
from gitinv.changes import Change
from gitinv.diff import WORKTREE, InventoryDiff, OtherFile
from gitinv.layout import FIELDS
from gitinv.printable import CONTROL, one_line

_SIGN = {"added": "+", "updated": "~", "deleted": "-", "moved": ">"}
_TITLE = {"added": "Add", "updated": "Update", "deleted": "Delete", "moved": "Move"}
ABSENT = "—"
UNREADABLE = "(unreadable)"  # a cell of a version that does not read
md_code = markdown.code


def value_text(value: Any) -> str:
    """A value as one line of text; one holding a line break or a control character is
    shown quoted, with escapes."""
    if value is None:
        return ABSENT
    if isinstance(value, list):
        if any(_unclear_item(v) for v in value):
            # An item that would read as two, or as something else: the list bracketed,
            # each text item quoted, each other one shown with its kind.
            return "[" + ", ".join(_item_text(v) for v in value) + "]"
        return ", ".join(shown(v, kind(v) if _odd(v) else None) for v in value) if value else "[]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return one_line(_mapping_text(value))
    text = str(value)
    if CONTROL.search(text) or _looks_like_another(text):
        # A newline or control character would break the table's line, and text that
        # reads as no value or an empty list would pass for one: show it quoted.
        return one_line(json.dumps(text, ensure_ascii=False))
    return one_line(text)


def _unclear_item(item: Any) -> bool:
    """A list item that, shown as it is among the others, would read as something else:
    text holding `, ` or looking like another value, or no value, a list, a mapping."""
    if type(item) is str:
        return ", " in item or _looks_like_another(item)
    return item is None or isinstance(item, list | dict)


def _item_text(item: Any) -> str:
    if type(item) is str:  # text as it is (a value YAML reads as a number keeps its kind)
        return one_line(json.dumps(item, ensure_ascii=False))
    return shown(item, kind(item) if item is not None else None)


def _mapping_text(value: Any) -> str:
    """A mapping as JSON, keys sorted, but a scalar YAML reads as other than text as it
    was typed, unquoted: `{"prometheus": {"port": -1}}`, where text is `"-1"`."""
    if isinstance(value, dict):
        items = sorted((str(k), v) for k, v in value.items())
        return "{" + ", ".join(f"{json.dumps(k, ensure_ascii=False)}: {_mapping_text(v)}"
                               for k, v in items) + "}"  # fmt: skip
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_mapping_text(v) for v in value) + "]"
    if isinstance(getattr(value, "kind", None), str):  # a number, a date, a boolean as typed
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def _looks_like_another(text: str) -> bool:
    """Text that, shown as it is, would read as something else: no value (`—`), an
    empty list (`[]`), nothing at all, a space at an end that shows as none, or text
    that would pass for a quoted one (a backslash, a leading quote: typed `a\\nb` is
    not a line break)."""
    return text in (ABSENT, "[]", "") or text != text.strip() or "\\" in text or text[0] == '"'


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
    """A value its field does not take: neither text nor a list (`no`, a boolean), nor
    a declared field's integer or boolean, read as its type (see changes.typed)."""
    return value is not None and not isinstance(value, list | int) and kind(value) != "text"


def kinds(old: Any, new: Any) -> tuple[str | None, str | None]:
    """The kind to show beside each value: when a change turns one kind into another
    (text → list), and always for a value that is neither text nor a list."""
    if old is UNREADABLE or new is UNREADABLE:
        return None, None
    changed = old is not None and new is not None and kind(old) != kind(new)
    return (
        kind(old) if changed or _odd(old) else None,
        kind(new) if changed or _odd(new) else None,
    )


def shown(value: Any, label: str | None) -> str:
    """A value in plain text, with its kind when it matters: `no (boolean)`."""
    return f"{value_text(value)} ({label})" if label else value_text(value)


def unreadable_note(c: Change) -> str | None:
    """For a version that does not read: where and why (its fields are not compared)."""
    if not c.unreadable:
        return None
    return "; ".join(
        f"{side} version {c.unreadable[side]}" for side in sorted(c.unreadable, reverse=True)
    )


def _revs(d: InventoryDiff) -> str:
    return f"{d.base[:10]} → {d.head[:10] if d.head else WORKTREE}"


def diverged_note(d: InventoryDiff) -> str | None:
    """What to know when BASE is not an ancestor of HEAD (main moved on meanwhile)."""
    if d.diverged is False:
        return None
    head = d.head[:10] if d.head else "HEAD"
    if d.diverged is None:
        return (
            f"this shallow clone lacks the history to tell whether {d.base[:10]} is an "
            f"ancestor of {head}; if it is not, what changed on its side shows here too, "
            "reversed (git fetch --unshallow tells)"
        )
    return (
        f"{d.base[:10]} is not an ancestor of {head}: what changed on its side since the "
        f"two parted shows here too, reversed; for {head}'s own changes, compare with "
        f"their merge base (git merge-base {d.base[:10]} {head})"
    )


def _where(c: Change) -> str:
    if c.kind not in ("server", "settings") and not c.name:
        return f"catalog {c.kind} (the whole file)"
    if c.kind == "server":
        if c.action == "moved":
            return f"server {c.name} ({c.old_group} → {c.group})"
        return f"server {c.name} ({c.group})"
    if c.kind == "settings":
        return "settings"
    if c.kind == FIELDS:
        return f"declared field {c.name} (fields.yaml)"
    return f"{c.kind} entry {c.name}"


def render_text(d: InventoryDiff) -> str:
    lines = [f"{_revs(d)}: {d.describe()}"]
    if note := diverged_note(d):
        lines.append(f"note: {note}")
    for c in d.catalogs + d.servers:
        lines.append(f"{_SIGN.get(c.action, '~')} {c.action} {one_line(_where(c))}")
        if note := unreadable_note(c):
            lines.append(f"    ({one_line(note)})")
        for key, (old, new) in c.changes.items():
            key = one_line(key)
            was, now = kinds(old, new)
            if c.action == "added":
                lines.append(f"    {key}: {shown(new, now)}")
            elif c.action == "deleted":
                lines.append(f"    {key}: {shown(old, was)}")
            else:
                lines.append(f"    {key}: {shown(old, was)} → {shown(new, now)}")
    if d.others:
        lines.append("other changed files:")
        lines += [one_line(f"  {o.path}: {o.why}") for o in d.others]
    return "\n".join(lines) + "\n"


def render_json(d: InventoryDiff) -> str:
    return json.dumps(d.as_dict(), indent=2, sort_keys=False, ensure_ascii=False) + "\n"


def md_cell(value: Any) -> str:
    """A markdown table cell: escaped so that data cannot break the table, inject HTML,
    mention anyone or link an issue (see `gitinv.markdown`)."""
    return markdown.text(value_text(value))


def md_value(value: Any, label: str | None = None) -> str:
    """A value in a table cell as code, so that nothing in it is markdown: no @mention,
    #123 reference, link, image or HTML comes alive. A list is one code span an item;
    `label` (the value's kind) follows in italics."""
    if value is None:
        cell = ABSENT
    elif value is UNREADABLE:
        cell = f"*{UNREADABLE}*"
    elif isinstance(value, list):
        items = (md_value(v, kind(v) if _odd(v) else None) for v in value)
        cell = ", ".join(items) if value else "*(empty list)*"
    elif value == "":
        cell = "*(empty text)*"
    else:
        # As text shows it: quoted, with escapes, where it holds a line break or would
        # pass for another value.
        cell = md_code(value_text(value))
    return f"{cell} *({label})*" if label else cell


def _rows(c: Change) -> list[tuple[str, Any, Any, bool]]:
    """(field, current, requested, changed?) for every field of a server or entry; a
    side that does not read shows as such in every row but the group's."""
    old, new = c.old or {}, c.new or {}
    if c.kind == "server":
        keys = ["group", *c.order]
        had_old = c.old is not None or "old" in c.unreadable
        had_new = c.new is not None or "new" in c.unreadable
        # The folder is the group: a `group:` key in the file (an unknown field, which
        # validate reports) does not take its row.
        old = {**old, "group": c.old_group or (c.group if had_old else None)}
        new = {**new, "group": c.group if had_new else None}
        keys += sorted((set(old) | set(new)) - set(keys))
    else:
        keys = sorted(set(old) | set(new) | set(c.changes))
        # A changed field's values are its change's: settings and an entry compared
        # whole keep no mapping of their sides.
        old = {**old, **{k: pair[0] for k, pair in c.changes.items()}}
        new = {**new, **{k: pair[1] for k, pair in c.changes.items()}}
    rows = [
        (k, old.get(k), new.get(k), old.get(k) != new.get(k))
        for k in keys
        if k in old or k in new or k in c.changes
    ]
    if c.kind == "server" and not c.unreadable:
        # A field is changed when the comparison says so: a value written the same on
        # both sides is no change even when fields.yaml now reads it as another kind,
        # and it shows as the requested side reads it. (With a side that does not
        # read, there is no comparison: each side shows what it holds.)
        rows = [
            row if row[0] == "group" or row[0] in c.changes else (row[0], row[2], row[2], False)
            for row in rows
        ]
    if not c.unreadable:
        return rows
    bad_old, bad_new = "old" in c.unreadable, "new" in c.unreadable
    marked = [
        row
        if row[0] == "group"
        else (row[0], UNREADABLE if bad_old else row[1], UNREADABLE if bad_new else row[2], True)
        for row in rows
    ]
    if all(row[0] == "group" for row in marked):
        old_cell = UNREADABLE if bad_old else None
        new_cell = UNREADABLE if bad_new else None
        marked.append(("fields", old_cell, new_cell, True))
    return marked


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
        f"{md_code(c.old_group or '', cell=False)} → {md_code(c.group or '', cell=False)}"
        if c.action == "moved"
        else md_code(c.group or "", cell=False)
    )
    return f"### {_TITLE[c.action]} server {md_code(c.name, cell=False)} ({where})"


def server_section(c: Change) -> list[str]:
    """One server's heading and table: a unit the report keeps whole or leaves out."""
    note = unreadable_note(c)
    quoted = [f"> {markdown.text(note)}", ""] if note else []
    return [server_heading(c), "", *quoted, *_md_table(c), ""]


CATALOG_HEADER = [
    "### Catalog changes",
    "",
    "| catalog | entry | action | changes |",
    "|---|---|---|---|",
]


def catalog_row(c: Change) -> str:
    note = unreadable_note(c)
    changes = "<br>".join(
        [
            *([markdown.text(note)] if note else []),
            *(
                f"{md_code(k)}: {md_value(o, a)} → {md_value(n, b)}"
                for k, (o, n) in c.changes.items()
                for a, b in [kinds(o, n)]
            ),
        ]
    )
    entry = md_code(c.name) if c.name else "*(the whole file)*"
    return f"| {md_code(c.kind)} | {entry} | {c.action} | {changes} |"


OTHERS_HEADER = [
    "### Other changed files",
    "",
    "| file | why it has no row of its own |",
    "|---|---|",
]
# The files that change no value, in a table of their own (the report puts it last).
QUIET_HEADER = ["### Changed files with no value changed", *OTHERS_HEADER[1:]]


def other_row(o: OtherFile) -> str:
    return f"| {md_code(o.path)} | {markdown.text(o.why)} |"


def markdown_intro(d: InventoryDiff) -> list[str]:
    note = diverged_note(d)
    warning = [f"> ⚠️ {markdown.text(note)}", ""] if note else []
    return ["## Inventory changes", "", f"{d.describe()} ({_revs(d)})", "", *warning]


def render_markdown(d: InventoryDiff) -> str:
    lines = markdown_intro(d)
    for c in d.servers:
        lines += server_section(c)
    if d.catalogs:
        lines += [*CATALOG_HEADER, *(catalog_row(c) for c in d.catalogs), ""]
    if d.others:
        lines += [*OTHERS_HEADER, *(other_row(o) for o in d.others), ""]
    return "\n".join(lines).rstrip("\n") + "\n"


_CSS = (
    "body{font-family:system-ui,sans-serif;margin:2rem}table{border-collapse:collapse;"
    "margin-bottom:1.5rem}td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left;"
    "overflow-wrap:anywhere}h1,h2,p{overflow-wrap:anywhere}"
    "tr.changed td{background:#fff5d6}td.old{color:#8a1c1c}td.new{color:#1c5a1c}"
    "p.unreadable{border-left:4px solid #b35900;padding-left:.6rem}"
)


def render_html(d: InventoryDiff) -> str:
    e = html.escape
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Inventory changes {e(_revs(d))}</title><style>{_CSS}</style></head><body>",
        f"<h1>Inventory changes</h1><p>{e(d.describe())} ({e(_revs(d))})</p>",
        *([f'<p class="unreadable">{e(note)}</p>'] if (note := diverged_note(d)) else []),
    ]
    for c in d.servers + d.catalogs:
        title = f"{_TITLE.get(c.action, c.action)} {_where(c)}"
        note = unreadable_note(c)
        parts.append(
            f"<h2>{e(title)}</h2>"
            + (f'<p class="unreadable">{e(note)}</p>' if note else "")
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
    if d.others:
        parts.append(
            "<h2>Other changed files</h2><table><thead><tr><th>file</th>"
            "<th>why it has no row of its own</th></tr></thead><tbody>"
        )
        parts += [f"<tr><td>{e(one_line(o.path))}</td><td>{e(o.why)}</td></tr>" for o in d.others]
        parts.append("</tbody></table>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


RENDERERS: dict[str, Callable[[InventoryDiff], str]] = {
    "text": render_text,
    "markdown": render_markdown,
    "json": render_json,
    "html": render_html,
}
