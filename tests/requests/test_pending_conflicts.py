"""`pending` names the files a branch conflicts in, and what to do about it."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import GitRepo, gitinv

SERVER = "inventory/servers/web/web01.yaml"


def test_a_conflicting_branch_names_its_files(inv_repo: GitRepo, tmp_path: Path) -> None:
    bare = tmp_path / "hub.git"
    inv_repo.bare_remote(bare, push=False)
    text = (inv_repo.path / SERVER).read_text()
    inv_repo.git("checkout", "-q", "-b", "web01-offline")
    inv_repo.write(SERVER, text.replace("state: active", "state: offline"))
    inv_repo.commit("web01 offline")
    inv_repo.git("checkout", "-q", "main")
    inv_repo.write(SERVER, text.replace("state: active", "state: maintenance"))
    inv_repo.commit("web01 maintenance")
    inv_repo.git("push", "-q", "origin", "main", "web01-offline")
    inv_repo.git("fetch", "-q", "origin")

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
    bare = tmp_path / "hub.git"
    inv_repo.bare_remote(bare, push=False)
    text = (inv_repo.path / SERVER).read_text()
    inv_repo.git("checkout", "-q", "-b", "web01-offline")
    inv_repo.write(SERVER, text.replace("state: active", "state: offline"))
    inv_repo.commit("web01 offline")
    inv_repo.git("checkout", "-q", "main")
    inv_repo.git("push", "-q", "origin", "main", "web01-offline")
    inv_repo.git("fetch", "-q", "origin")
    inv_repo.lose(f"origin/web01-offline:{SERVER}")

    result = gitinv("-C", str(inv_repo.path), "pending", "--format", "json")
    assert result.returncode == 1, result.stderr
    (branch,) = json.loads(result.stdout)["requests"]
    assert branch["valid"] is False
    assert any(
        f["file"] == SERVER and "git does not have this version" in f["message"]
        for f in branch["findings"]
    ), branch
