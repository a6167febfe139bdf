"""Streaming readers of git's bulk output: the first-parent log, and a feed of
objects through one `git cat-file --batch`.

Both git processes run while Python works: a thread drains each pipe, so `git
log` keeps walking history and `cat-file` keeps sending blobs while the caller
parses what has already arrived. Reading the audit of a long history then costs
about as much as git's own walk, not the walk plus the parsing. The processes
come from `git.spawn`; this module never imports GitPython itself.
"""

from __future__ import annotations

import contextlib
import os
import queue
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from gitinv import git
from gitinv.errors import GitinvError

_FORMAT = "%x1e%H%x00%P%x00%cI%x00%an%x00%ae%x00%s"
_CHUNK = 1 << 20
# Each commit's diff reads a group's tree (5,000 entries at 100,000 servers) stored as
# a delta of its previous version; when git's cache of delta bases (96 MB by default)
# cannot keep those chains, it rebuilds them commit after commit. The cache git needs
# grows with the folders: 256 MB took `git log` over 20,000 commits from 9.2 s to 5.5 s
# at 100,000 servers (4.5 MB of trees), and 512 MB more did nothing there; at 300,000
# (13 MB of trees) 256 MB left 21 s of work and 640 MB 13 s. It is memory git takes
# only as it needs it, up to the limit.
_CACHE_PER_TREE_BYTE = 48
_CACHE_MIN, _CACHE_MAX = 256 << 20, 1 << 30


def _cache_limit(tree_bytes: int) -> int:
    return min(max(tree_bytes * _CACHE_PER_TREE_BYTE, _CACHE_MIN), _CACHE_MAX)


def _log_config(root: Path, rev: str, prefix: str) -> dict[str, str]:
    limit = _cache_limit(git.subtree_bytes(root, rev, f"{prefix}/servers"))
    return {"core.deltaBaseCacheLimit": f"{limit >> 20}m"}


@dataclass(slots=True)
class LogCommit:
    """One commit of a first-parent log, with the paths it changed against its first parent."""

    sha: str
    parents: list[str]
    date: str
    author: str
    email: str
    subject: str
    files: list[git.FileChange] = field(default_factory=list)

    def objects(self) -> list[str]:
        """The blobs it changed and, for a merge, itself (its message: the pull request's
        title) and the merged branch's tip (its author)."""
        wanted = [s for f in self.files for s in (f.old, f.new) if s]
        return [*wanted, self.sha, self.parents[1]] if len(self.parents) > 1 else wanted


def _record(raw: bytes, inside: str) -> LogCommit:
    """One commit, with only its changes to paths under `inside`."""
    tokens = raw.split(b"\0")
    parents, date, author, email, subject = (t.decode("utf-8", "replace") for t in tokens[1:6])
    commit = LogCommit(tokens[0].decode(), parents.split(), date, author, email, subject)
    git.parse_raw(tokens, 6, commit.files)
    commit.files = [f for f in commit.files if f.path.startswith(inside)]
    return commit


def _pump(stream: int, sink: queue.Queue[bytes | None]) -> None:
    while chunk := os.read(stream, _CHUNK):
        sink.put(chunk)
    sink.put(None)


def _log_args(since: str | None) -> list[str]:
    args = ["log", "--first-parent", "--diff-merges=first-parent", "--raw", "-z", "--no-abbrev"]
    args += ["--no-renames", f"--format={_FORMAT}"]
    if since:
        args.append(f"--since={since}")
    return args


def _commits(chunks: Iterable[bytes], inside: str) -> Iterator[LogCommit]:
    """The commits in the log's output, whatever the chunks' boundaries; those changing
    nothing under `inside` are left out."""
    pending: list[bytes] = []
    for chunk in chunks:
        if b"\x1e" not in chunk:
            pending.append(chunk)
            continue
        pieces = chunk.split(b"\x1e")
        head = b"".join([*pending, pieces[0]])
        for piece in [head, *pieces[1:-1]] if head else pieces[1:-1]:
            commit = _record(piece, inside)
            if commit.files:
                yield commit
        pending = [pieces[-1]]
    tail = b"".join(pending)
    if tail.strip():
        commit = _record(tail, inside)
        if commit.files:
            yield commit


def iter_first_parent(
    root: Path, rev: str, prefix: str = "inventory", since: str | None = None
) -> Iterator[LogCommit]:
    """The first-parent history of `rev` touching `prefix`, newest first, as git walks it.

    Each commit's `files` are its changes against its first parent (for a merge
    commit: what the merged branch brought in)."""
    # No pathspec: git walks a big tree faster without one (10 s instead of 16 s for
    # 20,000 commits of 100,000 files); the paths are filtered here instead.
    config = _log_config(root, rev, prefix)
    proc = git.spawn(root, *_log_args(since), rev, "--", config=config)
    assert proc.proc.stdout is not None
    chunks: queue.Queue[bytes | None] = queue.Queue()
    reader = threading.Thread(target=_pump, args=(proc.proc.stdout.fileno(), chunks), daemon=True)
    reader.start()
    try:
        yield from _commits(iter(chunks.get, None), f"{prefix}/")
    except BaseException:  # left early: git is stopped, its pipes closed once the pump ends
        proc.proc.kill()
        reader.join()
        proc.stop()
        raise
    reader.join()
    proc.finish()


class SpooledLog:
    """The first-parent log of `rev`, written by git into a temporary file while the
    caller does other work (no thread runs meanwhile, so the caller may fork).

    `commits()` yields what `iter_first_parent` would, reading the file as git writes
    it; leaving the `with` block stops git if it still runs and removes the file.
    """

    def __init__(
        self,
        root: Path,
        rev: str,
        prefix: str = "inventory",
        since: str | None = None,
        *,
        after: str | None = None,
    ) -> None:
        """`after`: a commit on the first-parent line of `rev`; only the commits since it."""
        handle, name = tempfile.mkstemp(prefix="gitinv-log-")
        os.close(handle)
        self._path = Path(name)
        self._inside = f"{prefix}/"
        try:
            config = _log_config(root, rev, prefix)
            self._proc = git.spawn(
                root,
                *_log_args(since),
                f"--output={name}",
                f"{after}..{rev}" if after else rev,
                "--",
                config=config,
            )
        except BaseException:
            self._path.unlink()
            raise

    def __enter__(self) -> SpooledLog:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def commits(self) -> Iterator[LogCommit]:
        yield from _commits(self._follow(), self._inside)

    def _follow(self) -> Iterator[bytes]:
        """The file's content as git writes it, to its end once git has exited (and
        succeeded: its error comes before a last record it may have left unfinished)."""
        with open(self._path, "rb") as log:
            while True:
                running = self._proc.proc.poll() is None
                chunk = log.read(_CHUNK)
                if chunk:
                    yield chunk
                elif not running:
                    self._proc.finish()
                    return
                else:
                    time.sleep(0.005)

    def close(self) -> None:
        self._proc.stop()
        self._path.unlink(missing_ok=True)


class ObjectFeed:
    """Objects from one `git cat-file --batch`: `want` them as you learn of them,
    `get` them when needed (waiting only if they have not arrived yet)."""

    def __init__(self, root: Path) -> None:
        self._proc = git.spawn(root, "cat-file", "--batch", stdin=True)
        self._ready: dict[str, bytes | None] = {}
        self._asked: set[str] = set()
        self._done = False
        self._arrived = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def __enter__(self) -> ObjectFeed:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def want(self, shas: Iterable[str]) -> int:
        """Ask for objects; returns a ticket for `arrived`. The requests go to git as
        its input's buffer fills (a walk asks for a few objects a commit: one write each
        would be a system call each), or when `get` waits for one."""
        new = [s for s in shas if s not in self._asked]
        if new and self._proc.proc.stdin:
            self._asked.update(new)
            with contextlib.suppress(BrokenPipeError):  # git ended: `get` and `close` say so
                self._proc.proc.stdin.write("".join(f"{s}\n" for s in new).encode())
        return len(self._asked)

    def arrived(self, ticket: int) -> bool:
        """Whether everything asked for up to `ticket` is here (git answers in order;
        what `want` holds in its buffer arrives once the buffer fills or `get` waits)."""
        return len(self._ready) >= ticket

    def get(self, sha: str) -> bytes | None:
        """The object's content; None when git does not have it."""
        self.want([sha])
        if sha not in self._ready and self._proc.proc.stdin:
            with contextlib.suppress(BrokenPipeError):  # git ended: the reader is done
                self._proc.proc.stdin.flush()
        with self._arrived:
            while sha not in self._ready:
                if self._done:
                    raise GitinvError(f"git cat-file ended before sending {sha}")
                self._arrived.wait()
        return self._ready[sha]

    def _read(self) -> None:
        out = self._proc.proc.stdout
        assert out is not None
        try:
            while (answer := git.read_batch_answer(out)) is not None:
                with self._arrived:
                    self._ready[answer[0].decode()] = answer[1]
                    self._arrived.notify_all()
        except EOFError:
            pass  # git stopped mid-answer: `get` says so, and `close` gives git's words
        with self._arrived:
            self._done = True
            self._arrived.notify_all()

    def close(self) -> None:
        if self._proc.proc.stdin and not self._proc.proc.stdin.closed:
            with contextlib.suppress(OSError):  # what it held for a git that ended
                self._proc.proc.stdin.close()
        self._reader.join()
        self._proc.finish()
