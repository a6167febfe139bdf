"""Submitting a change request: one branch from the up-to-date main branch, or a refusal.

Public API::

    session(repo)                   # one request at a time; git's errors in our words
    check_options(comment, reviewer, forge)
    Start.of(repo, push) -> Start   # the main branch, fetched: where a request starts
    submit(repo, start, plan, comment=, reviewer=, push=, open_request=) -> exit code

A branch `request/<action>/<name>` from the up-to-date main branch with one
commit, built in a temporary index: the user's working tree, index and current
branch are never touched (a branch checked out in a worktree is never moved). The
change is refused, leaving no branch behind, when the resulting inventory is
invalid or an open request already touches the same server, name or IP: with a
token, the requests the code host lists as open (`requests_host`), else the
branches not merged into main. A branch name left on the remote by a merged or
closed request is never overwritten: the next free `-2`, `-3`... is used.
With `open_request` the request is opened through the host's API.

Requests in one repository run one at a time (`session`): each checks the open
requests, then creates its branch, and the next one sees it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, replace
from pathlib import Path

from gitinv import forge, git, handles, inventory, lock, queue, remote, report, requests_host
from gitinv.diff import diff_commits
from gitinv.diffformat import render_text
from gitinv.errors import GitinvError
from gitinv.forge import config as forge_config
from gitinv.forge.base import Host
from gitinv.request_plan import Plan

WAIT_SECONDS = 60.0


@contextmanager
def session(repo: Path) -> Iterator[None]:
    """One request at a time in this repository, and git's failures in our words.

    Two requests checked side by side would each miss the other's branch (two new
    servers with one IP); the second waits here until the first has made its branch."""
    try:
        path = git.common_dir(repo) / "gitinv-request.lock"
        with lock.exclusive(
            path,
            waiting=lambda: sys.stderr.write(
                "gitinv: another `gitinv request` is running in this repository; waiting...\n"
            ),
            wait=WAIT_SECONDS,
            busy=f"another `gitinv request` has been running in this repository for over "
            f"{WAIT_SECONDS:.0f} s; run this one again when it has finished (nothing created)",
        ):
            yield
    except git.GitError as exc:
        raise GitinvError(
            f"the request stopped: git could not {exc.command}: {_last_line(exc.detail)}\n"
            "nothing was created; run the same command again once that is solved"
        ) from None


def _last_line(text: str) -> str:
    """What git says went wrong, on one line: the remote's own words when it gave any
    (a hook's refusal), else git's first error, else its last line."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    remote_said = [
        line.removeprefix("remote:").strip() for line in lines if line.startswith("remote:")
    ]
    if remote_said:
        return "; ".join(r for r in remote_said if r)
    errors = [line for line in lines if line.startswith(("fatal: ", "error: "))]
    found = errors[0] if errors else lines[-1] if lines else text
    return found.removeprefix("fatal: ").removeprefix("error: ")


def check_options(
    comment: str, reviewer: str | None, forge: forge_config.Kind | None = None
) -> None:
    if not comment.strip():
        raise GitinvError("--comment is required: say why the change is needed")
    if reviewer and handles.problem(reviewer, forge):
        raise GitinvError(f"--reviewer {reviewer!r}: give {handles.describe(forge)}")


@dataclass(frozen=True)
class Start:
    """Where a request starts: the up-to-date main branch."""

    main: str
    origin: str | None
    main_ref: str
    base: str

    @classmethod
    def of(cls, repo: Path, push: bool) -> Start:
        origin = remote.default_remote(repo)
        if push and origin is None:
            raise GitinvError("--push needs a remote; add one with `git remote add origin URL`")
        if origin:
            git.fetch(repo, origin)
        main = remote.main_branch(repo, origin)
        main_ref = remote.main_ref(repo, origin, main)
        return cls(main, origin, main_ref, git.resolve_commit(repo, main_ref))


def submit(
    repo: Path,
    start: Start,
    plan: Plan,
    *,
    comment: str,
    reviewer: str | None,
    push: bool,
    open_request: bool = False,
) -> int:
    """Commit `plan` on its branch from `start`, unless it is refused; push it if asked,
    and open its request through the code host's API with `open_request`."""
    # With a token the code host says which requests are open; --open needs one that writes.
    host = forge.connect(repo, write=True) if open_request else forge.try_connect(repo)
    with host if host is not None else nullcontext():
        return _submit(
            repo,
            start,
            plan,
            host,
            comment=comment,
            reviewer=reviewer,
            push=push,
            open_request=open_request,
        )


def _submit(
    repo: Path,
    start: Start,
    plan: Plan,
    host: Host | None,
    *,
    comment: str,
    reviewer: str | None,
    push: bool,
    open_request: bool,
) -> int:
    main, origin, main_ref, base = start.main, start.origin, start.main_ref, start.base
    others, host_branches = requests_host.open_branches(repo, main_ref, base, origin, host)
    chosen = requests_host.free_branch(
        repo, origin, main_ref, base, plan.branch, host_branches if host else None
    )
    if isinstance(chosen, str):
        return _refuse(chosen)
    plan, stale = replace(plan, branch=chosen.name), chosen.replace
    if f"refs/heads/{plan.branch}" in git.checked_out(repo):
        return _refuse(
            f"branch {plan.branch} is checked out here; switch to another branch "
            f"(`git switch {main}`) and run the request again: it never moves your branch"
        )
    message = f"{plan.subject}\n\n{plan.note}{comment.strip()}\n"
    if reviewer:
        message += f"\nRequested-reviewer: {reviewer}\n"
    commit = git.write_commit(repo, base, plan.files, message)
    change = diff_commits(repo, base, commit)
    if not change.changes:
        return _refuse("the request changes nothing in the inventory")
    mine = queue.claims(change.changes)
    for other in others:
        clash = sorted(set(mine) & set(queue.claims(other.diff.changes)))
        if clash:
            what = ", ".join(mine[k] for k in clash)
            return _refuse(
                f"an open request already touches {what}: branch {other.name}; "
                "wait until it is merged or closed, or change that request instead"
            )
    result = inventory.check(repo, commit, progress=sys.stderr.isatty())
    if result.findings:
        sys.stdout.write(report.render(result.findings, "text", servers=result.servers))
        return _refuse("the change would make the inventory invalid (see above); nothing created")
    if push:
        # Pushed before the local branch exists, so a refused push leaves no branch behind.
        assert origin is not None
        try:
            git.push(repo, origin, plan.branch, commit)
        except git.GitError as exc:
            raise GitinvError(
                f"cannot push {plan.branch} to {origin}: {_last_line(exc.detail)}\n"
                f"nothing created: no branch was made here or on {origin}; "
                "run the same command again once the push can go through",
                exc.exit_code,
            ) from None
    opened = None
    if open_request and host is not None and origin:
        opened = requests_host.open_request(
            host,
            origin=origin,
            repository=remote.repository_url(repo, origin),
            main=main,
            branch=plan.branch,
            title_text=requests_host.title(plan.branch, change, plan.subject),
            body_text=requests_host.body(comment, reviewer, change, host.comment_limit),
        )
    try:
        git.create_branch(repo, plan.branch, commit, replace=stale)
    except git.GitError:
        return _refuse(
            f"branch {plan.branch} changed while the request was made (by another "
            "command?); it was left as it is: run the request again"
            + (f" (the commit is already on {origin})" if push else "")
        )
    sys.stdout.write(
        f"created branch {plan.branch} from {main_ref.split('/', 2)[-1]} "
        f"({base[:10]}), commit {commit[:10]}\n"
    )
    if chosen.passed_over:
        sys.stdout.write(
            f"({', '.join(chosen.passed_over)} on {origin} is left from an earlier request, "
            "merged or closed: a new name keeps it as it is)\n"
        )
    sys.stdout.write(render_text(change))
    if opened is not None and host is not None:
        sys.stdout.write(f"opened {host.noun} {host.sign}{opened.number}: {opened.url}\n")
    elif push:
        assert origin is not None
        url = remote.repository_url(repo, origin)
        if url:
            sys.stdout.write(remote.open_request_line(repo, url, main, plan.branch))
        else:
            sys.stdout.write(f"pushed {plan.branch} to {origin}\n")
    elif origin:
        sys.stdout.write(f"push it with: git push {origin} {plan.branch}  (or use --push)\n")
    return 0


def _refuse(message: str) -> int:
    sys.stderr.write(f"gitinv: request refused: {message}\n")
    return 1
