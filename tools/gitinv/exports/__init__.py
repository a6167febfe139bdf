"""The inventory as other tools read it. Pure functions of a loaded, valid
:class:`~gitinv.inventory.Inventory`; `gitinv export`, `query` and the site build call them.

Public API::

    KINDS                    # name -> Kind: every export, its formats and the options it takes
    FORMATS                  # every format of some kind (the --format choice)
    render(inv, kind, opts)  # -> Rendered: file name -> text, and notes for stderr

One module a family: tables (CSV, JSON), ansible, prometheus, hostfiles (ssh, hosts),
dns (octoDNS). A new export is a module and one entry of :data:`KINDS`; `given` checks the
command line's options against a kind and writes its files. This module
imports them only when an export runs, so the command line starts fast.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gitinv.inventory import Inventory


@dataclass(frozen=True)
class Options:
    """The export options of the command line; each kind reads the ones it takes."""

    fmt: str = ""
    include_decommissioned: bool = False
    port: int | None = None
    states: tuple[str, ...] = ()
    domain: str | None = None
    zone: str = ""
    reverse: bool = False

    @property
    def live(self) -> tuple[str, ...]:
        """Every state but decommissioned, unless asked for."""
        from .select import LIVE

        return (*LIVE, "decommissioned") if self.include_decommissioned else LIVE


@dataclass
class Rendered:
    """What an export writes: file name → text (one file for most kinds), and notes."""

    files: dict[str, str]
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Kind:
    name: str
    formats: tuple[str, ...]  # the first is the default
    options: frozenset[str]  # which of Options' fields it takes, beyond fmt
    render: Callable[[Inventory, Options], Rendered]


def _one(name: str, text: str) -> Rendered:
    return Rendered({name: text})


def _ansible(inv: Inventory, opts: Options) -> Rendered:
    from .ansible import ansible_json, ansible_yaml

    if opts.fmt == "yaml":
        return _one("inventory.yml", ansible_yaml(inv, opts.include_decommissioned))
    return _one("ansible.json", ansible_json(inv, opts.include_decommissioned))


def _csv(inv: Inventory, opts: Options) -> Rendered:
    from .tables import servers_csv

    return _one("servers.csv", servers_csv(inv))


def _json(inv: Inventory, opts: Options) -> Rendered:
    from .tables import rows_json, servers_json

    return _one("servers.json", rows_json(servers_json(inv)))


def _prometheus(inv: Inventory, opts: Options) -> Rendered:
    from . import prometheus

    port = opts.port if opts.port is not None else prometheus.configured_port(inv)
    states = opts.states or prometheus.DEFAULT_STATES
    return _one("prometheus.json", prometheus.file_sd_json(inv, port, states))


def _ssh_config(inv: Inventory, opts: Options) -> Rendered:
    from .hostfiles import ssh_config

    return _one("ssh_config", ssh_config(inv, opts.live))


def _hosts(inv: Inventory, opts: Options) -> Rendered:
    from .hostfiles import hosts

    return _one("hosts", hosts(inv, opts.domain, opts.live))


def _octodns(inv: Inventory, opts: Options) -> Rendered:
    from . import dns

    zones = dns.forward(inv, opts.zone, opts.live)
    notes = []
    if zones.outside:
        shown = ", ".join(zones.outside[:5]) + (", ..." if len(zones.outside) > 5 else "")
        notes.append(
            f"left out {len(zones.outside)} server(s) whose names lie outside {opts.zone}: {shown}"
        )
    files = {f"{name}yaml": text for name, text in zones.files.items()}
    if opts.reverse:
        files |= {f"{n}yaml": t for n, t in dns.reverse(inv, opts.zone, opts.live).files.items()}
    return Rendered(files, notes)


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind("ansible", ("json", "yaml"), frozenset({"include_decommissioned"}), _ansible),
        Kind("csv", ("csv",), frozenset(), _csv),
        Kind("json", ("json",), frozenset(), _json),
        Kind("prometheus", ("json",), frozenset({"port", "states"}), _prometheus),
        Kind("ssh-config", ("text",), frozenset({"include_decommissioned"}), _ssh_config),
        Kind("hosts", ("text",), frozenset({"include_decommissioned", "domain"}), _hosts),
        Kind(
            "octodns", ("yaml",), frozenset({"include_decommissioned", "zone", "reverse"}), _octodns
        ),
    )
}

#: Every format some kind writes, for the --format choice.
FORMATS: tuple[str, ...] = tuple(dict.fromkeys(f for k in KINDS.values() for f in k.formats))


def render(inventory: Inventory, kind: str, options: Options) -> Rendered:
    return KINDS[kind].render(inventory, options)


def __getattr__(name: str) -> Any:
    """`exports.servers_csv`, `exports.ansible_inventory`, ...: the families' functions
    under this package's name too, imported when first asked for."""
    if not name.startswith("_"):
        for family in ("tables", "ansible"):
            module = importlib.import_module(f"{__name__}.{family}")
            if hasattr(module, name):
                return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
