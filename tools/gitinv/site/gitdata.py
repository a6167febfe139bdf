"""The git facts a build needs: which commit it is, and whether history is complete."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import git

from gitinv.errors import GitinvError


@dataclass(frozen=True)
class Commit:
    id: str
    date: str  # committer date, ISO 8601 with the committer's offset


def open_repo(root: Path) -> git.Repo:
    try:
        return git.Repo(root)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError) as exc:
        raise GitinvError(f"{root} is not a git repository: the site is built from git history") from exc


def resolve(repo: git.Repo, rev: str) -> Commit:
    try:
        commit = repo.commit(rev)
    except (git.BadName, ValueError, git.GitCommandError) as exc:
        raise GitinvError(f"unknown revision {rev!r}") from exc
    return Commit(id=commit.hexsha, date=commit.committed_datetime.isoformat())


def branch_exists(repo: git.Repo, name: str) -> bool:
    try:
        repo.commit(name)
    except (git.BadName, ValueError, git.GitCommandError):
        return False
    return True


def is_shallow(repo: git.Repo) -> bool:
    return str(repo.git.rev_parse("--is-shallow-repository")).strip() == "true"


def origin_url(repo: git.Repo) -> str | None:
    """The origin remote as an https URL of the code host, where it can be derived."""
    try:
        url = str(repo.remotes.origin.url)
    except (AttributeError, IndexError, ValueError):
        return None
    if url.startswith("git@") and ":" in url:
        host, _, path = url[4:].partition(":")
        url = f"https://{host}/{path}"
    elif url.startswith("ssh://git@"):
        url = "https://" + url[len("ssh://git@") :]
    if not url.startswith("https://"):
        return None
    return url.removesuffix(".git").rstrip("/")
