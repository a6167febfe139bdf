"""The JSON API documents of `api/v1/`, as plain values keyed by their path there."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Collection, Iterable, Iterator
from typing import Any

import orjson

from gitinv import lookups, records
from gitinv.fields import FieldSet
from gitinv.history import Entry, History
from gitinv.inventory import Inventory, ServerRecord
from gitinv.models import CATALOGS, is_server_name
from gitinv.records import REFERENCES


def dumps(value: Any) -> bytes:
    """Compact, key-sorted, UTF-8: the same value always gives the same bytes.

    orjson, three to five times faster than the standard library and the same bytes
    for what an inventory holds (strings, integers, lists, mappings); an integer past
    64 bits, which only an old invalid file in the history can hold, goes through the
    standard library instead."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def listing(results: list[Any]) -> dict[str, Any]:
    return {"count": len(results), "results": results}


def changed(entry: Entry) -> dict[str, Any]:
    """A change's commit, date, author and pull request: a server's `changed`."""
    info = entry.info
    return {
        "commit": info.commit,
        "date": info.date,
        "author": info.author,
        "pull_request": info.pull_request,
    }


def history_item(entry: Entry) -> dict[str, Any]:
    """One change in a server's `history`: `changed`, its reason, action and field changes
    (and `unreadable`, where a version of the file does not read)."""
    item = {
        **changed(entry),
        "reason": entry.info.reason,
        "action": entry.change.action,
        "changes": entry.change.changes,
    }
    if entry.change.unreadable:
        item["unreadable"] = dict(entry.change.unreadable)
    return item


def audit_listing(history: History) -> dict[str, Any]:
    return listing([entry.as_dict() for entry in history.entries])


def server_rows(inventory: Inventory, history: History) -> list[dict[str, Any]]:
    """The rows of servers.json (records.server_row_model), sorted by name."""
    rows = []
    fields, servers = inventory.fields, inventory.servers
    for name in sorted(servers):
        record = servers[name]
        latest = history.latest(name)
        last = changed(latest) if latest else None
        rows.append(records.server_row(fields, name, record.group, record.fields, last))
    return rows


def fields_document(fields: FieldSet) -> dict[str, Any]:
    """fields.json: the columns of a server row (name, group, then every field, built-in
    and declared) with each one's kind and lookups, and the lookups' table: what the
    dashboard builds its columns and filters from."""
    columns = [
        {
            "name": f.name,
            "kind": f.kind,
            "is_list": f.is_list,
            "builtin": f.builtin,
            "description": f.description,
            "required": f.required,
            "values": list(f.values),
            "minimum": f.minimum,
            "maximum": f.maximum,
            "lookups": list(f.lookups),
        }
        for f in fields.columns
    ]
    return {"fields": columns, "lookups": lookups.table()}


def server_detail(
    row: dict[str, Any], path: str, inventory: Inventory, entries: list[Entry]
) -> dict[str, Any]:
    """A server's file (records.server_detail_model)."""
    history = [history_item(entry) for entry in entries]
    return records.server_detail(row, path, inventory.catalogs, history)


def reference_counts(servers: Collection[ServerRecord]) -> dict[str, Counter[str]]:
    """How many servers refer to each catalog entry, per catalog: one count at C speed
    for each reference, not a row made for each server."""
    counts: dict[str, Counter[str]] = {catalog: Counter() for catalog in CATALOGS}
    for field, (catalog, many) in REFERENCES.items():
        values: Iterable[str]
        if field == "group":  # the server's folder, not a field of its file
            values = (server.group for server in servers)
        elif many:
            values = (v for server in servers for v in server.fields.get(field) or ())
        else:
            values = (v for server in servers if (v := server.fields.get(field)) is not None)
        counts[catalog].update(values)
    return counts


def catalog_listing(inventory: Inventory, catalog: str, counts: Counter[str]) -> dict[str, Any]:
    entries = inventory.catalogs.get(catalog, {})
    return listing([{"name": n, **entries[n], "server_count": counts[n]} for n in sorted(entries)])


def catalog_documents(inventory: Inventory) -> Iterator[tuple[str, Any]]:
    """Each catalog's document, as (path, value)."""
    counts = reference_counts(inventory.servers.values())
    for catalog in CATALOGS:
        yield f"{catalog}.json", catalog_listing(inventory, catalog, counts[catalog])


def deleted_documents(inventory: Inventory, history: History) -> Iterator[tuple[str, Any]]:
    """`servers/<name>.json` of each server the history knows that is no longer there:
    its name, its last group and file, its deletion and its history, as (path, value).

    Names that are not server names (from a file git held in a wrong place) get none."""
    for name in history.servers():
        entries = history.for_server(name)
        last = entries[0]
        if name in inventory.servers or last.action != "deleted" or not is_server_name(name):
            continue
        yield (
            f"servers/{name}.json",
            {
                "name": name,
                "group": last.change.group,
                "path": last.change.path,
                "deleted": {**changed(last), "reason": last.info.reason},
                "history": [history_item(entry) for entry in entries],
            },
        )


def server_documents(
    inventory: Inventory, rows: list[dict[str, Any]], history: History
) -> Iterator[tuple[str, Any]]:
    """`servers/<name>.json` of each row of `server_rows`, as (path, value)."""
    for row in rows:
        record = inventory.servers[row["name"]]
        detail = server_detail(row, record.path, inventory, history.for_server(row["name"]))
        yield f"servers/{row['name']}.json", detail
