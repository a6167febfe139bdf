"""The CI and pre-commit files `gitinv init` writes pass the linters this repository's own pass."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

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
    assert "gitinv validate --format gitlab > gl-code-quality-report.json" in script
    assert validate["artifacts"]["reports"]["codequality"] == "gl-code-quality-report.json"
    assert validate["artifacts"]["when"] == "always"
    comment = doc["comment"]
    assert "$GITINV_TOKEN" in comment["rules"][0]["if"]
    assert "gitinv comment --file report.md" in comment["script"]
    pages = doc["pages"]
    assert pages["artifacts"]["paths"] == ["public"]
    assert any("--out public" in line for line in pages["script"])
    assert doc["variables"]["GIT_DEPTH"] == "0"


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
