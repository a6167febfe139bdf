"""Build the static site: read and check everything at a revision, then write it all."""

from __future__ import annotations

import gc
import importlib
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import yaml

from gitinv import inventory as inventory_mod
from gitinv.errors import GitinvError
from gitinv.report import Finding

from . import api, gitdata, openapi, output, pages, timeline

# The exports ship separately; without them the site has no ansible.json / servers.csv.
exports = importlib.import_module("gitinv.exports") if find_spec("gitinv.exports") else None

API_DIR = "api/v1"


@dataclass
class Built:
    commit: gitdata.Commit
    servers: int = 0
    files: int = 0
    bytes: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings


def default_rev(root: Path) -> str:
    """The main branch as settings.yaml names it, locally or else on origin."""
    branch = "main"
    settings = root / "inventory" / "settings.yaml"
    if settings.is_file() and not settings.is_symlink():
        try:
            loaded = yaml.safe_load(settings.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError, OSError):
            loaded = None
        if isinstance(loaded, dict) and isinstance(loaded.get("branch"), str):
            branch = loaded["branch"]
    for candidate in (branch, f"origin/{branch}"):
        if gitdata.branch_exists(root, candidate):
            return candidate
    raise GitinvError(f"no branch {branch!r} to build from: pass --rev")


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Hold off the cyclic garbage collector while millions of long-lived objects exist.

    Reading 100,000 servers and their history builds acyclic data that lives until the
    site is written; each full collection would walk all of it again (measured: most of
    the writing time went to collections triggered by opening files).
    """
    enabled = gc.isenabled()
    gc.disable()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
        if enabled:
            gc.enable()


@dataclass
class _Plan:
    commit: gitdata.Commit
    inventory: inventory_mod.Inventory
    audit: list[timeline.Entry]
    history: dict[str, list[timeline.Entry]]
    context: dict[str, Any]
    site: Path


def _read(root: Path, rev: str, progress: Callable[[str], None]) -> _Plan | Built:
    if gitdata.is_shallow(root):
        raise GitinvError(
            f"{root} is a shallow clone: the site's history needs every commit. "
            "Run `git fetch --unshallow` (in GitHub Actions: actions/checkout with "
            "fetch-depth: 0) and build again."
        )
    commit = gitdata.resolve(root, rev)
    progress(f"reading the inventory and the history of main at {commit.id[:12]}")
    with timeline.in_background(root, commit.id) as history_result:
        inventory = inventory_mod.load(root, commit.id)
        if not inventory.ok:
            return Built(commit=commit, findings=list(inventory.findings))
        audit, history = history_result()
    settings = inventory.settings or {}
    repository = settings.get("repository") or gitdata.origin_url(root) or ""
    context = {
        "commit": commit.id,
        "commit_date": commit.date,
        "repository": repository,
        "branch": settings.get("branch") or "main",
        "server_count": len(inventory.servers),
    }
    return _Plan(commit, inventory, audit, history, context, pages.site_dir(root))


def _write(plan: _Plan, tmp: Path, built: Built) -> None:
    made: set[Path] = set()

    def put(path: str, data: bytes) -> None:
        target = tmp / path
        if target.parent not in made:  # one mkdir per folder, not per file
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        with open(target, "wb") as handle:
            handle.write(data)
        built.files += 1
        built.bytes += len(data)

    for path, value in api.documents(plan.inventory, plan.audit, plan.history):
        put(f"{API_DIR}/{path}", api.dumps(value))
    extra: set[str] = set()
    if exports is not None:
        put(f"{API_DIR}/ansible.json", api.dumps(exports.ansible_inventory(plan.inventory)))
        put(f"{API_DIR}/servers.csv", exports.servers_csv(plan.inventory).encode())
        extra = {"ansible.json", "servers.csv"}
    doc = openapi.document(plan.commit.id, plan.commit.date, extra)
    put(f"{API_DIR}/openapi.json", api.dumps(doc))
    for path, data in pages.render(plan.site, plan.context):
        put(path, data)
    for path, source in pages.static_files(plan.site):
        (tmp / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, tmp / path)
        built.files += 1
        built.bytes += source.stat().st_size


def _quiet(message: str) -> None:
    pass


def build(
    root: Path, rev: str | None, out: Path, progress: Callable[[str], None] = _quiet
) -> Built:
    """Build the site of `rev` into `out`; an invalid inventory writes nothing."""
    output.check_target(out)
    with _gc_paused():
        plan = _read(root, rev or default_rev(root), progress)
        if isinstance(plan, Built):
            return plan
        built = Built(commit=plan.commit, servers=len(plan.inventory.servers))
        progress(f"writing {out}")
        output.write_site(out, lambda tmp: _write(plan, tmp, built))
    return built
