"""The browser the dashboard tests drive: headless Chromium through Playwright, and a
page that fails its test on a console error, a script error, a dialog or a request
that leaves the sites the tests serve (fixtures, registered by the conftests of the
tests that use them).

With GITINV_REQUIRE_BROWSER=1 (as `.ci/run` sets) a missing browser fails these
tests; elsewhere they are skipped.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bench.bench_site import ARGS, CHROMIUM  # the browser the dashboard bench drives

from gitinv.site.serving import _Handler

# The origins of the sites these tests serve; a request anywhere else fails the test.
ORIGINS: list[str] = []


def _unavailable(reason: str) -> None:
    if os.environ.get("GITINV_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser tests required but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    if not (shutil.which(CHROMIUM) or Path(CHROMIUM).is_file()):
        _unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A page that records console errors, script errors, dialogs and foreign requests."""
    context = browser.new_context(accept_downloads=True)
    pg = context.new_page()
    problems: list[str] = []
    pg.on(
        "console",
        lambda m: (
            problems.append(f"console {m.type}: {m.text}")
            if m.type in ("error", "warning")
            else None
        ),
    )
    pg.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    pg.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    pg.on(
        "request",
        lambda r: (
            None
            if r.url.startswith((*(o + "/" for o in ORIGINS), "data:", "blob:"))
            else problems.append(f"request left the origin: {r.url}")
        ),
    )
    yield pg
    context.close()
    assert problems == []


def serve_site(directory: Path) -> Iterator[str]:
    """A built site served from `directory` on a free port of 127.0.0.1, as `gitinv serve`
    serves it, in a thread; its origin is one the `page` fixture allows. For a fixture:
    `yield from serve_site(out)`."""
    handler = functools.partial(_Handler, directory=str(directory))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    ORIGINS.append(f"http://127.0.0.1:{httpd.server_address[1]}")
    try:
        yield ORIGINS[-1]
    finally:
        httpd.shutdown()
        httpd.server_close()
