"""Prometheus service discovery: the JSON that `file_sd_configs` and `http_sd_configs` read.

``[{"targets": ["IP:PORT"], "labels": {...}}, ...]``, one target group a server,
in name order; an IPv6 address is bracketed (``[2001:db8::1]:9100``).
"""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from gitinv.models import Settings

from .select import address, servers

if TYPE_CHECKING:
    from gitinv.inventory import Inventory

DEFAULT_STATES: tuple[str, ...] = ("active",)
#: The server fields that become labels, in this order; `name` and `group` first.
LABELS: tuple[str, ...] = ("name", "group", "dc", "environment", "component", "type", "state")


def configured_port(inventory: Inventory) -> int:
    """`exports.prometheus.port` of settings.yaml, else 9100."""
    return Settings.model_validate(inventory.settings).exports.prometheus.port


def target(ip: str, port: int) -> str:
    value = address(ip)
    return f"[{value}]:{port}" if value.version == 6 else f"{value}:{port}"


def target_groups(
    inventory: Inventory, port: int, states: Collection[str] = DEFAULT_STATES
) -> list[dict[str, Any]]:
    """One target group a server in `states`, labelled with its fields.

    `tags` is one label, the tags joined by `,` with a `,` at each end
    (`,backup,pci,`), so `tags=~".*,pci,.*"` selects a tag, as Prometheus'
    own discoveries write tags. A field without a value has no label: to
    Prometheus an empty label is no label."""
    groups = []
    as_row = inventory.fields.row
    for record in servers(inventory, states):
        row = as_row(record.name, record.group, record.fields)
        labels = {key: row[key] for key in LABELS if row[key] is not None}
        if row["tags"]:
            labels["tags"] = "," + ",".join(row["tags"]) + ","
        groups.append({"targets": [target(row["ip"], port)], "labels": labels})
    return groups


def file_sd_json(inventory: Inventory, port: int, states: Collection[str] = DEFAULT_STATES) -> str:
    """:func:`target_groups` as JSON, one target group a line, keys sorted."""
    groups = target_groups(inventory, port, states)
    if not groups:
        return "[]\n"
    lines = ",\n".join(json.dumps(g, sort_keys=True, ensure_ascii=False) for g in groups)
    return f"[\n{lines}\n]\n"
