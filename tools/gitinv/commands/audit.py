"""`gitinv audit [--since DATE]`: every change on the main branch, newest first."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable
from pathlib import Path

from gitinv import remote
from gitinv.changes import Change
from gitinv.diffformat import md_cell, unreadable_note, value_text
from gitinv.errors import GitinvError
from gitinv.history import Entry, scan
from gitinv.printable import one_line


def parse_since(since: str) -> str:
    """An ISO 8601 date or date-time, checked here so that git never guesses."""
    try:
        when = dt.datetime.fromisoformat(since)
    except ValueError:
        raise GitinvError(f"--since {since!r}: give an ISO 8601 date such as 2026-01-31") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.isoformat()


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


def render_entries(entries: list[Entry], fmt: str, *, with_name: bool = True) -> str:
    if fmt == "markdown":
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


def progress_printer(fmt: str) -> Callable[[int], None] | None:
    """Commits read so far, on a terminal only (never in --format json)."""
    if fmt == "json" or not sys.stderr.isatty():
        return None

    def show(count: int) -> None:
        sys.stderr.write(f"\rread {count:,} commits")
        sys.stderr.flush()

    return show


def run(*, repo: Path, since: str | None = None, fmt: str = "text") -> int:
    printer = progress_printer(fmt)
    after = parse_since(since) if since else None
    entries = scan(repo, remote.history_ref(repo), since=after, progress=printer).entries
    if printer:
        sys.stderr.write("\r\033[K")
    write_entries(entries, fmt)
    return 0


def write_entries(entries: list[Entry], fmt: str, *, with_name: bool = True) -> None:
    """The entries on standard output: `{"count", "results"}` for json, else a table."""
    if fmt == "json":
        results = [e.as_dict() for e in entries]
        doc = {"count": len(entries), "results": results}
        sys.stdout.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(render_entries(entries, fmt, with_name=with_name))
