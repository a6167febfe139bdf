"""Whole-inventory rules: references, unique names and IPs, IPs inside their datacenter.

`Rules.check_server` holds the rules that need only one server and the catalogs; it
runs in the loading workers. `unique` holds the rules across servers.
"""

from __future__ import annotations

import difflib
import ipaddress
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol

from gitinv import ipkey
from gitinv.ipkey import IPKey
from gitinv.models import REFERENCES
from gitinv.report import Finding

SHOW_ALL = 12  # a catalog this small is listed whole in an unknown-ref hint
# The bounds of the close matches a hint looks for, each costing a comparison with every
# candidate: the entries compared (those starting as the value does, in a larger
# catalog), and the references of one file that get one (later ones get the short hint).
CLOSE_CANDIDATES = 1000
CLOSE_PER_FILE = 10
# A datacenter's prefixes an ip-outside-dc message lists (those of the IP's version).
PREFIXES_SHOWN = 5


class Server(Protocol):
    """What the rules read of a server: an `inventory.Server`."""

    @property
    def name(self) -> str: ...
    @property
    def group(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def fields(self) -> dict[str, Any]: ...
    @property
    def ip_key(self) -> IPKey | None: ...
    def pos(self, key: str) -> tuple[int, int]: ...


class Rules:
    """The per-server rules that need the catalogs."""

    def __init__(self, catalogs: dict[str, dict[str, dict[str, Any]]], broken: set[str]) -> None:
        self.catalogs = catalogs
        self.broken = broken
        self.ranges: dict[str, list[tuple[int, int, int, str]]] = {}
        self._suggestions: dict[tuple[str, str], str] = {}
        if "datacenters" not in broken:
            for name, attrs in catalogs["datacenters"].items():
                nets = [ipaddress.ip_network(p) for p in attrs.get("prefixes", [])]
                self.ranges[name] = [
                    (n.version, int(n.network_address), int(n.broadcast_address), str(n))
                    for n in nets
                ]

    def suggest(self, catalog: str, value: str) -> str:
        """What to write instead: the closest entries, or all of them when there are few."""
        key = (catalog, value)
        if key not in self._suggestions:
            entries = sorted(self.catalogs[catalog])
            candidates = entries
            if len(entries) > CLOSE_CANDIDATES:
                candidates = [e for e in entries if e[:1] == value[:1]][:CLOSE_CANDIDATES]
            close = difflib.get_close_matches(value, candidates, n=3)
            add = f"add `{value}` to {catalog}.yaml"
            if close:
                hint = f"did you mean {_listed(close)}? (or {add})"
            elif entries and len(entries) <= SHOW_ALL:
                hint = f"use one of {_listed(entries)}, or {add}"
            else:
                hint = f"use an existing entry or {add}"
            self._suggestions[key] = hint
        return self._suggestions[key]

    def check_server(self, r: Server) -> list[Finding]:
        return self.check_group(r) + self.check_fields(r)

    def check_group(self, r: Server) -> list[Finding]:
        if "groups" in self.broken or r.group in self.catalogs["groups"]:
            return []
        return [
            Finding(
                r.path,
                1,
                1,
                "unknown-ref",
                f"group `{r.group}` (the folder) is not in groups.yaml; "
                "add it there or move the file to an existing group's folder",
            )
        ]

    def check_fields(self, r: Server) -> list[Finding]:
        """References and the IP's datacenter: the rules that need the fields alone."""
        out: list[Finding] = []
        for key, catalog in REFERENCES.items():
            if catalog in self.broken or key not in r.fields:
                continue
            entries = self.catalogs[catalog]
            values = r.fields[key] if key == "tags" else [r.fields[key]]
            for i, value in enumerate(values):
                if value not in entries:
                    where = f"tags.{i}" if key == "tags" else key
                    hint = (
                        self.suggest(catalog, value)
                        if len(out) < CLOSE_PER_FILE
                        else f"use an existing entry or add `{value}` to {catalog}.yaml"
                    )
                    out.append(
                        Finding(
                            r.path,
                            *r.pos(where),
                            "unknown-ref",
                            f"`{key}: {value}` is not in {catalog}.yaml; {hint}",
                        )
                    )
        ranges = self.ranges.get(r.fields.get("dc", ""))
        if ranges and r.ip_key is not None:
            version, value = r.ip_key
            if not any(v == version and lo <= value <= hi for v, lo, hi, _ in ranges):
                same = [t for v, *_, t in ranges if v == version]
                shown = same[:PREFIXES_SHOWN]
                if len(same) > len(shown):
                    shown.append(f"and {len(same) - len(shown):,} more")
                listed = (
                    f"IPv{version} prefixes ({', '.join(shown)})"
                    if same
                    else f"prefixes, none of them IPv{version}"
                )
                out.append(
                    Finding(
                        r.path,
                        *r.pos("ip"),
                        "ip-outside-dc",
                        f"IP {r.fields['ip']} is outside datacenter `{r.fields['dc']}`'s "
                        f"{listed}; fix the IP or the dc",
                    )
                )
        return out


def _listed(names: list[str]) -> str:
    quoted = [f"`{n}`" for n in names]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"


def _others(paths: Iterable[str], me: str) -> str:
    return ", ".join(p for p in sorted(paths) if p != me)


def _each(
    owners: Sequence[Server],
    code: str,
    where: Callable[[Server], tuple[int, int]],
    claim: str,
    advice: str,
) -> list[Finding]:
    """A duplicate is reported on every file involved, each naming the others."""
    if len(owners) < 2:
        return []
    paths = [o.path for o in owners]
    return [
        Finding(o.path, *where(o), code, f"{claim} {_others(paths, o.path)}; {advice}")
        for o in owners
    ]


def clashes(names: list[str], keys: Iterable[IPKey | None]) -> tuple[set[str], set[IPKey]]:
    """The names and the IP keys held more than once (counted at C speed: most
    inventories have none)."""
    dup_names: set[str] = set()
    if len(set(names)) != len(names):
        dup_names = {n for n, count in Counter(names).items() if count > 1}
    present = [k for k in keys if k is not None]
    dup_keys: set[IPKey] = set()
    if len(set(present)) != len(present):
        dup_keys = {k for k, count in Counter(present).items() if count > 1}
    return dup_names, dup_keys


def unique(records: Sequence[Server]) -> list[Finding]:
    """Names unique across groups, IPs unique after normalisation: each file involved reported."""
    dup_names, dup_keys = clashes([r.name for r in records], [r.ip_key for r in records])
    if not dup_names and not dup_keys:
        return []
    by_name: dict[str, list[Server]] = defaultdict(list)
    by_ip: dict[IPKey, list[Server]] = defaultdict(list)
    for r in records:
        if r.name in dup_names:
            by_name[r.name].append(r)
        if r.ip_key in dup_keys:
            by_ip[r.ip_key].append(r)
    out: list[Finding] = []
    for name, owners in by_name.items():
        out.extend(
            _each(
                owners,
                "duplicate-name",
                lambda o: (1, 1),
                f"server name `{name}` is also used by",
                "names are unique across groups: rename or remove one",
            )
        )
    for key, owners in by_ip.items():
        out.extend(
            _each(
                owners,
                "duplicate-ip",
                lambda o: o.pos("ip"),
                f"IP {ipkey.address(key)} is also used by",
                "each server needs its own address",
            )
        )
    return out
