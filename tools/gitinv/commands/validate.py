"""`gitinv validate`: check every file of the inventory and report every problem."""

from __future__ import annotations

import gc
import sys
from pathlib import Path

from gitinv import inventory
from gitinv.report import render


def run(*, repo: Path, rev: str | None, fmt: str, cache: bool = True) -> int:
    """``cache``: reuse the results of files unchanged since an earlier run (see cache.py)."""
    # The records are garbage once the report is out: with the cyclic collector on, its
    # first pass after the load would walk all of them once (a tenth of a cold run).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _run(repo, rev, fmt, cache)
    finally:
        if collecting:
            gc.enable()


def _run(repo: Path, rev: str | None, fmt: str, cache: bool) -> int:
    progress = fmt != "json" and sys.stderr.isatty()
    result = inventory.check(repo, rev, progress=progress, cache=cache)
    sys.stdout.write(render(result.findings, fmt, servers=result.servers))
    if fmt == "gitlab":  # the report is a file for GitLab; the job's log says it too
        sys.stderr.write(render(result.findings, "text", servers=result.servers))
    return 0 if result.ok else 1
