"""GitHub's pull requests through the forge layer, against a fake GitHub on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitinv import forge
from gitinv.errors import GitinvError
from gitinv.forge.base import STATUSES
from tests.conftest import GitRepo
from tests.forge.conftest import TOKEN
from tests.forge.fakehost import FakeHost, stamp


def queue(github: FakeHost) -> None:
    """One pull request for each way GitHub's data decides a status."""
    github.add_request(1, "Update server1: state", author="ada")
    github.add_request(2, "Draft work", draft=True)
    github.add_request(3, "Parked", labels=("gitinv", "on-hold"))
    github.add_request(4, "Approved one")
    github.add_review(4, "bob", "APPROVED")
    github.add_request(5, "One approves, one objects")
    github.add_review(5, "bob", "APPROVED")
    github.add_review(5, "carol", "CHANGES_REQUESTED")
    github.add_request(6, "Objection withdrawn")
    github.add_review(6, "carol", "CHANGES_REQUESTED")
    github.add_review(6, "carol", "APPROVED")
    github.add_request(7, "A comment after an approval")
    github.add_review(7, "bob", "APPROVED")
    github.add_review(7, "bob", "COMMENTED")
    github.add_request(8, "Dismissed objection")
    github.add_review(8, "carol", "DISMISSED")
    github.add_review(8, "bob", "COMMENTED")
    github.add_request(9, "From a fork", author="eve", branch="patch-1", fork=True)
    github.add_request(10, "Merged last week", state="merged", created=9, merged=2)
    github.add_request(11, "Closed unmerged", state="closed", created=9, closed=5)
    github.add_request(12, "Closed long ago", state="closed", created=60, closed=45)
    github.add_request(13, "Many reviews")
    for who, state in [("a", "COMMENTED"), ("b", "APPROVED"), ("c", "COMMENTED")]:
        github.add_review(13, who, state)
    github.add_review(13, "d", "APPROVED")
    github.add_review(13, "dave", "CHANGES_REQUESTED")


def test_every_status_from_githubs_data(gh_repo: GitRepo, github: FakeHost) -> None:
    queue(github)
    with forge.connect(gh_repo.path, env=github.env()) as host:
        found = {r.number: r for r in host.requests()}
    assert {n: r.status for n, r in found.items()} == {
        1: "pending",
        2: "on-hold",
        3: "on-hold",
        4: "approved",
        5: "changes-requested",
        6: "approved",
        7: "approved",
        8: "pending",
        9: "pending",
        13: "changes-requested",
    }
    assert set(STATUSES) - {"rejected"} <= {r.status for r in found.values()}
    assert found[6].approved_by == ("carol",)


def test_one_listing_call_per_page_and_one_reviews_call_per_undecided_request(
    gh_repo: GitRepo, github: FakeHost
) -> None:
    queue(github)
    with forge.connect(gh_repo.path, env=github.env()) as host:
        open_requests = host.requests()
    assert len(open_requests) == 10
    listing = github.listing_calls()
    assert [c.query.get("page", "1") for c in listing] == ["1", "2", "3", "4", "5"]
    assert all(c.query["state"] == "open" for c in listing)
    reviewed = [int(c.path.split("/")[-2]) for c in github.per_request_calls()]
    # Drafts and on-hold requests need no reviews; #13's five reviews take three pages.
    assert sorted(set(reviewed)) == [1, 4, 5, 6, 7, 8, 9, 13]
    assert reviewed.count(13) == 3 and len(reviewed) == 10
    assert all(c.headers["authorization"] == f"Bearer {TOKEN}" for c in github.calls)
    assert all(c.headers["x-github-api-version"] == "2022-11-28" for c in github.calls)


def test_fields_fork_and_the_ref_to_fetch(gh_repo: GitRepo, github: FakeHost) -> None:
    queue(github)
    with forge.connect(gh_repo.path, env=github.env()) as host:
        found = {r.number: r for r in host.requests()}
    one, fork = found[1], found[9]
    assert (one.title, one.author, one.branch, one.base) == (
        "Update server1: state",
        "ada",
        "request/update/server1",
        "main",
    )
    assert one.url == "https://github.com/acme/inventory/pull/1"
    assert one.ref == "refs/pull/1/head" and one.created == stamp(3)
    assert not one.fork and fork.fork and fork.ref == "refs/pull/9/head"
    assert found[3].labels == ("gitinv", "on-hold") and found[2].draft


def test_state_all_adds_the_recently_rejected_never_the_merged(
    gh_repo: GitRepo, github: FakeHost
) -> None:
    queue(github)
    with forge.connect(gh_repo.path, env=github.env()) as host:
        everything = {r.number: r.status for r in host.requests("all")}
    assert everything[11] == "rejected"
    assert 10 not in everything  # merged: history, never pending
    assert 12 not in everything  # closed 45 days ago: older than 30 days
    closed = [c for c in github.listing_calls() if c.query["state"] == "closed"]
    # Newest first, it stops at the first page reaching past the 30 days.
    assert closed[0].query["sort"] == "updated" and len(closed) == 2


def test_create_request_opens_one_and_labels_it(gh_repo: GitRepo, github: FakeHost) -> None:
    github.add_request(1, "Someone else's")
    with forge.connect(gh_repo.path, env=github.env(), write=True) as host:
        made = host.create_request(
            branch="request/update/web01",
            base="main",
            title="Update web01: state",
            body="Kernel upgrade",
            labels=("gitinv",),
        )
    assert made.number == 2 and made.status == "pending" and made.labels == ("gitinv",)
    assert made.url == "https://github.com/acme/inventory/pull/2"
    posts = [c for c in github.calls if c.method == "POST"]
    assert [c.path for c in posts] == [
        "/api/v3/repos/acme/inventory/pulls",
        "/api/v3/repos/acme/inventory/issues/2/labels",
    ]
    assert posts[0].body == {
        "title": "Update web01: state",
        "head": "request/update/web01",
        "base": "main",
        "body": "Kernel upgrade",
        "draft": False,
    }
    assert github.labels_added == {2: ["gitinv"]}


def test_a_second_request_for_the_branch_is_githubs_own_words(
    gh_repo: GitRepo, github: FakeHost
) -> None:
    github.add_request(1, "Open already", branch="request/update/web01")
    with (
        forge.connect(gh_repo.path, env=github.env()) as host,
        pytest.raises(GitinvError) as refused,
    ):
        host.create_request(branch="request/update/web01", base="main", title="t", body="b")
    assert "A pull request already exists for acme:request/update/web01" in refused.value.message
    assert "\n" not in refused.value.message and refused.value.exit_code == 2


def test_labels_refused_after_opening_says_what_exists(gh_repo: GitRepo, github: FakeHost) -> None:
    github.fail(r"/labels$", 403, body={"message": "Resource not accessible by integration"})
    with (
        forge.connect(gh_repo.path, env=github.env()) as host,
        pytest.raises(GitinvError, match=r"opened pull request #1 \(https://github.com/"),
    ):
        host.create_request(branch="b", base="main", title="t", body="b", labels=("gitinv",))
    assert list(github.requests) == [1]


@pytest.mark.parametrize(
    ("status", "headers", "body", "expected"),
    [
        (401, {}, {"message": "Bad credentials"}, "refused the token in GITINV_TOKEN (401"),
        (
            403,
            {},
            {"message": "Resource not accessible by integration"},
            "lacks the permission; it needs `pull-requests: read`",
        ),
        (404, {}, {"message": "Not Found"}, "found no repository acme/inventory"),
        (
            403,
            {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "@reset"},
            {"message": "API rate limit exceeded for installation ID 1."},
            "rate limit is reached (403 Forbidden): it resets at",
        ),
        (
            429,
            {"Retry-After": "900"},
            {"message": "You have exceeded a secondary rate limit."},
            "(in 15 min); run again then",
        ),
        (502, {}, None, "answered 502 Bad Gateway for GET /api/v3/repos/acme/inventory/pulls"),
    ],
    ids=["401", "403", "404", "rate-limit", "secondary-limit", "502"],
)
def test_failures_are_one_clear_line(
    gh_repo: GitRepo,
    github: FakeHost,
    status: int,
    headers: dict[str, str],
    body: object,
    expected: str,
) -> None:
    reset = str(int(datetime_now()) + 600)
    github.fail(
        r"/pulls$",
        status,
        headers={k: v.replace("@reset", reset) for k, v in headers.items()},
        body=body,
    )
    with forge.connect(gh_repo.path, env=github.env()) as host, pytest.raises(GitinvError) as err:
        host.requests()
    message = err.value.message
    assert expected in message and "\n" not in message and err.value.exit_code == 2
    assert TOKEN not in message
    if "X-RateLimit-Reset" in headers:
        assert "(in 10 min)" in message


def test_a_short_rate_limit_pause_is_waited_out_once(gh_repo: GitRepo, github: FakeHost) -> None:
    github.add_request(1, "One")
    github.fail(r"/pulls$", 429, headers={"Retry-After": "0"}, body={"message": "slow down"})
    with forge.connect(gh_repo.path, env=github.env()) as host:
        assert [r.number for r in host.requests()] == [1]
    assert len(github.listing_calls()) == 2


def test_a_host_echoing_the_token_is_redacted(gh_repo: GitRepo, github: FakeHost) -> None:
    github.fail(r"/pulls$", 422, body={"message": f"token {TOKEN} is odd"})
    with forge.connect(gh_repo.path, env=github.env()) as host, pytest.raises(GitinvError) as err:
        host.requests()
    assert TOKEN not in err.value.message and "[token]" in err.value.message
    assert TOKEN not in repr(host) and TOKEN not in repr(host.client)
    assert TOKEN not in repr(host.client._http.auth) and TOKEN not in repr(host.where)


def test_a_next_page_elsewhere_gets_no_token(gh_repo: GitRepo, github: FakeHost) -> None:
    github.add_request(1, "One")
    github.fail(
        r"/pulls$",
        200,
        headers={
            "Link": '<http://127.0.0.2:9/api/v3/repos/acme/inventory/pulls?page=2>; rel="next"'
        },
        body=[github.requests[1]],
    )
    with forge.connect(gh_repo.path, env=github.env()) as host, pytest.raises(GitinvError) as err:
        host.requests()
    assert "another address (http://127.0.0.2:9)" in err.value.message


def test_without_a_token_try_connect_leaves_it_to_git(gh_repo: GitRepo, github: FakeHost) -> None:
    assert forge.try_connect(gh_repo.path, env={"GITINV_API_URL": github.api}) is None
    host = forge.try_connect(
        gh_repo.path, env={"GITINV_API_URL": github.api, "GITHUB_TOKEN": TOKEN}
    )
    assert host is not None and host.where.token is not None
    assert host.where.token.source == "GITHUB_TOKEN"
    host.client.close()
    assert github.calls == []


def datetime_now() -> float:
    from datetime import UTC, datetime

    return datetime.now(UTC).timestamp()


def test_a_renamed_repository_is_followed_within_the_api(
    gh_repo: GitRepo, github: FakeHost
) -> None:
    github.add_request(1, "One", draft=True)  # a draft: no reviews call to redirect too
    github.fail(
        r"/repos/acme/old/pulls$",
        301,
        headers={"Location": f"{github.api}/repos/acme/inventory/pulls?state=open&per_page=100"},
        body={"message": "Moved Permanently"},
    )
    gh_repo.write("inventory/settings.yaml", "repository: https://github.com/acme/old\n")
    with forge.connect(gh_repo.path, env=github.env()) as host:
        assert [r.number for r in host.requests()] == [1]
    assert [c.path for c in github.listing_calls()] == [
        "/api/v3/repos/acme/old/pulls",
        "/api/v3/repos/acme/inventory/pulls",
    ]


def test_a_redirect_elsewhere_is_not_followed(gh_repo: GitRepo, github: FakeHost) -> None:
    github.fail(r"/pulls$", 302, headers={"Location": "https://evil.example/collect"})
    with forge.connect(gh_repo.path, env=github.env()) as host, pytest.raises(GitinvError) as err:
        host.requests()
    assert "redirect to another address (https://evil.example)" in err.value.message
    assert len(github.calls) == 1


@pytest.mark.parametrize(
    ("body", "expected"),
    [("<html>sign in</html>", "with something that is not JSON"), ({"a": 1}, "not a list")],
)
def test_an_answer_that_is_not_the_api_says_so(
    gh_repo: GitRepo, github: FakeHost, body: object, expected: str
) -> None:
    github.fail(r"/pulls$", 200, body=body)
    with forge.connect(gh_repo.path, env=github.env()) as host, pytest.raises(GitinvError) as err:
        host.requests()
    assert expected in err.value.message and "GITINV_API_URL" in err.value.message


@pytest.mark.parametrize(
    ("kind", "env", "number"),
    [
        ("github", {"GITHUB_REF": "refs/pull/12/merge"}, 12),
        (
            "github",
            {"GITHUB_EVENT_PATH": "/nonexistent/event.json", "GITHUB_REF": "refs/pull/3/merge"},
            3,
        ),
        ("github", {"GITHUB_REF": "refs/heads/main"}, None),
        ("gitlab", {"CI_MERGE_REQUEST_IID": "8", "GITHUB_REF": "refs/pull/3/merge"}, 8),
        ("gitlab", {"CI_MERGE_REQUEST_IID": ""}, None),
        ("gitlab", {"CI_MERGE_REQUEST_IID": "²"}, None),  # a digit to str.isdigit, not to int
    ],
)
def test_the_request_a_ci_job_runs_for(
    kind: forge.Kind, env: dict[str, str], number: int | None
) -> None:
    assert forge.ci_request_number(kind, env) == number


def test_an_event_file_too_deep_to_read_is_passed_over(tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text('{"pull_request": ' + "[" * 100_000 + "]" * 100_000 + "}")
    env = {"GITHUB_EVENT_PATH": str(event), "GITHUB_REF": "refs/pull/4/merge"}
    assert forge.ci_request_number("github", env) == 4
    assert forge.ci_request_number("github", {"GITHUB_EVENT_PATH": str(event)}) is None
