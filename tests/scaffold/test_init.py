"""`gitinv init`: a new inventory repository for each forge, and what it refuses."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml

from gitinv import __version__
from gitinv.commands import build, codeowners, fmt, schema, validate
from gitinv.errors import GitinvError
from gitinv.scaffold import templates
from tests.conftest import GitRepo

from .conftest import ADMIN, add_first_server, digest, run_init


def _git(repo: Path, *args: str) -> str:
    return GitRepo(repo, init=False).git(*args)


def _checks_pass(repo: Path) -> None:
    assert validate.run(repo=repo, rev=None, fmt="text") == 0
    assert fmt.run(repo=repo, files=[], check=True) == 0
    assert schema.run(repo=repo, check=True) == 0


def test_github_repository_from_nothing(fresh: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_init(fresh) == 0
    out = capsys.readouterr().out
    assert _git(fresh, "symbolic-ref", "HEAD") == "refs/heads/main"
    files = set(digest(fresh))
    for path in (
        ".github/workflows/validate.yml",
        ".github/workflows/publish.yml",
        ".github/CODEOWNERS",
        ".pre-commit-config.yaml",
        ".vscode/settings.json",
        ".vscode/extensions.json",
        ".gitinv/managed.json",
        ".gitignore",
        "schema/server.schema.json",
        "inventory/settings.yaml",
        *(f"inventory/{stem}.yaml" for stem in templates.CATALOG_HINTS),
    ):
        assert path in files, path
    assert not any(p.startswith((".gitlab", "inventory/servers/")) for p in files)
    settings = yaml.safe_load((fresh / "inventory/settings.yaml").read_text())
    assert settings == {"branch": "main", "admins": [ADMIN], "forge": "github"}
    assert "wrote .github/workflows/validate.yml" in out
    assert "Next steps:" in out and "git add -A" in out and "Code Owners" in out
    assert "inventory/fields.yaml" in out  # optional, and said so
    assert "git remote add origin" in out and "open a pull request" in out
    _checks_pass(fresh)
    assert codeowners.run(repo=fresh, check=True) == 0
    assert f"* {ADMIN}" in (fresh / ".github/CODEOWNERS").read_text()


def test_gitlab_repository(fresh: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_init(fresh, forge="gitlab", example=True) == 0
    out = capsys.readouterr().out
    files = set(digest(fresh))
    assert {".gitlab-ci.yml", ".gitlab/CODEOWNERS", ".pre-commit-config.yaml"} <= files
    assert not any(p.startswith(".github/") for p in files)
    assert "wrote 44 server files under inventory/servers/" in out
    assert "GITINV_TOKEN" in out and "Code owner approval" in out
    assert "open a merge request" in out and "pull request" not in out
    assert yaml.safe_load((fresh / "inventory/settings.yaml").read_text())["forge"] == "gitlab"
    _checks_pass(fresh)


def test_gitlab_handles_for_gitlab(fresh: Path) -> None:
    assert run_init(fresh, forge="gitlab", admins=["@infra/inventory/admins"]) == 0
    assert "@infra/inventory/admins" in (fresh / ".gitlab/CODEOWNERS").read_text()


def test_forge_and_repository_from_the_origin_remote(
    fresh: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _git(fresh, "init", "-q", "-b", "main")
    _git(fresh, "remote", "add", "origin", "https://ci-token:s3cret@gitlab.example.com/ops/inv.git")
    assert run_init(fresh) == 0
    assert "started a git repository" not in capsys.readouterr().out
    settings = yaml.safe_load((fresh / "inventory/settings.yaml").read_text())
    assert settings["repository"] == "https://gitlab.example.com/ops/inv"  # no credentials
    assert settings["forge"] == "gitlab"
    assert (fresh / ".gitlab-ci.yml").is_file()


def test_a_first_server_builds(fresh: Path, tmp_path: Path) -> None:
    assert run_init(fresh, repository="https://github.com/acme/inv") == 0
    add_first_server(fresh, catalogs=True)
    _checks_pass(fresh)
    assert codeowners.run(repo=fresh, check=False) == 0  # the new group's moderators
    _git(fresh, "add", "-A")
    _git(fresh, "commit", "-q", "-m", "First server")
    assert build.run(repo=fresh, rev=None, out=tmp_path / "site") == 0
    listing = json.loads((tmp_path / "site/api/v1/servers.json").read_text())
    assert [s["name"] for s in listing["results"]] == ["web01"]
    assert (tmp_path / "site/static/vendor/ag-grid-community/LICENSE.txt").is_file()


def test_requirement_is_written_once_per_file(fresh: Path) -> None:
    spec = "git+https://git.example.com/tools/gitinv@v0.2.0#egg=gitinv"
    assert run_init(fresh, requirement=spec) == 0
    for path in (
        ".github/workflows/validate.yml",
        ".github/workflows/publish.yml",
        ".pre-commit-config.yaml",
    ):
        text = (fresh / path).read_text()
        assert text.count(spec) == 1, path
        assert f"gitinv=={__version__}" not in text
    record = json.loads((fresh / ".gitinv/managed.json").read_text())
    assert record["requirement"] == spec and record["version"] == __version__


def test_default_requirement_pins_this_version(fresh: Path) -> None:
    assert run_init(fresh) == 0
    text = (fresh / ".github/workflows/validate.yml").read_text()
    assert f'GITINV_REQUIREMENT: "gitinv=={__version__}"' in text


def test_refuses_a_non_empty_inventory_and_changes_nothing(
    fresh: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_init(fresh, example=True) == 0
    (fresh / "inventory/groups.yaml").write_text('ops:\n  moderators:\n    - "@ops"\n')
    before = digest(fresh)
    with pytest.raises(GitinvError) as refused:
        run_init(fresh, admins=["@someone-else"])
    assert refused.value.exit_code == 1
    assert "inventory/ (an inventory is already there)" in refused.value.message
    assert "inventory/settings.yaml" not in refused.value.message  # named once, as a folder
    assert "nothing was changed" in refused.value.message
    assert "`gitinv init --update` brings the files" in refused.value.message
    assert digest(fresh) == before


def test_refuses_a_changed_file_naming_it(fresh: Path) -> None:
    (fresh / ".pre-commit-config.yaml").write_text("repos: []\n")
    (fresh / "schema").mkdir()
    (fresh / "schema/server.schema.json").write_text("{}\n")
    with pytest.raises(GitinvError) as refused:
        run_init(fresh)
    assert ".pre-commit-config.yaml" in refused.value.message
    assert "schema/server.schema.json" in refused.value.message
    # Without an inventory there is nothing for --update to keep: --force is the way.
    assert "--update" not in refused.value.message and "--force" in refused.value.message
    assert sorted(p.name for p in fresh.iterdir()) == [".pre-commit-config.yaml", "schema"]
    assert not (fresh / ".git").exists()  # not even git init


def test_force_writes_over(fresh: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (fresh / ".pre-commit-config.yaml").write_text("repos: []\n")
    (fresh / ".gitignore").write_text("/secrets/\n")
    assert run_init(fresh, force=True) == 0
    assert "gitinv-validate" in (fresh / ".pre-commit-config.yaml").read_text()
    assert (fresh / ".gitignore").read_text() == "/secrets/\n"  # not init's: kept


def test_same_files_are_no_conflict(fresh: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    assert run_init(other) == 0
    (fresh / ".vscode").mkdir()
    (fresh / ".vscode/settings.json").write_bytes((other / ".vscode/settings.json").read_bytes())
    assert run_init(fresh) == 0


def test_inside_another_repository_is_refused(tmp_path: Path) -> None:
    _git(tmp_path, "init", "-q")
    (tmp_path / "sub").mkdir()
    with pytest.raises(GitinvError, match="inside the git repository"):
        run_init(tmp_path / "sub")
    assert list((tmp_path / "sub").iterdir()) == []


def test_a_new_folder_is_made(tmp_path: Path) -> None:
    assert run_init(tmp_path / "a" / "new-inventory") == 0
    assert (tmp_path / "a/new-inventory/.git").is_dir()


def test_default_path_is_here(fresh: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(fresh)
    assert run_init(None) == 0
    assert (fresh / "inventory/settings.yaml").is_file()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"admins": []}, "--admin is required"),
        ({"admins": ["acme/admins"]}, "--admin acme/admins: not a GitHub handle"),
        ({"admins": ["@a/b/c"]}, "--admin @a/b/c: not a GitHub handle"),
        ({"requirement": 'gitinv"; rm -rf /'}, "is not one pip requirement"),
        ({"requirement": "$EVIL"}, "is not one pip requirement"),
        ({"requirement": "--index-url=http://x"}, "is not one pip requirement"),
        ({"repository": "git@github.com:acme/inv.git"}, "give the code host's https URL"),
    ],
)
def test_bad_options(fresh: Path, options: dict[str, object], message: str) -> None:
    with pytest.raises(GitinvError, match=message) as refused:
        run_init(fresh, **options)
    assert refused.value.exit_code == 2
    assert list(fresh.iterdir()) == []


def test_a_symbolic_link_on_the_way_is_refused(fresh: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.symlink(elsewhere, fresh / ".vscode")
    with pytest.raises(GitinvError, match=r"\.vscode is a symbolic link"):
        run_init(fresh, force=True)
    assert list(elsewhere.iterdir()) == []


def test_cli_wiring(fresh: Path) -> None:
    from click.testing import CliRunner

    from gitinv.cli import cli

    result = CliRunner().invoke(
        cli, ["init", str(fresh), "--admin", ADMIN, "--forge", "gitlab"], prog_name="gitinv"
    )
    assert result.exit_code == 0, result.output
    assert (fresh / ".gitlab-ci.yml").is_file()
    result = CliRunner().invoke(cli, ["-C", str(fresh), "init", "--update"], prog_name="gitinv")
    assert result.exit_code == 0, result.output
    assert result.output == "up to date\n"
    result = CliRunner().invoke(cli, ["--version"], prog_name="gitinv")
    assert result.output == f"gitinv, version {__version__}\n"


def test_a_repository_with_an_origin_is_told_to_push_not_to_add_one(
    fresh: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The origin's URL may hold a token: it is not repeated either."""
    GitRepo(fresh).git("remote", "add", "origin", "https://x:sekrit@github.com/acme/inv.git")
    assert run_init(fresh) == 0
    out = capsys.readouterr().out
    assert "git remote add" not in out and "Push:  git push -u origin main" in out
    assert "sekrit" not in out
