"""Starting an inventory repository: the checks of `gitinv init`'s inputs, and the plan.

Public API::

    begun = start.prepare(root, admins=[...], forge=None, example=False,
                          requirement=None, repository=None, force=False)
    if begun.new_repository:
        start.make_repository(begun.root)
    plan.apply(begun.root, begun.plan)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from gitinv import git, handles
from gitinv.errors import GitinvError
from gitinv.handles import Forge
from gitinv.scaffold import plan as planning
from gitinv.scaffold import templates
from gitinv.site.gitdata import origin_url

_REPOSITORY = re.compile(r"^https://[^\s/]+/[^\s]+[^/\s]$")


@dataclass(frozen=True)
class Begun:
    """What `init` is about to do in `root`: the files to write, for which forge, and
    whether `root` must first become a git repository."""

    root: Path
    plan: planning.Plan
    forge: Forge
    new_repository: bool


def _admins(given: list[str], forge: Forge) -> list[str]:
    if not given:
        raise GitinvError(
            "--admin is required: the handles that own the catalogs and the tooling, "
            "e.g. --admin @acme/inventory-admins"
        )
    for handle in given:
        if handles.problem(handle, forge):
            raise GitinvError(f"--admin {handle}: not {handles.describe(forge)}")
    return list(dict.fromkeys(given))


def _repository(given: str | None, root: Path, top: Path | None) -> str | None:
    if given is not None:
        given = given.rstrip("/")
        if not _REPOSITORY.fullmatch(given):
            raise GitinvError(
                f"--repository {given}: give the code host's https URL, "
                "e.g. https://github.com/acme/inventory"
            )
        return given
    return origin_url(root) if top is not None else None


def prepare(
    root: Path,
    *,
    admins: list[str],
    forge: str | None,
    example: bool,
    requirement: str | None,
    repository: str | None,
    force: bool,
) -> Begun:
    """The plan of `init` in `root`, every input checked; nothing written yet."""
    if root.exists() and not root.is_dir():
        raise GitinvError(f"{root} is not a folder")
    top = git.toplevel(root) if root.exists() else None
    if top is not None and top != root.resolve():
        raise GitinvError(
            f"{root} is inside the git repository {top}: an inventory is a repository of its "
            f"own (CI reads .github/ or .gitlab-ci.yml at its top); run `git init {root}` "
            "first to start one there, or run gitinv init at the top"
        )
    url = _repository(repository, root, top)
    chosen: Forge = "gitlab" if (forge or planning.forge_of(url)) == "gitlab" else "github"
    plan = planning.for_init(
        root,
        admins=_admins(admins, chosen),
        forge=chosen,
        requirement=templates.check_requirement(requirement or templates.default_requirement()),
        repository=url,
        example=example,
        force=force,
    )
    return Begun(root, plan, chosen, new_repository=top is None)


def make_repository(root: Path) -> None:
    """`git init` in `root`, on the branch the templates name."""
    git.init(root, templates.BRANCH)


def update(root: Path, *, requirement: str | None, force: bool) -> planning.Plan:
    """`init --update`: the plan, applied (files edited by hand are left alone)."""
    given = templates.check_requirement(requirement) if requirement else None
    plan = planning.for_update(root, requirement=given, force=force)
    planning.apply(root, plan)
    return plan
