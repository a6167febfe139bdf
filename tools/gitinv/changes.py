"""What a set of file changes under `inventory/` means, field by field.

Shared by `diff` (two revisions, or a revision and the working tree) and
`history` (every commit of main). Input: `FileChange` records (path, old blob,
new blob) and the blob contents; output: `Change` values, one per server
(added, updated, deleted, moved between groups: one change, not a delete plus
an add) and one per catalog entry (added, updated, deleted). The YAML is read
with the C SafeLoader only to compare values; validity is `validate`'s job, so
a file that does not parse here counts as empty rather than stopping the run.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from gitinv.git import FileChange

SERVER_FIELDS: tuple[str, ...] = (
    "component",
    "ip",
    "dc",
    "environment",
    "type",
    "state",
    "tags",
    "description",
)
CATALOG_NAMES: tuple[str, ...] = (
    "components",
    "datacenters",
    "environments",
    "types",
    "tags",
    "groups",
)
SETTINGS = "settings"
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True, slots=True)
class Change:
    """One semantic change.

    `kind` is "server", a catalog name ("components", ...) or "settings".
    `action` is "added", "updated", "deleted" or "moved" (servers only).
    `group` is the server's group after the change (before it, for a deletion);
    `old_group` the group before a move. `changes` maps each changed field to
    `(old, new)`, None standing for "absent". `old`/`new` are the whole records.
    """

    kind: str
    name: str
    action: str
    changes: dict[str, tuple[Any, Any]]
    group: str | None = None
    old_group: str | None = None
    old: dict[str, Any] | None = None
    new: dict[str, Any] | None = None
    path: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "group": self.group,
            "action": self.action,
            "changes": {k: [v[0], v[1]] for k, v in self.changes.items()},
        }


@dataclass(frozen=True, slots=True)
class ServerPath:
    group: str
    name: str


def classify(path: str) -> tuple[str, str | None, str | None] | None:
    """("server", group, name), (catalog, None, None), ("settings", ...) or None."""
    parts = path.split("/")
    if len(parts) == 4 and parts[:2] == ["inventory", "servers"] and parts[3].endswith(".yaml"):
        return "server", parts[2], parts[3][: -len(".yaml")]
    if len(parts) == 2 and parts[0] == "inventory" and parts[1].endswith(".yaml"):
        stem = parts[1][: -len(".yaml")]
        if stem in CATALOG_NAMES or stem == SETTINGS:
            return stem, None, None
    return None


_LINE = re.compile(r"([a-z_]+):(?: (.*))?|( *)- (.*)")
_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._/:@()+=,-]*(?<![ :])")
# Quoted values without escapes or line breaks (YAML folds a \r, \x85, \u2028 or \u2029
# inside quotes into a space: those go through the YAML parser).
_QUOTED = re.compile(r'"([^"\\\r\x85\u2028\u2029]*)"|\'([^\'\r\x85\u2028\u2029]*)\'')
_RESOLVERS: dict[str, list[tuple[str, re.Pattern[str]]]] = (
    yaml.resolver.Resolver.yaml_implicit_resolvers
)


_KNOWN: dict[str, str | None] = {}


def _string(text: str) -> str | None:
    """`text` as a YAML scalar that is certainly a string, or None when unsure."""
    try:
        return _KNOWN[text]
    except KeyError:
        pass
    result = _classify_scalar(text)
    if len(_KNOWN) < 200_000:  # values repeat a lot (components, states, tags)
        _KNOWN[text] = result
    return result


def _classify_scalar(text: str) -> str | None:
    quoted = _QUOTED.fullmatch(text)
    if quoted:
        return quoted.group(1) if quoted.group(1) is not None else quoted.group(2)
    if not _PLAIN.fullmatch(text) or ": " in text:
        return None
    if any(regex.match(text) for _, regex in _RESOLVERS.get(text[0], [])):
        return None  # YAML reads it as a number, boolean, date or null
    return text


def _fast_parse(text: str) -> dict[str, Any] | None:
    """The common shape of a server file (`key: value`, block lists of plain
    strings) read without a YAML parser; None for anything else, which then goes
    through the real one. Only what YAML itself reads as strings is accepted, so
    the result equals the safe loader's."""
    doc: dict[str, Any] = {}
    items: list[str] | None = None
    indent: str | None = None
    for line in text.split("\n"):
        if not line:
            continue
        match = _LINE.fullmatch(line)
        if match is None:
            return None
        key, value, pad, item = match.groups()
        if key is not None:
            if key in doc or _string(key) != key:
                return None
            if value is None:
                doc[key] = items = []
                indent = None
                continue
            items = None
            found: list[str] | str | None = [] if value == "[]" else _string(value)
            if found is None:
                return None
            doc[key] = found
            continue
        scalar = _string(item)
        if items is None or scalar is None or pad not in ("", "  ") or indent not in (None, pad):
            return None
        indent = pad
        items.append(scalar)
    for key, value in doc.items():
        if value == [] and f"{key}: []" not in text:
            doc[key] = None  # `key:` with nothing after it
    return doc or None


def parse(data: bytes | None) -> dict[str, Any]:
    """A mapping document as plain data; anything else (or unparseable) as {}."""
    if not data:
        return {}
    try:
        fast = _fast_parse(data.decode("utf-8"))
    except UnicodeDecodeError:
        return {}
    if fast is not None:
        return fast
    try:
        doc = yaml.load(data, Loader=_Loader)
    except (yaml.YAMLError, ValueError):
        return {}
    return _plain(doc) if isinstance(doc, dict) else {}


def _plain(doc: dict[Any, Any]) -> dict[str, Any]:
    # Dates and other non-JSON scalars become strings, so changes serialise as JSON.
    def conv(value: Any) -> Any:
        if value is None or isinstance(value, (str, int, float, bool)):
            return value
        if isinstance(value, list):
            return [conv(v) for v in value]
        if isinstance(value, dict):
            return {str(k): conv(v) for k, v in value.items()}
        return str(value)

    return {str(k): conv(v) for k, v in doc.items()}


def _ordered_keys(
    old: Mapping[str, Any], new: Mapping[str, Any], order: tuple[str, ...] = ()
) -> list[str]:
    keys = [k for k in order if k in old or k in new]
    keys += sorted((set(old) | set(new)) - set(order))
    return keys


def _in_order(doc: Mapping[str, Any], order: tuple[str, ...]) -> list[tuple[str, Any]]:
    """The fields of `doc` that have a value: those of `order` first, in that order."""
    known = [(k, v) for k in order if (v := doc.get(k)) is not None]
    if len(doc) > len(known):
        known += [(k, doc[k]) for k in sorted(set(doc) - set(order)) if doc[k] is not None]
    return known


def field_changes(
    old: Mapping[str, Any], new: Mapping[str, Any], order: tuple[str, ...] = SERVER_FIELDS
) -> dict[str, tuple[Any, Any]]:
    """{field: (old, new)} for every field whose value differs."""
    if not new:  # deleted: every field that had a value, in order
        return {k: (v, None) for k, v in _in_order(old, order)}
    if not old:  # added
        return {k: (None, v) for k, v in _in_order(new, order)}
    return {
        k: (old.get(k), new.get(k))
        for k in _ordered_keys(old, new, order)
        if old.get(k) != new.get(k)
    }


@dataclass
class _ServerSide:
    group: str
    path: str
    blob: str | None


@dataclass
class _Pairing:
    old: dict[str, _ServerSide] = field(default_factory=dict)
    new: dict[str, _ServerSide] = field(default_factory=dict)


def compare(files: Iterable[FileChange], read: Callable[[str], dict[str, Any]]) -> list[Change]:
    """The semantic changes of one set of file changes.

    `read(blob_id)` returns a blob's parsed mapping (see `parse`); callers cache it.
    Servers are matched by name, so a file moved to another group folder is one
    "moved" change. Result order: catalogs and settings first, then servers by name.
    """
    servers = _Pairing()
    result: list[Change] = []
    for fc in files:
        kind = classify(fc.path)
        if kind is None:
            continue
        what, group, name = kind
        if what == "server":
            assert group is not None and name is not None
            if fc.old is not None:
                servers.old[name] = _ServerSide(group, fc.path, fc.old)
            if fc.new is not None:
                servers.new[name] = _ServerSide(group, fc.path, fc.new)
        else:
            result.extend(_catalog_changes(what, fc, read))
    for name in sorted(set(servers.old) | set(servers.new)):
        change = _server_change(name, servers.old.get(name), servers.new.get(name), read)
        if change is not None:
            result.append(change)
    return result


def _server_change(
    name: str,
    before: _ServerSide | None,
    after: _ServerSide | None,
    read: Callable[[str], dict[str, Any]],
) -> Change | None:
    old = read(before.blob) if before and before.blob else None
    new = read(after.blob) if after and after.blob else None
    changes = field_changes(old or {}, new or {})
    if before is None and after is not None:
        return Change("server", name, "added", changes, after.group, None, None, new, after.path)
    if after is None and before is not None:
        return Change(
            "server", name, "deleted", changes, before.group, None, old, None, before.path
        )
    assert before is not None and after is not None
    if before.group != after.group:
        changes = {"group": (before.group, after.group), **changes}
        return Change(
            "server", name, "moved", changes, after.group, before.group, old, new, after.path
        )
    if not changes:
        return None
    return Change("server", name, "updated", changes, after.group, None, old, new, after.path)


def _catalog_changes(
    what: str, fc: FileChange, read: Callable[[str], dict[str, Any]]
) -> list[Change]:
    old = read(fc.old) if fc.old else {}
    new = read(fc.new) if fc.new else {}
    if what == SETTINGS:
        changes = field_changes(old, new, ())
        return [Change(SETTINGS, SETTINGS, "updated", changes, path=fc.path)] if changes else []
    result = []
    for entry in _ordered_keys(old, new):
        before, after = old.get(entry), new.get(entry)
        if before == after:
            continue
        b = before if isinstance(before, dict) else {}
        a = after if isinstance(after, dict) else {}
        action = "added" if entry not in old else "deleted" if entry not in new else "updated"
        result.append(
            Change(
                what,
                entry,
                action,
                field_changes(b, a, ()),
                None,
                None,
                b if entry in old else None,
                a if entry in new else None,
                fc.path,
            )
        )
    return result
