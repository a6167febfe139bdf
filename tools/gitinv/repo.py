"""Finding the inventory repository: `-C PATH`, else the nearest parent holding inventory/."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from gitinv import git
from gitinv.errors import GitinvError


def find_root(start: Path | None, *, compared: Callable[[Path], bool] | None = None) -> Path:
    """The repository whose inventory/ folder a command reads.

    `compared`, for a command that compares two revisions (diff, report): whether the
    git repository at a folder holds an inventory in one of them. Such a repository is
    taken even when its working tree has no inventory/ folder (a checkout of a branch
    that deletes it, or puts a file in its place), so that the comparison shows what
    the branch removes instead of stopping; `-C PATH` must then be its top folder."""
    if start is not None:
        root = start.resolve()
        if not root.is_dir():
            raise GitinvError(f"-C {start}: no such folder; pass the inventory repository")
        if not (root / "inventory").is_dir():
            if root.name == "inventory" and root.parent.joinpath("inventory").is_dir():
                raise GitinvError(
                    f"-C {start} is the inventory/ folder itself; pass the repository "
                    f"that holds it (-C {root.parent})"
                )
            if compared is not None and git.toplevel(root) == root and compared(root):
                return root
            raise GitinvError(
                f"no inventory/ folder in {start}; pass -C with the inventory repository"
            )
        return root
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "inventory").is_dir():
            return folder
    if compared is not None and (top := git.toplevel(here)) is not None and compared(top):
        return top
    raise GitinvError(
        "no inventory found: no inventory/ folder here or in any parent; "
        "run gitinv inside an inventory repository or pass -C PATH"
    )
