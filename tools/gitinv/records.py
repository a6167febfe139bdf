"""The records the site's JSON API publishes, typed: a server's last change, one change
in its history, an audit entry, a deleted server, and (made from the inventory's
FieldSet, declared fields included) a server row of servers.json and a server's detail.

They are pydantic models: openapi.py takes its schemas from them, and `server_row` /
`server_detail` below make the values servers.json and `servers/<name>.json` hold.
Values are built as plain dicts in the records' shape (100,000 model instances would
cost the build a second for nothing: the tests check every published file against
these schemas).

Public API::

    Changed, Deletion, HistoryEntry, AuditEntry, DeletedServer     # fixed records
    server_row_model(fields) / server_detail_model(fields)        # per FieldSet
    server_row(fields, name, group, values, changed)               # the values
    server_detail(row, path, catalogs, history)
    component_schemas(fields, ref) -> {name: JSON Schema}
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, create_model
from pydantic.json_schema import SkipJsonSchema, models_json_schema

from gitinv import fields as fields_
from gitinv.models import CATALOGS

Action = Literal["added", "updated", "deleted", "moved"]
ACTIONS: tuple[str, ...] = ("added", "updated", "deleted", "moved")

# Which server column refers to which catalog, and whether it holds a list of names.
REFERENCES: dict[str, tuple[str, bool]] = {
    f.name: (f.catalog, f.is_list) for f in fields_.BUILTIN.columns if f.catalog is not None
}


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Changed(_Record):
    """The commit that last changed a server"""

    commit: str = Field(description="Commit id on the main branch")
    date: Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})] = Field(
        description="Commit date"
    )
    author: str = Field(description="Author of the commit")
    pull_request: int | None = Field(
        description="Number of the pull request that made the change, where known"
    )


_REASON = (
    "Why: the pull request's title (from the merge commit, or a squash commit's subject "
    "without its number), else the commit's subject"
)


class Deletion(Changed):
    """The commit that deleted a server"""

    reason: str = Field(description=_REASON)


class Unreadable(_Record):
    """Why the "old" or "new" version of the file does not read, and where ("unreadable in
    commit X: LINE:COLUMN CODE: MESSAGE")"""

    old: str | SkipJsonSchema[None] = None
    new: str | SkipJsonSchema[None] = None


Pair = Annotated[list[Any], Field(min_length=2, max_length=2)]


class HistoryEntry(Deletion):
    """One change to one server"""

    action: Action
    changes: dict[str, Pair] = Field(
        description="Each changed field as [old, new]; null where absent"
    )
    # Only where a version of the file does not read (its fields are then not compared).
    unreadable: Unreadable | SkipJsonSchema[None] = None


class AuditEntry(HistoryEntry):
    """One change on the main branch, in the audit log"""

    merged_by: str | None = Field(description="Who merged the pull request, where git knows")
    subject: str = Field(description="First line of the commit message")
    kind: str = Field(description='What changed: "server", a catalog name or "settings"')
    name: str = Field(description="Name of the server or catalog entry")
    group: str | None = Field(
        description="The server's group after the change (before it, for a deletion)"
    )


class DeletedServer(_Record):
    """A server that is no longer in the inventory, with its history"""

    name: str = Field(description="Server name (the file stem it had)")
    group: str = Field(description="The group it was in when it was deleted")
    path: str = Field(description="Its file in the repository before the deletion")
    deleted: Deletion = Field(description="The change that deleted it")
    history: list[HistoryEntry] = Field(
        description="Every change, newest first (its deletion first)"
    )


class FieldColumn(_Record):
    """A column of a server row: its kind and the lookups it takes"""

    name: str
    kind: str = Field(description="string, integer, boolean, date, enum, list, ref, ip or state")
    is_list: bool
    builtin: bool = Field(description="A built-in field (else declared in fields.yaml)")
    description: str
    required: bool
    values: list[str] = Field(description="The values an enum, a list or the state allows")
    minimum: int | None
    maximum: int | None
    lookups: list[str] = Field(description="The lookups it takes, names of `lookups`")


class LookupRule(_Record):
    """A lookup of `gitinv query` and of the dashboard's filters (gitinv's lookups.py)"""

    name: str
    match: Literal["equal", "contains", "regex", "in", "order"]
    fold: bool = Field(description="Both sides lowercased before they compare")
    address: bool = Field(description="On an IP field, addresses compare as addresses")
    kinds: list[str] = Field(description='The kinds of field it applies to; "*": every kind')
    label: str
    meaning: str
    compare: str = Field(description='For "order": gt, gte, lt or lte')


class FieldsDocument(_Record):
    """fields.json: a server row's columns, and the lookups"""

    fields: list[FieldColumn]
    lookups: list[LookupRule]


FIXED: tuple[type[BaseModel], ...] = (
    Changed,
    Deletion,
    HistoryEntry,
    AuditEntry,
    DeletedServer,
    FieldsDocument,
)

_OWN = {
    "name": {"type": "string", "description": "Server name (the file stem)"},
    "group": {"type": "string", "description": "Owning group (the folder)"},
}


def _value_schema(f: fields_.Field) -> dict[str, Any]:
    """A column's value in a row: its schema in a server file; null when it may be absent
    (a list: [] instead)."""
    schema = dict(_OWN[f.name]) if f.name in _OWN else f.json_schema()
    if f.required or f.is_list:
        return schema
    description = schema.pop("description", None)
    nullable: dict[str, Any] = {"anyOf": [schema, {"type": "null"}]}
    if description:
        nullable["description"] = description
    return nullable


_PYTHON: dict[str, Any] = {"integer": int, "boolean": bool, "list": list[str]}


def _column(f: fields_.Field, schema: dict[str, Any]) -> Any:
    """A column as a model field: the Python type its values have (validated), with the
    field's own JSON Schema (patterns, bounds, values, formats) as its schema."""
    kind: Any = _PYTHON.get(f.kind, str)
    if not (f.required or f.is_list):
        kind = kind | None
    return (Annotated[kind, WithJsonSchema(schema)], ...)


@functools.cache
def server_row_model(fields: fields_.FieldSet) -> type[BaseModel]:
    """servers.json's row: name, group, every field (built-in, then declared), `changed`."""
    columns = {f.name: _column(f, _value_schema(f)) for f in fields.columns}
    return create_model(
        "ServerRow",
        __config__=ConfigDict(
            extra="forbid", json_schema_extra={"description": "A server as listed in servers.json"}
        ),
        **columns,
        changed=(Changed | None, ...),
    )


_REF = "x-gitinv-ref"


@functools.cache
def server_detail_model(fields: fields_.FieldSet) -> type[BaseModel]:
    """A server's file: its row with its catalog references as objects, its path and history."""
    columns: dict[str, Any] = {}
    for f in fields.columns:
        if f.name not in REFERENCES:
            columns[f.name] = _column(f, _value_schema(f))
            continue
        catalog, many = REFERENCES[f.name]
        # Pydantic resolves a "$ref" given it: the reference is put in by `_tidy`.
        entry = {_REF: f"{CATALOGS[catalog].__name__}Ref"}
        kind: Any = list[dict[str, Any]] if many else dict[str, Any]
        schema: dict[str, Any] = {"type": "array", "items": entry} if many else entry
        if not (f.required or many):
            kind, schema = kind | None, {"anyOf": [entry, {"type": "null"}]}
        columns[f.name] = (Annotated[kind, WithJsonSchema(schema)], ...)
    return create_model(
        "ServerDetail",
        __config__=ConfigDict(
            extra="forbid",
            json_schema_extra={"description": "One server, references expanded, with its history"},
        ),
        **columns,
        changed=(Changed | None, ...),
        path=(str, Field(description="The server's file in the repository")),
        history=(list[HistoryEntry], Field(description="Every change, newest first")),
    )


def component_schemas(fields: fields_.FieldSet, ref: str) -> dict[str, Any]:
    """The JSON Schemas of every record, keyed by name, `$ref`s as `ref` formats them."""
    models = [*FIXED, server_row_model(fields), server_detail_model(fields)]
    _, top = models_json_schema([(m, "serialization") for m in models], ref_template=ref)
    return {name: _tidy(schema, ref) for name, schema in top.get("$defs", {}).items()}


def _tidy(schema: dict[str, Any], ref: str) -> dict[str, Any]:
    """Without pydantic's titles and defaults (the descriptions say it), references in."""
    out = {k: v for k, v in schema.items() if k not in ("title", "default")}
    if "properties" in out:
        out["properties"] = {
            k: {kk: vv for kk, vv in v.items() if kk not in ("title", "default")}
            for k, v in out["properties"].items()
        }
    tidy: dict[str, Any] = _refs(out, ref)
    return tidy


def _refs(value: Any, ref: str) -> Any:
    if isinstance(value, dict):
        if _REF in value:
            return {"$ref": ref.format(model=value[_REF])}
        return {k: _refs(v, ref) for k, v in value.items()}
    if isinstance(value, list):
        return [_refs(v, ref) for v in value]
    return value


def server_row(
    fields: fields_.FieldSet,
    name: str,
    group: str,
    values: Mapping[str, Any],
    changed: dict[str, Any] | None,
) -> dict[str, Any]:
    """A row of `server_row_model(fields)`: absent fields null, absent lists []."""
    row = fields.row(name, group, values)
    row["changed"] = changed
    return row


def server_detail(
    row: Mapping[str, Any],
    path: str,
    catalogs: Mapping[str, Mapping[str, Mapping[str, Any]]],
    history: list[dict[str, Any]],
) -> dict[str, Any]:
    """A value of `server_detail_model`: a row of `server_row`, its references as the
    catalog entries (`{"name", ...attributes}`), its file and its history."""
    detail = dict(row)
    for field, (catalog, many) in REFERENCES.items():
        entries = catalogs.get(catalog, {})
        if many:
            detail[field] = [_entry(value, entries) for value in row[field] or []]
        elif row[field] is not None:
            detail[field] = _entry(row[field], entries)
    detail["path"] = path
    detail["history"] = history
    return detail


def _entry(name: str, catalog: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    return {"name": name, **catalog.get(name, {})}
