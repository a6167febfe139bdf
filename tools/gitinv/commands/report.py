"""`gitinv report [BASE [HEAD]]`: the pull-request report in markdown, cut to fit."""

from __future__ import annotations

import os
import re
import shlex
import sys
from pathlib import Path

from gitinv import prreport
from gitinv.errors import GitinvError
from gitinv.remote import main_branch

_URL = re.compile(r"https?://[^\s<>]{1,500}")


def run(
    *,
    repo: Path,
    base: str | None = None,
    head: str | None = None,
    max_chars: int | None = None,
    max_bytes: int | None = None,
    full_report: str | None = None,
) -> int:
    """Exit 1 when the inventory is invalid or a file is not in canonical form."""
    limits = _limits(max_chars, max_bytes)
    link = full_report if full_report is not None else _run_url()
    if link is not None and not _URL.fullmatch(link):
        raise GitinvError(f"--full-report {link!r} is not an http(s) URL without spaces", 2)
    report = prreport.build(repo, base, head, main=main_branch(repo), progress=sys.stderr.isatty())
    again = shlex.join(
        [
            "gitinv",
            "report",
            report.diff.base[:12],
            *([report.diff.head[:12]] if report.diff.head else []),
            "--max-chars",
            "0",
        ]
    )
    text, _ = prreport.render(report, limits, full_report=link, again=again)
    sys.stdout.write(text)
    return 0 if report.ok else 1


def _limits(max_chars: int | None, max_bytes: int | None) -> prreport.Limits:
    """--max-chars 0: no limit; --max-bytes alone: no character limit."""
    for name, value in (("--max-chars", max_chars), ("--max-bytes", max_bytes)):
        if value is not None and 0 < value < prreport.MIN_SIZE:
            raise GitinvError(
                f"{name} {value:,} leaves no room for the verdict; give at least "
                f"{prreport.MIN_SIZE:,} (or 0 for no limit)",
                2,
            )
    if max_chars is None and max_bytes is None:
        max_chars = prreport.DEFAULT_MAX_CHARS
    return prreport.Limits(chars=max_chars or None, bytes=max_bytes or None)


def _run_url() -> str | None:
    """In GitHub Actions, the run's page: its job summary and artifacts are there."""
    parts = [
        os.environ.get(k, "") for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID")
    ]
    if not all(parts):
        return None
    server, repository, run_id = parts
    return f"{server.rstrip('/')}/{repository}/actions/runs/{run_id}"
