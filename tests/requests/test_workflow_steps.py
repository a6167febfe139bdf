"""The shell steps of validate.yml, run as GitHub would on a pull request's merge commit."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitinv.commands import request
from tests.conftest import forge_blob
from tests.forge.fakehost import FakeHost

from .conftest import Clone, Hub

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "validate.yml"
PUBLISH = WORKFLOW.with_name("publish.yml")
GITLAB = ROOT / "tools" / "gitinv" / "scaffold" / "files" / "gitlab" / "gitlab-ci.yml"


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


# The validation cache across runs: publish.yml (or GitLab's default-branch pipeline) keeps
# the results for main; a pull request's run restores them and reads only what it changed.


def _step(path: Path, job: str, name: str) -> dict[str, Any]:
    doc = yaml.safe_load(path.read_text())
    [found] = [s for s in doc["jobs"][job]["steps"] if s.get("name") == name]
    return dict(found)


def _expand(text: str, values: dict[str, str]) -> str:
    """A workflow expression, as Actions fills it in (only those named in `values`)."""
    return re.sub(r"\$\{\{ *(.+?) *\}\}", lambda m: values[m[1]], text)


def _loose(clone: Clone) -> None:
    """Every object of the clone loose (out of its pack), so that one can be replaced."""
    folder = clone.path / ".git" / "objects" / "pack"
    for pack in sorted(folder.glob("*.pack")):
        data = pack.read_bytes()
        for part in folder.glob(f"{pack.stem}.*"):
            part.unlink()
        subprocess.run(["git", "unpack-objects", "-q"], input=data, cwd=clone.path, check=True)


def _run(script: str, clone: Clone, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-e", "-c", script], cwd=clone.path, text=True, capture_output=True, env=env
    )


def _reported(out: str, files: list[str]) -> list[str]:
    return [f for f in files if f in out]


WEB01 = "inventory/servers/platform/web01.yaml"
UNCHANGED = ["inventory/servers/platform/web02.yaml", "inventory/servers/data/db01.yaml"]


@pytest.mark.parametrize("host", ["github", "gitlab"])
def test_a_pull_request_reads_only_what_it_changed(
    hub: Hub, tmp_path: Path, host: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITINV_CACHE_DIR", raising=False)
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
    # The default branch's run, in a clone of its own (another runner).
    main = Clone.of(hub.remote, tmp_path / "main-runner", "seed")
    main_sha = main.git("rev-parse", "HEAD")
    # The pull request's merge commit, checked out as the host does.
    pr = hub.moderator
    pr.git("fetch", "-q", "origin")
    pr.git("checkout", "-q", "--detach", "origin/main")
    pr.git("merge", "-q", "--no-ff", "origin/request/update/web01", "-m", "Merge into main")
    runner = tmp_path / "runner"
    runner.mkdir()
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "RUNNER_TEMP": str(runner),
        "GITHUB_OUTPUT": str(runner / "output"),
        "MERGE_GROUP_BASE": "",
    }
    if host == "github":
        fill = _step(PUBLISH, "build", "Fill the validation cache")
        assert fill.get("if") == "steps.cached.outputs.cache-hit != 'true'"
        save = _step(PUBLISH, "build", "Save the validation cache")["with"]
        restore = _step(WORKFLOW, "validate", "Restore the validation cache")["with"]
        assert save["path"] == restore["path"] == ".git/gitinv"  # gitinv's own place
        assert _run(_steps()["Find the base to compare with"], pr, env).returncode == 0
        base = (runner / "output").read_text().strip().removeprefix("sha=")
        assert base == main_sha
        # What main saved is what the pull request asks for first.
        saved_key = _expand(save["key"], {"github.sha": main_sha})
        assert _expand(restore["key"], {"steps.base.outputs.sha": base}) == saved_key
        assert saved_key.startswith(restore["restore-keys"])
        folder = restore["path"]
        keep, check = fill["run"], _steps()["Validate the inventory"]
        pr_env = main_env = env
    else:
        job = yaml.safe_load(GITLAB.read_text())["validate"]
        validate_lines = [line for line in job["script"] if line.startswith("gitinv validate ")]
        assert validate_lines and all("--rev HEAD" in line for line in validate_lines)
        [folder] = job["cache"]["paths"]
        cache_dir = job["variables"]["GITINV_CACHE_DIR"]
        assert cache_dir == f"$CI_PROJECT_DIR/{folder.rstrip('/')}"
        keep = check = "status=0\n" + "\n".join(validate_lines) + '\nexit "$status"'
        main_env, pr_env = (
            {**env, "GITINV_CACHE_DIR": cache_dir.replace("$CI_PROJECT_DIR", str(c.path))}
            for c in (main, pr)
        )
    filled = _run(keep, main, main_env)
    assert filled.returncode == 0, filled.stderr
    assert (main.path / folder).is_dir()
    # Every file read from now on is one the pull request's run reports a problem in.
    _loose(pr)
    for path in [WEB01, *UNCHANGED]:
        forge_blob(pr.path, "HEAD", path)
    cold = _run(check, pr, pr_env)
    assert cold.returncode == 1
    assert _reported(cold.stdout, [WEB01, *UNCHANGED]) == [WEB01, *UNCHANGED]
    # As the cache action restores it: main's folder in the pull request's clone.
    if (pr.path / folder).exists():
        shutil.rmtree(pr.path / folder)
    shutil.copytree(main.path / folder, pr.path / folder)
    warm = _run(check, pr, pr_env)
    assert warm.returncode == 1
    assert _reported(warm.stdout, [WEB01, *UNCHANGED]) == [WEB01]  # only the changed file
