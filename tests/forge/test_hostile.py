"""A code host (or something posing as one) answering oddly: gitinv ends with one
clear line, exit 2, within bounds, and never shows the token."""

from __future__ import annotations

import pytest

from gitinv import forge
from gitinv.errors import GitinvError
from gitinv.forge import client
from gitinv.forge.base import MARKER
from tests.conftest import GitRepo
from tests.forge.conftest import TOKEN, gitinv, no_token_anywhere
from tests.forge.fakehost import Drip, FakeHost


def failure(repo: GitRepo, host: FakeHost, call: str = "requests") -> str:
    """The message `requests()` (or `comments`) ends with against `host`."""
    with forge.connect(repo.path, env=host.env()) as api, pytest.raises(GitinvError) as err:
        if call == "requests":
            api.requests()
        else:
            api.find_comment(1)
    message = err.value.message
    assert err.value.exit_code == 2 and "\n" not in message and TOKEN not in message
    return message


def with_request(kind: str, request: pytest.FixtureRequest) -> tuple[FakeHost, GitRepo]:
    """The fake `kind` host holding request 1, and an inventory repository on it."""
    host: FakeHost = request.getfixturevalue(kind)
    host.add_request(1, "One")
    return host, request.getfixturevalue("gh_repo" if kind == "github" else "gl_repo")


def test_pages_without_end_stop_at_the_bound(
    gh_repo: GitRepo, github: FakeHost, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client, "MAX_PAGES", 3)
    github.add_request(1, "One", draft=True)
    for n in range(8):  # two a page: four pages
        github.add_comment(1, f"comment {n}")
    assert "gave more than 3 pages of /api/v3/repos/acme/inventory/issues/1/comments" in (
        failure(gh_repo, github, "comments")
    )
    assert len(github.calls) == 3


def test_a_link_back_to_a_page_already_read_ends_the_list(
    gh_repo: GitRepo, github: FakeHost
) -> None:
    github.add_request(1, "One", draft=True)
    again = f'<{github.api}/repos/acme/inventory/pulls?state=open&page=1>; rel="next"'
    github.fail(r"/pulls$", 200, headers={"Link": again}, body=[github.requests[1]], times=9)
    assert "next page of /api/v3/repos/acme/inventory/pulls is one it already gave" in (
        failure(gh_repo, github)
    )
    assert len(github.calls) == 2


def test_an_x_next_page_back_to_a_page_already_read_ends_the_list(
    gl_repo: GitRepo, gitlab: FakeHost
) -> None:
    gitlab.fail("/merge_requests$", 200, headers={"X-Next-Page": "1"}, body=[], times=9)
    assert "is one it already gave" in failure(gl_repo, gitlab)
    assert [c.query.get("page") for c in gitlab.calls] == [None, "1"]


def test_an_answer_too_large_is_not_read_to_its_end(
    gh_repo: GitRepo, github: FakeHost, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client, "MAX_ANSWER", 64 * 1024)
    github.fail(r"/pulls$", 200, body=b"[" + b"0," * 200_000 + b"0]")
    assert "answered GET /api/v3/repos/acme/inventory/pulls with more than 0.0625 MiB" in (
        failure(gh_repo, github)
    )


def test_an_answer_dripping_in_is_cut_off(
    gh_repo: GitRepo, github: FakeHost, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client, "ANSWER_SECONDS", 0.3)
    github.fail(r"/pulls$", 200, body=Drip([b"[", b" ", b" ", b" ", b"]"], pause=0.15))
    assert "with an answer that took more than 0.3 s" in failure(gh_repo, github)


@pytest.mark.parametrize(
    ("body", "headers", "expected"),
    [
        ("[" * 100_000 + "]" * 100_000, {}, "with something that is not JSON"),
        ([], {"Link": '<http://[::1>; rel="next"'}, "with a next-page link that is not a URL"),
        # httpx reads the Location itself: its words, on one line
        (None, {"Location": "http://[::1/x"}, "Invalid URL in location header"),
    ],
    ids=["nested-too-deep", "link-not-a-url", "location-not-a-url"],
)
def test_answers_no_parser_reads(
    gh_repo: GitRepo, github: FakeHost, body: object, headers: dict[str, str], expected: str
) -> None:
    status = 302 if "Location" in headers else 200
    github.fail(r"/pulls$", status, headers=headers, body=body)
    assert expected in failure(gh_repo, github)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "9" * 40}, "it did not say when it resets"),
        ({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "9" * 12}, "did not say when"),
        ({"Retry-After": "Wed, 21 Oct 2015 07:28:00 -0000"}, "(in 0 s); run again then"),
        ({"Retry-After": "²"}, "it did not say when it resets"),
    ],
    ids=["wait-past-the-calendar", "reset-past-the-calendar", "date-without-zone", "not-ascii"],
)
def test_rate_limits_with_odd_times(
    gh_repo: GitRepo, github: FakeHost, headers: dict[str, str], expected: str
) -> None:
    # A wait already over is waited out once, as a short one is; then it is said.
    github.fail(r"/pulls$", 429, headers=headers, body={"message": "slow down"}, times=2)
    message = failure(gh_repo, github)
    assert message.startswith("GitHub's API rate limit is reached (429") and expected in message


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ({"title": "no number", "state": "open"}, "listing pull requests with something"),
        ({"number": "7", "state": "open"}, "(one without a number)"),
        ({"number": True, "state": "open"}, "(one without a number)"),
    ],
)
def test_a_request_without_its_number(
    gh_repo: GitRepo, github: FakeHost, item: dict[str, object], expected: str
) -> None:
    github.fail(r"/pulls$", 200, body=[item])
    assert expected in failure(gh_repo, github)


def test_fields_of_the_wrong_type_are_read_as_missing(gh_repo: GitRepo, github: FakeHost) -> None:
    pull = {
        "number": 3,
        "state": "open",
        "draft": False,
        "title": ["not", "text"],
        "user": "ada",
        "labels": 5,
        "head": "feature",
        "base": {"repo": {"full_name": 42}},
        "created_at": 1700000000,
    }
    reviews = ["APPROVED", {"user": "bob", "state": "APPROVED"}, {"user": {"login": "carol"}}]
    github.fail(r"/pulls$", 200, body=[pull])
    github.fail(r"/reviews$", 200, body=reviews)
    with forge.connect(gh_repo.path, env=github.env()) as host:
        [request] = host.requests()
    assert (request.number, request.title, request.author, request.status) == (
        3,
        "",
        "ghost",
        "pending",
    )
    assert request.labels == () and request.branch == "" and request.fork


def test_gitlab_fields_of_the_wrong_type_are_read_as_missing(
    gl_repo: GitRepo, gitlab: FakeHost
) -> None:
    mr = {"iid": 4, "state": "opened", "labels": "on-hold", "author": ["x"], "closed_at": 5}
    gitlab.fail("/merge_requests$", 200, body=[mr])
    gitlab.fail("/approvals$", 200, body={"approved": True, "approved_by": 3})
    with forge.connect(gl_repo.path, env=gitlab.env()) as host:
        [request] = host.requests()
    assert (request.number, request.author, request.labels, request.status) == (
        4,
        "",
        (),
        "pending",  # approved, but by nobody it can name
    )


@pytest.mark.parametrize("kind", ["github", "gitlab"])
@pytest.mark.parametrize(
    "comment_id", ["abc", 1e300, -5, None, True], ids=["text", "float", "negative", "null", "bool"]
)
def test_a_comment_without_a_usable_id(
    kind: str, comment_id: object, request: pytest.FixtureRequest
) -> None:
    host, repo = with_request(kind, request)
    path = "/comments$" if kind == "github" else "/notes$"
    host.fail(path, 200, body=[{"id": comment_id, "body": f"{MARKER}\nold", "user": "x"}])
    noun = "comment" if kind == "github" else "note"
    assert f"(a {noun} without an id)" in failure(repo, host, "comments")


def test_a_comment_created_without_an_id_says_so(gh_repo: GitRepo, github: FakeHost) -> None:
    github.add_request(1, "One")
    github.fail("/comments$", 201, body=None, method="POST")
    result = gitinv("-C", str(gh_repo.path), "comment", "--pr", "1", env=github.env(), stdin="r")
    assert result.returncode == 2 and result.stdout == ""
    assert "answered creating a comment with something unexpected" in result.stderr


@pytest.mark.parametrize(
    "token",
    ["tok_s3cr3t\r\nX-Injected: 1", "tok_s3cr3t two-words", "tok_s3cr3t\tvalue", "tök_s3cr3t"],
    ids=["line-break", "space", "tab", "not-ascii"],
)
@pytest.mark.parametrize("kind", ["github", "gitlab"])
def test_a_token_with_characters_no_token_has_is_refused_unseen(
    kind: str, token: str, request: pytest.FixtureRequest
) -> None:
    host, repo = with_request(kind, request)
    env = {**host.env(), "GITINV_TOKEN": token}
    result = gitinv("-C", str(repo.path), "comment", "--pr", "1", env=env, stdin="report")
    assert result.returncode == 2 and host.calls == []
    assert result.stderr == (
        "gitinv: error: GITINV_TOKEN holds a space, a line break or another character no "
        "token has; set it to the token alone\n"
    )
    assert "s3cr3t" not in result.stdout + result.stderr
    no_token_anywhere(result, repo.path)


@pytest.mark.parametrize(
    ("api", "expected"),
    [
        ("http://127.0.0.1:9/api/v3?private_token=x", "without `?` or `#`"),
        ("http://127.0.0.1:9/api/v3#x", "without `?` or `#`"),
        ("http://[::1/api/v3", "must be an http(s) URL"),
        ("http://127.0.0.1:99999999/api/v3", "must be an http(s) URL"),
    ],
)
def test_an_api_address_that_is_not_one(gh_repo: GitRepo, api: str, expected: str) -> None:
    env = {"GITINV_API_URL": api, "GITINV_TOKEN": TOKEN}
    result = gitinv("-C", str(gh_repo.path), "comment", "--pr", "1", env=env, stdin="report")
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert expected in result.stderr and "Traceback" not in result.stderr
