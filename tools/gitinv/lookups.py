"""The lookups of `gitinv query` and of the dashboard's filters, written once.

Each lookup is a row of :data:`LOOKUPS`: its name, the kinds of field it applies to,
and what it compares. `gitinv query` (query.py) and the dashboard
(static/js/lookups.js, which reads this table from `api/v1/fields.json`) both
interpret these rows; neither has a list of its own.

What a row means, for both:

- A field's value is compared as text: a missing value is "" (a list: no items), an
  integer its decimal digits, a boolean `true` or `false`, a date `YYYY-MM-DD`.
- A list field (`tags`, a declared `list`) holds a lookup when one of its items holds it.
- `match` is how the value and the lookup's VALUE compare: `equal` the whole text;
  `contains` VALUE anywhere in it; `regex` VALUE as a regular expression found
  anywhere in it (keep to the syntax Python and JavaScript share); `in` VALUE split
  on `,`, blanks around each item dropped, empty items ignored, the text equal to
  one of the items; `order` the value and VALUE compared as numbers (integers) or
  as dates (`YYYY-MM-DD`) with `compare`, never holding on a missing value. A
  VALUE that is no integer or no date is refused by `query` (exit 2) and matches
  nothing on the dashboard.
- `fold`: both sides lowercased first (Python `str.lower()`, JavaScript
  `toLowerCase()`); otherwise character for character.
- `address`: on an IP field, two addresses compare as addresses when both parse
  (`2001:DB8::1` is `2001:db8:0:0:0:0:0:1`), as text otherwise.

Public API::

    LOOKUPS, BY_NAME["iexact"], for_kind("integer") -> ("exact", ..., "lte")
    table() -> the rows as JSON values (fields.json's "lookups")
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Match = Literal["equal", "contains", "regex", "in", "order"]
ORDERED_KINDS = frozenset({"integer", "date"})
ALL = "*"  # kinds: every kind of field


@dataclass(frozen=True)
class Lookup:
    """One lookup: `FIELD__<name>=VALUE` in `query` and in the dashboard's address."""

    name: str
    match: Match
    fold: bool
    address: bool
    kinds: tuple[str, ...]
    label: str  # the dashboard's name for it
    meaning: str  # the README's "holds when"
    compare: str = ""  # order: "gt", "gte", "lt" or "lte"


def _order(name: str, sign: str, words: str) -> Lookup:
    return Lookup(
        name,
        "order",
        fold=False,
        address=False,
        kinds=tuple(sorted(ORDERED_KINDS)),
        label=f"{sign} (number or date)",
        meaning=f"the field is {words} VALUE, as numbers (integer fields) or dates "
        "(date fields); a missing value never holds",
        compare=name,
    )


LOOKUPS: tuple[Lookup, ...] = (
    Lookup(
        "exact",
        "equal",
        fold=False,
        address=True,
        kinds=(ALL,),
        label="Equals (exact case)",
        meaning="the field equals VALUE, character for character (`FIELD=VALUE` is the same)",
    ),
    Lookup(
        "iexact",
        "equal",
        fold=True,
        address=True,
        kinds=(ALL,),
        label="Equals (any case)",
        meaning="the field equals VALUE after lowercasing both",
    ),
    Lookup(
        "icontains",
        "contains",
        fold=True,
        address=False,
        kinds=(ALL,),
        label="Contains",
        meaning="the lowercased VALUE is in the lowercased field (an empty VALUE holds always)",
    ),
    Lookup(
        "iregex",
        "regex",
        fold=True,
        address=False,
        kinds=(ALL,),
        label="Matches regex",
        meaning="the regular expression VALUE, ignoring case, matches anywhere in the field "
        "(anchor it with `^` and `$`)",
    ),
    Lookup(
        "in",
        "in",
        fold=False,
        address=True,
        kinds=(ALL,),
        label="In (a,b,c)",
        meaning="the field equals one of the comma-separated items exactly; blanks around "
        "items are dropped, empty items ignored, so `__in=` holds for nothing",
    ),
    _order("gt", ">", "greater than"),
    _order("gte", "≥", "at least"),
    _order("lt", "<", "less than"),
    _order("lte", "≤", "at most"),
)
BY_NAME = {lookup.name: lookup for lookup in LOOKUPS}
DEFAULT = "exact"


def for_kind(kind: str) -> tuple[str, ...]:
    """The lookups a field of this kind takes, in the table's order."""
    return tuple(lk.name for lk in LOOKUPS if ALL in lk.kinds or kind in lk.kinds)


def table() -> list[dict[str, Any]]:
    """The table as JSON values, for the dashboard."""
    return [{**asdict(lookup), "kinds": list(lookup.kinds)} for lookup in LOOKUPS]
