"""`gitinv audit [--since DATE]`: every change on the main branch, newest first."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from gitinv import remote
from gitinv.errors import GitinvError
from gitinv.history import scan
from gitinv.history_report import progress_printer, render_entries


def parse_since(since: str) -> str:
    """An ISO 8601 date or date-time, checked here so that git never guesses."""
    try:
        when = dt.datetime.fromisoformat(since)
    except ValueError:
        raise GitinvError(f"--since {since!r}: give an ISO 8601 date such as 2026-01-31") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.isoformat()


def run(*, repo: Path, since: str | None = None, fmt: str = "text") -> int:
    printer = progress_printer(fmt)
    after = parse_since(since) if since else None
    entries = scan(repo, remote.main_ref(repo), since=after, progress=printer).entries
    if printer:
        sys.stderr.write("\r\033[K")
    sys.stdout.write(render_entries(entries, fmt))
    return 0
