"""requests_host in-process: ages, titles, a request whose ref the remote lacks, and
`request --open` run through `run()` (the command line tests run it as a process)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gitinv import git, requests_host
from gitinv.changes import Change
from gitinv.commands import pending, request
from gitinv.diff import InventoryDiff
from gitinv.errors import GitinvError
from tests.conftest import server
from tests.forge.fakehost import FakeHost
from tests.forge.hub import DB01, DC, WEB01, Hub

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def gh_hub(tmp_path: Path, github: FakeHost, monkeypatch: pytest.MonkeyPatch) -> Hub:
    for key, value in github.env().items():
        monkeypatch.setenv(key, value)
    return Hub(tmp_path, github)


@pytest.mark.parametrize(
    ("created", "said"),
    [
        ("2026-02-26T12:00:00Z", "3 days"),
        ("2026-02-28T12:00:00Z", "1 day"),
        ("2026-03-01T07:00:00+00:00", "5 hours"),
        ("2026-03-01T11:59:00", "1 minute"),
        ("2026-03-01T11:59:59Z", "now"),
        ("2026-03-02T00:00:00Z", "now"),  # a clock ahead of ours
        ("yesterday", "unknown age"),
    ],
)
def test_age_in_words(created: str, said: str) -> None:
    assert requests_host.age(created, NOW) == said


@pytest.mark.parametrize(
    ("created", "said"),
    [
        ("2026-02-26T12:00:00Z", "3 days old"),
        ("2026-03-01T11:59:59Z", "opened just now"),
        ("yesterday", "of unknown age"),
    ],
)
def test_age_in_a_sentence(created: str, said: str) -> None:
    """`pending`'s line says "3 days old", never "now old"."""
    assert requests_host.age_said(created, NOW) == said


def _change(action: str, changes: dict[str, tuple[object, object]], group: str = "web") -> Change:
    return Change("server", "web01", action, changes, group=group)


@pytest.mark.parametrize(
    ("branch", "changes", "title"),
    [
        ("request/add/web01", [_change("added", {})], "Add web01 to web"),
        (
            "request/update/web01-2",
            [_change("updated", {"state": ("a", "b"), "ip": ("1", "2")})],
            "Update web01: state, ip",
        ),
        ("request/delete/web01", [_change("deleted", {})], "Delete web01"),
        ("request/move/web01", [_change("moved", {}, group="data")], "Move web01 to data"),
        ("request/revert/pr-4", [_change("updated", {"state": ("a", "b")})], "the subject"),
        ("request/import/rows", [_change("added", {}), _change("added", {})], "the subject"),
        ("patch-1", [_change("added", {})], "the subject"),
    ],
)
def test_titles_from_action_and_server(branch: str, changes: list[Change], title: str) -> None:
    diff = InventoryDiff("a" * 40, "b" * 40, changes)
    assert requests_host.title(branch, diff, "the subject") == title


def test_a_request_whose_ref_is_missing_is_left_out_and_said(
    gh_hub: Hub, github: FakeHost, capsys: pytest.CaptureFixture[str]
) -> None:
    off = gh_hub.text(WEB01).replace("state: active", "state: offline")
    gh_hub.request(1, "web01 off", {WEB01: off})
    github.add_request(2, "Its ref is gone")  # listed by the host, not on the remote
    gh_hub.request(3, "db01 gone", {DB01: None})
    github.add_request(4, "Into another branch")
    github.requests[4]["base"]["ref"] = "release"
    capsys.readouterr()
    assert pending.run(repo=gh_hub.path, fmt="json") == 0
    captured = capsys.readouterr()
    assert [r["number"] for r in json.loads(captured.out)["requests"]] == [1, 3]
    assert captured.err == ("gitinv: left out pull request #2: refs/pull/2/head is not on origin\n")


def test_pending_with_no_remote_at_all(gh_hub: Hub) -> None:
    gh_hub.work.git("remote", "remove", "origin")
    with pytest.raises(GitinvError, match="no remote to read branches from"):
        pending.run(repo=gh_hub.path)
    with pytest.raises(GitinvError, match="no remote named 'upstream'"):
        pending.run(repo=gh_hub.path, remote_name="upstream")


def test_request_open_in_process(
    gh_hub: Hub, github: FakeHost, capsys: pytest.CaptureFixture[str]
) -> None:
    new = "inventory/servers/web/web05.yaml"
    taken = "request/add/web05"
    # A closed request left its branch under the name this one wants.
    gh_hub.request(
        1, "web05 before", {new: server("10.0.0.50", dc=DC)}, branch=taken, state="closed", closed=2
    )
    code = request.run(
        repo=gh_hub.path,
        action="add",
        target="web05",
        group="web",
        sets=(
            "component=nginx",
            "ip=10.0.0.5",
            "dc=dc4",
            "environment=production",
            "state=planned",
        ),
        comment="More capacity",
        open_request=True,
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "created branch request/add/web05-2 from origin/main" in out
    assert "(request/add/web05 on origin is left from an earlier request" in out
    assert "opened pull request #2: https://github.com/acme/inventory/pull/2" in out
    (call,) = [c for c in github.calls if c.method == "POST" and c.path.endswith("/pulls")]
    assert call.body["title"] == "Add web05 to web" and call.body["head"] == f"{taken}-2"
    assert git.ref_exists(gh_hub.path, f"refs/heads/{taken}-2")
    # The one it opened is open now: the same IP again is refused, naming it.
    github.requests[2]["head"]["sha"] = gh_hub.git_bare("rev-parse", f"refs/heads/{taken}-2")
    gh_hub.git_bare("update-ref", "refs/pull/2/head", f"refs/heads/{taken}-2")
    code = request.run(
        repo=gh_hub.path,
        action="add",
        target="web06",
        group="web",
        sets=(
            "component=nginx",
            "ip=10.0.0.5",
            "dc=dc4",
            "environment=production",
            "state=planned",
        ),
        comment="Even more",
    )
    assert code == 1
    assert (
        "already touches IP 10.0.0.5: branch request/add/web05-2 (pull request #2, "
        "https://github.com/acme/inventory/pull/2)"
    ) in capsys.readouterr().err


def test_request_open_failing_in_process(gh_hub: Hub, github: FakeHost) -> None:
    github.fail(r"/pulls$", 422, method="POST", body={"message": "Validation Failed"})
    with pytest.raises(GitinvError) as failed:
        request.run(
            repo=gh_hub.path,
            action="delete",
            target="db01",
            comment="Retired",
            open_request=True,
        )
    assert "branch request/delete/db01 is pushed to origin" in failed.value.message
    assert not git.ref_exists(gh_hub.path, "refs/heads/request/delete/db01")
    assert gh_hub.git_bare("rev-parse", "--verify", "refs/heads/request/delete/db01")
