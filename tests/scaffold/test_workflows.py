"""Every workflow passes zizmor and GitHub's workflow schema, with no finding at all."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.y*ml"))


def _tool(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
    if found is None:
        pytest.fail(f"{name} is not installed; `pip install -e '.[test]'`")
    return found


def test_there_are_workflows() -> None:
    assert any(p.name == "validate.yml" for p in WORKFLOWS)


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_zizmor_finds_nothing(workflow: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("GH_TOKEN", "GITHUB_TOKEN")}
    result = subprocess.run(
        [_tool("zizmor"), "--offline", "--no-progress", str(workflow)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings" in result.stdout, result.stdout


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_schema(workflow: Path) -> None:
    result = subprocess.run(
        [_tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(workflow)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_validate_workflow_rules() -> None:
    text = (ROOT / ".github" / "workflows" / "validate.yml").read_text()
    assert "pull_request_target" not in text
    assert "permissions: {}" in text
    assert "persist-credentials: false" in text
    for line in text.splitlines():
        if "uses:" in line:
            ref = line.split("@", 1)[1]
            assert len(ref.split()[0]) == 40 and "# v" in ref, line
