"""`gitinv build`: the JSON API against golden files, determinism, and failure safety."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from gitinv.commands import build as build_command
from gitinv.errors import GitinvError
from gitinv.site import build as build_mod
from gitinv.site import pages
from gitinv.site.build import build
from tests.conftest import GitRepo, server
from tests.site.sitefixtures import make_history, tree_digest

GOLDEN = Path(__file__).parent / "golden"
API_FILES = [
    "servers.json",
    "servers/web01.json",
    "servers/web02.json",
    "servers/db02.json",
    "servers/db01.json",
    "components.json",
    "datacenters.json",
    "environments.json",
    "types.json",
    "tags.json",
    "groups.json",
    "audit.json",
]


@pytest.mark.parametrize("name", API_FILES)
def test_api_matches_golden(built_site: Path, name: str) -> None:
    actual = json.loads((built_site / "api/v1" / name).read_text(encoding="utf-8"))
    golden = GOLDEN / name
    if os.environ.get("GITINV_UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(json.dumps(actual, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    assert actual == json.loads(golden.read_text(encoding="utf-8"))


def test_api_files_are_compact_and_sorted(built_site: Path) -> None:
    raw = (built_site / "api/v1/servers.json").read_bytes()
    value = json.loads(raw)
    assert (
        raw == json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    )
    names = [row["name"] for row in value["results"]]
    assert names == sorted(names) and value["count"] == len(names)


def test_deleted_server_keeps_its_file_and_stays_in_the_audit(built_site: Path) -> None:
    servers = json.loads((built_site / "api/v1/servers.json").read_text())["results"]
    assert "db01" not in {row["name"] for row in servers}
    page = json.loads((built_site / "api/v1/servers/db01.json").read_text())
    assert page["deleted"]["reason"] == "Decommission db01"
    assert page["deleted"]["pull_request"] == 4
    assert page["deleted"]["author"] == "Dana Data"
    assert (page["group"], page["path"]) == ("data", "inventory/servers/data/db01.yaml")
    assert [h["action"] for h in page["history"]] == ["deleted", "added"]
    audit = json.loads((built_site / "api/v1/audit.json").read_text())["results"]
    actions = {(e["kind"], e["name"]): e["action"] for e in audit}
    assert actions[("server", "db01")] == "added"  # the oldest entry wins in this dict
    assert [e["action"] for e in audit if e["name"] == "db01"] == ["deleted", "added"]
    assert [e["action"] for e in audit if e["name"] == "web02"] == ["moved", "added"]
    assert ("tags", "backup") in actions


def test_each_change_carries_its_reason(built_site: Path) -> None:
    audit = json.loads((built_site / "api/v1/audit.json").read_text())["results"]
    reasons = {(e["name"], e["action"]): (e["reason"], e["pull_request"]) for e in audit}
    assert reasons[("web01", "updated")] == ("Maintenance window for web01", 1)  # merge body
    assert reasons[("db02", "added")] == ("Add db02", 2)  # squash subject, number dropped
    assert reasons[("backup", "added")] == ("Add the backup tag", 5)
    assert reasons[("web02", "added")] == ("Import the inventory", None)  # direct commit
    web01 = json.loads((built_site / "api/v1/servers/web01.json").read_text())
    assert [h["reason"] for h in web01["history"]] == [
        "Maintenance window for web01",
        "Import the inventory",
    ]


def test_build_twice_gives_identical_bytes(
    history_repo: Path, tmp_path: Path, built_site: Path
) -> None:
    out = tmp_path / "again"
    build(history_repo, "main", out)
    first = tree_digest(out)
    assert first == tree_digest(built_site)
    build(history_repo, "main", out)  # into the same folder: swapped, not merged
    assert tree_digest(out) == first
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".again.")]


def test_no_build_time_in_any_file(built_site: Path, history_repo: Path) -> None:
    history = GitRepo(history_repo, init=False)
    date = history.git("log", "-1", "--format=%cI", "main")
    index = (built_site / "index.html").read_text()
    assert date in index
    commit = history.git("rev-parse", "main")
    assert commit in index


def test_invalid_inventory_is_refused_and_old_site_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_history(tmp_path / "repo")
    out = tmp_path / "_site"
    assert build_command.run(repo=repo.path, out=out) == 0
    before = tree_digest(out)
    repo.write("inventory/servers/web/broken.yaml", "component: nginx\n")
    repo.commit("Break the inventory")
    assert build_command.run(repo=repo.path, out=out) == 1
    captured = capsys.readouterr()
    assert "inventory/servers/web/broken.yaml" in captured.out
    assert "unchanged" in captured.err
    assert tree_digest(out) == before


def test_failure_while_writing_leaves_old_site(
    tmp_path: Path, history_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "_site"
    build(history_repo, "main", out)
    before = tree_digest(out)

    def explode(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(pages, "render", explode)
    with pytest.raises(GitinvError, match="disk full"):
        build(history_repo, "main", out)
    assert tree_digest(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["_site"]


def test_refuses_to_replace_a_folder_that_is_not_a_site(tmp_path: Path, history_repo: Path) -> None:
    out = tmp_path / "precious"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    with pytest.raises(GitinvError, match="not empty"):
        build(history_repo, "main", out)
    assert (out / "notes.txt").read_text() == "keep me"


def test_shallow_clone_is_refused(tmp_path: Path, history_repo: Path) -> None:
    clone = GitRepo.clone(history_repo.as_uri(), tmp_path / "shallow", "--depth", "2").path
    with pytest.raises(GitinvError, match="shallow clone"):
        build(clone, None, tmp_path / "_site")
    assert not (tmp_path / "_site").exists()


def test_unknown_revision(tmp_path: Path, history_repo: Path) -> None:
    with pytest.raises(GitinvError, match="unknown revision"):
        build(history_repo, "no-such-branch", tmp_path / "_site")


def test_older_revision_builds_its_own_state(tmp_path: Path, history_repo: Path) -> None:
    out = tmp_path / "_site"
    build(history_repo, "main~4", out)  # after the first pull request only
    rows = json.loads((out / "api/v1/servers.json").read_text())["results"]
    assert [r["name"] for r in rows] == ["db01", "web01", "web02"]
    assert rows[1]["state"] == "maintenance"
    assert rows[1]["changed"]["pull_request"] == 1


def test_exports_are_written(built_site: Path) -> None:
    for name in build_mod.EXPORTS:
        assert (built_site / "api/v1" / name).is_file(), name


def test_default_rev_is_origins_copy_then_the_local_branch(
    tmp_path: Path, history_repo: Path
) -> None:
    repo = GitRepo.clone(history_repo.as_uri(), tmp_path / "clone")
    clone = repo.path
    assert build_mod.default_rev(clone) == "refs/remotes/origin/main"
    repo.git("checkout", "--quiet", "-b", "work")
    repo.git("branch", "--quiet", "-D", "main")
    assert build_mod.default_rev(clone) == "refs/remotes/origin/main"
    repo.git("branch", "--quiet", "main", "origin/main")
    repo.git("remote", "remove", "origin")
    assert build_mod.default_rev(clone) == "refs/heads/main"
    repo.git("branch", "--quiet", "-D", "main")
    with pytest.raises(GitinvError, match="pass --rev"):
        build_mod.default_rev(clone)


def test_a_huge_number_in_old_history_still_builds(tmp_path: Path) -> None:
    repo = make_history(tmp_path / "repo")
    huge = 123456789012345678901234567890  # past 64 bits: orjson refuses it
    repo.write("inventory/servers/web/web09.yaml", server("10.1.0.9", description=str(huge)))
    repo.commit("Add web09, with a description that is a number")
    repo.write("inventory/servers/web/web09.yaml", server("10.1.0.9", description="Fixed"))
    repo.commit("Make web09's description text (#9)")
    out = tmp_path / "_site"
    assert build(repo.path, "main", out).ok
    page = json.loads((out / "api/v1/servers/web09.json").read_text())
    # As it was written: a value is never converted, a number past 64 bits included.
    assert page["history"][0]["changes"]["description"] == [str(huge), "Fixed"]
