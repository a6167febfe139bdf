"""`gitinv request ... --open`: push, then one pull/merge request through the API; and
the "already pending" refusal asking the host which requests are open."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import GitRepo
from tests.forge.conftest import JOB_TOKEN, gitinv, no_token_anywhere
from tests.forge.fakehost import FakeHost
from tests.forge.hub import DB01, WEB01, Hub

UPDATE = ["request", "update", "web01", "--set", "state=maintenance", "--comment", "Kernel upgrade"]


@pytest.fixture
def gh_hub(tmp_path: Path, github: FakeHost) -> Hub:
    return Hub(tmp_path, github)


@pytest.fixture
def gl_hub(tmp_path: Path, gitlab: FakeHost) -> Hub:
    return Hub(tmp_path, gitlab)


def heads(path: Path) -> set[str]:
    out = GitRepo(path, init=False).git("for-each-ref", "--format=%(refname)", "refs/heads")
    return set(out.split())


def posts(host: FakeHost, tail: str) -> list[object]:
    return [c for c in host.calls if c.method == "POST" and c.path.endswith(tail)]


def test_open_creates_exactly_one_pull_request(gh_hub: Hub, github: FakeHost) -> None:
    result = gitinv(
        "-C",
        str(gh_hub.path),
        *UPDATE,
        "--reviewer",
        "@acme/web-leads",
        "--open",
        env=github.env(),
    )
    assert result.returncode == 0, result.stderr
    (call,) = posts(github, "/pulls")
    assert call.body["title"] == "Update web01: state"  # type: ignore[attr-defined]
    assert call.body["head"] == "request/update/web01" and call.body["base"] == "main"  # type: ignore[attr-defined]
    body = call.body["body"]  # type: ignore[attr-defined]
    assert body.startswith("Kernel upgrade\n\nReview asked of @acme/web-leads.")
    assert "| ✏️ | ` state ` | ` active ` | **` maintenance `** |" in body
    assert github.labels_added == {1: ["gitinv"]}
    assert "opened pull request #1: https://github.com/acme/inventory/pull/1" in result.stdout
    assert "refs/heads/request/update/web01" in heads(gh_hub.bare)
    assert "refs/heads/request/update/web01" in heads(gh_hub.path)
    no_token_anywhere(result, gh_hub.path, gh_hub.bare)
    # The request it opened is now open on the host: a second one for web01 is refused.
    github.requests[1]["head"]["sha"] = gh_hub.git_bare(
        "rev-parse", "refs/heads/request/update/web01"
    )
    gh_hub.git_bare("update-ref", "refs/pull/1/head", "refs/heads/request/update/web01")
    again = gitinv(
        "-C",
        str(gh_hub.path),
        "request",
        "delete",
        "web01",
        "--comment",
        "Gone",
        "--open",
        env=github.env(),
    )
    assert again.returncode == 1
    assert (
        "an open request already touches server web01: branch request/update/web01 "
        "(pull request #1, https://github.com/acme/inventory/pull/1)"
    ) in again.stderr
    assert len(posts(github, "/pulls")) == 1


def test_open_on_gitlab_labels_the_merge_request(gl_hub: Hub, gitlab: FakeHost) -> None:
    result = gitinv(
        "-C",
        str(gl_hub.path),
        "request",
        "delete",
        "db01",
        "--comment",
        "Retired",
        "--open",
        env=gitlab.env(),
    )
    assert result.returncode == 0, result.stderr
    (call,) = posts(gitlab, "/merge_requests")
    assert call.body["title"] == "Delete db01" and call.body["labels"] == "gitinv"  # type: ignore[attr-defined]
    assert call.body["source_branch"] == "request/delete/db01"  # type: ignore[attr-defined]
    assert call.body["description"].startswith("Retired\n")  # type: ignore[attr-defined]
    assert (
        "opened merge request !1: https://gitlab.example.com/acme/inventory/-/merge_requests/1"
        in result.stdout
    )


def test_open_needs_a_token_that_writes(gl_hub: Hub, gitlab: FakeHost) -> None:
    before = heads(gl_hub.bare), heads(gl_hub.path)
    result = gitinv("-C", str(gl_hub.path), *UPDATE, "--open", env={})
    assert result.returncode == 2 and "no GitLab token" in result.stderr
    job = {"GITINV_API_URL": gitlab.api, "CI_JOB_TOKEN": JOB_TOKEN}
    result = gitinv("-C", str(gl_hub.path), *UPDATE, "--open", env=job)
    assert result.returncode == 2 and "CI_JOB_TOKEN cannot write" in result.stderr
    assert (heads(gl_hub.bare), heads(gl_hub.path)) == before
    assert gitlab.calls == []


def test_a_failed_api_call_after_the_push_says_what_exists(gh_hub: Hub, github: FakeHost) -> None:
    github.fail(r"/pulls$", 502, method="POST", body={"message": "Server Error"})
    local = heads(gh_hub.path)
    tree = gh_hub.work.git("status", "--porcelain")
    result = gitinv("-C", str(gh_hub.path), *UPDATE, "--open", env=github.env())
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("gitinv: error: GitHub answered 502")
    assert lines[1] == (
        "branch request/update/web01 is pushed to origin, and nothing else was changed "
        "(no local branch); open it at "
        "https://github.com/acme/inventory/compare/main...request/update/web01?expand=1, "
        "or remove it with `git push origin --delete request/update/web01`"
    )
    assert "refs/heads/request/update/web01" in heads(gh_hub.bare)
    assert heads(gh_hub.path) == local and gh_hub.work.git("status", "--porcelain") == tree
    assert "Traceback" not in result.stderr
    no_token_anywhere(result, gh_hub.path)


def left_behind(hub: Hub) -> str:
    """A request for web01 merged by squash and one for db01 closed unmerged, both
    with their branches left on the remote (GitHub's default); web01's edited text."""
    edited = hub.text(WEB01).replace("state: active", "state: offline")
    hub.request(
        1, "web01 off", {WEB01: edited}, branch="request/update/web01", state="merged", merged=1
    )
    hub.merge("request/update/web01", squash=True)
    hub.request(
        2,
        "db01 off",
        {DB01: hub.text(DB01).replace("state: active", "state: offline")},
        branch="request/update/db01",
        state="closed",
        closed=1,
    )
    return edited


def test_merged_and_closed_branches_never_block(gh_hub: Hub, github: FakeHost) -> None:
    edited = left_behind(gh_hub)
    for args in (
        UPDATE,
        ["request", "update", "db01", "--set", "state=maintenance", "--comment", "Disk swap"],
    ):
        result = gitinv("-C", str(gh_hub.path), *args, "--push", env=github.env())
        assert result.returncode == 0, result.stderr
        name = "request/update/" + args[2]
        assert f"created branch {name}-2 from origin/main" in result.stdout
        assert f"({name} on origin is left from an earlier request, merged or closed" in (
            result.stdout
        )
    assert {"refs/heads/request/update/web01-2", "refs/heads/request/update/db01-2"} <= heads(
        gh_hub.bare
    )
    # The branches left behind are as they were.
    assert gh_hub.text(WEB01, "refs/heads/request/update/web01") == edited


def test_without_a_token_a_merged_branch_does_not_block(gh_hub: Hub) -> None:
    left_behind(gh_hub)
    web02 = "inventory/servers/web/web02.yaml"
    gh_hub.request(
        3,
        "web02 active",
        {web02: gh_hub.text(web02).replace("state: planned", "state: active")},
        branch="request/update/web02",
        state="merged",
        merged=1,
    )
    gh_hub.merge("request/update/web02")  # a merge commit: the branch is an ancestor
    result = gitinv("-C", str(gh_hub.path), *UPDATE, "--push", env={})
    assert result.returncode == 0, result.stderr
    assert "created branch request/update/web01-2" in result.stdout
    again = ["request", "update", "web02", "--set", "state=offline", "--comment", "Off"]
    result = gitinv("-C", str(gh_hub.path), *again, env={})
    assert result.returncode == 0, result.stderr
    assert "created branch request/update/web02-2" in result.stdout
    # The closed one does: git alone cannot tell a rejected branch from one in review.
    result = gitinv("-C", str(gh_hub.path), "request", "delete", "db01", "--comment", "x", env={})
    assert result.returncode == 1
    assert "already touches server db01: branch request/update/db01;" in result.stderr


def test_unpushed_local_requests_still_block_with_a_token(gh_hub: Hub, github: FakeHost) -> None:
    add = [
        "request",
        "add",
        "web05",
        "--group",
        "web",
        "--set",
        "component=nginx",
        "--set",
        "ip=10.0.0.5",
        "--set",
        "dc=dc4",
        "--set",
        "environment=production",
        "--set",
        "state=planned",
        "--comment",
        "More",
    ]
    assert gitinv("-C", str(gh_hub.path), *add, env=github.env()).returncode == 0
    other = [*add[:2], "web06", *add[3:]]
    result = gitinv("-C", str(gh_hub.path), *other, env=github.env())
    assert result.returncode == 1
    assert "already touches IP 10.0.0.5: branch request/add/web05" in result.stderr
    # Listing the open requests for a refusal needs no reviews.
    assert github.per_request_calls() == []


def test_ip_next_skips_what_the_hosts_open_requests_claim(gh_hub: Hub, github: FakeHost) -> None:
    """A fork's request has no branch on the remote: only the host knows it is open."""
    new = "inventory/servers/web/web08.yaml"
    text = "component: nginx\nip: 10.0.0.2\ndc: dc4\nenvironment: production\nstate: planned\n"
    gh_hub.request(3, "web08", {new: text}, fork=True, branch="patch-1")
    without = gitinv("-C", str(gh_hub.path), "ip", "next", "dc4", env={})
    assert without.returncode == 0, without.stderr
    assert without.stdout == "10.0.0.2\n"
    with_token = gitinv("-C", str(gh_hub.path), "ip", "next", "dc4", env=github.env())
    assert with_token.returncode == 0, with_token.stderr
    assert with_token.stdout == "10.0.0.3\n"
