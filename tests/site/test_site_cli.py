"""`gitinv build` and `gitinv serve` from the command line, and the demo history."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from gitinv.site import demo
from gitinv.site.build import build
from tests.conftest import GitRepo
from tests.site.sitefixtures import make_history


def gitinv(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gitinv", *args],
        capture_output=True,
        text=True,
        env=dict(os.environ),
    )


def test_build_command_exit_codes(tmp_path: Path) -> None:
    repo = make_history(tmp_path / "repo")
    out = tmp_path / "site"
    done = gitinv("-C", str(repo.path), "build", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"Built {out} from ")
    assert (out / "api/v1/servers.json").is_file()
    repo.write("inventory/servers/web/web09.yaml", "component: nginx\nstate: no\n")
    repo.commit("Break it")
    done = gitinv("-C", str(repo.path), "build", "--out", str(out))
    assert done.returncode == 1
    assert "inventory/servers/web/web09.yaml:" in done.stdout
    assert "Traceback" not in done.stderr
    done = gitinv("-C", str(repo.path), "build", "--rev", "nope", "--out", str(out))
    assert done.returncode == 2
    assert "unknown revision" in done.stderr


def test_shallow_clone_message(tmp_path: Path, history_repo: Path) -> None:
    clone = GitRepo.clone(history_repo.as_uri(), tmp_path / "shallow", "--depth", "1").path
    done = gitinv("-C", str(clone), "build")
    assert done.returncode == 2
    assert "shallow clone" in done.stderr and "fetch-depth: 0" in done.stderr


def _wait_for(url: str, proc: subprocess.Popen[bytes]) -> bytes:
    for _ in range(200):
        if proc.poll() is not None:
            raise AssertionError(f"serve exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return bytes(response.read())
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing served at {url}")


def test_serve_builds_serves_and_rebuilds_when_main_moves(tmp_path: Path) -> None:
    repo = make_history(tmp_path / "repo")
    port = 18000 + os.getpid() % 2000
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "gitinv", "-C", str(repo.path), "serve", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=dict(os.environ),
    )
    try:
        base = f"http://127.0.0.1:{port}"
        assert b"Server inventory" in _wait_for(f"{base}/index.html", proc)
        servers = json.loads(_wait_for(f"{base}/api/v1/servers.json", proc))
        assert servers["count"] == 3
        repo.write(
            "inventory/servers/web/web03.yaml",
            "component: nginx\nip: 10.1.0.3\ndc: fra1\nenvironment: staging\nstate: planned\n",
        )
        repo.commit("Add web03 (#6)")
        for _ in range(100):
            if json.loads(_wait_for(f"{base}/api/v1/servers.json", proc))["count"] == 4:
                break
            time.sleep(0.2)
        else:
            raise AssertionError("serve did not rebuild after main moved")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()
    assert (repo.path / "_site" / "api/v1/servers/web03.json").is_file()


def test_a_terminated_demo_leaves_no_temporary_copy(tmp_path: Path) -> None:
    from tests.conftest import ROOT

    source = tmp_path / "checkout"  # no git history at all: the demo makes a copy
    shutil.copytree(ROOT / "inventory", source / "inventory")
    temp = tmp_path / "tmp"
    temp.mkdir()
    port = 20000 + os.getpid() % 2000
    command = [sys.executable, "-m", "gitinv", "-C", str(source), "serve", "--demo"]
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen(
        [*command, "--port", str(port), "--no-watch"],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "TMPDIR": str(temp)},
    )
    try:
        assert b"Server inventory" in _wait_for(f"http://127.0.0.1:{port}/index.html", proc)
        assert list(temp.glob("gitinv-demo-*"))
    finally:
        proc.terminate()
        status = proc.wait(timeout=30)
        log.close()
    assert status == 0, (tmp_path / "serve.log").read_text()
    assert not list(temp.glob("gitinv-demo-*"))


def _tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted((root / "inventory").rglob("*"))
        if p.is_file()
    }


def test_demo_history_reads_like_a_team_s(tmp_path: Path) -> None:
    from gitinv.history import scan
    from tests.conftest import ROOT

    repo = demo.make_repo(ROOT, tmp_path / "demo")
    # It ends at the example inventory, byte for byte, in git and in the working tree.
    assert _tree(repo) == _tree(ROOT)
    status = ["git", "status", "--porcelain", "--", "inventory"]
    assert subprocess.run(status, cwd=repo, capture_output=True, text=True).stdout == ""
    built = build(repo, None, tmp_path / "_site")
    assert built.ok, built.findings
    audit = json.loads((tmp_path / "_site/api/v1/audit.json").read_text())["results"]
    assert {e["action"] for e in audit if e["kind"] == "server"} == {
        "added",
        "updated",
        "moved",
        "deleted",
    }
    assert {e["kind"] for e in audit} >= {"server", "tags", "components", "datacenters"}
    merges = [e for e in audit if e["subject"].startswith("Merge pull request #")]
    squashes = [e for e in audit if e["pull_request"] and e["merged_by"] is None]
    direct = [e for e in audit if e["pull_request"] is None]
    assert merges and squashes and direct
    # The reason is the pull request's title: never git's merge subject.
    assert not [e for e in audit if e["reason"].startswith("Merge ")]
    assert all(e["merged_by"] and e["merged_by"] != e["author"] for e in merges)
    assert all(e["subject"] == f"{e['reason']} (#{e['pull_request']})" for e in squashes)
    assert {e["author"] for e in direct} == {"Morgan Admin"}
    assert len({e["author"] for e in audit}) >= 4
    numbers = [e["pull_request"] for e in audit if e["pull_request"]]
    assert numbers == sorted(numbers, reverse=True)  # newest first, numbered in order
    dates = [dt.datetime.fromisoformat(e["date"]) for e in audit]
    assert all(d.weekday() < 5 and 9 <= d.hour < 18 for d in dates)  # working hours
    [old] = (tmp_path / "_site/api/v1/servers").glob("*-old.json")  # replaced, so deleted
    deleted = json.loads(old.read_text())
    assert deleted["deleted"]["reason"].startswith("Replace ")
    # The checkout's own commits are nowhere in it.
    ours = {c.info.subject for c in scan(ROOT, "HEAD").entries}
    assert not ours & {e["subject"] for e in audit}
    again = demo.make_repo(ROOT, tmp_path / "demo2")
    head = ["git", "rev-parse", "HEAD"]
    assert (
        subprocess.run(head, cwd=repo, capture_output=True, text=True).stdout
        == subprocess.run(head, cwd=again, capture_output=True, text=True).stdout
    )


def test_demo_of_a_checkout_with_history_is_still_the_demo(
    tmp_path: Path, history_repo: Path
) -> None:
    """`serve --demo` shows the made-up history even where the checkout has its own."""
    from gitinv.history import scan
    from gitinv.site import serving as serve

    with serve._source(history_repo, use_demo=True) as root:
        assert root != history_repo
        assert _tree(root) == _tree(history_repo)
        authors = {e.info.author for e in scan(root, "main").entries}
        people = {name for name, _ in [*demo.PEOPLE, demo.ADMIN]}
        assert authors <= people and len(authors) >= 2
    assert not root.exists()


def test_unwritable_output_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    """A file where the output's parent folder should be: nothing can be written there."""
    from tests.conftest import ROOT

    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a folder\n")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "gitinv",
            "-C",
            str(ROOT),
            "build",
            "--rev",
            "HEAD",
            "--out",
            str(blocker / "site"),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2, result.stderr
    assert "cannot write the site to" in result.stderr and "Traceback" not in result.stderr
    assert blocker.read_text() == "a file, not a folder\n"


def test_a_port_in_use_is_said_before_anything_is_built(tmp_path: Path) -> None:
    import socket

    repo = make_history(tmp_path / "repo")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        for extra in ([], ["--demo"]):
            started = time.monotonic()
            done = gitinv("-C", str(repo.path), "serve", "--port", port, *extra)
            assert done.returncode == 2, done.stdout + done.stderr
            assert done.stderr == (
                f"gitinv: error: cannot listen on 127.0.0.1:{port}: Address already in use; "
                "choose another --port (0 picks a free one)\n"
            )
            assert done.stdout == ""  # no build, no demo copy
            assert time.monotonic() - started < 10
    assert not (repo.path / "_site").exists()


def _serve_until_sigint(
    args: list[str], tmp_path: Path, delay: float, env: dict[str, str] | None = None
) -> tuple[int, str, str]:
    """`gitinv serve ARGS` in a session of its own, as a terminal runs it; once it serves,
    a client holds a connection open, and after `delay` seconds Ctrl-C reaches the
    whole process group (git children included), as it does from a terminal."""
    import signal
    import socket

    proc = subprocess.Popen(
        [sys.executable, "-m", "gitinv", *args, "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        # A terminal's Ctrl-C is on: a run started in the background (CI's, say)
        # inherits SIGINT ignored, which Python would keep.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        env=env or dict(os.environ),
    )
    assert proc.stdout is not None
    lines = []
    while not (lines and lines[-1].startswith("Serving ")):
        line = proc.stdout.readline()
        assert line, proc.stderr.read() if proc.stderr else ""
        lines.append(line)
    port = int(lines[-1].split(":")[2].split("/")[0])
    with socket.create_connection(("127.0.0.1", port)) as client:
        client.sendall(b"GET /index.html HTTP/1.1\r\nHost: x\r\n")  # never finished
        time.sleep(delay)
        os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    return proc.returncode, "".join(lines) + out, err


def test_ctrl_c_stops_serve_cleanly(tmp_path: Path) -> None:
    repo = make_history(tmp_path / "repo")
    # 2.0 s: the watcher asks git for main's tip then, and Ctrl-C reaches that git too.
    for delay in (0.0, 1.0, 1.98, 2.02):
        status, out, err = _serve_until_sigint(["-C", str(repo.path), "serve"], tmp_path, delay)
        assert status == 0, err
        assert err.strip() == "", err  # no traceback, from any thread
        assert "Built 3 servers" in out


def test_ctrl_c_as_a_request_thread_starts_is_no_failure(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Ctrl-C can reach the server while it starts a request's thread: the server then
    closes that request's socket, and the thread, finding it closed, reports nothing."""
    import socket
    import threading

    from gitinv.site import serving

    server = serving._listen(0)
    waiting: list[threading.Thread] = []

    def interrupted(thread: threading.Thread) -> None:
        waiting.append(thread)  # started below, once its socket is closed
        raise KeyboardInterrupt

    try:
        with socket.create_connection(server.server_address[:2]) as client:
            client.sendall(b"GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n")
            monkeypatch.setattr(threading.Thread, "start", interrupted)
            with pytest.raises(KeyboardInterrupt):
                server._handle_request_noblock()
            monkeypatch.undo()
            (thread,) = waiting
            thread.start()
            thread.join(timeout=30)
    finally:
        server.server_close()
    assert not thread.is_alive()
    assert capsys.readouterr().err == ""


def test_ctrl_c_stops_the_demo_cleanly(tmp_path: Path) -> None:
    from tests.conftest import ROOT

    source = tmp_path / "checkout"
    shutil.copytree(ROOT / "inventory", source / "inventory")
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp)}
    status, out, err = _serve_until_sigint(
        ["-C", str(source), "serve", "--demo"], tmp_path, 2.0, env
    )
    assert status == 0, err
    assert err.strip() == "", err
    assert "Serving http://127.0.0.1:" in out
    assert not list(temp.iterdir())  # the demo's copy is gone


def test_the_watcher_outlives_a_failing_git(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A git that fails (here: no repository at all) is asked again; nothing is raised."""
    import threading

    from gitinv.site import serving as serve

    monkeypatch.setattr(serve, "POLL_SECONDS", 0.01)
    failures: list[BaseException] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: failures.append(args.exc_value))
    stop = threading.Event()
    watcher = threading.Thread(target=serve._watch, args=(tmp_path, "main", tmp_path, stop))
    watcher.start()
    time.sleep(0.2)
    stop.set()
    watcher.join(timeout=10)
    assert not watcher.is_alive() and failures == []


def test_the_demo_serves_its_own_history_whatever_main_is_named(tmp_path: Path) -> None:
    """The demo's made-up history is on `main`; a checkout whose settings.yaml names its
    main branch otherwise is still shown."""
    from tests.conftest import ROOT

    source = tmp_path / "checkout"
    shutil.copytree(ROOT / "inventory", source / "inventory")
    settings = source / "inventory/settings.yaml"
    text = settings.read_text()
    assert "branch: main\n" in text
    settings.write_text(text.replace("branch: main\n", "branch: production\n"))
    status, out, err = _serve_until_sigint(["-C", str(source), "serve", "--demo"], tmp_path, 2.0)
    assert status == 0, err
    assert "Built 44 servers from main at " in out
