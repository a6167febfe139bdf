"""`gitinv comment`: one report comment a request, created once and then updated."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from gitinv.forge.base import MARKER
from tests.conftest import GitRepo
from tests.forge.conftest import JOB_TOKEN, TOKEN, gitinv, no_token_anywhere
from tests.forge.fakehost import ACTIONS_BOT, GITLAB_BOT, FakeHost

REPORT = "### Inventory valid\n\n| | field | current | requested |\n|---|---|---|---|\n"


def ours(host: FakeHost, number: int) -> list[dict[str, object]]:
    return [c for c in host.comments.get(number, []) if str(c["body"]).startswith(MARKER)]


def test_github_creates_once_then_updates_the_one_on_page_two(
    gh_repo: GitRepo, github: FakeHost
) -> None:
    github.add_request(7, "Update web01")
    github.add_comment(7, "Looks fine to me")
    github.add_comment(7, f"> {MARKER}\n> quoted by a reviewer: not ours")
    github.add_comment(7, "One more thought")
    args = ("-C", str(gh_repo.path), "comment", "--pr", "7")

    first = gitinv(*args, env=github.env(), stdin=REPORT)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("created the report comment on pull request #7: https://")
    assert len(ours(github, 7)) == 1 and len(github.comments[7]) == 4  # the 4th: page 2

    github.calls.clear()
    second = gitinv(
        *args, env=github.env(), stdin=REPORT + "| ✏️ | state | active | **maintenance** |\n"
    )
    assert second.returncode == 0, second.stderr
    assert second.stdout.startswith("updated the report comment on pull request #7")
    [comment] = ours(github, 7)
    assert "**maintenance**" in str(comment["body"]) and len(github.comments[7]) == 4
    listed = [c for c in github.calls if c.method == "GET" and c.path.endswith("/comments")]
    assert [c.query.get("page", "1") for c in listed] == ["1", "2"]  # found on page 2
    # Who the token is, asked once: the Actions token may not (403), so it is the bot.
    assert [c.path for c in github.calls if c.path.endswith("/user")] == ["/api/v3/user"]
    assert [c.method for c in github.calls if c.method != "GET"] == ["PATCH"]
    assert github.calls[-1].path == f"/api/v3/repos/acme/inventory/issues/comments/{comment['id']}"

    github.calls.clear()
    third = gitinv(
        *args, env=github.env(), stdin=REPORT + "| ✏️ | state | active | **maintenance** |\n"
    )
    assert third.stdout.startswith("unchanged the report comment")
    assert {c.method for c in github.calls} == {"GET"}
    for result in (first, second, third):
        no_token_anywhere(result, gh_repo.path)


def test_the_pull_request_comes_from_the_event_or_the_ref(
    gh_repo: GitRepo, github: FakeHost, tmp_path: Path
) -> None:
    github.add_request(3, "Three")
    github.add_request(5, "Five")
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"action": "synchronize", "pull_request": {"number": 3}}))
    args = ("-C", str(gh_repo.path), "comment")
    from_event = gitinv(*args, env=github.env(GITHUB_EVENT_PATH=str(event)), stdin=REPORT)
    from_ref = gitinv(*args, env=github.env(GITHUB_REF="refs/pull/5/merge"), stdin=REPORT)
    assert from_event.returncode == 0 and from_ref.returncode == 0, from_ref.stderr
    assert len(ours(github, 3)) == 1 and len(ours(github, 5)) == 1
    neither = gitinv(*args, env=github.env(GITHUB_REF="refs/heads/main"), stdin=REPORT)
    assert neither.returncode == 2
    assert neither.stderr == (
        "gitinv: error: which pull request? give --pr N, or run it in a pull_request "
        "workflow, where GITHUB_EVENT_PATH or GITHUB_REF names it\n"
    )


def test_gitlab_notes_from_the_merge_request_pipeline(
    gl_repo: GitRepo, gitlab: FakeHost, tmp_path: Path
) -> None:
    gitlab.add_request(4, "Add web09")
    gitlab.add_comment(4, "added 1 commit", author="ada", system=True)
    gitlab.add_comment(4, "Please check the IP")
    gitlab.add_comment(4, "approved this merge request", author="bob", system=True)
    report = tmp_path / "report.md"
    report.write_text(REPORT, encoding="utf-8")
    env = gitlab.env(GITINV_TOKEN="", GITLAB_TOKEN=TOKEN, CI_MERGE_REQUEST_IID="4")
    args = ("-C", str(gl_repo.path), "comment", "--file", str(report))
    first = gitinv(*args, env=env)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith(
        "created the report comment on merge request !4: "
        "https://gitlab.example.com/acme/inventory/-/merge_requests/4#note_"
    )
    report.write_text(REPORT + "changed\n", encoding="utf-8")
    second = gitinv(*args, env=env)
    assert second.stdout.startswith("updated the report comment on merge request !4")
    [note] = ours(gitlab, 4)
    assert str(note["body"]).endswith("changed\n") and len(gitlab.comments[4]) == 4
    assert [c.method for c in gitlab.calls if c.method != "GET"] == ["POST", "PUT"]
    notes = [c for c in gitlab.calls if c.method == "GET" and c.path.endswith("/notes")]
    assert notes and all(c.query["sort"] == "asc" for c in notes)
    assert all(c.headers["private-token"] == TOKEN for c in gitlab.calls)
    no_token_anywhere(second, gl_repo.path)


def test_the_job_token_alone_cannot_write_notes(gl_repo: GitRepo, gitlab: FakeHost) -> None:
    gitlab.add_request(4, "Add web09")
    env = {
        "GITINV_API_URL": gitlab.api,
        "CI_JOB_TOKEN": JOB_TOKEN,
        "CI_MERGE_REQUEST_IID": "4",
    }
    result = gitinv("-C", str(gl_repo.path), "comment", env=env, stdin=REPORT)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("gitinv: error: CI_JOB_TOKEN cannot write to merge requests")
    assert "project access token with the `api` scope" in result.stderr
    assert result.stderr.count("\n") == 1 and gitlab.calls == []
    no_token_anywhere(result, gl_repo.path)


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        (
            "wrong-token",
            "GitHub refused the token in GITINV_TOKEN (401 Unauthorized) (Bad credentials)",
        ),
        ("wrong-repo", "GitHub found no pull request #7 in acme/other (404 Not Found"),
        ("rate-limit", "GitHub's API rate limit is reached (403 Forbidden): it resets at"),
        ("no-token", "no GitHub token: set GITINV_TOKEN or GITHUB_TOKEN"),
        ("unreachable", "cannot reach GitHub at http://127.0.0.1:"),
        ("empty", "the report is empty; nothing posted"),
    ],
)
def test_failures_exit_2_with_one_line_and_no_token(
    gh_repo: GitRepo, github: FakeHost, setup: str, expected: str
) -> None:
    github.add_request(7, "Update web01")
    env = github.env()
    report = REPORT
    if setup == "wrong-token":
        env["GITINV_TOKEN"] = TOKEN[::-1]
    elif setup == "wrong-repo":
        gh_repo.write("inventory/settings.yaml", "repository: https://github.com/acme/other\n")
    elif setup == "rate-limit":
        reset = str(int(datetime.now(UTC).timestamp()) + 1800)
        github.fail(
            "/comments$",
            403,
            headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset},
            body={"message": "API rate limit exceeded"},
        )
    elif setup == "no-token":
        del env["GITINV_TOKEN"]
    elif setup == "unreachable":
        env["GITINV_API_URL"] = "http://127.0.0.1:9/api/v3"
    elif setup == "empty":
        report = "\n \n"
    result = gitinv("-C", str(gh_repo.path), "comment", "--pr", "7", env=env, stdin=report)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(f"gitinv: error: {expected}"), result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert ours(github, 7) == []
    no_token_anywhere(result, gh_repo.path)
    if setup == "rate-limit":
        assert "(in 30 min); run again then" in result.stderr


def test_a_report_too_long_for_github_is_cut_with_a_notice(
    gh_repo: GitRepo, github: FakeHost
) -> None:
    github.add_request(2, "Big import")
    row = "| ✏️ | description | old | new |\n"
    result = gitinv(
        "-C", str(gh_repo.path), "comment", "--pr", "2", env=github.env(), stdin=row * 5000
    )
    assert result.returncode == 0, result.stderr
    [comment] = ours(github, 2)
    body = str(comment["body"])
    assert len(body) <= 65_536 and body.endswith("the CI job's output has all of it.*\n")
    assert body.split("\n")[-4] == row.rstrip("\n")  # cut at a line's end


def marked(host: FakeHost, number: int, author: str) -> list[dict[str, Any]]:
    """The marked comments on `number` written by `author`."""
    who = "user" if host.kind == "github" else "author"
    login = "login" if host.kind == "github" else "username"
    return [c for c in ours(host, number) if c[who][login] == author]  # type: ignore[index]


@pytest.mark.parametrize("first", ["mallory", "renovate[bot]"])
def test_github_actions_token_takes_only_the_bots_comment(
    gh_repo: GitRepo, github: FakeHost, first: str
) -> None:
    github.add_request(7, "Update web01")
    planted = github.add_comment(7, f"{MARKER}\nplanted before the first run", author=first)
    args = ("-C", str(gh_repo.path), "comment", "--pr", "7")

    created = gitinv(*args, env=github.env(), stdin=REPORT)
    assert created.returncode == 0, created.stderr
    assert created.stdout.startswith("created the report comment on pull request #7")
    [bot] = marked(github, 7, ACTIONS_BOT)
    assert bot["user"]["type"] == "Bot"
    assert [c.path for c in github.calls if c.path.endswith("/user")] == ["/api/v3/user"]

    github.calls.clear()
    updated = gitinv(*args, env=github.env(), stdin=REPORT + "changed\n")
    assert updated.stdout.startswith("updated the report comment on pull request #7")
    assert [c.path for c in github.calls if c.method == "PATCH"] == [
        f"/api/v3/repos/acme/inventory/issues/comments/{bot['id']}"
    ]
    assert planted["body"] == f"{MARKER}\nplanted before the first run"
    assert len(ours(github, 7)) == 2


def test_a_personal_token_takes_only_its_users_comment(gh_repo: GitRepo, github: FakeHost) -> None:
    github.user = "ada"  # a fine-grained token: GET /user answers with its user
    github.add_request(7, "Update web01")
    github.add_comment(7, f"{MARKER}\nnot ada's", author="bob")
    github.add_comment(7, f"{MARKER}\nthe Actions bot's", author=ACTIONS_BOT)
    mine = github.add_comment(7, f"{MARKER}\nada's, from an earlier run", author="ada")
    result = gitinv("-C", str(gh_repo.path), "comment", "--pr", "7", env=github.env(), stdin=REPORT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("updated the report comment on pull request #7")
    assert [c.path for c in github.calls if c.method == "PATCH"] == [
        f"/api/v3/repos/acme/inventory/issues/comments/{mine['id']}"
    ]
    assert [c.path for c in github.calls if c.path.endswith("/user")] == ["/api/v3/user"]
    assert [str(c["body"]).split("\n")[1] for c in ours(github, 7)][:2] == [
        "not ada's",
        "the Actions bot's",
    ]
    no_token_anywhere(result, gh_repo.path)


def test_a_github_apps_token_names_its_bot(gh_repo: GitRepo, github: FakeHost) -> None:
    github.bot = "inventory-app[bot]"  # an installation token of another app
    github.add_request(7, "Update web01")
    github.add_comment(7, f"{MARKER}\nthe Actions bot's", author=ACTIONS_BOT)
    env = github.env(GITINV_BOT_LOGIN="inventory-app[bot]")
    args = ("-C", str(gh_repo.path), "comment", "--pr", "7")
    assert gitinv(*args, env=env, stdin=REPORT).stdout.startswith("created")
    assert gitinv(*args, env=env, stdin=REPORT + "more\n").stdout.startswith("updated")
    [app] = marked(github, 7, "inventory-app[bot]")
    assert str(app["body"]).endswith("more\n")
    assert marked(github, 7, ACTIONS_BOT)[0]["body"] == f"{MARKER}\nthe Actions bot's"

    wrong = gitinv(*args, env=github.env(GITINV_BOT_LOGIN="inventory-app"), stdin=REPORT)
    assert wrong.returncode == 2
    assert wrong.stderr == (
        "gitinv: error: GITINV_BOT_LOGIN must be a GitHub App's bot login, such as "
        "`inventory-app[bot]`\n"
    )


def test_gitlab_leaves_a_note_it_may_not_edit_alone(gl_repo: GitRepo, gitlab: FakeHost) -> None:
    gitlab.add_request(4, "Add web09")
    planted = gitlab.add_comment(4, f"{MARKER}\nby a member, first", author="mallory")
    env = gitlab.env(CI_MERGE_REQUEST_IID="4")
    args = ("-C", str(gl_repo.path), "comment")
    first = gitinv(*args, env=env, stdin=REPORT)
    assert first.returncode == 0, first.stderr  # GitLab answers 403 to editing mallory's
    assert first.stdout.startswith("created the report comment on merge request !4")
    gitlab.calls.clear()
    second = gitinv(*args, env=env, stdin=REPORT + "changed\n")
    assert second.stdout.startswith("updated the report comment on merge request !4")
    [note] = marked(gitlab, 4, GITLAB_BOT)
    assert [c.path for c in gitlab.calls if c.method == "PUT"] == [
        f"/api/v4/projects/acme%2Finventory/merge_requests/4/notes/{note['id']}"
    ]
    assert [c.path for c in gitlab.calls if c.path.endswith("/user")] == ["/api/v4/user"]
    assert planted["body"] == f"{MARKER}\nby a member, first"
    assert str(note["body"]).endswith("changed\n")


@pytest.mark.parametrize(
    ("status", "headers", "body", "expected"),
    [
        (
            403,
            {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "4102444800"},
            {"message": "API rate limit exceeded"},
            "GitHub's API rate limit is reached (403 Forbidden): it resets at 2100-01-01",
        ),
        (
            200,
            {},
            {"login": "ada"},
            "GitHub answered asking who the token is (GET /user) with something unexpected "
            "(a user without an id)",
        ),
    ],
)
def test_who_the_token_is_answered_oddly(
    gh_repo: GitRepo,
    github: FakeHost,
    status: int,
    headers: dict[str, str],
    body: object,
    expected: str,
) -> None:
    github.user = "ada"
    github.add_request(7, "Update web01")
    github.add_comment(7, f"{MARKER}\nsomeone's", author="ada")
    github.fail("/user$", status, headers=headers, body=body)
    result = gitinv("-C", str(gh_repo.path), "comment", "--pr", "7", env=github.env(), stdin="x")
    assert result.returncode == 2
    assert result.stderr.startswith(f"gitinv: error: {expected}"), result.stderr
    assert result.stderr.count("\n") == 1
    assert [c.method for c in github.calls if c.method != "GET"] == []


def test_an_event_file_nested_too_deep_is_passed_over(
    gh_repo: GitRepo, github: FakeHost, tmp_path: Path
) -> None:
    github.add_request(5, "Five")
    event = tmp_path / "event.json"
    event.write_text('{"pull_request": ' + "[" * 100_000 + "]" * 100_000 + "}")
    args = ("-C", str(gh_repo.path), "comment")
    env = github.env(GITHUB_EVENT_PATH=str(event))
    from_ref = gitinv(*args, env={**env, "GITHUB_REF": "refs/pull/5/merge"}, stdin=REPORT)
    assert from_ref.returncode == 0, from_ref.stderr
    assert len(ours(github, 5)) == 1
    neither = gitinv(*args, env=env, stdin=REPORT)
    assert neither.returncode == 2
    assert neither.stderr == (
        "gitinv: error: which pull request? give --pr N, or run it in a pull_request "
        "workflow, where GITHUB_EVENT_PATH or GITHUB_REF names it\n"
    )
