"""Reporters of history entries: `gitinv history` (one server) and `gitinv audit` (all).

Public API::

    REPORTERS[fmt](entries, with_name) -> str   # fmt: text, markdown, json
    render_entries(entries, fmt, with_name=True) -> str
    progress_printer(fmt) -> callback | None     # commits read so far, on a terminal

`with_name`: each entry says what it changed (the audit); one server's history
leaves it out. JSON is `{"count", "results"}`, each result `Entry.as_dict()`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable

from gitinv.changes import Change
from gitinv.diffformat import md_cell, unreadable_note, value_text
from gitinv.history import Entry
from gitinv.printable import one_line


def _what(e: Entry) -> str:
    c = e.change
    if c.kind == "server":
        return f"server {c.name}"
    if c.kind == "settings":
        return "settings"
    return f"{c.kind} {c.name}" if c.name else f"catalog {c.kind} (the whole file)"


def _changes(e: Entry) -> str:
    c = e.change
    if note := unreadable_note(c):
        return f"{note}; " + _fields(c)
    return _fields(c)


def _fields(c: Change) -> str:
    if c.action in ("added", "deleted"):
        side = 1 if c.action == "added" else 0
        return "; ".join(f"{one_line(k)}={value_text(v[side])}" for k, v in c.changes.items())
    return "; ".join(
        f"{one_line(k)}: {value_text(o)} → {value_text(n)}" for k, (o, n) in c.changes.items()
    )


def render_markdown(entries: list[Entry], with_name: bool = True) -> str:
    head = "| date | commit | PR | reason | author | merged by |"
    head += " what |" if with_name else ""
    lines = [head + " action | changes |", "|---" * (8 + with_name) + "|"]
    for e in entries:
        i = e.info
        pr = f"#{i.pull_request}" if i.pull_request else ""
        what = f" {md_cell(_what(e))} |" if with_name else ""
        lines.append(
            f"| {i.date} | {i.commit[:10]} | {pr} | {md_cell(i.reason)} | "
            f"{md_cell(i.author)} | {md_cell(i.merged_by)} |{what} {e.action} | "
            f"{md_cell(_changes(e))} |"
        )
    return "\n".join(lines) + "\n"


def render_text(entries: list[Entry], with_name: bool = True) -> str:
    lines = []
    for e in entries:
        i = e.info
        pr = f" #{i.pull_request}" if i.pull_request else ""
        merged = f", merged by {i.merged_by}" if i.merged_by else ""
        what = f" {_what(e)}" if with_name else ""
        why = f" — {i.reason}" if i.reason else ""
        head = f"{i.date} {i.commit[:10]}{pr} {i.author}{merged}: {e.action}{what}{why}"
        lines.append(one_line(head))
        detail = _changes(e)
        if detail:
            lines.append(f"    {one_line(detail)}")
    return "\n".join(lines) + ("\n" if lines else "")


def render_json(entries: list[Entry], with_name: bool = True) -> str:
    doc = {"count": len(entries), "results": [e.as_dict() for e in entries]}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


REPORTERS: dict[str, Callable[[list[Entry], bool], str]] = {
    "text": render_text,
    "markdown": render_markdown,
    "json": render_json,
}


def render_entries(entries: list[Entry], fmt: str, *, with_name: bool = True) -> str:
    return REPORTERS[fmt](entries, with_name)


def progress_printer(fmt: str) -> Callable[[int], None] | None:
    """Commits read so far, on a terminal only (never in --format json)."""
    if fmt == "json" or not sys.stderr.isatty():
        return None

    def show(count: int) -> None:
        sys.stderr.write(f"\rread {count:,} commits")
        sys.stderr.flush()

    return show
