"""query and export against one cold validate of the same inventory.

The machine is shared and noisy, so each command is also compared with a
validate run right before it (the "neighbour" ratio).
"""

from __future__ import annotations

from typing import Any

CASES = [
    (
        "query state=active tags__in=tag01,tag02 (table)",
        ["query", "state=active", "tags__in=tag01,tag02"],
        1.2,
    ),
    ("query name__iregex=7$ (json)", ["query", "name__iregex=7$", "--format", "json"], 1.2),
    ("query, every server (csv)", ["query", "--format", "csv"], 1.2),
    ("export ansible", ["export", "ansible"], 1.5),
    ("export csv", ["export", "csv"], None),
    ("export json", ["export", "json"], None),
]


def run(ctx: Any) -> None:
    for name, args, target in CASES:
        neighbour = ctx.time(ctx.gitinv("validate"))
        seconds = ctx.time(ctx.gitinv(*args))
        print(f"   {name}: {seconds:.2f}s, validate just before {neighbour:.2f}s", flush=True)
        ctx.report(f"{name} / cold validate", seconds / ctx.validate_seconds, target)
        ctx.report(f"{name} / neighbour validate", seconds / neighbour)
