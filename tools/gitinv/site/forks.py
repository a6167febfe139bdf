"""Write parts of the site in forked children, so every core works on it.

A child sees the parent's memory as it was at the fork (the inventory, the
history), so nothing is pickled on the way in; on the way out it sends back only
how many files and bytes it wrote, or what went wrong. Where there is no fork or
only one core, or when asked, a part runs in this process when it is started.

    with Parts() as parts:
        parts.start(lambda: write_some(tmp))  # in a child, from now on
        mine = write_the_rest(tmp)            # meanwhile, here
        files, size = parts.wait()            # theirs, summed; raises what they raised
"""

from __future__ import annotations

import os
import pickle
import signal
import threading
import traceback
from collections.abc import Callable
from types import TracebackType

from gitinv.errors import GitinvError

Totals = tuple[int, int]  # files written, bytes written


def can_fork() -> bool:
    # A fork copies only the calling thread: with others running, a lock one of them
    # held would stay held in the child for ever.
    return hasattr(os, "fork") and (os.cpu_count() or 1) > 1 and threading.active_count() == 1


class Parts:
    def __init__(self, parallel: bool = True) -> None:
        """`parallel`: False runs every part here (for small work, where a fork costs
        more than it saves)."""
        self._parallel = parallel
        self._running: list[tuple[int, int]] = []  # (pid, read end of its pipe)
        self._done: list[Totals] = []

    def __enter__(self) -> Parts:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if kind is None:
                self.wait()
        finally:
            # After a failure, stop the children before the caller removes the folder
            # they write into.
            for pid, reader in self._running:
                _kill(pid)
                os.close(reader)
            self._running = []

    def start(self, part: Callable[[], Totals]) -> None:
        if not (self._parallel and can_fork()):
            self._done.append(part())
            return
        reader, writer = os.pipe()
        try:
            pid = os.fork()
        except OSError:  # no memory or no process to spare: do it here
            os.close(reader)
            os.close(writer)
            self._done.append(part())
            return
        if pid == 0:  # the child: run the part, report, and leave without any cleanup
            try:
                os.close(reader)
                _report(writer, part)
            finally:
                os._exit(0)
        os.close(writer)
        self._running.append((pid, reader))

    def wait(self) -> Totals:
        """Wait for every part; their totals summed. A part's error is raised here."""
        results = list(self._done)
        self._done = []
        while self._running:
            pid, reader = self._running[0]
            message = _read_all(reader)
            _, status = os.waitpid(pid, 0)
            self._running.pop(0)  # only now: until it has ended, leaving early kills it
            os.close(reader)
            results.append(_result(message, status))
        return sum(r[0] for r in results), sum(r[1] for r in results)


def _kill(pid: int) -> None:
    """Stop a child and reap it; one an interrupt caught just after its end is gone already."""
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass


def _report(writer: int, part: Callable[[], Totals]) -> None:
    result: tuple[object, ...]
    try:
        result = ("ok", part())
    except OSError as exc:
        result = ("oserror", OSError(*exc.args), exc.filename)
    except GitinvError as exc:
        result = ("gitinv", exc.message, exc.exit_code)
    except BaseException as exc:  # sent to the parent, which raises it there
        result = ("error", f"{type(exc).__name__}: {exc}", traceback.format_exc())
    write_all(writer, pickle.dumps(result))
    os.close(writer)


def write_all(fd: int, data: bytes) -> None:
    """All of `data` to a file descriptor (a pipe or a file), however much each write takes."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _read_all(reader: int) -> bytes:
    chunks = []
    while chunk := os.read(reader, 1 << 16):
        chunks.append(chunk)
    return b"".join(chunks)


def _result(message: bytes, status: int) -> Totals:
    if not message:
        raise RuntimeError(f"a process writing the site ended without a word (status {status})")
    result = pickle.loads(message)  # our own child's, through our own pipe
    if result[0] == "oserror":
        error: OSError = result[1]
        if result[2] is not None:
            error.filename = result[2]
        raise error
    if result[0] == "gitinv":
        raise GitinvError(result[1], result[2])
    if result[0] == "error":
        raise RuntimeError(f"writing the site failed: {result[1]}\n{result[2]}")
    files, size = result[1]
    return int(files), int(size)
