"""Branches whose changes main already has, however they got there.

    already_in_main(root, main, {name: commit}) -> {names}

A branch left behind after its pull request was merged is an ancestor of main
only after a merge commit; after a squash or a rebase its commits are not on
main, yet its changes are. So a branch counts as merged when every inventory
file it changes (from where it left main to its tip) has, on main, the version
the branch gives it: either main holds that version today, or a commit on main
since the branch left gave the file that version (a later change on main does
not bring the branch back to life). A branch that changes nothing under
`inventory/` has nothing left to merge either.

Cost: one `merge-base` a branch, one `rev-parse`, one `diff-tree --stdin` and
one `ls-tree` for all of them, and one `log` for each branch main does not hold
as it is today.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from gitinv import git


def own_changes(
    root: Path, main: str, tips: Mapping[str, str]
) -> dict[str, tuple[str | None, list[git.FileChange]]]:
    """Name → (merge base with main, the inventory files changed from there to the tip)."""
    bases = {name: git.merge_base(root, main, tip) for name, tip in tips.items()}
    revs = [rev for name, tip in tips.items() for rev in (bases[name], tip) if rev]
    tree = dict(zip(revs, git.trees_of(root, revs), strict=True))
    pairs = []
    for name, tip in tips.items():
        base = bases[name]
        pairs.append((tree[base] if base else git.EMPTY_TREE, tree[tip]))
    return {
        name: (bases[name], files)
        for name, files in zip(tips, git.diff_trees(root, pairs), strict=True)
    }


def already_in_main(root: Path, main: str, tips: Mapping[str, str]) -> set[str]:
    """The names of `tips` (name → commit) whose inventory changes main already has."""
    if not tips:
        return set()
    main_sha = git.resolve_commit(root, main)
    own = own_changes(root, main_sha, tips)
    today = git.blob_ids(root, main_sha, {f.path for _, files in own.values() for f in files})
    done = set()
    for name, (base, files) in own.items():
        if all(today.get(f.path) == f.new for f in files):
            done.add(name)
        elif base is not None and base != main_sha:  # main moved on since the branch left
            held = git.versions_between(root, base, main_sha, [f.path for f in files])
            if all((f.path, f.new) in held or today.get(f.path) == f.new for f in files):
                done.add(name)
    return done
