"""Fixtures for the tests of what users get wrong: a small valid inventory in a real repo."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CASES, GitRepo


def gitinv(
    *args: str, cwd: Path | None = None, unprivileged: bool = False, env_summary: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real command line; `unprivileged` drops root's right to read anything."""
    prefix: list[str] = []
    if unprivileged and os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: file permissions cannot be tested")
        prefix = [setpriv, "--bounding-set=-dac_override,-dac_read_search"]
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_STEP_SUMMARY"}
    if env_summary is not None:
        env["GITHUB_STEP_SUMMARY"] = str(env_summary)
    return subprocess.run(
        [*prefix, sys.executable, "-m", "gitinv", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
    )


@pytest.fixture
def inv_repo(git_repo: GitRepo) -> GitRepo:
    """The cases' base inventory, committed on main."""
    git_repo.copy_inventory(CASES / "base")
    git_repo.commit("base inventory")
    return git_repo


def tree_state(path: Path) -> dict[str, bytes]:
    """Every file under `path` (but .git) with its bytes: to show nothing changed."""
    return {
        p.relative_to(path).as_posix(): p.read_bytes()
        for p in sorted(path.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(path).parts
    }
