"""Server lookups in the style of the old REST API (django-filter).

A lookup is ``FIELD=VALUE`` or ``FIELD__OP=VALUE``. The dashboard's filters
follow the same rules, so they are spelled out here and in the README
("Query lookups"); change both together.

- FIELD is one of :data:`FIELDS`; OP one of :data:`LOOKUPS` (default ``exact``).
- The value is everything after the first ``=``, taken as it is.
- A missing optional value (``type``, ``description``) is the empty string.
- ``tags`` is a list: the lookup holds when it holds for at least one tag,
  so a server without tags matches no ``tags`` lookup.
- ``exact``: equal strings. ``iexact``: equal after ``str.lower()`` on both
  sides. ``icontains``: the lowered value is a substring of the lowered field.
  ``iregex``: :func:`re.search` with :data:`re.IGNORECASE` (anywhere in the
  field; anchor with ``^``/``$``). ``in``: the value split on ``,``, each item
  stripped of surrounding blanks, empty items dropped; holds when the field
  equals one item exactly.
- On ``ip``, ``exact``, ``iexact`` and ``in`` compare addresses, not text,
  when both sides parse as IP addresses (``2001:DB8::1`` equals
  ``2001:db8:0:0:0:0:0:1``).
- Several lookups are ANDed, also on the same field.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from gitinv import ipkey
from gitinv.errors import GitinvError

FIELDS: tuple[str, ...] = (
    "name",
    "ip",
    "component",
    "dc",
    "environment",
    "type",
    "state",
    "tags",
    "group",
    "description",
)
LOOKUPS: tuple[str, ...] = ("exact", "iexact", "icontains", "iregex", "in")

Row = Mapping[str, Any]
Test = Callable[[str], bool]


@dataclasses.dataclass(frozen=True)
class Lookup:
    """One parsed ``field__op=value`` condition."""

    field: str
    op: str
    value: str
    test: Test = dataclasses.field(compare=False, repr=False)

    def matches(self, row: Row) -> bool:
        raw = row.get(self.field)
        if self.field == "tags":
            return any(self.test(tag) for tag in raw or ())
        return self.test("" if raw is None else str(raw))


def _in_items(value: str) -> frozenset[str]:
    return frozenset(item.strip() for item in value.split(",") if item.strip())


def _make_test(op: str, value: str, text: str) -> Test:
    if op == "exact":
        return value.__eq__
    if op == "iexact":
        lowered = value.lower()
        return lambda v: v.lower() == lowered
    if op == "icontains":
        lowered = value.lower()
        return lambda v: lowered in v.lower()
    if op == "iregex":
        try:
            pattern = re.compile(value, re.IGNORECASE)
        except re.error as exc:
            raise GitinvError(f"bad regular expression in {text!r}: {exc}", 2) from exc
        return lambda v: pattern.search(v) is not None
    items = _in_items(value)
    return items.__contains__


def _make_ip_test(op: str, value: str, fallback: Test) -> Test:
    """Address comparison for ``ip``: text rules when a side is not an address."""
    if op in ("exact", "iexact"):
        wanted = ipkey.key_or_none(value)
        if wanted is None:
            return fallback
        return lambda v: v == value or ipkey.key_or_none(v) == wanted
    if op == "in":
        keys = {key for item in _in_items(value) if (key := ipkey.key_or_none(item)) is not None}
        return lambda v: fallback(v) or ipkey.key_or_none(v) in keys
    return fallback


def parse_lookup(text: str) -> Lookup:
    """Parse one ``FIELD[__OP]=VALUE``; a :class:`GitinvError` (exit 2) when bad."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise GitinvError(
            f"bad lookup {text!r}: write FIELD=VALUE or FIELD__LOOKUP=VALUE, "
            "for example state=active or name__icontains=web",
            2,
        )
    name, _, op = key.partition("__")
    op = op or "exact"
    if name not in FIELDS:
        raise GitinvError(f"unknown field {name!r} in {text!r}; fields: {', '.join(FIELDS)}", 2)
    if op not in LOOKUPS:
        raise GitinvError(f"unknown lookup {op!r} in {text!r}; lookups: {', '.join(LOOKUPS)}", 2)
    test = _make_test(op, value, text)
    if name == "ip":
        test = _make_ip_test(op, value, test)
    return Lookup(name, op, value, test)


def parse(texts: Iterable[str]) -> list[Lookup]:
    return [parse_lookup(text) for text in texts]


def matches(row: Row, lookups: Sequence[Lookup]) -> bool:
    """True when ``row`` satisfies every lookup (an empty list matches all)."""
    return all(lookup.matches(row) for lookup in lookups)


def select(rows: Iterable[Row], lookups: Sequence[Lookup]) -> list[Row]:
    if not lookups:
        return list(rows)
    return [row for row in rows if matches(row, lookups)]
