"""`gitinv build` and `gitinv serve` from the command line, and the demo history."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from gitinv.site import demo
from gitinv.site.build import build
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
    clone = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "--quiet", "--depth", "1", history_repo.as_uri(), str(clone)], check=True
    )
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


def test_demo_history_in_a_temporary_copy(tmp_path: Path) -> None:
    source = Path(__file__).resolve().parents[2]  # this repository: the example inventory
    assert demo.needs_history(tmp_path)  # not a repository at all
    repo = demo.make_repo(source, tmp_path / "demo")
    assert not demo.needs_history(repo)
    built = build(repo, None, tmp_path / "_site")
    assert built.ok, built.findings
    audit = json.loads((tmp_path / "_site/api/v1/audit.json").read_text())["results"]
    actions = {e["action"] for e in audit if e["kind"] == "server"}
    assert actions == {"added", "updated", "moved", "deleted"}
    assert {e["pull_request"] for e in audit} >= set(range(11, 20))
    again = demo.make_repo(source, tmp_path / "demo2")
    head = ["git", "rev-parse", "HEAD"]
    assert (
        subprocess.run(head, cwd=repo, capture_output=True, text=True).stdout
        == subprocess.run(head, cwd=again, capture_output=True, text=True).stdout
    )


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
