#!/usr/bin/env python3
"""Ansible dynamic inventory of this repository's servers.

    ANSIBLE_INVENTORY_UNPARSED_FAILED=1 ansible-inventory -i tools/ansible_inventory.py --graph
    ansible -i tools/ansible_inventory.py env_production -m ping

Same JSON as ``gitinv export ansible``. Environment: GITINV_REPO (the
inventory repository; default: the one holding this script), GITINV_REV (a git
revision instead of the working tree), GITINV_INCLUDE_DECOMMISSIONED=1.
Run it with a Python that has gitinv's dependencies (the project's venv); any
other Python gets one line saying so and exit status 1.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # tools/gitinv, when gitinv is not installed


def main(argv: list[str]) -> int:
    try:
        from gitinv.commands import export
        from gitinv.errors import GitinvError
    except ImportError as exc:
        # Ansible shows only the script's stderr: one line that says what to do.
        print(
            f"ansible_inventory.py: error: cannot import gitinv with {sys.executable} ({exc}); "
            "run Ansible from the project's venv (make demo creates .venv) or install "
            "gitinv for this Python",
            file=sys.stderr,
        )
        return 1
    if argv[:1] == ["--host"] and len(argv) == 2:
        print("{}")  # every host's variables are in --list's _meta
        return 0
    if argv != ["--list"]:
        print("usage: ansible_inventory.py --list | --host NAME", file=sys.stderr)
        return 2
    try:
        return export.run(
            repo=Path(os.environ.get("GITINV_REPO") or HERE.parent),
            kind="ansible",
            include_decommissioned=os.environ.get("GITINV_INCLUDE_DECOMMISSIONED", "0") != "0",
            rev=os.environ.get("GITINV_REV") or None,
        )
    except GitinvError as exc:
        print(f"gitinv: error: {exc}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
