"""`gitinv pending`: the approval queue, from the code host with a token, else from branches."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from gitinv import forge, git, remote, requests_host
from gitinv.changes import Change
from gitinv.diffformat import md_cell, unreadable_note, value_text
from gitinv.errors import GitinvError
from gitinv.forge import config as forge_config
from gitinv.forge.base import State
from gitinv.printable import one_line
from gitinv.requests_host import Found, Pending


def _status(p: Pending) -> str:
    b = p.changes
    if not b.merges_cleanly:
        return (
            f"conflicts with main in {', '.join(b.conflicted)}; "
            f"merge main into {p.branch} (or rebase it) and push it again"
        )
    return "valid" if not b.findings else f"invalid ({len(b.findings)} problem(s))"


def _change(c: Change) -> str:
    where = f" ({c.old_group} → {c.group})" if c.action == "moved" else f" ({c.group})"
    what = f"{c.action} {c.kind} {c.name}{where if c.group else ''}"
    if not c.name:
        what = f"{c.action} catalog {c.kind}"
    note = unreadable_note(c)
    if note:
        return f"{what}: {note}"
    fields = "; ".join(
        f"{k} {value_text(old)} → {value_text(new)}" for k, (old, new) in c.changes.items()
    )
    return f"{what}: {fields}" if fields and c.action in ("updated", "moved") else what


def _who(p: Pending, now: datetime) -> str:
    said = [(f'"{p.title}"' if p.title else "(no title)") + (f" by {p.author}" if p.author else "")]
    if p.created:
        said.append(f"{requests_host.age(p.created, now)} old")
    if p.number is not None:
        said.append(p.status + (", from a fork" if p.fork else ""))
    return ", ".join(said)


def render_text(found: Found, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    live = [p for p in found.requests if p.open]
    if found.source == "branches":
        head = f"{len(live)} open branch(es) against main {found.main[:10]}"
    else:
        name = forge_config.NAMES[found.source]  # type: ignore[index]
        head = f"{len(live)} open {found.noun}(s) on {name} against main {found.main[:10]}"
        if len(live) != len(found.requests):
            head += f", and {len(found.requests) - len(live)} rejected"
    lines = [head]
    for p in found.requests:
        b = p.changes
        lines.append(one_line(f"{p.label} ({b.tip[:10]}): {b.diff.describe()}; {_status(p)}"))
        lines.append("    " + one_line(_who(p, now)))
        if p.url:
            lines.append(f"    {p.url}")
        lines += [f"    {one_line(_change(c))}" for c in b.diff.changes]
        lines += [f"    {f.text()}" for f in b.findings]
    for clash in found.conflicts:
        lines.append(
            one_line(f"conflict: {clash.branches[0]} and {clash.branches[1]} {clash.reason}")
        )
    return "\n".join(lines) + "\n"


def render_markdown(found: Found, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    lines = [
        "## Pending changes",
        "",
        "| request | status | author | age | changes | merged onto main |",
        "|---|---|---|---|---|---|",
    ]
    for p in found.requests:
        label = md_cell(p.label)
        if p.number is not None and p.url:
            label = f"[{label}]({p.url})"
        if p.number is not None:
            label += f" {md_cell(p.title)}"
        changes = "<br>".join(md_cell(_change(c)) for c in p.changes.diff.changes)
        age = requests_host.age(p.created, now) if p.created else ""
        lines.append(
            f"| {label} | {p.status} | {md_cell(p.author)} | {age} | "
            f"{changes or md_cell(p.changes.diff.describe())} | {md_cell(_status(p))} |"
        )
    if found.conflicts:
        lines += ["", "### Conflicts", ""]
        lines += [
            f"- {md_cell(c.branches[0])} and {md_cell(c.branches[1])}: {md_cell(c.reason)}"
            for c in found.conflicts
        ]
    return "\n".join(lines) + "\n"


def run(
    *,
    repo: Path,
    remote_name: str | None = None,
    fmt: str = "text",
    state: State = "open",
    fetch: bool = True,
) -> int:
    name = remote_name or remote.default_remote(repo)
    if name is None:
        raise GitinvError("no remote to read branches from; give --remote NAME")
    if name not in git.remotes(repo):
        raise GitinvError(f"no remote named {name!r}; `git remote -v` lists them")
    progress = fmt != "json" and sys.stderr.isatty()
    host = forge.try_connect(repo)
    if host is None:
        kind = forge.kind(repo)
        tokens = " or ".join(forge_config.TOKENS[kind]) if kind else forge_config.TOKEN_ENV
        sys.stderr.write(
            f"gitinv: no code-host token, so these are {name}'s branches not merged into "
            f"main; set {tokens} to see the requests and their statuses\n"
        )
        found = requests_host.collect(repo, None, name, fetch=fetch, progress=progress)
    else:
        with host:
            found = requests_host.collect(repo, host, name, state=state, progress=progress)
    requests_host.say_left_out(found)
    if fmt == "json":
        doc = requests_host.as_dict(found)
        sys.stdout.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    elif fmt == "markdown":
        sys.stdout.write(render_markdown(found))
    else:
        sys.stdout.write(render_text(found))
    return 0 if found.ok else 1
