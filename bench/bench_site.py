"""The site: build time against one cold validate, sizes, and the table in Chromium.

The build is timed twice: into a tmpfs (/dev/shm) for the target, since the
validate it is compared with reads files from the page cache and the shared
machine's disk takes anything from 2 to 40 s to create the same 100,000 files;
and onto the disk, for what the disk adds there.

In Chromium, against `gitinv serve`: time from navigation to the first rows,
the latency of a search keystroke, and that scrolling to the last row fetches
servers.json once. Standalone: `python bench/bench_site.py REPO`.
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

CHROMIUM = os.environ.get("GITINV_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
MB = 1_000_000
GITINV = str(Path(sys.executable).parent / "gitinv")

# In-page: type `text` into the search box one key at a time; per key, the ms until the
# row count shown has changed and a frame was painted.
# In-page: with "srv0" already searched, type "99991" and delete it again, one key at a
# time; each key narrows or widens the rows shown. Per key, the ms from the input event
# until the count shown has changed and the next frame is painted.
FIRST_ROWS_JS = """(() => {
  const mark = performance.getEntriesByName('servers:first-rows-painted')[0]
    || performance.getEntriesByName('servers:all-rows-painted')[0];
  return mark ? mark.startTime : performance.now();
})()"""

KEYSTROKES_JS = """async () => {
  const input = document.getElementById('search');
  const count = document.getElementById('count');
  const frame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  const key = async (value) => {
    const before = count.textContent;
    const t0 = performance.now();
    input.value = value;
    input.dispatchEvent(new Event('input', { bubbles: true }));
    while (count.textContent === before && performance.now() - t0 < 5000) await frame();
    await frame();
    return performance.now() - t0;
  };
  await key('srv0');
  await frame();
  const times = [];
  for (const value of ['srv09', 'srv099', 'srv0999', 'srv09999', 'srv099991',
                       'srv09999', 'srv0999', 'srv099', 'srv09', 'srv0']) {
    times.push(await key(value));
  }
  return { times, shown: count.textContent };
}"""

SCROLL_JS = """async () => {
  const viewport = document.querySelector('.ag-body-vertical-scroll-viewport')
    || document.querySelector('.ag-grid-viewport') || document.querySelector('.ag-body-viewport');
  const frame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  for (let i = 0; i < 200; i++) {
    viewport.scrollTop = viewport.scrollHeight;
    await frame();
    const rows = [...document.querySelectorAll('.ag-row')];
    const last = Math.max(...rows.map((r) => Number(r.getAttribute('row-index'))));
    if (document.querySelector('.ag-row-last')) return last;
  }
  return -1;
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tree_size(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def _serve(repo: Path, out: Path, port: int) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [GITINV, "-C", str(repo), "serve", "--port", str(port), "--out", str(out), "--no-watch"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + 900
    for line in proc.stdout:
        if line.startswith("Serving http://"):
            return proc
        if time.monotonic() > deadline:
            break
    proc.terminate()
    raise RuntimeError("gitinv serve did not start")


def browser_metrics(ctx: Any, repo: Path, out: Path) -> None:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("   browser metrics skipped: no playwright", flush=True)
        return
    if not Path(CHROMIUM).exists():
        print(f"   browser metrics skipped: no {CHROMIUM}", flush=True)
        return
    port = _free_port()
    server = _serve(repo, out, port)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1366, "height": 900})
            fetched: list[str] = []
            page.on("request", lambda r: fetched.append(r.url) if "servers.json" in r.url else None)
            page.goto(f"http://127.0.0.1:{port}/index.html", wait_until="commit")
            page.wait_for_selector(".ag-row .ag-cell[col-id='name']", timeout=60_000)
            # The page marks the frame that paints the first rows; the time this script
            # sees them can be later, while the page is busy parsing the rest.
            first_rows = page.evaluate(FIRST_ROWS_JS) / 1000
            ctx.report("site: first rows visible after navigation", first_rows, 1.5, unit=" s")
            page.wait_for_function(
                "performance.getEntriesByName('servers:all-rows-painted').length", timeout=60_000
            )
            all_rows = page.evaluate(
                "performance.getEntriesByName('servers:all-rows-painted')[0].startTime"
            )
            ctx.report(
                "site: every row loaded, sortable and searchable", all_rows / 1000, unit=" s"
            )
            page.wait_for_timeout(500)
            result = page.evaluate(KEYSTROKES_JS)
            worst = max(result["times"]) / 1000
            ctx.report("site: search keystroke to repaint, worst of 10", worst, 0.15, unit=" s")
            page.fill("#search", "")
            page.dispatch_event("#search", "input")
            page.wait_for_timeout(300)
            last = page.evaluate(SCROLL_JS)
            ctx.report("site: last row index reached by scrolling", last, unit="")
            ctx.report("site: servers.json fetches, load to last row", len(fetched), 1, unit="")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)


def _memory_folder() -> Path | None:
    """A tmpfs with room for a site, where the shared disk's noise cannot reach a build."""
    shm = Path("/dev/shm")
    try:
        free = shutil.disk_usage(shm).free if shm.is_dir() and os.access(shm, os.W_OK) else 0
    except OSError:
        free = 0
    return shm if free > 2_000 * MB else None


def _gzip_size(path: Path) -> int:
    with open(path, "rb") as source:
        return len(gzip.compress(source.read(), compresslevel=6))


def _build(ctx: Any, repo: Path, out: Path, label: str, target: float | None) -> float:
    """One build against a cold validate run just before it (the machine's load drifts
    over a long bench; two runs side by side see about the same)."""
    ctx.time([GITINV, "-C", str(repo), "validate", "--no-cache"])  # files back in page cache
    validate = ctx.time([GITINV, "-C", str(repo), "validate", "--no-cache"])
    seconds = ctx.time([GITINV, "-C", str(repo), "build", "--out", str(out)])
    ctx.report(f"site: build seconds ({label}; validate {validate:.2f} s)", seconds, unit=" s")
    ctx.report(f"site: build / cold validate ({label})", seconds / validate, target)
    return seconds


def run(ctx: Any) -> None:
    """Build on tmpfs for the target (gitinv's own work, like the warm validate it is
    compared with), and on the disk beside it for what the disk adds."""
    repo = Path(ctx.repo)
    memory = _memory_folder()
    work = Path(tempfile.mkdtemp(prefix="bench-site-"))
    fast = Path(tempfile.mkdtemp(prefix="bench-site-", dir=memory)) if memory else work
    try:
        if memory is not None:
            _build(ctx, repo, fast / "_site", "output on tmpfs", 3.0)
            shutil.rmtree(fast / "_site")
        out = work / "_site"
        _build(ctx, repo, out, "output on disk", None if memory else 3.0)
        ctx.report("site: total size (bytes of all files)", _tree_size(out) / MB, 400, unit=" MB")
        servers = out / "api/v1/servers.json"
        ctx.report("site: servers.json size", servers.stat().st_size / MB, 25, unit=" MB")
        ctx.report("site: servers.json gzip-compressed", _gzip_size(servers) / MB, unit=" MB")
        browser_metrics(ctx, repo, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(fast, ignore_errors=True)


class _Standalone:
    def __init__(self, repo: Path) -> None:
        self.repo = repo

    def time(self, cmd: list[str]) -> float:
        start = time.perf_counter()
        subprocess.run(cmd, check=False, stdout=subprocess.DEVNULL)
        return time.perf_counter() - start

    def report(self, name: str, value: float, target: float | None = None, unit: str = "x") -> None:
        suffix = f" (target <= {target:g}{unit})" if target is not None else ""
        print(f"{name}: {value:.3f}{unit}{suffix}", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("repo", type=Path)
    args = parser.parse_args()
    run(_Standalone(args.repo))
    sys.exit(0)
