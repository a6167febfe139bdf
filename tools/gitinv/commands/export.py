"""``gitinv export KIND``: the inventory as the file another tool reads (see gitinv.exports)."""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from gitinv import exports, inventory, report
from gitinv.exports.given import Given, options, write

if TYPE_CHECKING:
    from typing_extensions import Unpack

KINDS = tuple(exports.KINDS)


def run(
    *,
    repo: Path,
    kind: str,
    rev: str | None = None,
    output: Path | None = None,
    **given: Unpack[Given],
) -> int:
    opts = options(kind, output, **given)
    inv = inventory.load(repo, rev, progress=sys.stderr.isatty(), cache=True)
    # The inventory lives until exit: keep the collector from rescanning its
    # 100,000s of objects each time the rows below allocate (a third of the time).
    gc.freeze()
    if inv.findings:
        # An export feeds other tools: a partial one would silently drop servers.
        sys.stderr.write(report.render(inv.findings, "text", servers=len(inv.servers)))
        print("gitinv: error: the inventory is invalid; nothing exported", file=sys.stderr)
        return 1
    rendered = exports.render(inv, kind, opts)
    for note in rendered.notes:
        print(f"gitinv: {note}", file=sys.stderr)
    folder = output is not None and kind == "octodns" and (opts.reverse or output.is_dir())
    write(rendered, output, folder)
    return 0
