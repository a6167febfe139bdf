"""The fields of one inventory's servers (`FieldSet`): the built-in ones, then those its
fields.yaml declares."""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ConfigDict, model_validator

from gitinv import models, schemas
from gitinv.fields.checks import Checker
from gitinv.fields.field import GROUP, NAME, Field, builtin_fields
from gitinv.loader import Document, Pos
from gitinv.report import Finding
from gitinv.schema_errors import validate_fields


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
        row.update(zip(self.names, map(values.get, self.names), strict=True))
        for key in self._lists:
            if row[key] is None:
                row[key] = []
        return row

    @functools.cached_property
    def _lists(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.is_list)

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
    def _checker(self) -> Checker:
        return Checker(self)

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
            # Two values are the same value as written and read (`R12` and `r12` differ);
            # the types that may be unique are scalars (models.NOT_UNIQUE).
            name = f.name
            keys = [values.get(name) for _, values in servers]
            distinct = set(keys)  # at C speed: most inventories have no duplicate
            distinct.discard(None)
            if len(distinct) == len(keys) - keys.count(None):
                continue
            counts = Counter(keys)
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


BUILTIN = FieldSet(builtin_fields())


class _ServerKeys(models.Server):
    """The Server model, leaving the keys it does not know to the FieldSet. It is asked
    through `validate_fields` alone, which has reported the keys without a value and
    taken them out: the model's own look for them would be the same work again, on
    every server file (2,000 to 3,000 machine instructions of some 265,000)."""

    model_config = ConfigDict(extra="ignore")

    @model_validator(mode="before")
    @classmethod
    def _no_empty_values(cls, data: Any) -> Any:
        return data


SERVER_MODEL: type[models.Server] = _ServerKeys
