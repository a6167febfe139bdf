"""The lowest free addresses of a datacenter's prefixes or of a network.

Free means: a usable address of the network (not an IPv4 network's network or
broadcast address, not an IPv6 subnet's all-zero subnet-router anycast address)
that no server on the main branch has and no open request claims.

Public API::

    usable(net)                   # (first, last) usable address of a network, as integers
    free(nets, taken, count)      # the `count` lowest free addresses across `nets`
    claimed_by_open_requests(...) # address -> the request claiming it: the one switch
                                  #   point for where open requests come from
    next_free(root, target, count, main)  # -> Allocation, for `gitinv ip next`
    resolving_next(root, main, action, updates)  # `request add --set ip=next`
"""

from __future__ import annotations

import fcntl
import ipaddress
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gitinv import forge, git, inventory, ipkey, remote, requests_host
from gitinv.errors import GitinvError
from gitinv.ipkey import IPKey

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
LOCK = "gitinv/ip-next.lock"


@dataclass(frozen=True)
class Main:
    """The main branch that addresses are taken from, and the remote its requests are on."""

    ref: str
    sha: str
    remote: str | None

    @classmethod
    def current(cls, root: Path) -> Main:
        """The up-to-date main branch: the remote's (fetched first) when there is one."""
        origin = remote.default_remote(root)
        if origin:
            git.fetch(root, origin)
        ref = remote.main_ref(root, origin, remote.main_branch(root))
        return cls(ref, git.resolve_commit(root, ref), origin)


@dataclass(frozen=True)
class Allocation:
    target: str
    networks: list[Network]
    addresses: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "networks": [str(n) for n in self.networks],
            "addresses": self.addresses,
        }


def render_text(found: Allocation) -> str:
    """One address a line."""
    return "".join(f"{address}\n" for address in found.addresses)


def render_json(found: Allocation) -> str:
    return json.dumps(found.as_dict(), indent=2) + "\n"


REPORTERS: dict[str, Callable[[Allocation], str]] = {"text": render_text, "json": render_json}


def usable(net: Network) -> tuple[int, int]:
    """The first and last address a server may have in `net`.

    IPv4 leaves out the network and broadcast addresses, except in a /31 (RFC 3021)
    or /32; IPv6 leaves out the subnet-router anycast address (the all-zero host,
    RFC 4291), except in a /127 (RFC 6164) or /128."""
    first, last = int(net.network_address), int(net.broadcast_address)
    if net.version == 4 and net.prefixlen <= 30:
        return first + 1, last - 1
    if net.version == 6 and net.prefixlen <= 126:
        return first + 1, last
    return first, last


def free(nets: Iterable[Network], taken: set[IPKey], count: int) -> list[str]:
    """The `count` lowest free addresses, IPv4 before IPv6 (or fewer, when that is all)."""
    found: list[str] = []
    picked: set[IPKey] = set()
    for net in sorted(nets, key=lambda n: (n.version, int(n.network_address), n.prefixlen)):
        first, last = usable(net)
        used = sorted(
            value
            for version, value in taken | picked
            if version == net.version and first <= value <= last
        )
        current = first
        for value in [*used, last + 1]:
            while current < value and len(found) < count:
                found.append(str(ipkey.address((net.version, current))))
                picked.add((net.version, current))
                current += 1
            if len(found) == count:
                return found
            current = max(current, value + 1)
    return found


def claimed_by_open_requests(root: Path, main: Main) -> dict[IPKey, str]:
    """Every address an open request's servers have, and the request's branch.

    Open requests are what `gitinv request` refuses to clash with: given a code-host
    token, the requests the host lists as open (a fork's too, read from their refs)
    and local `request/*` branches not pushed yet; without one, the remote's branches
    not merged into main and those local branches. This is the one place that says so."""
    host = forge.try_connect(root)
    with host if host is not None else nullcontext():
        branches, _ = requests_host.open_branches(root, main.ref, main.sha, main.remote, host)
    claims: dict[IPKey, str] = {}
    for branch in branches:
        for change in branch.diff.changes:
            ip = (change.new or {}).get("ip") if change.kind == "server" else None
            key = ipkey.key_or_none(ip)
            if key is not None:  # not an address: the request's own checks say so
                claims.setdefault(key, branch.name)
    return claims


def networks_of(inv: inventory.Inventory, target: str) -> list[Network]:
    """A datacenter's prefixes, or the network TARGET (CIDR) itself."""
    if "/" in target:
        try:
            return [ipaddress.ip_network(target)]
        except ValueError as exc:
            raise GitinvError(
                f"`{target}` is not a network in CIDR form ({exc}); write it like 10.1.0.0/24"
            ) from None
    datacenters = inv.catalogs.get("datacenters", {})
    if target not in datacenters:
        known = ", ".join(sorted(datacenters)) or "none"
        raise GitinvError(
            f"no datacenter `{target}` in inventory/datacenters.yaml on the main branch "
            f"(there: {known}); give a datacenter or a network such as 10.1.0.0/24"
        )
    prefixes = datacenters[target].get("prefixes") or []
    if not prefixes:
        raise GitinvError(
            f"datacenter `{target}` has no prefixes in inventory/datacenters.yaml; add them, "
            "or give a network such as 10.1.0.0/24",
            exit_code=1,
        )
    return [ipaddress.ip_network(p) for p in prefixes]


def next_free(root: Path, target: str, count: int, main: Main) -> Allocation:
    """The `count` lowest free addresses of TARGET (a datacenter or a network)."""
    inv = inventory.load(root, rev=main.sha, progress=sys.stderr.isatty(), cache=True)
    if inv.findings:
        raise GitinvError(
            f"the main branch ({main.ref}) is invalid: `gitinv validate --rev {main.sha[:12]}` "
            "lists its problems; fix them before taking addresses from it",
            exit_code=1,
        )
    nets = networks_of(inv, target)
    taken = {r.ip_key for r in inv.servers.values() if r.ip_key is not None}
    taken |= set(claimed_by_open_requests(root, main))
    found = free(nets, taken, count)
    if len(found) < count:
        where = ", ".join(str(n) for n in nets)
        total = sum(last - first + 1 for first, last in map(usable, nets))
        raise GitinvError(
            f"{len(found) or 'no'} address(es) free in {where}, {count} asked ({total} usable, "
            f"{total - len(found)} used on the main branch or claimed by an open request)",
            exit_code=1,
        )
    return Allocation(target, nets, found)


@contextmanager
def _locked(root: Path) -> Iterator[None]:
    """One `ip=next` request at a time in this repository (all its worktrees)."""
    path = git.common_dir(root) / LOCK
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print("gitinv: waiting for another request taking an address", file=sys.stderr)
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def resolving_next(
    root: Path, main: Main, action: str, updates: dict[str, Any]
) -> Iterator[dict[str, Any]]:
    """`updates` with `ip=next` replaced by the lowest free address of its `dc`.

    The address is taken under a lock held until the block ends: the request's
    branch exists before a second request made at the same time looks for one.
    Without `ip=next`, `updates` as they are and no lock."""
    if updates.get("ip") != "next":
        yield updates
        return
    dc = updates.get("dc")
    if action != "add" or not isinstance(dc, str):
        raise GitinvError(
            "--set ip=next takes the next free address of the server's datacenter: use it "
            "with `request add` and --set dc=DC (or look one up with `gitinv ip next DC`)"
        )
    with _locked(root):
        address = next_free(root, dc, 1, main).addresses[0]
        yield {**updates, "ip": address}
