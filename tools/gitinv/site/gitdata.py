"""The git facts a build needs beyond `gitinv.git`: the commit's date, shallow clones."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gitinv import git as gitops


@dataclass(frozen=True)
class Commit:
    id: str
    date: str  # committer date, ISO 8601 with the committer's offset


def resolve(root: Path, rev: str) -> Commit:
    sha = gitops.resolve_commit(root, rev)
    repo = gitops.open_repo(root)
    try:
        date = repo.commit(sha).committed_datetime.isoformat()
    finally:
        repo.close()
    return Commit(id=sha, date=date)


def branch_exists(root: Path, name: str) -> bool:
    return gitops.try_rev_parse(root, name) is not None


def is_shallow(root: Path) -> bool:
    repo = gitops.open_repo(root)
    try:
        return str(repo.git.rev_parse("--is-shallow-repository")).strip() == "true"
    finally:
        repo.close()


def origin_url(root: Path) -> str | None:
    """The origin remote as an https URL of the code host, where one can be derived."""
    url = gitops.remote_url(root, "origin")
    if not url:
        return None
    if url.startswith("git@") and ":" in url:
        host, _, path = url[4:].partition(":")
        url = f"https://{host}/{path}"
    elif url.startswith("ssh://git@"):
        url = "https://" + url[len("ssh://git@") :]
    if not url.startswith("https://"):
        return None
    return url.removesuffix(".git").rstrip("/")
