"""Fixtures of the forge tests: a fake GitHub or GitLab on 127.0.0.1 and an inventory
repository whose settings point at it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import CASES, GitRepo
from tests.forge.fakehost import FakeHost

TOKEN = "tok_s3cr3t-Value-0123456789"
JOB_TOKEN = "job_s3cr3t-Value-9876543210"
# What a host's CI or a user's shell may have set: never leaked into a test.
_HOST_ENV = ("GITINV_", "GITHUB_", "GITLAB_", "CI_")
ADMINS = 'admins:\n  - "@acme/admins"\n'


def host_free_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_HOST_ENV)}
    return {**env, **extra}


def gitinv(
    *args: str, env: dict[str, str], stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """The real command line, with only the code-host variables given in `env`."""
    return subprocess.run(
        [sys.executable, "-m", "gitinv", *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=host_free_env(**env),
        stdin=None if stdin is not None else subprocess.DEVNULL,
    )


@pytest.fixture(autouse=True)
def _no_host_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith(_HOST_ENV):
            monkeypatch.delenv(key)


@pytest.fixture
def github() -> Iterator[FakeHost]:
    yield from FakeHost("github", TOKEN).serve()


@pytest.fixture
def gitlab() -> Iterator[FakeHost]:
    yield from FakeHost("gitlab", TOKEN, job_token=JOB_TOKEN).serve()


def inventory_repo(path: Path, settings: str) -> GitRepo:
    repo = GitRepo(path)
    repo.copy_inventory(CASES / "base")
    repo.write("inventory/settings.yaml", settings)
    repo.commit("base inventory")
    return repo


@pytest.fixture
def gh_repo(tmp_path: Path, github: FakeHost) -> GitRepo:
    return inventory_repo(tmp_path / "gh", f"repository: {github.web}\n{ADMINS}")


@pytest.fixture
def gl_repo(tmp_path: Path, gitlab: FakeHost) -> GitRepo:
    return inventory_repo(tmp_path / "gl", f"repository: {gitlab.web}\n{ADMINS}")


def no_token_anywhere(result: subprocess.CompletedProcess[str], *roots: Path) -> None:
    """Neither token in the output, nor in any file under `roots` (.git included)."""
    for secret in (TOKEN, JOB_TOKEN):
        assert secret not in result.stdout and secret not in result.stderr
        for root in roots:
            for path in root.rglob("*"):
                if path.is_file():
                    assert secret.encode() not in path.read_bytes(), path
