"""Reporters of the approval queue (`gitinv pending`): text, markdown and JSON.

Public API::

    REPORTERS[fmt](found, now=None) -> str   # fmt: text, markdown, json
    render_text(found, now) · render_markdown(found, now) · render_json(found, now)

`found` is what `requests_host.collect` gives; `now` dates each request's age.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

from gitinv import requests_host
from gitinv.changes import Change
from gitinv.diffformat import md_cell, unreadable_note, value_text
from gitinv.forge import config as forge_config
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
        said.append(requests_host.age_said(p.created, now))
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


def render_json(found: Found, now: datetime | None = None) -> str:
    """`requests_host.as_dict`: the JSON shape `pending` and the site publish."""
    return json.dumps(requests_host.as_dict(found), indent=2, ensure_ascii=False) + "\n"


REPORTERS: dict[str, Callable[[Found, datetime | None], str]] = {
    "text": render_text,
    "markdown": render_markdown,
    "json": render_json,
}
