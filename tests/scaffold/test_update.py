"""`gitinv init --update`: what a newer version writes, never over a hand edit."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from gitinv.errors import GitinvError
from gitinv.scaffold import manifest, templates

from .conftest import digest, run_init


def update(
    repo: Path, capsys: pytest.CaptureFixture[str], **options: object
) -> tuple[int, str, str]:
    code = run_init(repo, admins=[], update=True, **options)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def started(fresh: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    assert run_init(fresh, example=True) == 0
    capsys.readouterr()
    return fresh


@pytest.fixture
def newer(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A later gitinv: version 9.9.9, whose validate.yml template has one more line."""
    files = tmp_path / "templates-9.9.9"
    shutil.copytree(templates.FILES, files)
    workflow = files / "github/validate.yml"
    workflow.write_text(workflow.read_text().replace("name: validate\n", "name: validate\n# 9\n"))
    monkeypatch.setattr(templates, "FILES", files)
    monkeypatch.setattr(templates, "__version__", "9.9.9")
    monkeypatch.setattr("gitinv.scaffold.plan.__version__", "9.9.9")
    return files


def test_right_after_init_is_up_to_date(started: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = digest(started)
    assert update(started, capsys) == (0, "up to date\n", "")
    assert digest(started) == before


def test_a_newer_version_rewrites_managed_files(
    started: Path, newer: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (started / "inventory/servers/web/web-fra1-01.yaml").write_text("not: touched\n")
    inventory = {k: v for k, v in digest(started).items() if k.startswith("inventory/")}
    code, out, _ = update(started, capsys)
    assert code == 0
    assert "updated .github/workflows/validate.yml" in out
    assert "updated .pre-commit-config.yaml" in out  # the pin moved
    assert "requirement: gitinv==0.1.0 → gitinv==9.9.9" in out
    validate = (started / ".github/workflows/validate.yml").read_text()
    assert "# 9\n" in validate and 'GITINV_REQUIREMENT: "gitinv==9.9.9"' in validate
    record = json.loads((started / manifest.PATH).read_text())
    assert record["version"] == "9.9.9" and record["requirement"] == "gitinv==9.9.9"
    assert {k: v for k, v in digest(started).items() if k.startswith("inventory/")} == inventory
    assert update(started, capsys) == (0, "up to date\n", "")


def test_a_hand_edit_is_reported_and_left_alone(
    started: Path, newer: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = started / ".github/workflows/validate.yml"
    edited = path.read_text().replace("timeout-minutes: 15", "timeout-minutes: 45")
    path.write_text(edited)
    code, out, err = update(started, capsys)
    assert code == 1
    assert ".github/workflows/validate.yml: edited by hand, left alone" in err
    assert "--force" in err
    assert "updated .github/workflows/publish.yml" in out  # the rest moves on
    assert path.read_text() == edited
    # still reported on the next run
    code, out, err = update(started, capsys)
    assert (code, out) == (1, "")
    assert "edited by hand" in err
    code, out, _ = update(started, capsys, force=True)
    assert code == 0
    assert "replaced .github/workflows/validate.yml (it was edited by hand)" in out
    assert "# 9\n" in path.read_text()
    assert update(started, capsys) == (0, "up to date\n", "")


def test_a_pin_changed_by_hand_is_no_edit(
    started: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in (".github/workflows/validate.yml", ".github/workflows/publish.yml"):
        path = started / name
        path.write_text(path.read_text().replace("gitinv==0.1.0", "gitinv==0.0.9"))
    code, out, err = update(started, capsys)
    assert (code, err) == (0, "")
    assert "updated .github/workflows/validate.yml" in out
    assert "requirement: gitinv==0.0.9 → gitinv==0.1.0" in out


def test_a_url_requirement_is_kept_until_changed(
    fresh: Path, newer: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = "git+https://git.example.com/tools/gitinv@v0.1.0"
    assert run_init(fresh, requirement=url) == 0
    capsys.readouterr()
    code, out, _ = update(fresh, capsys)
    assert code == 0 and "requirement" not in out
    assert url in (fresh / ".github/workflows/validate.yml").read_text()
    code, out, _ = update(fresh, capsys, requirement="gitinv==9.9.9")
    assert code == 0 and f"requirement: {url} → gitinv==9.9.9" in out
    assert url not in (fresh / ".pre-commit-config.yaml").read_text()


def test_one_line_per_file_changes_with_the_requirement(
    started: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = {p: (started / p).read_text() for p in templates.managed("github", "x")}
    assert update(started, capsys, requirement="gitinv==0.1.1")[0] == 0
    for path, text in before.items():
        after = (started / path).read_text().splitlines()
        changed = [(a, b) for a, b in zip(text.splitlines(), after, strict=True) if a != b]
        expected = 0 if path.startswith(".vscode/") else 1
        assert len(changed) == expected, (path, changed)


def test_switching_forge_in_settings(started: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = started / "inventory/settings.yaml"
    settings.write_text(settings.read_text().replace("forge: github", "forge: gitlab"))
    code, out, _ = update(started, capsys)
    assert code == 0
    assert "created .gitlab-ci.yml" in out and "created .gitlab/CODEOWNERS" in out
    assert "removed .github/workflows/validate.yml" in out
    assert not (started / ".github/workflows").exists() or not any(
        (started / ".github/workflows").iterdir()
    )
    assert update(started, capsys) == (0, "up to date\n", "")


def test_generated_files_follow_the_models_and_groups(
    started: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (started / "schema/server.schema.json").write_text("{}\n")
    (started / "schema/old.schema.json").write_text("{}\n")
    groups = started / "inventory/groups.yaml"
    groups.write_text(groups.read_text() + 'new:\n  moderators:\n    - "@acme/new"\n')
    code, out, _ = update(started, capsys)
    assert code == 0
    assert "updated schema/server.schema.json" in out
    assert "removed schema/old.schema.json" in out
    assert "updated .github/CODEOWNERS" in out
    assert "/inventory/servers/new/ @acme/new" in (started / ".github/CODEOWNERS").read_text()


def test_without_a_record_differing_files_count_as_edited(
    started: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A repository copied by hand before init existed: nothing is overwritten unasked."""
    (started / manifest.PATH).unlink()
    (started / ".pre-commit-config.yaml").write_text("repos: []\n")
    (started / ".vscode/extensions.json").unlink()
    code, out, err = update(started, capsys)
    assert code == 1
    assert "created .vscode/extensions.json" in out
    assert f"created {manifest.PATH}" in out
    assert ".pre-commit-config.yaml: edited by hand" in err


def test_a_broken_record_is_named(started: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (started / manifest.PATH).write_text("{not json")
    with pytest.raises(GitinvError, match=r"\.gitinv/managed\.json is not the record"):
        update(started, capsys)
    (started / manifest.PATH).write_text('{"version": 1}')
    with pytest.raises(GitinvError, match="restore it from git"):
        update(started, capsys)


def test_an_invalid_groups_file_stops_before_writing(
    started: Path, newer: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (started / "inventory/groups.yaml").write_text("web:\n  moderators: []\n")
    before = digest(started)
    with pytest.raises(GitinvError, match=r"groups\.yaml"):
        update(started, capsys)
    assert digest(started) == before


@pytest.mark.parametrize("option", ["admins", "forge", "example", "repository"])
def test_update_takes_no_settings(started: Path, option: str) -> None:
    value = {"admins": ["@x"], "forge": "gitlab", "example": True, "repository": "https://x/y"}
    with pytest.raises(GitinvError, match="does not go with --update") as refused:
        run_init(started, update=True, **{"admins": [], option: value[option]})
    assert refused.value.exit_code == 2


def test_update_needs_an_inventory(fresh: Path) -> None:
    with pytest.raises(GitinvError, match="no inventory/ folder"):
        run_init(fresh, admins=[], update=True)


def test_forge_from_the_record_or_the_origin(
    started: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = started / "inventory/settings.yaml"
    settings.write_text(settings.read_text().replace("forge: github\n", ""))
    assert update(started, capsys) == (0, "up to date\n", "")  # the record says github
    shutil.rmtree(started / ".git")  # not a repository (yet): no remote to ask
    assert update(started, capsys) == (0, "up to date\n", "")
    (started / manifest.PATH).unlink()
    for path in templates.ci_paths("github"):
        (started / path).unlink()
    assert subprocess.run(["git", "init", "-q", str(started)], check=True).returncode == 0
    subprocess.run(
        ["git", "-C", str(started), "remote", "add", "origin", "git@gitlab.example.com:o/i.git"],
        check=True,
    )
    code, out, _ = update(started, capsys)
    assert code == 0 and "created .gitlab-ci.yml" in out


def test_update_writes_the_schema_of_the_declared_fields(
    started: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """fields.yaml is optional: init writes none, --update keeps the schema to it."""
    assert not (started / "inventory/fields.yaml").exists()
    (started / "inventory/fields.yaml").write_text("rack: {type: string, unique: true}\n")
    code, out, _ = update(started, capsys)
    assert code == 0 and out == "updated schema/server.schema.json\n"
    written = json.loads((started / "schema/server.schema.json").read_text())
    assert written["properties"]["rack"] == {"type": "string"}
    assert update(started, capsys) == (0, "up to date\n", "")
    (started / "inventory/fields.yaml").write_text("rack: {type: strin}\n")
    with pytest.raises(GitinvError, match=r"fields.yaml:1:14: bad-value"):
        update(started, capsys)
