"""`gitinv request` end to end: branch, commit, push, diff, merge as GitHub does."""

from __future__ import annotations

import json

import pytest

from gitinv import remote
from gitinv.commands import diff, request
from gitinv.errors import GitinvError
from gitinv.forge import config as forge_config
from gitinv.history import scan

from .conftest import Hub


def _request(hub: Hub, action: str, target: str, **kw: object) -> int:
    kw.setdefault("comment", "needed for the test")
    kw.setdefault("push", True)
    return request.run(repo=hub.requester.path, action=action, target=target, **kw)  # type: ignore[arg-type]


def _branches(hub: Hub) -> set[str]:
    local = hub.requester.git("for-each-ref", "--format=%(refname)", "refs/heads")
    remote = hub.requester.git("ls-remote", "--heads", "origin")
    return set(local.split()) | {line.split()[1] for line in remote.splitlines()}


def test_update_end_to_end_merge_commit(hub: Hub, capsys: pytest.CaptureFixture[str]) -> None:
    rc = _request(
        hub,
        "update",
        "web01",
        sets=("state=maintenance",),
        reviewer="@acme/platform",
        comment="Kernel upgrade tonight",
    )
    out = capsys.readouterr().out
    assert rc == 0
    assert "created branch request/update/web01" in out
    assert (
        "open the pull request: https://github.com/acme/inventory/compare/"
        "main...request/update/web01?expand=1"
    ) in out
    branch = "request/update/web01"
    req = hub.requester
    assert req.git("rev-parse", f"origin/{branch}") == req.git("rev-parse", branch)
    message = req.git("log", "-1", "--format=%B", branch)
    assert message.startswith("Update server web01: state")
    assert "Kernel upgrade tonight" in message
    assert "Requested-reviewer: @acme/platform" in req.git(
        "log", "-1", "--format=%(trailers)", branch
    )
    assert req.git("rev-list", "--count", f"origin/main..{branch}") == "1"
    # The file keeps its other lines; only state changed.
    text = req.git("show", f"{branch}:inventory/servers/platform/web01.yaml")
    assert "state: maintenance" in text and "description: Public web frontend" in text

    assert diff.run(repo=req.path, base="origin/main", head=branch, fmt="json") == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["summary"]["updated"] == 1
    assert doc["servers"][0]["changes"] == {"state": ["active", "maintenance"]}

    number = hub.merge(branch)
    hub.requester.git("fetch", "-q", "origin")
    history = scan(hub.requester.path, "origin/main").for_server("web01")
    assert history[0].info.pull_request == number
    assert history[0].info.author == "Rita Requester"
    assert history[0].info.merged_by == "Mo Moderator"
    assert history[0].change.changes == {"state": ("active", "maintenance")}


def test_add_squash_merge(hub: Hub, capsys: pytest.CaptureFixture[str]) -> None:
    rc = _request(
        hub,
        "add",
        "web03",
        group="platform",
        sets=(
            "component=nginx",
            "ip=10.1.0.3",
            "dc=fra1",
            "environment=staging",
            "state=planned",
            "tags=pci,frontend",
        ),
    )
    assert rc == 0, capsys.readouterr()
    text = hub.requester.git("show", "request/add/web03:inventory/servers/platform/web03.yaml")
    assert text == (
        "component: nginx\nip: 10.1.0.3\ndc: fra1\nenvironment: staging\n"
        "state: planned\ntags:\n  - frontend\n  - pci"
    )
    number = hub.merge("request/add/web03", squash=True)
    hub.requester.git("fetch", "-q", "origin")
    entry = scan(hub.requester.path, "origin/main").latest("web03")
    assert entry is not None
    assert entry.action == "added"
    assert entry.info.pull_request == number
    assert entry.info.subject == f"Add server web03 to platform (#{number})"
    assert entry.info.author == "Rita Requester"
    assert entry.info.merged_by is None


def test_delete_and_move(hub: Hub, capsys: pytest.CaptureFixture[str]) -> None:
    assert _request(hub, "delete", "web02") == 0
    assert _request(hub, "move", "db01", group="platform", sets=("state=offline",)) == 0
    capsys.readouterr()
    assert (
        diff.run(repo=hub.requester.path, base="origin/main", head="request/move/db01", fmt="text")
        == 0
    )
    out = capsys.readouterr().out
    assert "1 moved" in out and "added" not in out and "deleted" not in out
    assert "server db01 (data → platform)" in out
    hub.merge("request/delete/web02")
    hub.merge("request/move/db01", squash=True)
    hub.requester.git("fetch", "-q", "origin")
    log = scan(hub.requester.path, "origin/main")
    moved = log.latest("db01")
    assert moved is not None and moved.action == "moved"
    assert moved.change.changes == {"group": ("data", "platform"), "state": ("active", "offline")}
    deleted = log.latest("web02")
    assert deleted is not None and deleted.action == "deleted"


def test_revert_a_merged_pull_request(hub: Hub, capsys: pytest.CaptureFixture[str]) -> None:
    assert _request(hub, "update", "web02", sets=("state=offline",)) == 0
    number = hub.merge("request/update/web02")
    assert _request(hub, "revert", f"#{number}", comment="That broke the LB") == 0
    out = capsys.readouterr().out
    assert f"request/revert/pr-{number}" in out
    text = hub.requester.git(
        "show", f"request/revert/pr-{number}:inventory/servers/platform/web02.yaml"
    )
    assert "state: active" in text
    message = hub.requester.git("log", "-1", "--format=%B", f"request/revert/pr-{number}")
    assert message.startswith('Revert "Merge pull request')
    assert "This reverts commit" in message


def test_revert_of_a_version_this_clone_lacks_says_so(hub: Hub) -> None:
    assert _request(hub, "update", "web02", sets=("state=offline",)) == 0
    number = hub.merge("request/update/web02")
    hub.requester.git("fetch", "-q", "origin")
    merge = hub.requester.git("rev-parse", "origin/main")
    hub.requester.lose(f"{merge}^1:inventory/servers/platform/web02.yaml")
    with pytest.raises(GitinvError, match=r"git does not have inventory/servers/platform/web02"):
        _request(hub, "revert", f"#{number}")
    assert "request/revert" not in " ".join(_branches(hub))


def test_dirty_working_tree_untouched(hub: Hub) -> None:
    req = hub.requester
    req.git("checkout", "-q", "-b", "my-work")
    req.write("inventory/servers/platform/web01.yaml", "half: edited\n")
    req.write("notes.txt", "untracked\n")
    req.git("add", "notes.txt")
    before = (
        req.git("status", "--porcelain"),
        req.git("diff", "--cached"),
        req.git("symbolic-ref", "HEAD"),
    )
    assert _request(hub, "update", "web02", sets=("state=offline",), push=False) == 0
    after = (
        req.git("status", "--porcelain"),
        req.git("diff", "--cached"),
        req.git("symbolic-ref", "HEAD"),
    )
    assert before == after
    assert (req.path / "inventory/servers/platform/web01.yaml").read_text() == "half: edited\n"


@pytest.mark.parametrize(
    ("action", "target", "kw", "message"),
    [
        ("update", "web01", {"sets": ("state=broken",)}, "invalid"),
        ("update", "web01", {"sets": ("ip=10.1.0.2",)}, "invalid"),
        (
            "add",
            "web09",
            {
                "group": "platform",
                "sets": (
                    "component=nginx",
                    "ip=10.9.0.1",
                    "dc=fra1",
                    "environment=production",
                    "state=active",
                ),
            },
            "invalid",
        ),
        ("add", "web01", {"group": "platform", "sets": ("ip=10.1.0.50",)}, "already exists"),
        ("update", "nope", {"sets": ("state=active",)}, "no server nope"),
        ("update", "web01", {"sets": ("state=active",)}, "changes nothing"),
        ("move", "web01", {"group": "platform"}, "already in group"),
    ],
)
def test_refusals_leave_nothing(
    hub: Hub,
    capsys: pytest.CaptureFixture[str],
    action: str,
    target: str,
    kw: dict[str, object],
    message: str,
) -> None:
    before = _branches(hub)
    try:
        rc = _request(hub, action, target, **kw)
    except GitinvError as exc:
        rc = exc.exit_code
        err = exc.message
    else:
        err = capsys.readouterr().err
    assert rc == 1
    assert message in err
    assert _branches(hub) == before


def test_invalid_change_prints_validate_findings(
    hub: Hub, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _request(hub, "update", "web01", sets=("ip=10.1.0.2",)) == 1
    out = capsys.readouterr().out
    assert "inventory/servers/platform/web01.yaml:1:1: duplicate-ip" in out or "duplicate-ip" in out


def test_refuses_second_request_for_same_server_or_ip(
    hub: Hub, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _request(hub, "update", "web01", sets=("state=offline",)) == 0
    before = _branches(hub)
    assert _request(hub, "delete", "web01") == 1
    assert "already touches server web01: branch request/update/web01" in capsys.readouterr().err
    assert (
        _request(
            hub,
            "add",
            "web05",
            group="platform",
            sets=(
                "component=nginx",
                "ip=10.1.0.77",
                "dc=fra1",
                "environment=production",
                "state=active",
            ),
        )
        == 0
    )
    assert _request(hub, "update", "web02", sets=("ip=10.1.0.77",)) == 1
    assert "IP 10.1.0.77" in capsys.readouterr().err
    assert _branches(hub) - before == {"refs/heads/request/add/web05"} | (
        {"refs/heads/request/add/web05"}
    )  # only the one accepted request was added


def test_comment_is_required(hub: Hub) -> None:
    with pytest.raises(GitinvError, match="--comment is required"):
        _request(hub, "delete", "web01", comment=" ")


def test_request_without_remote_uses_local_main(
    tmp_path_factory: pytest.TempPathFactory, hub: Hub, capsys: pytest.CaptureFixture[str]
) -> None:
    req = hub.requester
    req.git("remote", "remove", "origin")
    assert (
        request.run(
            repo=req.path,
            action="update",
            target="web01",
            sets=("state=offline",),
            comment="offline work",
        )
        == 0
    )
    assert "request/update/web01" in req.git("branch", "--list", "request/*")
    with pytest.raises(GitinvError, match="--push needs a remote"):
        request.run(repo=req.path, action="delete", target="web02", comment="x", push=True)


@pytest.mark.parametrize(
    ("target", "group", "message"),
    [("Web_01", "platform", "not a server name"), ("web09", "../etc", "not a group name")],
)
def test_bad_names_are_usage_errors(hub: Hub, target: str, group: str, message: str) -> None:
    before = _branches(hub)
    with pytest.raises(GitinvError, match=message) as refused:
        _request(hub, "add", target, group=group, sets=("state=active",))
    assert refused.value.exit_code == 2
    assert _branches(hub) == before


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("git@github.com:acme/inventory.git", "https://github.com/acme/inventory"),
        ("https://github.com/acme/inventory", "https://github.com/acme/inventory"),
        ("https://token@github.com/acme/inv.data.git", "https://github.com/acme/inv.data"),
        ("ssh://git@github.com/acme/inventory.git", "https://github.com/acme/inventory"),
        ("/srv/git/inventory.git", None),
    ],
)
def test_github_url(url: str, expected: str | None) -> None:
    assert forge_config.web_url(url) == expected
    if expected:
        assert remote.compare_url(expected, "main", "request/add/x") == (
            f"{expected}/compare/main...request/add/x?expand=1"
        )


def test_push_url_from_the_remote_without_settings(
    hub: Hub, capsys: pytest.CaptureFixture[str]
) -> None:
    req = hub.requester
    text = (req.path / "inventory/settings.yaml").read_text()
    hub.moderator.write(
        "inventory/settings.yaml",
        text.replace("repository: https://github.com/acme/inventory\n", ""),
    )
    hub.moderator.commit_all("Drop repository setting")
    hub.moderator.git("push", "-q", "origin", "main")
    req.git("pull", "-q", "origin", "main")
    assert _request(hub, "delete", "web02") == 0
    assert "pushed request/delete/web02 to origin" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("action", "target", "kw", "message", "code"),
    [
        ("update", "web01", {"reviewer": "bob"}, "give a GitHub handle", 2),
        ("update", "web01", {}, "at least one --set", 2),
        ("update", "web01", {"group": "data", "sets": ("state=offline",)}, "request move", 2),
        ("delete", "web01", {"sets": ("state=offline",)}, "takes no --set", 2),
        ("move", "web01", {}, "needs --group", 2),
        ("add", "web09", {}, "needs --group", 2),
        ("revert", "#abc", {}, "no pull request #abc", 1),
        ("revert", "#99", {}, "no pull request #99", 1),
        ("revert", "nonsense", {}, "unknown revision", 2),
    ],
)
def test_usage_errors(
    hub: Hub, action: str, target: str, kw: dict[str, object], message: str, code: int
) -> None:
    before = _branches(hub)
    with pytest.raises(GitinvError, match=message) as refused:
        _request(hub, action, target, **kw)
    assert refused.value.exit_code == code
    assert _branches(hub) == before


def test_revert_refusals(hub: Hub) -> None:
    seed_commit = hub.requester.git("rev-list", "--max-parents=0", "origin/main")
    with pytest.raises(GitinvError, match="first commit"):
        _request(hub, "revert", seed_commit)
    side = hub.requester
    side.git("checkout", "-q", "-b", "side", "origin/main")
    side.write("notes.txt", "not inventory\n")
    outside = side.commit_all("Notes")
    with pytest.raises(GitinvError, match="not merged into the main branch"):
        _request(hub, "revert", outside)
    hub.moderator.git("pull", "-q", "origin", "main")
    hub.moderator.write("README.txt", "hello\n")
    hub.moderator.commit_all("Docs only")
    hub.moderator.git("push", "-q", "origin", "main")
    hub.requester.git("fetch", "-q", "origin")
    with pytest.raises(GitinvError, match="changes nothing in inventory/"):
        _request(hub, "revert", hub.requester.git("rev-parse", "origin/main"))


def test_catalog_and_settings_changes_in_the_diff(
    hub: Hub, capsys: pytest.CaptureFixture[str]
) -> None:
    req = hub.requester
    req.write("inventory/tags.yaml", "frontend:\n  description: Faces users\nlegacy: {}\n")
    text = (req.path / "inventory/settings.yaml").read_text()
    req.write("inventory/settings.yaml", text + "branch: main\n")
    assert diff.run(repo=req.path, fmt="markdown") == 0
    out = capsys.readouterr().out
    assert "| ` tags ` | ` frontend ` | updated | ` description `: — → ` Faces users ` |" in out
    assert "| ` tags ` | ` legacy ` | added |  |" in out
    assert "| ` tags ` | ` pci ` | deleted |  |" in out
    assert "| ` settings ` | ` settings ` | updated | ` branch `: — → ` main ` |" in out
    assert diff.run(repo=req.path, fmt="text") == 0
    assert "→ working tree: 4 catalog change(s)" in capsys.readouterr().out
