"""The inventory as other tools read it: Ansible dynamic inventory, CSV, JSON.

Pure functions of a loaded :class:`~gitinv.inventory.Inventory`; the CLI's
``export`` command, ``query`` and the site build all call these.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from gitinv.models import SERVER_FIELDS

if TYPE_CHECKING:
    from gitinv.inventory import Inventory

#: Column order of the CSV export and of the ``import csv`` header.
COLUMNS: tuple[str, ...] = ("name", "group", *SERVER_FIELDS)

#: Ansible group name prefix for each server field that makes groups.
ANSIBLE_GROUPS: tuple[tuple[str, str], ...] = (
    ("dc", "dc"),
    ("environment", "env"),
    ("group", "group"),
    ("component", "component"),
    ("state", "state"),
    ("tags", "tag"),
)
#: Prefix of host variables: plain names such as ``environment`` or ``tags``
#: are Ansible play keywords and would draw "reserved name" warnings.
HOSTVAR_PREFIX = "gitinv_"
_HOSTVARS = tuple((column, HOSTVAR_PREFIX + column) for column in COLUMNS if column != "name")

# A spreadsheet reads a cell starting with one of these as a formula. Leading
# apostrophes are included so that escaping stays reversible (see below).
_FORMULA = re.compile(r"'*[=+\-@\t\r]")
_RISKY_START = frozenset("'=+-@\t\r")
_ESCAPED = re.compile(r"'+[=+\-@\t\r]")
_GROUP_CHARS = re.compile(r"[^A-Za-z0-9_]")


def server_rows(inventory: Inventory) -> list[dict[str, Any]]:
    """Every valid server as a row (:data:`COLUMNS`), sorted by name."""
    return [inventory.servers[name].as_row() for name in sorted(inventory.servers)]


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


def ansible_json(inventory: Inventory, include_decommissioned: bool = False) -> str:
    """:func:`ansible_inventory` as compact JSON with sorted keys."""
    data = ansible_inventory(inventory, include_decommissioned)
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"


def neutralise(cell: str) -> str:
    """Prefix ``'`` to a cell a spreadsheet would run as a formula.

    Cells matching ``'*[=+-@\\t\\r]`` get one more apostrophe, so
    :func:`unneutralise` restores every cell exactly.
    """
    return "'" + cell if _FORMULA.match(cell) else cell


def unneutralise(cell: str) -> str:
    return cell[1:] if _ESCAPED.match(cell) else cell


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    text = ",".join(map(str, value)) if isinstance(value, list) else str(value)
    # Most cells start with a letter or digit: skip the pattern for those.
    return neutralise(text) if text[:1] in _RISKY_START else text


def rows_csv(rows: Iterable[Mapping[str, Any]]) -> str:
    """CSV text with a header of :data:`COLUMNS`; tags joined by ``,``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([csv_cell(row.get(column)) for column in COLUMNS])
    return out.getvalue()


def servers_csv(inventory: Inventory) -> str:
    return rows_csv(server_rows(inventory))


def ansible_group(prefix: str, value: str) -> str:
    """``dc_fra1``; characters Ansible does not allow in a group name become ``_``."""
    return _GROUP_CHARS.sub("_", f"{prefix}_{value}")


def ansible_inventory(inventory: Inventory, include_decommissioned: bool = False) -> dict[str, Any]:
    """The JSON of an Ansible dynamic inventory script's ``--list``.

    Groups ``dc_*``, ``env_*``, ``group_*``, ``component_*``, ``state_*`` and
    ``tag_*`` are children of ``all``; every host's variables are under
    ``_meta.hostvars``: ``ansible_host`` (the IP) and each field as
    ``gitinv_<field>``. Decommissioned servers are left out unless asked for.
    """
    by_value: dict[tuple[str, str], list[str]] = {}
    hostvars: dict[str, dict[str, Any]] = {}
    for row in server_rows(inventory):
        if row["state"] == "decommissioned" and not include_decommissioned:
            continue
        name = row["name"]
        hostvars[name] = {"ansible_host": row["ip"]} | {
            var: row[column] for column, var in _HOSTVARS
        }
        for key, prefix in ANSIBLE_GROUPS:
            value = row[key]
            for item in value if isinstance(value, list) else (value,):
                by_value.setdefault((prefix, item), []).append(name)
    groups: dict[str, list[str]] = {}
    for (prefix, item), hosts in by_value.items():
        group = ansible_group(prefix, item)
        if group in groups:  # two values that differ only in a character Ansible refuses
            hosts = sorted({*groups[group], *hosts})
        groups[group] = hosts
    result: dict[str, Any] = {"_meta": {"hostvars": hostvars}}
    result["all"] = {"children": sorted(groups)}
    for group in sorted(groups):
        result[group] = {"hosts": groups[group]}
    return result
