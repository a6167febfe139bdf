"""When two IP addresses are the same address: the one key, written once.

Public API::

    key(text) -> IPKey                 # ValueError when `text` is not an address
    key_or_none(value) -> IPKey | None # None for anything that is not an address
    address(key) -> IPv4Address | IPv6Address
    IPKey                              # (version, integer)

An IPv4-mapped IPv6 address (::ffff:10.0.0.1) is the same as its IPv4 address, and
an address is the same however it is written (2001:db8::1, 2001:DB8:0::1). The
unique-IP rule, the queue's and `request`'s clashes, `ip next` and `query`'s `ip`
lookups all compare addresses through here.
"""

from __future__ import annotations

import ipaddress
import socket

IPKey = tuple[int, int]  # (version, integer): one address however it is written


def key(text: str) -> IPKey:
    """The key of an address; ValueError when `text` is not one.

    inet_pton first: it is much faster than `ipaddress` for the addresses a valid
    inventory holds; `ipaddress` decides the rest (a scope id, say)."""
    try:
        if ":" not in text:
            return 4, int.from_bytes(socket.inet_pton(socket.AF_INET, text), "big")
        value = int.from_bytes(socket.inet_pton(socket.AF_INET6, text), "big")
        if value >> 32 == 0xFFFF:
            return 4, value & 0xFFFFFFFF
        return 6, value
    except OSError:
        pass
    addr = ipaddress.ip_address(text)
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    return addr.version, int(addr)


def key_or_none(value: object) -> IPKey | None:
    """The key of `value` when it is an address (surrounding blanks ignored), else None."""
    if not isinstance(value, str):
        return None
    try:
        return key(value.strip())
    except ValueError:
        return None


def address(k: IPKey) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    return ipaddress.IPv4Address(k[1]) if k[0] == 4 else ipaddress.IPv6Address(k[1])
