"""Adding a field touches one place: fields.yaml. Every command that reads, shows,
compares, exports or imports a server's fields follows it, with no other change."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from gitinv import exports, inventory
from gitinv.commands import audit, diff, export, fmt, history, import_csv, schema, validate
from gitinv.diff import diff_commits
from gitinv.diffformat import render_markdown
from tests.conftest import CASES, GitRepo, build_case

DECLARED = """\
owner:  {type: string, pattern: "^[a-z][a-z0-9.-]*$", description: Team mailbox}
cpu:    {type: integer, min: 1, max: 1024}
eol:    {type: date, description: End of vendor support}
backup: {type: boolean}
os:     {type: enum, values: [debian12, rhel9]}
roles:  {type: list}
rack:   {type: string, unique: true}
"""
ORDER = ["owner", "cpu", "eol", "backup", "os", "roles", "rack"]
BUILT_IN = ["component", "ip", "dc", "environment", "type", "state", "tags", "description"]
WEB01 = "inventory/servers/web/web01.yaml"
# Written out of order, as a requester might: fmt puts them in place.
WEB01_VALUES = (
    "rack: fra-r12\nroles: [web, edge]\nos: debian12\nbackup: true\neol: 2027-01-31\n"
    "cpu: 4\nowner: web.team\n"
)


@pytest.fixture
def repo(git_repo: GitRepo) -> GitRepo:
    build_case(CASES / "base", git_repo.path)
    (git_repo.path / "schema").mkdir()
    assert schema.run(repo=git_repo.path, check=False) == 0
    git_repo.commit("An inventory without declared fields")
    return git_repo


def _json(capsys: pytest.CaptureFixture[str]) -> Any:
    return json.loads(capsys.readouterr().out)


def test_adding_a_field_touches_one_place(
    repo: GitRepo, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    root = repo.path
    base = repo.git("rev-parse", "HEAD")
    repo.write("inventory/fields.yaml", DECLARED)
    server = root / WEB01
    server.write_text(server.read_text() + WEB01_VALUES)

    # validation
    assert validate.run(repo=root, rev=None, fmt="json") == 0
    assert _json(capsys)["ok"] is True
    # schema
    assert schema.run(repo=root, check=True) == 1
    capsys.readouterr()
    assert schema.run(repo=root, check=False) == 0
    written = json.loads((root / "schema/server.schema.json").read_text())
    assert list(written["properties"]) == BUILT_IN + ORDER
    assert written["properties"]["eol"]["format"] == "date"
    # fmt: built-in first, then the declared order, values as typed
    assert fmt.run(repo=root, files=[], check=False) == 0
    lines = server.read_text().splitlines()
    assert [line.split(":")[0] for line in lines if not line.startswith(" ")][-7:] == ORDER
    assert lines[-9:] == [
        "owner: web.team",
        "cpu: 4",
        "eol: 2027-01-31",
        "backup: true",
        "os: debian12",
        "roles:",
        "  - web",
        "  - edge",
        "rack: fra-r12",
    ]
    capsys.readouterr()
    head = repo.commit("Declare fields; web01 fills them")

    # diff: fields.yaml as its own entries, the server's fields in the FieldSet's order,
    # each value as its type reads it
    assert diff.run(repo=root, base=base, head=head, fmt="json") == 0
    doc = _json(capsys)
    assert [(c["kind"], c["name"], c["action"]) for c in doc["catalogs"]] == [
        ("fields", name, "added") for name in ORDER
    ]
    (web01,) = doc["servers"]
    assert list(web01["changes"]) == ORDER
    assert web01["changes"]["cpu"] == [None, 4]
    assert web01["changes"]["backup"] == [None, True]
    assert web01["changes"]["eol"] == [None, "2027-01-31"]
    assert web01["changes"]["roles"] == [None, ["web", "edge"]]
    table = render_markdown(diff_commits(root, base, head))
    rows = [line.split("|")[2].strip(" `") for line in table.splitlines() if "| `" in line]
    assert rows[: 1 + len(BUILT_IN) + len(ORDER)] == ["group", *BUILT_IN, *ORDER]
    assert "| ✏️ | ` cpu ` | — | **` 4 `** |" in table  # a declared number is no odd value
    assert "| ` fields ` | ` cpu ` | added | ` type `: — → ` integer `" in table

    # the same date quoted is no change; a new number is
    server.write_text(
        server.read_text()
        .replace("eol: 2027-01-31", 'eol: "2027-01-31"')
        .replace("cpu: 4", "cpu: 8")
    )
    later = repo.commit("web01: eight CPUs")
    assert diff.run(repo=root, base=head, head=later, fmt="json") == 0
    assert _json(capsys)["servers"][0]["changes"] == {"cpu": [4, 8]}
    server.write_text(server.read_text().replace('eol: "2027-01-31"', "eol: 2027-01-31"))
    assert diff.run(repo=root, base=later, head=None, fmt="json") == 0  # against the work tree
    assert _json(capsys)["servers"] == []

    # history and audit
    assert history.run(repo=root, name="web01", fmt="json") == 0
    entries = _json(capsys)["results"]
    assert [e["changes"] for e in entries][:2] == [
        {"cpu": [4, 8]},
        {k: [None, v] for k, v in web01["changes"].items() for v in [v[1]]},
    ]
    assert audit.run(repo=root, fmt="text") == 0
    text = capsys.readouterr().out
    assert "cpu: 4 → 8" in text
    assert "owner: — → web.team; cpu: — → 4; eol: — → 2027-01-31; backup: — → true;" in text

    # exports: CSV columns, servers as JSON, Ansible host variables
    out = tmp_path / "out"
    out.mkdir()
    assert export.run(repo=root, kind="csv", output=out / "servers.csv") == 0
    rows_ = list(csv.DictReader(io.StringIO((out / "servers.csv").read_text())))
    assert list(rows_[0]) == ["name", "group", *BUILT_IN, *ORDER]
    row = next(r for r in rows_ if r["name"] == "web01")
    assert [row[k] for k in ORDER] == [
        *("web.team", "8", "2027-01-31", "true", "debian12", "web,edge", "fra-r12")
    ]
    assert next(r for r in rows_ if r["name"] == "web02")["cpu"] == ""
    assert export.run(repo=root, kind="json", output=out / "servers.json") == 0
    servers = json.loads((out / "servers.json").read_text())["results"]
    assert {k: servers[-2][k] for k in ("name", "cpu", "backup", "roles")} == {
        "name": "web01",
        "cpu": 8,
        "backup": True,
        "roles": ["web", "edge"],
    }
    assert servers[0]["cpu"] is None and servers[0]["roles"] == []
    assert export.run(repo=root, kind="ansible", fmt="json", output=out / "ansible.json") == 0
    hostvars = json.loads((out / "ansible.json").read_text())["_meta"]["hostvars"]
    assert hostvars["web01"]["gitinv_owner"] == "web.team"
    assert hostvars["web01"]["gitinv_cpu"] == 8
    assert hostvars["web02"]["gitinv_eol"] is None

    # query: the rows it filters carry them (its lookups are the query command's)
    rows = exports.server_rows(inventory.load(root))
    assert rows[-2]["owner"] == "web.team" and list(rows[-2])[-7:] == ORDER

    # import: the exported CSV's declared columns, read back by type
    imported = tmp_path / "new.csv"
    row.update(name="web09", ip="10.0.0.99", rack="fra-r13")
    with imported.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows_[0]))
        writer.writeheader()
        writer.writerow(row)
    assert import_csv.run(repo=root, file=imported) == 0
    capsys.readouterr()
    new = (root / "inventory/servers/web/web09.yaml").read_text().splitlines()
    assert new[-9:] == [
        "owner: web.team",
        "cpu: 8",
        "eol: 2027-01-31",
        "backup: true",
        "os: debian12",
        "roles:",
        "  - web",
        "  - edge",
        "rack: fra-r13",
    ]
    assert validate.run(repo=root, rev=None, fmt="json") == 0
    assert fmt.run(repo=root, files=[], check=True) == 0


def test_fields_yaml_changes_in_history_read_each_side_with_its_own(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    """A value written before its field was declared, then declared: no change of the
    server; fields.yaml's own change is one entry per field."""
    root = repo.path
    server = root / WEB01
    repo.write("inventory/fields.yaml", "cpu: {type: string}\n")
    server.write_text(server.read_text() + 'cpu: "4"\n')
    repo.commit("cpu as text")
    repo.write("inventory/fields.yaml", "cpu: {type: integer}\nrack: {type: string}\n")
    server.write_text(server.read_text().replace('cpu: "4"', "cpu: 4"))
    repo.commit("cpu as a number")
    repo.write("inventory/fields.yaml", "rack: {type: string}\ncpu: {type: integer}\n")
    repo.commit("rack first")
    server.write_text(server.read_text() + "rack: r1\n")
    repo.commit("web01 in rack r1")

    assert audit.run(repo=root, fmt="json") == 0
    entries = _json(capsys)["results"]
    what = [(e["kind"], e["name"], e["changes"]) for e in entries]
    assert what[:6] == [
        ("server", "web01", {"rack": [None, "r1"]}),
        # reordering the declarations changes no declaration: no entry
        ("fields", "cpu", {"type": ["string", "integer"]}),
        ("fields", "rack", {"type": [None, "string"]}),
        ("server", "web01", {"cpu": ["4", 4]}),
        ("fields", "cpu", {"type": [None, "string"]}),
        ("server", "web01", {"cpu": [None, "4"]}),
    ]
    # the comparison shows the change of type: text, then a number
    commits = repo.git("rev-list", "--reverse", "HEAD").split()
    table = render_markdown(diff_commits(root, commits[1], commits[2]))
    assert "| ✏️ | ` cpu ` | ` 4 ` *(text)* | **` 4 ` *(number)*** |" in table
    # a value written alike on both sides is no change, whatever its declaration says
    repo.write("inventory/fields.yaml", "rack: {type: string}\ncpu: {type: string}\n")
    moved = repo.commit("cpu as text again, the file unchanged")
    assert diff.run(repo=root, base=commits[-1], head=moved, fmt="json") == 0
    doc = _json(capsys)
    assert doc["servers"] == []
    assert [c["changes"] for c in doc["catalogs"]] == [{"type": ["integer", "string"]}]
    # the order is the newest declaration's: rack now comes before cpu
    assert diff.run(repo=root, base=commits[0], head=moved, fmt="json") == 0
    assert list(_json(capsys)["servers"][0]["changes"]) == ["rack", "cpu"]
