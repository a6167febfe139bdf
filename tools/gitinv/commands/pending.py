"""`gitinv pending`: the approval queue, from the code host with a token, else from branches."""

from __future__ import annotations

import sys
from pathlib import Path

from gitinv import forge, git, remote, requests_host
from gitinv.errors import GitinvError
from gitinv.forge import config as forge_config
from gitinv.forge.base import State
from gitinv.pending_report import REPORTERS


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
        if state != "open":
            raise GitinvError(
                f"--state {state} needs a code-host token: closed and merged requests are "
                f"known to the code host alone, not to the branches; set {tokens}, or leave "
                "--state out for the open requests"
            )
        sys.stderr.write(
            f"gitinv: no code-host token, so these are {name}'s branches not merged into "
            f"main; set {tokens} to see the requests and their statuses\n"
        )
        found = requests_host.collect(repo, None, name, fetch=fetch, progress=progress)
    else:
        with host:
            found = requests_host.collect(repo, host, name, state=state, progress=progress)
    requests_host.say_left_out(found)
    sys.stdout.write(REPORTERS[fmt](found, None))
    return 0 if found.ok else 1
