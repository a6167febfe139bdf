"""The pydantic models: the single source of truth for the inventory's data rules.

The JSON Schema files, the OpenAPI document, `fmt`'s key order and the README's
field table are all generated from these classes.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    JsonValue,
    ValidationInfo,
    model_validator,
)
from pydantic_core import PydanticCustomError

from gitinv import handles
from gitinv.layout import NAME_PATTERN as NAME_PATTERN
from gitinv.layout import SERVER_NAME_MAX as SERVER_NAME_MAX
from gitinv.layout import SERVER_NAME_PATTERN as SERVER_NAME_PATTERN
from gitinv.layout import is_entry_name as is_entry_name
from gitinv.layout import is_server_name as is_server_name
from gitinv.loader import Typed
from gitinv.settings import DEFAULT_BRANCH


def _cidr_pattern() -> str:
    """A network in CIDR form, IPv4 or IPv6 (RFC 4291 text forms, RFC 3986's grammar):
    what `ipaddress` reads, with a prefix length as a plain number."""
    octet = r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
    ipv4 = rf"(?:{octet}\.){{3}}{octet}"
    h16 = r"[0-9A-Fa-f]{1,4}"
    ls32 = rf"(?:{h16}:{h16}|{ipv4})"
    forms = [rf"(?:{h16}:){{6}}{ls32}", rf"::(?:{h16}:){{5}}{ls32}"]
    for before, after in ((0, 4), (1, 3), (2, 2), (3, 1), (4, 0)):
        head = rf"(?:(?:{h16}:){{0,{before}}}{h16})?"
        forms.append(rf"{head}::(?:{h16}:){{{after}}}{ls32}")
    forms.append(rf"(?:(?:{h16}:){{0,5}}{h16})?::{h16}")
    forms.append(rf"(?:(?:{h16}:){{0,6}}{h16})?::")
    ipv6 = "(?:" + "|".join(forms) + ")"
    v4_length = r"(?:3[0-2]|[12]?[0-9])"
    v6_length = r"(?:12[0-8]|1[01][0-9]|[1-9]?[0-9])"
    return rf"^(?:{ipv4}/{v4_length}|{ipv6}/{v6_length})$"


CIDR_PATTERN = _cidr_pattern()

_CIDR_RE = re.compile(CIDR_PATTERN)

State = Literal["planned", "active", "maintenance", "offline", "decommissioned"]
STATES: tuple[str, ...] = get_args(State)


def _check_ip(value: str) -> str:
    try:
        if "%" in value:  # a scope (fe80::1%eth0) names an interface, not a server address
            raise ValueError(value)
        ipaddress.ip_address(value)
    except ValueError:
        raise PydanticCustomError(
            "bad_value",
            "`{value}` is not an IPv4 or IPv6 address; write one address such as "
            "10.1.2.3 or 2001:db8::1, without a prefix length",
            {"value": value},
        ) from None
    return value


def _check_network(value: str) -> str:
    try:
        net = ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise PydanticCustomError(
            "bad_value",
            "`{value}` is not a network in CIDR form; write it like 10.1.0.0/16 or 2001:db8::/48",
            {"value": value},
        ) from None
    if "/" not in value:
        raise PydanticCustomError(
            "bad_value",
            "`{value}` has no prefix length; write it in CIDR form such as {network}",
            {"value": value, "network": str(net)},
        )
    if not _CIDR_RE.fullmatch(value):  # a netmask, a zero-padded length, an interface's scope
        address = str(net.network_address).partition("%")[0]
        raise PydanticCustomError(
            "bad_value",
            "`{value}` is not in CIDR form; write it as {network}",
            {"value": value, "network": f"{address}/{net.prefixlen}"},
        )
    if net.network_address != ipaddress.ip_interface(value).ip:
        raise PydanticCustomError(
            "bad_value",
            "`{value}` has host bits set; the network is {network}",
            {"value": value, "network": str(net)},
        )
    return value


def _check_handle(value: str, info: ValidationInfo) -> str:
    """The code host's rules when the caller names it (context `forge`), else either's."""
    forge = info.context.get("forge") if isinstance(info.context, dict) else None
    problem = handles.problem(value, forge)
    if problem:
        raise PydanticCustomError("bad_value", "{problem}", {"problem": problem})
    return value


def _yaml_number(value: Any) -> Any:
    """A YAML integer as an int: the loader keeps every non-string scalar as its text."""
    if isinstance(value, Typed) and value.kind == "a number" and value.text.isdigit():
        return int(value.text)
    return value


def _unique(items: list[str]) -> list[str]:
    seen: set[str] = set()
    for index, item in enumerate(items):
        if item in seen:
            raise PydanticCustomError(
                "duplicate_item",
                "`{item}` is listed twice; list each entry once",
                {"item": item, "index": index},
            )
        seen.add(item)
    return items


IPAddress = Annotated[
    str,
    AfterValidator(_check_ip),
    Field(json_schema_extra={"anyOf": [{"format": "ipv4"}, {"format": "ipv6"}]}),
]
Network = Annotated[
    str, AfterValidator(_check_network), Field(json_schema_extra={"pattern": CIDR_PATTERN})
]
Handle = Annotated[
    str, AfterValidator(_check_handle), Field(json_schema_extra={"pattern": handles.ANY_PATTERN})
]
Ref = Annotated[str, Field(min_length=1)]


class StrictModel(BaseModel):
    """No coercion, no unknown keys; an optional key present must have a value."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _no_empty_values(cls, data: Any) -> Any:
        # At C speed: a value that is true (text, a list with items, a YAML number or
        # date) is not None, and most files have none that is not (see validate_fields).
        if isinstance(data, dict) and not all(data.values()):
            for key, value in data.items():
                if value is None and key in cls.model_fields:
                    raise PydanticCustomError(
                        "empty_value",
                        "`{field}` has no value; give it one or remove the line",
                        {"field": key},
                    )
        return data


class Server(StrictModel):
    """One server: the file `inventory/servers/<group>/<name>.yaml`."""

    model_config = ConfigDict(title="Server")

    component: Ref = Field(description="The software it runs: an entry of components.yaml.")
    ip: IPAddress = Field(description="Its one IPv4 or IPv6 address, as a string; unique.")
    dc: Ref = Field(description="Where it runs: an entry of datacenters.yaml.")
    environment: Ref = Field(description="An entry of environments.yaml.")
    type: Ref | None = Field(default=None, description="An entry of types.yaml.")
    state: State = Field(description="Its life-cycle state.")
    tags: Annotated[list[Ref], AfterValidator(_unique)] = Field(
        default_factory=list,
        description="Distinct entries of tags.yaml.",
        json_schema_extra={"uniqueItems": True},
    )
    description: str | None = Field(default=None, description="Free text.")


SERVER_FIELDS: tuple[str, ...] = tuple(Server.model_fields)


class Entry(StrictModel):
    description: str | None = Field(default=None, description="What this entry is.")


class Component(Entry):
    """An entry of components.yaml: a piece of software servers run."""


class Environment(Entry):
    """An entry of environments.yaml."""


class ServerType(Entry):
    """An entry of types.yaml."""

    model_config = ConfigDict(title="Type")


class Tag(Entry):
    """An entry of tags.yaml."""


class Datacenter(Entry):
    """An entry of datacenters.yaml; servers in it must have an IP inside its prefixes."""

    location: str | None = Field(default=None, description="Where it is.")
    prefixes: Annotated[list[Network], AfterValidator(_unique)] = Field(
        default_factory=list,
        description="IPv4/IPv6 networks in CIDR form; when given, every server in it "
        "must have an IP inside one of them.",
        json_schema_extra={"uniqueItems": True},
    )


class Group(Entry):
    """An entry of groups.yaml: a team owning `inventory/servers/<group>/`."""

    moderators: Annotated[list[Handle], AfterValidator(_unique)] = Field(
        min_length=1,
        description="Who approves its changes: the code host's handles (GitHub `@user`, "
        "`@org/team` or an e-mail address; GitLab `@user` or `@group/subgroup`).",
        json_schema_extra={"uniqueItems": True},
    )
    approvals: Annotated[int, Field(ge=1), BeforeValidator(_yaml_number)] | None = Field(
        default=None,
        description="How many moderators must approve: GitLab's `[group][N]` CODEOWNERS "
        "section; on GitHub, the count to set in branch protection.",
    )


class PrometheusExport(StrictModel):
    """`exports.prometheus` of settings.yaml."""

    port: Annotated[int, BeforeValidator(_yaml_number)] = Field(
        default=9100,
        ge=1,
        le=65535,
        description="The port of every target in api/v1/prometheus.json and of "
        "`gitinv export prometheus` without --port.",
    )


class Exports(StrictModel):
    """`exports` of settings.yaml: defaults of the exports."""

    prometheus: PrometheusExport = Field(
        default_factory=PrometheusExport, description="Prometheus service discovery."
    )


class Settings(StrictModel):
    """inventory/settings.yaml: optional repository-wide settings."""

    repository: str | None = Field(
        default=None,
        pattern=r"^https://[^\s/]+/[^\s]+[^/\s]$",
        description="The code host URL, e.g. https://github.com/acme/inventory "
        "(edit and history links).",
    )
    branch: Annotated[str, Field(min_length=1)] = Field(
        default=DEFAULT_BRANCH, description="The published branch."
    )
    admins: Annotated[list[Handle], AfterValidator(_unique)] = Field(
        default_factory=list,
        description="Handles owning the tooling, the catalogs and .github/.",
        json_schema_extra={"uniqueItems": True},
    )
    forge: Literal["github", "gitlab"] | None = Field(
        default=None,
        description="The code host: github or gitlab (default: from `repository` or the "
        "origin remote: github.com is GitHub, a host whose name contains gitlab is GitLab).",
    )
    exports: Exports = Field(
        default_factory=Exports, description="Defaults of the exports (`gitinv export`)."
    )


CATALOGS: dict[str, type[Entry]] = {
    "components": Component,
    "datacenters": Datacenter,
    "environments": Environment,
    "types": ServerType,
    "tags": Tag,
    "groups": Group,
}

# Server field -> the catalog its value names.
REFERENCES: dict[str, str] = {
    "component": "components",
    "dc": "datacenters",
    "environment": "environments",
    "type": "types",
    "tags": "tags",
}


# inventory/fields.yaml: server fields an organisation declares (see gitinv.fields).
# Words joined by single `_`: `query` reads `__` as the start of a lookup (`cpu__gte`).
FIELD_NAME_PATTERN = r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$"
# Names a declared field may not take besides the built-in ones: the other keys of a
# published server (its path's name and group, its last change, its history).
RESERVED_FIELD_NAMES: tuple[str, ...] = ("name", "group", "changed", "history")
FieldType = Literal["string", "integer", "boolean", "date", "enum", "list"]
FIELD_TYPES: tuple[str, ...] = get_args(FieldType)
# What each type takes besides `required`, `unique` and `description`.
FIELD_OPTIONS: dict[str, tuple[str, ...]] = {
    "string": ("pattern", "max_length"),
    "integer": ("min", "max"),
    "boolean": (),
    "date": (),
    "enum": ("values",),
    "list": ("values",),
}
NOT_UNIQUE: tuple[str, ...] = ("boolean", "list")  # types `unique` means nothing for
_INTEGER_TEXT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
# The most digits a declared whole number has: no count, size or id needs more, and
# Python refuses to read a number of more than 4,300 digits at all.
MAX_DIGITS = 100


def yaml_integer(value: Any) -> int | None:
    """A whole number as YAML 1.1 and 1.2 both read it (`4`, `-3`), else None: `010`,
    `0x1f`, `1_000` and `1:30` are numbers to one reader and not the same to another;
    nor is one of more than MAX_DIGITS digits."""
    if (
        isinstance(value, Typed)
        and value.kind == "a number"
        and _INTEGER_TEXT.fullmatch(value.text)
        and len(value.text.lstrip("+-")) <= MAX_DIGITS
    ):
        return int(value.text)
    return None


def _whole_number(value: Any) -> Any:
    number = yaml_integer(value)
    return value if number is None else number


def _field_rules() -> list[JsonValue]:
    """The JSON Schema form of FIELD_OPTIONS and NOT_UNIQUE: what each type refuses."""
    options = {name for names in FIELD_OPTIONS.values() for name in names}
    rules: list[JsonValue] = []
    for kind, allowed in FIELD_OPTIONS.items():
        then: dict[str, Any] = {"properties": {o: False for o in sorted(options - set(allowed))}}
        if kind == "enum":
            then["required"] = ["values"]
        if kind in NOT_UNIQUE:
            then["properties"]["unique"] = {"const": False}
        rules.append({"if": {"properties": {"type": {"const": kind}}}, "then": then})
    return rules


class FieldSpec(StrictModel):
    """An entry of fields.yaml: a server field of the organisation's own."""

    model_config = ConfigDict(title="Field", json_schema_extra={"allOf": _field_rules()})

    type: FieldType = Field(
        description="string, integer, boolean, date (YYYY-MM-DD), enum (one of `values`) "
        "or list (of strings; of `values` when given)."
    )
    required: bool = Field(default=False, description="Every server must have it.")
    unique: bool = Field(
        default=False,
        description="No two servers may have the same value, across all groups "
        "(not for boolean and list fields).",
    )
    description: str | None = Field(default=None, description="What the field holds.")
    pattern: str | None = Field(
        default=None,
        description="string: a regular expression the value must match (anywhere in it: "
        "anchor it with ^ and $).",
        json_schema_extra={"format": "regex"},
    )
    max_length: Annotated[int, Field(ge=1), BeforeValidator(_whole_number)] | None = Field(
        default=None, description="string: at most this many characters."
    )
    min: Annotated[int, BeforeValidator(_whole_number)] | None = Field(
        default=None, description="integer: the smallest value allowed."
    )
    max: Annotated[int, BeforeValidator(_whole_number)] | None = Field(
        default=None, description="integer: the largest value allowed."
    )
    values: Annotated[list[Annotated[str, Field(min_length=1)]], AfterValidator(_unique)] | None = (
        Field(
            default=None,
            min_length=1,
            description="enum: the values allowed (required); list: the items allowed.",
            json_schema_extra={"uniqueItems": True},
        )
    )
