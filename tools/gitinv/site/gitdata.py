"""The git facts a build needs beyond `gitinv.git`: the commit's date, shallow clones."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gitinv import git as gitops
from gitinv.forge import config as forge_config


@dataclass(frozen=True)
class Commit:
    id: str
    date: str  # committer date, ISO 8601 with the committer's offset


def resolve(root: Path, rev: str) -> Commit:
    sha = gitops.resolve_commit(root, rev)
    return Commit(id=sha, date=gitops.committer_date(root, sha))


def is_shallow(root: Path) -> bool:
    return gitops.is_shallow(root)


def origin_url(root: Path) -> str | None:
    """The origin remote as an https URL of the code host, where one can be derived;
    never with the user name or token a CI checkout puts in it."""
    url = gitops.remote_url(root, "origin")
    return forge_config.web_url(url) if url else None


def forge(root: Path, settings: dict[str, Any]) -> str:
    """`github` or `gitlab` for the site's links into the code host ("" when unknown)."""
    return forge_config.forge_of(settings, root) or ""
