"""What every export starts from: the servers it covers, and addresses in one spelling."""

from __future__ import annotations

import ipaddress
from collections.abc import Collection
from typing import TYPE_CHECKING

from gitinv.errors import GitinvError
from gitinv.models import STATES, is_server_name

if TYPE_CHECKING:
    from gitinv.inventory import Inventory, ServerRecord

#: The states every export but prometheus covers by default.
LIVE: tuple[str, ...] = tuple(state for state in STATES if state != "decommissioned")


def servers(inventory: Inventory, states: Collection[str]) -> list[ServerRecord]:
    """The servers in one of `states`, sorted by name."""
    wanted = set(states)
    return [
        record
        for name in sorted(inventory.servers)
        if (record := inventory.servers[name]).fields["state"] in wanted
    ]


def address(ip: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """The server's address; an IPv4-mapped IPv6 address as the IPv4 address it is."""
    value = ipaddress.ip_address(ip)
    if isinstance(value, ipaddress.IPv6Address) and value.ipv4_mapped is not None:
        return value.ipv4_mapped
    return value


def domain(text: str, option: str) -> str:
    """A DNS domain given on the command line, lowercase and without the final dot."""
    name = text.strip().lower().removesuffix(".")
    if not is_server_name(name):
        raise GitinvError(
            f"{option} {text!r} is not a DNS name; give labels of letters, digits and "
            "hyphens joined by dots, e.g. example.com"
        )
    return name
