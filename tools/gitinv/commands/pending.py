"""`gitinv pending`: the approval queue, read from the remote's branches."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from gitinv import git, queue, remote
from gitinv.changes import Change
from gitinv.diffformat import md_cell, unreadable_note
from gitinv.errors import GitinvError
from gitinv.printable import one_line


def _status(b: queue.OpenBranch) -> str:
    if not b.merges_cleanly:
        return (
            f"conflicts with main in {', '.join(b.conflicted)}; "
            f"merge main into {b.name} (or rebase it) and push it again"
        )
    return "valid" if not b.findings else f"invalid ({len(b.findings)} problem(s))"


def _change(c: Change) -> str:
    where = f" ({c.group})" if c.group else ""
    what = f"{c.action} {c.kind} {c.name}{where}" if c.name else f"{c.action} catalog {c.kind}"
    note = unreadable_note(c)
    return f"{what}: {note}" if note else what


def render_text(q: queue.Queue) -> str:
    lines = [f"{len(q.branches)} open branch(es) against main {q.main[:10]}"]
    for b in q.branches:
        lines.append(one_line(f"{b.name} ({b.tip[:10]}): {b.diff.describe()}; {_status(b)}"))
        lines += [f"    {one_line(_change(c))}" for c in b.diff.changes]
        lines += [f"    {f.text()}" for f in b.findings]
    for clash in q.conflicts:
        lines.append(
            one_line(f"conflict: {clash.branches[0]} and {clash.branches[1]} {clash.reason}")
        )
    return "\n".join(lines) + "\n"


def render_markdown(q: queue.Queue) -> str:
    lines = ["## Pending changes", "", "| branch | changes | merged onto main |", "|---|---|---|"]
    for b in q.branches:
        changes = "<br>".join(md_cell(_change(c)) for c in b.diff.changes)
        lines.append(
            f"| {md_cell(b.name)} | {changes or md_cell(b.diff.describe())} | "
            f"{md_cell(_status(b))} |"
        )
    if q.conflicts:
        lines += ["", "### Conflicts", ""]
        lines += [
            f"- {md_cell(c.branches[0])} and {md_cell(c.branches[1])}: {md_cell(c.reason)}"
            for c in q.conflicts
        ]
    return "\n".join(lines) + "\n"


def as_dict(q: queue.Queue) -> dict[str, Any]:
    return {
        "ok": q.ok,
        "main": q.main,
        "count": len(q.branches),
        "results": [
            {
                "branch": b.name,
                "commit": b.tip,
                "summary": b.diff.summary(),
                "changes": [c.as_dict() for c in b.diff.changes],
                "merges_cleanly": b.merges_cleanly,
                "conflicted_files": b.conflicted,
                "valid": b.valid,
                "errors": [_finding(f) for f in b.findings],
            }
            for b in q.branches
        ],
        "conflicts": [{"branches": list(c.branches), "reason": c.reason} for c in q.conflicts],
    }


def _finding(f: Any) -> dict[str, Any]:
    return {k: getattr(f, k) for k in ("file", "line", "column", "code", "message")}


def run(
    *, repo: Path, remote_name: str | None = None, fmt: str = "text", fetch: bool = True
) -> int:
    name = remote_name or remote.default_remote(repo)
    if name is None:
        raise GitinvError("no remote to read branches from; give --remote NAME")
    if name not in git.remotes(repo):
        raise GitinvError(f"no remote named {name!r}; `git remote -v` lists them")
    if fetch:
        git.fetch(repo, name)
    main_ref = remote.main_ref(repo, name, remote.main_branch(repo))
    q = queue.scan(repo, name, main_ref, progress=fmt != "json" and sys.stderr.isatty())
    if fmt == "json":
        sys.stdout.write(json.dumps(as_dict(q), indent=2, ensure_ascii=False) + "\n")
    elif fmt == "markdown":
        sys.stdout.write(render_markdown(q))
    else:
        sys.stdout.write(render_text(q))
    return 0 if q.ok else 1
