"""The history the site publishes, from `gitinv.history` (one pass over the log of main)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gitinv import history

Entry = dict[str, Any]
HISTORY_KEYS = ("commit", "date", "author", "pull_request", "action", "changes")
AUDIT_DROP = ("email",)


def load(root: Path, rev: str) -> tuple[list[Entry], dict[str, list[Entry]]]:
    """(audit: every change, newest first; per server name: its changes, newest first)."""
    log = history.scan(root, rev)
    audit = [entry.as_dict() for entry in log.entries]
    per_server = {
        name: [{k: e[k] for k in HISTORY_KEYS} for e in (x.as_dict() for x in log.for_server(name))]
        for name in log.servers()
    }
    return audit, per_server
