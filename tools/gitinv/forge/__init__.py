"""The code host as a source: GitHub (REST v3) or GitLab (REST v4), one module each.

Public API::

    kind(root) -> "github" | "gitlab" | None     # no network: settings, then origin
    connect(root, write=False) -> base.Host      # raises GitinvError (no token, unknown host)
    try_connect(root) -> base.Host | None        # None without a token: fall back to git
    ci_request_number(kind, env) -> int | None   # the request a CI job runs for

    host.requests("open" | "all") -> [base.Request]   # number, title, author, status,
                                                     # url, branch, ref to fetch, created
    host.create_request(branch=, base=, title=, body=, labels=)
    host.post_report(number, text)                   # the one marked comment

Importing this package does not import the HTTP client; `connect` does.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from gitinv.errors import GitinvError
from gitinv.forge.config import JOB_TOKEN, TOKEN_ENV, TOKENS, Kind, Where, kind, look, where

if TYPE_CHECKING:
    from gitinv.forge.base import Host

__all__ = ["Kind", "ci_request_number", "connect", "kind", "try_connect"]


def connect(root: Path, *, write: bool = False, env: Mapping[str, str] | None = None) -> Host:
    """The host's API for the inventory at `root`; `write` when the caller will write
    (GitLab's CI job token only reads)."""
    env = os.environ if env is None else env
    return _connect(where(root, env), write)


def _connect(found: Where, write: bool) -> Host:
    if found.token is None:
        raise GitinvError(
            f"no {found.name} token: set {' or '.join(TOKENS[found.kind])} "
            f'(the README\'s "Tokens" says which scope it needs)'
        )
    if write and found.token.job:
        raise GitinvError(
            f"{JOB_TOKEN} cannot write to merge requests (GitLab lets the job token only "
            f"read them and their notes): set {TOKEN_ENV} or GITLAB_TOKEN to a project access "
            "token with the `api` scope, stored as a masked CI/CD variable"
        )
    if found.kind == "github":
        from gitinv.forge import github

        return github.connect(found)
    from gitinv.forge import gitlab

    return gitlab.connect(found)


def try_connect(root: Path, env: Mapping[str, str] | None = None) -> Host | None:
    """The host's API when a token is given, else None (the caller works from git).
    Without GITINV_TOKEN, a host that cannot be told apart also gives None."""
    env = os.environ if env is None else env
    found = look(root)  # settings.yaml and the origin remote, read once for both steps
    if found.kind is None:
        if env.get(TOKEN_ENV, "").strip():
            where(root, env, found)  # raises: says how to name the host
        return None
    if not any(env.get(name, "").strip() for name in TOKENS[found.kind]):
        return None
    return _connect(where(root, env, found), write=False)


def ci_request_number(kind: Kind, env: Mapping[str, str] | None = None) -> int | None:
    """The pull/merge request a CI job runs for: GitHub's event file (`pull_request.number`)
    or `GITHUB_REF` refs/pull/N/merge; GitLab's `CI_MERGE_REQUEST_IID`."""
    env = os.environ if env is None else env
    if kind == "gitlab":
        iid = env.get("CI_MERGE_REQUEST_IID", "").strip()
        return int(iid) if re.fullmatch(r"[0-9]{1,12}", iid) else None
    event = env.get("GITHUB_EVENT_PATH", "").strip()
    if event:
        try:
            with open(event, encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError, RecursionError):
            # Unreadable, not JSON, or nested deeper than Python reads: GITHUB_REF
            # may still name the request, and the caller says what to do if not.
            data = None
        pull = data.get("pull_request") if isinstance(data, dict) else None
        number = pull.get("number") if isinstance(pull, dict) else None
        if isinstance(number, int) and not isinstance(number, bool) and number > 0:
            return number
    match = re.fullmatch(r"refs/pull/(\d+)/(?:merge|head)", env.get("GITHUB_REF", "").strip())
    return int(match[1]) if match else None
