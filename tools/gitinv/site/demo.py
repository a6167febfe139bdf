"""A copy of the inventory with a made-up history: a small team's first weeks with it.

`gitinv serve --demo` (what `make demo` runs) serves this copy, so the history and
audit pages show an inventory in use. The checkout's own history is never shown
there: the repository holding the example inventory is the tool's, and its commits
are the tool's development, not a team's changes.

The story ends at the inventory as it is, byte for byte. On the way, the admins
start the repository and edit catalogs directly; each group's people open pull
requests that add servers (one after a review), describe, tag, move, take down and
bring back, decommission and replace them; moderators merge them the three ways
GitHub does: a merge commit (the title in its body), a squash ("Title (#N)") or,
for the admins, a direct commit. Which servers play which part depends only on the
inventory, and the dates and people are fixed: the same inventory gives the same
commits on every machine. The history is written by one `git fast-import`.

Public API::

    from gitinv.site import demo
    root = demo.make_repo(checkout, tmp / "inventory-demo")  # a repository to build
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gitinv import canonical, layout
from gitinv import git as gitops
from gitinv.changes import parse
from gitinv.settings import DEFAULT_BRANCH

Person = tuple[str, str]
Files = dict[str, bytes | None]  # path -> content, None: removed

ADMIN: Person = ("Morgan Admin", "morgan@example.com")
GITHUB: Person = ("GitHub", "noreply@github.com")  # commits merges and squashes
PEOPLE: list[Person] = [
    ("Max Hoffmann", "max@example.com"),
    ("Jamie Doe", "jamie@example.com"),
    ("Lee Nguyen", "lee@example.com"),
    ("Ana Smith", "ana@example.com"),
    ("Priya Raman", "priya@example.com"),
    ("Tom Becker", "tom@example.com"),
    ("Sofia Rossi", "sofia@example.com"),
    ("Kenji Sato", "kenji@example.com"),
]
START = dt.datetime(2026, 1, 5, 9, 14, tzinfo=dt.UTC)  # a Monday morning
GAPS_HOURS = [2.5, 19, 4, 26, 1.5, 47, 6, 22, 3, 70, 5, 21, 2, 28]
PR_STEPS = [1, 3, 1, 2, 1, 1, 4]
MOVED_STATES = {
    "offline": "Take {name} offline until the rack move",
    "maintenance": "Put {name} into maintenance for the kernel upgrade",
    "decommissioned": "Decommission {name}",
}


@dataclass
class _Change:
    """One change to main: a pull request (its branch's commits) or a direct commit."""

    title: str
    style: str  # "merge", "squash" or "direct"
    group: str | None  # whose people make it; None: the admins
    commits: list[tuple[str, Files]]  # (subject, files) in order
    branch: str = ""


@dataclass
class _Server:
    name: str
    group: str
    path: str
    fields: dict[str, Any]


@dataclass
class _Story:
    """The inventory at the first commit (`genesis`) and the changes that lead to it as
    it is (`final`)."""

    final: dict[str, bytes]
    genesis: Files
    servers: dict[str, _Server]
    order: list[str]  # server names, the groups taking turns
    groups: list[str]
    taken: set[str] = field(default_factory=set)

    def pick(self, wanted: Callable[[_Server], bool]) -> _Server | None:
        for name in self.order:
            server = self.servers[name]
            if name not in self.taken and wanted(server):
                self.taken.add(name)
                return server
        return None

    def text(self, path: str, fields: dict[str, Any]) -> bytes:
        """`fields` as the file `path` in canonical form (a step on the way; the last
        step of every file writes the checkout's bytes)."""
        present = {k: v for k, v in fields.items() if v not in (None, [])}
        lines = canonical.lines_for(path, present)
        return ("\n".join(line.text for line in lines) + "\n").encode()

    def without(self, server: _Server, **changes: Any) -> bytes:
        return self.text(server.path, {**server.fields, **changes})


def _read(source: Path) -> _Story:
    final = {
        p.relative_to(source).as_posix(): p.read_bytes()
        for p in sorted((source / "inventory").rglob("*"))
        if p.is_file() and not p.is_symlink()
    }
    servers: dict[str, _Server] = {}
    for path, data in final.items():
        where = layout.server_of(path)
        if where is not None:
            group, name = where
            fields = _mapping(data)
            if fields is not None and name not in servers:
                servers[name] = _Server(name, group, path, fields)
    groups = sorted({s.group for s in servers.values()})
    by_group = [sorted(n for n, s in servers.items() if s.group == g) for g in groups]
    order = [
        names[i]
        for i in range(max(map(len, by_group), default=0))
        for names in by_group
        if i < len(names)
    ]
    return _Story(final, dict(final), servers, order, groups)


def _mapping(data: bytes) -> dict[str, Any] | None:
    found = parse(data)  # as strictly as validate reads it: no alias expanded, no coercion
    return found if isinstance(found, dict) else None


def _plan(story: _Story) -> list[_Change]:
    """The changes, oldest first; `story.genesis` becomes the first commit's files."""
    g = story.genesis
    changes: list[_Change] = []
    # Parts with the strictest needs are cast first.
    tag, tagged = _tag_cast(story)
    downs = [s for s in (story.pick(_in_state(state)) for state in MOVED_STATES) if s]
    new = [story.pick(lambda s: s.fields.get("state") == "planned") for _ in range(2)]
    reviewed = story.pick(
        lambda s: s.fields.get("state") == "active" and bool(s.fields.get("description"))
    )
    replaced = story.pick(
        lambda s: s.fields.get("state") == "active" and _old_name(s) not in story.servers
    )
    rebooted = story.pick(lambda s: s.fields.get("state") == "active")
    moved = story.pick(lambda s: True) if len(story.groups) > 1 else None
    described = story.pick(lambda s: bool(s.fields.get("description")))

    changes += _describe_entry(story, "components", "description", "Describe the {entry} component")
    if reviewed:
        g[reviewed.path] = None
        draft = story.without(reviewed, description="TODO")
        changes.append(
            _Change(
                f"Add {reviewed.name}",
                "merge",
                reviewed.group,
                [
                    (f"Add server {reviewed.name} to {reviewed.group}", {reviewed.path: draft}),
                    (
                        f"Describe {reviewed.name}, as asked in review",
                        {reviewed.path: story.final[reviewed.path]},
                    ),
                ],
                f"request/add/{reviewed.name}",
            )
        )
    if described:
        g[described.path] = story.without(described, description=None)
        changes.append(_pull(story, described, f"Describe {described.name}", "patch-1"))
    if rebooted:
        paused = story.without(rebooted, state="maintenance")
        title = f"Put {rebooted.name} into maintenance for a disk replacement"
        changes.append(
            _pull(story, rebooted, title, f"request/update/{rebooted.name}", paused, "squash")
        )
    if moved:
        before = next(x for x in story.groups if x != moved.group)
        old_path = layout.server_path(before, moved.name)
        g[moved.path], g[old_path] = None, story.final[moved.path]
        title = f"Hand {moved.name} over to the {moved.group} team"
        files: Files = {old_path: None, moved.path: story.final[moved.path]}
        changes.append(
            _Change(title, "merge", before, [(title, files)], f"request/move/{moved.name}")
        )
    if tag and tagged:
        changes += _tag_changes(story, tag, tagged)
    changes += _describe_entry(story, "datacenters", "location", "Record where {entry} is")
    if replaced:
        old = _old_name(replaced)
        old_path = layout.server_path(replaced.group, old)
        g[replaced.path] = None
        g[old_path] = story.without(
            replaced, description="Out of warranty; a replacement is ordered"
        )
        title = f"Replace {old} with {replaced.name}"
        files = {old_path: None, replaced.path: story.final[replaced.path]}
        branch = f"request/replace/{old}"
        changes.append(_Change(title, "merge", replaced.group, [(title, files)], branch))
    if rebooted:
        title = f"{rebooted.name} is back in service"
        changes.append(
            _pull(story, rebooted, title, f"request/update/{rebooted.name}", style="squash")
        )
    for number, server in enumerate(downs):
        g[server.path] = story.without(server, state="active")
        title = MOVED_STATES[server.fields["state"]].format(name=server.name)
        style = "squash" if number % 2 else "merge"
        changes.append(_pull(story, server, title, f"request/update/{server.name}", style=style))
    for number, server in enumerate(s for s in new if s):
        g[server.path] = None
        style = "squash" if number == 0 else "merge"
        changes.append(
            _pull(story, server, f"Add {server.name}", f"request/add/{server.name}", style=style)
        )
    return changes


def _in_state(state: str) -> Callable[[_Server], bool]:
    return lambda server: server.fields.get("state") == state


def _pull(
    story: _Story,
    server: _Server,
    title: str,
    branch: str,
    content: bytes | None = None,
    style: str = "merge",
) -> _Change:
    """A one-commit pull request writing `content` (else the checkout's file) to `server`."""
    data = story.final[server.path] if content is None else content
    return _Change(title, style, server.group, [(title, {server.path: data})], branch)


def _old_name(server: _Server) -> str:
    return f"{server.name}-old"


def _tag_cast(story: _Story) -> tuple[str | None, list[_Server]]:
    """The tag used by the fewest free servers (at most six): added to the catalog and
    to all of them during the story."""
    users: dict[str, list[str]] = {}
    for name in story.order:
        for tag in story.servers[name].fields.get("tags") or []:
            if isinstance(tag, str):
                users.setdefault(tag, []).append(name)
    fits = [(len(names), tag) for tag, names in users.items() if len(names) <= 6]
    if not fits or "inventory/tags.yaml" not in story.final:
        return None, []
    tag = min(fits)[1]
    story.taken.update(users[tag])
    return tag, [story.servers[name] for name in users[tag]]


def _tag_changes(story: _Story, tag: str, servers: list[_Server]) -> list[_Change]:
    catalog = _mapping(story.final["inventory/tags.yaml"]) or {}
    if tag not in catalog:
        return []
    story.genesis["inventory/tags.yaml"] = story.text(
        "inventory/tags.yaml", {k: v for k, v in catalog.items() if k != tag}
    )
    for server in servers:
        rest = [t for t in server.fields["tags"] if t != tag]
        story.genesis[server.path] = story.without(server, tags=rest)
    add = _Change(
        f"Add the {tag} tag",
        "direct",
        None,
        [(f"Add the {tag} tag", {"inventory/tags.yaml": story.final["inventory/tags.yaml"]})],
    )
    title = f"Tag the {tag} servers"
    files: Files = {s.path: story.final[s.path] for s in servers}
    return [add, _Change(title, "merge", servers[0].group, [(title, files)], f"tag-{tag}")]


def _describe_entry(story: _Story, catalog: str, key: str, title: str) -> list[_Change]:
    """An admin fills in `key` of the first entry of `catalog` that has it."""
    path = f"inventory/{catalog}.yaml"
    entries = _mapping(story.final.get(path, b"")) or {}
    for entry, attributes in sorted(entries.items()):
        if isinstance(attributes, dict) and attributes.get(key):
            before = {**entries, entry: {k: v for k, v in attributes.items() if k != key}}
            story.genesis[path] = story.text(path, before)
            subject = title.format(entry=entry)
            return [_Change(subject, "direct", None, [(subject, {path: story.final[path]})])]
    return []


class _Clock:
    """Working hours on weekdays, from `START` on."""

    def __init__(self) -> None:
        self.now = START
        self.turn = 0

    def next(self) -> dt.datetime:
        self.now += dt.timedelta(hours=GAPS_HOURS[self.turn % len(GAPS_HOURS)])
        self.turn += 1
        if self.now.hour >= 18:
            self.now = (self.now + dt.timedelta(days=1)).replace(hour=9)
        if self.now.hour < 9:
            self.now = self.now.replace(hour=9)
        while self.now.weekday() >= 5:
            self.now += dt.timedelta(days=1)
        return self.now


def _stream(story: _Story, changes: list[_Change], owner: str) -> Iterator[bytes]:
    """The history as a `git fast-import` stream."""
    clock = _Clock()
    marks = iter(range(1, 1_000_000))
    tip = next(marks)
    yield _commit(
        tip,
        None,
        None,
        "Start the inventory: catalogs, groups and our servers",
        ADMIN,
        ADMIN,
        START,
        story.genesis,
    )
    number = 3
    people = {
        group: PEOPLE[3 * i % len(PEOPLE) :] + PEOPLE[: 3 * i % len(PEOPLE)]
        for i, group in enumerate(story.groups)
    }
    for turn, change in enumerate(changes):
        when = clock.next()
        team = people.get(change.group or "", [ADMIN, ADMIN, ADMIN])
        author, moderator = team[1 + turn % 2], team[0]
        if change.style == "direct":
            subject, files = change.commits[0]
            mark = next(marks)
            yield _commit(mark, tip, None, subject, ADMIN, ADMIN, when, files)
            tip = mark
            continue
        number += PR_STEPS[turn % len(PR_STEPS)]
        if change.style == "squash":
            files = {path: data for _, step in change.commits for path, data in step.items()}
            message = f"{change.title} (#{number})"
            if len(change.commits) > 1:  # GitHub lists the squashed commits below
                message += "".join(f"\n\n* {subject}" for subject, _ in change.commits)
            mark = next(marks)
            yield _commit(mark, tip, None, message, author, GITHUB, when, files)
            tip = mark
            continue
        head = tip
        merged: Files = {}  # a fast-import merge starts from the first parent's tree
        for step, (subject, files) in enumerate(change.commits):
            merged.update(files)
            mark = next(marks)
            written = when - dt.timedelta(minutes=50 * (len(change.commits) - step))
            yield _commit(mark, head, None, subject, author, author, written, files)
            head = mark
        mark = next(marks)
        message = f"Merge pull request #{number} from {owner}/{change.branch}\n\n{change.title}"
        yield _commit(mark, tip, head, message, moderator, GITHUB, when, merged)
        tip = mark
    yield b"done\n"


def _commit(
    mark: int,
    parent: int | None,
    merged: int | None,
    message: str,
    author: Person,
    committer: Person,
    when: dt.datetime,
    files: Files,
) -> bytes:
    stamp = f"{int(when.timestamp())} +0000"
    data = message.encode() + b"\n"
    out = [
        f"commit refs/heads/main\nmark :{mark}\n".encode(),
        f"author {author[0]} <{author[1]}> {stamp}\n".encode(),
        f"committer {committer[0]} <{committer[1]}> {stamp}\n".encode(),
        f"data {len(data)}\n".encode() + data,
    ]
    if parent is not None:
        out.append(f"from :{parent}\n".encode())
    if merged is not None:
        out.append(f"merge :{merged}\n".encode())
    for path, content in sorted(files.items()):
        if content is None:
            out.append(f"D {path}\n".encode())
        else:
            out.append(f"M 100644 inline {path}\ndata {len(content)}\n".encode() + content + b"\n")
    return b"".join(out) + b"\n"


def _owner(story: _Story) -> str:
    """The code host's owner of the repository, for the merge commits' branch names."""
    settings = _mapping(story.final.get(layout.SETTINGS_FILE, b"")) or {}
    url = settings.get("repository")
    parts = url.rstrip("/").split("/") if isinstance(url, str) else []
    return parts[-2] if len(parts) >= 5 else "acme"


def make_repo(source: Path, dest: Path) -> Path:
    """A new repository at `dest`: `source`'s inventory (and its `site/`, when it styles
    the dashboard) in the working tree, with the made-up history on `main`."""
    story = _read(source)
    changes = _plan(story)
    gitops.init(dest, DEFAULT_BRANCH)
    gitops.fast_import(dest, b"".join(_stream(story, changes, _owner(story))))
    shutil.copytree(source / "inventory", dest / "inventory", symlinks=True)
    gitops.read_tree(dest, DEFAULT_BRANCH)
    if (source / "site").is_dir():  # the dashboard as this repository restyles it
        shutil.copytree(source / "site", dest / "site", symlinks=True)
    return dest
