"""query and export against validate on the same inventory.

The machine is shared and one run can take twice as long as the next, so each
command runs `ctx.rounds` times, alternating with validate, and the best of each is
compared ("best/best"); the ratio to the core's single cold validate is
reported too, with the best run of the command.

validate runs with `--no-cache` (every file read). query and export keep and reuse
validate's cache as they do for a user: the first of their runs fills it (an empty
one, made for this bench) and its best run is a run that reuses it. The first run
is reported too, against the validate beside it: what a command costs with nothing
kept.
"""

from __future__ import annotations

import tempfile
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
        validate: list[float] = []
        command: list[float] = []
        with tempfile.TemporaryDirectory(prefix="bench-cache-") as folder:
            env = {"GITINV_CACHE_DIR": folder}
            for _ in range(ctx.rounds):
                validate.append(ctx.time(ctx.cold_validate()))
                command.append(ctx.time(ctx.gitinv(*args), env=env))
                ctx.peak(name)
        print(
            f"   {name}: {' '.join(f'{s:.1f}' for s in command)}s; "
            f"validate {' '.join(f'{s:.1f}' for s in validate)}s",
            flush=True,
        )
        ctx.report(f"{name}, nothing kept / validate beside it", command[0] / validate[0])
        ctx.report(f"{name} / validate (best/best)", min(command) / min(validate), target)
        ctx.report(f"{name} / cold validate", min(command) / ctx.validate_seconds)
