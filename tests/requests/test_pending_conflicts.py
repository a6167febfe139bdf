"""`pending` names the files a branch conflicts in, and what to do about it."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import GitRepo, gitinv

SERVER = "inventory/servers/web/web01.yaml"


def _offline_branch(repo: GitRepo, tmp_path: Path, main_state: str | None = None) -> None:
    """Branch web01-offline pushed to a bare remote, and main with web01 in `main_state`
    (as it was when None), both fetched back."""
    repo.bare_remote(tmp_path / "hub.git", push=False)
    text = (repo.path / SERVER).read_text()
    repo.git("checkout", "-q", "-b", "web01-offline")
    repo.write(SERVER, text.replace("state: active", "state: offline"))
    repo.commit("web01 offline")
    repo.git("checkout", "-q", "main")
    if main_state is not None:
        repo.write(SERVER, text.replace("state: active", f"state: {main_state}"))
        repo.commit(f"web01 {main_state}")
    repo.git("push", "-q", "origin", "main", "web01-offline")
    repo.git("fetch", "-q", "origin")


def test_a_conflicting_branch_names_its_files(inv_repo: GitRepo, tmp_path: Path) -> None:
    _offline_branch(inv_repo, tmp_path, "maintenance")

    result = gitinv("-C", str(inv_repo.path), "pending")
    assert result.returncode == 1, result.stderr
    assert (
        f"conflicts with main in {SERVER}; merge main into web01-offline (or rebase it) "
        "and push it again"
    ) in result.stdout

    doc = json.loads(gitinv("-C", str(inv_repo.path), "pending", "--format", "json").stdout)
    assert doc["source"] == "branches"
    (branch,) = doc["requests"]
    assert branch["number"] is None and branch["branch"] == "web01-offline"
    assert branch["merges_cleanly"] is False and branch["conflicted_files"] == [SERVER]
    assert branch["valid"] is False


def test_a_branch_file_this_clone_lacks_is_said(inv_repo: GitRepo, tmp_path: Path) -> None:
    """A version git does not have (a partial clone) is a finding of its file, not a crash."""
    _offline_branch(inv_repo, tmp_path)
    inv_repo.lose(f"origin/web01-offline:{SERVER}")

    result = gitinv("-C", str(inv_repo.path), "pending", "--format", "json")
    assert result.returncode == 1, result.stderr
    (branch,) = json.loads(result.stdout)["requests"]
    assert branch["valid"] is False
    assert any(
        f["file"] == SERVER and "git does not have this version" in f["message"]
        for f in branch["findings"]
    ), branch
