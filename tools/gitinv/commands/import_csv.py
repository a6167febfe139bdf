"""``gitinv import csv FILE``: new server files from a CSV, all or nothing."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

from gitinv import csvimport, fields, request_submit
from gitinv.errors import GitinvError
from gitinv.source import GitRevision, Source, WorkTree


def run(
    *,
    repo: Path,
    file: Path,
    group: str | None = None,
    request: bool = False,
    comment: str | None = None,
    reviewer: str | None = None,
    push: bool = False,
) -> int:
    # A request holds the repository's request lock from the fetch to its new branch.
    with request_submit.session(repo) if request else contextlib.nullcontext():
        return _run(
            repo=repo,
            file=file,
            group=group,
            request=request,
            comment=comment,
            reviewer=reviewer,
            push=push,
        )


def _run(
    *,
    repo: Path,
    file: Path,
    group: str | None,
    request: bool,
    comment: str | None,
    reviewer: str | None,
    push: bool,
) -> int:
    start: request_submit.Start | None = None
    base: Source = WorkTree(repo)
    if request:
        # Checked against the up-to-date main branch, where the request starts.
        request_submit.check_options(comment or "", reviewer)
        start = request_submit.Start.of(repo, push)
        base = GitRevision(repo, start.base)
        declared = fields.for_revision(repo, start.base)
    elif push or reviewer:
        raise GitinvError("--push and --reviewer go with --request", 2)
    else:
        declared = fields.for_worktree(repo)
    text = csvimport.read_file(file)
    servers, problems = csvimport.plan(text, group, base, declared)
    if problems:
        sys.stderr.write(csvimport.problems_text(str(file), problems))
        return 1
    if not servers:
        print(f"gitinv: {file} has no rows; nothing imported", file=sys.stderr)
        return 0
    if start is not None:
        plan = csvimport.request(file, servers)
        return request_submit.submit(
            repo, start, plan, comment=comment or "", reviewer=reviewer, push=push
        )
    csvimport.write(repo, servers)
    print(f"Imported {len(servers)} server(s):")
    for server in servers:
        print(f"  {server.path}")
    return 0
