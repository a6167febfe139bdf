"""A server's fields, built-in and declared: the one place that knows them.

The built-in fields come from the pydantic `models.Server` (names, order, types,
descriptions); an inventory may declare more in `inventory/fields.yaml`, each
checked like a catalog entry against `models.FieldSpec`. Whatever lists, checks,
orders, shows, exports or parses a server's fields asks a `FieldSet`.

Public API::

    fields = BUILTIN                           # an inventory without fields.yaml
    fields, findings = parse(data)             # fields.yaml's bytes
    fields = for_worktree(root)                # the working tree's (GitinvError when bad)
    fields.names / .builtin / .declared / .columns / fields["cpu"] / "cpu" in fields
    field.kind / .required / .unique / .description / .lookups / .type_text()
    field.json_schema() / .cell(value) / .parse_cell(text) / .unique_key(value)
    declared, findings = fields.check_declared(doc)   # all but SERVER_MODEL's keys
    values, findings = fields.read_server(doc)        # both: what passed, every problem
    values, findings = fields.validate_server(doc)    # the values only when valid
    fields.duplicates(servers, where)          # `unique` across all servers
    fields.server_schema() / fields.row(name, group, values)
"""

from __future__ import annotations

import datetime
import difflib
import functools
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import ConfigDict

from gitinv import models, schemas
from gitinv.errors import GitinvError
from gitinv.loader import Document, LoadError, Pos, Typed, load_bytes
from gitinv.report import Finding
from gitinv.schema_errors import describe, validate, validate_fields
from gitinv.source import INVENTORY, read_limited

FIELDS_FILE = f"{INVENTORY}/fields.yaml"

Kind = Literal["string", "integer", "boolean", "date", "enum", "list", "ref", "ip", "state"]
TEXT_LOOKUPS: tuple[str, ...] = ("exact", "iexact", "icontains", "iregex", "in")
ORDER_LOOKUPS: tuple[str, ...] = ("gt", "gte", "lt", "lte")
ORDERED_KINDS = frozenset({"integer", "date"})

RESERVED = models.RESERVED_FIELD_NAMES
_NAME_RE = re.compile(models.FIELD_NAME_PATTERN)
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_INTEGER = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
# The attributes that belong to some types only (models.FIELD_OPTIONS).
_OPTIONS = frozenset(o for options in models.FIELD_OPTIONS.values() for o in options)
_FLOAT = re.compile(r"[.]|inf|nan", re.IGNORECASE)  # what YAML reads as a float, not an int
_YAML12_BOOLEANS = {"true": True, "True": True, "TRUE": True}
_YAML12_BOOLEANS |= {"false": False, "False": False, "FALSE": False}


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
        return TEXT_LOOKUPS + ORDER_LOOKUPS if self.kind in ORDERED_KINDS else TEXT_LOOKUPS

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
            schema.update(type="string", format="date", pattern=f"^{_DATE_RE.pattern}$")
        elif self.kind == "enum":
            schema.update(type="string", enum=list(self.values))
        elif self.kind == "list":
            items: dict[str, Any] = {"type": "string"}
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
            return _YAML12_BOOLEANS.get(text, text)
        return text

    def unique_key(self, value: Hashable) -> Hashable:
        """What two values must share to be the same value for `unique`: the value as
        written and read (`R12` and `r12` differ). The types that may be unique are
        scalars (models.NOT_UNIQUE)."""
        return value


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


def _builtin_fields() -> tuple[Field, ...]:
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


@dataclass(frozen=True)
class FieldSet:
    """The fields of the servers of one inventory: the built-in ones, then the declared.

    `present`: the inventory has a fields.yaml. `unchecked`: declared names whose
    declaration is wrong (reported on fields.yaml), whose values are neither checked
    nor reported as unknown; `broken`: fields.yaml could not be read at all, so any
    key beyond the built-in ones is left alone."""

    fields: tuple[Field, ...]
    present: bool = False
    unchecked: frozenset[str] = frozenset()
    broken: bool = False

    def __iter__(self) -> Iterator[Field]:
        return iter(self.fields)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __getitem__(self, name: str) -> Field:
        return self._by_name[name]

    def get(self, name: str) -> Field | None:
        return self._by_name.get(name)

    @functools.cached_property
    def _by_name(self) -> dict[str, Field]:
        return {f.name: f for f in self.fields}

    @functools.cached_property
    def names(self) -> tuple[str, ...]:
        """Every field a server file may hold, in the canonical order."""
        return tuple(f.name for f in self.fields)

    @property
    def builtin(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.builtin)

    @property
    def declared(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if not f.builtin)

    @functools.cached_property
    def columns(self) -> tuple[Field, ...]:
        """A server as a row (exports, servers.json, query, the dashboard): its name
        and group, then every field."""
        return (NAME, GROUP, *self.fields)

    def column(self, name: str) -> Field | None:
        return next((f for f in self.columns if f.name == name), None)

    def row(self, name: str, group: str, values: Mapping[str, Any]) -> dict[str, Any]:
        """A server as a row of :attr:`columns`; an absent field is None (a list: [])."""
        row: dict[str, Any] = {"name": name, "group": group}
        for f in self.fields:
            row[f.name] = values.get(f.name, f.empty)
        return row

    def server_schema(self) -> dict[str, Any]:
        """The JSON Schema of a server file: the model's, with the declared fields."""
        schema = schemas.model_schema(models.Server)
        declared = self.declared
        if not declared:
            return schema
        properties = dict(schema["properties"])
        required = list(schema.get("required", []))
        for f in declared:
            properties[f.name] = f.json_schema()
            if f.required:
                required.append(f.name)
        return {**schema, "properties": properties, "required": required}

    @functools.cached_property
    def _checker(self) -> _Checker:
        return _Checker(self)

    def check_declared(self, doc: Document) -> tuple[dict[str, Any], list[Finding]]:
        """The declared values of a server document (a mapping) that pass their checks
        (as read: int, bool, str, list), and the problems of every key the Server model
        does not check: declared values, required declared fields that are missing,
        and unknown keys. The built-in keys are `SERVER_MODEL`'s."""
        return self._checker.check(doc)

    def read_server(self, doc: Document) -> tuple[dict[str, Any], list[Finding]]:
        """A server document (a mapping) against every field: every problem, and the
        values that passed their own checks (declared ones as read: int, bool, str,
        list), so the rules across files can check them in the same run."""
        checker = self._checker
        values, problems = validate_fields(SERVER_MODEL, doc.value, doc)
        declared, findings = checker.check(doc)
        if problems or findings or checker.leaves_alone:
            # Only what passed is handed on: not an unknown key, nor a key left alone.
            values = {k: v for k, v in values.items() if k in checker.builtin}
        if declared:
            values = {**values, **declared}
        return values, problems + findings

    def validate_server(self, doc: Document) -> tuple[dict[str, Any] | None, list[Finding]]:
        """`read_server`, but the values only when the server is valid on its own."""
        values, findings = self.read_server(doc)
        return (None, findings) if findings else (values, [])

    def duplicates(
        self,
        servers: Iterable[tuple[str, Mapping[str, Any]]],
        where: Callable[[str, str], Pos],
    ) -> list[Finding]:
        """The `unique` declared fields across all servers ((path, values) pairs): each
        file holding a value another holds too, naming the others. `where(path, name)`
        is the position of the value (asked only for the files reported)."""
        unique = [f for f in self.declared if f.unique]
        if not unique:
            return []
        servers = list(servers)
        out: list[Finding] = []
        for f in unique:
            keys = [f.unique_key(values.get(f.name)) for _, values in servers]
            counts = Counter(keys)  # at C speed: most inventories have no duplicate
            shared = {key for key, count in counts.items() if count > 1 and key is not None}
            holders: dict[Hashable, list[str]] = defaultdict(list)
            for (path, _), key in zip(servers, keys, strict=True):
                if key in shared:
                    holders[key].append(path)
            for key, paths in holders.items():
                shown = f.cell(key)
                for path in paths:
                    others = ", ".join(p for p in sorted(paths) if p != path)
                    out.append(
                        Finding(
                            path,
                            *where(path, f.name),
                            "duplicate-value",
                            f"`{f.name}: {shown}` is also used by {others}; `{f.name}` is "
                            "unique (fields.yaml): give each server its own",
                        )
                    )
        return out


BUILTIN = FieldSet(_builtin_fields())


class _ServerKeys(models.Server):
    """The Server model, leaving the keys it does not know to the FieldSet."""

    model_config = ConfigDict(extra="ignore")


SERVER_MODEL: type[models.Server] = _ServerKeys
_ABSENT = object()


# A check of one declared value: the value as kept, or the problem (code, message, where:
# None for the value itself, else the index of a list item).
class _Problem:
    __slots__ = ("code", "item", "message")

    def __init__(self, code: str, message: str, item: int | None = None) -> None:
        self.code, self.message, self.item = code, message, item


Check = Callable[[Any], Any]


def _suffix(f: Field) -> str:
    return f" ({f.description.rstrip('.')})" if f.description else ""


def _not_text(name: str, value: Any) -> _Problem:
    if isinstance(value, Typed):
        return _Problem(
            "bad-type",
            f"`{name}`: `{value.text}` is read by YAML as {value.kind}, not text; "
            f'quote it ("{value.text}") if you mean the text',
        )
    return _Problem("bad-type", f"`{name}` must be text (a string), not {describe(value)}")


def _string_check(f: Field) -> Check:
    name, pattern, longest = f.name, f.pattern, f.max_length
    compiled = re.compile(pattern) if pattern is not None else None

    def check(value: Any) -> Any:
        if type(value) is not str:
            return _not_text(name, value)
        if longest is not None and len(value) > longest:
            return _Problem(
                "bad-value",
                f"`{name}` is {len(value)} characters long; at most {longest} are allowed",
            )
        if compiled is not None and compiled.search(value) is None:
            return _Problem(
                "bad-value",
                f"`{name}`: `{value}` does not match the pattern `{pattern}`{_suffix(f)}",
            )
        return value

    return check


def _not_integer(name: str, value: Any) -> _Problem:
    if isinstance(value, Typed) and value.kind == "a number" and not _FLOAT.search(value.text):
        return _Problem(
            "bad-value",
            f"`{name}`: write `{value.text}` as a plain decimal number "
            "(YAML readers disagree on what this form means)",
        )
    plain = ""
    if isinstance(value, str) and _INTEGER.fullmatch(value):
        plain = f"; write {value} without quotes"
    return _Problem("bad-type", f"`{name}` must be a whole number, not {describe(value)}{plain}")


def _integer_check(f: Field) -> Check:
    name, low, high = f.name, f.minimum, f.maximum

    def check(value: Any) -> Any:
        text = value.text if type(value) is Typed and value.kind == "a number" else ""
        if text.isdigit() and (text[0] != "0" or len(text) == 1):
            number = int(text)  # the usual form, without the regular expression
        else:
            found = models.yaml_integer(value)
            if found is None:
                return _not_integer(name, value)
            number = found
        if low is not None and number < low:
            return _Problem("bad-value", f"`{name}` must be at least {low}, not {number}")
        if high is not None and number > high:
            return _Problem("bad-value", f"`{name}` must be at most {high}, not {number}")
        return number

    return check


def _boolean_check(f: Field) -> Check:
    name = f.name

    def check(value: Any) -> Any:
        if isinstance(value, Typed) and value.kind == "a boolean":
            known = _YAML12_BOOLEANS.get(value.text)
            if known is not None:
                return known
            return _Problem(
                "bad-value",
                f"`{name}`: write true or false, not `{value.text}` "
                "(a boolean to some YAML readers and text to others)",
            )
        plain = (
            f"; write {value} without quotes"
            if isinstance(value, str) and value in _YAML12_BOOLEANS
            else ""
        )
        return _Problem("bad-type", f"`{name}` must be true or false, not {describe(value)}{plain}")

    return check


def _date_check(f: Field) -> Check:
    name = f.name

    def check(value: Any) -> Any:
        if isinstance(value, Typed) and value.kind == "a date":
            text = value.text
        elif type(value) is str:
            text = value
        else:
            return _Problem(
                "bad-type", f"`{name}` must be a date such as 2027-01-31, not {describe(value)}"
            )
        try:
            if not _DATE_RE.fullmatch(text):
                raise ValueError(text)
            datetime.date.fromisoformat(text)
        except ValueError:
            return _Problem(
                "bad-value",
                f"`{name}`: `{text}` is not a date; write it as YYYY-MM-DD (2027-01-31)",
            )
        return text

    return check


def _enum_check(f: Field) -> Check:
    name, allowed = f.name, frozenset(f.values)
    shown = ", ".join(f.values)

    def check(value: Any) -> Any:
        if type(value) is not str:
            return _not_text(name, value)
        if value not in allowed:
            return _Problem("bad-value", f"`{name}`: `{value}` is not allowed; use one of {shown}")
        return value

    return check


def _list_check(f: Field) -> Check:
    name, allowed = f.name, frozenset(f.values)
    shown = ", ".join(f.values)

    def check(value: Any) -> Any:
        if type(value) is not list:
            return _Problem(
                "bad-type",
                f"`{name}` must be a list, not {describe(value)}; write each item on a line "
                f"of its own under `{name}:` as `  - item`",
            )
        seen: set[str] = set()
        for index, item in enumerate(value):
            if type(item) is not str:
                problem = _not_text(f"{name}.{index}", item)
                problem.item = index
                return problem
            if allowed and item not in allowed:
                return _Problem(
                    "bad-value", f"`{name}`: `{item}` is not allowed; use one of {shown}", index
                )
            if item in seen:
                return _Problem(
                    "bad-value", f"`{item}` is listed twice; list each entry once", index
                )
            seen.add(item)
        return value

    return check


_CHECKS: dict[str, Callable[[Field], Check]] = {
    "string": _string_check,
    "integer": _integer_check,
    "boolean": _boolean_check,
    "date": _date_check,
    "enum": _enum_check,
    "list": _list_check,
}


class _Checker:
    """A FieldSet's per-server checks, made once: a tight loop over its declared fields."""

    def __init__(self, fields: FieldSet) -> None:
        declared = [f for f in fields.declared if f.name not in fields.unchecked]
        self.checks = tuple((f.name, _CHECKS[f.kind](f)) for f in declared)
        self.required = tuple(f for f in declared if f.required)
        # Keys left alone: the model's, and those of declarations that are wrong (or,
        # when fields.yaml cannot be read, any key at all).
        self.builtin = frozenset(f.name for f in fields.builtin)
        self.known = self.builtin | fields.unchecked | {f.name for f in declared}
        self.broken = fields.broken
        self.leaves_alone = fields.broken or bool(fields.unchecked)
        self.present = fields.present
        self.names = fields.names

    def check(self, doc: Document) -> tuple[dict[str, Any], list[Finding]]:
        value: dict[str, Any] = doc.value
        declared: dict[str, Any] = {}
        findings: list[Finding] = []
        if not (self.broken or value.keys() <= self.known):
            findings += [self._unknown(doc, key) for key in value if key not in self.known]
        get = value.get
        for name, check in self.checks:
            item = get(name)
            if item is not None:
                result = check(item)
                if type(result) is not _Problem:
                    declared[name] = result
                    continue
                loc = (name,) if result.item is None else (name, result.item)
                findings.append(Finding(doc.path, *doc.position(loc), result.code, result.message))
            elif name in value:
                findings.append(
                    Finding(
                        doc.path,
                        *doc.position((name,)),
                        "bad-type",
                        f"`{name}` has no value; give it one or remove the line",
                    )
                )
        for f in self.required:
            if f.name not in value:
                findings.append(
                    Finding(
                        doc.path,
                        1,
                        1,
                        "missing-field",
                        f"missing required field `{f.name}`{_suffix(f)}; add it",
                    )
                )
        return declared, findings

    def _unknown(self, doc: Document, key: str) -> Finding:
        close = difflib.get_close_matches(key, self.names, n=1)
        hint = f"did you mean `{close[0]}`? " if close else ""
        if self.present:
            why = f"it is neither a built-in field nor declared in {FIELDS_FILE}"
            fix = "declare it there or remove it from this file"
        else:
            why = "it is not a built-in field"
            fix = f"remove it, or declare it in {FIELDS_FILE} (see the README)"
        return Finding(
            doc.path,
            *doc.key_positions.get((key,), doc.position((key,))),
            "unknown-field",
            f"unknown field `{key}`: {why}; {hint}{fix}; fields: {', '.join(self.names)}",
        )


# -- fields.yaml ----------------------------------------------------------------------


def parse(data: bytes, path: str = FIELDS_FILE) -> tuple[FieldSet, list[Finding]]:
    """fields.yaml's declarations and its problems, reported like a catalog's."""
    try:
        doc = load_bytes(path, data, allow_empty=True)
    except LoadError as exc:
        return FieldSet(BUILTIN.fields, present=True, broken=True), exc.findings
    if not isinstance(doc.value, dict):
        return FieldSet(BUILTIN.fields, present=True, broken=True), [
            Finding(
                path,
                *doc.position(()),
                "bad-type",
                "fields.yaml must be a mapping from field names to their declarations, "
                "such as `cpu: {type: integer, min: 1}`",
            )
        ]
    declared: list[Field] = []
    unchecked: set[str] = set()
    findings: list[Finding] = []
    for name, attrs in doc.value.items():
        field, problems = _declaration(doc, name, attrs)
        findings.extend(problems)
        if field is not None:
            declared.append(field)
        elif name not in BUILTIN and name not in RESERVED:
            unchecked.add(name)
    return FieldSet((*BUILTIN.fields, *declared), True, frozenset(unchecked)), findings


def _declaration(doc: Document, name: str, attrs: Any) -> tuple[Field | None, list[Finding]]:
    """One entry of fields.yaml: its Field when it is right, else None and why."""
    at = doc.key_positions[(name,)]
    if name in BUILTIN or name in RESERVED:
        what = "a built-in field" if name in BUILTIN else "a key every published server has"
        return None, [
            Finding(
                doc.path,
                *at,
                "bad-value",
                f"`{name}` is {what}; a declared field needs a name of its own: rename it",
            )
        ]
    findings: list[Finding] = []
    if not _NAME_RE.fullmatch(name):
        findings.append(
            Finding(
                doc.path,
                *at,
                "bad-value",
                f"field name `{name}` must be lowercase letters, digits and `_`, starting "
                "with a letter; rename it",
            )
        )
    if not isinstance(attrs, dict):
        findings.append(
            Finding(
                doc.path,
                *doc.position((name,)),
                "bad-type",
                f"field `{name}` must be a mapping of its attributes, such as "
                f"`{name}: {{type: string}}`",
            )
        )
        return None, findings
    attrs = dict(attrs)
    for key in ("required", "unique"):
        if key in attrs and attrs[key] is not None:
            flag = _flag(doc, (name, key), attrs[key])
            if isinstance(flag, Finding):
                findings.append(flag)
                del attrs[key]
            else:
                attrs[key] = flag
    valid, problems = validate(models.FieldSpec, attrs, doc, (name,))
    findings.extend(problems)
    findings.extend(_consistency(doc, name, attrs))
    if valid is None or findings:
        return None, findings
    spec = models.FieldSpec.model_validate(valid)
    field = Field(
        name,
        spec.type,
        spec.description or "",
        required=spec.required,
        unique=spec.unique,
        values=tuple(spec.values or ()),
        pattern=spec.pattern,
        max_length=spec.max_length,
        minimum=spec.min,
        maximum=spec.max,
    )
    return field, []


def _flag(doc: Document, loc: tuple[str, str], value: Any) -> bool | Finding:
    """`required` and `unique`: true or false as every YAML reader reads them."""
    if isinstance(value, Typed) and value.kind == "a boolean":
        known = _YAML12_BOOLEANS.get(value.text)
        if known is not None:
            return known
        return Finding(
            doc.path,
            *doc.position(loc),
            "bad-value",
            f"`{loc[1]}`: write true or false, not `{value.text}`",
        )
    return Finding(
        doc.path,
        *doc.position(loc),
        "bad-type",
        f"`{loc[1]}` must be true or false, not {describe(value)}",
    )


def _consistency(doc: Document, name: str, attrs: dict[str, Any]) -> list[Finding]:
    """What the model alone does not say: which attributes each type takes, a pattern
    that compiles, min not above max, a type `unique` means something for. Checked on
    whatever has the right type, beside the model's own findings."""
    findings: list[Finding] = []
    kind = attrs.get("type")
    if kind in models.FIELD_OPTIONS:
        allowed = models.FIELD_OPTIONS[kind]
        article = "an" if kind[0] in "aeiou" else "a"
        for key in attrs:
            if key in _OPTIONS and key not in allowed:
                takes = f"{', '.join(allowed)}, " if allowed else ""
                findings.append(
                    Finding(
                        doc.path,
                        *doc.key_positions[(name, key)],
                        "unknown-field",
                        f"`{key}` is not an attribute of {article} {kind} field (it takes "
                        f"{takes}required, unique and description); remove it",
                    )
                )
        if kind == "enum" and "values" not in attrs:
            findings.append(
                Finding(
                    doc.path,
                    *doc.position((name,)),
                    "missing-field",
                    "missing required field `values` (the values an enum allows); add it",
                )
            )
        if attrs.get("unique") is True and kind in models.NOT_UNIQUE:
            findings.append(
                Finding(
                    doc.path,
                    *doc.position((name, "unique")),
                    "bad-value",
                    f"{article} {kind} field cannot be unique; remove `unique`",
                )
            )
    pattern = attrs.get("pattern")
    if isinstance(pattern, str):
        try:
            re.compile(pattern)
        except re.error as exc:
            findings.append(
                Finding(
                    doc.path,
                    *doc.position((name, "pattern")),
                    "bad-value",
                    f"`pattern` is not a regular expression: {exc}; fix it",
                )
            )
    low, high = models.yaml_integer(attrs.get("min")), models.yaml_integer(attrs.get("max"))
    if low is not None and high is not None and low > high:
        findings.append(
            Finding(
                doc.path,
                *doc.position((name, "max")),
                "bad-value",
                f"`max` ({high}) is below `min` ({low}); no value could pass: fix one",
            )
        )
    return findings


def for_worktree(root: Path) -> FieldSet:
    """The working tree's fields: built-in only without fields.yaml; a fields.yaml
    with problems is a GitinvError listing them (exit 1)."""
    path = root / FIELDS_FILE
    if (root / INVENTORY).is_symlink() or path.is_symlink():
        raise GitinvError(
            f"{FIELDS_FILE}: symbolic links are not allowed under inventory/; "
            "replace it with the file itself",
            exit_code=1,
        )
    if not path.exists():
        return BUILTIN
    try:
        data = read_limited(path)
    except OSError as exc:
        raise GitinvError(f"{FIELDS_FILE}: cannot read it ({exc.strerror or exc})", 1) from None
    fields, findings = parse(data)
    if findings:
        lines = [f.text() for f in sorted(findings)]
        raise GitinvError(
            "\n".join([*lines, f"fix {len(findings)} problem(s) in {FIELDS_FILE} first"]), 1
        )
    return fields
