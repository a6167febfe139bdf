"""The CI and pre-commit files `gitinv init` writes pass the linters this repository's own pass."""

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

from gitinv.scaffold import templates

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
WORKFLOWS = [".github/workflows/validate.yml", ".github/workflows/publish.yml"]


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed; `pip install -e '.[test]'`")
    return found


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each forge's managed files, as a user's `gitinv init` writes them."""
    out = {}
    for forge in templates.FORGES:
        folder = tmp_path_factory.mktemp(forge)
        for path, text in templates.managed(forge, templates.default_requirement()).items():
            (folder / path).parent.mkdir(parents=True, exist_ok=True)
            (folder / path).write_text(text)
        out[forge] = folder
    return out


@pytest.mark.parametrize("workflow", WORKFLOWS)
def test_github_workflows_pass_zizmor(written: dict[str, Path], workflow: str) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("GH_TOKEN", "GITHUB_TOKEN")}
    result = subprocess.run(
        [_tool("zizmor"), "--offline", "--no-progress", workflow],
        capture_output=True,
        text=True,
        env=env,
        cwd=written["github"],
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings" in result.stdout, result.stdout


@pytest.mark.parametrize(
    ("forge", "path", "schema"),
    [
        ("github", WORKFLOWS[0], "vendor.github-workflows"),
        ("github", WORKFLOWS[1], "vendor.github-workflows"),
        ("gitlab", ".gitlab-ci.yml", "vendor.gitlab-ci"),
    ],
)
def test_ci_files_pass_their_schema(
    written: dict[str, Path], forge: str, path: str, schema: str
) -> None:
    result = subprocess.run(
        [_tool("check-jsonschema"), "--builtin-schema", schema, str(written[forge] / path)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_broken_gitlab_file_fails_its_schema(written: dict[str, Path], tmp_path: Path) -> None:
    """The schema check above can fail: a job without a script does."""
    broken = tmp_path / ".gitlab-ci.yml"
    text = (written["gitlab"] / ".gitlab-ci.yml").read_text()
    broken.write_text(text.replace("  script:\n", "  scripts:\n", 1))
    result = subprocess.run(
        [_tool("check-jsonschema"), "--builtin-schema", "vendor.gitlab-ci", str(broken)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1


def test_actions_are_pinned_as_this_repository_pins_them(written: dict[str, Path]) -> None:
    ours = set()
    for workflow in (ROOT / ".github/workflows").glob("*.yml"):
        ours |= set(re.findall(r"uses: (\S+@[0-9a-f]{40} # v\S+)", workflow.read_text()))
    for workflow in WORKFLOWS:
        text = (written["github"] / workflow).read_text()
        uses = re.findall(r"uses: (.+)", text)
        assert uses, workflow
        for line in uses:
            assert re.fullmatch(r"\S+@[0-9a-f]{40} # v\S+", line), line
            assert line in ours, line


def test_gitlab_jobs(written: dict[str, Path]) -> None:
    doc = yaml.safe_load((written["gitlab"] / ".gitlab-ci.yml").read_text())
    validate = doc["validate"]
    rules = [r["if"] for r in validate["rules"]]
    assert '$CI_PIPELINE_SOURCE == "merge_request_event"' in rules  # merged results, trains
    assert "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH" in rules  # the code-quality baseline
    script = "\n".join(validate["script"])
    assert "gitinv validate --rev HEAD --format gitlab > gl-code-quality-report.json" in script
    assert validate["artifacts"]["reports"]["codequality"] == "gl-code-quality-report.json"
    assert validate["artifacts"]["when"] == "always"
    comment = doc["comment"]
    assert "$GITINV_TOKEN" in comment["rules"][0]["if"]
    assert "gitinv comment --file report.md" in comment["script"]
    pages = doc["pages"]
    assert pages["artifacts"]["paths"] == ["public"]
    assert any("--out public" in line for line in pages["script"])
    assert doc["variables"]["GIT_DEPTH"] == "0"


def _first_rule(job: dict[str, Any], env: dict[str, str]) -> dict[str, Any] | None:
    """The rule GitLab applies for a pipeline with these variables: the first whose
    `if` holds (the few forms these files use: `$A == "x"`, `$A == $B`, `$A`, `&&`)."""

    def value(term: str) -> str:
        term = term.strip()
        return env.get(term[1:], "") if term.startswith("$") else term.strip('"')

    def holds(clause: str) -> bool:
        left, _, right = clause.partition("==")
        return value(left) == value(right) if right else value(left) != ""

    for rule in job["rules"]:
        if all(holds(c) for c in rule["if"].split("&&")):
            return dict(rule)
    return None


SCHEDULE = {"CI_PIPELINE_SOURCE": "schedule", "CI_COMMIT_BRANCH": "main"}
PUSH = {"CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BRANCH": "main", "CI_COMMIT_SHA": "c" * 40}
MERGE_REQUEST = {"CI_PIPELINE_SOURCE": "merge_request_event"}
MERGED_RESULTS = {**MERGE_REQUEST, "CI_MERGE_REQUEST_TARGET_BRANCH_SHA": "t" * 40}


@pytest.mark.parametrize("env", [SCHEDULE, PUSH, MERGE_REQUEST, MERGED_RESULTS])
def test_gitlab_schedule_rebuilds_the_pages_alone(
    written: dict[str, Path], env: dict[str, str]
) -> None:
    doc = yaml.safe_load((written["gitlab"] / ".gitlab-ci.yml").read_text())
    env = {**env, "CI_DEFAULT_BRANCH": "main", "GITINV_TOKEN": "set"}
    runs = {}
    for job in ("validate", "comment", "pages"):
        rule = _first_rule(doc[job], env)
        runs[job] = rule is not None and rule.get("when") != "never"
    expected = {
        "schedule": {"validate": False, "comment": False, "pages": True},
        "push": {"validate": True, "comment": False, "pages": True},
        "merge_request_event": {"validate": True, "comment": True, "pages": False},
    }
    assert runs == expected[env["CI_PIPELINE_SOURCE"]]


@pytest.mark.parametrize(
    ("env", "commit", "policy"),
    [
        (PUSH, "$CI_COMMIT_SHA", "push"),
        (MERGE_REQUEST, "$CI_MERGE_REQUEST_DIFF_BASE_SHA", "pull"),
        (MERGED_RESULTS, "$CI_MERGE_REQUEST_TARGET_BRANCH_SHA", "pull"),
    ],
)
def test_gitlab_validate_cache(
    written: dict[str, Path], env: dict[str, str], commit: str, policy: str
) -> None:
    """The default branch writes its results under its commit; a merge request reads
    those of its target (the merge base when GitLab gives no target commit)."""
    doc = yaml.safe_load((written["gitlab"] / ".gitlab-ci.yml").read_text())
    validate = doc["validate"]
    rule = _first_rule(validate, {**env, "CI_DEFAULT_BRANCH": "main"})
    assert rule is not None
    assert rule["variables"] == {"GITINV_CACHE_COMMIT": commit, "GITINV_CACHE_POLICY": policy}
    assert validate["variables"]["GITINV_CACHE_DIR"] == "$CI_PROJECT_DIR/.gitinv-cache"
    cache = validate["cache"]
    assert cache["key"] == "gitinv-validate-$GITINV_CACHE_COMMIT"
    assert cache["fallback_keys"] == ["gitinv-validate-$CI_MERGE_REQUEST_DIFF_BASE_SHA"]
    assert cache["paths"] == [".gitinv-cache/"]  # GITINV_CACHE_DIR, relative to the project
    assert cache["policy"] == "$GITINV_CACHE_POLICY"
    assert all(
        "gitinv validate --rev HEAD" in line
        for line in validate["script"]
        if line.startswith("gitinv validate")
    )


def test_one_requirement_line_per_file(written: dict[str, Path]) -> None:
    pin = templates.default_requirement()
    for forge, folder in written.items():
        for path in templates.managed(forge, pin):
            text = (folder / path).read_text()
            expected = 0 if path.startswith(".vscode/") else 1
            assert text.count(pin) == expected, path
            assert len(templates.REQUIREMENT_LINE.findall(text)) == expected, path


def test_pre_commit_config_is_valid_and_matches_the_shipped_hooks(
    written: dict[str, Path], tmp_path: Path
) -> None:
    config = written["github"] / ".pre-commit-config.yaml"
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit")}
    result = subprocess.run(
        [_tool("pre-commit"), "validate-config", str(config)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    hooks = yaml.safe_load(config.read_text())["repos"][0]["hooks"]
    shipped = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    keys = ("id", "name", "entry", "language", "files", "always_run", "pass_filenames")
    keys += ("require_serial",)
    assert [{k: h.get(k) for k in keys} for h in hooks] == [
        {k: h.get(k) for k in keys} for h in shipped
    ]
    assert all(h["additional_dependencies"] == [templates.default_requirement()] for h in hooks)


def test_publish_reads_the_requests_on_a_schedule(written: dict[str, Path]) -> None:
    """The Requests page: the build job may read pull requests, and only `gitinv build`
    gets the token; the workflow also runs every 30 minutes."""
    doc = yaml.safe_load((written["github"] / ".github/workflows/publish.yml").read_text())
    triggers = doc[True]  # YAML 1.1 reads the key `on` as true
    assert triggers["schedule"] == [{"cron": "*/30 * * * *"}]
    assert "push" in triggers and "workflow_dispatch" in triggers
    build = doc["jobs"]["build"]
    assert build["permissions"] == {"contents": "read", "pull-requests": "read"}
    holders = [s["name"] for s in build["steps"] if "GITHUB_TOKEN" in s.get("env", {})]
    assert holders == ["Build the site"]
    [step] = [s for s in build["steps"] if s.get("name") == "Build the site"]
    assert step["env"]["GITHUB_TOKEN"] == "${{ github.token }}"
    assert doc["jobs"]["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}


def test_the_validation_cache_is_saved_by_main_and_read_by_pull_requests(
    written: dict[str, Path],
) -> None:
    flows = written["github"] / ".github/workflows"
    build = yaml.safe_load((flows / "publish.yml").read_text())["jobs"]["build"]["steps"]
    names = [s.get("name") or s["uses"] for s in build]
    look, fill, save = (
        names.index("Look for this commit's validation cache"),
        names.index("Fill the validation cache"),
        names.index("Save the validation cache"),
    )
    assert names.index("Install gitinv") < look < fill < save < names.index("Build the site")
    assert build[look]["uses"].startswith("actions/cache/restore@")
    assert build[look]["with"]["lookup-only"] is True  # publishing never restores a cache
    assert build[save]["uses"].startswith("actions/cache/save@")
    assert build[look]["with"]["key"] == build[save]["with"]["key"]
    assert build[save]["with"]["key"] == "gitinv-validate-${{ github.sha }}"
    assert "gitinv validate --rev HEAD" in build[fill]["run"]
    assert build[fill]["run"].endswith("|| true")  # its verdict is validate.yml's
    steps = yaml.safe_load((flows / "validate.yml").read_text())["jobs"]["validate"]["steps"]
    names = [s.get("name") or s["uses"] for s in steps]
    restore = names.index("Restore the validation cache")
    assert names.index("Find the base to compare with") < restore
    assert restore < names.index("Validate the inventory")
    assert steps[restore]["uses"].startswith("actions/cache/restore@")
    assert steps[restore]["with"] == {
        "path": ".git/gitinv",
        "key": "gitinv-validate-${{ steps.base.outputs.sha }}",
        "restore-keys": "gitinv-validate-",
    }
    assert not any("actions/cache/save@" in s.get("uses", "") for s in steps)


def test_the_kept_history_is_restored_and_saved_by_the_build_alone(
    written: dict[str, Path],
) -> None:
    """publish.yml restores the history the last build of main kept (only it: never the
    validation results) after saving the validation cache, and saves the new one under
    its commit; GitLab's pages job keeps it in the default branch's protected cache."""
    flows = written["github"] / ".github/workflows"
    steps = yaml.safe_load((flows / "publish.yml").read_text())["jobs"]["build"]["steps"]
    names = [s.get("name") or s["uses"] for s in steps]
    restore = names.index("Restore the history the last build kept")
    keep = names.index("Keep the history for the next build")
    assert names.index("Save the validation cache") < restore < names.index("Build the site")
    assert names.index("Build the site") < keep
    assert steps[restore]["uses"].startswith("actions/cache/restore@")
    assert steps[restore]["with"] == {
        "path": ".git/gitinv/history-*.json",
        "key": "gitinv-history-${{ github.sha }}",
        "restore-keys": "gitinv-history-",
    }
    assert steps[keep]["uses"].startswith("actions/cache/save@")
    assert steps[keep]["with"] == {
        "path": ".git/gitinv/history-*.json",
        "key": "gitinv-history-${{ github.sha }}",
    }
    assert steps[keep]["if"] == "steps.history.outputs.cache-hit != 'true'"
    validate = yaml.safe_load((flows / "validate.yml").read_text())["jobs"]["validate"]
    assert not any("gitinv-history" in str(step) for step in validate["steps"])
    doc = yaml.safe_load((written["gitlab"] / ".gitlab-ci.yml").read_text())
    pages = doc["pages"]
    assert pages["variables"]["GITINV_CACHE_DIR"] == "$CI_PROJECT_DIR/.gitinv-cache"
    assert pages["cache"] == {"key": "gitinv-history", "paths": [".gitinv-cache/history-*.json"]}
    assert "gitinv-history" not in str(doc["validate"])
