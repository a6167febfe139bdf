"""The build's concurrency: the log git writes while the inventory loads, the history
that reuses the parsed inventory, and the parts written in forked children."""

from __future__ import annotations

import errno
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from gitinv import git, gitlog, history
from gitinv import inventory as inventory_mod
from gitinv.changes import field_changes
from gitinv.errors import GitinvError
from gitinv.site import api, forks, pages
from gitinv.site import build as build_mod
from gitinv.site.build import build
from gitinv.source import GitRevision
from tests.conftest import server
from tests.site.sitefixtures import make_history, tree_digest


def _as_dicts(log: history.History) -> list[dict[str, object]]:
    return [entry.as_dict() for entry in log.entries]


def test_the_spooled_log_is_the_streamed_log(history_repo: Path) -> None:
    streamed = list(gitlog.iter_first_parent(history_repo, "main"))
    with gitlog.SpooledLog(history_repo, "main") as log:
        spooled = list(log.commits())
    assert [(c.sha, c.files) for c in spooled] == [(c.sha, c.files) for c in streamed]
    assert len(spooled) == 6


def test_the_spooled_log_leaves_no_file(history_repo: Path) -> None:
    with gitlog.SpooledLog(history_repo, "main") as log:
        spool = log._path
        assert spool.exists()
    assert not spool.exists()  # also when nobody read it


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts /proc/self/fd")
def test_a_log_left_early_stops_git_and_closes_its_pipes(history_repo: Path) -> None:
    before = _open_fds()
    with gitlog.SpooledLog(history_repo, "main") as log:
        proc = log._proc.proc
        next(iter(log.commits()))
    assert proc.returncode is not None
    assert all(pipe is None or pipe.closed for pipe in (proc.stdin, proc.stdout, proc.stderr))
    reader = git.BlobReader(history_repo)
    (tags,) = git.blob_ids(history_repo, "main", ["inventory/tags.yaml"]).values()
    assert reader.read([tags])[0]
    reader.close()
    assert _open_fds() == before


def test_the_spooled_log_of_an_unknown_revision_is_an_error(history_repo: Path) -> None:
    with (
        gitlog.SpooledLog(history_repo, "no-such-branch") as log,
        pytest.raises(GitinvError, match="git log failed"),
    ):
        list(log.commits())


def test_the_log_gets_a_cache_of_delta_bases_sized_to_the_folders(tmp_path: Path) -> None:
    """git's cache of delta bases grows with the group folders' trees, between bounds."""
    repo = make_history(tmp_path / "repo")
    groups = repo.git("ls-tree", "main:inventory/servers").split("\n")
    sizes = [int(repo.git("cat-file", "-s", line.split()[2])) for line in groups]
    assert len(sizes) > 1
    assert git.subtree_bytes(repo.path, "main", "inventory/servers") == sum(sizes)
    assert git.subtree_bytes(repo.path, "main", "inventory/nothing") == 0
    assert git.subtree_bytes(repo.path, "no-such-branch", "inventory/servers") == 0
    assert gitlog._log_config(repo.path, "main", "inventory") == {
        "core.deltaBaseCacheLimit": "256m"
    }
    big = 100 << 20  # the trees of some 2,400,000 servers
    assert gitlog._cache_limit(big) == 1 << 30
    assert gitlog._cache_limit(12 << 20) == 576 << 20


def test_history_from_the_parsed_inventory_equals_history_from_git(tmp_path: Path) -> None:
    repo = make_history(tmp_path / "repo")
    # Files each reader takes its own way: quoting, a flow list, a comment.
    repo.write("inventory/servers/web/web07.yaml", server("10.1.0.7", tags="[frontend, pci]"))
    repo.write(
        "inventory/servers/web/web08.yaml",
        "# owned by the shop\n" + server("10.1.0.8", description='"a: b"'),
    )
    repo.commit("Add web07 and web08 (#6)")
    # Quoted line breaks: YAML folds them into spaces, a reader that kept them would
    # report a change of description when only the state changes.
    repo.write("inventory/servers/web/web09.yaml", server("10.1.0.9", description='"a\rb"'))
    repo.commit("Add web09 (#7)")
    repo.write(
        "inventory/servers/web/web09.yaml",
        server("10.1.0.9", state="offline", description='"a\rb"'),
    )
    repo.commit("web09 is offline (#8)")
    source = GitRevision(repo.path, "main")
    inventory = inventory_mod.load(repo.path, "main", source=source)
    assert inventory.ok, inventory.findings
    known = {source.blob_id(r.path): r.fields for r in inventory.servers.values()}
    seeded = history.scan(repo.path, "main", known=known)
    fresh = history.scan(repo.path, "main")
    assert _as_dicts(seeded) == _as_dicts(fresh)
    last = seeded.latest("web09")
    assert last is not None and last.change.changes == {"state": ("active", "offline")}
    added = seeded.latest("web07")
    assert added is not None and added.change.changes["tags"] == (None, ["frontend", "pci"])


def test_added_and_deleted_list_only_fields_with_a_value() -> None:
    doc = {"ip": "10.0.0.1", "type": None, "extra": "x", "blank": None}
    assert field_changes({}, doc) == {"ip": (None, "10.0.0.1"), "extra": (None, "x")}
    assert field_changes(doc, {}) == {"ip": ("10.0.0.1", None), "extra": ("x", None)}


def _write_one(top: Path, name: str) -> forks.Totals:
    (top / name).write_bytes(b"12345")
    return 1, 5


@pytest.mark.parametrize("fork", [True, False])
def test_parts_sum_what_they_wrote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fork: bool
) -> None:
    monkeypatch.setattr(forks, "can_fork", lambda: fork)
    with forks.Parts() as parts:
        parts.start(lambda: _write_one(tmp_path, "a"))
        parts.start(lambda: _write_one(tmp_path, "b"))
        assert parts.wait() == (2, 10)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b"]


def _disk_full() -> forks.Totals:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "/site/api/v1/x.json")


def _bug() -> forks.Totals:
    raise KeyError("no such server")


@pytest.mark.parametrize("fork", [True, False])
def test_a_part_raises_what_went_wrong(monkeypatch: pytest.MonkeyPatch, fork: bool) -> None:
    monkeypatch.setattr(forks, "can_fork", lambda: fork)
    with forks.Parts() as parts:
        parts.start(lambda: (0, 0))
        with pytest.raises(OSError) as caught:
            parts.start(_disk_full)
            parts.wait()
    assert caught.value.errno == errno.ENOSPC
    assert caught.value.filename == "/site/api/v1/x.json"
    with forks.Parts() as parts, pytest.raises((RuntimeError, KeyError), match="no such server"):
        parts.start(_bug)
        parts.wait()


@pytest.mark.parametrize("fork", [True, False])
def test_an_expected_failure_stays_one(monkeypatch: pytest.MonkeyPatch, fork: bool) -> None:
    monkeypatch.setattr(forks, "can_fork", lambda: fork)

    def refuse() -> forks.Totals:
        raise GitinvError("git cat-file failed: bad object", 1)

    with forks.Parts() as parts, pytest.raises(GitinvError, match="bad object") as caught:
        parts.start(refuse)
        parts.wait()
    assert caught.value.exit_code == 1


def test_no_fork_beside_other_threads() -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not forks.can_fork()
    finally:
        stop.set()
        thread.join()


def test_leaving_early_stops_the_children() -> None:
    if not forks.can_fork():
        pytest.skip("one core: every part runs in this process")
    with pytest.raises(ValueError), forks.Parts() as parts:
        parts.start(lambda: (os.pause(), (0, 0))[1])  # would never end by itself
        raise ValueError("the parent failed")
    assert parts._running == []


def _raise_in(monkeypatch: pytest.MonkeyPatch, module: object, name: str, exc: Exception) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise exc

    monkeypatch.setattr(module, name, explode)


FAILURES: dict[str, Callable[[pytest.MonkeyPatch], None]] = {
    # the part written while the history is read
    "pages": lambda mp: _raise_in(mp, pages, "render", OSError(errno.EACCES, "Permission denied")),
    # the servers' pages, written here and in a child
    "servers": lambda mp: _raise_in(mp, api, "server_detail", OSError(errno.ENOSPC, "No space")),
    # audit.json and the kept history, written by a child while the rows are made here
    "audit": lambda mp: _raise_in(mp, api, "audit_listing", OSError(errno.EIO, "I/O error")),
    # the history itself, read here while a child writes
    "history": lambda mp: _raise_in(mp, history, "_entries", GitinvError("git cat-file failed")),
}


@pytest.mark.parametrize("fork", [True, False])
@pytest.mark.parametrize("where", sorted(FAILURES))
def test_a_failure_anywhere_leaves_the_old_site(
    tmp_path: Path,
    history_repo: Path,
    monkeypatch: pytest.MonkeyPatch,
    where: str,
    fork: bool,
) -> None:
    out = tmp_path / "_site"
    build(history_repo, "main", out)
    before = tree_digest(out)
    # The history is walked again, not taken from what the first build kept.
    for kept in Path(os.environ["GITINV_CACHE_DIR"]).glob("history-*"):
        kept.unlink()
    monkeypatch.setattr(forks, "can_fork", lambda: fork)
    monkeypatch.setattr(build_mod, "PARALLEL_FROM", 0)
    FAILURES[where](monkeypatch)
    with pytest.raises(GitinvError, match=r"cannot write the site|git cat-file failed"):
        build(history_repo, "main", out)
    assert tree_digest(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["_site"]


@pytest.mark.parametrize("kept", [False, True])
def test_forked_and_unforked_builds_are_the_same(
    tmp_path: Path, history_repo: Path, monkeypatch: pytest.MonkeyPatch, kept: bool
) -> None:
    """The forked build walks the history too, or takes what the first build kept."""
    build(history_repo, "main", tmp_path / "here")
    if not kept:
        monkeypatch.setenv("GITINV_CACHE_DIR", str(tmp_path / "nothing-kept"))
    monkeypatch.setattr(build_mod, "PARALLEL_FROM", 0)
    build(history_repo, "main", tmp_path / "forked")
    assert tree_digest(tmp_path / "forked") == tree_digest(tmp_path / "here")


def test_a_bug_in_a_child_is_reported_with_its_traceback(
    tmp_path: Path, history_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not forks.can_fork():
        pytest.skip("one core: every part runs in this process")
    monkeypatch.setattr(build_mod, "PARALLEL_FROM", 0)
    _raise_in(monkeypatch, pages, "render", KeyError("base.html"))
    with pytest.raises(RuntimeError, match=r"(?s)KeyError: 'base.html'.*Traceback"):
        build(history_repo, "main", tmp_path / "_site")
    assert not (tmp_path / "_site").exists()


def test_leaving_normally_waits_for_the_children(tmp_path: Path) -> None:
    if not forks.can_fork():
        pytest.skip("one core: every part runs in this process")
    with forks.Parts() as parts:
        parts.start(lambda: (time.sleep(0.3), _write_one(tmp_path, "late"))[1])
    assert (tmp_path / "late").read_bytes() == b"12345"
