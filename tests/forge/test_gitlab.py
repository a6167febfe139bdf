"""GitLab's merge requests through the forge layer, against a fake GitLab on 127.0.0.1."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gitinv import forge
from gitinv.errors import GitinvError
from tests.conftest import GitRepo
from tests.forge.conftest import JOB_TOKEN, TOKEN
from tests.forge.fakehost import FakeHost, stamp


def queue(gitlab: FakeHost) -> None:
    gitlab.add_request(1, "Nothing decided yet")  # Free: approved true, nobody approved
    gitlab.add_request(2, "Draft work", draft=True)
    gitlab.add_request(3, "Parked", labels=("on-hold",))
    gitlab.add_request(4, "Needs changes", labels=("gitinv", "changes-requested"))
    gitlab.add_request(5, "Approved")
    gitlab.set_approvals(5, approved=True, by=("bob",))
    gitlab.add_request(6, "One of two approvals")
    gitlab.set_approvals(6, approved=False, by=("bob",), left=1)
    gitlab.add_request(7, "From a fork", author="eve", branch="patch-1", fork=True)
    gitlab.add_request(8, "Merged", state="merged", created=9, merged=2)
    gitlab.add_request(9, "Closed unmerged", state="closed", created=9, closed=3)
    gitlab.add_request(10, "Closed long ago", state="closed", created=60, closed=40)


def test_every_status_from_gitlabs_data(gl_repo: GitRepo, gitlab: FakeHost) -> None:
    queue(gitlab)
    with forge.connect(gl_repo.path, env=gitlab.env()) as host:
        found = {r.number: r for r in host.requests("all")}
    assert {n: r.status for n, r in found.items()} == {
        1: "pending",
        2: "on-hold",
        3: "on-hold",
        4: "changes-requested",
        5: "approved",
        6: "pending",
        7: "pending",
        9: "rejected",
    }
    assert found[5].approved_by == ("bob",) and found[6].approved_by == ("bob",)
    seven = found[7]
    assert seven.fork and seven.ref == "refs/merge-requests/7/head"
    assert (seven.branch, seven.base, seven.author) == ("patch-1", "main", "eve")
    assert seven.url == "https://gitlab.example.com/acme/inventory/-/merge_requests/7"
    assert seven.created == stamp(3)


def test_pages_by_link_and_approvals_only_where_undecided(
    gl_repo: GitRepo, gitlab: FakeHost
) -> None:
    queue(gitlab)
    with forge.connect(gl_repo.path, env=gitlab.env()) as host:
        assert len(host.requests()) == 7
    listing = gitlab.listing_calls()
    assert [c.query.get("page", "1") for c in listing] == ["1", "2", "3", "4"]
    assert all(c.query["state"] == "opened" for c in listing)
    asked = sorted(int(c.path.split("/")[-2]) for c in gitlab.per_request_calls())
    assert asked == [1, 5, 6, 7]  # drafts, on-hold and changes-requested need none
    assert all(c.headers["private-token"] == TOKEN for c in gitlab.calls)
    assert all(c.path.startswith("/api/v4/projects/acme%2Finventory/") for c in gitlab.calls)


def test_closed_ones_are_asked_for_since_the_cutoff(gl_repo: GitRepo, gitlab: FakeHost) -> None:
    queue(gitlab)
    now = datetime.now(UTC)
    with forge.connect(gl_repo.path, env=gitlab.env()) as host:
        host.requests("all", now=now)
    closed = [c for c in gitlab.listing_calls() if c.query["state"] == "closed"]
    assert len(closed) == 1 and closed[0].query["order_by"] == "updated_at"
    assert (
        closed[0].query["updated_after"][:10]
        == f"{now.year:04d}-" + closed[0].query["updated_after"][5:10]
    )
    assert datetime.fromisoformat(closed[0].query["updated_after"]) < now


def test_the_job_token_reads_with_its_own_header(gl_repo: GitRepo, gitlab: FakeHost) -> None:
    queue(gitlab)
    env = {
        "GITINV_API_URL": gitlab.api,
        "CI_JOB_TOKEN": JOB_TOKEN,
        "GITLAB_CI": "true",
        "CI_PROJECT_ID": "4242",
    }
    with forge.connect(gl_repo.path, env=env) as host:
        assert len(host.requests()) == 7
    assert all(c.headers.get("job-token") == JOB_TOKEN for c in gitlab.calls)
    assert all("private-token" not in c.headers for c in gitlab.calls)
    assert all(c.path.startswith("/api/v4/projects/4242/") for c in gitlab.calls)
    with pytest.raises(GitinvError, match="CI_JOB_TOKEN cannot write to merge requests"):
        forge.connect(gl_repo.path, env=env, write=True)


def test_create_merge_request(gl_repo: GitRepo, gitlab: FakeHost) -> None:
    env = gitlab.env(GITINV_TOKEN="", GITLAB_TOKEN=TOKEN)
    with forge.connect(gl_repo.path, env=env, write=True) as host:
        made = host.create_request(
            branch="request/add/web09",
            base="main",
            title="Add web09",
            body="Sale capacity",
            labels=("gitinv", "capacity"),
        )
    assert made.number == 1 and made.status == "pending" and made.labels == ("gitinv", "capacity")
    posts = [c for c in gitlab.calls if c.method == "POST"]
    assert len(posts) == 1 and posts[0].body == {
        "source_branch": "request/add/web09",
        "target_branch": "main",
        "title": "Add web09",
        "description": "Sale capacity",
        "remove_source_branch": True,
        "labels": "gitinv,capacity",
    }
    with (
        forge.connect(gl_repo.path, env=env) as host,
        pytest.raises(GitinvError, match="Another open merge request already exists"),
    ):
        host.create_request(branch="request/add/web09", base="main", title="t", body="b")


@pytest.mark.parametrize(
    ("status", "headers", "expected"),
    [
        (401, {}, "GitLab refused the token in GITINV_TOKEN (401 Unauthorized)"),
        (403, {}, "lacks the permission; it needs the `read_api` scope"),
        (404, {}, "GitLab found no repository acme/inventory (404"),
        (429, {"RateLimit-Reset": "@reset"}, "GitLab's API rate limit is reached (429"),
    ],
    ids=["401", "403", "404", "429"],
)
def test_failures_are_one_clear_line(
    gl_repo: GitRepo, gitlab: FakeHost, status: int, headers: dict[str, str], expected: str
) -> None:
    reset = str(int(datetime.now(UTC).timestamp()) + 300)
    gitlab.fail(
        "/merge_requests$",
        status,
        headers={k: v.replace("@reset", reset) for k, v in headers.items()},
        body={"message": f"{status} said the host"},
    )
    with forge.connect(gl_repo.path, env=gitlab.env()) as host, pytest.raises(GitinvError) as err:
        host.requests()
    assert expected in err.value.message and "\n" not in err.value.message
    if status == 429:
        assert "(in 5 min); run again then" in err.value.message


def test_pages_by_x_next_page_alone(gl_repo: GitRepo, gitlab: FakeHost) -> None:
    for number in (1, 2, 3):
        gitlab.add_request(number, f"Request {number}", draft=True)
    with forge.connect(gl_repo.path, env=gitlab.env()) as host:
        assert [r.number for r in host.requests()] == [1, 2, 3]
    assert [c.query.get("page", "1") for c in gitlab.listing_calls()] == ["1", "2"]
