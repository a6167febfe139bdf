"""The shell steps of validate.yml, run as GitHub would on a pull request's merge commit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from gitinv.commands import request
from tests.forge.fakehost import FakeHost

from .conftest import Hub

WORKFLOW = Path(__file__).resolve().parents[2] / ".github" / "workflows" / "validate.yml"


def _steps(job: str = "validate") -> dict[str, str]:
    doc = yaml.safe_load(WORKFLOW.read_text())
    return {s["name"]: s["run"] for s in doc["jobs"][job]["steps"] if "run" in s}


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
    assert step("Full report", BASE=base).returncode == 0
    full = (runner / "report.md").read_text()
    assert step("Job summary", BASE=base, FULL="").returncode == 0
    assert summary.read_text() == full  # a small report: the summary is the whole of it
    text = step("Comment text", BASE=base, FULL="")
    assert text.returncode == 0, text.stderr
    written = output.read_text()
    assert written.count("report<<gitinv-") == 1
    assert "| ✏️ | ` state ` | ` active ` | **` offline `** |" in written
    # the verdict comes first, before the comparison
    assert written.index("Inventory valid") < written.index("` offline `")
    # the comment job posts that report through the code host's API (a fake GitHub here)
    comment = _steps("comment")
    assert "uses: marocchino" not in WORKFLOW.read_text()  # gitinv posts it, no third party
    report = written.split("report<<", 1)[1].split("\n", 1)[1].rsplit("\ngitinv-", 1)[0]
    outside = ("GITINV_", "GITHUB_", "GITLAB_", "CI_")  # only what the step itself sets
    clean = {k: v for k, v in env.items() if not k.startswith(outside)}
    host = FakeHost("github", "tok_workflow-0123456789")
    for _ in host.serve():
        host.add_request(7, "Update web01: state")
        posted = subprocess.run(
            ["bash", "-e", "-c", comment["Post or update the report comment"]],
            cwd=mod.path,
            text=True,
            capture_output=True,
            env={
                **clean,
                "REPORT": report,
                "PULL_REQUEST": "7",
                "GITHUB_TOKEN": host.token,
                "GITINV_API_URL": host.api,
            },
        )
        assert posted.returncode == 0, posted.stderr
        assert posted.stdout.startswith("created the report comment on pull request #7")
        [body] = [str(c["body"]) for c in host.comments[7]]
        assert "| ✏️ | ` state ` | ` active ` | **` offline `** |" in body and "report<<" not in body
        assert host.token not in posted.stdout + posted.stderr


@pytest.mark.parametrize("name", ["Canonical form", "JSON Schema files up to date"])
def test_other_checks_are_gitinv_commands(name: str) -> None:
    assert _steps()[name].startswith("gitinv ")
