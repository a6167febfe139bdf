"""`gitinv init`: start an inventory repository; `--update`: bring what it wrote up to date."""

from __future__ import annotations

import sys
from pathlib import Path

from gitinv.errors import GitinvError
from gitinv.repo import find_root
from gitinv.scaffold import plan as planning
from gitinv.scaffold import report, start


def run(
    *,
    path: Path | None,
    admins: list[str],
    forge: str | None = None,
    example: bool = False,
    requirement: str | None = None,
    repository: str | None = None,
    update: bool = False,
    force: bool = False,
) -> int:
    if update:
        given = [
            name
            for name, value in (
                ("--admin", admins),
                ("--forge", forge),
                ("--example", example),
                ("--repository", repository),
            )
            if value
        ]
        if given:
            raise GitinvError(
                f"{given[0]} does not go with --update: admins, forge and repository are in "
                "inventory/settings.yaml; change them there"
            )
        plan = start.update(find_root(path), requirement=requirement, force=force)
        out, err = report.updated(plan)
        sys.stdout.write(out)
        sys.stderr.write(err)
        return 1 if plan.edited else 0
    begun = start.prepare(
        (path or Path(".")).absolute(),
        admins=admins,
        forge=forge,
        example=example,
        requirement=requirement,
        repository=repository,
        force=force,
    )
    if begun.new_repository:
        start.make_repository(begun.root)
        sys.stdout.write(report.started(begun.root))
    planning.apply(begun.root, begun.plan)
    sys.stdout.write(report.written(begun.plan))
    sys.stdout.write(report.next_steps(begun.root, begun.forge))
    return 0
