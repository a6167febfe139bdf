"""Lookup semantics against answers worked out by hand on tests/exports/fixture."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gitinv import exports, fields, inventory, query
from gitinv.commands import query as query_cmd
from gitinv.docs import lookup_table
from gitinv.errors import GitinvError
from tests.conftest import ROOT
from tests.exports.exportfixtures import ALL, git

CASES: list[tuple[list[str], list[str]]] = [
    ([], ALL),
    # exact: case-sensitive; a missing optional value is ""
    (["state=active"], ["db01", "web01"]),
    (["state=ACTIVE"], []),
    (["state__exact=active"], ["db01", "web01"]),
    (["type="], ["web02"]),
    (["description="], ["cache-old"]),
    (["type=vm"], ["cache-old", "proxy-ams", "web01"]),
    (["group=data"], ["cache-old", "db01", "db02"]),
    (["dc=ams-2"], ["db02", "proxy-ams"]),
    # iexact / icontains fold case on both sides
    (["state__iexact=ACTIVE"], ["db01", "web01"]),
    (["description__iexact=public WEB frontend"], ["web01"]),
    (["name__icontains=WEB"], ["web01", "web02"]),
    (["description__icontains=frontend"], ["web01", "web02"]),
    (["description__icontains=EU CUSTOMERS"], ["db01"]),
    # iregex: re.search, case-insensitive, anchors only where written
    (["name__iregex=\\d$"], ["db01", "db02", "web01", "web02"]),
    (["component__iregex=^(NGINX|redis)$"], ["cache-old", "proxy-ams", "web01", "web02"]),
    (["description__iregex=db0"], ["db02"]),
    # in: comma list, blanks around items ignored, empty list matches nothing
    (["state__in=active,offline"], ["db01", "db02", "web01"]),
    (["dc__in=ams-2, fra1"], ALL),
    (["dc__in="], []),
    (["type__in=baremetal"], ["db01", "db02"]),
    # tags: any tag matching is enough; no tags matches nothing
    (["tags=pci"], ["db01", "web01"]),
    (["tags=PCI"], []),
    (["tags__iexact=PCI"], ["db01", "web01"]),
    (["tags__icontains=CK"], ["db01", "db02"]),
    (["tags__iregex=^f"], ["web01", "web02"]),
    (["tags__in=gdpr,frontend"], ["db01", "web01", "web02"]),
    (["tags="], []),
    (["tags__iregex=.*"], ["db01", "db02", "web01", "web02"]),
    # ip: exact/iexact/in compare addresses; icontains/iregex the text
    (["ip=2001:DB8:2:0:0:0:0:5"], ["proxy-ams"]),
    (["ip__iexact=2001:db8:2::5"], ["proxy-ams"]),
    (["ip__in=10.1.0.11,2001:db8:2::0005"], ["proxy-ams", "web01"]),
    (["ip=10.1.0.1"], []),
    (["ip__icontains=10.1."], ["cache-old", "db01", "web01", "web02"]),
    (["ip__iregex=^10\\.2\\."], ["db02"]),
    (["ip=not-an-ip"], []),
    # several lookups are ANDed, also on one field
    (["group=web", "state=active"], ["web01"]),
    (["environment=production", "tags=pci", "type=baremetal"], ["db01"]),
    (["name__icontains=db", "name__icontains=2"], ["db02"]),
    (["tags=pci", "tags=gdpr"], ["db01"]),
    (["state=active", "state=offline"], []),
    # the value is everything after the first "="
    (["description__icontains=a=b"], []),
]


@pytest.fixture
def rows(eco_repo: Path) -> list[dict[str, object]]:
    inv = inventory.load(eco_repo)
    assert inv.ok, inv.findings
    return exports.server_rows(inv)


@pytest.mark.parametrize(("lookups", "expected"), CASES, ids=[" ".join(c[0]) for c in CASES])
def test_lookup(rows: list[dict[str, object]], lookups: list[str], expected: list[str]) -> None:
    selected = query.select(rows, query.parse(lookups))
    assert [row["name"] for row in selected] == expected


ERRORS = [
    ("state", "bad lookup 'state'"),
    ("=active", "bad lookup '=active'"),
    ("colour=red", "unknown field 'colour'"),
    ("name__contains=web", "unknown lookup 'contains'"),
    ("name__iexact__in=a", "unknown lookup 'iexact__in'"),
    ("name__iregex=(", "bad regular expression in 'name__iregex=('"),
    ("tags__iregex=[a-", "bad regular expression"),
]


@pytest.mark.parametrize(("text", "message"), ERRORS)
def test_bad_lookup(text: str, message: str) -> None:
    with pytest.raises(GitinvError) as err:
        query.parse_lookup(text)
    assert message in str(err.value)
    assert err.value.exit_code == 2


def test_fields_are_the_export_columns() -> None:
    assert [f.name for f in fields.BUILTIN.columns] == list(exports.COLUMNS)


def test_command_formats(eco_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert query_cmd.run(repo=eco_repo, lookups=["tags=pci"], fmt="json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["count"] == 2
    assert data["results"][0] == {
        "name": "db01",
        "group": "data",
        "component": "postgres",
        "ip": "10.1.0.21",
        "dc": "fra1",
        "environment": "production",
        "type": "baremetal",
        "state": "active",
        "tags": ["backup", "gdpr", "pci"],
        "description": "Primary database, EU customers",
    }
    assert query_cmd.run(repo=eco_repo, lookups=["tags=pci"], fmt="csv") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "name,group,component,ip,dc,environment,type,state,tags,description"
    assert lines[1].startswith(
        'db01,data,postgres,10.1.0.21,fra1,production,baremetal,active,"backup,gdpr,pci",'
    )
    assert query_cmd.run(repo=eco_repo, lookups=["group=web"], fmt="table") == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == list(exports.COLUMNS)
    assert [line.split()[0] for line in table[1:]] == ["proxy-ams", "web01", "web02"]
    assert table[2].split()[:8] == [
        "web01",
        "web",
        "nginx",
        "10.1.0.11",
        "fra1",
        "production",
        "vm",
        "active",
    ]


def test_command_no_match(eco_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert query_cmd.run(repo=eco_repo, lookups=["name=zzz"], fmt="json") == 0
    assert json.loads(capsys.readouterr().out) == {"count": 0, "results": []}
    assert query_cmd.run(repo=eco_repo, lookups=["name=zzz"], fmt="table") == 0
    assert capsys.readouterr().out.split() == list(exports.COLUMNS)


def test_command_rev(eco_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (eco_repo / "inventory/servers/web/web01.yaml").unlink()
    assert query_cmd.run(repo=eco_repo, lookups=["group=web"], fmt="csv", rev="HEAD") == 0
    assert "web01," in capsys.readouterr().out
    assert query_cmd.run(repo=eco_repo, lookups=["group=web"], fmt="csv") == 0
    assert "web01," not in capsys.readouterr().out
    assert git(eco_repo, "status", "--short").strip() == "D inventory/servers/web/web01.yaml"


def test_command_bad_lookup_before_loading(tmp_path: Path) -> None:
    with pytest.raises(GitinvError) as err:
        query_cmd.run(repo=tmp_path, lookups=["nope=1"], fmt="table")
    assert err.value.exit_code == 2


def test_command_warns_on_invalid_inventory(
    eco_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (eco_repo / "inventory/servers/web/web02.yaml").write_text("state: [\n")
    assert query_cmd.run(repo=eco_repo, lookups=["group=web"], fmt="csv") == 0
    captured = capsys.readouterr()
    assert "web02," not in captured.out
    assert "warning: the inventory has" in captured.err


def test_readme_lookup_table_is_current() -> None:
    readme = (ROOT / "README.md").read_text()
    start = readme.index("<!-- BEGIN lookup-table")
    body = readme[readme.index("\n", start) + 1 : readme.index("<!-- END lookup-table -->")]
    assert body == lookup_table(), (
        "run: python -c 'from gitinv.docs import lookup_table; print(lookup_table())'"
    )
