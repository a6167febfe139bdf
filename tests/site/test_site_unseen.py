"""A value or an author holding a character that shows as nothing or reorders the text
(a right-to-left override, a zero-width space) shows it as an escape on every page, as
gitinv's text outputs do: `\\u202e`, never a description reading backwards."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from gitinv import printable
from gitinv.site.build import build
from tests.conftest import server
from tests.site.browserfixtures import serve_site
from tests.site.sitefixtures import make_history

SPOOF = "invoice\u202efdp.exe"  # reads "invoiceexe.pdf" when shown raw
SHOWN = "invoice\\u202efdp.exe"
AUTHOR = "Eve\u200b Admin"
WEB02 = "inventory/servers/data/web02.yaml"
# A group folder in an old commit of main: the audit log shows it, the build allows it.
ODD_GROUP = "da\u202eta"


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("unseen")
    with pytest.MonkeyPatch.context() as mp:
        config = folder / "gitconfig"
        config.write_text("[init]\n\tdefaultBranch = main\n")
        mp.setenv("GIT_CONFIG_GLOBAL", str(config))
        mp.setenv("GIT_CONFIG_NOSYSTEM", "1")
        mp.setenv("GITINV_CACHE_DIR", str(folder / "cache"))
        repo = make_history(folder / "repo")
        repo.write(WEB02, server("10.1.0.2", tags="\n  - pci", description=f'"{SPOOF}"'))
        repo.write("inventory/fields.yaml", f'rack:\n  type: string\n  description: "{SPOOF}"\n')
        repo.commit("Describe web02 (#6)", who=AUTHOR)
        odd = f"inventory/servers/{ODD_GROUP}/web09.yaml"
        repo.write(odd, server("10.1.0.9"))
        repo.commit("Add web09 (#7)")
        (repo.path / odd).unlink()
        repo.commit("Remove web09 (#8)")
        out = folder / "_site"
        assert build(repo.path, "main", out).ok
    yield from serve_site(out)


def test_the_table_the_server_page_and_the_audit_show_the_escape(page: Any, origin: str) -> None:
    page.goto(f"{origin}/index.html")
    page.wait_for_selector("text=3 of 3 servers")
    cell = page.locator(".ag-row[row-id='web02'] [col-id='description']")
    assert cell.text_content() == SHOWN
    assert cell.locator("span").get_attribute("title") == SHOWN

    page.goto(f"{origin}/server.html?name=web02")
    page.wait_for_selector("#history")
    assert page.locator("dd[data-field='description']").text_content() == SHOWN
    history = page.locator("#history").text_content() or ""
    assert "by Eve\\u200b Admin" in history and SHOWN in history
    assert SPOOF not in history and AUTHOR not in history

    page.set_viewport_size({"width": 3200, "height": 800})  # every column drawn
    page.goto(f"{origin}/audit.html")
    page.wait_for_selector(".ag-row")
    page.fill("#search", "Describe web02")  # web02's change, and fields.yaml's
    page.wait_for_selector("text=/^2 of \\d+ changes$/")
    authors = page.locator(".ag-row [col-id='author']").all_text_contents()
    assert authors == ["Eve\\u200b Admin"] * 2
    changes = page.locator(".ag-row [col-id='changes']").all_text_contents()
    assert len(changes) == 2 and all(SHOWN in text for text in changes)
    page.fill("#search", "Add web09")
    page.wait_for_selector("text=/^1 of \\d+ changes$/")
    assert page.locator(".ag-row [col-id='group']").all_text_contents() == ["da\\u202eta"]


def test_a_declared_fields_description_shows_the_escape_in_its_header_tooltip(
    page: Any, origin: str
) -> None:
    page.set_viewport_size({"width": 3200, "height": 800})  # every column drawn
    page.goto(f"{origin}/index.html")
    page.wait_for_selector("text=3 of 3 servers")
    page.hover(".ag-header-cell[col-id='rack']")
    tooltip = page.wait_for_selector(".ag-tooltip")
    assert tooltip is not None and tooltip.text_content() == SHOWN


def test_the_pages_escape_what_the_text_outputs_escape(page: Any, origin: str) -> None:
    """Every code point: the dashboard writes as an escape exactly what `printable`
    does in gitinv's text outputs, but tabs and line breaks, which a page lays out."""
    page.goto(f"{origin}/index.html")
    escaped = page.evaluate(
        """async () => {
            const { visible } = await import("./static/js/common.js");
            const out = [];
            for (let code = 0; code <= 0x10ffff; code++) {
                if (code >= 0xd800 && code <= 0xdfff) continue;
                const char = String.fromCodePoint(code);
                if (visible(char) !== char) out.push(code);
            }
            return out;
        }"""
    )
    expected = [
        code
        for code in range(0x110000)
        if not 0xD800 <= code <= 0xDFFF
        and chr(code) not in "\t\n\r"
        and printable.CONTROL.match(chr(code))
    ]
    assert escaped == expected
    samples = page.evaluate(
        """async (texts) => {
            const { visible } = await import("./static/js/common.js");
            return texts.map(visible);
        }""",
        ["a\u202eb", "\x1b[31m", "tag\U000e0041"],
    )
    assert samples == [printable.one_line(t) for t in ["a\u202eb", "\x1b[31m", "tag\U000e0041"]]
