"""`gitinv history NAME`: one server's changes on the main branch, newest first."""

from __future__ import annotations

import sys
from pathlib import Path

from gitinv import remote
from gitinv.commands.audit import progress_printer, write_entries
from gitinv.errors import GitinvError
from gitinv.history import scan


def run(*, repo: Path, name: str, fmt: str = "text") -> int:
    printer = progress_printer(fmt)
    entries = scan(repo, remote.history_ref(repo), progress=printer).for_server(name)
    if printer:
        sys.stderr.write("\r\033[K")
    if not entries:
        raise GitinvError(f"no change to a server named {name} on the main branch", exit_code=1)
    write_entries(entries, fmt, with_name=False)
    return 0
