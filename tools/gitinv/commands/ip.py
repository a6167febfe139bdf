"""``gitinv ip next DC|CIDR``: the lowest free addresses (see gitinv.ipnext)."""

from __future__ import annotations

import sys
from pathlib import Path

from gitinv import ipnext


def run(*, repo: Path, target: str, count: int = 1, fmt: str = "text") -> int:
    main = ipnext.Main.current(repo)
    found = ipnext.next_free(repo, target, count, main)
    sys.stdout.write(ipnext.REPORTERS[fmt](found))
    return 0
