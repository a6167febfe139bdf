"""`validate --format gitlab`: the GitLab Code Quality report's fields and fingerprints."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import GitRepo
from tests.forge.conftest import ADMINS, gitinv, inventory_repo

SEVERITIES = {"info", "minor", "major", "critical", "blocker"}


def report(repo: GitRepo) -> list[dict[str, object]]:
    result = gitinv("-C", str(repo.path), "validate", "--format", "gitlab", env={})
    assert result.returncode == 1
    issues = json.loads(result.stdout)
    # The job's log gets the same findings as text.
    assert (
        result.stderr.splitlines()[-1].endswith("file(s)")
        and len(result.stderr.splitlines()) == len(issues) + 1
    )
    return issues


def broken(tmp_path: Path) -> GitRepo:
    repo = inventory_repo(tmp_path / "q", ADMINS)
    web01 = repo.path / "inventory/servers/web/web01.yaml"
    text = web01.read_text()
    repo.write("inventory/servers/web/web01.yaml", text.replace("state: active", "state: broken"))
    repo.write("inventory/servers/web/web03.yaml", text + "colour: red\n")
    web02 = (repo.path / "inventory/servers/web/web02.yaml").read_text()
    repo.write("inventory/servers/web/web04.yaml", web02)  # web02's IP again
    return repo


def test_fields_as_gitlab_reads_them(tmp_path: Path) -> None:
    repo = broken(tmp_path)
    issues = report(repo)
    assert issues and all(
        set(i) == {"description", "check_name", "fingerprint", "severity", "location"}
        for i in issues
    )
    for issue in issues:
        location = issue["location"]
        assert isinstance(location, dict) and set(location) == {"path", "lines"}
        assert (repo.path / str(location["path"])).is_file()  # relative to the repository
        assert isinstance(location["lines"]["begin"], int) and location["lines"]["begin"] >= 1
        assert issue["severity"] == "major" and issue["severity"] in SEVERITIES
        assert isinstance(issue["description"], str) and "\n" not in issue["description"]
    codes = {(i["location"]["path"], i["check_name"]) for i in issues}  # type: ignore[index]
    assert ("inventory/servers/web/web03.yaml", "unknown-field") in codes
    assert ("inventory/servers/web/web04.yaml", "duplicate-ip") in codes
    assert ("inventory/servers/web/web02.yaml", "duplicate-ip") in codes
    fingerprints = [i["fingerprint"] for i in issues]
    assert len(set(fingerprints)) == len(fingerprints)


def test_fingerprints_stay_when_lines_move(tmp_path: Path) -> None:
    repo = broken(tmp_path)
    before = {i["fingerprint"]: i for i in report(repo)}
    path = repo.path / "inventory/servers/web/web03.yaml"
    path.write_text("# a comment that moves every line down\n" + path.read_text())
    after = {i["fingerprint"]: i for i in report(repo)}
    assert set(before) == set(after)
    moved = [f for f in before if before[f]["location"] != after[f]["location"]]
    assert moved  # the lines moved, the fingerprints did not


def test_a_valid_inventory_is_an_empty_report(tmp_path: Path) -> None:
    repo = inventory_repo(tmp_path / "ok", ADMINS)
    result = gitinv("-C", str(repo.path), "validate", "--format", "gitlab", env={})
    assert result.returncode == 0 and json.loads(result.stdout) == []


def test_equal_findings_on_other_lines_get_their_own_fingerprints() -> None:
    from gitinv.report import Finding, render

    same = [Finding("inventory/tags.yaml", line, 1, "bad-value", "`x` twice") for line in (3, 9)]
    first, second = json.loads(render(same, "gitlab"))
    assert first["fingerprint"] != second["fingerprint"]
    assert [first["location"]["lines"]["begin"], second["location"]["lines"]["begin"]] == [3, 9]
