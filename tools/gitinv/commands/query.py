"""``gitinv query``: servers matching django-filter style lookups."""

from __future__ import annotations

import gc
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from gitinv import fieldsides, inventory
from gitinv import query as lookups_
from gitinv.exports import tables as exports
from gitinv.printable import one_line

FORMATS = ("table", "json", "csv")


def table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] = exports.COLUMNS) -> str:
    """Aligned columns (the inventory's: built-in, then declared), lists joined by ``,``."""
    cells = [list(columns)]
    for row in rows:
        cells.append([_text(row.get(column)) for column in columns])
    widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]
    return "".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        + "\n"
        for line in cells
    )


def _text(value: Any) -> str:
    """A cell: one line per server whatever the description, control characters (an
    escape sequence that would drive the terminal) written as escapes."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return one_line(",".join(value))
    return one_line(" ".join(str(value).split()))


def render(
    rows: Sequence[Mapping[str, Any]], fmt: str, columns: Sequence[str] = exports.COLUMNS
) -> str:
    if fmt == "json":
        return exports.rows_json(rows)
    if fmt == "csv":
        return exports.rows_csv(rows)
    return table(rows, columns)


def run(*, repo: Path, lookups: Sequence[str], fmt: str = "table", rev: str | None = None) -> int:
    parsed = lookups_.forms(lookups)  # a bad lookup fails before the slow load,
    lookups_.bind(parsed, fieldsides.fields_at(repo, rev))  # as does a value its field refuses
    inv = inventory.load(repo, rev, progress=fmt != "json" and sys.stderr.isatty(), cache=True)
    # The inventory lives until exit: keep the collector from rescanning its
    # 100,000s of objects each time the rows below allocate (a third of the time).
    gc.freeze()
    if inv.findings:
        print(
            f"gitinv: warning: the inventory has {len(inv.findings)} problem(s); "
            "servers in invalid files are left out (see gitinv validate)",
            file=sys.stderr,
        )
    bound = lookups_.bind(parsed, inv.fields)
    fields = inv.fields
    servers = inv.servers
    rows = lookups_.select(
        (fields.row(name, servers[name].group, servers[name].fields) for name in sorted(servers)),
        bound,
    )
    sys.stdout.write(render(rows, fmt, [f.name for f in fields.columns]))
    if fmt == "table" and sys.stderr.isatty():
        print(f"{len(rows)} server(s)", file=sys.stderr)
    return 0
