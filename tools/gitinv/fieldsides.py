"""The fields of each side of a comparison, read from their fields.yaml: what
`changes.compare` asks (`changes.FieldReader`) to order a server's fields and to read
declared values as their types read them.

Public API::

    fields_from(data)            # FieldSet of a version of fields.yaml (None: none)
    fields_at(root, rev)         # the FieldSet of the working tree's or rev's fields.yaml
    sides = Sides(old, new)      # the old and the new side's FieldSets
    sides.order                  # both sides' fields: the new side's order, then the old's
    sides.read(doc, "old")       # a parsed server with its declared values typed
    sides.declaration(attrs)     # a fields.yaml entry typed, and its attributes' order
    typed(field, value)          # one declared value as its type reads it
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gitinv import fields as fieldset
from gitinv import git, models
from gitinv.changes import NotText
from gitinv.fields import BUILTIN, Field, FieldSet
from gitinv.fields.field import BOOLEANS
from gitinv.layout import INVENTORY
from gitinv.loader import MAX_BYTES, Typed
from gitinv.source import read_regular

DECLARATION_KEYS: tuple[str, ...] = tuple(models.FieldSpec.model_fields)


@functools.lru_cache(maxsize=64)
def fields_from(data: bytes | None) -> FieldSet:
    """The fields a version of fields.yaml declares (None: no fields.yaml). Those whose
    declaration is wrong are left out: validate reports them; a comparison reads on."""
    if data is None:
        return BUILTIN
    return fieldset.parse(data)[0]


# What a fields.yaml over the loader's limit declares (`fields_from` of its bytes, which
# the loader refuses unread): the built-in fields, any other key left alone.
TOO_LARGE = FieldSet(BUILTIN.fields, present=True, broken=True)


def fields_in(root: Path, commit: str) -> FieldSet:
    """The fields the fields.yaml of `commit` declares: of a file past the limit, only
    as many bytes are read as tell it is (a branch's fields.yaml is input too)."""
    return fields_from(git.read_blob(root, commit, fieldset.FIELDS_FILE, most=MAX_BYTES + 1))


def fields_at(root: Path, rev: str | None) -> FieldSet:
    """The fields fields.yaml declares in the working tree (`rev` None) or at `rev`, read
    on its own, without the inventory: a first look, which `inventory.load` confirms."""
    path = fieldset.FIELDS_FILE
    if rev is not None:
        return fields_in(root, git.resolve_commit(root, rev))
    # As the load lists files: a link, or anything but a regular file, is not read
    # (a named pipe would never answer). None, or unreadable: the load says which.
    if (root / INVENTORY).is_symlink():
        return BUILTIN
    return fields_from(read_regular(root / path, MAX_BYTES + 1))


def typed(f: Field, value: Any) -> Any:
    """A declared value as its type reads it: a date written quoted or not is the same
    text, an integer or a boolean YAML reads as one is the number or the truth value.
    A value its type does not take stays as written (and unequal to the right one)."""
    if type(value) is not NotText:
        return value
    if f.kind == "date" and value.kind == "a date":
        return str.__str__(value)
    if f.kind == "integer":
        number = models.yaml_integer(Typed(value.kind, str.__str__(value)))
        return value if number is None else number
    if f.kind == "boolean" and value.kind == "a boolean":
        return BOOLEANS.get(str.__str__(value), value)
    return value


@dataclass(frozen=True)
class Sides:
    """The fields of the old and of the new side of a comparison (fields.yaml may
    differ between them): each side's values are read with its own declarations, a
    field only the other side declares with that one."""

    old: FieldSet = BUILTIN
    new: FieldSet = BUILTIN

    @functools.cached_property
    def order(self) -> tuple[str, ...]:
        """Both sides' fields: the new side's order, then what only the old side has."""
        if self.old is self.new:
            return self.new.names
        return tuple(dict.fromkeys((*self.new.names, *self.old.names)))

    @functools.cached_property
    def _declared(self) -> tuple[tuple[str, Field | None, Field | None], ...]:
        names = dict.fromkeys(f.name for fs in (self.new, self.old) for f in fs.declared)
        return tuple((n, self.old.get(n), self.new.get(n)) for n in names)

    def read(self, doc: dict[str, Any] | None, side: str) -> dict[str, Any] | None:
        """`doc` with its declared values as their types read them (a copy when any
        changes: parsed documents are shared between comparisons)."""
        if doc is None or not self._declared:
            return doc
        out = doc
        for name, old, new in self._declared:
            if name not in doc:
                continue
            f = (old or new) if side == "old" else (new or old)
            assert f is not None
            value = typed(f, doc[name])
            if value is not doc[name]:
                if out is doc:
                    out = dict(doc)
                out[name] = value
        return out

    def declaration(self, attrs: dict[str, Any]) -> tuple[dict[str, Any], tuple[str, ...]]:
        """An entry of fields.yaml with its numbers (`min`, `max`, `max_length`) and flags
        (`required`, `unique`) read as such where YAML reads them so, and the order of
        its attributes (the model's)."""
        return {key: _plain(value) for key, value in attrs.items()}, DECLARATION_KEYS


def _plain(value: Any) -> Any:
    if type(value) is NotText and value.kind == "a number":
        number = models.yaml_integer(Typed(value.kind, str.__str__(value)))
        return value if number is None else number
    if type(value) is NotText and value.kind == "a boolean":
        return BOOLEANS.get(str.__str__(value), value)
    return value
