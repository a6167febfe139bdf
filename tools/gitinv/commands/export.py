"""``gitinv export ansible|csv|json``: the inventory for other tools."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from gitinv import exports, inventory, report

KINDS = ("ansible", "csv", "json")


def render(inv: inventory.Inventory, kind: str, include_decommissioned: bool = False) -> str:
    if kind == "ansible":
        data = exports.ansible_inventory(inv, include_decommissioned=include_decommissioned)
        return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if kind == "csv":
        return exports.servers_csv(inv)
    servers = exports.servers_json(inv)
    return (
        json.dumps({"count": len(servers), "results": servers}, indent=2, ensure_ascii=False) + "\n"
    )


def run(
    *,
    repo: Path,
    kind: str,
    include_decommissioned: bool = False,
    rev: str | None = None,
    output: Path | None = None,
) -> int:
    inv = inventory.load(repo, rev, progress=sys.stderr.isatty())
    if inv.findings:
        # An export feeds other tools: a partial one would silently drop servers.
        sys.stderr.write(report.render(inv.findings, "text", servers=len(inv.servers)))
        print("gitinv: error: the inventory is invalid; nothing exported", file=sys.stderr)
        return 1
    text = render(inv, kind, include_decommissioned)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8", newline="")
    return 0
