"""A small inventory (tests/eco/fixture) in a real git repository."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from eco_helpers import FIXTURE, git


@pytest.fixture
def eco_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURE, repo)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "Fixture inventory")
    return repo
