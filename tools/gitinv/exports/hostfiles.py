"""Files that map names to addresses: an OpenSSH client configuration and /etc/hosts lines."""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import TYPE_CHECKING

from gitinv.errors import GitinvError
from gitinv.models import is_server_name

from .select import LIVE, address, servers

if TYPE_CHECKING:
    from gitinv.inventory import Inventory

# What an address may look like once `ipaddress` has written it: no `%` (ssh expands
# `%h` tokens in HostName), no blank, no `#`.
_ADDRESS_TEXT = re.compile(r"^[0-9a-f.:]+$")


def _checked(name: str, ip: str) -> tuple[str, str]:
    """The name and address as written into a file whose syntax is words on a line.

    A valid inventory only holds DNS names and addresses, which hold none of the
    characters ssh reads as patterns (`*`, `?`, `!`, `,`), quotes, comments or
    tokens (`%`): checked again here so a file can never gain a keyword."""
    try:
        text = str(address(ip))
    except ValueError:
        text = ""
    if not is_server_name(name) or not _ADDRESS_TEXT.fullmatch(text):
        raise GitinvError(
            f"server {name!r} ({ip!r}) cannot be written safely; `gitinv validate` says why",
            exit_code=1,
        )
    return name, text


def ssh_config(inventory: Inventory, states: Collection[str] = LIVE) -> str:
    """One `Host NAME` block with `HostName IP` per server, in name order."""
    lines = ["# OpenSSH client configuration written by `gitinv export ssh-config`"]
    for record in servers(inventory, states):
        name, ip = _checked(record.name, record.fields["ip"])
        lines += ["", f"Host {name}", f"    HostName {ip}"]
    return "\n".join(lines) + "\n"


def hosts(inventory: Inventory, domain: str | None = None, states: Collection[str] = LIVE) -> str:
    """`/etc/hosts` lines `IP NAME [NAME.DOMAIN]`, in name order."""
    lines = ["# hosts(5) lines written by `gitinv export hosts`"]
    for record in servers(inventory, states):
        name, ip = _checked(record.name, record.fields["ip"])
        lines.append(f"{ip}\t{name}\t{name}.{domain}" if domain else f"{ip}\t{name}")
    return "\n".join(lines) + "\n"
