"""`gitinv init`: start an inventory repository; `--update`: bring what it wrote up to date."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from gitinv import git, handles
from gitinv.errors import GitinvError
from gitinv.handles import Forge
from gitinv.repo import find_root
from gitinv.scaffold import plan as planning
from gitinv.scaffold import templates
from gitinv.site.gitdata import origin_url

_REPOSITORY = re.compile(r"^https://[^\s/]+/[^\s]+[^/\s]$")

NEXT_STEPS = {
    "github": [
        "Create an empty repository on GitHub, then push:\n"
        "     git remote add origin https://github.com/OWNER/REPOSITORY.git && "
        "git push -u origin main",
        "Settings → Pages → Source: GitHub Actions (publish.yml deploys the dashboard)",
        "Settings → Rules → Rulesets, for main: require a pull request with review from "
        "Code Owners, dismiss stale approvals, require the status check `validate`, "
        "require a merge queue, block force pushes",
    ],
    "gitlab": [
        "Create an empty project on GitLab, then push:\n"
        "     git remote add origin https://GITLAB-HOST/GROUP/PROJECT.git && "
        "git push -u origin main",
        "Settings → Repository → Protected branches: main, with Code owner approval; "
        "Settings → Merge requests: Pipelines must succeed, merged results pipelines "
        "and merge trains",
        "Settings → CI/CD → Variables: GITINV_TOKEN, a project access token with the `api` "
        "scope (masked), for the comparison note on each merge request",
        "Deploy → Pages shows the dashboard's address after the first pipeline on main",
    ],
}


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


def _start(
    root: Path,
    *,
    admins: list[str],
    forge: str | None,
    example: bool,
    requirement: str | None,
    repository: str | None,
    force: bool,
) -> int:
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
    if top is None:
        git.init(root, templates.BRANCH)
        sys.stdout.write(f"started a git repository in {root} (branch {templates.BRANCH})\n")
    planning.apply(root, plan)
    servers = [s for s in plan.writes if s.path.startswith("inventory/servers/")]
    for step in plan.writes:
        if step not in servers:
            sys.stdout.write(f"wrote {step.path}\n")
    if servers:
        sys.stdout.write(f"wrote {len(servers)} server files under inventory/servers/\n")
    _next_steps(root, chosen)
    return 0


def _next_steps(root: Path, forge: str) -> None:
    here = Path.cwd().resolve()
    cd = "" if root.resolve() == here else f"cd {root} && "
    steps = [
        f'Commit:  {cd}git add -A && git commit -m "Start the inventory"',
        *NEXT_STEPS[forge],
        "Optional: declare fields of your own (owner, rack, end of life...) in "
        "inventory/fields.yaml, then run `gitinv schema` (README: Adding your own fields)",
        "Add a server: inventory/servers/<group>/<name>.yaml (or `gitinv request add`), "
        "check it with `gitinv validate`, and open a pull request",
    ]
    sys.stdout.write("\nNext steps:\n")
    for number, text in enumerate(steps, start=1):
        sys.stdout.write(f"  {number}. {text}\n")


def _update(root: Path, *, requirement: str | None, force: bool) -> int:
    given = templates.check_requirement(requirement) if requirement else None
    plan = planning.for_update(root, requirement=given, force=force)
    planning.apply(root, plan)
    words = {"create": "created", "update": "updated", "remove": "removed"}
    for step in plan.steps:
        if step.action in words:
            sys.stdout.write(f"{words[step.action]} {step.path}\n")
        elif step.action == "replace":
            sys.stdout.write(f"replaced {step.path} (it was edited by hand)\n")
    for note in plan.notes:
        sys.stdout.write(f"{note}\n")
    for step in plan.edited:
        sys.stderr.write(
            f"gitinv: {step.path}: edited by hand, left alone; compare it with what "
            "this version writes, or run `gitinv init --update --force` to replace it\n"
        )
    if not plan.writes and not plan.edited:
        sys.stdout.write("up to date\n")
    return 1 if plan.edited else 0


def run(
    *,
    path: Path | None,
    admins: list[str],
    forge: str | None = None,
    example: bool = False,
    requirement: str | None = None,
    repository: str | None = None,
    update: bool = False,
    force: bool = False,
) -> int:
    if update:
        given = [
            name
            for name, value in (
                ("--admin", admins),
                ("--forge", forge),
                ("--example", example),
                ("--repository", repository),
            )
            if value
        ]
        if given:
            raise GitinvError(
                f"{given[0]} does not go with --update: admins, forge and repository are in "
                "inventory/settings.yaml; change them there"
            )
        return _update(find_root(path), requirement=requirement, force=force)
    return _start(
        (path or Path(".")).absolute(),
        admins=admins,
        forge=forge,
        example=example,
        requirement=requirement,
        repository=repository,
        force=force,
    )
