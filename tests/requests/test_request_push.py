"""A request whose push the code host refuses leaves no branch, here or there."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import GitRepo, gitinv

ADD = [
    "request",
    "add",
    "web09",
    "--group",
    "web",
    "--set",
    "component=nginx",
    "--set",
    "ip=10.0.0.9",
    "--set",
    "dc=dc4",
    "--set",
    "environment=production",
    "--set",
    "state=planned",
    "--comment",
    "More capacity",
    "--push",
]


def _with_remote(repo: GitRepo, tmp_path: Path) -> Path:
    bare = tmp_path / "hub.git"
    repo.bare_remote(bare)
    return bare


def _branches(path: Path) -> str:
    repo = GitRepo(path, init=False)
    return repo.git("for-each-ref", "--format=%(refname)", "refs/heads", strip=False)


def test_a_refused_push_leaves_no_branch(inv_repo: GitRepo, tmp_path: Path) -> None:
    bare = _with_remote(inv_repo, tmp_path)
    hook = bare / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'branch names are restricted' >&2\nexit 1\n")
    hook.chmod(0o755)
    local, remote = _branches(inv_repo.path), _branches(bare)
    result = gitinv("-C", str(inv_repo.path), *ADD)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith(
        "gitinv: error: cannot push request/add/web09 to origin: branch names are restricted\n"
    )
    assert result.stderr.rstrip().endswith(
        "nothing created: no branch was made here or on origin; "
        "run the same command again once the push can go through"
    )
    assert "created branch" not in result.stdout
    assert _branches(inv_repo.path) == local and _branches(bare) == remote
    hook.unlink()
    again = gitinv("-C", str(inv_repo.path), *ADD)
    assert again.returncode == 0, again.stderr
    assert "refs/heads/request/add/web09" in _branches(bare)
    assert "refs/heads/request/add/web09" in _branches(inv_repo.path)
