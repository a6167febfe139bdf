"""JSON Schema documents generated from the pydantic models (`schema/*.schema.json`).

Draft-07, which editors' YAML language servers support best; an optional key is
simply not required (never `null`), as in the YAML files. A catalog or settings
file with nothing in it (YAML's `null`) is accepted, as `validate` accepts it.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from gitinv import models


class FieldSet(Protocol):
    """The server fields an inventory has (a `gitinv.fields.FieldSet`), as far as the
    schemas need them."""

    def server_schema(self) -> dict[str, Any]: ...


DRAFT = "http://json-schema.org/draft-07/schema#"
SCHEMA_DIR = "schema"


class _NoNull(GenerateJsonSchema):
    """Optional fields are documented as their type: the files never hold null."""

    def nullable_schema(self, schema: core_schema.NullableSchema) -> JsonSchemaValue:
        return self.generate_inner(schema["schema"])

    def default_schema(self, schema: core_schema.WithDefaultSchema) -> JsonSchemaValue:
        inner = self.generate_inner(schema["schema"])
        default = schema.get("default")
        if default is not None and default != []:
            inner["default"] = default
        return inner


def model_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's schema, self-contained (nested models in `definitions`), without pydantic's
    titles."""
    schema = model.model_json_schema(schema_generator=_NoNull, ref_template="#/definitions/{model}")
    if "$defs" in schema:  # nested models (settings' `exports`), where draft-07 has them
        schema["definitions"] = schema.pop("$defs")
    _drop_titles(schema)
    return schema


def _drop_titles(node: Any) -> None:
    if isinstance(node, dict):
        props = node.get("properties")
        if isinstance(props, dict):
            for value in props.values():
                if isinstance(value, dict):
                    value.pop("title", None)
        for value in node.values():
            _drop_titles(value)
    elif isinstance(node, list):
        for value in node:
            _drop_titles(value)


def _document(name: str, title: str, description: str, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "$schema": DRAFT,
        "$id": f"urn:gitinv:schema:{name}",
        "title": title,
        "description": description,
        **{k: v for k, v in body.items() if k not in {"title", "description"}},
    }


def documents(fields: FieldSet | None = None) -> dict[str, dict[str, Any]]:
    """File name (under schema/) -> JSON Schema document. The server's schema holds the
    fields an inventory declares in fields.yaml when given its `fields`."""
    server = fields.server_schema() if fields is not None else model_schema(models.Server)
    docs = {
        "server.schema.json": _document(
            "server",
            "gitinv server",
            "A server file, inventory/servers/<group>/<name>.yaml: the file stem is the "
            "server's name and the folder its owning group.",
            server,
        ),
        "settings.schema.json": _document(
            "settings",
            "gitinv settings",
            "inventory/settings.yaml.",
            {**model_schema(models.Settings), "type": ["object", "null"]},
        ),
        "fields.schema.json": _document(
            "fields",
            "gitinv fields",
            "inventory/fields.yaml (optional): server fields of the organisation's own, "
            "field name -> declaration; they follow the built-in fields.",
            {
                "type": ["object", "null"],  # an empty file declares nothing
                "propertyNames": {
                    "pattern": models.FIELD_NAME_PATTERN,
                    "not": {"enum": [*models.Server.model_fields, *models.RESERVED_FIELD_NAMES]},
                },
                "additionalProperties": _entry(models.FieldSpec),
            },
        ),
    }
    for stem, model in models.CATALOGS.items():
        entry = _entry(model)
        docs[f"{stem}.schema.json"] = _document(
            stem,
            f"gitinv {stem} catalog",
            f"inventory/{stem}.yaml: entry name -> attributes. {model.__doc__ or ''}".strip(),
            {
                "type": ["object", "null"],  # an empty file is an empty catalog
                "propertyNames": {"pattern": models.NAME_PATTERN},
                "additionalProperties": entry,
            },
        )
    return docs


def _entry(model: type[BaseModel]) -> dict[str, Any]:
    entry = model_schema(model)
    entry.pop("title", None)
    return entry


def dumps(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def files(fields: FieldSet | None = None) -> dict[str, str]:
    """schema/*.schema.json as `gitinv schema` writes them (path -> text), for an
    inventory with `fields` (see `documents`)."""
    return {f"{SCHEMA_DIR}/{name}": dumps(doc) for name, doc in documents(fields).items()}
