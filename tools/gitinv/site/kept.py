"""The history a build worked out, kept for the next build.

git's walk of the history and the reading of its changes are about half of a build at
100,000 servers and 20,000 commits, and a commit never changes: the history of `rev`
is that of the commits since an earlier build's commit on its first-parent line,
followed by that commit's history. A build keeps its history in the cache's folder
(`$GITINV_CACHE_DIR`, else `.git/gitinv/`, beside validate's results), and the next
one walks only the commits since.

The file holds what the site publishes of each change, its values as the site's JSON
writes them, so a history read from it writes the same site, to the byte, as one walked
again. Its first line names its format, key and commit and the size of the rest; then
comes a part for each build that added commits, newest first: a line of those commits,
then lines of at most LINE changes. A build writes its part and copies the kept lines
as they were, so it never encodes the whole history again. It is used only under
the same key (gitinv's code and libraries, see `cache.code_version`) and only for a
commit on `rev`'s first-parent line; anything unexpected in it (another format, wrong
shapes, a commit git does not know) makes the build walk the whole history, as without
it. Only its first line is parsed before the inventory: the build reads the rest (`load`)
once it has started the child that writes the files needing only the inventory, which
then works beside it (a rest that does not read is found late, and the build walks the
whole history then). Only a build writes it, and a build publishes what the history
says: a folder others can write to (a cache shared with pull requests' runs) is no place
for it.

Public API::

    kept = Kept.open(root, rev)       # never raises: nothing kept, or a history to load
    kept.after                        # its commit, for the log of the commits since; or None
    kept.load()                       # read its changes: False, and nothing kept, if they
                                      #   do not read (the whole history is walked)
    kept.add(new)                     # the new commits' history followed by the kept one
    kept.save(rev)                    # keep that whole history as the history of `rev`
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from types import MappingProxyType
from typing import Any

import orjson

from gitinv import cache, git
from gitinv.changes import MISSING_VERSION, NOTHING_UNREADABLE, Change
from gitinv.history import CommitInfo, Entry, History
from gitinv.source import read_regular

FORMAT = "gitinv-history/1"
PREFIX = "history-"
LINE = 500  # entries a line: decoding one line at a time keeps what is decoded small
_COMMIT = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")
_STR = (str,)
_NAME = (str, type(None))
_NUMBER = (int, type(None))
# A kept commit: CommitInfo's fields in their order, and the types each may have.
_INFO_FIELDS = tuple(f.name for f in fields(CommitInfo))
_INFO = (_STR, _STR, _STR, _STR, _NUMBER, _NAME, _STR, _STR)
# What reading lines of another shape raises (orjson's decoding error is a ValueError).
_NOT_OURS = (ValueError, TypeError, KeyError, IndexError, AttributeError)


def _key() -> str:
    return cache.rules_key([("history", FORMAT)])


def _name(key: str) -> str:
    return f"{PREFIX}{key[:24]}.json"


@dataclass
class Kept:
    store: cache.Store | None
    after: str | None = None  # the commit whose history `kept` is
    kept: bytes = b""  # the file's lines after its first, as they were read
    entries: list[Entry] = field(default_factory=list)  # `kept`'s, once loaded
    new: History | None = None  # the history of the commits since `after`, once added

    @classmethod
    def open(cls, root: Path, rev: str) -> Kept:
        """What is kept for `rev`: a history that ends on its first-parent line, else
        nothing (`after` None). Its entries are read by `load`."""
        store = cache.Store.open(root)
        if store is None:
            return cls(None)
        key = _key()
        data = read_regular(store.folder / _name(key))  # a pipe would never answer
        if data is None:
            return cls(store)
        try:
            head, _, body = data.partition(b"\n")
            after = _commit_of(head, key, len(body))
            if not git.on_first_parent_line(root, after, rev):
                return cls(store)
            return cls(store, after, body)
        except (OSError, *_NOT_OURS):
            return cls(store)

    def load(self) -> bool:
        """Read the kept history's entries: False when nothing is kept, or when they do not
        read (then nothing is kept from here on, and `save` writes the file anew)."""
        if self.after is None:
            return False
        try:
            self.entries = _entries(self.kept)
        except _NOT_OURS:
            self.after, self.kept, self.entries = None, b"", []
            return False
        return True

    def add(self, new: History) -> History:
        """The whole history: `new` (that of the commits since `after`, or of all of
        them when nothing is kept) followed by the kept one."""
        self.new = new
        return History(new.entries + self.entries) if self.entries else new

    def save(self, rev: str) -> None:
        """Keep the whole history as that of `rev`: the new commits' lines, then the kept
        ones as they were. A value JSON cannot hold (an integer past 64 bits), or a
        version of a file this clone lacks, keeps nothing and removes what was kept: the
        next build walks the whole history rather than meet the same value after the
        same kept commit every time."""
        if self.store is None or self.new is None or rev == self.after:
            return
        key = _key()
        try:
            if _lacks_a_version(self.new.entries):
                raise ValueError("a version this clone lacks: not a fact of the history")
            lines = _lines(self.new.entries)
        except (ValueError, TypeError, orjson.JSONEncodeError):
            with contextlib.suppress(OSError):
                (self.store.folder / _name(key)).unlink(missing_ok=True)
            return
        body = b"".join([*lines, self.kept])
        head = orjson.dumps({"format": FORMAT, "key": key, "commit": rev, "bytes": len(body)})
        # One file: another key's (another gitinv) would only take room in CI's caches.
        self.store.replace(PREFIX, _name(key), b"".join([head, b"\n", body]), keep=1)

    def release(self) -> None:
        """Let go of the history (once a child that keeps it has been started): a build
        frees it while its children still write."""
        self.entries, self.kept, self.new = [], b"", None


def _lacks_a_version(entries: list[Entry]) -> bool:
    """Whether a change was read without a version git lacks here (a partial clone): a
    whole walk once it is fetched would say more, so such a history is not kept."""
    return any(
        MISSING_VERSION in why for entry in entries for why in entry.change.unreadable.values()
    )


def _lines(entries: list[Entry]) -> list[bytes]:
    """A part of the file: a line of its commits, then lines of at most LINE entries
    (decoded one at a time, so that reading never holds the whole file decoded)."""
    if not entries:
        return []
    numbers: dict[str, int] = {}
    commits: list[list[Any]] = []
    rows: list[list[Any]] = []
    for entry in entries:
        info, change = entry.info, entry.change
        number = numbers.get(info.commit)
        if number is None:
            number = numbers[info.commit] = len(commits)
            commits.append([getattr(info, name) for name in _INFO_FIELDS])
        unreadable = dict(change.unreadable) if change.unreadable else None
        rows.append(
            [
                number,
                change.kind,
                change.name,
                change.action,
                change.group,
                change.path,
                change.changes,
                unreadable,
            ]
        )
    out = [orjson.dumps({"commits": commits}) + b"\n"]
    for i in range(0, len(rows), LINE):
        out.append(orjson.dumps({"entries": rows[i : i + LINE]}) + b"\n")
    return out


def _commit_of(head: bytes, key: str, size: int) -> str:
    """The commit of the history a file's first line announces, if it is of our format
    and key and the rest of the file of the size it gives; ValueError (or another of
    `Kept.open`'s errors) otherwise."""
    header = orjson.loads(head)
    after = header["commit"]
    if header["format"] != FORMAT or header["key"] != key or not _is_commit(after):
        raise ValueError("another file")
    if header["bytes"] != size:
        raise ValueError("a file cut short or grown")
    return str(after)


def _entries(body: bytes) -> list[Entry]:
    """The entries of the file's lines after its first; ValueError (or another of the
    errors `Kept.load` catches) when they hold anything else."""
    infos: list[CommitInfo] | None = None
    entries: list[Entry] = []
    lines = body.split(b"\n")
    if lines.pop() != b"":
        raise ValueError("a last line cut short")
    for line in lines:
        part = orjson.loads(line)
        if type(part) is not dict or len(part) != 1:
            raise ValueError("a line of another shape")
        if "commits" in part:
            if type(part["commits"]) is not list:
                raise ValueError("commits not a list")
            infos = [_info(row) for row in part["commits"]]
            continue
        rows = part["entries"]
        if infos is None or type(rows) is not list:
            raise ValueError("entries before their commits")
        for number, kind, name, action, group, path, changes, unreadable in rows:
            if not (
                type(kind) is str
                and type(name) is str
                and type(action) is str
                and (group is None or type(group) is str)
                and type(path) is str
                and type(number) is int  # not true, which would count as 1
                and number >= 0
            ):
                raise ValueError("an entry of other types")
            pairs = {k: (v[0], v[1]) for k, v in changes.items() if type(v) is list and len(v) == 2}
            if len(pairs) != len(changes):
                raise ValueError("a change is not a pair")
            change = Change(
                kind, name, action, pairs, group, path=path, unreadable=_unreadable(unreadable)
            )
            entries.append(Entry(infos[number], change))
    return entries


def _is_commit(value: object) -> bool:
    return isinstance(value, str) and _COMMIT.fullmatch(value) is not None


def _info(row: list[Any]) -> CommitInfo:
    if len(row) != len(_INFO) or not _is_commit(row[0]):
        raise ValueError("a commit of another shape")
    for value, types in zip(row, _INFO, strict=True):
        if type(value) not in types:
            raise ValueError("a commit of other types")
    return CommitInfo(*row)


def _unreadable(value: object) -> Any:
    if value is None:
        return NOTHING_UNREADABLE
    if not isinstance(value, dict) or not all(type(v) is str for v in value.values()):
        raise ValueError("unreadable is not text")
    return MappingProxyType(value)
