"""Helpers for `gitinv init`: run it in-process, read a folder's files, add a first server."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from gitinv.commands import init
from tests.site.browserfixtures import browser, page

__all__ = ["browser", "page"]  # the dashboard tests' browser, for the installed wheel's site

ADMIN = "@acme/inventory-admins"

# What a team adds to an empty inventory before its first server; the server fits
# the example inventory too.
FIRST_CATALOGS = {
    "components.yaml": "nginx:\n  description: Web server\n",
    "datacenters.yaml": "fra1:\n  location: Frankfurt\n  prefixes:\n    - 10.10.0.0/16\n",
    "environments.yaml": "production: {}\n",
    "types.yaml": "vm: {}\n",
    "tags.yaml": "frontend: {}\n",
    "groups.yaml": 'web:\n  moderators:\n    - "@acme/web-leads"\n',
}
FIRST_SERVER = (
    "inventory/servers/web/web01.yaml",
    "component: nginx\nip: 10.10.9.10\ndc: fra1\nenvironment: production\ntype: vm\n"
    "state: active\ntags:\n  - frontend\ndescription: The first server\n",
)


def add_first_server(repo: Path, *, catalogs: bool) -> None:
    """The README's first steps: catalog entries (on an empty inventory), then a server."""
    if catalogs:
        for name, text in FIRST_CATALOGS.items():
            (repo / "inventory" / name).write_text(text)
    path, text = FIRST_SERVER
    (repo / path).parent.mkdir(parents=True, exist_ok=True)
    (repo / path).write_text(text)


def digest(root: Path) -> dict[str, str]:
    """Every file under `root` (git's own folder aside) by path, as a hash of its bytes."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(root).parts[:1]
    }


def run_init(path: Path | None, **options: object) -> int:
    """`gitinv init` with keyword options as run() takes them (one admin by default)."""
    defaults: dict[str, object] = {"admins": [ADMIN]}
    return init.run(path=path, **{**defaults, **options})  # type: ignore[arg-type]


@pytest.fixture
def fresh(tmp_path: Path) -> Path:
    """An empty folder: where a team starts."""
    folder = tmp_path / "inventory-repo"
    folder.mkdir()
    return folder
