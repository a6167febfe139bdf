"""`gitinv validate`: check every file of the inventory and report every problem."""

from __future__ import annotations

import sys
from pathlib import Path

from gitinv import collector
from gitinv.cache import Prefetch
from gitinv.report import render


def run(*, repo: Path, rev: str | None, fmt: str, cache: bool = True) -> int:
    """``cache``: reuse the results of files unchanged since an earlier run (see cache.py)."""
    # Started before the loader is imported: the working tree's stats are taken meanwhile.
    prefetch = Prefetch.start(repo) if cache and rev is None else None
    # The records are garbage once the report is out, and what the imports made lives
    # on: no pass of the cyclic collector over either (a tenth of a cold run).
    try:
        with collector.paused():
            return _run(repo, rev, fmt, cache, prefetch)
    finally:
        if prefetch is not None:
            prefetch.close()


def _run(repo: Path, rev: str | None, fmt: str, cache: bool, prefetch: Prefetch | None) -> int:
    from gitinv import inventory

    progress = fmt != "json" and sys.stderr.isatty()
    result = inventory.check(repo, rev, progress=progress, cache=cache, prefetch=prefetch)
    sys.stdout.write(render(result.findings, fmt, servers=result.servers))
    if fmt == "gitlab":  # the report is a file for GitLab; the job's log says it too
        sys.stderr.write(render(result.findings, "text", servers=result.servers))
    return 0 if result.ok else 1
