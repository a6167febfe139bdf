"""`merged.already_in_main`: a branch counts as merged however its changes reached main."""

from __future__ import annotations

from pathlib import Path

from gitinv import git, merged
from tests.conftest import CASES, GitRepo

WEB01 = "inventory/servers/web/web01.yaml"
DB01 = "inventory/servers/data/db01.yaml"


def _repo(tmp_path: Path) -> GitRepo:
    repo = GitRepo(tmp_path / "repo")
    repo.copy_inventory(CASES / "base")
    repo.commit("base")
    return repo


def _edit(repo: GitRepo, rev: str, path: str, old: str, new: str) -> bytes:
    return (git.read_blob(repo.path, rev, path) or b"").replace(old.encode(), new.encode())


def _branch(repo: GitRepo, name: str, files: dict[str, bytes | None], parent: str = "main") -> str:
    sha = git.write_commit(repo.path, git.resolve_commit(repo.path, parent), files, name + "\n")
    git.create_branch(repo.path, name, sha)
    return sha


def _advance(repo: GitRepo, files: dict[str, bytes | None], message: str) -> str:
    """A commit on main (as a squash or a rebase merge would make it)."""
    main = git.resolve_commit(repo.path, "main")
    sha = git.write_commit(repo.path, main, files, message + "\n")
    repo.git("update-ref", "refs/heads/main", sha, main)
    return sha


def test_squash_rebase_and_open_branches(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    off = _edit(repo, "main", WEB01, "state: active", "state: offline")
    gone = {DB01: None}
    tips = {
        "squashed": _branch(repo, "squashed", {WEB01: off}),
        "rebased": _branch(repo, "rebased", gone),
        "half": _branch(repo, "half", {WEB01: off, "inventory/servers/web/web07.yaml": b"x\n"}),
        "docs": _branch(repo, "docs", {"README.md": b"words\n"}),
        "open": _branch(repo, "open", {WEB01: _edit(repo, "main", WEB01, "ip: 10.0.0.1", "ip: 1")}),
    }
    _advance(repo, {WEB01: off}, "squashed (#1)")
    _advance(repo, gone, "rebased")
    # main changes web01 again after the squash: the squashed branch stays merged.
    _advance(repo, {WEB01: _edit(repo, "main", WEB01, "state: offline", "state: planned")}, "x")
    done = merged.already_in_main(repo.path, "main", tips)
    assert done == {"squashed", "rebased", "docs"}
    # An ancestor of main changes nothing from where it leaves main: merged too.
    assert merged.already_in_main(repo.path, "main", {"old": repo.git("rev-parse", "main~1")}) == {
        "old"
    }
    assert merged.already_in_main(repo.path, "main", {}) == set()
