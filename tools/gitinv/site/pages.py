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


def site_dir() -> Path:
    if not (SITE_DIR / "templates").is_dir():
        raise GitinvError(f"the dashboard templates are missing: expected {SITE_DIR}/templates")
    return SITE_DIR


def environment(templates: Path) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def render(context: dict[str, Any]) -> Iterator[tuple[str, bytes]]:
    """Each page as (path in the site, bytes)."""
    env = environment(site_dir() / "templates")
    for page, title in PAGES.items():
        html = env.get_template(page).render(page=page, title=title, pages=PAGES, **context)
        yield page, html.encode()


def static_files() -> Iterator[tuple[str, Path]]:
    """Each static asset as (path in the site, source file), in a stable order."""
    static = site_dir() / "static"
    for path in sorted(static.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield "static/" + path.relative_to(static).as_posix(), path
