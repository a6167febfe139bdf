"""The servers table over its columns (servers-store.js), in headless Chromium.

The table answers the grid's requests for rows itself (ag-grid's infinite row model): its
search, column filters and sort must give what ag-grid's own client-side filtering and
sorting give on the same rows, which one test checks case by case in the page.
"""

from __future__ import annotations

import ipaddress
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gitinv.exports import COLUMNS
from tests.conftest import server
from tests.site.browserfixtures import serve_site
from tests.site.sitefixtures import CATALOGS, Repo
from tests.site.test_site_browser import names_in_order

SERVERS = 300
STATES = ["active", "planned", "maintenance", "offline", "decommissioned"]


def _description(i: int) -> str | None:
    kinds = [
        None,
        f"Web {i}",
        f"'İstanbul edge {i}'",  # lowercases to one character more
        f"'Say \"hi\", {i}'",
        "DB Primary",
        "",
        "'frontend, pci'",
    ]
    return kinds[i % len(kinds)]


def _server(i: int) -> str:
    extra: dict[str, str] = {}
    tags = [t for j, t in enumerate(["frontend", "pci", "backup"]) if (i >> j) & 1]
    if tags:
        extra["tags"] = "".join(f"\n  - {t}" for t in tags)
    description = _description(i)
    if description is not None:
        extra["description"] = description or '""'
    ip = f"2001:db8::{i:x}" if i % 9 == 0 else f"10.1.{i % 7}.{i % 251}"
    text = server(
        ip,
        state=STATES[i % len(STATES)],
        component="postgres" if i % 4 == 0 else "nginx",
        type=None if i % 4 == 0 else "vm",  # postgres: no type
        **extra,
    )
    text = text.replace("dc: fra1", "dc: lab6") if ":" in ip else text
    return text.replace("environment: production", "environment: staging") if i % 3 else text


@pytest.fixture(scope="module")
def table_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """300 servers with every kind of value the table handles, changed by three people."""
    from gitinv.site.build import build

    base = tmp_path_factory.mktemp("table")
    repo = Repo(base / "repo")
    repo.path.mkdir()
    repo.git("init", "--quiet", "-b", "main")
    catalogs = {
        **CATALOGS,
        "datacenters.yaml": CATALOGS["datacenters.yaml"]
        + "lab6:\n  prefixes:\n    - 2001:db8::/32\n",
        "tags.yaml": "frontend: {}\npci: {}\nbackup: {}\n",
    }
    for name, text in catalogs.items():
        repo.write(f"inventory/{name}", text)
    for i in range(SERVERS):
        group = "web" if i % 2 else "data"
        repo.write(f"inventory/servers/{group}/n{i:03d}.yaml", _server(i))
    repo.commit("Import the servers")
    for number, who in [(1, "Bob Builder"), (2, "Dana Data")]:
        branch = f"request/update/n{number:03d}"
        change = {
            f"inventory/servers/web/n{i:03d}.yaml": _server(i).replace(
                "state: ", "state: offline\n#"
            )
            for i in range(number, SERVERS, 10 * number + 1)
            if i % 2
        }
        repo.merge_pr(number, branch, f"Update batch {number}", who, change)
    out = base / "_site"
    assert build(repo.path, None, out).ok
    return out


@pytest.fixture(scope="module")
def table_origin(table_site: Path) -> Iterator[str]:
    yield from serve_site(table_site)


@pytest.fixture(scope="module")
def pretty_origin(table_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The same site with servers.json indented: a layout the row-by-row reader cannot follow."""
    root = tmp_path_factory.mktemp("pretty") / "_site"
    shutil.copytree(table_site, root)
    listing = root / "api/v1/servers.json"
    listing.write_text(json.dumps(json.loads(listing.read_text()), indent=1), encoding="utf-8")
    yield from serve_site(root)


@pytest.fixture(scope="module")
def rows(table_site: Path) -> list[dict[str, Any]]:
    listing = json.loads((table_site / "api/v1/servers.json").read_text(encoding="utf-8"))
    results: list[dict[str, Any]] = listing["results"]
    return results


def _load(pg: Any, url: str) -> None:
    pg.goto(url)
    pg.wait_for_selector(f"text={SERVERS} of {SERVERS} servers")


# The reference: the table as it was with ag-grid's client-side row model, its filters and
# sort, and the search text of each row; against it, the store's answer for the same case.
SAME_AS_AG_GRID_JS = """async (cases) => {
  const { Store, StoreBuilder, STATE_ORDER, ipKey } = await import('./static/js/servers-store.js');
  const { LIST_SEP, filterOptions, lookupsFor, rulesByName } =
    await import('./static/js/lookups.js');
  const rows = (await (await fetch('api/v1/servers.json')).json()).results;
  const meta = await (await fetch('api/v1/fields.json')).json();
  const rules = rulesByName(meta);
  const textColumn = { kind: 'string', is_list: false, lookups: lookupsFor(meta, 'string') };
  const options = Object.fromEntries([
    ...meta.fields.map((f) => [f.name, filterOptions(f, rules)]),
    ...['changed', 'author', 'pull_request'].map((id) => [id, filterOptions(textColumn, rules)]),
  ]);
  const builder = new StoreBuilder(meta.fields);
  builder.add(rows.slice(0, 7));
  builder.add(rows.slice(7));
  const store = new Store(builder.finish().data);
  const shortDate = (iso) => (iso ? iso.slice(0, 10) : '');
  const filter = (id) => ({ filter: 'agTextColumnFilter',
    filterParams: { filterOptions: options[id], maxNumConditions: 1 } });
  const columns = [
    { field: 'name' }, { field: 'group' }, { field: 'component' },
    { field: 'ip', comparator: (a, b) => (ipKey(a) < ipKey(b) ? -1 : ipKey(a) > ipKey(b) ? 1 : 0) },
    { field: 'dc' }, { field: 'environment' }, { field: 'type' },
    { field: 'state', comparator: (a, b) => STATE_ORDER.indexOf(a) - STATE_ORDER.indexOf(b) },
    { field: 'tags', valueGetter: (p) => (p.data.tags || []).join(', '),
      filterValueGetter: (p) => (p.data.tags || []).join(LIST_SEP) },
    { field: 'description' },
    { colId: 'changed', valueGetter: (p) => shortDate(p.data.changed?.date) },
    { colId: 'author', valueGetter: (p) => p.data.changed?.author ?? '' },
    { colId: 'pull_request',
      valueGetter: (p) => (p.data.changed?.pull_request ? `#${p.data.changed.pull_request}` : '') },
  ].map((c) => ({ ...filter(c.field || c.colId), ...c }));
  const searched = ['name', 'group', 'component', 'ip', 'dc', 'environment', 'type', 'state',
    'description'];
  const text = (row) => [...searched.map((f) => row[f] ?? ''), (row.tags || []).join(' '),
    row.changed?.date ?? '', row.changed?.author ?? ''].join('\\n').toLowerCase();
  let terms = [];
  const div = document.createElement('div');
  div.style.height = '100px';
  document.body.append(div);
  const api = agGrid.createGrid(div, { columnDefs: columns, rowData: rows,
    defaultColDef: { sortable: true },
    isExternalFilterPresent: () => terms.length > 0,
    doesExternalFilterPass: (node) => terms.every((t) => text(node.data).includes(t)) });
  const results = [];
  for (const c of cases) {
    terms = c.terms;
    api.setFilterModel(null);
    for (const [col, model] of Object.entries(c.filters)) {
      await api.setColumnFilterModel(col, model);
    }
    api.onFilterChanged();
    const state = c.sort.map((s, i) => ({ colId: s.colId, sort: s.sort, sortIndex: i }));
    api.applyColumnState({ state, defaultState: { sort: null } });
    const expected = [];
    api.forEachNodeAfterFilterAndSort((n) => expected.push(n.data.name));
    const view = store.view(c.terms, c.filters, c.sort, options);
    const got = Array.from(view, (i) => store.valueOf('name', store.columns.name.codes[i]));
    results.push({ c, expected, got });
  }
  api.destroy();
  return results;
}"""


def _text(type_: str, value: str | None = None) -> dict[str, Any]:
    model: dict[str, Any] = {"filterType": "text", "type": type_}
    if value is not None:
        model["filter"] = value
    return model


CASES: list[dict[str, Any]] = [
    *(
        {"terms": t, "filters": {}, "sort": []}
        for t in [
            ["n01"],
            ["web"],
            ["2026-01"],
            ["bob"],
            ["frontend"],
            ["frontend,"],
            ["istanbul"],
            ["i\u0307stanbul"],
            ["edge", "staging"],
            ["::"],
            ["10.1.3."],
            ['"hi",'],
            ["zzz"],
            ["offline"],
            ["n1", "pci", "active"],
        ]
    ),
    *(
        {"terms": [], "filters": {col: model}, "sort": []}
        for col, model in [
            ("state", _text("in", "active, planned")),
            ("state", _text("iexact", "ACTIVE")),
            ("state", _text("exact", "ACTIVE")),
            ("name", _text("icontains", "0")),
            ("description", _text("exact", "DB Primary")),
            ("description", _text("icontains", "İST")),
            ("description", _text("iregex", "^web \\d+$")),
            ("description", _text("iregex", "^say")),
            ("type", _text("in", "vm, baremetal,")),
            ("tags", _text("in", "pci")),
            ("tags", _text("exact", "pci")),
            ("tags", _text("iregex", "^p")),
            ("tags", _text("icontains", "d, p")),
            ("tags", _text("icontains", "ontend")),
            ("ip", _text("iregex", "^2001")),
            ("ip", _text("exact", "2001:DB8::9")),
            ("ip", _text("icontains", "0.1")),
            ("description", _text("iexact", "db primary")),
            ("description", _text("exact", "db primary")),
            ("changed", _text("icontains", "2026-01-0")),
            ("author", _text("iexact", "bob builder")),
            ("pull_request", _text("iregex", ".")),
        ]
    ),
    *(
        {"terms": [], "filters": {}, "sort": [{"colId": col, "sort": way}]}
        for col in ["name", "state", "ip", "description", "tags", "type", "changed", "author"]
        for way in ["asc", "desc"]
    ),
    {
        "terms": [],
        "filters": {},
        "sort": [{"colId": "state", "sort": "asc"}, {"colId": "ip", "sort": "desc"}],
    },
    {
        "terms": ["web"],
        "filters": {"state": _text("in", "active,offline")},
        "sort": [{"colId": "description", "sort": "desc"}],
    },
]


def test_search_filters_and_sort_match_ag_grid(page: Any, table_origin: str) -> None:
    _load(page, f"{table_origin}/index.html")
    results = page.evaluate(SAME_AS_AG_GRID_JS, CASES)
    assert len(results) == len(CASES)
    for result in results:
        assert result["got"] == result["expected"], result["c"]
    assert sum(1 for r in results if 0 < len(r["expected"]) < SERVERS) > len(CASES) // 2


def test_sort_by_state_keeps_name_order_within_a_state(
    page: Any, table_origin: str, rows: list[dict[str, Any]]
) -> None:
    _load(page, f"{table_origin}/index.html")
    header = page.locator(".ag-header-cell[col-id='state'] .ag-header-cell-label")
    header.click()
    header.click()  # descending
    page.wait_for_function(
        "document.querySelector(\".ag-header-cell[col-id='state']\")"
        ".getAttribute('aria-sort') === 'descending'"
    )
    page.wait_for_selector(".ag-row[row-index='0'] .badge.state-decommissioned")
    last = [r["name"] for r in rows if r["state"] == "decommissioned"]
    assert len(last) > 3
    assert names_in_order(page)[:3] == last[:3]


def test_sort_by_ip_is_by_address(page: Any, table_origin: str, rows: list[dict[str, Any]]) -> None:
    _load(page, f"{table_origin}/index.html")
    header = page.locator(".ag-header-cell[col-id='ip'] .ag-header-cell-label")
    header.click()
    header.click()  # descending: the IPv6 addresses, largest first
    page.wait_for_selector(".ag-row[row-index='0'] [col-id='ip']:has-text('2001:db8::')")
    address = [(ipaddress.ip_address(r["ip"]), r["name"]) for r in rows]
    by_address = [{"name": n} for a, n in sorted(address, key=lambda p: (p[0].version, p[0], p[1]))]
    shown = names_in_order(page)
    assert shown == [r["name"] for r in reversed(by_address)][: len(shown)]
    header.click()
    header.click()  # ascending: 10.1.0.2 before 10.1.0.10
    page.wait_for_selector(".ag-row[row-index='0'] [col-id='ip']:has-text('10.1.')")
    shown = names_in_order(page)
    assert shown == [r["name"] for r in by_address][: len(shown)]


def test_column_filter_applies_as_typed(
    page: Any, table_origin: str, rows: list[dict[str, Any]]
) -> None:
    _load(page, f"{table_origin}/index.html")
    page.locator(".ag-floating-filter[col-id='description'] input").fill("istanbul")
    page.wait_for_selector(f"text=0 of {SERVERS} servers")
    page.locator(".ag-floating-filter[col-id='description'] input").fill("web 1")
    expected = sum(1 for r in rows if "web 1" in (r["description"] or "").lower())
    assert 0 < expected < SERVERS
    page.wait_for_selector(f"text={expected} of {SERVERS} servers")
    page.wait_for_function("location.search === '?description__icontains=web+1'")


def test_csv_has_the_rows_shown_in_their_order(
    page: Any, table_origin: str, rows: list[dict[str, Any]], tmp_path: Path
) -> None:
    said = [r for r in rows if (r["description"] or "").startswith("Say")]
    page.goto(f"{table_origin}/index.html?q=say")
    page.wait_for_selector(f"text={len(said)} of {SERVERS} servers")
    page.locator(".ag-header-cell[col-id='ip'] .ag-header-cell-label").click()
    page.wait_for_function(
        "document.querySelector(\".ag-header-cell[col-id='ip']\").getAttribute('aria-sort')"
        " === 'ascending'"
    )
    with page.expect_download() as info:
        page.click("#download")
    target = tmp_path / "servers.csv"
    info.value.save_as(target)
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").split("\r\n")
    assert len(lines) == 1 + len(said)
    assert lines[0] == ",".join(f'"{c}"' for c in COLUMNS)  # the export's columns
    ipv6 = sorted((int(r["ip"].split("::")[1], 16), r["name"]) for r in said if ":" in r["ip"])
    assert 0 < len(ipv6) < len(said)
    assert [line.split(",")[0] for line in lines[-len(ipv6) :]] == [f'"{n}"' for _, n in ipv6]
    first = said[0]
    line = next(line for line in lines if line.startswith(f'"{first["name"]}"'))
    assert '"' + first["description"].replace('"', '""') + '"' in line


def test_scrolling_reaches_the_last_row(page: Any, table_origin: str) -> None:
    _load(page, f"{table_origin}/index.html")
    page.evaluate(
        "() => { const v = document.querySelector('.ag-body-vertical-scroll-viewport')"
        " || document.querySelector('.ag-body-viewport'); v.scrollTop = v.scrollHeight; }"
    )
    page.wait_for_selector(f".ag-row[row-id='n{SERVERS - 1:03d}']")


def test_worker_is_gone_once_loaded(page: Any, table_origin: str) -> None:
    _load(page, f"{table_origin}/index.html")
    for _ in range(50):
        if not page.workers:
            break
        page.wait_for_timeout(100)
    assert page.workers == []


def test_an_unexpected_layout_still_loads(
    page: Any, pretty_origin: str, rows: list[dict[str, Any]]
) -> None:
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if "servers.json" in r.url else None)
    page.goto(f"{pretty_origin}/index.html?state=maintenance")
    expected = sum(1 for r in rows if r["state"] == "maintenance")
    page.wait_for_selector(f"text={expected} of {SERVERS} servers")
    assert len(requests) == 1


@pytest.fixture(scope="module")
def cut_origin(table_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The same site with servers.json cut off after its first 250 rows, more than the
    page reads to show its first rows."""
    root = tmp_path_factory.mktemp("cut") / "_site"
    shutil.copytree(table_site, root)
    listing = root / "api/v1/servers.json"
    text = listing.read_text(encoding="utf-8")
    at = 0
    for _ in range(250):
        at = text.index('"name":', at) + 1
    listing.write_text(text[:at], encoding="utf-8")
    yield from serve_site(root)


def test_a_file_broken_after_the_first_rows_leaves_no_rows_behind(
    page: Any, cut_origin: str
) -> None:
    """The page says the file could not be read, and shows none of its rows, blank or not."""
    page.goto(f"{cut_origin}/index.html")
    page.wait_for_selector("text=Could not load servers.json")
    page.wait_for_function("!document.querySelector('.ag-row-loading')")
    assert page.locator(".ag-center-cols-container .ag-row").count() == 0


@pytest.fixture(scope="module")
def many_origin(table_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The site with a servers.json of 6,000 rows in the build's layout: enough distinct
    names, addresses and descriptions for the worker to sort those columns itself."""
    root = tmp_path_factory.mktemp("many") / "_site"
    shutil.copytree(table_site, root)
    rows = [
        {
            "changed": None,
            "component": "nginx",
            "dc": "fra1",
            "description": f"Node {(i * 7919) % 6000}",
            "environment": "production",
            "group": "web",
            "ip": f"10.1.{i // 250}.{i % 250}",
            "name": f"s{i:05d}",
            "state": STATES[i % 5],
            "tags": [],
            "type": "vm",
        }
        for i in range(6000)
    ]
    listing = {"count": len(rows), "results": rows}
    text = json.dumps(listing, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    (root / "api/v1/servers.json").write_text(text, encoding="utf-8")
    yield from serve_site(root)


def test_a_header_clicked_while_the_worker_sorts(page: Any, many_origin: str) -> None:
    page.goto(f"{many_origin}/index.html")
    header = page.locator(".ag-header-cell[col-id='description'] .ag-header-cell-label")
    header.click()  # as soon as the table is there, rows or not
    page.wait_for_selector("text=6,000 of 6,000 servers")
    page.wait_for_function(
        "document.querySelector(\".ag-header-cell[col-id='description']\")"
        ".getAttribute('aria-sort') === 'ascending'"
    )
    page.wait_for_selector(".ag-row[row-index='0'] [col-id='description']:has-text('Node 0')")
    by_description = sorted(range(6000), key=lambda i: f"Node {(i * 7919) % 6000}")
    assert (
        names_in_order(page) == [f"s{i:05d}" for i in by_description][: len(names_in_order(page))]
    )
    for _ in range(100):
        if not page.workers:
            break
        page.wait_for_timeout(100)
    assert page.workers == []
