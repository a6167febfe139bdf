"""A copy of the inventory with a short, made-up history of merged pull requests.

`gitinv serve --demo` uses it when the checkout has too little history to show
what the history and audit pages look like. Dates and authors are fixed, so
the demo site is the same on every machine.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import git
import yaml

from gitinv import git as gitops
from gitinv.errors import GitinvError
from gitinv.models import SERVER_FIELDS

MIN_COMMITS = 5
ADMIN = ("Morgan Admin", "morgan@example.com")
REQUESTERS = [
    ("Jamie Doe", "jamie@example.com"),
    ("Lee Nguyen", "lee@example.com"),
    ("Ana Smith", "ana@example.com"),
]
MODERATOR = ("Max Hoffmann", "max@example.com")


def needs_history(root: Path) -> bool:
    """True when the main branch has fewer than a handful of commits changing servers."""
    try:
        repo = gitops.open_repo(root)
    except GitinvError:  # not a repository: nothing to show
        return True
    try:
        count = repo.git.rev_list("--count", "--first-parent", "HEAD", "--", "inventory/servers")
        return int(count) < MIN_COMMITS
    except (git.GitCommandError, ValueError):
        return True
    finally:
        repo.close()


class _Builder:
    def __init__(self, dest: Path) -> None:
        self.dest = dest
        self.repo = git.Repo.init(dest, initial_branch="main")
        self.hour = 0

    def _env(self, who: tuple[str, str]) -> dict[str, str]:
        self.hour += 5
        when = f"2026-01-{5 + self.hour // 24:02d}T{self.hour % 24:02d}:00:00+00:00"
        return {
            "GIT_AUTHOR_NAME": who[0],
            "GIT_AUTHOR_EMAIL": who[1],
            "GIT_AUTHOR_DATE": when,
            "GIT_COMMITTER_NAME": who[0],
            "GIT_COMMITTER_EMAIL": who[1],
            "GIT_COMMITTER_DATE": when,
        }

    def commit(self, message: str, who: tuple[str, str]) -> None:
        self.repo.git.add("--all", "inventory")
        self.repo.git.commit(
            "--no-verify", "--no-gpg-sign", "--quiet", "-m", message, env=self._env(who)
        )

    def pull_request(
        self,
        number: int,
        branch: str,
        title: str,
        who: tuple[str, str],
        change: Callable[[], object],
    ) -> None:
        self.repo.git.checkout("--quiet", "-b", branch)
        change()
        self.commit(title, who)
        self.repo.git.checkout("--quiet", "main")
        self.repo.git.merge(
            "--no-ff",
            "--no-verify",
            "--quiet",
            "-m",
            f"Merge pull request #{number} from acme/{branch}\n\n{title}",
            branch,
            env=self._env(MODERATOR),
        )
        self.repo.git.branch("-D", branch)


def _servers(inventory: Path) -> list[Path]:
    return sorted((inventory / "servers").glob("*/*.yaml"), key=lambda p: p.stem)


def _edit(path: Path, **changes: Any) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    data.update(changes)
    ordered = {k: data[k] for k in SERVER_FIELDS if k in data}
    path.write_text(yaml.safe_dump(ordered, sort_keys=False, allow_unicode=True), encoding="utf-8")


def make_repo(source: Path, dest: Path) -> Path:
    """Copy `source`'s inventory into a new repository at `dest` with a short history."""
    shutil.copytree(source / "inventory", dest / "inventory", symlinks=True)
    if (source / "site" / "templates").is_dir():  # the dashboard as this checkout styles it
        shutil.copytree(source / "site", dest / "site", symlinks=True)
    inventory = dest / "inventory"
    servers = _servers(inventory)
    if len(servers) < 8:
        raise GitinvError("the demo needs an inventory of at least 8 servers")
    held = {p: p.read_bytes() for p in servers[-3:]}
    for path in held:
        path.unlink()
    b = _Builder(dest)
    b.commit("Import the server inventory", ADMIN)
    first, second, third, fourth, fifth = servers[:5]
    groups = sorted(p.name for p in (inventory / "servers").iterdir() if p.is_dir())
    other = next(g for g in groups if g != third.parent.name)
    moved = inventory / "servers" / other / third.name

    def add(path: Path) -> Callable[[], object]:
        return lambda: path.write_bytes(held[path])

    steps: list[tuple[str, str, Callable[[], object]]] = [
        (f"request/add/{servers[-3].stem}", f"Add {servers[-3].stem}", add(servers[-3])),
        (
            f"request/update/{first.stem}",
            f"Put {first.stem} into maintenance for a kernel update",
            lambda: _edit(first, state="maintenance"),
        ),
        (
            f"request/update/{second.stem}",
            f"Describe {second.stem} better",
            lambda: _edit(second, description=f"{second.stem}: reviewed in the quarterly audit"),
        ),
        (
            f"request/move/{third.stem}",
            f"Hand {third.stem} over to {other}",
            lambda: shutil.move(third, moved),
        ),
        (f"request/add/{servers[-2].stem}", f"Add {servers[-2].stem}", add(servers[-2])),
        (
            f"request/update/{fourth.stem}",
            f"Take {fourth.stem} offline",
            lambda: _edit(fourth, state="offline"),
        ),
        (
            f"request/delete/{fifth.stem}",
            f"Remove {fifth.stem}: hardware returned",
            lambda: fifth.unlink(),
        ),
        (
            f"request/update/{first.stem}",
            f"{first.stem} is back in service",
            lambda: _edit(first, state="active"),
        ),
    ]
    for number, (branch, title, change) in enumerate(steps, start=11):
        b.pull_request(number, branch, title, REQUESTERS[number % len(REQUESTERS)], change)
    add(servers[-1])()
    b.commit(f"Add {servers[-1].stem} (#{11 + len(steps)})", REQUESTERS[0])
    b.repo.close()
    return dest
