"""openapi.json: an OpenAPI 3.1 description of the static API, schemas from the models."""

from __future__ import annotations

import copy
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from gitinv import records
from gitinv.exports import prometheus
from gitinv.fields import BUILTIN, FieldSet
from gitinv.models import CATALOGS, Server
from gitinv.records import REFERENCES

REF = "#/components/schemas/{model}"
ACTIONS = list(records.ACTIONS)
TITLES = {
    "components": "Components",
    "datacenters": "Datacenters",
    "environments": "Environments",
    "types": "Server types",
    "tags": "Tags",
    "groups": "Groups (owning teams)",
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": REF.format(model=name)}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if schema.get("anyOf") and {"type": "null"} in schema["anyOf"]:
        return schema
    return {"anyOf": [schema, {"type": "null"}]}


def _string(description: str) -> dict[str, Any]:
    return {"type": "string", "description": description}


def _list_of(item: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "type": "object",
        "description": description,
        "required": ["count", "results"],
        "properties": {
            "count": {"type": "integer", "minimum": 0, "description": "Number of results"},
            "results": {"type": "array", "items": item},
        },
        "additionalProperties": False,
    }


def _extend(
    base: dict[str, Any], extra: dict[str, Any], required: list[str], description: str
) -> dict[str, Any]:
    """A model's properties (optional ones nullable) plus `extra`, as a closed object."""
    props = {}
    for key, schema in base.get("properties", {}).items():
        schema = {k: v for k, v in copy.deepcopy(schema).items() if k != "default"}
        props[key] = schema if key in base.get("required", []) else _nullable(schema)
    props.update(extra)
    return {
        "type": "object",
        "description": description,
        "required": sorted({*base.get("required", []), *required}),
        "properties": props,
        "additionalProperties": False,
    }


def model_schemas() -> dict[str, Any]:
    """Component schemas generated from the pydantic models, keyed by model name."""
    models: list[type[BaseModel]] = [Server, *CATALOGS.values()]
    _, top = models_json_schema([(m, "serialization") for m in models], ref_template=REF)
    defs: dict[str, Any] = top.get("$defs", {})
    return defs


def _closed(props: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "type": "object",
        "description": description,
        "required": sorted(props),
        "properties": props,
        "additionalProperties": False,
    }


def _nullable_of(kind: str, description: str) -> dict[str, Any]:
    return {"anyOf": [{"type": kind}, {"type": "null"}], "description": description}


STATUSES = ["pending", "on-hold", "changes-requested", "approved", "rejected"]


def request_schemas() -> dict[str, Any]:
    """requests.json: the open requests, as `gitinv pending --format json` gives them."""
    changes = {
        "type": "object",
        "description": "Each changed field as [old, new]; null where absent",
        "additionalProperties": {"type": "array", "minItems": 2, "maxItems": 2},
    }
    server = _closed(
        {
            "name": _string("Server name"),
            "group": _nullable_of("string", "Its group after the change (before, if deleted)"),
            "old_group": _nullable_of("string", "Its group before a move"),
            "action": {"type": "string", "enum": ACTIONS},
            "changes": changes,
        },
        "A server a request adds, updates, deletes or moves",
    )
    catalog = _closed(
        {
            "kind": _string('The catalog ("components", ...) or "settings"'),
            "name": _string("The entry's name"),
            "action": {"type": "string", "enum": ["added", "updated", "deleted"]},
            "changes": changes,
        },
        "A catalog entry a request changes",
    )
    finding = _closed(
        {
            "file": _string("File, relative to the repository"),
            "line": {"type": "integer", "minimum": 1},
            "column": {"type": "integer", "minimum": 1},
            "code": _string("Stable problem code (as `gitinv validate` gives it)"),
            "message": _string("What is wrong and what to do"),
        },
        "A problem merging the request onto main would bring",
    )
    clash = _closed(
        {
            "number": _nullable_of("integer", "The other request's number"),
            "branch": _string("The other request's branch"),
            "reason": _string('What both claim, e.g. "both change server web01"'),
        },
        "Another open request touching the same server, or claiming the same name or IP",
    )
    request = _closed(
        {
            "number": _nullable_of("integer", "Pull request #N or merge request !N"),
            "title": _string("The request's title: its reason"),
            "author": _string("Who opened it"),
            "status": {"type": "string", "enum": STATUSES},
            "url": _nullable_of("string", "The request on the code host"),
            "branch": _string("Its head branch (in the fork, for a fork's request)"),
            "fork": {"type": "boolean", "description": "Whether it comes from a fork"},
            "created": _string("When it was opened (ISO 8601, as the host gives it)"),
            "commit": _string("Its head commit"),
            "servers": {"type": "array", "items": _ref("RequestServer")},
            "catalogs": {"type": "array", "items": _ref("RequestCatalogChange")},
            "valid": {
                "type": "boolean",
                "description": "Whether merging it onto main keeps the inventory valid",
            },
            "merges_cleanly": {"type": "boolean", "description": "No git conflict with main"},
            "conflicted_files": {"type": "array", "items": {"type": "string"}},
            "findings": {"type": "array", "items": _ref("RequestFinding")},
            "clashes": {"type": "array", "items": _ref("RequestClash")},
        },
        "One open pull/merge request that changes the inventory",
    )
    document = _closed(
        {
            "source": {"type": "string", "enum": ["github", "gitlab", "branches"]},
            "main": _string("The commit the requests were checked against (this build's)"),
            "ok": {
                "type": "boolean",
                "description": "No open request is invalid, conflicts with main or clashes",
            },
            "requests": {"type": "array", "items": _ref("PendingRequest")},
        },
        "The open requests, by number",
    )
    return {
        "PendingRequest": request,
        "RequestCatalogChange": catalog,
        "RequestClash": clash,
        "RequestFinding": finding,
        "RequestServer": server,
        "RequestsDocument": document,
    }


def schemas(fields: FieldSet = BUILTIN) -> dict[str, Any]:
    """Every component schema: the models', the records' (server row and detail with the
    inventory's declared fields) and the catalogs' entries."""
    defs = model_schemas()
    out = {**defs, **records.component_schemas(fields, REF)}
    for catalog in REFERENCES.values():
        model = CATALOGS[catalog[0]].__name__
        out[f"{model}Ref"] = _extend(
            defs[model], {"name": _string("Entry name")}, ["name"], f"An entry of {catalog[0]}.yaml"
        )
        out[f"{model}Entry"] = _extend(
            defs[model],
            {
                "name": _string("Entry name"),
                "server_count": {
                    "type": "integer",
                    "minimum": 0,
                    "description": "Servers that refer to this entry",
                },
            },
            ["name", "server_count"],
            f"An entry of {catalog[0]}.yaml with its server count",
        )
    out["PrometheusTargetGroup"] = _prometheus_target_group()
    return dict(sorted(out.items()))


def _prometheus_target_group() -> dict[str, Any]:
    labels = {name: _string(f"The server's {name}") for name in prometheus.LABELS}
    labels["tags"] = _string("The server's tags joined by `,`, with a `,` at each end")
    return {
        "type": "object",
        "description": "One server as a Prometheus target group (file_sd and http_sd format)",
        "required": ["targets", "labels"],
        "properties": {
            "targets": {
                "type": "array",
                "items": _string("IP:PORT; an IPv6 address in brackets"),
                "minItems": 1,
                "maxItems": 1,
            },
            "labels": {
                "type": "object",
                "description": "A field without a value has no label",
                "required": ["name", "group", "dc", "environment", "component", "state"],
                "properties": labels,
                "additionalProperties": False,
            },
        },
        "additionalProperties": False,
    }


def _get(op_id: str, summary: str, description: str, content: dict[str, Any]) -> dict[str, Any]:
    return {
        "get": {
            "operationId": op_id,
            "summary": summary,
            "description": description,
            "responses": {"200": {"description": summary, "content": content}},
        }
    }


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def document(
    commit: str, date: str, extra_files: set[str], fields: FieldSet = BUILTIN
) -> dict[str, Any]:
    paths: dict[str, Any] = {
        "/servers.json": _get(
            "listServers",
            "Every server",
            "Every server with its last change, sorted by name.",
            _json(_list_of(_ref("ServerRow"), "Servers sorted by name")),
        ),
        "/servers/{name}.json": {
            **_get(
                "getServer",
                "One server",
                "One server with its catalog references expanded and its full history, "
                "newest first. A server deleted from the inventory keeps its file: its "
                "deletion (when, by whom and why) and its history.",
                _json({"oneOf": [_ref("ServerDetail"), _ref("DeletedServer")]}),
            ),
            "parameters": [
                {
                    "name": "name",
                    "in": "path",
                    "required": True,
                    "description": "Server name",
                    "schema": {"type": "string"},
                }
            ],
        },
    }
    for catalog, model in CATALOGS.items():
        paths[f"/{catalog}.json"] = _get(
            f"list{catalog.title()}",
            TITLES[catalog],
            f"Every entry of {catalog}.yaml with its attributes and server count, sorted by name.",
            _json(_list_of(_ref(f"{model.__name__}Entry"), f"{catalog} sorted by name")),
        )
    paths["/audit.json"] = _get(
        "listAudit",
        "Audit log",
        "Every change on the main branch (servers, catalogs and settings), newest first.",
        _json(_list_of(_ref("AuditEntry"), "Changes, newest first")),
    )
    if "ansible.json" in extra_files:
        paths["/ansible.json"] = _get(
            "getAnsibleInventory",
            "Ansible inventory",
            "Groups by datacenter, environment, group, component, state and tag, with host "
            "variables per server (the JSON of an Ansible dynamic inventory script).",
            _json({"type": "object"}),
        )
    if "prometheus.json" in extra_files:
        paths["/prometheus.json"] = _get(
            "getPrometheusTargets",
            "Prometheus targets",
            "File-based service discovery of the active servers, one target group a "
            "server (`IP:PORT`, IPv6 in brackets, the port from settings.yaml "
            "`exports.prometheus.port`, default 9100), labelled with its name, group, dc, "
            "environment, component, type, state and tags; what Prometheus' "
            "`http_sd_configs` reads.",
            _json({"type": "array", "items": _ref("PrometheusTargetGroup")}),
        )
    if "servers.csv" in extra_files:
        paths["/servers.csv"] = _get(
            "getServersCsv",
            "Servers as CSV",
            "Every server as one CSV row, with a header row.",
            {"text/csv": {"schema": {"type": "string"}}},
        )
    paths["/fields.json"] = _get(
        "getFields",
        "Server fields and lookups",
        "The columns of a server row (name, group, the built-in fields, then those "
        "inventory/fields.yaml declares) with each one's kind and lookups, and the lookups "
        "of `gitinv query` and of the dashboard's filters.",
        _json(_ref("FieldsDocument")),
    )
    components = schemas(fields)
    if "requests.json" in extra_files:
        paths["/requests.json"] = _get(
            "listRequests",
            "Open requests",
            "The pull/merge requests open on the code host when the site was built that "
            "change the inventory: status, reason, author, the servers each touches, "
            "whether each is valid on main, and clashes between them. Written only when "
            "the build had a code-host token.",
            _json(_ref("RequestsDocument")),
        )
        components = dict(sorted({**components, **request_schemas()}.items()))
    paths["/openapi.json"] = _get(
        "getOpenApi",
        "This description",
        "The OpenAPI 3.1 description of this API.",
        _json({"type": "object"}),
    )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "gitinv inventory API",
            "version": commit[:12],
            "description": (
                "A static, read-only API published from the main branch of the inventory "
                f"repository at commit {commit} ({date}). Every file is rebuilt on each "
                "merge; fetch it with any HTTP client."
            ),
        },
        "servers": [{"url": ".", "description": "This site's api/v1/ folder"}],
        "paths": paths,
        "components": {"schemas": components},
    }
