"""One field of a server (`Field`), and the built-in ones, read from the Server model."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any, Literal

from gitinv import lookups as lookups_
from gitinv import models, schemas
from gitinv.layout import FIELDS_FILE as FIELDS_FILE
from gitinv.loader import Typed

Kind = Literal["string", "integer", "boolean", "date", "enum", "list", "ref", "ip", "state"]
TEXT_LOOKUPS: tuple[str, ...] = lookups_.for_kind("string")
ORDER_LOOKUPS: tuple[str, ...] = tuple(
    name for name in lookups_.for_kind("integer") if name not in TEXT_LOOKUPS
)
ORDERED_KINDS = lookups_.ORDERED_KINDS
DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# An item of a declared list, as the JSON Schema says what `fields.checks` refuses with a
# message each: no comma (a CSV cell's and --set's separator), no space at either end.
LIST_ITEM_PATTERN = r"^[^,\s](?:[^,]*[^,\s])?$"
# True and false as YAML 1.1 and 1.2 both read them (`yes`, `on` are 1.1's alone).
BOOLEANS = {"true": True, "True": True, "TRUE": True}
BOOLEANS |= {"false": False, "False": False, "FALSE": False}


@dataclass(frozen=True, slots=True)
class Field:
    """One field of a server: what it holds and every rule it has."""

    name: str
    kind: Kind
    description: str = ""
    required: bool = False
    unique: bool = False
    builtin: bool = False
    values: tuple[str, ...] = ()  # enum and state: those allowed; list: its items (or any)
    catalog: str | None = None  # ref, and a list of references (tags): the catalog named
    pattern: str | None = None
    max_length: int | None = None
    minimum: int | None = None
    maximum: int | None = None

    @property
    def is_list(self) -> bool:
        return self.kind == "list"

    @property
    def empty(self) -> Any:
        """The value of an absent field in an output row."""
        return [] if self.is_list else None

    @property
    def lookups(self) -> tuple[str, ...]:
        """`gitinv query`'s and the dashboard's lookups on this field."""
        return lookups_.for_kind(self.kind)

    def json_schema(self) -> dict[str, Any]:
        """The JSON Schema of the field's value in a server file."""
        if self.builtin:
            return dict(_builtin_properties()[self.name])
        schema: dict[str, Any] = {}
        if self.description:
            schema["description"] = self.description
        if self.kind == "integer":
            schema["type"] = "integer"
            if self.minimum is not None:
                schema["minimum"] = self.minimum
            if self.maximum is not None:
                schema["maximum"] = self.maximum
        elif self.kind == "boolean":
            schema["type"] = "boolean"
        elif self.kind == "date":
            schema.update(type="string", format="date", pattern=f"^{DATE_RE.pattern}$")
        elif self.kind == "enum":
            schema.update(type="string", enum=list(self.values))
        elif self.kind == "list":
            # No comma, no space at either end, not empty: what a CSV cell keeps.
            items: dict[str, Any] = {"type": "string", "pattern": LIST_ITEM_PATTERN}
            if self.values:
                items["enum"] = list(self.values)
            schema.update(type="array", items=items, uniqueItems=True)
        else:
            schema["type"] = "string"
            if self.pattern is not None:
                schema["pattern"] = self.pattern
            if self.max_length is not None:
                schema["maxLength"] = self.max_length
        return schema

    def type_text(self) -> str:
        """The type as the README's field table says it."""
        if self.kind in ("state", "enum"):
            return "one of " + ", ".join(f"`{v}`" for v in self.values)
        if self.kind == "list":
            if self.values:
                return "list of " + ", ".join(f"`{v}`" for v in self.values)
            return "list of strings"
        if self.kind == "integer":
            low, high = self.minimum, self.maximum
            if low is not None and high is not None:
                return f"integer from {low} to {high}"
            if low is not None or high is not None:
                return (
                    f"integer {'≥ ' if low is not None else '≤ '}{low if low is not None else high}"
                )
            return "integer"
        if self.kind == "boolean":
            return "`true` or `false`"
        if self.kind == "date":
            return "date, `YYYY-MM-DD`"
        extra = []
        if self.pattern is not None:
            extra.append(f"matching `{self.pattern}`")
        if self.max_length is not None:
            extra.append(f"at most {self.max_length} characters")
        return " ".join(["string", *extra])

    def cell(self, value: Any) -> str:
        """The value as a CSV cell (and as the text a query lookup compares)."""
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, list):
            return ",".join(map(str, value))
        return str(value)

    def parse_cell(self, text: str) -> Any:
        """A CSV cell back as the value to write (None: empty). A cell that does not
        read as the field's type is handed on as text, for validation to report."""
        if self.kind != "string":
            text = text.strip()  # free text keeps its spaces; names and numbers do not
        if text == "":
            return None
        if self.is_list:
            items = [item.strip() for item in text.split(",") if item.strip()]
            return sorted(items) if self.catalog is not None else items
        if self.kind == "integer":
            number = models.yaml_integer(Typed("a number", text))
            return text if number is None else number
        if self.kind == "boolean":
            return BOOLEANS.get(text, text)
        return text


# The server's path gives these two: lookups and columns have them, files do not.
NAME = Field(
    "name",
    "string",
    "A lowercase DNS name: labels of `a-z 0-9 -` (at most 63 characters) joined by dots, "
    "at most 253 in all. Unique across all groups.",
    required=True,
    unique=True,
    builtin=True,
)
GROUP = Field("group", "ref", "An entry of `groups.yaml`.", True, builtin=True, catalog="groups")


@functools.cache
def _builtin_properties() -> dict[str, dict[str, Any]]:
    return dict(schemas.model_schema(models.Server)["properties"])


def builtin_fields() -> tuple[Field, ...]:
    """The Server model's fields, their kinds read from its JSON Schema."""
    out = []
    for name, info in models.Server.model_fields.items():
        schema = _builtin_properties()[name]
        kind: Kind = "string"
        values: tuple[str, ...] = ()
        catalog = models.REFERENCES.get(name)
        if catalog is not None:
            kind = "list" if schema.get("type") == "array" else "ref"
        elif "enum" in schema:
            kind, values = "state", tuple(schema["enum"])
        elif any(option.get("format") == "ipv4" for option in schema.get("anyOf", [])):
            kind = "ip"
        out.append(
            Field(
                name,
                kind,
                info.description or "",
                required=info.is_required(),
                unique=kind == "ip",
                builtin=True,
                values=values,
                catalog=catalog,
            )
        )
    return tuple(out)
