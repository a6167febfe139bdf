"""Declared fields through `gitinv query`, servers.json, fields.json, the OpenAPI document
and the dashboard; and the lookups, one table read by both `query` and the dashboard,
checked case by case against both."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from pydantic import ValidationError

from gitinv import fields, lookups, records
from gitinv.commands import query as query_command
from gitinv.errors import GitinvError
from gitinv.site import openapi
from tests.conftest import server
from tests.site.browserfixtures import serve_site
from tests.site.sitefixtures import CATALOGS, Repo

FIELDS_YAML = """\
owner: {type: string, description: Team mailbox}
cpu: {type: integer, min: 1, max: 1024}
eol: {type: date, description: End of vendor support}
os: {type: enum, values: [debian12, debian13, rhel9]}
roles: {type: list}
managed: {type: boolean}
"""
DECLARED = ["owner", "cpu", "eol", "os", "roles", "managed"]

# name: (group, file text). Every kind of value the lookups meet: case, absent values,
# lists, addresses written two ways, integers and dates, quoted or not.
SERVERS = {
    "s01": (
        "web",
        server(
            "10.1.0.1",
            tags="\n  - frontend",
            description="Shop front",
            owner="web.team",
            cpu="4",
            eol="2027-01-31",
            os="debian12",
            roles="\n  - web\n  - Cache",
            managed="true",
        ),
    ),
    "s02": (
        "web",
        server(
            "10.1.0.2",
            state="maintenance",
            owner="Web.Team",
            cpu="16",
            eol='"2026-06-30"',
            os="rhel9",
            roles="\n  - db",
            managed="false",
        ),
    ),
    "s03": (
        "data",
        server(
            "2001:db8::5",
            component="postgres",
            dc="lab6",
            type=None,
            description="DB Primary",
            cpu="1024",
        ),
    ),
    "s04": (
        "data",
        server("10.1.0.4", "planned", "postgres", type=None, description='""'),
    ),
    "s05": (
        "data",
        server(
            "10.1.0.5",
            tags="\n  - frontend\n  - pci",
            owner="ops",
            cpu="8",
            eol="2030-12-31",
            os="debian13",
            roles="\n  - Cache\n  - db",
        ),
    ),
    "s10": ("web", server("2001:db8::a", "offline", dc="lab6", owner="ops")),
}

# Lookups as `gitinv query` and the dashboard's address take them. Each field at most
# once in a case: the dashboard holds one filter a column.
CASES: list[tuple[str, ...]] = [
    ("state=active",),
    ("state=ACTIVE",),
    ("state__iexact=ACTIVE",),
    ("state__in=planned, offline",),
    ("state__in=PLANNED",),
    ("name__iregex=^s0[12]$",),
    ("name__icontains=1",),
    ("group=web",),
    ("dc__in=lab6",),
    ("type=",),
    ("description=",),
    ("description=db primary",),
    ("description=DB Primary",),
    ("description__iexact=db primary",),
    ("description__icontains=SHOP",),
    ("ip=2001:DB8::5",),
    ("ip=2001:db8:0:0:0:0:0:5",),
    ("ip__iexact=2001:DB8::A",),
    ("ip__in=10.1.0.1, 2001:DB8::5,",),
    ("ip__icontains=DB8",),
    ("ip=10.1.0.01",),
    ("ip=::ffff:10.1.0.1",),
    ("ip__in=::FFFF:0a01:0002",),
    ("ip=1:2:3:4:5:6:7:8:9",),
    ("tags=pci",),
    ("tags=PCI",),
    ("tags__iexact=PCI",),
    ("tags__in=frontend",),
    ("tags__icontains=d, p",),
    ("tags__iregex=^p",),
    ("owner=web.team",),
    ("owner=Web.Team",),
    ("owner__iexact=web.team",),
    ("owner__icontains=TEAM",),
    ("owner=",),
    ("owner__in=ops, web.team",),
    ("owner__in=OPS",),
    ("owner__iregex=^w",),
    ("cpu=4",),
    ("cpu=04",),
    ("cpu__gt=4",),
    ("cpu__gte=16",),
    ("cpu__lt=16",),
    ("cpu__lte=8",),
    ("cpu__gt=-1",),
    ("cpu__in=4,1024",),
    ("eol=2027-01-31",),
    ("eol__gt=2026-12-31",),
    ("eol__lte=2026-06-30",),
    ("eol__lt=2030-12-31",),
    ("eol__icontains=-06-",),
    ("os=debian12",),
    ("os__in=rhel9,debian13",),
    ("roles=cache",),
    ("roles=Cache",),
    ("roles__iexact=cache",),
    ("roles__icontains=ach",),
    ("roles__in=db,web",),
    ("roles__iregex=^c.*e$",),
    ("roles=",),
    ("managed=true",),
    ("managed=True",),
    ("managed__iexact=TRUE",),
    ("managed=",),
    ("state=active", "cpu__gte=8"),
    ("owner__iexact=ops", "dc=lab6"),
    # What `query` refuses (exit 2) the dashboard ignores or matches nothing with.
    ("cpu__gt=abc",),
    ("eol__lt=2027-02-30",),
    ("owner__gt=a",),
    ("nothing=1",),
    ("state__istartswith=a",),
]


@pytest.fixture(scope="module")
def fields_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("declared")
    config = base / "gitconfig"
    config.write_text("[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GIT_CONFIG_GLOBAL", str(config))
        mp.setenv("GIT_CONFIG_NOSYSTEM", "1")
        repo = Repo(base / "repo")
        repo.path.mkdir()
        repo.git("init", "--quiet", "-b", "main")
        catalogs = {
            **CATALOGS,
            "datacenters.yaml": CATALOGS["datacenters.yaml"]
            + "lab6:\n  prefixes:\n    - 2001:db8::/32\n",
        }
        for name, text in catalogs.items():
            repo.write(f"inventory/{name}", text)
        repo.write("inventory/fields.yaml", FIELDS_YAML)
        for name, (group, text) in SERVERS.items():
            repo.write(f"inventory/servers/{group}/{name}.yaml", text)
        repo.commit("Import the servers")
    return repo.path


@pytest.fixture(scope="module")
def fields_site(fields_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from gitinv.site.build import build

    out = tmp_path_factory.mktemp("declared-site") / "_site"
    result = build(fields_repo, None, out)
    assert result.ok, result.findings
    return out


@pytest.fixture(scope="module")
def fields_origin(fields_site: Path) -> Iterator[str]:
    yield from serve_site(fields_site)


def _api(site: Path, name: str) -> Any:
    return json.loads((site / "api/v1" / name).read_text(encoding="utf-8"))


def _query(repo: Path, case: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> list[str]:
    capsys.readouterr()
    assert query_command.run(repo=repo, lookups=list(case), fmt="json") == 0
    return [row["name"] for row in json.loads(capsys.readouterr().out)["results"]]


# The dashboard's side: its address parsing, its filter options and its store, as
# servers.js puts them together, on servers.json and fields.json.
DASHBOARD_JS = """async (params) => {
  const { Store, StoreBuilder } = await import('./static/js/servers-store.js');
  const { filterOptions, parseLookup, rulesByName } = await import('./static/js/lookups.js');
  const meta = await (await fetch('api/v1/fields.json')).json();
  const rows = (await (await fetch('api/v1/servers.json')).json()).results;
  const builder = new StoreBuilder(meta.fields);
  builder.add(rows);
  const store = new Store(builder.finish().data);
  const rules = rulesByName(meta);
  const options = Object.fromEntries(meta.fields.map((f) => [f.name, filterOptions(f, rules)]));
  const byName = Object.fromEntries(meta.fields.map((f) => [f.name, f]));
  const model = {};
  let ignored = 0;
  for (const text of params) {
    const at = text.indexOf('=');
    const parsed = parseLookup(text.slice(0, at), text.slice(at + 1), byName);
    if (parsed) model[parsed[0]] = parsed[1];
    else ignored++;
  }
  const view = store.view([], model, [], options);
  const names = Array.from(view, (i) => store.valueOf('name', store.columns.name.codes[i]));
  return { names, ignored };
}"""


@pytest.mark.parametrize("case", CASES, ids=" & ".join)
def test_query_and_dashboard_lookups_match_alike(
    case: tuple[str, ...],
    fields_repo: Path,
    fields_origin: str,
    page: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    page.goto(f"{fields_origin}/index.html")
    got = page.evaluate(DASHBOARD_JS, list(case))
    try:
        expected = _query(fields_repo, case, capsys)
    except GitinvError as exc:
        assert exc.exit_code == 2
        assert got["ignored"] or got["names"] == [], got
        return
    assert got["ignored"] == 0
    assert got["names"] == expected


def test_the_cases_cover_every_lookup_and_kind() -> None:
    used = {text.split("=")[0].partition("__")[2] or "exact" for case in CASES for text in case}
    assert {lk.name for lk in lookups.LOOKUPS} <= used
    fields_used = {text.split("=")[0].partition("__")[0] for case in CASES for text in case}
    assert set(DECLARED) <= fields_used


def test_query_knows_declared_fields(fields_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _query(fields_repo, ("cpu__gt=4",), capsys) == ["s02", "s03", "s05"]
    assert _query(fields_repo, ("cpu__lte=4",), capsys) == ["s01"]
    assert _query(fields_repo, ("eol__gte=2027-01-31",), capsys) == ["s01", "s05"]
    assert _query(fields_repo, ("eol__lt=2027-01-31",), capsys) == ["s02"]
    assert _query(fields_repo, ("os=rhel9",), capsys) == ["s02"]
    assert _query(fields_repo, ("roles=Cache",), capsys) == ["s01", "s05"]
    assert _query(fields_repo, ("managed=false",), capsys) == ["s02"]
    assert _query(fields_repo, ("owner=ops",), capsys) == ["s05", "s10"]
    assert query_command.run(repo=fields_repo, lookups=["cpu__gte=8"], fmt="table") == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split()[-len(DECLARED) :] == DECLARED
    assert table[1].split()[0] == "s02" and "rhel9" in table[1]
    with pytest.raises(GitinvError, match="integer"):
        query_command.run(repo=fields_repo, lookups=["cpu__gt=4.5"])
    with pytest.raises(GitinvError, match="does not apply to `os`"):
        query_command.run(repo=fields_repo, lookups=["os__lt=rhel9"])


def test_servers_json_rows_carry_declared_fields(fields_site: Path) -> None:
    rows = {row["name"]: row for row in _api(fields_site, "servers.json")["results"]}
    assert rows["s01"]["cpu"] == 4 and rows["s01"]["managed"] is True
    assert rows["s01"]["roles"] == ["web", "Cache"] and rows["s01"]["eol"] == "2027-01-31"
    assert rows["s02"]["eol"] == "2026-06-30"  # quoted in the file: the same date
    assert {k: rows["s04"][k] for k in DECLARED} == {
        "owner": None,
        "cpu": None,
        "eol": None,
        "os": None,
        "roles": [],
        "managed": None,
    }
    detail = _api(fields_site, "servers/s01.json")
    assert detail["os"] == "debian12" and detail["component"]["name"] == "nginx"
    meta = _api(fields_site, "fields.json")
    names = [f["name"] for f in meta["fields"]]
    assert names[:2] == ["name", "group"] and names[-len(DECLARED) :] == DECLARED
    by_name = {f["name"]: f for f in meta["fields"]}
    assert by_name["cpu"]["lookups"][-4:] == ["gt", "gte", "lt", "lte"]
    assert "gt" not in by_name["owner"]["lookups"] and by_name["roles"]["is_list"]
    assert meta["lookups"] == lookups.table()


def test_every_published_server_is_a_record(fields_repo: Path, fields_site: Path) -> None:
    """servers.json's rows and the servers' files are what records.py's models say,
    declared fields typed (an integer is no text, a boolean no integer)."""
    declared, problems = fields.parse((fields_repo / "inventory/fields.yaml").read_bytes())
    assert not problems
    row_model = records.server_row_model(declared)
    detail_model = records.server_detail_model(declared)
    rows = _api(fields_site, "servers.json")["results"]
    for row in rows:
        row_model.model_validate(row, strict=True)
        detail_model.model_validate(_api(fields_site, f"servers/{row['name']}.json"), strict=True)
    wrong = {**rows[0], "cpu": "4"}
    with pytest.raises(ValidationError):
        row_model.model_validate(wrong, strict=True)
    with pytest.raises(ValidationError):
        row_model.model_validate({**rows[0], "managed": 1}, strict=True)
    with pytest.raises(ValidationError):
        row_model.model_validate({**rows[0], "extra": 1}, strict=True)


def test_openapi_describes_declared_fields(fields_site: Path) -> None:
    doc = _api(fields_site, "openapi.json")
    validate(doc)
    schemas = doc["components"]["schemas"]
    row = schemas["ServerRow"]["properties"]
    # The document's keys are sorted (the same bytes for the same revision); the record
    # has the declared fields after the built-in ones.
    declared, problems = fields.parse(FIELDS_YAML.encode())
    assert not problems
    ordered = list(openapi.schemas(declared)["ServerRow"]["properties"])
    assert ordered[-len(DECLARED) - 1 :] == [*DECLARED, "changed"]
    assert ordered[:3] == ["name", "group", "component"]
    assert row["cpu"]["anyOf"][0] == {"type": "integer", "minimum": 1, "maximum": 1024}
    assert row["eol"]["anyOf"][0]["format"] == "date"
    assert row["os"]["anyOf"][0]["enum"] == ["debian12", "debian13", "rhel9"]
    assert row["roles"]["type"] == "array" and row["managed"]["anyOf"][0]["type"] == "boolean"
    assert row["owner"]["description"] == "Team mailbox"
    assert set(DECLARED) <= set(schemas["ServerDetail"]["properties"])
    for path, rel in [
        ("/servers.json", "servers.json"),
        ("/servers/{name}.json", "servers/s01.json"),
    ]:
        schema = doc["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
        validator = Draft202012Validator(
            {"components": doc["components"], "allOf": [schema["schema"]]}
        )
        assert not list(validator.iter_errors(_api(fields_site, rel))), rel
    # A value the schema refuses is noticed: the declared types are really checked.
    listing = _api(fields_site, "servers.json")
    listing["results"][0]["cpu"] = 0
    schema = doc["paths"]["/servers.json"]["get"]["responses"]["200"]["content"]
    validator = Draft202012Validator(
        {"components": doc["components"], "allOf": [schema["application/json"]["schema"]]}
    )
    assert list(validator.iter_errors(listing))


def test_dashboard_shows_and_filters_a_declared_column(page: Any, fields_origin: str) -> None:
    page.set_viewport_size({"width": 3200, "height": 900})  # every column on screen
    page.goto(f"{fields_origin}/index.html?cpu__gte=8")
    page.wait_for_selector(f"text=3 of {len(SERVERS)} servers")
    assert page.locator(".ag-header-cell[col-id='cpu'] .ag-header-cell-text").inner_text() == "cpu"
    page.wait_for_selector(".ag-row [col-id='cpu']:has-text('1024')")
    page.goto(f"{fields_origin}/index.html")
    page.wait_for_selector(f"text={len(SERVERS)} of {len(SERVERS)} servers")
    page.locator(".ag-floating-filter[col-id='owner'] input").fill("TEAM")
    page.wait_for_selector(f"text=2 of {len(SERVERS)} servers")
    page.wait_for_function("location.search === '?owner__icontains=TEAM'")
    page.evaluate(  # the last columns into view
        "document.querySelector('.ag-body-horizontal-scroll-viewport').scrollLeft = 1e6"
    )
    page.locator(".ag-floating-filter[col-id='roles'] input").fill("db")
    page.wait_for_selector(f"text=1 of {len(SERVERS)} servers")
    assert page.locator(".ag-row [col-id='roles']").first.inner_text() == "db"


def test_server_page_shows_declared_fields(page: Any, fields_origin: str) -> None:
    page.goto(f"{fields_origin}/server.html?name=s01")
    page.wait_for_selector("dd[data-field='cpu']")
    assert page.locator("dd[data-field='cpu']").inner_text() == "4"
    assert page.locator("dd[data-field='roles']").inner_text() == "web, Cache"
    assert page.locator("dd[data-field='managed']").inner_text() == "true"
    page.goto(f"{fields_origin}/server.html?name=s04")
    page.wait_for_selector("dd[data-field='owner']")
    assert page.locator("dd[data-field='owner']").inner_text() == "—"


def test_history_lists_declared_fields_in_their_order(page: Any, fields_origin: str) -> None:
    """The history's JSON has its keys sorted; the server page and the audit log show a
    change's fields as the file has them: built-in, then fields.yaml's order."""
    page.goto(f"{fields_origin}/server.html?name=s01")
    page.wait_for_selector(".history-entry table.changes")
    shown = page.locator(".history-entry table.changes tbody th").all_inner_texts()
    assert [f for f in shown if f in DECLARED] == DECLARED
    assert shown.index("description") < shown.index(DECLARED[0])
    page.goto(f"{fields_origin}/audit.html?name=s01")
    page.wait_for_selector(".cell-lines div")
    lines = page.locator(".cell-lines div").all_inner_texts()
    named = [line.split(":")[0] for line in lines]
    assert [f for f in named if f in DECLARED] == DECLARED
