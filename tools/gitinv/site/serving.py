"""Serving the site on 127.0.0.1 while main moves: build, answer, rebuild.

Public API::

    from gitinv.site import serving
    ok = serving.serve(repo, port=0, rev=None, out=None, use_demo=False, watch=True)
    # False: the first build found the inventory invalid (its findings printed)
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import signal
import subprocess
import sys
import tempfile
import threading
import urllib.parse
from collections.abc import Iterator
from http import HTTPStatus
from pathlib import Path
from typing import Any

from gitinv import git as gitops
from gitinv import remote
from gitinv.errors import GitinvError
from gitinv.report import render
from gitinv.settings import DEFAULT_BRANCH
from gitinv.site import demo
from gitinv.site.build import build, default_rev

POLL_SECONDS = 2.0


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass  # one line per request drowns the terminal; errors still reach the browser

    def send_head(self) -> Any:
        # A NUL (`/x%00.html`) names no file: the file system would raise on it.
        path = urllib.parse.unquote(self.path.split("?", 1)[0].split("#", 1)[0])
        if "\x00" in path:
            self.send_error(HTTPStatus.BAD_REQUEST, "Bad request: NUL in the path")
            return None
        return super().send_head()

    def list_directory(self, path: Any) -> None:
        # Every folder the site links to has its index.html; no listing of the others.
        self.send_error(HTTPStatus.NOT_FOUND, "File not found")
        return None

    def copyfile(self, source: Any, outputfile: Any) -> None:
        # servers.json of a large inventory is tens of MB: let the kernel copy it.
        try:
            self.connection.sendfile(source)
        except (AttributeError, OSError, ValueError):
            super().copyfile(source, outputfile)

    def end_headers(self) -> None:
        # The site changes under the same URLs when main moves: always revalidate.
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()


def _build_once(root: Path, rev: str, out: Path) -> bool:
    built = build(root, rev, out)
    if not built.ok:
        print(render(built.findings, "text", servers=built.servers))
        print(
            f"gitinv: {built.commit.id[:12]} is invalid; serving the previous build",
            file=sys.stderr,
        )
        return False
    # The main branch's copy (origin's or the local one) is named; a revision given is not.
    where = f"{remote.short_ref(rev)} at " if rev.startswith("refs/") else ""
    print(
        f"Built {built.servers} servers from {where}{built.commit.id[:12]} ({built.commit.date})",
        flush=True,
    )
    return True


class _Server(http.server.ThreadingHTTPServer):
    """Answers each request in a thread of its own; a browser that goes away mid-answer,
    or a request cut short by stopping, is no error worth a traceback."""

    daemon_threads = True
    stopping = False

    def process_request(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request(request, client_address)
        except KeyboardInterrupt:
            # Ctrl-C (or SIGTERM, made one) while the request's thread starts: the server
            # closes the request's socket under that thread, which is stopping, not a
            # failure to report. Any other error stays one, reported by handle_error.
            self.stopping = True
            raise

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)) or self.stopping:
            return
        print(f"gitinv: a request failed: {error}", file=sys.stderr, flush=True)


def _watch(root: Path, rev: str, out: Path, stop: threading.Event) -> None:
    """Rebuild whenever `rev` (a branch) points at another commit.

    Ctrl-C reaches the git this thread runs as well as the server: a git that fails
    is asked again at the next poll, and a failure just before stopping says nothing."""
    last = _tip(root, rev)
    while not stop.wait(POLL_SECONDS):
        current = _tip(root, rev)
        if current and current != last:
            last = current
            _rebuild(root, rev, out, stop)


def _tip(root: Path, rev: str) -> str | None:
    try:
        return gitops.try_rev_parse(root, rev)
    except GitinvError:
        return None


def _rebuild(root: Path, rev: str, out: Path, stop: threading.Event) -> None:
    """`gitinv build` in a process of its own: this one answers requests in threads, and
    a build forks workers, which is only safe where no other thread runs. When the
    server stops meanwhile, the build is interrupted as by Ctrl-C (it removes its
    unfinished copy, and the site stays as it was)."""
    command = [sys.executable, "-m", "gitinv", "-C", str(root), "build", "--rev", rev]
    # A session of its own: Ctrl-C in the terminal stops the server, which stops this.
    proc = subprocess.Popen([*command, "--out", str(out)], start_new_session=True)
    while proc.poll() is None:
        if stop.wait(0.1):
            proc.send_signal(signal.SIGINT)
            proc.wait()
            return
    if proc.returncode != 0:
        print("gitinv: rebuild failed; serving the previous build", file=sys.stderr, flush=True)


@contextlib.contextmanager
def _source(repo: Path, use_demo: bool) -> Iterator[Path]:
    """The repository to serve: the checkout, or for the demo a temporary copy of its
    inventory with a made-up team history (never the checkout's own commits)."""
    if not use_demo:
        yield repo
        return
    with tempfile.TemporaryDirectory(prefix="gitinv-demo-") as tmp:
        print(
            "Demo: a temporary copy of the inventory, with a made-up history of a "
            "team's pull requests",
            flush=True,
        )
        yield demo.make_repo(repo, Path(tmp) / "inventory-demo")


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """A plain `kill` (SIGTERM) stops the server as Ctrl-C does, so what it made
    on the way (the demo's temporary copy) is removed too."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        if previous is not None:  # None: a handler set outside Python, which stays
            signal.signal(signal.SIGTERM, previous)


def serve(
    repo: Path,
    *,
    port: int = 8000,
    rev: str | None = None,
    out: Path | None = None,
    use_demo: bool = False,
    watch: bool = True,
) -> bool:
    """Build `rev` (default: the main branch) into `out` (default: _site/ of the served
    repository) and answer on 127.0.0.1:`port` until Ctrl-C or SIGTERM."""
    # The port first: one in use is said at once, not after a build (or the demo's copy).
    server = _listen(port)
    try:
        with _terminate_as_interrupt(), _source(repo, use_demo) as root:
            target = (out if out is not None else root / "_site").absolute()
            # The demo's made-up history is on its own main, whatever the copied
            # settings.yaml names the main branch.
            main = f"refs/heads/{DEFAULT_BRANCH}" if use_demo else None
            revision = rev or main or default_rev(root)
            if not _build_once(root, revision, target):
                return False
            server.RequestHandlerClass = functools.partial(_Handler, directory=str(target))
            _serve(server, root, revision, target, watch)
    finally:
        server.server_close()
    return True


def _listen(port: int) -> _Server:
    try:
        return _Server(("127.0.0.1", port), _Handler)
    except OSError as exc:
        hint = "; choose another --port (0 picks a free one)" if port else ""
        raise GitinvError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror}{hint}") from None


def _serve(server: _Server, root: Path, revision: str, target: Path, watch: bool) -> None:
    """Answer requests until Ctrl-C (or SIGTERM), rebuilding when `revision` moves."""
    stop = threading.Event()
    watcher = threading.Thread(target=_watch, args=(root, revision, target, stop), daemon=True)
    if watch:
        watcher.start()
    try:
        # Inside the try: a Ctrl-C right after this line stops the server as cleanly.
        print(f"Serving http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C to stop)", flush=True)
        server.serve_forever()
    except KeyboardInterrupt:
        print("", file=sys.stderr)
    finally:
        server.stopping = True
        stop.set()
        if watcher.is_alive():
            watcher.join(timeout=60)  # a rebuild in progress stops and cleans up first
