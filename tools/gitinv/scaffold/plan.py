"""What `gitinv init` and `gitinv init --update` change, worked out before anything is written.

A plan lists a step per file; nothing touches the disk until `apply`, so a refusal
(an existing inventory, a file edited by hand) changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from gitinv import __version__, fields, schemas
from gitinv.errors import GitinvError
from gitinv.files import write_file
from gitinv.forge import config as forge_config
from gitinv.scaffold import manifest, templates
from gitinv.scaffold.manifest import Record, digest
from gitinv.settings import read_settings

WRITES = ("create", "replace", "update", "remove")


@dataclass(frozen=True)
class Step:
    path: str
    action: str  # create, replace, update, remove, same, edited (left alone)
    text: str | None = None


@dataclass
class Plan:
    steps: list[Step] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def writes(self) -> list[Step]:
        return [s for s in self.steps if s.action in WRITES]

    @property
    def edited(self) -> list[Step]:
        return [s for s in self.steps if s.action == "edited"]


def forge_of(url: str | None) -> str | None:
    """github for github.com, gitlab for a host whose name holds `gitlab`, else None."""
    return forge_config.forge_of({}, url)


def _current(root: Path, path: str) -> str | None:
    """The file's text, None when it does not exist; a link or a folder is refused."""
    target = root / path
    for parent in [target, *target.parents]:
        if parent == root:
            break
        if parent.is_symlink():
            shown = parent.relative_to(root).as_posix()
            raise GitinvError(
                f"{shown} is a symbolic link: gitinv init writes only real files inside "
                "the repository; replace the link with the file or folder itself"
            )
    if not target.exists():
        return None
    if not target.is_file():
        raise GitinvError(f"{path} is not a file: move it away and run gitinv init again")
    try:
        return target.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""  # unreadable as text: differs from anything gitinv writes


def for_init(
    root: Path,
    *,
    admins: list[str],
    forge: str,
    requirement: str,
    repository: str | None,
    example: bool,
    force: bool,
) -> Plan:
    """A new inventory repository; refuses to write over anything unless `force`."""
    inventory = templates.inventory(admins, forge, repository, example=example)
    managed = templates.managed(forge, requirement)
    generated = {
        **schemas.files(fields.BUILTIN),  # a new inventory has no fields.yaml
        templates.codeowners_path(forge): templates.codeowners_for(inventory),
    }
    record = Record(__version__, requirement, {p: digest(t) for p, t in managed.items()})
    files = {**inventory, **managed, **generated, manifest.PATH: manifest.dumps(record)}
    plan = Plan()
    conflicts = []
    folder = root / "inventory"
    taken = folder.is_dir() and not folder.is_symlink() and any(folder.iterdir())
    if taken:
        conflicts.append("inventory/ (an inventory is already there)")
    for path, text in sorted(files.items()):
        current = _current(root, path)
        if current is None:
            plan.steps.append(Step(path, "create", text))
        elif current == text:
            plan.steps.append(Step(path, "same"))
        else:
            if not (taken and path.startswith("inventory/")):
                conflicts.append(path)
            plan.steps.append(Step(path, "replace", text))
    if _current(root, templates.GITIGNORE) is None:
        plan.steps.append(Step(templates.GITIGNORE, "create", templates.gitignore()))
    if conflicts and not force:
        # --update needs an inventory to keep; without one, --force is the way on.
        how = (
            "`gitinv init --update` brings the files gitinv manages up to date and leaves "
            "inventory/ alone, --force writes over them"
            if taken
            else "--force writes over them (keep a copy of what you need first)"
        )
        raise GitinvError(
            "\n".join(
                [
                    f"refusing to write over what is in {root}:",
                    *(f"  {c}" for c in conflicts),
                    f"nothing was changed; {how}",
                ]
            ),
            exit_code=1,
        )
    return plan


def _forge(root: Path, record: Record | None) -> str:
    """settings.yaml's `forge`, else the CI files recorded, else the repository's host."""
    settings = read_settings(root)
    if settings.get("forge") in templates.FORGES:
        return str(settings["forge"])
    recorded = set(record.files) if record else set()
    for forge in templates.FORGES:
        if recorded & set(templates.ci_paths(forge)):
            return forge
    return forge_config.forge_of(settings, root) or "github"


def _requirements(root: Path, paths: list[str]) -> set[str]:
    """The requirements the managed files install now."""
    found: set[str] = set()
    for path in paths:
        text = _current(root, path)
        if text:
            found |= templates.requirements_in(text)
    return found


def for_update(root: Path, *, requirement: str | None, force: bool) -> Plan:
    """Bring the managed and generated files to this version; inventory/ is left alone."""
    record = manifest.read(root)
    forge = _forge(root, record)
    found = _requirements(root, list(templates.managed(forge, "")))
    before = found.pop() if len(found) == 1 else record.requirement if record else None
    wanted_requirement = requirement or (
        before if before and not templates.is_pin(before) else templates.default_requirement()
    )
    moved: set[str] = set()  # the requirements of the files rewritten, where they change
    wanted = templates.managed(forge, wanted_requirement)
    generated = {
        # fields.yaml is optional; when there is one, the server's schema holds its fields.
        **schemas.files(fields.for_worktree(root)),
        templates.codeowners_path(forge): templates.codeowners_text(root),
    }
    old = record.files if record else {}
    plan = Plan()
    written: dict[str, str] = {}
    for path, text in wanted.items():
        current = _current(root, path)
        if current is None:
            plan.steps.append(Step(path, "create", text))
        elif current == text:
            plan.steps.append(Step(path, "same"))
        elif digest(current) in (old.get(path), digest(text)):
            plan.steps.append(Step(path, "update", text))
            moved |= templates.requirements_in(current) - {wanted_requirement}
        elif force:
            plan.steps.append(Step(path, "replace", text))
            moved |= templates.requirements_in(current) - {wanted_requirement}
        else:
            plan.steps.append(Step(path, "edited"))
        # A file left alone still differs from this digest: edited on the next run too.
        written[path] = digest(text)
    for path in sorted(set(old) - set(wanted)):  # no longer managed in this version or forge
        current = _current(root, path)
        if current is not None and (force or digest(current) == old[path]):
            plan.steps.append(Step(path, "remove"))
        elif current is not None:
            plan.notes.append(f"{path}: no longer written by gitinv and edited by hand; kept")
    for path, text in generated.items():
        current = _current(root, path)
        if current != text:
            plan.steps.append(Step(path, "create" if current is None else "update", text))
    folder = root / "schema"
    if folder.is_dir():
        for stale in sorted(folder.glob("*.schema.json")):
            path = stale.relative_to(root).as_posix()
            if path not in generated:
                plan.steps.append(Step(path, "remove"))
    if moved:
        plan.notes.append(f"requirement: {', '.join(sorted(moved))} → {wanted_requirement}")
    text = manifest.dumps(Record(__version__, wanted_requirement, written))
    current = _current(root, manifest.PATH)
    if current != text:
        plan.steps.append(Step(manifest.PATH, "create" if current is None else "update", text))
    return plan


def apply(root: Path, plan: Plan) -> None:
    for step in plan.writes:
        target = root / step.path
        if step.action == "remove":
            try:
                target.unlink()
            except OSError as exc:
                raise GitinvError(f"cannot remove {step.path}: {exc.strerror}") from None
            continue
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise GitinvError(f"cannot create the folder of {step.path}: {exc.strerror}") from None
        assert step.text is not None
        write_file(target, step.text, shown=step.path)
