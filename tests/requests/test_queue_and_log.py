"""`pending`, `history`, `audit`, `diff` and `codeowners` on real repositories."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from gitinv import history_report
from gitinv.changes import Change
from gitinv.cli import cli
from gitinv.commands import audit, codeowners, diff, history, pending, request
from gitinv.errors import GitinvError
from gitinv.history import CommitInfo, Entry
from tests.conftest import server

from .conftest import Hub


def _push_branch(hub: Hub, branch: str, files: dict[str, str | None], message: str) -> None:
    """A branch as GitHub's web editor makes it: edited files, one commit, pushed."""
    mod = hub.moderator
    mod.git("fetch", "-q", "origin")
    mod.git("checkout", "-q", "-B", branch, "origin/main")
    for rel, text in files.items():
        if text is None:
            (mod.path / rel).unlink()
        else:
            mod.write(rel, text)
    mod.commit_all(message)
    mod.git("push", "-q", "origin", branch)
    mod.git("checkout", "-q", "main")


def _ask(hub: Hub, action: str, target: str, **kw: object) -> int:
    kw.setdefault("comment", "because")
    return request.run(repo=hub.requester.path, action=action, target=target, push=True, **kw)  # type: ignore[arg-type]


def test_pending_clean_queue(hub: Hub, capsys: pytest.CaptureFixture[str]) -> None:
    assert _ask(hub, "update", "web01", sets=("state=offline",)) == 0
    assert _ask(hub, "delete", "db01") == 0
    capsys.readouterr()
    assert pending.run(repo=hub.moderator.path, fmt="json") == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["ok"] is True and doc["source"] == "branches"
    assert [r["branch"] for r in doc["requests"]] == ["request/delete/db01", "request/update/web01"]
    assert all(r["valid"] and r["number"] is None for r in doc["requests"])
    assert doc["requests"][1]["servers"][0]["changes"] == {"state": ["active", "offline"]}
    assert doc["requests"][1]["title"] == "Update server web01: state"
    assert doc["requests"][1]["author"] == "Rita Requester"


def test_pending_two_clashing_branches(hub: Hub, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        _ask(
            hub,
            "add",
            "web03",
            group="platform",
            sets=(
                "component=nginx",
                "ip=10.1.0.3",
                "dc=fra1",
                "environment=production",
                "state=planned",
            ),
        )
        == 0
    )
    # A web-editor branch claiming the same IP and touching web01 too.
    _push_branch(
        hub,
        "patch-1",
        {
            "inventory/servers/platform/web04.yaml": server("10.1.0.3"),
        },
        "Create web04.yaml",
    )
    _push_branch(
        hub,
        "patch-2",
        {
            "inventory/servers/platform/web01.yaml": server("10.1.0.1", state="offline"),
        },
        "Update web01.yaml",
    )
    assert _ask(hub, "update", "web01", sets=("state=maintenance",)) == 1  # patch-2 holds web01
    capsys.readouterr()
    assert pending.run(repo=hub.moderator.path, fmt="text") == 1
    out = capsys.readouterr().out
    assert "conflict: patch-1 and request/add/web03 both claim IP 10.1.0.3" in out
    # Each is valid on its own: the clash appears only once both are merged.
    assert "patch-1 (" in out and "valid" in out
    assert pending.run(repo=hub.moderator.path, fmt="markdown") == 1
    assert "### Conflicts" in capsys.readouterr().out


def test_pending_invalid_and_conflicting_with_main(
    hub: Hub, capsys: pytest.CaptureFixture[str]
) -> None:
    _push_branch(
        hub,
        "bad-ip",
        {
            "inventory/servers/platform/web02.yaml": server("10.1.0.1"),  # web01's IP
        },
        "Give web02 web01's IP",
    )
    _push_branch(
        hub,
        "bad-catalog",
        {
            "inventory/tags.yaml": "frontend: {}\n",  # drops pci... unused; and adds nothing
            "inventory/servers/platform/web05.yaml": server("10.1.0.5", tags="[pci]"),
        },
        "Remove pci tag, add web05 with it",
    )
    assert _ask(hub, "update", "db01", sets=("state=offline",)) == 0
    _push_branch(
        hub,
        "stale-db01",
        {
            "inventory/servers/data/db01.yaml": server(
                "10.1.0.10", component="postgres", state="maintenance"
            ),
        },
        "db01 maintenance",
    )
    hub.merge("request/update/db01")
    capsys.readouterr()
    assert pending.run(repo=hub.moderator.path, fmt="json") == 1
    doc = {r["branch"]: r for r in json.loads(capsys.readouterr().out)["requests"]}
    assert [e["code"] for e in doc["bad-ip"]["findings"]] == ["duplicate-ip", "duplicate-ip"]
    assert {e["file"] for e in doc["bad-ip"]["findings"]} == {
        "inventory/servers/platform/web01.yaml",
        "inventory/servers/platform/web02.yaml",
    }
    assert [e["code"] for e in doc["bad-catalog"]["findings"]] == ["unknown-ref"]
    assert doc["stale-db01"]["merges_cleanly"] is False
    assert doc["stale-db01"]["valid"] is False


def test_pending_names_a_request_that_changes_no_value(
    hub: Hub, capsys: pytest.CaptureFixture[str]
) -> None:
    path = "inventory/servers/platform/web01.yaml"
    text = (hub.moderator.path / path).read_text()
    _push_branch(hub, "comment", {path: "# Ask the web team\n" + text}, "A comment on web01")
    capsys.readouterr()
    assert pending.run(repo=hub.moderator.path, fmt="text") == 0
    (line,) = [x for x in capsys.readouterr().out.splitlines() if x.startswith("comment")]
    assert ": 1 file with no value changed; " in line


def test_pending_of_every_state_needs_a_token(hub: Hub, capsys: pytest.CaptureFixture[str]) -> None:
    """Closed and merged requests are the code host's to list: without a token, asking
    for them is refused, not answered with the open branches alone."""
    with pytest.raises(GitinvError, match="--state all needs a code-host token") as refused:
        pending.run(repo=hub.moderator.path, state="all")
    assert refused.value.exit_code == 2 and "GITINV_TOKEN" in refused.value.message
    assert capsys.readouterr().out == ""


def test_pending_needs_a_remote(hub: Hub) -> None:
    hub.moderator.git("remote", "remove", "origin")
    with pytest.raises(GitinvError, match="no remote"):
        pending.run(repo=hub.moderator.path)


def test_audit_and_history_after_a_dozen_merges(
    hub: Hub, capsys: pytest.CaptureFixture[str]
) -> None:
    states = ["offline", "maintenance", "active", "planned", "offline", "active"]
    for i, state in enumerate(states):
        assert _ask(hub, "update", "web02", sets=(f"state={state}",)) == 0
        hub.merge("request/update/web02", squash=i % 2 == 1)
    assert (
        _ask(
            hub,
            "add",
            "web07",
            group="platform",
            sets=(
                "component=nginx",
                "ip=10.1.0.7",
                "dc=fra1",
                "environment=staging",
                "state=planned",
            ),
        )
        == 0
    )
    hub.merge("request/add/web07")
    assert _ask(hub, "move", "web07", group="data") == 0
    hub.merge("request/move/web07")
    assert _ask(hub, "update", "web07", sets=("description=Moved to data",)) == 0
    hub.merge("request/update/web07", squash=True)
    _push_branch(
        hub,
        "tag-change",
        {"inventory/tags.yaml": "frontend: {}\npci: {}\nlegacy: {}\n"},
        "Add legacy tag",
    )
    hub.merge("tag-change")
    assert _ask(hub, "delete", "web07") == 0
    hub.merge("request/delete/web07")
    with pytest.raises(GitinvError, match="changed again after #1") as refused:
        _ask(hub, "revert", "#1")
    assert refused.value.exit_code == 1
    capsys.readouterr()
    hub.moderator.git("pull", "-q", "origin", "main")

    assert history.run(repo=hub.moderator.path, name="web02", fmt="json") == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["count"] == 7  # six updates and the initial add
    assert [r["pull_request"] for r in doc["results"][:6]] == [6, 5, 4, 3, 2, 1]
    assert doc["results"][0]["changes"] == {"state": ["offline", "active"]}
    assert doc["results"][-1]["action"] == "added"

    assert history.run(repo=hub.moderator.path, name="web07", fmt="text") == 0
    out = capsys.readouterr().out.splitlines()
    heads = [line.split(": ", 1)[1] for line in out if not line.startswith("    ")]
    assert [head.split(" — ")[0] for head in heads] == ["deleted", "updated", "moved", "added"]
    # The reason: the title GitHub keeps in a merge commit's body (here the merged
    # branch's subject, as the body is empty), or the squash subject without its number.
    assert heads[0] == "deleted — Delete server web07 from data"
    assert heads[1] == "updated — Update server web07: description"

    assert audit.run(repo=hub.moderator.path, fmt="json") == 0
    entries = json.loads(capsys.readouterr().out)["results"]
    assert entries[0]["name"] == "web07" and entries[0]["action"] == "deleted"
    assert {"kind": "tags", "name": "legacy", "action": "added"}.items() <= entries[1].items()
    assert entries[1]["merged_by"] == "Mo Moderator"
    dates = [e["date"] for e in entries]
    assert dates == sorted(dates, reverse=True)

    assert audit.run(repo=hub.moderator.path, since="2099-01-01", fmt="text") == 0
    assert capsys.readouterr().out == ""
    assert audit.run(repo=hub.moderator.path, since="2000-01-01", fmt="json") == 0
    assert json.loads(capsys.readouterr().out)["count"] == len(entries)
    with pytest.raises(GitinvError, match="ISO 8601"):
        audit.run(repo=hub.moderator.path, since="last tuesday")
    with pytest.raises(GitinvError, match="no change to a server named nope"):
        history.run(repo=hub.moderator.path, name="nope")
    assert audit.run(repo=hub.moderator.path, fmt="markdown") == 0
    assert "| date | commit | PR |" in capsys.readouterr().out


MARKDOWN_UPDATE = """\
## Inventory changes

1 updated ({base} → {head})

### Update server ` web01 ` (` platform `)

| | field | current | requested |
|---|---|---|---|
| | ` group ` | ` platform ` | ` platform ` |
| | ` component ` | ` nginx ` | ` nginx ` |
| ✏️ | ` ip ` | ` 10.1.0.1 ` | **` 10.1.0.99 `** |
| | ` dc ` | ` fra1 ` | ` fra1 ` |
| | ` environment ` | ` production ` | ` production ` |
| | ` type ` | ` vm ` | ` vm ` |
| ✏️ | ` state ` | ` active ` | **` maintenance `** |
| | ` tags ` | ` frontend ` | ` frontend ` |
| | ` description ` | ` Public web frontend ` | ` Public web frontend ` |
"""


def test_markdown_table_of_an_update_request(hub: Hub, capsys: pytest.CaptureFixture[str]) -> None:
    assert _ask(hub, "update", "web01", sets=("state=maintenance", "ip=10.1.0.99")) == 0
    capsys.readouterr()
    req = hub.requester
    assert (
        diff.run(repo=req.path, base="origin/main", head="request/update/web01", fmt="markdown")
        == 0
    )
    base, head = req.git("rev-parse", "origin/main"), req.git("rev-parse", "request/update/web01")
    assert capsys.readouterr().out == MARKDOWN_UPDATE.format(base=base[:10], head=head[:10])


def test_diff_of_the_working_tree_and_html(hub: Hub, capsys: pytest.CaptureFixture[str]) -> None:
    req = hub.requester
    req.write(
        "inventory/servers/platform/web01.yaml", server("10.1.0.1").replace("nginx", "<script>")
    )
    (req.path / "inventory/servers/data/db01.yaml").unlink()
    req.write("inventory/servers/data/db02.yaml", server("10.1.0.11", component="postgres"))
    assert diff.run(repo=req.path, fmt="text") == 0
    out = capsys.readouterr().out
    assert "→ working tree: 1 added, 1 updated, 1 deleted" in out
    assert "component: nginx → <script>" in out
    assert diff.run(repo=req.path, fmt="html") == 0
    page = capsys.readouterr().out
    assert "&lt;script&gt;" in page and "<script>" not in page


def test_codeowners_write_and_drift(hub: Hub, capsys: pytest.CaptureFixture[str]) -> None:
    repo = hub.requester.path
    assert codeowners.run(repo=repo, check=True) == 1
    assert codeowners.run(repo=repo) == 0
    text = (repo / ".github/CODEOWNERS").read_text()
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert lines[0] == "* @acme/inventory-admins"
    assert lines[1:3] == [
        "/inventory/servers/data/ @acme/dba @carol",
        "/inventory/servers/platform/ @acme/platform",
    ]
    assert lines[-1] == "/pyproject.toml @acme/inventory-admins"
    assert "/.github/ @acme/inventory-admins" in lines[3:]
    capsys.readouterr()
    assert codeowners.run(repo=repo, check=True) == 0
    assert capsys.readouterr().out == ".github/CODEOWNERS up to date\n"
    hub.requester.write("inventory/groups.yaml", "platform:\n  moderators:\n    - '@acme/sre'\n")
    capsys.readouterr()
    assert codeowners.run(repo=repo, check=True) == 1
    assert "+/inventory/servers/platform/ @acme/sre" in capsys.readouterr().out
    hub.requester.write("inventory/groups.yaml", "platform:\n  moderators:\n    - 'acme'\n")
    with pytest.raises(GitinvError, match="is not a GitHub handle"):
        codeowners.run(repo=repo)


def test_cli_wiring(hub: Hub) -> None:
    runner = CliRunner()
    for name in ("diff", "request", "pending", "history", "audit", "codeowners"):
        result = runner.invoke(cli, [name, "--help"])
        assert result.exit_code == 0 and "Example:" in result.output
    result = runner.invoke(cli, ["-C", str(hub.requester.path), "history", "web01"])
    assert result.exit_code == 0 and "added" in result.output
    result = runner.invoke(cli, ["-C", str(hub.requester.path), "request", "delete", "web01"])
    assert result.exit_code == 2 and "--comment" in result.output


def test_history_text_tells_a_list_from_the_next_field() -> None:
    info = CommitInfo("c" * 40, "2026-01-02T03:04:05+00:00", "Ann", "ann@x", 7, None, "Add")
    added = Change(
        "server", "web01", "added", {"tags": (None, ["a", "b"]), "state": (None, "active")}
    )
    updated = Change("server", "web01", "updated", {"tags": (["a"], ["a", "b"]), "ip": ("1", "2")})
    text = history_report.render_entries([Entry(info, updated), Entry(info, added)], "text")
    assert "    tags: a → a, b; ip: 1 → 2\n" in text
    assert "    tags=a, b; state=active\n" in text


def test_a_file_that_does_not_parse_is_said_so(
    hub: Hub, capsys: pytest.CaptureFixture[str]
) -> None:
    req = hub.requester
    req.write("inventory/servers/platform/web01.yaml", "component: [nginx\nip: 10.1.0.1\n")
    req.write("inventory/servers/data/db02.yaml", server("10.1.0.12", component="postgres"))
    for fmt, expected in [
        ("text", "    (new version unreadable in the working tree: 2:3 yaml-syntax: "),
        ("markdown", "> new version unreadable in the working tree: 2:3 yaml-syntax: "),
        ("html", '<p class="unreadable">new version unreadable in the working tree: 2:3 '),
    ]:
        assert diff.run(repo=req.path, fmt=fmt) == 0
        out = capsys.readouterr().out
        assert out.count(expected) == 1, out  # web01's, not db02's


def test_history_text_says_when_a_file_did_not_read() -> None:
    info = CommitInfo("c" * 40, "2026-01-02T03:04:05+00:00", "Ann", "ann@x", 8, None, "Fix")
    fixed = Change(
        "server",
        "web01",
        "updated",
        {},
        new={"ip": "10.0.0.1"},
        unreadable={"old": "unreadable in commit bbbbbbbbbb: 1:1 bad-file: file is empty"},
    )
    text = history_report.render_entries([Entry(info, fixed)], "text")
    assert "    old version unreadable in commit bbbbbbbbbb: 1:1 bad-file: file is empty" in text
