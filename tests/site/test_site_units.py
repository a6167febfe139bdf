"""Smaller pieces of the site build and of `serve`, called directly."""

from __future__ import annotations

import json
import socket
import threading
import time
from pathlib import Path

import pytest

from gitinv.commands import serve
from gitinv.errors import GitinvError
from gitinv.site import gitdata, output, serving
from gitinv.site.build import default_rev
from tests.conftest import GitRepo
from tests.site.sitefixtures import make_history, tree_digest


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("git@github.com:acme/inventory.git", "https://github.com/acme/inventory"),
        ("ssh://git@github.com/acme/inventory.git", "https://github.com/acme/inventory"),
        ("https://github.com/acme/inventory/", "https://github.com/acme/inventory"),
        ("/srv/git/inventory.git", None),
    ],
)
def test_origin_url_as_code_host_link(tmp_path: Path, url: str, expected: str | None) -> None:
    GitRepo(tmp_path).git("remote", "add", "origin", url)
    assert gitdata.origin_url(tmp_path) == expected


def test_no_origin_no_link(tmp_path: Path) -> None:
    GitRepo(tmp_path)
    assert gitdata.origin_url(tmp_path) is None


def test_default_rev_follows_settings_branch(tmp_path: Path) -> None:
    repo = make_history(tmp_path / "repo")
    repo.git("branch", "trunk")
    repo.write("inventory/settings.yaml", "repository: https://example.com/x\nbranch: trunk\n")
    assert default_rev(repo.path) == "refs/heads/trunk"
    repo.write("inventory/settings.yaml", "branch: [not, a, name]\n")
    assert default_rev(repo.path) == "refs/heads/main"
    repo.write("inventory/settings.yaml", "branch: 'unclosed\n")
    assert default_rev(repo.path) == "refs/heads/main"


def test_output_refuses_a_file(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(GitinvError, match="not a folder"):
        output.check_target(target)


def test_watch_rebuilds_when_the_branch_moves(tmp_path: Path) -> None:
    repo = make_history(tmp_path / "repo")
    out = tmp_path / "_site"
    assert serving._build_once(repo.path, "main", out)
    stop = threading.Event()
    watcher = threading.Thread(target=serving._watch, args=(repo.path, "main", out, stop))
    old = serving.POLL_SECONDS
    serving.POLL_SECONDS = 0.1
    try:
        watcher.start()
        repo.write(
            "inventory/servers/web/web05.yaml",
            "component: nginx\nip: 10.1.0.5\ndc: fra1\nenvironment: staging\nstate: planned\n",
        )
        repo.commit("Add web05 (#7)")
        deadline = time.monotonic() + 60
        while not (out / "api/v1/servers/web05.json").exists():
            assert time.monotonic() < deadline, "no rebuild"
            time.sleep(0.1)
        repo.write("inventory/servers/web/web06.yaml", "component: nginx\n")
        repo.commit("Break it")
        time.sleep(1.5)  # an invalid main keeps the last good site
        assert json.loads((out / "api/v1/servers.json").read_text())["count"] == 4
    finally:
        stop.set()
        watcher.join(timeout=30)
        serving.POLL_SECONDS = old


def test_serve_reports_a_busy_port(tmp_path: Path) -> None:
    repo = make_history(tmp_path / "repo")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(GitinvError, match=f"cannot listen on 127.0.0.1:{port}"):
            serve.run(repo=repo.path, port=port, watch=False)


def test_serve_refuses_an_invalid_inventory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_history(tmp_path / "repo")
    repo.write("inventory/servers/web/web06.yaml", "component: nginx\n")
    repo.commit("Break it")
    assert serve.run(repo=repo.path, port=0, watch=False) == 1
    assert "web06.yaml" in capsys.readouterr().out


@pytest.mark.parametrize("delay", [0.0, 0.8])
def test_a_rebuild_stopped_midway_leaves_the_site_as_it_was(tmp_path: Path, delay: float) -> None:
    repo = make_history(tmp_path / "repo")
    out = tmp_path / "_site"
    assert serving._build_once(repo.path, "main", out)
    before = tree_digest(out)
    repo.write(
        "inventory/servers/web/web05.yaml",
        "component: nginx\nip: 10.1.0.5\ndc: fra1\nenvironment: staging\nstate: planned\n",
    )
    repo.commit("Add web05 (#7)")
    stop = threading.Event()
    threading.Timer(delay, stop.set).start()
    started = time.monotonic()
    serving._rebuild(repo.path, "main", out, stop)
    assert time.monotonic() - started < 30
    assert sorted(p.name for p in tmp_path.iterdir()) == ["_site", "repo"]  # no half-built copy
    after = tree_digest(out)
    assert after == before or "api/v1/servers/web05.json" in after  # old site, or the new one
