"""The git side of a fake code host: a bare repository holding main, the request
branches and the refs the host keeps for each request (`refs/pull/N/head` on GitHub,
`refs/merge-requests/N/head` on GitLab), and a moderator's clone of it.

The API side is `FakeHost`; `Hub.request` makes both sides of one request agree.
"""

from __future__ import annotations

from pathlib import Path

from gitinv import git
from tests.conftest import CASES, GitRepo
from tests.forge.fakehost import FakeHost

WEB01 = "inventory/servers/web/web01.yaml"
WEB02 = "inventory/servers/web/web02.yaml"
DB01 = "inventory/servers/data/db01.yaml"


DC = "dc4"  # the datacenter of tests/cases/base


class Hub:
    def __init__(self, root: Path, host: FakeHost) -> None:
        self.host = host
        self.bare = root / "hub.git"
        self.work = GitRepo(root / "work")
        self.work.copy_inventory(CASES / "base")
        self.work.write(
            "inventory/settings.yaml",
            f'repository: {host.web}\nadmins:\n  - "@acme/admins"\n',
        )
        self.work.commit("base inventory")
        self.remote = self.work.bare_remote(self.bare)
        self.upload_log = root / "upload-pack.log"

    @property
    def path(self) -> Path:
        return self.work.path

    def main(self) -> str:
        return self.git_bare("rev-parse", "refs/heads/main")

    def git_bare(self, *args: str) -> str:
        return self.remote.git(*args)

    def text(self, path: str, rev: str = "refs/heads/main") -> str:
        return (git.read_blob(self.bare, rev, path) or b"").decode()

    def commit(self, files: dict[str, str | None], message: str, parent: str | None = None) -> str:
        """A commit on `parent` (default: main) in the bare repository, on no branch."""
        data = {k: (v.encode() if v is not None else None) for k, v in files.items()}
        return git.write_commit(self.bare, parent or self.main(), data, message + "\n")

    def ref_of(self, number: int) -> str:
        if self.host.kind == "github":
            return f"refs/pull/{number}/head"
        return f"refs/merge-requests/{number}/head"

    def request(
        self,
        number: int,
        title: str,
        files: dict[str, str | None],
        *,
        branch: str | None = None,
        fork: bool = False,
        parent: str | None = None,
        **host_fields: object,
    ) -> str:
        """One request on both sides: its commit, its branch (not for a fork's request,
        whose branch lives in the fork), the host's ref, and the API's record."""
        branch = branch or f"request/update/pr{number}"
        sha = self.commit(files, title, parent)
        self.git_bare("update-ref", self.ref_of(number), sha)
        if not fork:
            self.git_bare("update-ref", f"refs/heads/{branch}", sha)
        self.host.add_request(
            number,
            title,
            branch=branch,
            fork=fork,
            sha=sha,
            **host_fields,  # type: ignore[arg-type]
        )
        return sha

    def merge(self, branch: str, *, squash: bool = False) -> str:
        """Merge `branch` into main as the host's button does; the branch is left behind."""
        tip = self.git_bare("rev-parse", f"refs/heads/{branch}")
        main = self.main()
        tree = git.merge_tree(self.bare, main, tip)[0]
        if squash:
            sha = self.git_bare("commit-tree", tree, "-p", main, "-m", f"{branch} (#9)")
        else:
            message = f"Merge pull request #9 from {branch}"
            sha = self.git_bare("commit-tree", tree, "-p", main, "-p", tip, "-m", message)
        self.git_bare("update-ref", "refs/heads/main", sha)
        return sha

    def count_fetches(self) -> None:
        """Log each connection a fetch from the hub makes (one per `git fetch`)."""
        wrapper = self.upload_log.with_suffix(".sh")
        wrapper.write_text(
            f'#!/bin/sh\necho "$@" >> {self.upload_log}\nexec git upload-pack "$@"\n'
        )
        wrapper.chmod(0o755)
        self.work.git("config", "remote.origin.uploadpack", str(wrapper))

    def fetches(self) -> int:
        return len(self.upload_log.read_text().splitlines()) if self.upload_log.exists() else 0
