"""The pre-commit hooks, run by the real pre-commit on a real repository (no network)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.exports.exportfixtures import FIXTURE, git

ROOT = Path(__file__).resolve().parents[2]


def hooks_manifest() -> list[dict[str, Any]]:
    return yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())  # type: ignore[no-any-return]


def pre_commit(repo: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    bindir = Path(sys.executable).parent
    env = {
        **os.environ,
        "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}",
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "HOME": str(tmp_path),
    }
    return subprocess.run(
        [str(bindir / "pre-commit"), *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def hooked_repo(tmp_path: Path) -> Path:
    """An inventory repository with a Python file, using this repository's config."""
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURE, repo)
    shutil.copy(ROOT / ".pre-commit-config.yaml", repo)
    (repo / "tool.py").write_text('"""A script."""\n\nprint("hello")\n')
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    return repo


def test_manifest_is_valid(tmp_path: Path) -> None:
    proc = pre_commit(ROOT, tmp_path, "validate-manifest", ".pre-commit-hooks.yaml")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert [hook["id"] for hook in hooks_manifest()] == ["gitinv-validate", "gitinv-fmt"]
    proc = pre_commit(ROOT, tmp_path, "validate-config", ".pre-commit-config.yaml")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_own_config_passes(hooked_repo: Path, tmp_path: Path) -> None:
    proc = pre_commit(hooked_repo, tmp_path, "run", "--all-files")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for name in ("gitinv validate", "gitinv fmt", "ruff check", "ruff format"):
        assert any(
            line.startswith(name) and line.endswith("Passed") for line in proc.stdout.splitlines()
        ), proc.stdout


def test_own_config_catches_problems(hooked_repo: Path, tmp_path: Path) -> None:
    (hooked_repo / "inventory/servers/web/web02.yaml").write_text(
        "component: nginx\nip: 10.1.0.12\ndc: fra1\nenvironment: staging\nstate: retired\n"
    )
    (hooked_repo / "tool.py").write_text("print( undefined_name )\n")
    git(hooked_repo, "add", "-A")
    proc = pre_commit(hooked_repo, tmp_path, "run", "--all-files")
    assert proc.returncode == 1
    assert "inventory/servers/web/web02.yaml:5:8: bad-value:" in proc.stdout
    assert "F821" in proc.stdout  # ruff check: undefined name
    assert "1 file reformatted" in proc.stdout  # ruff format


def test_shipped_hooks_run(hooked_repo: Path, tmp_path: Path) -> None:
    """Each hook of .pre-commit-hooks.yaml, as an inventory repository would use it.

    A real consumer's pre-commit installs this repository with pip; the test
    runs the same hook definitions with the already installed gitinv instead.
    """
    local = [{**hook, "language": "unsupported"} for hook in hooks_manifest()]
    config = {"repos": [{"repo": "local", "hooks": local}]}
    (hooked_repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    git(hooked_repo, "add", "-A")
    proc = pre_commit(hooked_repo, tmp_path, "run", "--all-files")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "gitinv validate" in proc.stdout and "gitinv fmt" in proc.stdout
    # fmt rewrites a file that is not in the canonical form, which fails the hook
    web01 = hooked_repo / "inventory/servers/web/web01.yaml"
    canonical = web01.read_text()
    web01.write_text(canonical.replace("  - frontend\n  - pci\n", "  - pci\n  - frontend\n"))
    git(hooked_repo, "add", "-A")
    proc = pre_commit(hooked_repo, tmp_path, "run", "--all-files")
    assert proc.returncode == 1
    assert "files were modified by this hook" in proc.stdout
    assert web01.read_text() == canonical


def test_validate_runs_on_a_commit_that_only_deletes_a_catalog(
    hooked_repo: Path, tmp_path: Path
) -> None:
    """pre-commit hands a hook no deleted file: `gitinv-validate` must run all the same
    when the commit's only change is a deleted catalog, and stop the commit."""
    local = [{**hook, "language": "unsupported"} for hook in hooks_manifest()]
    config = {"repos": [{"repo": "local", "hooks": local}]}
    (hooked_repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    git(hooked_repo, "add", "-A")
    git(hooked_repo, "commit", "-q", "--no-verify", "-m", "inventory")
    bindir = Path(sys.executable).parent
    env = {
        **os.environ,
        "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}",
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "HOME": str(tmp_path),
    }
    installed = pre_commit(hooked_repo, tmp_path, "install")
    assert installed.returncode == 0, installed.stdout + installed.stderr
    git(hooked_repo, "rm", "-q", "inventory/tags.yaml")
    commit = subprocess.run(
        ["git", "-c", "user.name=T", "-c", "user.email=t@example.com", "commit", "-m", "x"],
        cwd=hooked_repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    out = commit.stdout + commit.stderr
    assert commit.returncode == 1, out
    assert "gitinv validate" in out and "Failed" in out, out
    assert "catalog tags.yaml is missing" in out, out
    assert git(hooked_repo, "log", "--format=%s") == "inventory\n"  # no commit made
