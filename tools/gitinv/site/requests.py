"""api/v1/requests.json: the open requests as `gitinv pending --format json` gives them,
checked against the commit being built; only when a code-host token is given.

The document holds what the host answered and what git holds, nothing of the build's
own time: each request's `created` is the host's, and the page works out its age in
the browser. So the same revision and the same answers give the same bytes.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gitinv import forge, inventory, remote, requests_host
from gitinv.errors import GitinvError
from gitinv.forge.config import TOKEN_ENV


def document(
    root: Path,
    commit: str,
    main_inventory: inventory.Inventory,
    progress: Callable[[str], None],
) -> dict[str, Any] | None:
    """The requests document, or None without a token (or without a remote to fetch
    the requests' refs from, as in a demo copy). A host or fetch failure is an error
    (the build stops and the previous site stays): a token was given, so a site
    without its requests would hide that something is wrong. GitLab's CI_JOB_TOKEN
    is the exception: every job has one whether wanted or not."""
    host = forge.try_connect(root)
    if host is None:
        return None
    name = remote.default_remote(root)
    if name is None:
        host.client.close()
        sys.stderr.write(
            "gitinv: a code-host token is set but there is no remote to fetch the "
            "requests from: the site is built without them\n"
        )
        return None
    progress(f"reading the open {host.noun}s from {host.name}")
    implicit = host.where.token is not None and host.where.token.job
    with host:
        try:
            found = requests_host.collect(
                root, host, name, state="open", main_sha=commit, main_inventory=main_inventory
            )
        except GitinvError as exc:
            if not implicit:
                raise
            # GitLab gives every job CI_JOB_TOKEN, chosen by nobody; where GitLab does not
            # let it list merge requests, the site is published without them.
            sys.stderr.write(
                f"gitinv: {exc.message}\ngitinv: the site is built without the open merge "
                f"requests: set {TOKEN_ENV} to a token with the read_api scope to show them\n"
            )
            return None
    requests_host.say_left_out(found)
    return requests_host.as_dict(found)
