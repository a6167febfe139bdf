"""Per-server history and the audit log, from the first-parent history of main.

Public API::

    from gitinv.history import scan
    log = scan(root, remote.main_ref(root))  # or since="2026-01-01"
    log.entries                       # list[Entry], every change, newest first
    log.for_server("web01")           # list[Entry] of one server, newest first
    log.latest("web01")               # Entry | None: its last change
    entry.as_dict()                   # JSON-ready: commit date author pull_request
                                      #   merged_by reason action changes kind name group
                                      #   subject

One pass: one `git log --first-parent --raw` over `inventory/` gives every
commit with the blobs it changed; the old and new blobs go through one
`git cat-file --batch`; each distinct blob is parsed once. There is never one
`git log` per server, so the whole audit and every server's history cost about
as much as reading the log once.

Each first-parent commit of main is one change set. For GitHub's merge commits
("Merge pull request #N from owner/branch") the author is the merged branch's
author and `merged_by` the merge commit's author (the person who pressed the
button); for a squash ("Title (#N)") or a direct commit, the author is the
commit's author and `merged_by` is unknown (None).

Each change also carries its reason, the pull request's title where there was
one (see `read_message`).

Each commit's changes are read with the fields.yaml of each side of it (`changes.Sides`):
the walk, newest first, knows the file at `rev` and takes each older version from the
commits that change it, so a server's declared fields are compared as their types read
them, in the order declared at the time.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gitinv import git, gitlog
from gitinv.changes import Change, Unreadable, at_commit, compare, parse
from gitinv.fields import BUILTIN, FIELDS_FILE
from gitinv.fieldsides import Sides, fields_from

_MERGE_PR = re.compile(r"^Merge pull request #(\d+) from ")
_SQUASH_PR = re.compile(r"\s*\(#(\d+)\)\s*$")
_GITLAB_MERGE = re.compile(r"^Merge branch '.+' (?:of \S+ )?into '.+'$")
_GITLAB_MR = re.compile(r"^See merge request \S*!(\d+)\s*$")


@dataclass(frozen=True, slots=True)
class CommitInfo:
    """Who, when and which pull request, for one commit of main."""

    commit: str
    date: str  # ISO 8601 commit date
    author: str
    email: str
    pull_request: int | None
    merged_by: str | None
    subject: str
    reason: str = ""  # the pull request's title, else the commit's subject


@dataclass(slots=True)  # not frozen, for speed, as `Change`
class Entry:
    """One semantic change (a server or a catalog entry) made by one commit of main."""

    info: CommitInfo
    change: Change

    @property
    def name(self) -> str:
        return self.change.name

    @property
    def action(self) -> str:
        return self.change.action

    def as_dict(self) -> dict[str, Any]:
        info = self.info
        out = {
            "commit": info.commit,
            "date": info.date,
            "author": info.author,
            "pull_request": info.pull_request,
            "merged_by": info.merged_by,
            "subject": info.subject,
            "reason": info.reason,
        }
        out.update(self.change.as_dict())
        return out


@dataclass
class History:
    entries: list[Entry]

    def __post_init__(self) -> None:
        self._by_server: dict[str, list[Entry]] = {}
        for entry in self.entries:
            if entry.change.kind == "server":
                self._by_server.setdefault(entry.change.name, []).append(entry)

    def for_server(self, name: str) -> list[Entry]:
        return list(self._by_server.get(name, []))

    def latest(self, name: str) -> Entry | None:
        found = self._by_server.get(name)
        return found[0] if found else None

    def servers(self) -> list[str]:
        return sorted(self._by_server)

    def commits(self) -> list[CommitInfo]:
        """The commits with at least one change, newest first."""
        return list({e.info.commit: e.info for e in self.entries}.values())


def pull_request_number(subject: str) -> int | None:
    match = _MERGE_PR.match(subject) or _SQUASH_PR.search(subject)
    return int(match.group(1)) if match else None


def read_message(message: str, merged_subject: str = "") -> tuple[int | None, str]:
    """The pull request's number (None when unknown) and the change's reason, from a
    commit message as the code host writes it.

    - GitHub's merge button: "Merge pull request #14 from acme/x", a blank line, the
      title (and the description, when the repository is set so);
    - GitLab's: "Merge branch 'x' into 'main'", a blank line, the title, ..., "See
      merge request group/project!14";
    - a GitHub squash: "Title (#14)";
    - anything else (a direct commit, another merge): its subject.

    A forge's merge commit without a title in its body takes the merged branch's last
    subject (`merged_subject`) instead."""
    subject, _, body = message.strip().partition("\n")
    subject = subject.strip()
    lines = [line.strip() for line in body.splitlines() if line.strip()]
    github = _MERGE_PR.match(subject)
    if github or _GITLAB_MERGE.match(subject):
        numbers = [m for line in lines if (m := _GITLAB_MR.match(line))]
        titles = [line for line in lines if not _GITLAB_MR.match(line)]
        number = github or (numbers[-1] if numbers else None)
        title = titles[0] if titles else merged_subject.strip()
        return (int(number.group(1)) if number else None), title or subject
    squash = _SQUASH_PR.search(subject)
    if squash:
        return int(squash.group(1)), subject[: squash.start()] or subject
    return None, subject


def scan(
    root: Path,
    rev: str,
    since: str | None = None,
    progress: Callable[[int], None] | None = None,
    *,
    known: Mapping[str, dict[str, Any]] | None = None,
    log: Iterable[gitlog.LogCommit] | None = None,
) -> History:
    """Every change under inventory/ on the first-parent history of `rev`, newest first.

    `since`: an ISO 8601 date-time with a time zone; older commits are left out.
    `progress(n)` is called every thousand commits read.
    `known`: blobs already parsed, by id (what `changes.parse` gives, keys whose value
    is null may be left out); they are not read again.
    `log`: the log of `rev` if the caller has started it (`gitlog.SpooledLog`).
    One `git log` and one `git cat-file` run side by side with the parsing."""
    after = dt.datetime.fromisoformat(since) if since else None
    entries: list[Entry] = []
    docs: dict[str, dict[str, Any] | Unreadable] = dict(known or {})
    if log is None:
        log = gitlog.iter_first_parent(root, rev, "inventory", since=since)
    with gitlog.ObjectFeed(root) as feed:

        def read(sha: str) -> dict[str, Any] | Unreadable:
            doc = docs.get(sha)
            if doc is None:
                doc = docs[sha] = parse(feed.get(sha))
            return doc

        walk = _FieldsWalk(root, rev)
        # (commit, ticket, wanted): an unwanted commit (older than `since`) only moves
        # the fields.yaml walk on, when it changes the file.
        waiting: deque[tuple[gitlog.LogCommit, int, bool]] = deque()
        seen = 0
        for commit in log:
            if after is not None and dt.datetime.fromisoformat(commit.date) < after:
                # git's --since is approximate: it only saves reading older history
                if any(f.path == FIELDS_FILE for f in commit.files):
                    waiting.append((commit, feed.want(walk.objects(commit)), False))
                continue
            waiting.append((commit, feed.want(s for s in commit.objects() if s not in docs), True))
            seen += 1
            if progress is not None and seen % 1000 == 0:
                progress(seen)
            # Work on the commits whose objects are in while git reads on.
            while waiting and feed.arrived(waiting[0][1]):
                entries.extend(_next(waiting.popleft(), read, feed, walk))
        while waiting:
            entries.extend(_next(waiting.popleft(), read, feed, walk))
    return History(entries)


class _FieldsWalk:
    """The fields.yaml on each side of each commit of a first-parent walk, newest first:
    a commit that changes the file has its two versions; any other, the version the
    next newer change started from (at first, the one of `rev`)."""

    def __init__(self, root: Path, rev: str) -> None:
        current = fields_from(git.read_blob(root, rev, FIELDS_FILE))
        self.same = Sides(current, current)

    @staticmethod
    def objects(c: gitlog.LogCommit) -> list[str]:
        return [s for f in c.files if f.path == FIELDS_FILE for s in (f.old, f.new) if s]

    def step(self, c: gitlog.LogCommit, feed: gitlog.ObjectFeed) -> Sides:
        for f in c.files:
            if f.path == FIELDS_FILE:
                old = fields_from(feed.get(f.old)) if f.old else BUILTIN
                new = fields_from(feed.get(f.new)) if f.new else BUILTIN
                self.same = Sides(old, old)
                return Sides(old, new)
        return self.same


def _next(
    item: tuple[gitlog.LogCommit, int, bool],
    read: Callable[[str], dict[str, Any] | Unreadable],
    feed: gitlog.ObjectFeed,
    walk: _FieldsWalk,
) -> list[Entry]:
    commit, _, wanted = item
    sides = walk.step(commit, feed)
    return _entries(commit, read, feed, sides) if wanted else []


def _entries(
    c: gitlog.LogCommit,
    read: Callable[[str], dict[str, Any] | Unreadable],
    feed: gitlog.ObjectFeed,
    sides: Sides,
) -> list[Entry]:
    merged_by = None
    author, email = c.author, c.email
    message, merged_subject = c.subject, ""
    if len(c.parents) > 1:
        merged_by = c.author
        raw = feed.get(c.parents[1])
        branch_author = git.author_of(raw) if raw else None
        if branch_author:
            author, email = branch_author.name, branch_author.email
        merged_subject = git.message_of(raw).partition("\n")[0] if raw else ""
        own = feed.get(c.sha)
        message = git.message_of(own) if own else c.subject
    number, reason = read_message(message, merged_subject)
    info = CommitInfo(c.sha, c.date, author, email, number, merged_by, c.subject, reason)
    old_at = at_commit(c.parents[0]) if c.parents else ""
    changes = compare(c.files, read, old_at=old_at, new_at=at_commit(c.sha), fields=sides)
    return [Entry(info, change) for change in changes]
