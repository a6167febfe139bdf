"""The dashboard's HTML pages and static assets.

The templates and assets ship with the package (`templates/` and `static/` next to
this module). An inventory repository may restyle the dashboard with a `site/`
folder of its own: a file in `site/templates/` or `site/static/` replaces the
shipped file of the same name, and a new one is added. That folder holds real
files only: a symbolic link in it is refused, never followed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jinja2

from gitinv.errors import GitinvError

SHIPPED = Path(__file__).resolve().parent
OVERRIDE = "site"  # the repository's folder that overrides the shipped files
PAGES = {
    "index.html": "Servers",
    "server.html": "Server",
    "requests.html": "Requests",
    "audit.html": "Audit log",
    "catalogs.html": "Catalogs",
    "api.html": "API",
}


def _refuse_link(path: Path, root: Path) -> None:
    if path.is_symlink():
        shown = path.relative_to(root).as_posix()
        raise GitinvError(
            f"{shown} is a symbolic link: the dashboard's own files must be real files "
            "inside the repository; replace it with the file itself"
        )


def _override(root: Path, part: str) -> Path | None:
    """`site/<part>` of the repository when it exists, checked for symbolic links."""
    folder = root / OVERRIDE
    for path in (folder, folder / part):
        _refuse_link(path, root)
        if not path.is_dir():
            return None
    return folder / part


def _own_files(root: Path, folder: Path) -> dict[str, Path]:
    """Every file under `folder` by its relative path; a symbolic link anywhere is refused."""
    found: dict[str, Path] = {}
    for path in sorted(folder.rglob("*")):
        _refuse_link(path, root)
        if path.is_file():
            found[path.relative_to(folder).as_posix()] = path
    return found


class _RealFiles(jinja2.FileSystemLoader):
    """A loader of the repository's `site/templates/` that refuses symbolic links."""

    def __init__(self, root: Path, folder: Path) -> None:
        super().__init__(folder)
        self.root = root
        self.folder = folder

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        path = self.folder
        for part in jinja2.loaders.split_template_path(template):  # no `..` gets through
            path = path / part
            _refuse_link(path, self.root)
        return super().get_source(environment, template)


def environment(root: Path) -> jinja2.Environment:
    """The one jinja2 environment: the repository's templates first, then the shipped ones."""
    loaders: list[jinja2.BaseLoader] = []
    own = _override(root, "templates")
    if own is not None:
        loaders.append(_RealFiles(root, own))
    loaders.append(jinja2.FileSystemLoader(SHIPPED / "templates"))
    return jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def render(root: Path, context: dict[str, Any]) -> Iterator[tuple[str, bytes]]:
    """Each page as (path in the site, bytes)."""
    env = environment(root)
    for page, title in PAGES.items():
        try:
            html = env.get_template(page).render(page=page, title=title, pages=PAGES, **context)
        except jinja2.TemplateError as exc:
            raise _template_error(root, page, exc) from None
        yield page, html.encode()


def _template_error(root: Path, page: str, exc: jinja2.TemplateError) -> GitinvError:
    """A template that fails to load or render, named as the user can find it."""
    if isinstance(exc, jinja2.TemplateNotFound):
        return GitinvError(
            f"the dashboard template {exc.name} (needed by {page}) is missing: add it to "
            f"{OVERRIDE}/templates/ or reinstall gitinv"
        )
    where = page
    if isinstance(exc, jinja2.TemplateSyntaxError) and exc.filename:
        shown = Path(exc.filename)
        if shown.is_relative_to(root):
            shown = shown.relative_to(root)
        where = f"{shown.as_posix()}:{exc.lineno}"
    return GitinvError(f"{where}: the dashboard template fails: {exc.message or exc}")


def static_files(root: Path) -> Iterator[tuple[str, Path]]:
    """Each static asset as (path in the site, source file), in a stable order."""
    files = _own_files(SHIPPED, SHIPPED / "static")
    own = _override(root, "static")
    if own is not None:
        files.update(_own_files(root, own))
    for rel in sorted(files):
        yield "static/" + rel, files[rel]
