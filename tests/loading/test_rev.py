"""`validate --rev` reads git objects, never the working tree."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from gitinv import inventory
from gitinv.commands import validate
from gitinv.errors import GitinvError
from tests.conftest import CASES, GitRepo


@pytest.fixture
def repo(git_repo: GitRepo) -> GitRepo:
    git_repo.copy_inventory(CASES / "base")
    git_repo.commit("Initial inventory")
    return git_repo


def test_rev_ignores_working_tree(repo: GitRepo) -> None:
    good = repo.git("rev-parse", "HEAD")
    repo.write("inventory/servers/web/web01.yaml", "state: no\n")
    assert not inventory.load(repo.path).ok
    inv = inventory.load(repo.path, good)
    assert inv.ok and inv.commit == good and len(inv.servers) == 4


def test_rev_reports_bad_commit_with_positions(repo: GitRepo) -> None:
    repo.write("inventory/servers/web/web01.yaml", "component: nginx\nip: 10\n")
    repo.commit("Break web01")
    repo.write("inventory/servers/web/web01.yaml", "fixed: later\n")  # not committed
    found = [(f.file, f.line, f.column, f.code) for f in inventory.load(repo.path, "HEAD").findings]
    assert ("inventory/servers/web/web01.yaml", 2, 5, "bad-type") in found
    assert ("inventory/servers/web/web01.yaml", 1, 1, "missing-field") in found


def test_rev_sees_committed_symlink(repo: GitRepo) -> None:
    os.symlink("web01.yaml", repo.path / "inventory/servers/web/alias.yaml")
    repo.commit("Add a symlink")
    found = [(f.file, f.code) for f in inventory.load(repo.path, "HEAD").findings]
    assert found == [("inventory/servers/web/alias.yaml", "bad-file")]


def test_unknown_revision_is_a_usage_error(repo: GitRepo) -> None:
    with pytest.raises(GitinvError) as err:
        inventory.load(repo.path, "no-such-branch")
    assert err.value.exit_code == 2 and "no-such-branch" in err.value.message


def test_json_report_of_a_revision(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    assert validate.run(repo=repo.path, rev="HEAD", fmt="json") == 0
    assert json.loads(capsys.readouterr().out) == {"ok": True, "servers": 4, "errors": []}


def test_not_a_git_repository(tmp_path: Path) -> None:
    (tmp_path / "inventory").mkdir()
    with pytest.raises(GitinvError) as err:
        inventory.load(tmp_path, "HEAD")
    assert "not a git repository" in err.value.message
