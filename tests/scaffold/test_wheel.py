"""The wheel, installed in a fresh virtual environment outside this repository, starts an
inventory for each forge that validates, builds and shows its dashboard; pre-commit
runs this repository's hooks in it. (The hooks of the config init writes are these
same hooks, pinned: test_ci_files.py compares them.)

One wheel for the whole session, and pip never reaches an index (see wheels.py).
"""

from __future__ import annotations

import functools
import http.server
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gitinv.site.serving import _Handler
from tests.conftest import GitRepo
from tests.site.browserfixtures import ORIGINS

from . import wheels
from .conftest import ADMIN, add_first_server, digest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return wheels.wheelhouse(
        tmp_path_factory.mktemp("wheelhouse"), tmp_path_factory.mktemp("build")
    )


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory, wheelhouse: Path) -> Path:
    """A new virtual environment with gitinv installed from the wheelhouse, and nothing else."""
    where = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True)
    python = where / "bin" / "python"
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet"),
            *("--find-links", str(wheelhouse), "gitinv"),
        ],
        check=True,
        env=wheels.pip_env(),
    )
    found = subprocess.run(
        [str(python), "-c", "import gitinv; print(gitinv.__file__)"],
        check=True,
        capture_output=True,
        text=True,
        cwd=where,
    ).stdout
    assert Path(found).is_relative_to(where) and not Path(found).is_relative_to(ROOT)
    return where


def gitinv(venv: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(venv / "bin" / "gitinv"), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}"},
    )


def git(cwd: Path, *args: str) -> None:
    GitRepo(cwd, init=False).git(*args)


@pytest.fixture
def served() -> Iterator[Any]:
    """Serves a folder on 127.0.0.1, as the browser tests do: `served(folder)` is its origin."""
    servers = []

    def start(folder: Path) -> str:
        handler = functools.partial(_Handler, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        ORIGINS.append(f"http://127.0.0.1:{server.server_address[1]}")
        return ORIGINS[-1]

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("forge", ["github", "gitlab"])
def test_the_installed_tool_starts_an_inventory(
    venv: Path, tmp_path: Path, forge: str, page: Any, served: Any
) -> None:
    repo = tmp_path / "inventory"
    repo.mkdir()
    example = forge == "github"  # one starts from the example, one from empty catalogs
    args = ["--example"] if example else []
    started = gitinv(venv, repo, "init", "--admin", ADMIN, "--forge", forge, *args)
    assert started.returncode == 0, started.stderr
    assert "Next steps:" in started.stdout
    assert gitinv(venv, repo, "init", "--update").stdout == "up to date\n"

    add_first_server(repo, catalogs=not example)
    for check in (["validate"], ["fmt", "--check"], ["schema", "--check"]):
        result = gitinv(venv, repo, *check)
        assert result.returncode == 0, result.stdout + result.stderr
    if forge == "github":
        result = gitinv(venv, repo, "codeowners", "--check")
        assert result.returncode == 0, result.stdout + result.stderr
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "Start the inventory")
    built = gitinv(venv, repo, "build")
    assert built.returncode == 0, built.stderr

    count = 45 if example else 1
    page.goto(f"{served(repo / '_site')}/index.html")
    page.wait_for_selector(f"text={count} of {count} servers")
    assert page.locator(".ag-row .ag-cell[col-id='name']").first.is_visible()
    page.fill("#search", "web01")
    page.wait_for_selector(f"text=1 of {count} servers")
    assert page.locator(".ag-row .ag-cell[col-id='name']", has_text="web01").is_visible()

    config = repo / ".pre-commit-config.yaml"
    edited = config.read_text() + "# our own hook comes here\n"
    config.write_text(edited)
    result = gitinv(venv, repo, "init", "--update")
    assert result.returncode == 1
    assert ".pre-commit-config.yaml: edited by hand, left alone" in result.stderr
    assert config.read_text() == edited

    before = digest(repo)
    result = gitinv(venv, repo, "init", "--admin", "@someone", "--example")
    assert result.returncode == 1
    assert "inventory/ (an inventory is already there)" in result.stderr
    assert digest(repo) == before


def pre_commit(repo: Path, tmp_path: Path, wheelhouse: Path, *args: str) -> str:
    """pre-commit with its environments in tmp_path, pip reading only the wheelhouse."""
    env = wheels.pip_env(
        PIP_FIND_LINKS=str(wheelhouse),
        PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"),
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    )
    result = subprocess.run(
        [str(Path(sys.executable).parent / "pre-commit"), *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_pre_commit_try_repo_in_a_new_inventory(
    venv: Path, tmp_path: Path, wheelhouse: Path
) -> None:
    repo = tmp_path / "inventory"
    repo.mkdir()
    assert gitinv(venv, repo, "init", "--admin", ADMIN, "--example").returncode == 0
    add_first_server(repo, catalogs=False)
    git(repo, "add", "-A")
    # this repository's hooks (.pre-commit-hooks.yaml), installed from its checkout
    out = pre_commit(repo, tmp_path, wheelhouse, "try-repo", str(ROOT), "--all-files")
    assert "gitinv validate" in out and "gitinv fmt" in out
    assert out.count("Passed") == 2, out
