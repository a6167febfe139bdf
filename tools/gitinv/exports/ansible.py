"""The Ansible inventory: dynamic-inventory JSON (scripts) and a static YAML file.

Both hold the same groups and host variables: groups ``dc_*``, ``env_*``,
``group_*``, ``component_*``, ``state_*`` and ``tag_*`` under ``all``, and per
host ``ansible_host`` (the IP) and each field as ``gitinv_<field>``: the built-in
ones and those fields.yaml declares (an absent one is null, an absent list ``[]``).
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from gitinv.errors import GitinvError
from gitinv.models import REFERENCES

from .select import LIVE, servers
from .yamltext import scalar, value

if TYPE_CHECKING:
    from gitinv.inventory import Inventory

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
_GROUP_CHARS = re.compile(r"[^A-Za-z0-9_]")
_CATALOG_OF = {**REFERENCES, "group": "groups"}

YAML_HEADER = "# Ansible inventory written by `gitinv export ansible --format yaml`"


def ansible_group(prefix: str, value: str) -> str:
    """``dc_fra1``; characters Ansible does not allow in a group name become ``_``."""
    return _GROUP_CHARS.sub("_", f"{prefix}_{value}")


def _where(field: str) -> str:
    catalog = _CATALOG_OF.get(field)
    return f"in inventory/{catalog}.yaml" if catalog else ""


def ansible_inventory(inventory: Inventory, include_decommissioned: bool = False) -> dict[str, Any]:
    """The JSON of an Ansible dynamic inventory script's ``--list``.

    Groups are children of ``all``; every host's variables are under
    ``_meta.hostvars``. Decommissioned servers are left out unless asked for.
    Two entries whose group names are the same once sanitised (``web-app`` and
    ``web_app``) are a GitinvError naming both: merging them would hand one
    group's hosts to the other's plays.
    """
    states = (*LIVE, "decommissioned") if include_decommissioned else LIVE
    by_value: dict[tuple[str, str, str], list[str]] = {}
    hostvars: dict[str, dict[str, Any]] = {}
    as_row = inventory.fields.row
    variables = [(f.name, HOSTVAR_PREFIX + f.name) for f in inventory.fields.columns[1:]]
    for record in servers(inventory, states):
        row = as_row(record.name, record.group, record.fields)
        name = row["name"]
        hostvars[name] = {"ansible_host": row["ip"]} | {
            var: row[column] for column, var in variables
        }
        for field, prefix in ANSIBLE_GROUPS:
            value = row[field]
            for item in value if isinstance(value, list) else (value,):
                by_value.setdefault((field, prefix, item), []).append(name)
    groups: dict[str, list[str]] = {}
    source: dict[str, tuple[str, str]] = {}
    for (field, prefix, item), hosts in sorted(by_value.items()):
        group = ansible_group(prefix, item)
        if group in source:
            other = source[group][1]
            raise GitinvError(
                f"{field} `{other}` and {field} `{item}` both become the Ansible group "
                f"`{group}` (Ansible allows only letters, digits and _ in group names); "
                f"rename one of them {_where(field)}".rstrip(),
                exit_code=1,
            )
        source[group] = (field, item)
        groups[group] = hosts
    result: dict[str, Any] = {"_meta": {"hostvars": hostvars}}
    result["all"] = {"children": sorted(groups)}
    for group in sorted(groups):
        result[group] = {"hosts": groups[group]}
    return result


def ansible_json(inventory: Inventory, include_decommissioned: bool = False) -> str:
    """:func:`ansible_inventory` as compact JSON with sorted keys."""
    data = ansible_inventory(inventory, include_decommissioned)
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"


def ansible_yaml(inventory: Inventory, include_decommissioned: bool = False) -> str:
    """The same inventory as a static YAML file that Ansible's `yaml` plugin reads.

    Each group under ``all.children`` lists its hosts; every host and its variables
    are under ``all.hosts``. Keys in sorted order, one value a line."""
    data = ansible_inventory(inventory, include_decommissioned)
    hostvars: dict[str, dict[str, Any]] = data.pop("_meta")["hostvars"]
    del data["all"]
    lines = [YAML_HEADER, "all:" if data or hostvars else "all: {}"]
    if data:
        lines.append("  children:")
        for group in sorted(data):
            lines += [f"    {scalar(group)}:", "      hosts:"]
            lines += [f"        {scalar(host)}: {{}}" for host in data[group]["hosts"]]
    if hostvars:
        lines.append("  hosts:")
        for host in sorted(hostvars):
            lines.append(f"    {scalar(host)}:")
            variables = hostvars[host]
            lines += [f"      {key}: {value(variables[key])}" for key in sorted(variables)]
    return "\n".join(lines) + "\n"
