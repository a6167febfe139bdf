"""DNS zones as octoDNS's YamlProvider reads them: A/AAAA records, and PTR records.

A server name with a dot is fully qualified, as a resolver reads it (resolv.conf's
default `ndots:1`): it belongs to the zone when it ends with it. A name of one label
is relative to the zone. So `web01` and `web01.example.com` are both `web01` in
`example.com`, and `db01.example.org` is outside it.

Reverse zones follow the datacenters' prefixes, cut at the nearest boundary DNS
can delegate at (8 bits for IPv4, down to a /24 at most; 4 bits for IPv6); a zone
inside another one is folded into it.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from gitinv.errors import GitinvError

from .select import LIVE, address, servers
from .yamltext import scalar

if TYPE_CHECKING:
    from gitinv.inventory import Inventory

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_DIGITS = re.compile(r"(\d+)")
_HEADER = "# octoDNS zone written by `gitinv export octodns`"


@dataclass
class Zones:
    """Zone name (with its final dot) → the YAML of its records, and what was left out."""

    files: dict[str, str] = field(default_factory=dict)
    outside: list[str] = field(default_factory=list)


def natural_key(name: str) -> tuple[list[str | int], str]:
    """octoDNS's default record order (natsort's): digit runs compare as numbers."""
    parts: list[str | int] = [
        int(part) if i % 2 else part for i, part in enumerate(_DIGITS.split(name))
    ]
    return parts, name


def zone_yaml(records: dict[str, dict[str, str]]) -> str:
    """The records in octoDNS's order; each record's keys are in its order already."""
    lines = [_HEADER, "---" if records else "--- {}"]
    for name in sorted(records, key=natural_key):
        lines.append(f"{scalar(name)}:")
        lines += [f"  {key}: {scalar(text)}" for key, text in records[name].items()]
    return "\n".join(lines) + "\n"


def relative_name(name: str, zone: str) -> str | None:
    """The record name of server `name` in `zone`, or None when it lies outside."""
    if name == zone:
        return ""
    if name.endswith(f".{zone}"):
        return name[: -len(zone) - 1]
    return None if "." in name else name


def fqdn(name: str, zone: str) -> str:
    return f"{name}." if "." in name else f"{name}.{zone}."


def forward(inventory: Inventory, zone: str, states: Collection[str] = LIVE) -> Zones:
    """The A/AAAA records of the servers in `zone` (given without its final dot)."""
    records: dict[str, dict[str, str]] = {}
    result = Zones()
    for record in servers(inventory, states):
        relative = relative_name(record.name, zone)
        if relative is None:
            result.outside.append(record.name)
            continue
        value = address(record.fields["ip"])
        records[relative] = {"type": "A" if value.version == 4 else "AAAA", "value": str(value)}
    result.files[f"{zone}."] = zone_yaml(records)
    return result


def reverse_network(prefix: str) -> Network:
    """The network of the reverse zone that holds `prefix`'s PTR records."""
    net = ipaddress.ip_network(prefix)
    step, widest, longest = (8, 8, 24) if net.version == 4 else (4, 4, 124)
    if net.prefixlen < widest:
        raise GitinvError(
            f"prefix {prefix} is wider than /{widest}: give its datacenter narrower prefixes "
            "for reverse zones",
            exit_code=1,
        )
    return net.supernet(new_prefix=min(net.prefixlen - net.prefixlen % step, longest))


def reverse_zone_name(net: Network) -> str:
    if net.version == 4:
        octets = str(net.network_address).split(".")[: net.prefixlen // 8]
        return ".".join(reversed(octets)) + ".in-addr.arpa."
    nibbles = net.network_address.exploded.replace(":", "")[: net.prefixlen // 4]
    return ".".join(reversed(nibbles)) + ".ip6.arpa."


def reverse_networks(inventory: Inventory) -> list[Network]:
    """The reverse zones of every datacenter's prefixes, each once, none inside another."""
    found = {
        reverse_network(prefix)
        for attrs in inventory.catalogs.get("datacenters", {}).values()
        for prefix in attrs.get("prefixes", [])
    }
    kept: list[Network] = []
    for net in sorted(found, key=lambda n: (n.version, n.prefixlen, int(n.network_address))):
        if not any(k.version == net.version and net.subnet_of(k) for k in kept):  # type: ignore[arg-type]
            kept.append(net)
    return sorted(kept, key=lambda n: (n.version, int(n.network_address)))


def reverse(inventory: Inventory, zone: str, states: Collection[str] = LIVE) -> Zones:
    """A PTR record for every server whose address lies in a reverse zone, pointing at
    its name (in `zone` when it is one label)."""
    nets = reverse_networks(inventory)
    records: dict[Network, dict[str, dict[str, str]]] = {net: {} for net in nets}
    for record in servers(inventory, states):
        value = address(record.fields["ip"])
        for net in nets:
            if value in net:
                pointer = value.reverse_pointer
                relative = pointer[: -len(reverse_zone_name(net))]
                records[net][relative] = {"type": "PTR", "value": fqdn(record.name, zone)}
                break
    return Zones({reverse_zone_name(net): zone_yaml(records[net]) for net in nets})
