"""A small inventory (tests/exports/fixture) in a real git repository."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import GitRepo
from tests.exports.exportfixtures import FIXTURE


@pytest.fixture
def eco_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURE, repo)
    GitRepo(repo).commit("Fixture inventory")
    return repo
