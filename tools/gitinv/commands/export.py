"""``gitinv export ansible|csv|json``: the inventory for other tools."""

from __future__ import annotations

import gc
import sys
from pathlib import Path

from gitinv import exports, inventory, report

KINDS = ("ansible", "csv", "json")


def render(inv: inventory.Inventory, kind: str, include_decommissioned: bool = False) -> str:
    if kind == "ansible":
        return exports.ansible_json(inv, include_decommissioned)
    if kind == "csv":
        return exports.servers_csv(inv)
    return exports.rows_json(exports.servers_json(inv))


def run(
    *,
    repo: Path,
    kind: str,
    include_decommissioned: bool = False,
    rev: str | None = None,
    output: Path | None = None,
) -> int:
    inv = inventory.load(repo, rev, progress=sys.stderr.isatty())
    # The inventory lives until exit: keep the collector from rescanning its
    # 100,000s of objects each time the rows below allocate (a third of the time).
    gc.freeze()
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
