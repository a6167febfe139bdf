"""A bad file anywhere in main's history, a killed or concurrent build, a symbolic link
in site/: `build` and `audit` go on, and `--out` is there at every instant."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from gitinv import lock
from gitinv.errors import GitinvError
from gitinv.site import output
from gitinv.site.build import build
from tests.conftest import Measured, run_measured, server
from tests.site.sitefixtures import Repo, make_history

WEB07 = "inventory/servers/web/web07.yaml"
BOMB = "lol: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"l{i}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8)
)
BAD_VERSIONS = {
    "alias-bomb": BOMB.encode(),
    "deep-list": server("10.1.0.7").encode() + b"description: " + b"[" * 500 + b"]" * 500 + b"\n",
    "deep-mapping": server("10.1.0.7").encode()
    + b"description: "
    + b"{a: " * 989
    + b"b"
    + b"}" * 989
    + b"\n",
    "control": server("10.1.0.7").encode() + b"description: a\x00b\x1b]0;PWNED\x07\n",
}


def _bad_in_history(tmp_path: Path, data: bytes) -> tuple[Repo, str]:
    """A repository whose main had `data` as web07's file for one commit, fixed after."""
    repo = make_history(tmp_path / "repo")
    repo.git("checkout", "--quiet", "-b", "slip")
    (repo.path / WEB07).write_bytes(data)
    bad = repo.commit("Add web07 (#6)")
    repo.write(WEB07, server("10.1.0.7", description="Fixed"))
    repo.commit("Fix web07 (#7)")
    repo.git("checkout", "--quiet", "main")
    repo.git("merge", "--quiet", "--ff-only", "slip")
    return repo, bad


def _cheap(result: Measured) -> None:
    assert "Traceback" not in result.stderr, result.stderr
    assert result.cpu_seconds < 2.0 and result.max_rss_mb < 200, result
    assert result.wall_seconds < 60, result


@pytest.mark.parametrize("kind", list(BAD_VERSIONS))
def test_a_bad_version_in_history_stops_neither_build_nor_audit(tmp_path: Path, kind: str) -> None:
    repo, bad = _bad_in_history(tmp_path, BAD_VERSIONS[kind])
    out = tmp_path / "_site"
    built = run_measured("-C", str(repo.path), "build", "--out", str(out))
    _cheap(built)
    assert built.returncode == 0, built.stdout + built.stderr
    page = json.loads((out / "api/v1/servers/web07.json").read_text())
    fixed, slipped = page["history"][0], page["history"][1]
    assert fixed["unreadable"] == {"old": slipped["unreadable"]["new"]}
    assert slipped["commit"] == bad
    assert slipped["unreadable"]["new"].startswith(f"unreadable in commit {bad[:10]}: ")
    assert fixed["changes"] == {} and slipped["changes"] == {}
    assert (fixed["action"], slipped["action"]) == ("updated", "added")

    audit = run_measured("-C", str(repo.path), "audit")
    _cheap(audit)
    assert audit.returncode == 0
    assert f"new version unreadable in commit {bad[:10]}: " in audit.stdout
    assert "\x1b" not in audit.stdout and "\x00" not in audit.stdout
    feed = json.loads((out / "api/v1/audit.json").read_text())["results"]
    assert [e["unreadable"] for e in feed if e["commit"] == bad] == [slipped["unreadable"]]


def test_a_name_of_other_bytes_in_history_stops_neither_build_nor_audit(
    tmp_path: Path,
) -> None:
    """A server file whose name is not UTF-8, merged once and removed: its name is
    written with its bytes escaped, in the audit feed and in the terminal."""
    repo = make_history(tmp_path / "repo")
    odd = os.fsdecode(b"inventory/servers/web/caf\xe9.yaml")
    (repo.path / odd).write_text(server("10.1.0.9"))
    repo.commit("Add an odd name (#6)")
    (repo.path / odd).unlink()
    repo.commit("Remove it (#7)")
    out = tmp_path / "_site"
    built = run_measured("-C", str(repo.path), "build", "--out", str(out))
    _cheap(built)
    assert built.returncode == 0, built.stdout + built.stderr
    feed = json.loads((out / "api/v1/audit.json").read_text())["results"]
    assert [e["action"] for e in feed if e["name"] == "caf\\xe9"] == ["deleted", "added"]
    audit = run_measured("-C", str(repo.path), "audit")
    assert audit.returncode == 0 and "deleted server caf\\xe9 — " in audit.stdout


def _site(repo: Repo, out: Path) -> None:
    assert build(repo.path, "main", out).ok


def test_the_output_is_there_at_every_instant(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_history(tmp_path / "repo")
    out = tmp_path / "_site"
    _site(repo, out)
    marker = out / output.MARKER
    missing = 0
    gone_after_rename: list[str] = []
    done = threading.Event()

    def watch() -> None:
        nonlocal missing
        while not done.is_set():
            missing += not marker.is_file()

    # Every rename the build makes is followed by a look: a swap in two renames shows.
    rename = os.replace

    def replace_and_look(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        rename(src, dst)
        if not marker.is_file():
            gone_after_rename.append(f"{src} → {dst}")

    monkeypatch.setattr(os, "replace", replace_and_look)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        for n in range(4):
            repo.write("inventory/servers/web/web05.yaml", server(f"10.1.0.{50 + n}"))
            repo.commit(f"web05 at .{50 + n}")
            _site(repo, out)
    finally:
        done.set()
        watcher.join()
    assert missing == 0 and gone_after_rename == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["_site", "repo"]


def test_the_swap_is_one_exchange(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x").write_text("a")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "x").write_text("b")
    if not output.exchange(tmp_path / "a", tmp_path / "b"):
        pytest.skip("this system or file system has no exchange of names")
    assert (tmp_path / "a" / "x").read_text() == "b"
    assert (tmp_path / "b" / "x").read_text() == "a"


def _folder(path: Path, text: str) -> Path:
    (path / "api/v1").mkdir(parents=True)
    (path / output.MARKER).write_text(text)
    return path


def test_where_names_cannot_be_exchanged_two_renames_swap_the_site(tmp_path: Path) -> None:
    out = _folder(tmp_path / "_site", "old")
    new = _folder(tmp_path / "._site.new-x", "new")
    output._swap_in_two_steps(new, out)
    assert (out / output.MARKER).read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["_site"]


def test_a_swap_that_fails_puts_the_previous_site_back(tmp_path: Path) -> None:
    out = _folder(tmp_path / "_site", "old")
    with pytest.raises(GitinvError, match="the previous site is unchanged"):
        output._swap_in_two_steps(tmp_path / "._site.new-gone", out)
    assert (out / output.MARKER).read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["_site"]


def test_builds_at_once_take_turns_and_leave_nothing_behind(tmp_path: Path) -> None:
    repo = make_history(tmp_path / "repo")
    out = tmp_path / "site" / "_site"
    command = [sys.executable, "-m", "gitinv", "-C", str(repo.path), "build", "--out", str(out)]
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)]
    runs.append(
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    )
    for run in runs:
        _, err = run.communicate(timeout=120)
        assert run.returncode == 0, err
    assert [p.name for p in out.parent.iterdir()] == ["_site"]  # no .new-, .old- or .lock
    assert (out / output.MARKER).is_file()


def test_a_build_waits_for_the_one_writing_the_same_output(tmp_path: Path) -> None:
    repo = make_history(tmp_path / "repo")
    out = tmp_path / "_site"
    with lock.exclusive(tmp_path / "._site.lock", busy="", wait=0):
        waiting = subprocess.Popen(
            [sys.executable, "-m", "gitinv", "-C", str(repo.path), "build", "--out", str(out)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert waiting.stderr is not None
        line = waiting.stderr.readline()
        assert line == f"gitinv: another build is writing {out}; waiting for it\n"
        assert waiting.poll() is None and not out.exists()
    _, err = waiting.communicate(timeout=120)
    assert waiting.returncode == 0, err
    assert (out / output.MARKER).is_file()


def test_what_a_killed_build_left_is_removed(tmp_path: Path) -> None:
    repo = make_history(tmp_path / "repo")
    out = tmp_path / "_site"
    _site(repo, out)
    for leftover in ("._site.new-k1ll3d", "._site.old-k1ll3d"):
        (tmp_path / leftover / "api").mkdir(parents=True)
    (tmp_path / "._site.old-k1ll3d" / "site").mkdir()
    _site(repo, out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["_site", "repo"]


@pytest.mark.parametrize("link", ["static", "static/js", "templates/base.html", "."])
def test_a_symbolic_link_in_site_is_refused(tmp_path: Path, link: str) -> None:
    """The repository's site/ restyles the dashboard; a link in it would publish what it
    points at (outside the repository) or be left out without a word."""
    repo = make_history(tmp_path / "repo")
    outside = tmp_path / "outside"
    for rel in ("static/js/x.js", "static/css/site.css", "templates/base.html"):
        (outside / rel).parent.mkdir(parents=True, exist_ok=True)
        (outside / rel).write_text("/* outside the repository */\n")
    site = repo.path / "site"
    if link == ".":
        os.symlink(outside, site)
    else:
        (site / Path(link).parent).mkdir(parents=True)
        os.symlink(outside / link, site / link)
    out = tmp_path / "_site"
    result = run_measured("-C", str(repo.path), "build", "--out", str(out))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    named = "site" if link == "." else f"site/{link}"
    assert result.stderr == (
        f"gitinv: error: {named} is a symbolic link: the dashboard's own files must be real "
        "files inside the repository; replace it with the file itself\n"
    )
    assert not out.exists()
