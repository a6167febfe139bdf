"""The history the site publishes, from `gitinv.history` (one pass over the log of main)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from gitinv import gitlog, history

Entry = dict[str, Any]
Timeline = tuple[list[Entry], dict[str, list[Entry]]]
HISTORY_KEYS = ("commit", "date", "author", "pull_request", "action", "changes")


def load(
    root: Path,
    rev: str,
    *,
    known: Mapping[str, dict[str, Any]] | None = None,
    log: Iterable[gitlog.LogCommit] | None = None,
) -> Timeline:
    """(audit: every change, newest first; per server name: its changes, newest first).

    `known` and `log` as for `history.scan`."""
    return split([e.as_dict() for e in history.scan(root, rev, known=known, log=log).entries])


def split(audit: list[Entry]) -> Timeline:
    """The audit and, from it, each server's history (what `History.for_server` gives).

    A server's entries are the audit's own: each page publishes only `HISTORY_KEYS`."""
    per_server: dict[str, list[Entry]] = {}
    for entry in audit:
        if entry["kind"] == "server":
            per_server.setdefault(entry["name"], []).append(entry)
    return audit, per_server
