"""`gitinv pending` with a token: the requests as the code host lists them, what each
changes read from the host's refs in one fetch; and without one, branches main has."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gitinv.commands import pending
from gitinv.diffformat import md_cell
from tests.conftest import server
from tests.forge.conftest import gitinv, no_token_anywhere
from tests.forge.fakehost import FakeHost
from tests.forge.hub import DB01, DC, WEB01, WEB02, Hub


@pytest.fixture
def gh_hub(tmp_path: Path, github: FakeHost) -> Hub:
    return Hub(tmp_path, github)


@pytest.fixture
def gl_hub(tmp_path: Path, gitlab: FakeHost) -> Hub:
    return Hub(tmp_path, gitlab)


@pytest.fixture
def token(monkeypatch: pytest.MonkeyPatch, github: FakeHost) -> None:
    for key, value in github.env().items():
        monkeypatch.setenv(key, value)


def edit(hub: Hub, path: str, old: str, new: str) -> str:
    return hub.text(path).replace(old, new)


def run_json(hub: Hub, capsys: pytest.CaptureFixture[str], **kw: object) -> tuple[int, dict]:  # type: ignore[type-arg]
    capsys.readouterr()
    code = pending.run(repo=hub.path, fmt="json", **kw)  # type: ignore[arg-type]
    captured = capsys.readouterr()
    return code, json.loads(captured.out)


def github_queue(hub: Hub) -> None:
    """A request in each status GitHub can give, and one from a fork."""
    h = hub.host
    hub.request(
        1,
        "Update web01: state",
        {WEB01: edit(hub, WEB01, "state: active", "state: maintenance")},
        author="ada",
        created=3,
    )
    hub.request(
        2,
        "Draft: new web",
        {"inventory/servers/web/web03.yaml": server("10.0.0.3", dc=DC)},
        draft=True,
        author="bob",
        branch="request/add/web03",
    )
    hub.request(3, "Retire db01", {DB01: None}, branch="request/delete/db01", author="carol")
    h.add_review(3, "dave", "CHANGES_REQUESTED")
    hub.request(4, "Describe web02", {WEB02: hub.text(WEB02) + ""}, author="eve")  # no change
    hub.request(
        5,
        "web02 staging to production",
        {WEB02: edit(hub, WEB02, "environment: staging", "environment: production")},
        author="eve",
    )
    h.add_review(5, "dave", "APPROVED")
    hub.request(
        6,
        "From a fork: web04",
        {"inventory/servers/web/web04.yaml": server("10.0.0.4", dc=DC)},
        fork=True,
        branch="patch-1",
        author="mallory",
    )
    hub.request(
        7,
        "Rejected last week",
        {WEB01: edit(hub, WEB01, "state: active", "state: offline")},
        state="closed",
        created=9,
        closed=5,
        branch="request/update/web01-old",
    )


def test_every_status_from_the_host_and_changes_from_git(
    gh_hub: Hub, github: FakeHost, token: None, capsys: pytest.CaptureFixture[str]
) -> None:
    github_queue(gh_hub)
    code, doc = run_json(gh_hub, capsys)
    assert code == 0, doc
    assert doc["source"] == "github" and doc["main"] == gh_hub.main() and doc["ok"] is True
    found = {r["number"]: r for r in doc["requests"]}
    # #4 changes nothing in inventory/: left out; #7 is closed: only with --state all.
    assert sorted(found) == [1, 2, 3, 5, 6]
    assert {n: r["status"] for n, r in found.items()} == {
        1: "pending",
        2: "on-hold",
        3: "changes-requested",
        5: "approved",
        6: "pending",
    }
    one = found[1]
    assert one["title"] == "Update web01: state" and one["author"] == "ada"
    assert one["url"] == "https://github.com/acme/inventory/pull/1"
    assert one["branch"] == "request/update/pr1" and one["fork"] is False
    assert one["servers"] == [
        {
            "name": "web01",
            "group": "web",
            "old_group": None,
            "action": "updated",
            "changes": {"state": ["active", "maintenance"]},
        }
    ]
    assert one["valid"] is True and one["findings"] == [] and one["clashes"] == []
    assert one["created"].endswith("Z")
    assert [s["action"] for s in found[2]["servers"]] == ["added"]
    assert [s["action"] for s in found[3]["servers"]] == ["deleted"]
    # A fork's request has no branch here: its changes come from refs/pull/6/head.
    assert found[6]["fork"] is True and found[6]["branch"] == "patch-1"
    assert found[6]["servers"][0]["name"] == "web04"
    # One listing call per page, and the reviews of the requests not on hold.
    assert len(github.listing_calls()) == 3  # 6 open requests, 2 a page (the fake's cap)
    assert sorted({int(c.path.split("/")[-2]) for c in github.per_request_calls()}) == [
        1,
        3,
        4,
        5,
        6,
    ]


def test_state_all_adds_the_rejected_ones(
    gh_hub: Hub, github: FakeHost, token: None, capsys: pytest.CaptureFixture[str]
) -> None:
    github_queue(gh_hub)
    github.add_request(8, "Closed long ago", state="closed", created=60, closed=45)
    gh_hub.request(
        9,
        "Merged yesterday",
        {WEB02: edit(gh_hub, WEB02, "state: planned", "state: active")},
        state="merged",
        created=4,
        merged=1,
    )
    code, doc = run_json(gh_hub, capsys, state="all")
    assert code == 0
    found = {r["number"]: r for r in doc["requests"]}
    assert sorted(found) == [1, 2, 3, 5, 6, 7]
    assert found[7]["status"] == "rejected"
    assert found[7]["servers"][0]["changes"] == {"state": ["active", "offline"]}
    # #7 and #1 both change web01, but a rejected request clashes with nothing.
    assert found[1]["clashes"] == [] and found[7]["clashes"] == []


def test_clashes_between_two_open_requests(
    gh_hub: Hub, token: None, capsys: pytest.CaptureFixture[str]
) -> None:
    gh_hub.request(1, "web03", {"inventory/servers/web/web03.yaml": server("10.0.0.9", dc=DC)})
    gh_hub.request(2, "web04", {"inventory/servers/web/web04.yaml": server("10.0.0.9", dc=DC)})
    gh_hub.request(3, "web01 off", {WEB01: edit(gh_hub, WEB01, "state: active", "state: offline")})
    gh_hub.request(4, "web01 ip", {WEB01: edit(gh_hub, WEB01, "ip: 10.0.0.1", "ip: 10.0.0.11")})
    gh_hub.request(5, "db01 off", {DB01: edit(gh_hub, DB01, "state: active", "state: offline")})
    code, doc = run_json(gh_hub, capsys)
    assert code == 1 and doc["ok"] is False
    clashes = {r["number"]: r["clashes"] for r in doc["requests"]}
    assert clashes[1] == [
        {"number": 2, "branch": "request/update/pr2", "reason": "both claim IP 10.0.0.9"}
    ]
    assert clashes[2] == [
        {"number": 1, "branch": "request/update/pr1", "reason": "both claim IP 10.0.0.9"}
    ]
    assert clashes[3] == [
        {"number": 4, "branch": "request/update/pr4", "reason": "both change server web01"}
    ]
    assert clashes[5] == []
    assert all(r["valid"] for r in doc["requests"])  # each is valid on its own
    assert pending.run(repo=gh_hub.path, fmt="text") == 1
    out = capsys.readouterr().out
    assert "conflict: #1 and #2 both claim IP 10.0.0.9" in out
    assert "conflict: #3 and #4 both change server web01" in out


def test_invalid_and_conflicting_with_main(
    gh_hub: Hub, token: None, capsys: pytest.CaptureFixture[str]
) -> None:
    base = gh_hub.main()
    gh_hub.request(1, "web02 takes web01's IP", {WEB02: server("10.0.0.1", dc=DC)})
    gh_hub.request(
        2, "web01 offline", {WEB01: edit(gh_hub, WEB01, "state: active", "state: offline")}
    )
    # main moves on: web01 changes there too, so #2 no longer merges.
    moved = gh_hub.commit({WEB01: edit(gh_hub, WEB01, "state: active", "state: planned")}, "x")
    gh_hub.git_bare("update-ref", "refs/heads/main", moved, base)
    code, doc = run_json(gh_hub, capsys)
    assert code == 1
    found = {r["number"]: r for r in doc["requests"]}
    assert [f["code"] for f in found[1]["findings"]] == ["duplicate-ip", "duplicate-ip"]
    assert found[1]["valid"] is False and found[1]["merges_cleanly"] is True
    assert found[2]["merges_cleanly"] is False and found[2]["conflicted_files"] == [WEB01]
    assert doc["main"] == moved


def test_merged_branches_left_behind_are_not_pending(
    gh_hub: Hub,
    github: FakeHost,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Merged (merge commit) and squash-merged branches stay on the remote: neither the
    host's list nor the branch fallback shows them."""
    gh_hub.request(
        1,
        "web01 off",
        {WEB01: edit(gh_hub, WEB01, "state: active", "state: offline")},
        branch="request/update/web01",
        state="merged",
        merged=1,
    )
    gh_hub.merge("request/update/web01")
    gh_hub.request(
        2,
        "web02 prod",
        {WEB02: edit(gh_hub, WEB02, "environment: staging", "environment: production")},
        branch="request/update/web02",
        state="merged",
        merged=1,
    )
    gh_hub.merge("request/update/web02", squash=True)
    # After the squash, main changes web02 again: the old branch must not come back.
    again = gh_hub.commit({WEB02: edit(gh_hub, WEB02, "state: planned", "state: active")}, "y")
    gh_hub.git_bare("update-ref", "refs/heads/main", again)
    gh_hub.request(
        3,
        "db01 off",
        {DB01: edit(gh_hub, DB01, "state: active", "state: offline")},
        branch="request/update/db01",
    )
    # Without a token: the branches, less the two merged ones.
    code, doc = run_json(gh_hub, capsys)
    assert code == 0 and doc["source"] == "branches"
    assert [r["branch"] for r in doc["requests"]] == ["request/update/db01"]
    assert doc["requests"][0]["number"] is None and doc["requests"][0]["status"] == "pending"
    # With one: the host's open list.
    for key, value in github.env().items():
        monkeypatch.setenv(key, value)
    code, doc = run_json(gh_hub, capsys)
    assert code == 0 and doc["source"] == "github"
    assert [r["number"] for r in doc["requests"]] == [3]


def test_no_token_says_so_on_stderr_only(gh_hub: Hub) -> None:
    gh_hub.request(1, "db01 off", {DB01: edit(gh_hub, DB01, "state: active", "state: offline")})
    result = gitinv("-C", str(gh_hub.path), "pending", "--format", "json", env={})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["source"] == "branches"
    (line,) = result.stderr.splitlines()
    assert "no code-host token" in line and "GITINV_TOKEN or GITHUB_TOKEN" in line


def test_one_fetch_one_listing_call_a_page_and_no_token_in_output(
    gh_hub: Hub, github: FakeHost
) -> None:
    for n in range(1, 8):
        path = f"inventory/servers/web/new{n}.yaml"
        gh_hub.request(n, f"new{n}", {path: server(f"10.0.5.{n}", dc=DC)}, draft=n % 2 == 0)
    gh_hub.count_fetches()
    result = gitinv("-C", str(gh_hub.path), "pending", env=github.env())
    assert result.returncode == 0, result.stderr
    assert gh_hub.fetches() == 1
    assert len(github.listing_calls()) == 4  # 7 requests, 2 a page
    # Reviews only for the four not on hold; nothing else per request.
    assert len(github.per_request_calls()) == 4
    assert len(github.calls) == 8
    assert "#1 (" in result.stdout and "https://github.com/acme/inventory/pull/1" in result.stdout
    assert '"new1" by ada' in result.stdout and "old, pending" in result.stdout
    assert result.stderr == ""
    no_token_anywhere(result, gh_hub.path, gh_hub.bare)
    # The fetched refs are gitinv's own, and go when their request is no longer listed.
    refs = gh_hub.work.git("for-each-ref", "--format=%(refname)", "refs/gitinv")
    assert refs.split() == sorted(f"refs/gitinv/requests/{n}" for n in range(1, 8))
    del github.requests[3]
    assert gitinv("-C", str(gh_hub.path), "pending", env=github.env()).returncode == 0
    refs = gh_hub.work.git("for-each-ref", "--format=%(refname)", "refs/gitinv")
    assert "refs/gitinv/requests/3" not in refs.split() and len(refs.split()) == 6


def test_markdown_lists_requests_with_links(
    gh_hub: Hub, token: None, capsys: pytest.CaptureFixture[str]
) -> None:
    gh_hub.request(
        1, "Update web01: state", {WEB01: edit(gh_hub, WEB01, "state: active", "state: offline")}
    )
    capsys.readouterr()
    assert pending.run(repo=gh_hub.path, fmt="markdown") == 0
    out = capsys.readouterr().out
    # "#1" as text is kept from turning into a link to issue 1 (see gitinv.markdown).
    label = f"[{md_cell('#1')}](https://github.com/acme/inventory/pull/1)"
    assert f"| {label} Update web01: state | pending | ada |" in out
    assert "updated server web01 (web): state active → offline" in out


def test_gitlab_statuses_and_merge_request_refs(
    gl_hub: Hub,
    gitlab: FakeHost,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for key, value in gitlab.env().items():
        monkeypatch.setenv(key, value)
    gl_hub.request(1, "web01 off", {WEB01: edit(gl_hub, WEB01, "state: active", "state: offline")})
    gitlab.set_approvals(1, approved=False, left=1)
    gl_hub.request(
        2,
        "db01 off",
        {DB01: edit(gl_hub, DB01, "state: active", "state: offline")},
        labels=("changes-requested",),
    )
    gl_hub.request(3, "web02 prod", {WEB02: edit(gl_hub, WEB02, "state: planned", "state: active")})
    gitlab.set_approvals(3, approved=True, by=("dave",))
    gl_hub.request(
        4,
        "new web",
        {"inventory/servers/web/web07.yaml": server("10.0.0.7", dc=DC)},
        fork=True,
        draft=True,
    )
    gl_hub.request(5, "closed", {WEB01: None}, state="closed", created=6, closed=2)
    code, doc = run_json(gl_hub, capsys, state="all")
    assert code == 0 and doc["source"] == "gitlab"
    assert {r["number"]: r["status"] for r in doc["requests"]} == {
        1: "pending",
        2: "changes-requested",
        3: "approved",
        4: "on-hold",
        5: "rejected",
    }
    found = {r["number"]: r for r in doc["requests"]}
    assert found[4]["servers"][0]["name"] == "web07" and found[4]["fork"] is True
    assert found[1]["url"] == "https://gitlab.example.com/acme/inventory/-/merge_requests/1"
    refs = gl_hub.work.git("for-each-ref", "--format=%(refname) %(objectname)", "refs/gitinv")
    assert (
        f"refs/gitinv/requests/4 {gl_hub.git_bare('rev-parse', 'refs/merge-requests/4/head')}"
        in refs
    )
