"""`gitinv request add|update|delete|move|revert`: open a change request.

The plan (`request_plan`) says what the request changes; `request_submit` makes its
branch from the up-to-date main branch, or refuses it and leaves nothing behind.
"""

from __future__ import annotations

from pathlib import Path

from gitinv import fields, ipnext
from gitinv.edit import parse_sets
from gitinv.forge import config as forge_config
from gitinv.request_plan import revert_plan, server_plan
from gitinv.request_submit import Start, check_options, session, submit


def run(
    *,
    repo: Path,
    action: str,
    target: str,
    group: str | None = None,
    sets: tuple[str, ...] = (),
    comment: str = "",
    reviewer: str | None = None,
    push: bool = False,
    open_request: bool = False,
) -> int:
    check_options(comment, reviewer, forge_config.kind(repo))
    push = push or open_request
    with session(repo):
        start = Start.of(repo, push)
        main = ipnext.Main(start.main_ref, start.base, start.origin)
        declared = fields.for_revision(repo, start.base)
        with ipnext.resolving_next(repo, main, action, parse_sets(sets, declared)) as updates:
            if action == "revert":
                plan = revert_plan(repo, start.base, start.main_ref, target)
            else:
                plan = server_plan(repo, start.base, action, target, group, updates, declared.names)
            return submit(
                repo,
                start,
                plan,
                comment=comment,
                reviewer=reviewer,
                push=push,
                open_request=open_request,
            )
