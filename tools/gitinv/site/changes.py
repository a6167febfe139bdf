"""Every change to a server on the first-parent history of a revision, newest first.

One pass over `git log --first-parent --raw`, then each changed blob read once
through one `git cat-file --batch` process.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import git
import yaml

from gitinv.models import SERVER_FIELDS

Entry = dict[str, Any]

_PATH = re.compile(r"^inventory/servers/([^/]+)/([^/]+)\.yaml$")
_MERGE_PR = re.compile(r"^Merge pull request #(\d+)\b")
_SQUASH_PR = re.compile(r"\(#(\d+)\)\s*$")
_RECORD = "\x1e"
_FIELD = "\x1f"
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def pull_request_number(subject: str) -> int | None:
    match = _MERGE_PR.match(subject) or _SQUASH_PR.search(subject)
    return int(match.group(1)) if match else None


def audit(repo: git.Repo, rev: str) -> list[Entry]:
    """Every server change reachable by first parents from `rev`, newest first."""
    raw = repo.git.log(
        rev,
        "--first-parent",
        "--no-renames",
        "--root",
        "--raw",
        "--no-abbrev",
        f"--format={_RECORD}%H{_FIELD}%cI{_FIELD}%an{_FIELD}%s",
        "--",
        "inventory/servers/",
    )
    commits = [_parse_commit(chunk) for chunk in str(raw).split(_RECORD) if chunk.strip()]
    blobs = _read_blobs(repo, {b for c in commits for _, _, old, new in c[1] for b in (old, new)})
    entries: list[Entry] = []
    for meta, files in commits:
        entries.extend(_commit_entries(meta, files, blobs))
    return entries


def by_server(entries: Iterable[Entry]) -> dict[str, list[Entry]]:
    """The audit split per server name, each list newest first, without the name."""
    history: dict[str, list[Entry]] = {}
    for entry in entries:
        item = {k: v for k, v in entry.items() if k not in ("server", "group")}
        history.setdefault(entry["server"], []).append(item)
    return history


_NULL = "0" * 40


def _parse_commit(chunk: str) -> tuple[dict[str, Any], list[tuple[str, str, str, str]]]:
    head, _, body = chunk.partition("\n")
    sha, date, author, subject = (head.split(_FIELD) + ["", "", "", ""])[:4]
    meta = {
        "commit": sha,
        "date": date,
        "author": author,
        "pull_request": pull_request_number(subject),
    }
    files: list[tuple[str, str, str, str]] = []
    for line in body.splitlines():
        if not line.startswith(":") or "\t" not in line:
            continue
        info, path = line.split("\t", 1)
        match = _PATH.match(path)
        if not match:
            continue
        parts = info.split()
        old, new = parts[2], parts[3]
        files.append((match.group(2), match.group(1), old, new))
    return meta, files


def _read_blobs(repo: git.Repo, shas: set[str]) -> dict[str, dict[str, Any]]:
    fields: dict[str, dict[str, Any]] = {}
    for sha in sorted(shas - {_NULL}):
        data = repo.odb.stream(bytes.fromhex(sha)).read()
        fields[sha] = _server_fields(data)
    return fields


def _server_fields(data: bytes) -> dict[str, Any]:
    """The known fields of one historical server file; an unreadable file has none."""
    try:
        loaded = yaml.load(data.decode("utf-8"), Loader=_Loader)  # noqa: S506 - a safe loader
    except (yaml.YAMLError, UnicodeDecodeError):
        return {}
    if not isinstance(loaded, dict):
        return {}
    return {k: _plain(loaded[k]) for k in SERVER_FIELDS if k in loaded}


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _changes(old: dict[str, Any], new: dict[str, Any]) -> dict[str, list[Any]]:
    return {
        field: [old.get(field), new.get(field)]
        for field in SERVER_FIELDS
        if old.get(field) != new.get(field)
    }


def _commit_entries(
    meta: dict[str, Any],
    files: list[tuple[str, str, str, str]],
    blobs: dict[str, dict[str, Any]],
) -> list[Entry]:
    removed = {name: (group, old) for name, group, old, new in files if new == _NULL}
    added = {name: (group, new) for name, group, old, new in files if old == _NULL}
    entries: list[Entry] = []
    for name, group, old, new in files:
        if old == _NULL and name in removed:
            continue  # the arriving half of a move, reported with the leaving half
        if new == _NULL and name in added:
            to_group, to_blob = added[name]
            changes = {"group": [group, to_group], **_changes(blobs[old], blobs[to_blob])}
            action = "moved"
        elif old == _NULL:
            action, changes = "added", _changes({}, blobs[new])
        elif new == _NULL:
            action, changes = "deleted", _changes(blobs[old], {})
        else:
            action, changes = "updated", _changes(blobs[old], blobs[new])
        if action == "updated" and not changes:
            continue  # a formatting-only edit changes no value
        entries.append({**meta, "server": name, "group": group if action != "moved" else
                        added[name][0], "action": action, "changes": changes})
    entries.sort(key=lambda e: e["server"])
    return entries
