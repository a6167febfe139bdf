"""Which host, API address, project and token; and each host's handle rules."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from gitinv import forge
from gitinv.errors import GitinvError
from gitinv.forge import config
from gitinv.handles import problem
from tests.conftest import GitRepo
from tests.forge.conftest import ADMINS, TOKEN, gitinv, inventory_repo
from tests.forge.fakehost import FakeHost


@pytest.mark.parametrize(
    ("settings", "origin", "expected"),
    [
        ({"forge": "gitlab", "repository": "https://github.com/a/b"}, None, "gitlab"),
        ({"repository": "https://github.com/acme/inventory"}, None, "github"),
        ({"repository": "https://gitlab.example.com/acme/inventory"}, None, "gitlab"),
        ({"repository": "https://git.example.com/acme/inventory"}, None, None),
        ({}, "git@github.com:acme/inventory.git", "github"),
        ({}, "https://gitlab-ci-token:s3cr3t@gitlab.acme.io/infra/inventory.git", "gitlab"),
        ({}, "ssh://git@gitlab.acme.io:2222/infra/inventory.git", "gitlab"),
        ({}, "/srv/git/inventory.git", None),
        ({}, None, None),
    ],
)
def test_the_host_is_named_or_inferred(
    settings: dict[str, str], origin: str | None, expected: str | None
) -> None:
    assert config.forge_of(settings, origin) == expected


def test_a_remote_url_never_keeps_its_credentials() -> None:
    url = "https://gitlab-ci-token:glcbt-s3cr3t@gitlab.acme.io:8443/infra/sub/inventory.git"
    assert config.web_url(url) == "https://gitlab.acme.io:8443/infra/sub/inventory"
    assert (
        config.web_url("git@github.com:acme/inventory.git") == "https://github.com/acme/inventory"
    )
    assert config.web_url("file:///srv/x.git") is None


def where(
    tmp_path: Path, settings: str, env: dict[str, str], origin: str | None = None
) -> config.Where:
    repo = inventory_repo(tmp_path / "repo", settings)
    if origin:
        repo.git("remote", "add", "origin", origin)
    return config.where(repo.path, env)


@pytest.mark.parametrize(
    ("settings", "origin", "env", "api", "project"),
    [
        (
            "repository: https://github.com/acme/inventory\n",
            None,
            {},
            "https://api.github.com",
            "acme/inventory",
        ),
        (
            "forge: github\nrepository: https://ghe.acme.io/acme/inventory\n",
            None,
            {},
            "https://ghe.acme.io/api/v3",
            "acme/inventory",
        ),
        (
            "forge: github\n",
            None,
            {"GITHUB_REPOSITORY": "acme/inv"},
            "https://api.github.com",
            "acme/inv",
        ),
        (
            "",
            "git@github.com:acme/inventory.git",
            {"GITHUB_API_URL": "https://ghe.acme.io/api/v3"},
            "https://ghe.acme.io/api/v3",
            "acme/inventory",
        ),
        (
            "repository: https://gitlab.acme.io/infra/sub/inventory\n",
            None,
            {},
            "https://gitlab.acme.io/api/v4",
            "infra%2Fsub%2Finventory",
        ),
        (
            "",
            "https://gitlab-ci-token:x@gitlab.acme.io/infra/inventory.git",
            {
                "GITLAB_CI": "true",
                "CI_PROJECT_ID": "77",
                "CI_API_V4_URL": "https://gitlab.acme.io/api/v4",
            },
            "https://gitlab.acme.io/api/v4",
            "77",
        ),
        (
            "repository: https://github.com/acme/inventory\n",
            None,
            {"GITINV_API_URL": "http://127.0.0.1:9/api/v3/"},
            "http://127.0.0.1:9/api/v3",
            "acme/inventory",
        ),
    ],
    ids=[
        "github.com",
        "enterprise",
        "actions-env",
        "actions-api",
        "gitlab-path",
        "gitlab-ci",
        "override",
    ],
)
def test_api_address_and_project(
    tmp_path: Path, settings: str, origin: str | None, env: dict[str, str], api: str, project: str
) -> None:
    found = where(tmp_path, settings, env, origin)
    assert (found.api, found.project) == (api, project)


@pytest.mark.parametrize(
    ("env", "project", "hint", "web"),
    [
        (
            {"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "acme/inventory"},
            "acme/inventory",
            "GITHUB_REPOSITORY",
            "https://github.com/acme/inventory",
        ),
        (
            {
                "GITHUB_ACTIONS": "true",
                "GITHUB_REPOSITORY": "acme/inventory",
                "GITHUB_SERVER_URL": "https://ghe.acme.io",
                "GITHUB_API_URL": "https://ghe.acme.io/api/v3",
            },
            "acme/inventory",
            "GITHUB_REPOSITORY",
            "https://ghe.acme.io/acme/inventory",
        ),
        (  # not in Actions: the settings, then the origin
            {"GITHUB_REPOSITORY": "acme/inventory"},
            "mallory/elsewhere",
            "`repository` in inventory/settings.yaml",
            "https://github.com/mallory/elsewhere",
        ),
        (  # in Actions without a repository named: as outside
            {"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "not a repository"},
            "mallory/elsewhere",
            "`repository` in inventory/settings.yaml",
            "https://github.com/mallory/elsewhere",
        ),
    ],
    ids=["actions", "actions-enterprise", "outside", "actions-unnamed"],
)
def test_in_github_actions_the_jobs_repository_wins(
    tmp_path: Path, env: dict[str, str], project: str, hint: str, web: str
) -> None:
    found = where(tmp_path, "repository: https://github.com/mallory/elsewhere\n", env)
    assert (found.project, found.label, found.hint, found.web) == (project, project, hint, web)


ELSEWHERE = "forge: gitlab\nrepository: https://gitlab.evil.io/mallory/elsewhere\n"
GITLAB_CI = {
    "GITLAB_CI": "true",
    "CI_PROJECT_ID": "77",
    "CI_PROJECT_PATH": "infra/inventory",
    "CI_PROJECT_URL": "https://gitlab.acme.io/infra/inventory",
    "CI_API_V4_URL": "https://gitlab.acme.io/api/v4",
}
API = {"GITINV_API_URL": "https://gitlab.acme.io/api/v4"}


@pytest.mark.parametrize(
    ("settings", "env", "origin", "project", "label", "web"),
    [
        (
            ELSEWHERE,
            GITLAB_CI,
            None,
            "77",
            "infra/inventory",
            "https://gitlab.acme.io/infra/inventory",
        ),
        (
            ELSEWHERE,
            {"CI_PROJECT_ID": "77"},
            None,
            "mallory%2Felsewhere",
            "mallory/elsewhere",
            "https://gitlab.evil.io/mallory/elsewhere",
        ),
        (
            "forge: gitlab\n",
            {"CI_PROJECT_ID": "77", **API},
            "git@gitlab.acme.io:infra/inventory.git",
            "infra%2Finventory",
            "infra/inventory",
            "https://gitlab.acme.io/infra/inventory",
        ),
        ("forge: gitlab\n", {"CI_PROJECT_ID": "77", **API}, None, "77", "project 77", None),
    ],
    ids=["gitlab-ci", "outside-settings", "outside-origin", "outside-nothing-else"],
)
def test_in_gitlab_ci_the_jobs_project_wins(
    tmp_path: Path,
    settings: str,
    env: dict[str, str],
    origin: str | None,
    project: str,
    label: str,
    web: str | None,
) -> None:
    found = where(tmp_path, settings, env, origin)
    assert (found.project, found.label, found.web) == (project, label, web)


def test_a_request_editing_settings_cannot_point_the_job_elsewhere(
    tmp_path: Path, github: FakeHost
) -> None:
    github.add_request(7, "Update web01")
    repo = inventory_repo(tmp_path / "r", f"repository: https://github.com/mallory/other\n{ADMINS}")
    env = github.env(GITHUB_ACTIONS="true", GITHUB_REPOSITORY="acme/inventory")
    result = gitinv("-C", str(repo.path), "comment", "--pr", "7", env=env, stdin="report")
    assert result.returncode == 0, result.stderr
    assert {c.path.split("/issues")[0] for c in github.calls} == {"/api/v3/repos/acme/inventory"}


@pytest.mark.parametrize(
    ("kind", "env", "source"),
    [
        ("github", {"GITINV_TOKEN": "tok-a1", "GITHUB_TOKEN": "tok-b2"}, "GITINV_TOKEN"),
        ("github", {"GITHUB_TOKEN": "tok-b2", "GITLAB_TOKEN": "tok-c3"}, "GITHUB_TOKEN"),
        ("github", {"GITLAB_TOKEN": "tok-c3", "CI_JOB_TOKEN": "tok-d4"}, None),
        ("gitlab", {"GITLAB_TOKEN": "tok-c3", "CI_JOB_TOKEN": "tok-d4"}, "GITLAB_TOKEN"),
        ("gitlab", {"CI_JOB_TOKEN": "tok-d4", "GITHUB_TOKEN": "tok-b2"}, "CI_JOB_TOKEN"),
        ("gitlab", {"GITINV_TOKEN": "  "}, None),
    ],
)
def test_which_token(kind: config.Kind, env: dict[str, str], source: str | None) -> None:
    token = config.find_token(kind, env)
    assert (token.source if token else None) == source
    if token:
        assert token.value not in repr(token) and token.value not in str(token)


@pytest.mark.parametrize(
    ("settings", "env", "message"),
    [
        (
            "repository: https://git.acme.io/a/b\n",
            {},
            "cannot tell the code host from `repository` in inventory/settings.yaml "
            "(host git.acme.io): set `forge: github` or `forge: gitlab`",
        ),
        ("forge: gitlab\n", {}, "cannot tell where GitLab is"),
        ("forge: github\n", {}, "cannot tell which GitHub repository"),
        (
            "repository: https://github.com/acme\n",
            {},
            "does not name a GitHub repository as OWNER/REPO",
        ),
        (
            "repository: https://github.com/a/b\n",
            {"GITINV_API_URL": "https://u:p@h/api/v3"},
            "must not hold a user name or password",
        ),
    ],
)
def test_what_is_missing_is_said(
    tmp_path: Path, settings: str, env: dict[str, str], message: str
) -> None:
    with pytest.raises(GitinvError) as err:
        where(tmp_path, settings, env)
    assert message in err.value.message


def test_an_unknown_host_with_a_token_says_to_name_it(tmp_path: Path) -> None:
    repo = inventory_repo(tmp_path / "r", "repository: https://git.acme.io/a/b\n")
    assert forge.try_connect(repo.path, env={"GITHUB_TOKEN": TOKEN}) is None
    with pytest.raises(GitinvError, match="set `forge: github` or `forge: gitlab`"):
        forge.try_connect(repo.path, env={"GITINV_TOKEN": TOKEN})


@pytest.mark.parametrize(
    ("handle", "github", "gitlab"),
    [
        ("@octocat", True, True),
        ("@acme/platform-team", True, True),
        ("@octocat_acme", True, True),  # an Enterprise Managed User
        ("ops@example.com", True, False),
        ("@john.doe", False, True),
        ("@infra/dc/ops", False, True),
        ("@@maintainer", False, True),
        ("@-bad", False, False),
        ("@" + "a" * 40, False, True),
        ("octocat", False, False),
    ],
)
def test_handles_follow_each_host(handle: str, github: bool, gitlab: bool) -> None:
    assert (problem(handle, "github") is None) == github
    assert (problem(handle, "gitlab") is None) == gitlab
    assert (problem(handle, None) is None) == (github or gitlab)


@pytest.mark.parametrize(
    ("settings", "moderator", "ok"),
    [
        ("forge: gitlab\n", "@infra/dc.ops", True),
        ("repository: https://github.com/acme/inventory\n", "@infra/dc/ops", False),
        ("repository: https://github.com/acme/inventory\n", "dba@acme.io", True),
        ("repository: https://gitlab.acme.io/acme/inventory\n", "dba@acme.io", False),
        ("", "@infra/dc/ops", True),  # no host named: either's form passes
    ],
)
def test_validate_checks_moderators_with_the_hosts_rules(
    git_repo: GitRepo, settings: str, moderator: str, ok: bool
) -> None:
    repo = inventory_repo(git_repo.path.parent / "v", settings + ADMINS)
    repo.write(
        "inventory/groups.yaml",
        f'data:\n  moderators:\n    - "{moderator}"\nweb:\n  moderators: ["@x"]\n',
    )
    result = gitinv("-C", str(repo.path), "validate", env={})
    assert result.returncode == (0 if ok else 1), result.stdout
    if not ok:
        assert (
            f"inventory/groups.yaml:3:7: bad-value: `moderators.0`: `{moderator}` is not a Git"
            in result.stdout
        )


def test_a_revision_is_checked_with_its_settings_and_the_repositorys_origin(
    tmp_path: Path,
) -> None:
    """`validate --rev` reads settings.yaml from the revision; the origin is the
    repository's own: the same host `codeowners` and the forge layer decide."""
    repo = inventory_repo(tmp_path / "r", ADMINS)
    repo.git("remote", "add", "origin", "git@gitlab.acme.io:infra/inventory.git")
    groups = (repo.path / "inventory/groups.yaml").read_text()
    repo.write("inventory/groups.yaml", groups + 'ops:\n  moderators: ["ops@acme.io"]\n')
    on_origin = repo.commit("an e-mail moderator, the origin on GitLab")
    repo.write("inventory/settings.yaml", f"forge: github\n{ADMINS}")
    named = repo.commit("the host named: GitHub")
    repo.write("inventory/settings.yaml", ADMINS)  # the working tree: the origin again

    def validate(*rev: str) -> subprocess.CompletedProcess[str]:
        return gitinv("-C", str(repo.path), "validate", *rev, env={})

    gitlab_rules = "`ops@acme.io` is not a GitLab handle"
    assert gitlab_rules in validate("--rev", on_origin).stdout
    assert validate("--rev", named).returncode == 0
    assert gitlab_rules in validate().stdout
    assert config.forge_of({"forge": "github"}, repo.path) == "github"
    assert config.forge_of({}, repo.path) == config.kind(repo.path) == "gitlab"
    assert config.forge_of({}, tmp_path / "not-a-repository") is None


@pytest.mark.parametrize(
    ("value", "line"),
    [
        ("0", "bad-value: `approvals` should be greater than or equal to 1, not 0"),
        ('"2"', "bad-type: `approvals` must be a whole number, not `2`; write 2 without quotes"),
        ("true", "bad-type: `approvals` must be a whole number, not a boolean (`true`)"),
    ],
)
def test_approvals_is_a_whole_number_from_one(git_repo: GitRepo, value: str, line: str) -> None:
    repo = inventory_repo(git_repo.path.parent / "a", ADMINS)
    groups = (repo.path / "inventory/groups.yaml").read_text()
    repo.write(
        "inventory/groups.yaml", groups + f"ops:\n  moderators: ['@ops']\n  approvals: {value}\n"
    )
    result = gitinv("-C", str(repo.path), "validate", env={})
    assert result.returncode == 1
    assert result.stdout.startswith(f"inventory/groups.yaml:12:14: {line}\n"), result.stdout
