"""Finding the inventory repository: `-C PATH`, else the nearest parent holding inventory/."""

from __future__ import annotations

from pathlib import Path

from gitinv.errors import GitinvError


def find_root(start: Path | None) -> Path:
    if start is not None:
        root = start.resolve()
        if not (root / "inventory").is_dir():
            raise GitinvError(
                f"no inventory/ folder in {start}; pass -C with the inventory repository"
            )
        return root
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "inventory").is_dir():
            return folder
    raise GitinvError(
        "no inventory found: no inventory/ folder here or in any parent; "
        "run gitinv inside an inventory repository or pass -C PATH"
    )
