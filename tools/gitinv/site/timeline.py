"""The history the site publishes, from `gitinv.history` (one pass over the log of main)."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from gitinv import history

Entry = dict[str, Any]
Timeline = tuple[list[Entry], dict[str, list[Entry]]]
HISTORY_KEYS = ("commit", "date", "author", "pull_request", "action", "changes")


def load(root: Path, rev: str) -> Timeline:
    """(audit: every change, newest first; per server name: its changes, newest first)."""
    log = history.scan(root, rev)
    audit = [entry.as_dict() for entry in log.entries]
    per_server = {
        name: [{k: e[k] for k in HISTORY_KEYS} for e in (x.as_dict() for x in log.for_server(name))]
        for name in log.servers()
    }
    return audit, per_server


@contextmanager
def in_background(root: Path, rev: str) -> Iterator[Callable[[], Timeline]]:
    """Read the history in a second process while this one reads the inventory.

    Both are CPU-bound and about as long on a large inventory, so two cores halve the
    wait. Yields a function that returns the result; leaving the block stops the worker.
    """
    if (os.cpu_count() or 1) < 2:
        yield lambda: load(root, rev)
        return
    pool = multiprocessing.get_context("spawn").Pool(1)
    try:
        pending = pool.apply_async(load, (root, rev))
        yield pending.get
    finally:
        pool.terminate()
        pool.join()
