"""`gitinv history NAME`: one server's changes on the main branch, newest first."""

from __future__ import annotations

import sys
from pathlib import Path

from gitinv import remote
from gitinv.errors import GitinvError
from gitinv.history import scan
from gitinv.history_report import progress_printer, render_entries


def run(*, repo: Path, name: str, fmt: str = "text") -> int:
    printer = progress_printer(fmt)
    entries = scan(repo, remote.main_ref(repo), progress=printer).for_server(name)
    if printer:
        sys.stderr.write("\r\033[K")
    if not entries:
        raise GitinvError(f"no change to a server named {name} on the main branch", exit_code=1)
    sys.stdout.write(render_entries(entries, fmt, with_name=False))
    return 0
