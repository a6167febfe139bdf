"""Adding a field touches one place: fields.yaml. Every command that reads, shows,
compares, exports or imports a server's fields follows it, with no other change."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from gitinv import exports, inventory
from gitinv.commands import (
    audit,
    diff,
    export,
    fmt,
    history,
    import_csv,
    query,
    schema,
    validate,
)
from gitinv.diff import diff_commits
from gitinv.diffformat import render_markdown
from gitinv.errors import GitinvError
from gitinv.site.build import build
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

    # query: every declared field takes its type's lookups
    rows = exports.server_rows(inventory.load(root))
    assert rows[-2]["owner"] == "web.team" and list(rows[-2])[-7:] == ORDER
    for lookups in (
        ["owner=web.team"],
        ["cpu__gte=8"],
        ["eol__lt=2027-02-01"],
        ["backup=true"],
        ["os__in=debian12,rhel9"],
        ["roles=edge"],
        ["rack__icontains=R12"],
    ):
        assert query.run(repo=root, lookups=lookups, fmt="json") == 0, lookups
        assert [r["name"] for r in _json(capsys)["results"]] == ["web01"], lookups
    assert query.run(repo=root, lookups=["cpu__gt=8"], fmt="json") == 0
    assert _json(capsys)["results"] == []

    # the site: servers.json, each server's file, fields.json and the OpenAPI document
    site = tmp_path / "_site"
    assert build(root, None, site).ok
    api = site / "api/v1"
    published = json.loads((api / "servers.json").read_text())["results"]
    web01_row = next(r for r in published if r["name"] == "web01")
    assert {k: web01_row[k] for k in ORDER} == {
        "owner": "web.team",
        "cpu": 8,
        "eol": "2027-01-31",
        "backup": True,
        "os": "debian12",
        "roles": ["web", "edge"],
        "rack": "fra-r12",
    }
    assert json.loads((api / "servers/web01.json").read_text())["cpu"] == 8
    columns = [f["name"] for f in json.loads((api / "fields.json").read_text())["fields"]]
    assert columns[-len(ORDER) :] == ORDER
    document = json.loads((api / "openapi.json").read_text())
    for record in ("ServerRow", "ServerDetail"):
        properties = document["components"]["schemas"][record]["properties"]
        assert set(ORDER) <= set(properties), record
        assert {"minimum": 1, "maximum": 1024, "type": "integer"} in properties["cpu"]["anyOf"]
        assert properties["eol"]["anyOf"][0]["format"] == "date"

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


HEADER = "name,group,component,ip,dc,environment,state,x\n"
ROW = "web09,web,nginx,10.0.0.99,dc4,production,active,"

# (declaration of `x`, its CSV cell, the line(s) written) for values each type accepts.
IMPORT_VALID = [
    ("{type: string}", "web.team", ["x: web.team"]),
    ("{type: string}", "2027", ['x: "2027"']),  # text that YAML would read as a number
    ("{type: integer, min: -20}", " -12 ", ["x: -12"]),
    ("{type: integer}", "4", ["x: 4"]),
    ("{type: boolean}", "true", ["x: true"]),
    ("{type: boolean}", "FALSE", ["x: false"]),
    ("{type: date}", "2027-01-31", ["x: 2027-01-31"]),
    ("{type: enum, values: [a, b]}", "b", ["x: b"]),
    ("{type: list}", '"b, a"', ["x:", "  - b", "  - a"]),  # the order given
    ("{type: list, values: [a, b]}", "a", ["x:", "  - a"]),
]

# (declaration, cell, what the refusal says) for values each type refuses.
IMPORT_INVALID = [
    ("{type: string, pattern: '^[a-z.]+$'}", "Web", "bad-value: `x`: `Web` does not match"),
    ("{type: string, max_length: 3}", "abcd", "bad-value: `x` is 4 characters long"),
    ("{type: integer}", "four", "bad-type: `x` must be a whole number"),
    ("{type: integer}", "4.5", "bad-type: `x` must be a whole number"),
    ("{type: integer, min: 1}", "0", "bad-value: `x` must be at least 1, not 0"),
    ("{type: integer, max: 8}", "9", "bad-value: `x` must be at most 8, not 9"),
    ("{type: integer}", "9" * 4301, "bad-value: `x` is a number of 4301 digits"),
    ("{type: boolean}", "yes", "bad-type: `x` must be true or false"),
    ("{type: date}", "2027-02-30", "bad-value: `x`: `2027-02-30` is not a day of the calendar"),
    ("{type: date}", "31.01.2027", "bad-value: `x`: `31.01.2027` is not a date"),
    ("{type: enum, values: [a, b]}", "c", "bad-value: `x`: `c` is not allowed; use one of a, b"),
    ("{type: list, values: [a, b]}", '"a,c"', "bad-value: `x`: `c` is not allowed"),
    ("{type: list}", '"a,a"', "bad-value: `x`: `a` is listed twice"),
]


def _import(
    repo: GitRepo, declaration: str, cell: str, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str]:
    repo.write("inventory/fields.yaml", f"x: {declaration}\n")
    source = repo.path.parent / "new.csv"
    source.write_text(HEADER + ROW + cell + "\n")
    code = import_csv.run(repo=repo.path, file=source)
    return code, capsys.readouterr().err


@pytest.mark.parametrize(("declaration", "cell", "lines"), IMPORT_VALID)
def test_import_reads_each_type(
    repo: GitRepo,
    capsys: pytest.CaptureFixture[str],
    declaration: str,
    cell: str,
    lines: list[str],
) -> None:
    code, err = _import(repo, declaration, cell, capsys)
    assert code == 0, err
    written = (repo.path / "inventory/servers/web/web09.yaml").read_text().splitlines()
    assert written[-len(lines) :] == lines
    assert validate.run(repo=repo.path, rev=None, fmt="json") == 0
    assert fmt.run(repo=repo.path, files=[], check=True) == 0


@pytest.mark.parametrize(("declaration", "cell", "message"), IMPORT_INVALID)
def test_import_refuses_each_types_bad_values(
    repo: GitRepo,
    capsys: pytest.CaptureFixture[str],
    declaration: str,
    cell: str,
    message: str,
) -> None:
    code, err = _import(repo, declaration, cell, capsys)
    assert code == 1
    # the file, the row, the server and the column, then what to do
    assert f"new.csv: row 2 (web09): {message}" in err
    assert not (repo.path / "inventory/servers/web/web09.yaml").exists()


def test_import_knows_the_declared_columns_only(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _import(repo, "{type: string}", "a", capsys)
    assert code == 0
    repo.remove("inventory/fields.yaml")
    source = repo.path.parent / "new.csv"
    source.write_text(
        HEADER.replace(",x", ",y") + "web10,web,nginx,10.0.0.98,dc4,production,active,b\n"
    )
    assert import_csv.run(repo=repo.path, file=source) == 1
    err = capsys.readouterr().err
    assert "unknown column 'y'" in err and "description" in err


def test_unique_holds_across_groups_on_import_and_validate(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("inventory/fields.yaml", "rack: {type: string, unique: true}\n")
    web01 = repo.path / WEB01
    web01.write_text(web01.read_text() + "rack: r1\n")
    source = repo.path.parent / "new.csv"
    source.write_text(
        "name,group,component,ip,dc,environment,state,rack\n"
        "db09,data,postgres,10.0.0.98,dc4,production,active,r1\n"
    )
    assert import_csv.run(repo=repo.path, file=source) == 1
    err = capsys.readouterr().err
    assert (
        "new.csv: row 2 (db09): duplicate-value: `rack: r1` is also used by "
        "inventory/servers/web/web01.yaml; `rack` is unique" in err
    )
    db01 = repo.path / "inventory/servers/data/db01.yaml"
    db01.write_text(db01.read_text() + "rack: r1\n")
    assert validate.run(repo=repo.path, rev=None, fmt="text") == 1
    out = capsys.readouterr().out
    assert "inventory/servers/data/db01.yaml:10:7: duplicate-value" in out
    assert "inventory/servers/web/web01.yaml:10:7: duplicate-value" in out


def test_a_value_its_field_refuses_fails_before_the_load(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    """`cpu__gte=abc` is refused from fields.yaml alone, in the working tree or at a
    revision: the load, which would warn of the broken server first, never starts."""
    root = repo.path
    (root / "inventory/fields.yaml").write_text(DECLARED)
    repo.commit("Declare fields")
    (root / WEB01).write_text("not: [a server\n")  # what the load would warn about
    for rev in (None, "HEAD"):
        with pytest.raises(GitinvError, match="`cpu` is an integer; write a whole number") as err:
            query.run(repo=root, lookups=["cpu__gte=abc"], fmt="json", rev=rev)
        assert err.value.exit_code == 2
        assert "the inventory has" not in capsys.readouterr().err
    # A field fields.yaml does not declare is refused early too; the load still decides
    # for the lookups that pass the first look.
    with pytest.raises(GitinvError, match="unknown field 'colour'"):
        query.run(repo=root, lookups=["colour=red"], fmt="json")
    assert query.run(repo=root, lookups=["cpu__gte=1"], fmt="json") == 0
    assert "the inventory has 1 problem(s)" in capsys.readouterr().err
    # A revision is named before fields.yaml is looked for there.
    for rev in ("nosuchbranch", "-p"):
        with pytest.raises(GitinvError, match="unknown revision"):
            query.run(repo=root, lookups=["cpu__gte=1"], fmt="json", rev=rev)
    # A named pipe where fields.yaml was is not opened (it would never answer): the load
    # reports it, and the declared field is then unknown.
    pipe = root / "inventory/fields.yaml"
    pipe.unlink()
    os.mkfifo(pipe)

    def feed() -> None:  # what a reader of the pipe would get, rather than wait for ever
        time.sleep(2)
        with contextlib.suppress(OSError):  # no reader: as it should be
            fd = os.open(pipe, os.O_WRONLY | os.O_NONBLOCK)
            os.write(fd, DECLARED.encode())
            os.close(fd)

    threading.Thread(target=feed, daemon=True).start()
    capsys.readouterr()
    with pytest.raises(GitinvError, match="unknown field 'cpu'"):
        query.run(repo=root, lookups=["cpu__gte=1"], fmt="json")
    assert "the inventory has" not in capsys.readouterr().err  # refused before the load


def test_removing_a_used_field_says_what_to_do(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("inventory/fields.yaml", "rack: {type: string}\nos: {type: string}\n")
    for path in (WEB01, "inventory/servers/data/db01.yaml"):
        server = repo.path / path
        server.write_text(server.read_text() + "rack: r1\n")
    assert validate.run(repo=repo.path, rev=None, fmt="text") == 0
    capsys.readouterr()
    repo.write("inventory/fields.yaml", "os: {type: string}\n")
    assert validate.run(repo=repo.path, rev=None, fmt="text") == 1
    found = capsys.readouterr().out.splitlines()
    uses = [line for line in found if "unknown-field" in line]
    assert [line.split(": ")[0] for line in uses] == [
        "inventory/servers/data/db01.yaml:10:1",
        "inventory/servers/web/web01.yaml:10:1",
    ]
    for line in uses:
        assert "unknown field `rack`" in line
        assert "nor declared in inventory/fields.yaml" in line
        assert "a field removed from there must first be removed from every server" in line
        assert "remove it from this file, or declare it (again) in inventory/fields.yaml" in line
