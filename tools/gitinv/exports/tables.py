"""Every server as rows: the CSV and JSON exports (also `query`'s and the site's).

Pure functions of a loaded :class:`~gitinv.inventory.Inventory`. The columns are its
FieldSet's (`inventory.fields.columns`): name and group, the built-in fields, then
those fields.yaml declares, in its order.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from gitinv.fields import BUILTIN, FieldSet

if TYPE_CHECKING:
    from gitinv.inventory import Inventory

#: The columns of an inventory without fields.yaml (CSV export, ``import csv``); an
#: inventory's own are ``columns(inventory.fields)``.
COLUMNS: tuple[str, ...] = tuple(f.name for f in BUILTIN.columns)


def columns(fields: FieldSet) -> tuple[str, ...]:
    """The columns of the CSV export and of the ``import csv`` header."""
    return tuple(f.name for f in fields.columns)


# A spreadsheet reads a cell starting with one of these as a formula. Leading
# apostrophes are included so that escaping stays reversible (see below).
_FORMULA = re.compile(r"'*[=+\-@\t\r]")
_RISKY_START = frozenset("'=+-@\t\r")
_ESCAPED = re.compile(r"'+[=+\-@\t\r]")


def server_rows(inventory: Inventory) -> list[dict[str, Any]]:
    """Every valid server as a row (its FieldSet's columns), sorted by name."""
    row, servers = inventory.fields.row, inventory.servers
    return [row(r.name, r.group, r.fields) for r in (servers[n] for n in sorted(servers))]


def servers_json(inventory: Inventory) -> list[dict[str, Any]]:
    """Every server, every field; missing optional values are ``None`` / ``[]``."""
    return server_rows(inventory)


def rows_json(rows: Sequence[Mapping[str, Any]]) -> str:
    """``{"count": N, "results": [...]}`` with one server a line.

    Built row by row: ``json.dumps`` with ``indent`` falls back to the slow
    pure-Python encoder, several seconds for 100,000 servers.
    """
    if not rows:
        return '{"count": 0, "results": []}\n'
    lines = ",\n".join(json.dumps(row, ensure_ascii=False) for row in rows)
    return f'{{"count": {len(rows)}, "results": [\n{lines}\n]}}\n'


def neutralise(cell: str) -> str:
    """Prefix ``'`` to a cell a spreadsheet would run as a formula.

    Cells matching ``'*[=+-@\\t\\r]`` get one more apostrophe, so
    :func:`unneutralise` restores every cell exactly.
    """
    return "'" + cell if _FORMULA.match(cell) else cell


def unneutralise(cell: str) -> str:
    return cell[1:] if _ESCAPED.match(cell) else cell


def csv_cell(value: Any) -> str:
    """A value as `Field.cell` writes it (`true`, `4`, `a,b`), made safe to open."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = ",".join(map(str, value)) if isinstance(value, list) else str(value)
    # Most cells start with a letter or digit: skip the pattern for those.
    return neutralise(text) if text[:1] in _RISKY_START else text


def rows_csv(rows: Iterable[Mapping[str, Any]], fields: FieldSet = BUILTIN) -> str:
    """CSV text with a header of the columns of `fields`; lists joined by ``,``."""
    header = columns(fields)
    return _csv_text(header, (map(row.get, header) for row in rows))


def servers_csv(inventory: Inventory) -> str:
    """`rows_csv` of `server_rows`, read from the records without making the rows."""
    names, servers = inventory.fields.names, inventory.servers
    records = (servers[n] for n in sorted(servers))
    cells = ((r.name, r.group, *map(r.fields.get, names)) for r in records)
    return _csv_text(columns(inventory.fields), cells)


def _csv_text(header: Sequence[str], rows: Iterable[Iterable[Any]]) -> str:
    """CSV text of a header and rows of values, each cell as `csv_cell` writes it (text
    that starts safely, most cells, as it is, without a call for it)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    cell, risky = csv_cell, _RISKY_START
    for row in rows:
        writer.writerow([v if type(v) is str and v[:1] not in risky else cell(v) for v in row])
    return out.getvalue()
