"""inventory/settings.yaml outside `validate`, and the name of the main branch.

Public API::

    read_settings(root) -> dict        # the working tree's settings.yaml as plain data
    settings_of(data) -> dict          # the same of settings.yaml's bytes
    branch_of(settings) -> str         # `branch:`, else the model's default ("main")

`validate` reads settings.yaml with the other inventory files (`inventory.load`,
every problem a finding); every other reader comes here. The main branch's name
and where it is are `remote`'s (`remote.main_branch`, `remote.main_ref`): which
settings.yaml names it depends on the remote.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gitinv.changes import NotText, parse
from gitinv.layout import SETTINGS_FILE
from gitinv.source import read_limited

DEFAULT_BRANCH = "main"  # without `branch:` (the model's default too)


def read_settings(root: Path) -> dict[str, Any]:
    """inventory/settings.yaml of the working tree as plain data: its text values (one
    YAML reads as a number or boolean is left out: validate reports it); {} without one."""
    path = root / SETTINGS_FILE
    if path.is_file() and not path.is_symlink():
        try:
            return settings_of(read_limited(path))
        except OSError:
            return {}  # validate says why; the defaults serve meanwhile
    return {}


def settings_of(data: bytes) -> dict[str, Any]:
    """settings.yaml's bytes as plain data, as `read_settings` gives them."""
    found = parse(data)
    if isinstance(found, dict):
        return {k: v for k, v in found.items() if not isinstance(v, NotText)}
    return {}


def branch_of(settings: Mapping[str, Any]) -> str:
    branch = settings.get("branch")
    return branch if isinstance(branch, str) and branch else DEFAULT_BRANCH
