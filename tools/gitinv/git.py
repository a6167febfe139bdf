"""Every git operation gitinv needs, as small named functions over GitPython.

Nothing else in the package imports `git`.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import git

from gitinv.errors import GitinvError


@dataclass(frozen=True, slots=True)
class TreeEntry:
    mode: str
    kind: str  # blob, tree, commit
    sha: str
    size: int  # -1 where git gives none
    path: str


def open_repo(root: Path) -> git.Repo:
    try:
        return git.Repo(root)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise GitinvError(
            f"{root} is not a git repository; run `git init` or pass -C PATH"
        ) from None


def resolve_commit(root: Path, rev: str) -> str:
    """The full commit id `rev` names, or a clear error."""
    repo = open_repo(root)
    try:
        return str(
            repo.git.rev_parse("--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}")
        )
    except git.GitCommandError:
        raise GitinvError(
            f"unknown revision `{rev}`; name a branch, tag or commit that exists here "
            "(`git log --oneline` lists them)"
        ) from None


def ls_tree(root: Path, commit: str, path: str) -> list[TreeEntry]:
    """Every entry below `path` at `commit`, recursively, with blob sizes."""
    out = open_repo(root).git.ls_tree("-r", "-l", "-z", "--full-tree", commit, "--", path)
    entries = []
    for record in out.split("\0"):
        if not record:
            continue
        meta, _, name = record.partition("\t")
        mode, kind, sha, size = meta.split()
        entries.append(TreeEntry(mode, kind, sha, int(size) if size != "-" else -1, name))
    return entries


def read_blobs(root: Path, shas: list[str]) -> dict[str, bytes]:
    """The content of many blobs through one `git cat-file --batch` process."""
    if not shas:
        return {}
    repo = open_repo(root)
    with tempfile.TemporaryFile() as request:
        request.write("".join(f"{sha}\n" for sha in shas).encode())
        request.seek(0)
        raw: bytes = repo.git.execute(
            ["git", "cat-file", "--batch"], istream=request, stdout_as_string=False
        )
    blobs: dict[str, bytes] = {}
    pos = 0
    while pos < len(raw):
        header_end = raw.index(b"\n", pos)
        sha, _kind, size = raw[pos:header_end].decode().split()
        start = header_end + 1
        blobs[sha] = raw[start : start + int(size)]
        pos = start + int(size) + 1
    return blobs
