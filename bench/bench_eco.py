"""query and export ansible against one cold validate of the same inventory."""

from __future__ import annotations

from typing import Any


def run(ctx: Any) -> None:
    repo = str(ctx.repo)
    cases = [
        (
            "query state=active tags__in=tag01,tag02 (table)",
            ["gitinv", "-C", repo, "query", "state=active", "tags__in=tag01,tag02"],
            1.2,
        ),
        (
            "query name__iregex=7$ (json)",
            ["gitinv", "-C", repo, "query", "name__iregex=7$", "--format", "json"],
            1.2,
        ),
        ("query (every server, csv)", ["gitinv", "-C", repo, "query", "--format", "csv"], 1.2),
        ("export ansible", ["gitinv", "-C", repo, "export", "ansible"], 1.5),
    ]
    for name, cmd, target in cases:
        seconds = ctx.time(cmd)
        ctx.report(f"{name}: seconds", seconds)
        ctx.report(f"{name}: x cold validate", seconds / ctx.validate_seconds, target=target)
