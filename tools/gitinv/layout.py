"""Where each file of an inventory lives: the path layout, written once.

Public API::

    server_path(group, name) -> str        # inventory/servers/<group>/<name>.yaml
    group_folder(group) -> str             # inventory/servers/<group>
    server_of(path) -> (group, name) | None   # a path shaped like a server file's
    split_server_path(path) -> (group, name) | str   # ... with valid names, else why not
    names_of(paths) -> list[str]           # the server names of well-placed server paths
    classify(path) -> ("server", group, name) | (catalog, "settings" or "fields", None, None) | None
    is_server_name(name), is_entry_name(name)   # a server's name; an entry's or a group's
    INVENTORY, SERVERS_DIR, SETTINGS_FILE, FIELDS_FILE, CATALOGS, CATALOG_FILES
"""

from __future__ import annotations

import re
from collections.abc import Iterable

INVENTORY = "inventory"
SERVERS_DIR = f"{INVENTORY}/servers"
SETTINGS_FILE = f"{INVENTORY}/settings.yaml"
FIELDS_FILE = f"{INVENTORY}/fields.yaml"
# The six catalogs, in the order they are documented (models.CATALOGS: their models).
CATALOGS = ("components", "datacenters", "environments", "types", "tags", "groups")
CATALOG_FILES = {f"{INVENTORY}/{stem}.yaml": stem for stem in CATALOGS}

# A catalog entry's name, a group's folder; a server's name, its file's stem.
NAME_PATTERN = r"^[a-z0-9]([a-z0-9_-]*[a-z0-9])?$"
DNS_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
SERVER_NAME_PATTERN = rf"^{DNS_LABEL}(?:\.{DNS_LABEL})*$"
SERVER_NAME_MAX = 253
_NAME_RE = re.compile(NAME_PATTERN)
_SERVER_NAME_RE = re.compile(SERVER_NAME_PATTERN)
SETTINGS = "settings"
FIELDS = "fields"  # inventory/fields.yaml, compared like a catalog: an entry a field
_SUFFIX = ".yaml"


# fullmatch: with `match`, `$` also matches before a final newline (`web01\n`).
def is_entry_name(name: str) -> bool:
    return bool(_NAME_RE.fullmatch(name))


def is_server_name(name: str) -> bool:
    return len(name) <= SERVER_NAME_MAX and bool(_SERVER_NAME_RE.fullmatch(name))


def server_path(group: str, name: str) -> str:
    return f"{SERVERS_DIR}/{group}/{name}{_SUFFIX}"


def group_folder(group: str) -> str:
    return f"{SERVERS_DIR}/{group}"


def server_of(path: str) -> tuple[str, str] | None:
    """(group, name) when `path` has the shape of a server file, names unchecked."""
    parts = path.split("/")
    if (
        len(parts) == 4
        and parts[0] == INVENTORY
        and parts[1] == "servers"
        and parts[3].endswith(_SUFFIX)
    ):
        return parts[2], parts[3][: -len(_SUFFIX)]
    return None


def split_server_path(path: str) -> tuple[str, str] | str:
    """(group, name) of a well-placed server file, else what is wrong with its path."""
    if path.count("/") != 3:
        return "a server file must be inventory/servers/<group>/<name>.yaml; move it there"
    if not path.endswith(_SUFFIX):
        return "a server file must end in .yaml (not .yml or another ending); rename it"
    where = server_of(path)
    if where is None:
        return "a server file must be inventory/servers/<group>/<name>.yaml; move it there"
    group, name = where
    if not is_server_name(name):
        return (
            f"`{name}` is not a valid server name: lowercase letters, digits and hyphens "
            "in dot-separated labels of at most 63 characters; rename the file"
        )
    if not is_entry_name(group):
        return f"folder `{group}` is not a valid group name; use a group from groups.yaml"
    return group, name


def names_of(paths: Iterable[str]) -> list[str]:
    """The server names of paths `split_server_path` accepted (one pass, no checks: a
    cache holds hundreds of thousands)."""
    cut = -len(_SUFFIX)
    return [p[p.rindex("/") + 1 : cut] for p in paths]


def classify(path: str) -> tuple[str, str | None, str | None] | None:
    """("server", group, name), (catalog, None, None), ("settings", ...) or None."""
    where = server_of(path)
    if where is not None:
        return "server", where[0], where[1]
    if path in CATALOG_FILES:
        return CATALOG_FILES[path], None, None
    if path == SETTINGS_FILE:
        return SETTINGS, None, None
    if path == FIELDS_FILE:
        return FIELDS, None, None
    return None
