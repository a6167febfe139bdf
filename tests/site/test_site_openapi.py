"""openapi.json: a valid OpenAPI 3.1 document describing every file the build writes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from gitinv.models import CATALOGS, Server


def load(site: Path, name: str) -> Any:
    return json.loads((site / "api/v1" / name).read_text(encoding="utf-8"))


def test_openapi_document_is_valid(built_site: Path) -> None:
    validate(load(built_site, "openapi.json"))


def test_every_path_exists_in_the_build(built_site: Path) -> None:
    doc = load(built_site, "openapi.json")
    name = load(built_site, "servers.json")["results"][0]["name"]
    for path in doc["paths"]:
        assert (built_site / "api/v1" / path.lstrip("/").replace("{name}", name)).is_file(), path


def test_every_written_file_is_described(built_site: Path) -> None:
    doc = load(built_site, "openapi.json")
    described = {p.lstrip("/") for p in doc["paths"]}
    for path in (built_site / "api/v1").rglob("*"):
        if path.is_file():
            rel = path.relative_to(built_site / "api/v1").as_posix()
            key = "servers/{name}.json" if rel.startswith("servers/") else rel
            assert key in described, rel


def test_component_schemas_come_from_the_models(built_site: Path) -> None:
    schemas = load(built_site, "openapi.json")["components"]["schemas"]
    assert set(Server.model_json_schema()["properties"]) <= set(schemas["Server"]["properties"])
    for model in CATALOGS.values():
        assert model.__name__ in schemas


def _validator(doc: dict[str, Any], schema: dict[str, Any]) -> Draft202012Validator:
    # The response schema, with the document's components beside it so "#/components/..." resolves.
    return Draft202012Validator({"components": doc["components"], "allOf": [schema]})


@pytest.mark.parametrize(
    "path",
    [
        "/servers.json",
        "/servers/{name}.json",
        "/components.json",
        "/datacenters.json",
        "/environments.json",
        "/types.json",
        "/tags.json",
        "/groups.json",
        "/audit.json",
        "/prometheus.json",
    ],
)
def test_each_file_matches_its_response_schema(built_site: Path, path: str) -> None:
    doc = load(built_site, "openapi.json")
    schema = doc["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    # Every server's file: those listed in servers.json and those of deleted servers.
    names = sorted(p.stem for p in (built_site / "api/v1/servers").glob("*.json"))
    assert "db01" in names
    files = (
        [path.lstrip("/").replace("{name}", n) for n in names]
        if "{name}" in path
        else [path.lstrip("/")]
    )
    validator = _validator(doc, schema)
    for rel in files:
        errors = sorted(validator.iter_errors(load(built_site, rel)), key=str)
        assert not errors, f"{rel}: {errors[0].message}"


def test_published_records_validate_through_their_models(built_site: Path) -> None:
    """Every audit entry, server row and server file is what records.py's models say."""
    from gitinv import fields, records

    for entry in load(built_site, "audit.json")["results"]:
        records.AuditEntry.model_validate(entry, strict=True)
    row_model = records.server_row_model(fields.BUILTIN)
    detail_model = records.server_detail_model(fields.BUILTIN)
    for row in load(built_site, "servers.json")["results"]:
        row_model.model_validate(row, strict=True)
    deleted = 0
    for path in sorted((built_site / "api/v1/servers").glob("*.json")):
        value = json.loads(path.read_text(encoding="utf-8"))
        if "deleted" in value:
            records.DeletedServer.model_validate(value, strict=True)
            deleted += 1
        else:
            detail_model.model_validate(value, strict=True)
    assert deleted >= 1
    records.FieldsDocument.model_validate(load(built_site, "fields.json"), strict=True)
