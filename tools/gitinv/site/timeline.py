"""The history the site publishes, from `gitinv.history` (one pass over the log of main)."""

from __future__ import annotations

import gc
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from gitinv import history

Entry = dict[str, Any]
Timeline = tuple[list[Entry], dict[str, list[Entry]]]
HISTORY_KEYS = ("commit", "date", "author", "pull_request", "action", "changes")


def load(root: Path, rev: str) -> Timeline:
    """(audit: every change, newest first; per server name: its changes, newest first)."""
    return split(audit_of(root, rev))


def audit_of(root: Path, rev: str) -> list[Entry]:
    return [entry.as_dict() for entry in history.scan(root, rev).entries]


def split(audit: list[Entry]) -> Timeline:
    """The audit and, from it, each server's history (what `History.for_server` gives)."""
    per_server: dict[str, list[Entry]] = {}
    for entry in audit:
        if entry["kind"] == "server":
            per_server.setdefault(entry["name"], []).append({k: entry[k] for k in HISTORY_KEYS})
    return audit, per_server


def _work(conn: Connection, root: Path, rev: str) -> None:
    gc.disable()  # a short-lived process building acyclic data: collections only cost time
    try:
        conn.send(("ok", audit_of(root, rev)))  # half the data to pickle: split() here
    except Exception as exc:  # handed to the parent, which raises it there
        conn.send(("error", exc))
    finally:
        conn.close()


def _can_spawn() -> bool:
    # A spawned process re-imports the main module: impossible from stdin or a REPL.
    main = getattr(sys.modules.get("__main__"), "__file__", None)
    return (os.cpu_count() or 1) > 1 and main is not None and Path(main).is_file()


@contextmanager
def in_background(root: Path, rev: str) -> Iterator[Callable[[], Timeline]]:
    """Read the history in a second process while this one reads the inventory.

    Both are CPU-bound and about as long on a large inventory, so two cores halve the
    wait. Yields a function that returns the result (read here if the worker could not
    run); leaving the block stops the worker.
    """
    if not _can_spawn():
        yield lambda: load(root, rev)
        return
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    worker = context.Process(target=_work, args=(sender, root, rev), daemon=True)
    worker.start()
    sender.close()

    def result() -> Timeline:
        try:
            status, value = receiver.recv()
        except EOFError:  # the worker died before answering
            return load(root, rev)
        if status == "error":
            raise value
        return split(value)

    try:
        yield result
    finally:
        receiver.close()
        if worker.is_alive():
            worker.terminate()
        worker.join()
