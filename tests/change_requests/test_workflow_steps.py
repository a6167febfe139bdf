"""The shell steps of validate.yml, run as GitHub would on a pull request's merge commit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from gitinv.commands import request

from .conftest import Hub

WORKFLOW = Path(__file__).resolve().parents[2] / ".github" / "workflows" / "validate.yml"


def _steps() -> dict[str, str]:
    doc = yaml.safe_load(WORKFLOW.read_text())
    return {s["name"]: s["run"] for s in doc["jobs"]["validate"]["steps"] if "run" in s}


def test_validate_and_report_steps(hub: Hub, tmp_path: Path) -> None:
    assert (
        request.run(
            repo=hub.requester.path,
            action="update",
            target="web01",
            sets=("state=offline",),
            comment="maintenance",
            push=True,
        )
        == 0
    )
    mod = hub.moderator
    mod.git("fetch", "-q", "origin")
    mod.git("checkout", "-q", "--detach", "origin/main")
    mod.git("merge", "-q", "--no-ff", "origin/request/update/web01", "-m", "Merge into main")
    runner = tmp_path / "runner"
    runner.mkdir()
    output, summary = runner / "output", runner / "summary"
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "RUNNER_TEMP": str(runner),
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary),
        "MERGE_GROUP_BASE": "",
    }
    steps = _steps()

    def step(name: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", "-e", "-c", steps[name]],
            cwd=mod.path,
            text=True,
            capture_output=True,
            env={**env, **extra},
        )

    assert step("Find the base to compare with").returncode == 0
    base = output.read_text().strip().removeprefix("sha=")
    assert base == mod.git("rev-parse", "HEAD^1")
    assert step("Validate the inventory").returncode == 0
    assert step("CODEOWNERS up to date").returncode == 1  # the fixture has none yet
    report = step("Report (job summary and pull-request comment)", BASE=base)
    assert report.returncode == 0, report.stderr
    written = output.read_text()
    assert written.count("report<<gitinv-") == 1
    assert "| ✏️ | state | active | **offline** |" in written
    assert "### Inventory valid" in written
    assert "<!-- gitinv-validate -->" in summary.read_text()


@pytest.mark.parametrize("name", ["Canonical form", "JSON Schema files up to date"])
def test_other_checks_are_gitinv_commands(name: str) -> None:
    assert _steps()[name].startswith("gitinv ")
