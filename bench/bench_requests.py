"""Change requests: `audit` against git's own log, `pending` against one validate.

- audit: `gitinv audit` over the whole history vs `git log --first-parent -p --
  inventory/` on the same repository (git's text diff is the floor; ours adds the
  field-level meaning). Target: at most 1.5x.
- pending: 50 open branches on a remote (a local bare clone), `gitinv pending`
  vs one cold `gitinv validate`. Target: under 2x.

Each command runs `ctx.rounds` times and the fastest run counts, so that a busy
machine disturbs the ratio less.
"""

from __future__ import annotations

import random
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from gitinv import git

BRANCHES = 50


def _best(ctx: Any, cmd: list[str], name: str | None = None) -> float:
    best = float("inf")
    for _ in range(ctx.rounds):
        best = min(best, ctx.time(cmd))
        if name:
            ctx.peak(name)
    return best


def _git(*args: str) -> None:
    subprocess.run(["git", *args], check=True, capture_output=True)


def _open_branches(hub: Path, count: int) -> None:
    """`count` branches on the hub, each changing one server's state as a web edit would."""
    rng = random.Random(7)
    servers = [e.path for e in git.ls_tree(hub, "main", "inventory/servers")]
    main = git.resolve_commit(hub, "main")
    for i, path in enumerate(rng.sample(servers, count)):
        text = git.read_blob(hub, main, path) or b""
        lines = [
            line if not line.startswith(b"state:") else b"state: maintenance"
            for line in text.splitlines()
        ]
        if b"state: maintenance" not in lines:
            lines.append(b"description: pending change")
        sha = git.write_commit(hub, main, {path: b"\n".join(lines) + b"\n"}, f"Edit {path}\n")
        git.create_branch(hub, f"patch-{i}", sha)


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
        pending = _best(ctx, [gitinv, "-C", str(work), "pending", "--format", "json"], "pending")
    ctx.report(f"pending, {BRANCHES} open branches", pending, unit=" s")
    ctx.report("pending / validate", pending / ctx.validate_seconds, target=2.0)
