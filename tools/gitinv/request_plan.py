"""What a change request changes: its branch, commit subject and files.

Public API::

    Plan(branch, subject, files, note)        # files: path -> new bytes, None to delete
    server_plan(repo, base, action, name, group, updates, order) -> Plan   # add|update|...|move
    revert_plan(repo, base, main_ref, target) -> Plan                # undo a merged change

`base` is the main branch's commit the request starts from (`request_submit.Start`);
an impossible request is a GitinvError saying what to do instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gitinv import git, layout, models
from gitinv.edit import render_server, set_fields
from gitinv.errors import GitinvError
from gitinv.fields import BUILTIN
from gitinv.history import pull_request_number

ACTIONS = ("add", "update", "delete", "move", "revert")


@dataclass
class Plan:
    branch: str
    subject: str
    files: dict[str, bytes | None]
    note: str = ""


def _find(repo: Path, base: str, name: str) -> tuple[str, str] | None:
    """The path and group of server NAME at `base`, if any."""
    for entry in git.ls_tree(repo, base, layout.SERVERS_DIR):
        where = layout.server_of(entry.path)
        if where is not None and where[1] == name:
            return entry.path, where[0]
    return None


def server_plan(
    repo: Path,
    base: str,
    action: str,
    name: str,
    group: str | None,
    updates: dict[str, object],
    order: tuple[str, ...] = BUILTIN.names,
) -> Plan:
    """The plan of add, update, delete or move; `order`: the FieldSet's names at `base`
    (built-in, then declared), where a new field's line goes."""
    if not models.is_server_name(name):
        raise GitinvError(f"`{name}` is not a server name: lowercase DNS labels joined by dots")
    if group is not None and not models.is_entry_name(group):
        raise GitinvError(f"--group `{group}` is not a group name (see inventory/groups.yaml)")
    found = _find(repo, base, name)
    branch = f"request/{action}/{name}"
    if action == "add":
        if not group:
            raise GitinvError("request add needs --group GROUP (the folder it goes in)")
        if found:
            raise GitinvError(
                f"server {name} already exists ({found[0]}); use `request update`", exit_code=1
            )
        fields = {k: v for k, v in updates.items() if v is not None}
        return Plan(
            branch,
            f"Add server {name} to {group}",
            {layout.server_path(group, name): render_server(fields, order)},
        )
    if found is None:
        raise GitinvError(
            f"no server {name} on the main branch; `gitinv query name={name}` finds servers",
            exit_code=1,
        )
    path, current = found
    old = git.read_blob(repo, base, path) or b""
    if action == "delete":
        if updates or group:
            raise GitinvError("request delete takes no --set or --group")
        return Plan(branch, f"Delete server {name} from {current}", {path: None})
    new = set_fields(old.decode("utf-8", "replace"), updates, order).encode() if updates else old
    if action == "update":
        if group:
            raise GitinvError("request update cannot change the group; use `request move`")
        if not updates:
            raise GitinvError("request update needs at least one --set FIELD=VALUE")
        return Plan(branch, f"Update server {name}: " + ", ".join(updates), {path: new})
    if not group:
        raise GitinvError("request move needs --group GROUP (where it goes)")
    if group == current:
        raise GitinvError(f"server {name} is already in group {group}", exit_code=1)
    return Plan(
        branch,
        f"Move server {name} from {current} to {group}",
        {path: None, layout.server_path(group, name): new},
    )


def revert_plan(repo: Path, base: str, main_ref: str, target: str) -> Plan:
    if target.startswith("#"):
        number = int(target[1:]) if target[1:].isdigit() else None
        found = [
            sha
            for sha, subject in git.first_parent_subjects(repo, main_ref)
            if number is not None and pull_request_number(subject) == number
        ]
        if not found:
            raise GitinvError(f"no pull request {target} merged into the main branch", exit_code=1)
        commit = found[0]
    else:
        commit = git.resolve_commit(repo, target)
        if not git.is_ancestor(repo, commit, base):
            raise GitinvError(
                f"{target} is not merged into the main branch; only merged changes can be reverted",
                exit_code=1,
            )
    parents = git.commit_parents(repo, commit)
    if not parents:
        raise GitinvError(f"{target} is the first commit; there is nothing before it", exit_code=1)
    files = git.diff_tree(repo, parents[0], commit)
    if not files:
        raise GitinvError(f"{target} changes nothing in inventory/", exit_code=1)
    now = {e.path: e.sha for e in git.ls_tree(repo, base, "inventory")}
    changed = [f.path for f in files if now.get(f.path) != f.new]
    if changed:
        raise GitinvError(
            f"{', '.join(changed)} changed again after {target}; "
            "revert by hand with `request update`",
            exit_code=1,
        )
    old = git.read_blobs(repo, [f.old for f in files if f.old])
    lacking = next((f.path for f in files if f.old and f.old not in old), None)
    if lacking is not None:
        raise GitinvError(
            f"cannot revert {commit[:10]}: git does not have {lacking} as it was before it "
            "(a partial clone?); fetch the whole history and try again"
        )
    subject = git.commit_message(repo, commit).splitlines()[0]
    label = f"pr-{target[1:]}" if target.startswith("#") else commit[:10]
    return Plan(
        f"request/revert/{label}",
        f'Revert "{subject}"',
        {f.path: old[f.old] if f.old else None for f in files},
        note=f"This reverts commit {commit}.\n\n",
    )
