"""The dashboard in headless Chromium (Debian's /usr/bin/chromium driven by Playwright).

With GITINV_REQUIRE_BROWSER=1 (as `.ci/run` sets) a missing browser fails these
tests; elsewhere they are skipped.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gitinv.exports import COLUMNS
from tests.site.browserfixtures import serve_site

IPV6 = "2001:db8:4000:12:a:ffff:fe12:3456"


@pytest.fixture(scope="module")
def origin(built_site: Path) -> Iterator[str]:
    yield from serve_site(built_site)


def names_in_order(pg: Any) -> list[str]:
    """The names in the grid's rows, top to bottom, once the grid has drawn them: the
    rows a sort or a filter asks the store for again show empty cells until they come."""
    pg.wait_for_function(
        "() => { const cells = [...document.querySelectorAll(\".ag-row .ag-cell[col-id='name']\")];"
        " return cells.length > 0 && cells.every((c) => c.textContent.trim() !== '')"
        " && !document.querySelector('.ag-row-loading'); }"
    )
    return pg.locator(".ag-row .ag-cell[col-id='name']").evaluate_all(
        "els => els.map(e => [Number(e.closest('.ag-row').getAttribute('row-index')),"
        " e.textContent.trim()]).sort((a, b) => a[0] - b[0]).map(p => p[1])"
    )


def test_table_renders_every_server(page: Any, origin: str) -> None:
    page.goto(f"{origin}/index.html")
    page.wait_for_selector("text=3 of 3 servers")
    assert names_in_order(page) == ["db02", "web01", "web02"]
    assert page.locator("footer code").text_content()  # the commit it was built from
    assert page.locator("#chart-state").is_visible()


CHART_JS = """(id) => {
  const chart = window.Chart && Chart.getChart(id);
  if (!chart) return null;
  const { labels, datasets } = chart.data;
  return Object.fromEntries(labels.map((label, i) => [label, datasets[0].data[i]]));
}"""


def test_charts_load_after_the_rows_and_count_the_rows_shown(
    page: Any, origin: str, built_site: Path
) -> None:
    """Chart.js is fetched once the rows are painted (it would hold them back), then the
    charts count every server, and the search's servers after it."""
    rows = json.loads((built_site / "api/v1/servers.json").read_text())["results"]
    page.goto(f"{origin}/index.html")
    page.wait_for_selector("text=3 of 3 servers")
    page.wait_for_function(f"({CHART_JS})('chart-state') !== null")
    fetched, painted = page.evaluate(
        """() => [
          performance.getEntriesByType('resource')
            .filter((e) => e.name.endsWith('/chart.umd.min.js')).map((e) => e.startTime),
          Math.min(...['servers:first-rows-painted', 'servers:all-rows-painted']
            .flatMap((n) => performance.getEntriesByName(n)).map((m) => m.startTime)),
        ]"""
    )
    assert len(fetched) == 1 and fetched[0] >= painted

    def shown(chart: str, counts: Counter[str]) -> None:
        want = json.dumps(dict(sorted(counts.items())), separators=(",", ":"))
        page.wait_for_function(
            f"JSON.stringify(Object.fromEntries(Object.entries(({CHART_JS})({chart!r}))"
            f".sort())) === {want!r}"
        )

    shown("chart-state", Counter(r["state"] for r in rows))
    shown("chart-dc", Counter(r["dc"] for r in rows))
    page.fill("#search", "maintenance")
    page.wait_for_selector("text=1 of 3 servers")
    maintenance = [r for r in rows if r["state"] == "maintenance"]
    assert len(maintenance) == 1
    shown("chart-state", Counter({"maintenance": 1}))
    shown("chart-environment", Counter(r["environment"] for r in maintenance))


def test_charts_follow_a_switch_between_light_and_dark(page: Any, origin: str) -> None:
    """The bars, the labels and the grid lines take the scheme's colours when the
    visitor's system switches while the page is open, and back again: as drawn, not
    only as the chart's data says."""
    colours = """(id) => {
      const chart = Chart.getChart(id);
      const style = getComputedStyle(document.body);
      const v = (name) => style.getPropertyValue(name).trim();
      // As drawn: the bars' own options, the axis's as resolved.
      const bars = chart.getDatasetMeta(0).data.map((bar) => bar.options.backgroundColor);
      const x = chart.scales.x.options;
      return [[...new Set(bars)].join(), x.ticks.color, x.grid.color, x.border.color,
              v('--accent'), v('--muted'), v('--border'), v('--border')];
    }"""
    scheme = (
        f"(id) => {{ const c = ({colours})(id); "
        "return c.slice(0, 4).join() === c.slice(4).join(); }"
    )

    def follows(accent: str) -> None:
        for chart in ("chart-state", "chart-dc", "chart-environment"):
            page.wait_for_function(f"({scheme})({chart!r})", timeout=5000)
            assert page.evaluate(f"({colours})({chart!r})")[0] == accent

    page.emulate_media(color_scheme="light")
    page.goto(f"{origin}/index.html")
    page.wait_for_selector("text=3 of 3 servers")
    page.wait_for_function(f"({CHART_JS})('chart-state') !== null")
    follows("#2563eb")
    page.emulate_media(color_scheme="dark")
    follows("#60a5fa")
    page.emulate_media(color_scheme="light")
    follows("#2563eb")


def test_search_narrows_the_table(page: Any, origin: str) -> None:
    page.goto(f"{origin}/index.html")
    page.wait_for_selector("text=3 of 3 servers")
    page.fill("#search", "maintenance")
    page.wait_for_selector("text=1 of 3 servers")
    assert names_in_order(page) == ["web01"]
    page.wait_for_function("location.search === '?q=maintenance'")  # a moment after typing


def test_column_lookup_from_the_address(page: Any, origin: str) -> None:
    page.goto(f"{origin}/index.html?state__in=planned,maintenance")
    page.wait_for_selector("text=2 of 3 servers")
    assert names_in_order(page) == ["db02", "web01"]


def test_sort_by_clicking_a_header(page: Any, origin: str) -> None:
    page.goto(f"{origin}/index.html")
    page.wait_for_selector("text=3 of 3 servers")
    header = page.locator(".ag-header-cell[col-id='name'] .ag-header-cell-label")
    header.click()  # the rows arrive sorted by name: the first click keeps that order
    page.wait_for_function(
        "document.querySelector(\".ag-header-cell[col-id='name']\")"
        ".getAttribute('aria-sort') === 'ascending'"
    )
    assert names_in_order(page) == ["db02", "web01", "web02"]
    header.click()
    page.wait_for_function(
        "document.querySelector(\".ag-header-cell[col-id='name']\")"
        ".getAttribute('aria-sort') === 'descending'"
    )
    assert names_in_order(page) == ["web02", "web01", "db02"]


def test_csv_download_has_the_filtered_rows(page: Any, origin: str, tmp_path: Path) -> None:
    page.goto(f"{origin}/index.html?group=data")
    page.wait_for_selector("text=2 of 3 servers")
    with page.expect_download() as info:
        page.click("#download")
    target = tmp_path / "servers.csv"
    info.value.save_as(target)
    lines = target.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == ",".join(f'"{c}"' for c in COLUMNS)  # the export's, not the headers
    assert [line.split(",")[0] for line in lines[1:]] == ['"db02"', '"web02"']


def test_csv_download_imports_back(
    page: Any, origin: str, tmp_path: Path, history_repo: Path
) -> None:
    """The dashboard's CSV, read by `gitinv import csv` into an inventory without
    servers, gives the same servers; a hidden column is still in the file."""
    import subprocess
    import sys

    import yaml

    from tests.conftest import GitRepo
    from tests.site.sitefixtures import CATALOGS

    page.goto(f"{origin}/index.html")
    page.wait_for_selector("text=3 of 3 servers")
    page.click("#columns-menu summary")
    page.locator("#columns label", has_text="Description").click()
    page.wait_for_function("!document.querySelector(\".ag-header-cell[col-id='description']\")")
    with page.expect_download() as info:
        page.click("#download")
    csv_file = tmp_path / "dashboard.csv"
    info.value.save_as(csv_file)
    empty = tmp_path / "empty"
    for name, text in CATALOGS.items():
        (empty / "inventory").mkdir(parents=True, exist_ok=True)
        (empty / "inventory" / name).write_text(text, encoding="utf-8")
    GitRepo(empty)
    done = subprocess.run(
        [sys.executable, "-m", "gitinv", "-C", str(empty), "import", "csv", str(csv_file)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    original = sorted((history_repo / "inventory/servers").glob("*/*.yaml"))
    imported = sorted((empty / "inventory/servers").glob("*/*.yaml"))
    assert [p.relative_to(empty) for p in imported] == [
        p.relative_to(history_repo) for p in original
    ]
    for before, after in zip(original, imported, strict=True):
        assert yaml.safe_load(after.read_text()) == yaml.safe_load(before.read_text()), after.name


def test_server_page_shows_history_and_code_host_links(page: Any, origin: str) -> None:
    page.goto(f"{origin}/server.html?name=web01")
    page.wait_for_selector("#history")
    assert page.locator("h2", has_text="History (2)").is_visible()
    first = page.locator(".history-entry").first
    assert first.locator(".history-reason").text_content() == "Maintenance window for web01"
    assert first.locator("th", has_text="state").is_visible()
    assert first.locator(".old").text_content() == "active"
    assert first.locator(".new").text_content() == "maintenance"
    assert (
        first.locator("a", has_text="#1").get_attribute("href")
        == "https://github.com/acme/inventory/pull/1"
    )
    edit = page.locator("a", has_text="Edit").get_attribute("href")
    assert edit == "https://github.com/acme/inventory/edit/main/inventory/servers/web/web01.yaml"
    view = page.locator("a", has_text="View file").get_attribute("href")
    assert view == "https://github.com/acme/inventory/blob/main/inventory/servers/web/web01.yaml"


def test_row_click_opens_the_server_page(page: Any, origin: str) -> None:
    page.goto(f"{origin}/index.html")
    page.wait_for_selector("text=3 of 3 servers")
    page.locator(".ag-row[row-id='web02'] [col-id='ip']").click()
    page.wait_for_url("**/server.html?name=web02")
    page.wait_for_selector("text=History (2)")


def test_script_in_a_description_is_inert_text(page: Any, origin: str) -> None:
    from tests.site.sitefixtures import XSS

    page.goto(f"{origin}/index.html")
    page.wait_for_selector("text=3 of 3 servers")
    cell = page.locator(".ag-row[row-id='db02'] [col-id='description']")
    assert cell.text_content() == XSS
    page.goto(f"{origin}/server.html?name=db02")
    page.wait_for_selector("#history")
    assert page.locator("dd[data-field='description']").text_content() == XSS
    page.goto(f"{origin}/audit.html")
    page.wait_for_selector(".ag-row")
    assert page.evaluate("window.__xss") is None
    assert page.locator("script", has_text="alert").count() == 0


def test_unknown_server_says_so(page: Any, origin: str) -> None:
    page.goto(f"{origin}/server.html?name=../../etc/passwd")
    assert "is not a server name" in page.locator("#status").text_content()


def test_audit_log_lists_every_change_and_filters(page: Any, origin: str) -> None:
    page.goto(f"{origin}/audit.html")
    page.wait_for_selector("text=19 of 19 changes")  # 3 servers, 11 catalog entries, settings
    page.fill("#search", "moved")
    page.wait_for_selector("text=1 of 19 changes")


def test_audit_log_shows_reasons_whole_changes_and_links_a_deleted_server(
    page: Any, origin: str
) -> None:
    page.goto(f"{origin}/audit.html")
    page.wait_for_selector("text=19 of 19 changes")
    page.fill("#search", "decommission")
    page.wait_for_selector("text=1 of 19 changes")
    row = page.locator(".ag-row").first
    assert row.locator("[col-id='reason']").text_content() == "Decommission db01"
    page.wait_for_selector(".ag-pinned-left-cols-container, .ag-row [col-id='name'] a")
    link = page.locator(".ag-row [col-id='name'] a", has_text="db01")
    assert link.get_attribute("href") == "server.html?name=db01"
    # The deletion lists five fields: each on a line of its own, none cut off.
    cell = row.locator("[col-id='changes']")
    lines = cell.locator(".cell-lines > div").all_text_contents()
    assert lines == [
        "component: postgres → —",
        "ip: 10.1.0.11 → —",
        "dc: fra1 → —",
        "environment: production → —",
        "state: active → —",
    ]
    clipped = cell.evaluate(
        "c => { const box = c.getBoundingClientRect();"
        " return [...c.querySelectorAll('.cell-lines > div')].some(line => {"
        " const r = line.getBoundingClientRect();"
        " return r.bottom > box.bottom + 1 || r.right > box.right + 1; }); }"
    )
    assert clipped is False
    link.click()
    page.wait_for_url("**/server.html?name=db01")
    page.wait_for_selector("#deleted")


def test_deleted_server_page_says_when_and_why(page: Any, origin: str) -> None:
    page.goto(f"{origin}/server.html?name=db01")
    notice = page.locator("#deleted")
    notice.wait_for()
    text = notice.text_content()
    assert text.startswith("Deleted on 2026-01-02 03:00:00+00:00 by Dana Data in #4")
    assert "Decommission db01" in text
    assert page.locator("h2", has_text="History (2)").is_visible()
    assert page.locator("h2", has_text="Last known fields").is_visible()
    assert page.locator("dd[data-field='ip']").text_content() == "10.1.0.11"
    assert page.locator("dd[data-field='group']").text_content() == "data"
    assert page.locator("a", has_text="Edit").count() == 0  # no file to edit any more
    reasons = page.locator(".history-reason").all_text_contents()
    assert reasons == ["Decommission db01", "Import the inventory"]


def test_catalogs_and_api_pages(page: Any, origin: str, built_site: Path) -> None:
    import json

    page.goto(f"{origin}/catalogs.html")
    page.wait_for_selector("#datacenters-fra1")
    link = page.locator("#datacenters-fra1 a").get_attribute("href")
    assert link == "index.html?dc=fra1"
    page.goto(f"{origin}/api.html")
    page.wait_for_selector(".endpoint")
    doc = json.loads((built_site / "api/v1/openapi.json").read_text())
    shown = page.locator(".endpoint h2 code").all_text_contents()
    assert shown == [f"api/v1/{p.lstrip('/')}" for p in doc["paths"]]


@pytest.fixture(scope="module")
def wide_origin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A site of 250 servers: enough for the first rows to show before the rest arrives."""
    from gitinv.site.build import build
    from tests.conftest import server
    from tests.site.sitefixtures import CATALOGS, Repo

    base = tmp_path_factory.mktemp("wide")
    repo = Repo(base / "repo")
    repo.path.mkdir()
    repo.git("init", "--quiet", "-b", "main")
    for name, text in CATALOGS.items():
        repo.write(f"inventory/{name}", text)
    repo.write("inventory/datacenters.yaml", CATALOGS["datacenters.yaml"] + "lab: {}\n")
    for i in range(249):
        tricky = {"description": "'},{\"changed\": looks like a row join'"} if i == 3 else {}
        repo.write(f"inventory/servers/web/n{i:03d}.yaml", server(f"10.1.1.{i}", **tricky))
    repo.write("inventory/servers/web/n249.yaml", server(IPV6).replace("fra1", "lab"))
    repo.commit("Import 250 servers")
    out = base / "_site"
    assert build(repo.path, None, out).ok
    yield from serve_site(out)


def test_first_rows_show_before_the_rest_arrives(page: Any, wide_origin: str) -> None:
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if "servers.json" in r.url else None)
    page.goto(f"{wide_origin}/index.html")
    page.wait_for_selector("text=250 of 250 servers")
    marks = page.evaluate("performance.getEntriesByType('mark').map(m => m.name)")
    assert "servers:first-rows-painted" in marks
    assert "servers:all-rows-painted" in marks
    assert names_in_order(page)[:3] == ["n000", "n001", "n002"]
    cell = page.locator(".ag-row[row-id='n003'] [col-id='description']")
    assert cell.text_content() == '},{"changed": looks like a row join'
    assert len(requests) == 1


def test_a_long_ipv6_address_is_whole_in_a_tooltip(page: Any, wide_origin: str) -> None:
    page.goto(f"{wide_origin}/index.html?name=n249")
    page.wait_for_selector("text=1 of 250 servers")
    cell = page.locator(".ag-row[row-id='n249'] [col-id='ip']")
    assert cell.text_content() == IPV6
    # The column is narrower than the address; the title holds it whole.
    assert cell.evaluate(
        "c => c.scrollWidth > c.clientWidth || c.firstElementChild"
        ".scrollWidth > c.firstElementChild.clientWidth"
    )
    assert cell.locator("[title]").get_attribute("title") == IPV6


def test_column_choice_hides_and_shows_a_column(page: Any, origin: str) -> None:
    page.goto(f"{origin}/index.html")
    page.wait_for_selector("text=3 of 3 servers")
    header = page.locator(".ag-header-cell[col-id='description']")
    assert header.count() >= 1
    page.click("#columns-menu summary")
    page.locator("#columns label", has_text="Description").click()
    page.wait_for_function("!document.querySelector(\".ag-header-cell[col-id='description']\")")
    page.locator("#columns label", has_text="Changed by").click()
    page.wait_for_selector(".ag-header-cell[col-id='author']")


LONG = "x" * 60_000  # one word: nothing to break at but what the page allows


@pytest.fixture(scope="module")
def long_origin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A site whose server web01 got a 60,000-character description, and a catalog entry
    one as long, with a version that does not read in between; and a catalog entry
    that was a number for one commit."""
    from gitinv.site.build import build
    from tests.conftest import server
    from tests.site.sitefixtures import CATALOGS, make_history

    base = tmp_path_factory.mktemp("long")
    repo = make_history(base / "repo")
    web01 = "inventory/servers/web/web01.yaml"
    repo.write(web01, server("10.1.0.1", description="a: [b"))
    repo.commit("Describe web01 (#6)")
    repo.write(web01, server("10.1.0.1", description="Shop front"))
    repo.commit("Fix web01's description (#7)")
    environments = "inventory/environments.yaml"
    repo.write(environments, CATALOGS["environments.yaml"].replace("staging: {}", "staging: 1"))
    repo.commit("Staging as a number (#9)")
    repo.write(environments, CATALOGS["environments.yaml"])
    repo.write(web01, server("10.1.0.1", description=LONG))
    repo.write(
        "inventory/components.yaml", CATALOGS["components.yaml"] + f"h:\n  description: {LONG}\n"
    )
    repo.commit("Describe web01 in full (#8)")
    out = base / "_site"
    assert build(repo.path, None, out).ok
    yield from serve_site(out)


@pytest.mark.parametrize(
    ("path", "ready"),
    [
        ("server.html?name=web01", "#history"),
        ("catalogs.html", "text=Components"),
        ("audit.html", ".ag-row"),
        ("index.html", ".ag-row"),
    ],
)
def test_long_values_wrap_instead_of_widening_the_page(
    page: Any, long_origin: str, path: str, ready: str
) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{long_origin}/{path}")
    page.wait_for_selector(ready)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1280, f"{path} is {width} px wide"


def test_a_version_that_did_not_read_shows_in_the_history(page: Any, long_origin: str) -> None:
    page.goto(f"{long_origin}/server.html?name=web01")
    page.wait_for_selector("#history")
    notes = page.locator(".history-entry .unreadable").all_text_contents()
    assert len(notes) == 2
    assert notes[0].startswith("The old version of the file is unreadable in commit ")
    assert notes[1].startswith("The new version of the file is unreadable in commit ")
    assert "yaml-syntax" in notes[0]


def test_an_entry_compared_whole_shows_its_values(page: Any, long_origin: str) -> None:
    """A catalog entry that was a number, not a mapping, reads as both values in the
    audit log: the mapping as JSON, never "[object Object]"."""
    page.goto(f"{long_origin}/audit.html")
    page.fill("#search", "staging")
    page.wait_for_selector("text=(the whole entry)")
    lines = page.locator(".ag-row .cell-lines div").all_text_contents()
    assert sorted(line for line in lines if line.startswith("(the whole entry)")) == [
        "(the whole entry): 1 → {}",
        "(the whole entry): {} → 1",
    ]
