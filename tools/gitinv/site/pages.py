"""The dashboard's HTML pages and static assets."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jinja2

from gitinv.errors import GitinvError

SITE_DIR = Path(__file__).resolve().parents[3] / "site"
PAGES = {
    "index.html": "Servers",
    "server.html": "Server",
    "audit.html": "Audit log",
    "catalogs.html": "Catalogs",
    "api.html": "API",
}


def site_dir(root: Path) -> Path:
    """The repository's own `site/` (a copy of the template may restyle it), else the tool's."""
    for candidate in (root / "site", SITE_DIR):
        if (candidate / "templates" / "base.html").is_file():
            return candidate
    raise GitinvError(f"the dashboard templates are missing: expected {root}/site/templates")


def environment(templates: Path) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def render(site: Path, context: dict[str, Any]) -> Iterator[tuple[str, bytes]]:
    """Each page as (path in the site, bytes)."""
    env = environment(site / "templates")
    for page, title in PAGES.items():
        html = env.get_template(page).render(page=page, title=title, pages=PAGES, **context)
        yield page, html.encode()


def static_files(site: Path) -> Iterator[tuple[str, Path]]:
    """Each static asset as (path in the site, source file), in a stable order."""
    static = site / "static"
    for path in sorted(static.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield "static/" + path.relative_to(static).as_posix(), path
