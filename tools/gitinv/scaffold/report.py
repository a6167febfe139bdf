"""What `gitinv init` says: the files it wrote, the next steps, what `--update` changed.

Public API::

    started(root)            # the line for a new git repository
    written(plan)            # the files written, server files counted
    next_steps(root, forge)  # the numbered steps after init
    updated(plan)            # -> (standard output, standard error) of init --update
"""

from __future__ import annotations

from pathlib import Path

from gitinv.forge import config as forge_config
from gitinv.scaffold import templates
from gitinv.scaffold.plan import Plan

# The first step when the repository has no origin yet; with one, a push is all.
PUSH = {
    "github": "Create an empty repository on GitHub, then push:\n"
    "     git remote add origin https://github.com/OWNER/REPOSITORY.git && "
    "git push -u origin main",
    "gitlab": "Create an empty project on GitLab, then push:\n"
    "     git remote add origin https://GITLAB-HOST/GROUP/PROJECT.git && "
    "git push -u origin main",
}
NEXT_STEPS = {
    "github": [
        "Settings → Pages → Source: GitHub Actions (publish.yml deploys the dashboard)",
        "Settings → Rules → Rulesets, for main: require a pull request with review from "
        "Code Owners, dismiss stale approvals, require the status check `validate`, "
        "require a merge queue, block force pushes",
    ],
    "gitlab": [
        "Settings → Repository → Protected branches: main, with Code owner approval; "
        "Settings → Merge requests: Pipelines must succeed, merged results pipelines "
        "and merge trains",
        "Settings → CI/CD → Variables: GITINV_TOKEN, a project access token with the `api` "
        "scope (masked), for the comparison note on each merge request",
        "Deploy → Pages shows the dashboard's address after the first pipeline on main",
    ],
}


def started(root: Path) -> str:
    return f"started a git repository in {root} (branch {templates.BRANCH})\n"


def written(plan: Plan) -> str:
    servers = [s for s in plan.writes if s.path.startswith("inventory/servers/")]
    lines = [f"wrote {step.path}\n" for step in plan.writes if step not in servers]
    if servers:
        lines.append(f"wrote {len(servers)} server files under inventory/servers/\n")
    return "".join(lines)


def next_steps(root: Path, forge: str) -> str:
    here = Path.cwd().resolve()
    cd = "" if root.resolve() == here else f"cd {root} && "
    # The origin's URL is not shown: it may hold a token.
    push = "Push:  git push -u origin main" if forge_config.origin_url(root) else PUSH[forge]
    steps = [
        f'Commit:  {cd}git add -A && git commit -m "Start the inventory"',
        push,
        *NEXT_STEPS[forge],
        "Optional: declare fields of your own (owner, rack, end of life...) in "
        "inventory/fields.yaml, then run `gitinv schema` (README: Adding your own fields)",
        "Add a server: inventory/servers/<group>/<name>.yaml (or `gitinv request add`), "
        f"check it with `gitinv validate`, and open a {forge_config.NOUNS[forge]}",
    ]
    numbered = "".join(f"  {number}. {text}\n" for number, text in enumerate(steps, start=1))
    return "\nNext steps:\n" + numbered


def updated(plan: Plan) -> tuple[str, str]:
    """What `init --update` changed (standard output) and left alone (standard error)."""
    words = {"create": "created", "update": "updated", "remove": "removed"}
    out: list[str] = []
    for step in plan.steps:
        if step.action in words:
            out.append(f"{words[step.action]} {step.path}\n")
        elif step.action == "replace":
            out.append(f"replaced {step.path} (it was edited by hand)\n")
    out.extend(f"{note}\n" for note in plan.notes)
    err = [
        f"gitinv: {step.path}: edited by hand, left alone; compare it with what "
        "this version writes, or run `gitinv init --update --force` to replace it\n"
        for step in plan.edited
    ]
    if not plan.writes and not plan.edited:
        out.append("up to date\n")
    return "".join(out), "".join(err)
