"""Change requests: `audit` against git's own log, `pending` against one validate.

- audit: `gitinv audit` over the whole history vs `git log --first-parent -p --
  inventory/` on the same repository (git's text diff is the floor; ours adds the
  field-level meaning). Target: at most 1.5x.
- pending: 50 open branches on a remote (a local bare clone), `gitinv pending`
  vs one cold `gitinv validate`. Target: under 2x.
- pending from the code host: 200 open pull requests on a fake GitHub (the tests'
  REST fake on 127.0.0.1, 100 a page as GitHub pages them) whose refs/pull/N/head
  sit on the remote, `gitinv pending` with a token vs one cold `gitinv validate`.
  Targets: at most 3x, and one listing call per page (never one per request for
  what git has: only the reviews, which git lacks, are asked per request).

Each command runs `ctx.rounds` times and the fastest run counts, so that a busy
machine disturbs the ratio less.
"""

from __future__ import annotations

import contextlib
import os
import random
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from gitinv import git

BRANCHES = 50
HOST_REQUESTS = 200
PER_PAGE = 100  # what GitHub pages by
TOKEN = "bench-token-not-a-secret"


def _best(ctx: Any, cmd: list[str], name: str | None = None) -> float:
    best = float("inf")
    for _ in range(ctx.rounds):
        best = min(best, ctx.time(cmd))
        if name:
            ctx.peak(name)
    return best


def _git(*args: str) -> None:
    subprocess.run(["git", *args], check=True, capture_output=True)


def _open_branches(hub: Path, count: int, pulls: bool = False) -> list[tuple[str, str]]:
    """`count` branches on the hub, each changing one server's state as a web edit would;
    with `pulls`, each also as refs/pull/N/head, as GitHub keeps it. (branch, commit)s."""
    made = []
    rng = random.Random(7)
    servers = [e.path for e in git.ls_tree(hub, "main", "inventory/servers")]
    main = git.resolve_commit(hub, "main")
    for i, path in enumerate(rng.sample(servers, count)):
        text = git.read_blob(hub, main, path) or b""
        # Every branch changes its server: one already in maintenance goes back to active.
        state = (
            b"state: active"
            if b"state: maintenance" in text.splitlines()
            else b"state: maintenance"
        )
        lines = [state if line.startswith(b"state:") else line for line in text.splitlines()]
        sha = git.write_commit(hub, main, {path: b"\n".join(lines) + b"\n"}, f"Edit {path}\n")
        git.create_branch(hub, f"patch-{i}", sha)
        if pulls:
            _git("-C", str(hub), "update-ref", f"refs/pull/{i + 1}/head", sha)
        made.append((f"patch-{i}", sha))
    return made


@contextlib.contextmanager
def _env(values: dict[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _host_pending(ctx: Any, tmp: Path) -> None:
    from tests.forge.fakehost import FakeHost

    hub, work = tmp / "pulls.git", tmp / "pulls-work"
    _git("clone", "-q", "--bare", "--local", str(ctx.repo), str(hub))
    made = _open_branches(hub, HOST_REQUESTS, pulls=True)
    _git("clone", "-q", "--shared", str(hub), str(work))
    # The host is named in the clone's settings (left uncommitted: only this clone's).
    settings = work / "inventory" / "settings.yaml"
    settings.write_text("repository: https://github.com/acme/inventory\n")
    host = FakeHost("github", TOKEN, page_cap=PER_PAGE)
    for number, (branch, sha) in enumerate(made, start=1):
        host.add_request(
            number, f"Edit from {branch}", branch=branch, sha=sha, draft=number % 4 == 0
        )
        if number % 3 == 0:
            host.add_review(number, "moderator", "APPROVED")
    with contextlib.contextmanager(host.serve)(), _env(host.env()):
        gitinv = ctx.gitinv()[0]
        seconds = _best(
            ctx, [gitinv, "-C", str(work), "pending", "--format", "json"], "pending (host)"
        )
    listing = len(host.listing_calls()) / ctx.rounds
    pages = -(-HOST_REQUESTS // PER_PAGE)
    per_request = len(host.per_request_calls()) / ctx.rounds
    ctx.report(f"pending from the host, {HOST_REQUESTS} open requests", seconds, unit=" s")
    ctx.report("pending (host) / validate", seconds / ctx.validate_seconds, target=3.0)
    ctx.report("pending (host): listing calls per page", listing / pages, target=1.0)
    ctx.report(
        "pending (host): review calls per request not on hold",
        per_request / (HOST_REQUESTS - HOST_REQUESTS // 4),
    )


def run(ctx: Any) -> None:
    repo = str(ctx.repo)
    log = _best(ctx, ["git", "-C", repo, "log", "--first-parent", "-p", "--", "inventory/"])
    audit = _best(ctx, ctx.gitinv("audit"), "audit")
    ctx.report("git log --first-parent -p -- inventory/", log, unit=" s")
    ctx.report("audit", audit, unit=" s")
    ctx.report("audit / git log", audit / log, target=1.5)

    with tempfile.TemporaryDirectory(prefix="gitinv-bench-") as tmp:
        hub, work = Path(tmp) / "hub.git", Path(tmp) / "work"
        _git("clone", "-q", "--bare", "--local", repo, str(hub))
        _open_branches(hub, BRANCHES)
        _git("clone", "-q", "--shared", str(hub), str(work))
        gitinv = ctx.gitinv()[0]
        with _env({"GITINV_TOKEN": ""}):  # the branches, whatever the caller's shell holds
            pending = _best(
                ctx, [gitinv, "-C", str(work), "pending", "--format", "json"], "pending"
            )
        ctx.report(f"pending, {BRANCHES} open branches", pending, unit=" s")
        ctx.report("pending / validate", pending / ctx.validate_seconds, target=2.0)
        _host_pending(ctx, Path(tmp))
