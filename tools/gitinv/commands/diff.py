"""`gitinv diff [BASE [HEAD]]`: the comparison table of two revisions."""

from __future__ import annotations

import sys
from pathlib import Path

from gitinv.diff import inventory_diff
from gitinv.diffformat import RENDERERS
from gitinv.remote import main_branch


def run(*, repo: Path, base: str | None = None, head: str | None = None, fmt: str = "text") -> int:
    """BASE defaults to the merge base with the main branch, HEAD to the working tree."""
    d = inventory_diff(repo, base, head, main=main_branch(repo))
    sys.stdout.write(RENDERERS[fmt](d))
    return 0
