"""`gitinv validate`: check every file of the inventory and report every problem."""

from __future__ import annotations

import sys
from pathlib import Path

from gitinv import inventory
from gitinv.report import render


def run(*, repo: Path, rev: str | None, fmt: str) -> int:
    progress = fmt != "json" and sys.stderr.isatty()
    inv = inventory.load(repo, rev, progress=progress)
    sys.stdout.write(render(inv.findings, fmt, servers=len(inv.servers)))
    if fmt == "gitlab":  # the report is a file for GitLab; the job's log says it too
        sys.stderr.write(render(inv.findings, "text", servers=len(inv.servers)))
    return 0 if inv.ok else 1
