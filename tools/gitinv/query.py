"""Server lookups in the style of the old REST API (django-filter).

A lookup is ``FIELD=VALUE`` or ``FIELD__OP=VALUE``: FIELD a column of the inventory's
:class:`~gitinv.fields.FieldSet` (name, group, the built-in and the declared fields),
OP a lookup of :data:`gitinv.lookups.LOOKUPS` that the field's kind takes (default
``exact``). What each lookup means is written once, in that table, and read by the
dashboard too; this module is its Python side. The VALUE is everything after the
first ``=``, taken as it is. Several lookups are ANDed, also on the same field.

Public API::

    written = forms(texts)                 # the form only: before the inventory is read
    lookups = bind(written, fields)        # against the inventory's fields (exit 2 if bad)
    lookups = parse(texts, fields)         # both at once
    rows = select(rows, lookups)           # rows of fields.row(...)
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from gitinv import fields as fields_
from gitinv import ipkey
from gitinv import lookups as table
from gitinv.errors import GitinvError
from gitinv.fields.field import DATE_RE

Row = Mapping[str, Any]
Test = Callable[[Any], bool]
_INTEGER = re.compile(r"[-+]?[0-9]+")


@dataclasses.dataclass(frozen=True)
class Parsed:
    """``field__op=value`` as written, before the inventory's fields are known."""

    text: str
    field: str
    op: str
    value: str


@dataclasses.dataclass(frozen=True)
class Lookup:
    """One condition on one field of a row."""

    field: str
    op: str
    value: str
    is_list: bool = False
    test: Test = dataclasses.field(compare=False, repr=False, default=bool)

    def matches(self, row: Row) -> bool:
        raw = row.get(self.field)
        if self.is_list:
            return any(self.test(item) for item in raw or ())
        return self.test(raw)


def _in_items(value: str) -> frozenset[str]:
    return frozenset(item.strip() for item in value.split(",") if item.strip())


def _text_test(rule: table.Lookup, value: str, text: str) -> Callable[[str], bool]:
    """The test of a text lookup on a value's text."""
    if rule.match == "regex":
        try:
            pattern = re.compile(value, re.IGNORECASE if rule.fold else 0)
        except re.error as exc:
            raise GitinvError(f"bad regular expression in {text!r}: {exc}", 2) from exc
        return lambda v: pattern.search(v) is not None
    if rule.match == "in":
        items = _in_items(value.lower() if rule.fold else value)
        return (lambda v: v.lower() in items) if rule.fold else items.__contains__
    wanted = value.lower() if rule.fold else value
    if rule.match == "contains":
        return (lambda v: wanted in v.lower()) if rule.fold else (lambda v: wanted in v)
    return (lambda v: v.lower() == wanted) if rule.fold else wanted.__eq__


def _address_test(rule: table.Lookup, value: str, fallback: Callable[[str], bool]) -> Test:
    """On an IP field: addresses compare as addresses (ipkey: as the unique-IP rule
    does), text as text."""
    if rule.match == "in":
        keys = {key for item in _in_items(value) if (key := ipkey.key_or_none(item)) is not None}
        return lambda v: fallback(v) or ipkey.key_or_none(v) in keys
    wanted = ipkey.key_or_none(value)
    if wanted is None:
        return fallback
    return lambda v: fallback(v) or ipkey.key_or_none(v) == wanted


def _order_test(rule: table.Lookup, field: fields_.Field, value: str, text: str) -> Test:
    """gt, gte, lt, lte on an integer (as numbers) or a date (as dates)."""
    bound: Any
    if field.kind == "integer":
        if not _INTEGER.fullmatch(value):
            raise GitinvError(f"{text!r}: `{field.name}` is an integer; write a whole number", 2)
        bound = int(value)
    else:
        try:
            if not DATE_RE.fullmatch(value):
                raise ValueError(value)
            datetime.date.fromisoformat(value)
        except ValueError:
            raise GitinvError(
                f"{text!r}: `{field.name}` is a date; write it as YYYY-MM-DD", 2
            ) from None
        bound = value  # YYYY-MM-DD: the text's order is the dates' order
    compare: Callable[[Any, Any], bool] = {
        "gt": lambda a, b: a > b,
        "gte": lambda a, b: a >= b,
        "lt": lambda a, b: a < b,
        "lte": lambda a, b: a <= b,
    }[rule.compare]
    return lambda v: v is not None and compare(v, bound)


def parse_one(text: str) -> Parsed:
    """The form of one ``FIELD[__OP]=VALUE``; a :class:`GitinvError` (exit 2) when bad."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise GitinvError(
            f"bad lookup {text!r}: write FIELD=VALUE or FIELD__LOOKUP=VALUE, "
            "for example state=active or name__icontains=web",
            2,
        )
    name, _, op = key.partition("__")
    op = op or table.DEFAULT
    rule = table.BY_NAME.get(op)
    if rule is None:
        known = ", ".join(table.BY_NAME)
        raise GitinvError(f"unknown lookup {op!r} in {text!r}; lookups: {known}", 2)
    if rule.match == "regex":
        _text_test(rule, value, text)  # a pattern that does not compile fails now
    return Parsed(text, name, op, value)


def bind_one(parsed: Parsed, fields: fields_.FieldSet = fields_.BUILTIN) -> Lookup:
    """A parsed lookup as a test on the rows of `fields` (exit 2 when it does not apply)."""
    field = fields.column(parsed.field)
    text = parsed.text
    if field is None:
        names = ", ".join(f.name for f in fields.columns)
        raise GitinvError(f"unknown field {parsed.field!r} in {text!r}; fields: {names}", 2)
    rule = table.BY_NAME[parsed.op]
    if rule.name not in field.lookups:
        raise GitinvError(
            f"`{rule.name}` does not apply to `{field.name}` ({field.kind}) in {text!r}; "
            f"its lookups: {', '.join(field.lookups)}",
            2,
        )
    if rule.match == "order":
        return Lookup(
            field.name, rule.name, parsed.value, False, _order_test(rule, field, parsed.value, text)
        )
    test = _text_test(rule, parsed.value, text)
    if field.kind == "ip" and rule.address:
        test = _address_test(rule, parsed.value, test)
    if field.is_list:
        return Lookup(field.name, rule.name, parsed.value, True, test)
    cell = field.cell
    return Lookup(field.name, rule.name, parsed.value, False, lambda v: test(cell(v)))


def forms(texts: Iterable[str]) -> list[Parsed]:
    return [parse_one(text) for text in texts]


def parse(texts: Iterable[str], fields: fields_.FieldSet = fields_.BUILTIN) -> list[Lookup]:
    return bind(forms(texts), fields)


def bind(parsed: Iterable[Parsed], fields: fields_.FieldSet = fields_.BUILTIN) -> list[Lookup]:
    return [bind_one(p, fields) for p in parsed]


def parse_lookup(text: str, fields: fields_.FieldSet = fields_.BUILTIN) -> Lookup:
    """Parse one ``FIELD[__OP]=VALUE`` against `fields`; a GitinvError (exit 2) when bad."""
    return bind_one(parse_one(text), fields)


def matches(row: Row, lookups: Sequence[Lookup]) -> bool:
    """True when ``row`` satisfies every lookup (an empty list matches all)."""
    return all(lookup.matches(row) for lookup in lookups)


def select(rows: Iterable[Row], lookups: Sequence[Lookup]) -> list[Row]:
    if not lookups:
        return list(rows)
    return [row for row in rows if matches(row, lookups)]
