"""The approval queue as the code host sees it, or, without a token, as the branches show it.

Public API::

    found = collect(root, host, remote="origin", state="open")   # host None: branches
    found.source      # "github" | "gitlab" | "branches"
    found.requests    # [Pending]: number (None for a branch), title, author, status,
                      #   url, branch, created, what it changes and whether it is
                      #   valid on main (`branch`, a queue.OpenBranch), its clashes
    found.ok          # no open request invalid, in conflict with main or clashing
    as_dict(found)    # `pending --format json`, and the site's api/v1/requests.json

    open_branches(root, main_ref, base, origin, host)   # what `request` must not clash with
    free_branch(root, origin, main_ref, base, branch, host_branches)
    title(branch, change, subject) / body(comment, reviewer, change)

With a host, the open requests (and with `state="all"` those closed unmerged in the
last 30 days) come from its API, one listing call a page; what each changes comes
from git: main and every request's ref (`refs/pull/N/head`, `refs/merge-requests/N/head`,
so a fork's request too) in one `git fetch`, kept as `refs/gitinv/requests/N`.
Without a host, the remote's branches not merged into main (see `merged`) are the queue.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gitinv import git, inventory, merged, queue, remote
from gitinv.diff import InventoryDiff
from gitinv.diffformat import render_markdown
from gitinv.errors import GitinvError
from gitinv.forge import config as forge_config
from gitinv.forge.base import Host, Request, State, fit
from gitinv.report import Finding

REF_PREFIX = "refs/gitinv/requests"
LABEL = "gitinv"
ACTIONS = {"add": "Add", "update": "Update", "delete": "Delete", "move": "Move"}


@dataclass(frozen=True)
class Clash:
    number: int | None
    branch: str
    label: str
    reason: str


@dataclass
class Pending:
    """One open (or, with --state all, rejected) request and what merging it would do."""

    number: int | None
    title: str
    author: str
    status: str
    url: str | None
    branch: str
    created: str
    label: str  # "#12", "!12", or the branch's name
    changes: queue.OpenBranch
    fork: bool = False
    clashes: list[Clash] = field(default_factory=list)

    @property
    def open(self) -> bool:
        return self.status != "rejected"

    @property
    def valid(self) -> bool:
        return self.changes.valid


@dataclass
class Found:
    source: str  # "github", "gitlab" or "branches"
    noun: str  # "pull request", "merge request" or "branch"
    main: str  # the commit of main the requests were checked against
    main_ref: str
    requests: list[Pending]
    conflicts: list[queue.Conflict] = field(default_factory=list)  # between open requests
    left_out: list[str] = field(default_factory=list)  # requests whose ref was missing

    @property
    def ok(self) -> bool:
        return all(r.valid and not r.clashes for r in self.requests if r.open)


# --- reading the queue ---------------------------------------------------------------


def collect(
    root: Path,
    host: Host | None,
    remote_name: str,
    *,
    state: State = "open",
    fetch: bool = True,
    progress: bool = False,
    main_sha: str | None = None,
    main_inventory: inventory.Inventory | None = None,
) -> Found:
    """The queue against main (or `main_sha`, with its inventory when already loaded)."""
    if host is None:
        return _from_branches(root, remote_name, fetch=fetch, progress=progress)
    return _from_host(
        root,
        host,
        remote_name,
        state,
        progress=progress,
        main_sha=main_sha,
        main_inventory=main_inventory,
    )


def _from_branches(root: Path, remote_name: str, *, fetch: bool, progress: bool) -> Found:
    if fetch:
        git.fetch(root, remote_name)
    main = remote.main_branch(root, remote_name)
    main_ref = remote.main_ref(root, remote_name, main)
    main_sha = git.resolve_commit(root, main_ref)
    refs = queue.open_refs(root, main_ref, remote_name, local_requests=False)
    q = queue.examine(root, main_sha, refs, progress=progress)
    facts = git.commit_facts(root, [b.tip for b in q.branches])
    repository = remote.repository_url(root, remote_name)
    forge = forge_config.kind(root) or "github"
    found = []
    for b in q.branches:
        fact = facts.get(b.tip) or git.CommitFacts("", "", "")
        url = remote.compare_url(repository, main, b.name, forge) if repository else None
        found.append(
            Pending(None, fact.subject, fact.author, "pending", url, b.name, fact.date, b.name, b)
        )
    conflicts = _add_clashes(found)
    return Found("branches", "branch", main_sha, main_ref, found, conflicts)


def _from_host(
    root: Path,
    host: Host,
    remote_name: str,
    state: State,
    *,
    progress: bool,
    main_sha: str | None,
    main_inventory: inventory.Inventory | None,
) -> Found:
    main = remote.main_branch(root, remote_name)
    requests = [r for r in host.requests(state) if r.base in ("", main)]
    fetched, missing = fetch_requests(root, remote_name, requests, main=None if main_sha else main)
    main_ref = remote.main_ref(root, remote_name, main) if main_sha is None else main_sha
    main_sha = main_sha or git.resolve_commit(root, main_ref)
    by_label = {f"{host.sign}{r.number}": r for r in requests if r.number in fetched}
    refs = {label: (f"{REF_PREFIX}/{r.number}", fetched[r.number]) for label, r in by_label.items()}
    q = queue.examine(root, main_sha, refs, progress=progress, main_inventory=main_inventory)
    found = []
    for b in q.branches:
        if not b.files:
            continue  # changes nothing under inventory/ on today's main
        r = by_label[b.name]
        found.append(
            Pending(
                r.number,
                r.title,
                r.author,
                r.status,
                r.url or None,
                r.branch,
                r.created,
                b.name,
                b,
                fork=r.fork,
            )
        )
    found.sort(key=lambda p: p.number or 0)
    conflicts = _add_clashes(found)
    left_out = [
        f"{host.noun} {host.sign}{r.number}: {r.ref} is not on {remote_name}"
        for r in requests
        if r.ref in missing
    ]
    return Found(host.kind, host.noun, main_sha, main_ref, found, conflicts, left_out)


def fetch_requests(
    root: Path, remote_name: str, requests: list[Request], *, main: str | None
) -> tuple[dict[int, str], set[str]]:
    """Fetch every request's ref (and main, when named) in one `git fetch`; returns
    number → head commit, and the refs the remote did not have. Refs of requests no
    longer listed are deleted, so they do not pile up."""
    specs = [f"+refs/heads/{main}:refs/remotes/{remote_name}/{main}"] if main else []
    specs += [f"+{r.ref}:{REF_PREFIX}/{r.number}" for r in requests]
    missing = set(git.fetch_refs(root, remote_name, specs)) if specs else set()
    wanted = {f"{REF_PREFIX}/{r.number}": r.number for r in requests if r.ref not in missing}
    have = git.branches(root, REF_PREFIX)
    git.delete_refs(root, sorted(ref for ref in have if ref not in wanted))
    return {number: have[ref] for ref, number in wanted.items() if ref in have}, missing


def _add_clashes(found: list[Pending]) -> list[queue.Conflict]:
    """Two open requests touching one server, or claiming one new name or one IP."""
    live = [p for p in found if p.open]
    by_label = {p.label: p for p in live}
    conflicts = queue.find_conflicts([(p.label, p.changes.diff.changes) for p in live])
    for conflict in conflicts:
        a, b = (by_label[name] for name in conflict.branches)
        a.clashes.append(Clash(b.number, b.branch, b.label, conflict.reason))
        b.clashes.append(Clash(a.number, a.branch, a.label, conflict.reason))
    return conflicts


# --- the JSON document -----------------------------------------------------------------


def as_dict(found: Found) -> dict[str, Any]:
    return {
        "source": found.source,
        "main": found.main,
        "ok": found.ok,
        "requests": [request_dict(p) for p in found.requests],
    }


def request_dict(p: Pending) -> dict[str, Any]:
    b = p.changes
    return {
        "number": p.number,
        "title": p.title,
        "author": p.author,
        "status": p.status,
        "url": p.url,
        "branch": p.branch,
        "fork": p.fork,
        "created": p.created,
        "commit": b.tip,
        "servers": [
            {
                "name": c.name,
                "group": c.group,
                "old_group": c.old_group,
                "action": c.action,
                "changes": {k: [old, new] for k, (old, new) in c.changes.items()},
            }
            for c in b.diff.servers
        ],
        "catalogs": [
            {k: v for k, v in c.as_dict().items() if k != "group"} for c in b.diff.catalogs
        ],
        "valid": b.valid,
        "merges_cleanly": b.merges_cleanly,
        "conflicted_files": list(b.conflicted),
        "findings": [finding_dict(f) for f in b.findings],
        "clashes": [
            {"number": c.number, "branch": c.branch, "reason": c.reason}
            for c in sorted(p.clashes, key=lambda c: (c.label, c.reason))
        ],
    }


def finding_dict(f: Finding) -> dict[str, Any]:
    return {k: getattr(f, k) for k in ("file", "line", "column", "code", "message")}


def age(created: str, now: datetime | None = None) -> str:
    """How long ago `created` (ISO 8601) was, in words: "3 days", "5 hours", "now"."""
    try:
        when = datetime.fromisoformat(created.replace("Z", "+00:00"))
    except ValueError:
        return "unknown age"
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    seconds = max(0, int(((now or datetime.now(UTC)) - when).total_seconds()))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return "now"


def age_said(created: str, now: datetime | None = None) -> str:
    """`age` as a sentence says it: "3 days old", "opened just now", "of unknown age"."""
    words = age(created, now)
    return {"now": "opened just now", "unknown age": "of unknown age"}.get(words, f"{words} old")


# --- for `request`: what is open, and a branch name free to use ---------------------------


def open_branches(
    root: Path, main_ref: str, base: str, origin: str | None, host: Host | None
) -> tuple[list[queue.OpenBranch], set[str]]:
    """What every open request changes (against `base`), and, with a host, the head
    branches of its open requests. With a host: its open requests plus local request
    branches not pushed yet; without one, the branches not merged into main."""
    if host is None or origin is None:
        refs = queue.open_refs(root, main_ref, origin, local_requests=True)
        return queue.branch_changes(root, base, refs), set()
    main = remote.main_branch(root, origin)
    requests = [r for r in host.requests("open", statuses=False) if r.base in ("", main)]
    fetched, _ = fetch_requests(root, origin, requests, main=None)
    refs = {}
    for r in requests:
        if r.number in fetched:
            label = f"{r.branch} ({host.noun} {host.sign}{r.number}, {r.url})"
            refs[label] = (f"{REF_PREFIX}/{r.number}", fetched[r.number])
    pushed = set(git.branches(root, f"refs/remotes/{origin}"))
    for name, (ref, sha) in queue.open_refs(root, main_ref, None, local_requests=True).items():
        if f"refs/remotes/{origin}/{name}" not in pushed:  # pushed: the host says if open
            refs[name] = (ref, sha)
    heads = {r.branch for r in requests if not r.fork}
    return queue.branch_changes(root, base, refs), heads


@dataclass(frozen=True)
class Branch:
    """The branch a request may use: `name`, replacing a local branch at `replace`."""

    name: str
    replace: str | None = None
    passed_over: tuple[str, ...] = ()  # names held by requests merged or closed


def free_branch(
    root: Path,
    origin: str | None,
    main_ref: str,
    base: str,
    wanted: str,
    host_branches: set[str] | None,
) -> Branch | str:
    """`wanted`, or `wanted-2`, `-3`... when a merged or closed request left that name
    behind (never overwritten); or, as a string, why the request is refused.

    A branch on the remote is open when the host lists an open request from it (with a
    token), else when main does not have its changes yet."""
    passed: list[str] = []
    for n in range(1, 100):
        name = wanted if n == 1 else f"{wanted}-{n}"
        remote_ref = f"refs/remotes/{origin}/{name}"
        if origin and git.ref_exists(root, remote_ref):
            if host_branches is not None:
                still_open = name in host_branches
            else:
                tip = git.resolve_commit(root, remote_ref)
                still_open = not merged.already_in_main(root, main_ref, {name: tip})
            if still_open:
                return (
                    f"branch {name} is already on {origin}: an earlier request is still "
                    "open; update or close its request first"
                )
            passed.append(name)
            continue
        local = f"refs/heads/{name}"
        if not git.ref_exists(root, local):
            return Branch(name, None, tuple(passed))
        tip = git.resolve_commit(root, local)
        if git.unmerged_count(root, base, tip) and not merged.already_in_main(
            root, main_ref, {name: tip}
        ):
            return (
                f"local branch {name} holds an earlier request not merged yet; push it, "
                f"or delete it with `git branch -D {name}`"
            )
        return Branch(name, tip, tuple(passed))
    return f"branches {wanted} to {wanted}-99 are all taken; delete the ones merged or closed"


def title(branch: str, change: InventoryDiff, subject: str) -> str:
    """The request's title from its action and server: `Update web01: state`."""
    parts = branch.split("/")
    action = parts[1] if len(parts) == 3 and parts[0] == "request" else ""
    if action not in ACTIONS or len(change.changes) != 1 or not change.servers:
        return subject
    c = change.servers[0]
    if action == "add":
        return f"Add {c.name} to {c.group}"
    if action == "delete":
        return f"Delete {c.name}"
    if action == "move":
        return f"Move {c.name} to {c.group}"
    return f"Update {c.name}: {', '.join(c.changes)}"


def body(comment: str, reviewer: str | None, change: InventoryDiff, limit: int) -> str:
    """The request's description: the reason, then the comparison table."""
    parts = [comment.strip(), ""]
    if reviewer:
        parts += [f"Review asked of {reviewer}.", ""]
    parts += [render_markdown(change).rstrip(), "", "*Opened with `gitinv request --open`.*"]
    return fit("\n".join(parts) + "\n", limit)


def open_request(
    host: Host,
    *,
    origin: str,
    repository: str | None,
    main: str,
    branch: str,
    title_text: str,
    body_text: str,
) -> Request:
    """Open the request for the pushed `branch`; a refusal says what exists and what to do."""
    try:
        return host.create_request(
            branch=branch, base=main, title=title_text, body=body_text, labels=(LABEL,)
        )
    except GitinvError as exc:
        by_hand = (
            f"open it at {remote.compare_url(repository, main, branch, host.kind)}"
            if repository
            else f"open it from branch {branch} in {host.name}"
        )
        raise GitinvError(
            f"{exc.message}\nbranch {branch} is pushed to {origin}, and nothing else was "
            f"changed (no local branch); {by_hand}, or remove it with "
            f"`git push {origin} --delete {branch}`",
            exc.exit_code,
        ) from None


def say_left_out(found: Found) -> None:
    for line in found.left_out:
        sys.stderr.write(f"gitinv: left out {line}\n")
