"""An exclusive lock held through a file, for work two gitinv processes must not do
at once (two requests in one repository, two builds into one folder).

    with lock.exclusive(path, busy="another build is running", wait=None):
        ...  # alone here

The lock is the kernel's (`flock`): it goes with the process, so a killed holder
leaves no stale lock behind. The holder removes the file when it is done; a waiter
that locked the removed file tries again on the new one.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from gitinv.errors import GitinvError

try:
    import fcntl
except ImportError:  # pragma: no cover - no flock (Windows): no locking
    fcntl = None  # type: ignore[assignment]

POLL_SECONDS = 0.05


@contextmanager
def exclusive(
    path: Path,
    *,
    busy: str,
    wait: float | None,
    waiting: Callable[[], object] | None = None,
) -> Iterator[None]:
    """Hold the lock of `path` for the `with` block. When another process holds it,
    call `waiting()` once and wait, at most `wait` seconds (None: as long as it takes),
    then raise GitinvError(busy)."""
    if fcntl is None:  # pragma: no cover
        yield
        return
    deadline = None if wait is None else time.monotonic() + wait
    told = False
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise GitinvError(
                f"cannot create the lock file {path}: {exc.strerror or exc}"
            ) from None
        try:
            while not _try_lock(fd):
                if deadline is not None and time.monotonic() >= deadline:
                    raise GitinvError(busy)
                if not told and waiting is not None:
                    waiting()
                    told = True
                time.sleep(POLL_SECONDS)
            if _same_file(path, fd):
                break
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)  # the holder before us removed it: lock the new one
    try:
        yield
    finally:
        with suppress(FileNotFoundError):
            os.unlink(path)
        os.close(fd)


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _same_file(path: Path, fd: int) -> bool:
    try:
        there = os.stat(path)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (there.st_dev, there.st_ino) == (mine.st_dev, mine.st_ino)
