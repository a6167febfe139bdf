"""What a set of file changes under `inventory/` means, field by field.

Shared by `diff` (two revisions, or a revision and the working tree), `pending`,
`request` and `history` (every commit of main). Input: `FileChange` records
(path, old blob, new blob) and the blob contents; output: `Change` values, one
per server (added, updated, deleted, moved between groups: one change, not a
delete plus an add) and one per catalog entry (added, updated, deleted); a field
declared in `inventory/fields.yaml` is an entry of the catalog-like kind "fields".

A server's fields are compared and listed in the order of its inventory's FieldSet
(built-in first, then the declared order; the union of both sides' when fields.yaml
changes too). A declared value is compared as its type reads it, with each side's
declaration (`fieldsides.Sides`): `eol: 2027-01-31` and `eol: "2027-01-31"` are one date.

Every version is read by the strict loader (`gitinv.loader`), as `validate`
reads it. A version that does not read (bad YAML, an alias, a control character,
not a mapping, an empty server file) is never taken as empty: its change says
that it is unreadable, where, and why (`Change.unreadable`), and never stops the run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Protocol

from gitinv import loader
from gitinv.git import FileChange
from gitinv.layout import FIELDS, SETTINGS, classify
from gitinv.loader import LoadError, Typed, load_bytes
from gitinv.printable import undecoded
from gitinv.report import Finding
from gitinv.source import SYMLINK_REFUSED

# The built-in fields (models.Server's; a test keeps them equal): models imports this
# module through settings, so it cannot be imported here.
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
# The field of a catalog entry compared whole: one whose value is not a mapping of
# attributes on a side (`staging: 1`).
WHOLE_ENTRY = "(the whole entry)"
# The `unreadable` of almost every change: one shared empty mapping, not one dict each.
NOTHING_UNREADABLE: Mapping[str, str] = MappingProxyType({})


# Not frozen, though nothing changes one once made: a build makes one for every server
# added in the history (100,000 and more), and a frozen dataclass is made seven times
# slower (each field set through `object.__setattr__`).
@dataclass(slots=True)
class Change:
    """One semantic change.

    `kind` is "server", a catalog name ("components", ...) or "settings".
    `action` is "added", "updated", "deleted" or "moved" (servers only).
    `group` is the server's group after the change (before it, for a deletion);
    `old_group` the group before a move. `changes` maps each changed field to
    `(old, new)`, None standing for "absent". `old`/`new` are the whole records
    (None for a side that is absent or does not read). `unreadable` holds, for
    "old" and "new", why that version does not read ("unreadable in commit X: ...");
    its fields are then not compared. A catalog or settings file that does not read
    is one change with `name` "" (the whole file).
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
    unreadable: Mapping[str, str] = field(default_factory=lambda: NOTHING_UNREADABLE)
    # A server's fields in their FieldSet order (both sides'), for the comparison table.
    order: tuple[str, ...] = SERVER_FIELDS

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind,
            "name": self.name,
            "group": self.group,
            "action": self.action,
            # Each change an (old, new) pair, which JSON writes as a list of two.
            "changes": dict(self.changes),
        }
        if self.unreadable:
            out["unreadable"] = dict(self.unreadable)
        return out


class NotText(str):
    """A scalar YAML reads as a number, a boolean or a date (`10`, `no`): kept as the
    text written, never converted, and unequal to the same text quoted, so that
    `ip: "10"` → `ip: 10` is a change. JSON writes it as its text."""

    kind: str

    def __new__(cls, text: str, kind: str) -> NotText:
        self = super().__new__(cls, text)
        self.kind = kind
        return self

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NotText) and self.kind == other.kind and str.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = str.__hash__

    def __getnewargs__(self) -> tuple[str, str]:  # type: ignore[override]
        return str(self), self.kind


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A version of a file that does not read as an inventory file: its first problem,
    as `LINE:COLUMN CODE: MESSAGE` (as validate would report it)."""

    problem: str
    empty: bool = False  # no YAML document at all: an empty catalog, but not a server


# Why a version git lacks does not read: a state of this clone, not of the history.
MISSING_VERSION = "1:1 bad-file: git does not have this version (a partial clone?)"


def parse(data: bytes | None, path: str = "") -> dict[str, Any] | Unreadable:
    """A mapping document as plain data, read by the strict loader (as validate reads
    it: no alias expanded, nothing converted), or why it does not read."""
    if data is None:
        return Unreadable(MISSING_VERSION)
    try:
        doc = load_bytes(path, data, allow_empty=True)
    except LoadError as exc:
        return _unreadable(exc.findings)
    if doc.empty:
        return Unreadable("1:1 bad-file: file is empty", empty=True)
    if not isinstance(doc.value, dict):
        return Unreadable("1:1 bad-type: the top level is not a mapping of keys to values")
    return {k: v if type(v) is str else _plain(v) for k, v in doc.value.items()}


def too_large(size: int, path: str = "") -> Unreadable:
    """Why a version of `size` bytes, over the loader's limit, does not read: what `parse`
    says of its bytes, said without them."""
    return _unreadable([loader.too_large(path, size)])


def _unreadable(findings: list[Finding]) -> Unreadable:
    first, *more = sorted(findings)
    extra = f" (and {len(more)} more problem(s))" if more else ""
    return Unreadable(f"{first.line}:{first.column} {first.code}: {first.message}{extra}")


def _plain(value: Any) -> Any:
    if isinstance(value, Typed):
        return NotText(value.text, value.kind)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def at_commit(commit: str) -> str:
    """Where a version comes from, for `compare`'s `old_at` and `new_at`."""
    return f"in commit {commit[:10]}"


AT_WORKTREE = "in the working tree"


def _ordered_keys(
    old: Mapping[str, Any], new: Mapping[str, Any], order: tuple[str, ...] = ()
) -> list[str]:
    keys = [k for k in order if k in old or k in new]
    keys += sorted((set(old) | set(new)) - set(order))
    return keys


def _one_side(doc: Mapping[str, Any], order: tuple[str, ...], *, added: bool) -> dict[str, Any]:
    """The changes of a server added (or deleted) with `doc`: each field that has a
    value, paired with None, those of `order` first, in that order."""
    get = doc.get
    if added:
        out = {k: (None, v) for k in order if (v := get(k)) is not None}
    else:
        out = {k: (v, None) for k in order if (v := get(k)) is not None}
    if len(doc) > len(out):  # fields outside `order`, or without a value
        for k in sorted(set(doc) - set(order)):
            if (v := doc[k]) is not None:
                out[k] = (None, v) if added else (v, None)
    return out


def field_changes(
    old: Mapping[str, Any], new: Mapping[str, Any], order: tuple[str, ...] = SERVER_FIELDS
) -> dict[str, tuple[Any, Any]]:
    """{field: (old, new)} for every field whose value differs."""
    if not new:  # deleted: every field that had a value, in order
        return _one_side(old, order, added=False)
    if not old:  # added
        return _one_side(new, order, added=True)
    return {
        k: (old.get(k), new.get(k))
        for k in _ordered_keys(old, new, order)
        if old.get(k) != new.get(k)
    }


Read = Callable[[str], "dict[str, Any] | Unreadable"]


class FieldReader(Protocol):
    """How a comparison reads a server's fields (`fieldsides.Sides`): their order, and
    each side's values and fields.yaml declarations as their types read them."""

    @property
    def order(self) -> tuple[str, ...]: ...

    def read(self, doc: dict[str, Any] | None, side: str) -> dict[str, Any] | None: ...

    def declaration(self, attrs: dict[str, Any]) -> tuple[dict[str, Any], tuple[str, ...]]: ...


class _BuiltinOnly:
    """The reading of an inventory without fields.yaml: the values as written."""

    order: tuple[str, ...] = SERVER_FIELDS

    def read(self, doc: dict[str, Any] | None, side: str) -> dict[str, Any] | None:
        return doc

    def declaration(self, attrs: dict[str, Any]) -> tuple[dict[str, Any], tuple[str, ...]]:
        return attrs, ()


BUILTIN_ONLY: FieldReader = _BuiltinOnly()


@dataclass(slots=True)
class _ServerSide:
    group: str
    path: str
    blob: str
    mode: str = ""


# A server name's changed files: its old versions and its new ones.
_Sides = tuple[list[_ServerSide], list[_ServerSide]]


def _pairs(
    olds: list[_ServerSide], news: list[_ServerSide]
) -> list[tuple[_ServerSide | None, _ServerSide | None]]:
    """A name's old and new versions, paired into the changes they make. One of each is
    one server (updated, or moved to another group). With more (a copy into another
    group, two files of the name that validation refuses), a path on both sides is
    that file's own change, one version left on each side is a move, and any other
    stands alone: no file's change is hidden behind another's."""
    if len(olds) <= 1 and len(news) <= 1:
        return [(olds[0] if olds else None, news[0] if news else None)]
    both = {o.path for o in olds} & {n.path for n in news}
    pairs: list[tuple[_ServerSide | None, _ServerSide | None]] = [
        (o, n) for o in olds for n in news if o.path == n.path
    ]
    gone = [o for o in olds if o.path not in both]
    made = [n for n in news if n.path not in both]
    if len(gone) == 1 and len(made) == 1:
        pairs.append((gone[0], made[0]))
    else:
        pairs += [(o, None) for o in gone] + [(None, n) for n in made]
    return sorted(pairs, key=lambda pair: next(s.path for s in pair if s is not None))


@dataclass(frozen=True)
class _Where:
    old: str
    new: str


def compare(
    files: Iterable[FileChange],
    read: Read,
    *,
    old_at: str = "",
    new_at: str = "",
    fields: FieldReader = BUILTIN_ONLY,
) -> list[Change]:
    """The semantic changes of one set of file changes.

    `read(blob_id)` returns a blob's parsed mapping or why it does not read (see
    `parse`); callers cache it. `old_at`/`new_at` say where the old and new versions
    are ("in commit abc", see `at_commit`), for the message of one that does not read.
    `fields`: each side's FieldSet (its fields.yaml), for the order and the reading
    of the declared fields.
    Servers are matched by name, so a file moved to another group folder is one
    "moved" change (see `_pairs` for a name several changed files hold). Result
    order: catalogs and settings first, then servers by name.
    """
    where = _Where(old_at, new_at)
    servers: dict[str, _Sides] = {}
    result: list[Change] = []
    for fc in files:
        path = undecoded(fc.path)  # shown and stored: a name's bytes that are not UTF-8 escaped
        kind = classify(path)
        if kind is None:
            continue
        what, group, name = kind
        if what == "server":
            assert group is not None and name is not None
            olds, news = servers.setdefault(name, ([], []))
            if fc.old is not None:
                olds.append(_ServerSide(group, path, fc.old, fc.old_mode))
            if fc.new is not None:
                news.append(_ServerSide(group, path, fc.new, fc.new_mode))
        else:
            result.extend(_catalog_changes(what, fc, read, where, fields))
    for name in sorted(servers):
        for old, new in _pairs(*servers[name]):
            change = _server_change(name, old, new, read, where, fields)
            if change is not None:
                result.append(change)
    return result


# What git holds in a tree besides files: its blob (a link's target) or commit (a
# submodule's) is not a version of the file, and is not read as one.
_NOT_FILES = {
    "120000": Unreadable(f"1:1 bad-file: {SYMLINK_REFUSED}"),
    "160000": Unreadable("1:1 bad-file: a submodule, not a file; remove it"),
}


def _read(
    read: Read,
    blob: str | None,
    side: str,
    where: _Where,
    bad: dict[str, str],
    *,
    empty_ok: bool,
    mode: str = "",
) -> dict[str, Any] | None:
    """The version's fields; None when absent, or when it does not read (noted in `bad`)."""
    if blob is None:
        return None
    doc = _NOT_FILES.get(mode) or read(blob)
    if isinstance(doc, Unreadable):
        if doc.empty and empty_ok:
            return {}
        at = where.old if side == "old" else where.new
        bad[side] = f"unreadable {at}: {doc.problem}" if at else f"unreadable: {doc.problem}"
        return None
    return doc


def _server_change(
    name: str,
    before: _ServerSide | None,
    after: _ServerSide | None,
    read: Read,
    where: _Where,
    fields: FieldReader,
) -> Change | None:
    found: dict[str, str] = {}
    raw_old = (
        _read(read, before.blob, "old", where, found, empty_ok=False, mode=before.mode)
        if before
        else None
    )
    raw_new = (
        _read(read, after.blob, "new", where, found, empty_ok=False, mode=after.mode)
        if after
        else None
    )
    old, new = fields.read(raw_old, "old"), fields.read(raw_new, "new")
    bad = found or NOTHING_UNREADABLE
    order = fields.order
    changes = {} if bad else field_changes(old or {}, new or {}, order)
    if changes and raw_old and raw_new and (old is not raw_old or new is not raw_new):
        # A value written the same on both sides is no change, whatever fields.yaml
        # now says its type is.
        changes = {k: v for k, v in changes.items() if raw_old.get(k) != raw_new.get(k)}
    if before is None and after is not None:
        return Change(
            "server", name, "added", changes, after.group, None, None, new, after.path, bad, order
        )
    if after is None and before is not None:
        return Change(
            "server",
            name,
            "deleted",
            changes,
            before.group,
            None,
            old,
            None,
            before.path,
            bad,
            order,
        )
    assert before is not None and after is not None
    if before.group != after.group:
        changes = {"group": (before.group, after.group), **changes}
        return Change(
            "server",
            name,
            "moved",
            changes,
            after.group,
            before.group,
            old,
            new,
            after.path,
            bad,
            order,
        )
    if not changes and not bad:
        return None
    return Change(
        "server", name, "updated", changes, after.group, None, old, new, after.path, bad, order
    )


def _catalog_changes(
    what: str, fc: FileChange, read: Read, where: _Where, fields: FieldReader
) -> list[Change]:
    bad: dict[str, str] = {}
    old = _read(read, fc.old, "old", where, bad, empty_ok=True, mode=fc.old_mode)
    new = _read(read, fc.new, "new", where, bad, empty_ok=True, mode=fc.new_mode)
    if bad:
        action = "added" if fc.old is None else "deleted" if fc.new is None else "updated"
        name = SETTINGS if what == SETTINGS else ""
        return [Change(what, name, action, {}, None, None, old, new, fc.path, bad)]
    old, new = old or {}, new or {}
    if what == SETTINGS:
        changes = field_changes(old, new, ())
        return [Change(SETTINGS, SETTINGS, "updated", changes, path=fc.path)] if changes else []
    result = []
    # A catalog's entries by name; fields.yaml's in its (new, then old) declared order.
    entries = list(dict.fromkeys([*new, *old])) if what == FIELDS else _ordered_keys(old, new)
    for entry in entries:
        before, after = old.get(entry), new.get(entry)
        if before == after:
            continue
        action = "added" if entry not in old else "deleted" if entry not in new else "updated"
        if not (_attributes(before) and _attributes(after)):
            # Not a mapping of attributes (`staging: 1`, which validation rejects): the
            # entry is compared whole, so that its value is shown, not taken as empty.
            whole = {WHOLE_ENTRY: (before, after)}
            result.append(Change(what, entry, action, whole, path=fc.path))
            continue
        b = before if isinstance(before, dict) else {}
        a = after if isinstance(after, dict) else {}
        order: tuple[str, ...] = ()
        if what == FIELDS:  # a declaration's attributes in the model's order, as typed
            (b, order), (a, _) = fields.declaration(b), fields.declaration(a)
            if a == b and entry in old and entry in new:
                continue
        result.append(
            Change(
                what,
                entry,
                action,
                field_changes(b, a, order),
                None,
                None,
                b if entry in old else None,
                a if entry in new else None,
                fc.path,
            )
        )
    return result


def _attributes(value: Any) -> bool:
    """Whether a catalog entry's value is a mapping of attributes (or none: `name:`)."""
    return value is None or isinstance(value, dict)
