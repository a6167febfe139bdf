"""A small inventory repository with a known history, and its built site (fixtures)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import GitRepo, server

CATALOGS = {
    "components.yaml": "nginx:\n  description: Web server\npostgres:\n  description: Database\n",
    "datacenters.yaml": (
        "fra1:\n  description: Frankfurt\n  location: Equinix FR5\n  prefixes:\n    - 10.1.0.0/16\n"
    ),
    "environments.yaml": "production:\n  description: Customers\nstaging: {}\n",
    "types.yaml": "vm:\n  description: Virtual machine\n",
    "tags.yaml": "frontend:\n  description: Takes traffic\npci: {}\n",
    "groups.yaml": (
        'data:\n  description: Data team\n  moderators:\n    - "@acme/data"\n'
        'web:\n  description: Web team\n  moderators:\n    - "@acme/web"\n'
    ),
    "settings.yaml": "repository: https://github.com/acme/inventory\nbranch: main\n",
}
XSS = '<script>alert(1)</script><img src=x onerror="window.__xss=1">'


def tree_digest(root: Path) -> dict[str, str]:
    """Every file under `root` by its relative path, as a hash of its bytes."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


class Repo(GitRepo):
    """A repository whose commits are each an hour apart, by the person named."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, init=False)
        self.tick = 0

    def git(
        self,
        *args: str,
        who: str = "Alice Admin",
        env: dict[str, str] | None = None,
        strip: bool = True,
    ) -> str:
        self.tick += 1
        stamp = f"2026-01-{1 + self.tick // 24:02d}T{self.tick % 24:02d}:00:00+00:00"
        email = who.split()[0].lower() + "@example.com"
        person = {
            "GIT_AUTHOR_NAME": who,
            "GIT_AUTHOR_EMAIL": email,
            "GIT_COMMITTER_NAME": who,
            "GIT_COMMITTER_EMAIL": email,
            "GIT_AUTHOR_DATE": stamp,
            "GIT_COMMITTER_DATE": stamp,
        }
        return super().git(*args, env={**person, **(env or {})}, strip=strip)

    def commit(  # type: ignore[override]
        self, message: str, who: str = "Alice Admin"
    ) -> str:
        self.git("add", "--all")
        self.git("commit", "--quiet", "--no-verify", "-m", message, who=who)
        return self.git("rev-parse", "HEAD")

    def merge_pr(
        self, number: int, branch: str, title: str, who: str, change: dict[str, str | None]
    ) -> str:
        """A pull request merged the way GitHub's merge button does it."""
        self.git("checkout", "--quiet", "-b", branch)
        for rel, text in change.items():
            if text is None:
                (self.path / rel).unlink()
            else:
                self.write(rel, text)
        self.commit(title, who=who)
        self.git("checkout", "--quiet", "main")
        self.git(
            "merge",
            "--no-ff",
            "--quiet",
            "-m",
            f"Merge pull request #{number} from acme/{branch}\n\n{title}",
            branch,
            who="Carol Moderator",
        )
        return self.git("rev-parse", "HEAD")


@pytest.fixture(autouse=True)
def _quiet_git(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path_factory.getbasetemp() / "gitconfig"
    config.write_text("[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


@pytest.fixture(autouse=True)
def _own_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test's own cache folder: a build keeps its history there, and a test's
    builds of the session's `history_repo` start from nothing kept by another test."""
    folder = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("GITINV_CACHE_DIR", str(folder))
    return folder


def make_history(path: Path) -> Repo:
    """Six changes: an import, a PR update, a squash add, a move, a delete, a catalog edit."""
    repo = Repo(path)
    path.mkdir(parents=True, exist_ok=True)
    repo.git("init", "--quiet", "-b", "main")
    for name, text in CATALOGS.items():
        repo.write(f"inventory/{name}", text)
    repo.write(
        "inventory/servers/web/web01.yaml",
        server("10.1.0.1", tags="\n  - frontend", description="Shop front"),
    )
    repo.write("inventory/servers/web/web02.yaml", server("10.1.0.2"))
    repo.write(
        "inventory/servers/data/db01.yaml", server("10.1.0.11", component="postgres", type=None)
    )
    repo.commit("Import the inventory")
    repo.merge_pr(
        1,
        "request/update/web01",
        "Maintenance window for web01",
        "Bob Builder",
        {
            "inventory/servers/web/web01.yaml": server(
                "10.1.0.1", state="maintenance", tags="\n  - frontend", description="Shop front"
            )
        },
    )
    repo.write(
        "inventory/servers/data/db02.yaml",
        server(
            "10.1.0.12", component="postgres", type=None, state="planned", description=f"'{XSS}'"
        ),
    )
    repo.commit("Add db02 (#2)", who="Bob Builder")
    repo.merge_pr(
        3,
        "request/move/web02",
        "Hand web02 to the data team",
        "Dana Data",
        {
            "inventory/servers/web/web02.yaml": None,
            "inventory/servers/data/web02.yaml": server("10.1.0.2", tags="\n  - pci"),
        },
    )
    repo.merge_pr(
        4,
        "request/delete/db01",
        "Decommission db01",
        "Dana Data",
        {"inventory/servers/data/db01.yaml": None},
    )
    repo.write("inventory/tags.yaml", CATALOGS["tags.yaml"] + "backup:\n  description: Backed up\n")
    repo.commit("Add the backup tag (#5)")
    return repo


@pytest.fixture(scope="session")
def history_repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    base = tmp_path_factory.mktemp("history")
    config = base / "gitconfig"
    config.write_text("[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GIT_CONFIG_GLOBAL", str(config))
        mp.setenv("GIT_CONFIG_NOSYSTEM", "1")
        yield make_history(base / "repo").path


@pytest.fixture(scope="session")
def built_site(history_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from gitinv.site.build import build

    out = tmp_path_factory.mktemp("built") / "_site"
    result = build(history_repo, None, out)
    assert result.ok, result.findings
    return out
