"""A small GitHub in a folder: a bare repository as the remote, a requester's
clone and a moderator's clone, and helpers that merge the way GitHub does."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import GitRepo, server
from tests.exports.conftest import eco_repo

__all__ = ["eco_repo"]  # the export tests' inventory, for the import round trip

CATALOGS = {
    "components.yaml": "nginx:\n  description: Web server\npostgres: {}\n",
    "datacenters.yaml": "fra1:\n  location: Frankfurt\n  prefixes:\n    - 10.1.0.0/16\n"
    "ams1:\n  prefixes:\n    - 10.2.0.0/16\n",
    "environments.yaml": "production: {}\nstaging: {}\n",
    "types.yaml": "vm: {}\nbaremetal: {}\n",
    "tags.yaml": "frontend: {}\npci: {}\n",
    "groups.yaml": "platform:\n  moderators:\n    - '@acme/platform'\n"
    "data:\n  moderators:\n    - '@acme/dba'\n    - '@carol'\n",
    "settings.yaml": "repository: https://github.com/acme/inventory\n"
    "admins:\n  - '@acme/inventory-admins'\n",
}


SERVERS = {
    "platform/web01.yaml": server("10.1.0.1", tags="[]").replace(
        "tags: []\n", "tags:\n  - frontend\n"
    )
    + "description: Public web frontend\n",
    "platform/web02.yaml": server("10.1.0.2"),
    "data/db01.yaml": server("10.1.0.10", component="postgres"),
}

PEOPLE = {
    "requester": ("Rita Requester", "rita@example.com"),
    "moderator": ("Mo Moderator", "mo@example.com"),
    "seed": ("Admin", "admin@example.com"),
}


def identity(who: str) -> dict[str, str]:
    name, email = PEOPLE[who]
    return {
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_COMMITTER_NAME": name,
        "GIT_COMMITTER_EMAIL": email,
    }


class Clone(GitRepo):
    """A person's clone of the hub: each commit theirs."""

    def __init__(self, path: Path, who: str) -> None:
        super().__init__(path, init=False, env=identity(who))
        self.who = who

    @classmethod
    def of(cls, remote: Path, path: Path, who: str) -> Clone:
        GitRepo.clone(remote, path)
        return cls(path, who)

    def commit_all(self, message: str) -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)
        return self.git("rev-parse", "HEAD")


@dataclass
class Hub:
    remote: Path
    requester: Clone
    moderator: Clone
    next_pr: int = 1

    def merge(self, branch: str, *, squash: bool = False, title: str | None = None) -> int:
        """Merge origin/BRANCH into main as GitHub does (moderator clone); return the PR number."""
        number = self.next_pr
        self.next_pr += 1
        mod = self.moderator
        mod.git("fetch", "-q", "origin")
        mod.git("checkout", "-q", "main")
        mod.git("reset", "-q", "--hard", "origin/main")
        if squash:
            subject = title or mod.git("log", "-1", "--format=%s", f"origin/{branch}")
            author = mod.git("log", "-1", "--format=%an <%ae>", f"origin/{branch}")
            mod.git("merge", "-q", "--squash", f"origin/{branch}")
            mod.git("commit", "-q", f"--author={author}", "-m", f"{subject} (#{number})")
        else:
            mod.git(
                "merge",
                "-q",
                "--no-ff",
                f"origin/{branch}",
                "-m",
                f"Merge pull request #{number} from acme/{branch}",
            )
        mod.git("push", "-q", "origin", "main")
        mod.git("push", "-q", "origin", "--delete", branch)
        return number


@pytest.fixture(autouse=True)
def _git_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    config = home / "gitconfig"
    config.write_text('[init]\n\tdefaultBranch = main\n[protocol "file"]\n\tallow = always\n')
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for key, value in identity("requester").items():
        monkeypatch.setenv(key, value)


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[Hub]:
    remote = tmp_path / "github" / "acme" / "inventory.git"
    GitRepo(remote, bare=True)
    seed = Clone.of(remote, tmp_path / "seed", "seed")
    for name, text in CATALOGS.items():
        seed.write(f"inventory/{name}", text)
    for rel, text in SERVERS.items():
        seed.write(f"inventory/servers/{rel}", text)
    seed.commit_all("Initial inventory")
    seed.push("origin", "main")
    clones = {who: Clone.of(remote, tmp_path / who, who) for who in ("requester", "moderator")}
    yield Hub(remote, clones["requester"], clones["moderator"])
