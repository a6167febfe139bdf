"""Documentation generated from the models, kept current in README.md by a test."""

from __future__ import annotations

import typing

from gitinv import models

PATH_FIELDS = [
    (
        "(name)",
        "the file stem",
        "yes",
        "A lowercase DNS name: labels of `a-z 0-9 -` (at most 63 characters) joined by dots, "
        "at most 253 in all. Unique across all groups.",
    ),
    ("(group)", "the folder", "yes", "An entry of `groups.yaml`."),
]


def _type(field: str) -> str:
    info = models.Server.model_fields[field]
    origin = typing.get_origin(info.annotation)
    if field == "state":
        return "one of " + ", ".join(f"`{s}`" for s in models.STATES)
    if field == "tags" or origin is list:
        return "list of strings"
    return "string"


def field_table() -> str:
    rows = ["| field | type | required | rule |", "| --- | --- | --- | --- |"]
    for name, kind, required, rule in PATH_FIELDS:
        rows.append(f"| {name} | {kind} | {required} | {rule} |")
    for name, info in models.Server.model_fields.items():
        required = "yes" if info.is_required() else "no"
        rows.append(f"| `{name}` | {_type(name)} | {required} | {info.description} |")
    return "\n".join(rows) + "\n"
