"""Build the static site: read and check everything at a revision, then write it all.

A build at 100,000 servers and 20,000 commits spends its time in four places:
git's walk of the history, reading and checking the inventory, working out the
history from the log, and writing 100,000 files. The first two run side by side
(git writes the log into a file while forked workers check the inventory); the
files that need only the inventory are written by a forked child while the history
is worked out; then a child writes what needs only the history (audit.json, and the
history kept for the next build) while the servers' rows are worked out here, and the
servers' files are written partly here, mostly in another child.
The history an earlier build kept (kept.py) leaves git only the commits since it, so
that after a merge the first and third costs come down to reading that file.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gitinv import collector, gitlog, history, remote
from gitinv import inventory as inventory_mod
from gitinv.errors import GitinvError
from gitinv.exports import ansible, prometheus, tables
from gitinv.report import Finding
from gitinv.settings import branch_of
from gitinv.source import GitRevision

from . import api, forks, gitdata, openapi, output, pages, requests
from .kept import Kept

API_DIR = "api/v1"
EXPORTS = {"ansible.json", "servers.csv", "prometheus.json"}
PARALLEL_FROM = 3000  # servers; below this, forking costs more than it saves
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC


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
    """The main branch (`remote.main_ref`)."""
    return remote.main_ref(root, instead=", or pass --rev")


def _quiet(message: str) -> None:
    pass


def build(
    root: Path, rev: str | None, out: Path, progress: Callable[[str], None] = _quiet
) -> Built:
    """Build the site of `rev` into `out`; an invalid inventory writes nothing.

    git walks the history of main into a file while forked workers read and check
    the inventory. Only a valid inventory is written: into a temporary folder that
    replaces `out` when everything is there, so a failure at any point leaves the
    previous site as it was."""
    output.check_target(out)
    rev = rev or default_rev(root)
    if gitdata.is_shallow(root):
        raise GitinvError(
            f"{root} is a shallow clone: the site's history needs every commit. "
            "Run `git fetch --unshallow` (in GitHub Actions: actions/checkout with "
            "fetch-depth: 0) and build again."
        )
    commit = gitdata.resolve(root, rev)
    progress(f"reading the inventory and the history of main at {commit.id[:12]}")
    with contextlib.ExitStack() as stack:
        stack.enter_context(collector.paused())
        # The history an earlier build kept: git walks only the commits since its own.
        earlier = Kept.open(root, commit.id)
        log = stack.enter_context(gitlog.SpooledLog(root, commit.id, after=earlier.after))
        source = GitRevision(root, commit.id)
        inventory = inventory_mod.load(root, commit.id, source=source, cache=True)
        if not inventory.ok:
            return Built(commit=commit, findings=list(inventory.findings))
        built = Built(commit=commit, servers=len(inventory.servers))
        # With a token, the open requests, checked against this commit's inventory.
        pending = requests.document(root, commit.id, inventory, progress)
        progress(f"writing {out}")
        reading = _Reading(root, commit, inventory, source, log, earlier, pending)
        output.write_site(out, lambda tmp: _write(reading, tmp, built))
    return built


@dataclass
class _Reading:
    root: Path
    commit: gitdata.Commit
    inventory: inventory_mod.Inventory
    source: GitRevision
    log: gitlog.SpooledLog
    kept: Kept
    requests: dict[str, Any] | None = None

    def history(self) -> history.History:
        """The kept history's commits read, the others walked; every commit walked when
        nothing is kept, or when what is kept does not read after all (the log git wrote
        meanwhile holds only the commits since it: the walk starts a log of its own)."""
        since = self.kept.after
        whole = not self.kept.load()
        log: Iterator[gitlog.LogCommit] | None
        if whole and since is not None:
            self.log.close()  # git, walking only the commits since, would only compete
            log = None
        else:
            log = self.log.commits()
        # Most server files have not changed since they were added: a walk of the whole
        # history takes them as the inventory parsed them instead of reading them again.
        blob_id = self.source.blob_id
        servers = self.inventory.servers.values() if whole else ()
        known = {blob_id(r.path): r.fields for r in servers}
        new = history.scan(self.root, self.commit.id, known=known, log=log)
        return self.kept.add(new)

    def context(self) -> dict[str, Any]:
        settings = self.inventory.settings or {}
        return {
            "commit": self.commit.id,
            "commit_date": self.commit.date,
            "repository": settings.get("repository") or gitdata.origin_url(self.root) or "",
            "forge": gitdata.forge(self.root, settings),
            "branch": branch_of(settings),
            "server_count": len(self.inventory.servers),
            "requests": self.requests is not None,
        }


class _Folder:
    """Writes files under one folder and counts them."""

    def __init__(self, top: Path) -> None:
        self.top = top
        self.files = 0
        self.bytes = 0

    def put(self, path: str, data: bytes) -> None:
        # os.open and os.write, not open(): no buffered file object for one write, which
        # at 300,000 files is a second of the build.
        fd = os.open(f"{self.top}/{path}", _NEW_FILE, 0o666)
        try:
            forks.write_all(fd, data)
        finally:
            os.close(fd)
        self.files += 1
        self.bytes += len(data)

    def totals(self) -> forks.Totals:
        return self.files, self.bytes


def _write(reading: _Reading, tmp: Path, built: Built) -> None:
    """Everything into `tmp`, in parts on every core (see `forks`).

    Empties the inventory's servers once this process is done with them."""
    for folder in (API_DIR, f"{API_DIR}/servers"):
        (tmp / folder).mkdir(parents=True)
    inventory = reading.inventory
    here = _Folder(tmp)
    if reading.requests is not None:
        here.put(f"{API_DIR}/requests.json", api.dumps(reading.requests))
    with forks.Parts(parallel=len(inventory.servers) >= PARALLEL_FROM) as parts:
        # What needs only the inventory is written while the history is walked or read.
        parts.start(lambda: _inventory_files(_Folder(tmp), inventory, reading.context()))
        log = reading.history()
        # What needs only the history (audit.json, and the history kept for the next
        # build) is written while the rows are worked out here.
        kept = reading.kept if reading.kept.after != reading.commit.id else None
        parts.start(functools.partial(_history_only, _Folder(tmp), log, kept, reading.commit.id))
        reading.kept.release()  # `log` holds the history from here
        rows = api.server_rows(inventory, log)
        # The servers' pages: a child takes the larger share, as this process writes
        # servers.json too.
        mine = len(rows) * 3 // 10
        parts.start(functools.partial(_server_files, _Folder(tmp), inventory, rows[mine:], log))
        _server_files(here, inventory, rows[:mine], log)
        for path, value in api.deleted_documents(inventory, log):
            here.put(f"{API_DIR}/{path}", api.dumps(value))
        here.put(f"{API_DIR}/servers.json", api.dumps(api.listing(rows)))
        # Free what this process holds while the children still write: at 100,000
        # servers that takes half a second, which would otherwise follow the last write.
        del rows, log
        inventory.servers.clear()
        files, size = parts.wait()
    built.files = files + here.files
    built.bytes = size + here.bytes


def _history_only(
    folder: _Folder, log: history.History, kept: Kept | None, rev: str
) -> forks.Totals:
    """audit.json, and the history kept as that of `rev` (unless it is kept already)."""
    folder.put(f"{API_DIR}/audit.json", api.dumps(api.audit_listing(log)))
    if kept is not None:
        kept.save(rev)
    return folder.totals()


def _inventory_files(
    folder: _Folder, inventory: inventory_mod.Inventory, context: dict[str, Any]
) -> forks.Totals:
    for path, value in api.catalog_documents(inventory):
        folder.put(f"{API_DIR}/{path}", api.dumps(value))
    folder.put(f"{API_DIR}/fields.json", api.dumps(api.fields_document(inventory.fields)))
    folder.put(f"{API_DIR}/ansible.json", api.dumps(ansible.ansible_inventory(inventory)))
    folder.put(f"{API_DIR}/servers.csv", tables.servers_csv(inventory).encode())
    port = prometheus.configured_port(inventory)
    folder.put(f"{API_DIR}/prometheus.json", api.dumps(prometheus.target_groups(inventory, port)))
    extra = EXPORTS | ({"requests.json"} if context["requests"] else set())
    doc = openapi.document(context["commit"], context["commit_date"], extra, inventory.fields)
    folder.put(f"{API_DIR}/openapi.json", api.dumps(doc))
    for path, data in pages.render(inventory.root, context):
        folder.put(path, data)
    for path, source in pages.static_files(inventory.root):
        (folder.top / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, folder.top / path)
        folder.files += 1
        folder.bytes += source.stat().st_size
    return folder.totals()


def _server_files(
    folder: _Folder,
    inventory: inventory_mod.Inventory,
    rows: list[dict[str, Any]],
    log: history.History,
) -> forks.Totals:
    """`servers/<name>.json` of the servers of `rows`."""
    for path, value in api.server_documents(inventory, rows, log):
        folder.put(f"{API_DIR}/{path}", api.dumps(value))
    return folder.totals()
