"""``gitinv ip next DC|CIDR``: the lowest free addresses (see gitinv.ipnext)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from gitinv import ipnext


def run(*, repo: Path, target: str, count: int = 1, fmt: str = "text") -> int:
    main = ipnext.Main.current(repo)
    found = ipnext.next_free(repo, target, count, main)
    if fmt == "json":
        sys.stdout.write(json.dumps(found.as_dict(), indent=2) + "\n")
    else:
        sys.stdout.write("".join(f"{address}\n" for address in found.addresses))
    return 0
