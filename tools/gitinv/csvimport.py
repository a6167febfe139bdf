"""Reading server rows from CSV: the export's columns and NetBox's device-export names.

Turns a CSV text into :class:`NewServer` values (a file path and its YAML
text) plus the problems found in the CSV itself; the inventory's own rules are
applied afterwards by validating the new files together with the inventory.

The columns are the inventory's FieldSet's: name, group, the built-in fields and
those fields.yaml declares, each cell read by its field (`Field.parse_cell`: a
whole number, true or false, a date, a comma-separated list). A cell that does not
read as its type is handed on as text, for validation to name the row and field.

Public API::

    text = read_file(path)                    # the CSV's text, or a GitinvError
    servers, problems = plan(text, group, base, declared)  # read and checked
    sys.stderr.write(problems_text(str(path), problems))
    write(repo, servers)                      # every file or none
    request(path, servers)                    # the Plan of `--request`
"""

from __future__ import annotations

import csv
import io
import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gitinv import canonical, checks, inventory, layout, models
from gitinv.edit import typed_value
from gitinv.errors import GitinvError
from gitinv.exports.tables import columns, unneutralise
from gitinv.fields import BUILTIN, FieldSet
from gitinv.report import Finding
from gitinv.request_plan import Plan
from gitinv.source import Overlay, Source

HELD_NAME = "row"  # a stand-in file name: a held row's own name is what is wrong with it

#: NetBox device-export column names and the field each fills.
ALIASES: dict[str, str] = {
    "primary_ip": "ip",
    "site": "dc",
    "role": "component",
    "status": "state",
}


@dataclass(frozen=True)
class Problem:
    """A problem of one CSV row (row 1 is the header), coded like validate's findings."""

    row: int
    code: str
    message: str
    name: str = ""


@dataclass
class NewServer:
    row: int
    name: str
    group: str
    fields: dict[str, Any] = field(default_factory=dict)
    order: tuple[str, ...] = models.SERVER_FIELDS

    @property
    def path(self) -> str:
        return f"inventory/servers/{self.group}/{self.name}.yaml"

    def yaml(self) -> str:
        return server_yaml(self.path, self.fields, self.order)


def server_yaml(
    path: str, fields: dict[str, Any], order: tuple[str, ...] = models.SERVER_FIELDS
) -> str:
    """A new server file in the canonical form of ``gitinv fmt`` (`order`: its FieldSet's
    names); empty values left out."""
    present = {key: value for key, value in fields.items() if value not in (None, "", [])}
    return "\n".join(line.text for line in canonical.lines_for(path, present, order)) + "\n"


def _column(header: str) -> str:
    return header.strip().lower().replace(" ", "_").replace("-", "_")


def _columns(headers: list[str], fields: FieldSet) -> tuple[dict[int, str], list[Problem]]:
    """Maps each CSV column index to the field it fills."""
    mapping: dict[int, str] = {}
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    known_columns = columns(fields)
    known = ", ".join([*known_columns, *ALIASES])
    if len(headers) == 1 and (sep := next((c for c in ";\t|" if c in headers[0]), None)):
        shown = "a tab" if sep == "\t" else f"`{sep}`"
        message = (
            f"the columns are separated by {shown}, not commas: save the file as CSV with commas"
        )
        return {}, [Problem(1, "bad-file", message)]
    for index, header in enumerate(headers):
        column = _column(header)
        target = ALIASES.get(column, column)
        if target not in known_columns:
            problems.append(
                Problem(
                    1,
                    "unknown-field",
                    f"unknown column {header!r}: remove it or rename it to one of {known}",
                )
            )
        elif target in seen:
            problems.append(
                Problem(
                    1,
                    "unknown-field",
                    f"columns {seen[target]!r} and {header!r} both give {target!r}: keep one",
                )
            )
        else:
            seen[target] = header
            mapping[index] = column
    if "name" not in seen:
        problems.append(
            Problem(
                1,
                "missing-field",
                f"no 'name' column: the header must name its columns, from {known}",
            )
        )
    return mapping, problems


def _value(column: str, cell: str, fields: FieldSet) -> Any:
    declared = fields.get(column)
    if declared is not None and not declared.builtin:
        text = cell if declared.kind == "string" else cell.strip()
        return typed_value(declared, unneutralise(text))
    # A description is free text: its spaces are kept, so `export csv` + `import csv`
    # gives the same value. Other cells are names, addresses and lists: spaces go.
    cell = unneutralise(cell if column == "description" else cell.strip())
    if column == "tags":
        return sorted(tag.strip() for tag in cell.split(",") if tag.strip())
    if column == "primary_ip" and "/" in cell:
        try:  # NetBox writes an address with its prefix length
            return str(ipaddress.ip_interface(cell).ip)
        except ValueError:
            return cell
    return cell


def read(
    text: str,
    default_group: str | None = None,
    held: list[NewServer] | None = None,
    fields: FieldSet = BUILTIN,
) -> tuple[list[NewServer], list[Problem]]:
    """Every data row as a :class:`NewServer`, and the problems the CSV itself has.
    `fields`: the inventory's, whose columns the CSV may have.

    A row refused for its name or group goes to `held` (when given), so that its
    fields can still be checked: every problem of a row is reported at once.
    """
    # strict: an unclosed quote is an error, not a cell that swallows the rows below it
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), strict=True)
    try:
        headers = next(reader)
    except StopIteration:
        return [], [Problem(1, "bad-file", "the CSV file is empty: it needs a header row")]
    except csv.Error as exc:
        return [], [Problem(1, "bad-file", f"not a readable CSV file: {exc}")]
    mapping, problems = _columns(headers, fields)
    if problems:
        return [], problems
    servers: list[NewServer] = []
    paths: dict[str, int] = {}
    number = 1
    try:
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            server, row_problems = _server(number, mapping, cells, default_group, fields)
            problems.extend(row_problems)
            if row_problems or server is None:
                if server is not None and held is not None:
                    held.append(server)
                continue
            if server.path in paths:
                problems.append(
                    Problem(
                        number,
                        "duplicate-name",
                        f"row {paths[server.path]} already has {server.path}: keep one",
                        server.name,
                    )
                )
                if held is not None:
                    held.append(server)
                continue
            paths[server.path] = number
            servers.append(server)
    except csv.Error as exc:
        hint = (
            "; a quote opened in this row is never closed"
            if "unexpected end of data" in str(exc)
            else "; a cell that holds quotes must be quoted as a whole, its quotes doubled"
        )
        problems.append(Problem(number + 1, "bad-file", f"not a readable CSV row: {exc}{hint}"))
    return servers, problems


def _server(
    number: int,
    mapping: dict[int, str],
    cells: list[str],
    default_group: str | None,
    fieldset: FieldSet,
) -> tuple[NewServer | None, list[Problem]]:
    if len(cells) > len(mapping):
        extra = f"{len(cells)} cells where the header has {len(mapping)}"
        return None, [Problem(number, "bad-file", f"{extra}: quote a cell that holds a comma")]
    values = {mapping[i]: _value(mapping[i], cell, fieldset) for i, cell in enumerate(cells)}
    fields = {ALIASES.get(key, key): value for key, value in values.items()}
    name = fields.pop("name", "") or ""
    group = fields.pop("group", "") or default_group or ""
    order = fieldset.names
    problems = []
    if not name:
        problems.append(Problem(number, "missing-field", "name is empty: every row needs one"))
    if not group:
        problems.append(
            Problem(
                number,
                "missing-field",
                "group is empty: fill the group column or give --group",
                name,
            )
        )
    for label, value in (("name", name), ("group", group)):
        if value in (".", "..") or "/" in value or "\\" in value:
            problems.append(
                Problem(
                    number, "bad-path", f"{label} {value!r} cannot be a file or folder name", name
                )
            )
    named = [p for p in problems if p.code == "bad-path" and p.message.startswith("name ")]
    if name and not named and not models.is_server_name(name):
        problems.append(
            Problem(
                number,
                "bad-path",
                f"`{name}` is not a valid server name: lowercase letters, digits and hyphens "
                "in dot-separated labels of at most 63 characters; fix the name cell",
                name,
            )
        )
    if name and not any(v not in (None, "", []) for v in fields.values()):
        # Its file would be empty: say so in the CSV's terms, not the file's.
        problems.append(
            Problem(
                number,
                "missing-field",
                "the row fills no field but the name and group: "
                "fill component, ip, dc, environment and state",
                name,
            )
        )
    if problems:
        # Held back, but its fields are still worth checking when it has any.
        kept = any(v not in (None, "", []) for v in fields.values())
        return (NewServer(number, name, group, fields, order) if kept else None), problems
    return NewServer(number, name, group, fields, order), []


def read_file(file: Path) -> str:
    """The CSV file's text; a missing, unreadable or non-UTF-8 file is a GitinvError."""
    try:
        # Bytes, not text mode: the csv module reads line ends inside quoted cells itself.
        return file.read_bytes().decode("utf-8")
    except FileNotFoundError as exc:
        raise GitinvError(f"{file}: no such file", 2) from exc
    except UnicodeDecodeError as exc:
        raise GitinvError(f"{file}: not UTF-8 text ({exc.reason}); save it as UTF-8", 1) from exc
    except OSError as exc:
        raise GitinvError(f"{file}: {exc.strerror}", 2) from exc


def plan(
    text: str, group: str | None, base: Source, declared: FieldSet
) -> tuple[list[NewServer], list[Problem]]:
    """The CSV's new servers and every problem: the CSV's own, then the inventory's
    rules on the new files together with `base`'s."""
    held: list[NewServer] = []
    servers, problems = read(text, group, held, declared)
    if servers or held:
        problems += check(base, servers, held)
    return servers, problems


def check(
    base: Source, servers: Sequence[NewServer], held: Sequence[NewServer] = ()
) -> list[Problem]:
    """The inventory's own rules on the new files together with the existing ones, and
    on the fields of the `held` rows (refused for their name or group) on their own."""
    problems: list[Problem] = []
    fresh: list[NewServer] = []
    existing = {f.path for f in base.files()}
    for server in servers:
        if server.path in existing:
            problems.append(
                Problem(
                    server.row,
                    "duplicate-name",
                    f"{server.path} already exists: import only creates servers",
                    server.name,
                )
            )
        else:
            fresh.append(server)
    by_path = {server.path: server for server in fresh}
    extra = {path: server.yaml().encode() for path, server in by_path.items()}
    inv = inventory.load(base.root, source=Overlay(base, extra))
    rules = checks.Rules(inv.catalogs, set(inv.broken))
    for row in held:
        problems.extend(_field_problems(rules, row, inv.fields))
    others: list[Finding] = []
    for finding in inv.findings:
        new = by_path.get(finding.file)
        if new is None:
            others.append(finding)
        else:
            problems.append(Problem(new.row, finding.code, finding.message, new.name))
    if others:
        # Problems of existing files: the inventory's own, or the other side of a
        # new row's duplicate (already reported on that row).
        before = set(inventory.load(base.root, source=base).findings)
        problems.extend(
            Problem(0, f.code, f"{f.file}:{f.line}:{f.column}: {f.message}")
            for f in others
            if f in before
        )
    return problems


def _field_problems(rules: checks.Rules, row: NewServer, declared: FieldSet) -> list[Problem]:
    """The problems of a row's fields alone, read as the file it would become."""
    path = layout.server_path("held", HELD_NAME)
    data = server_yaml(path, row.fields, row.order).encode()
    record, findings = inventory.read_server(path, data, declared)
    if record is not None:
        findings += rules.check_fields(record)
    return [Problem(row.row, f.code, f.message, row.name) for f in findings]


def write(repo: Path, servers: Sequence[NewServer]) -> None:
    """Writes every file, or none: a failure removes the files already written."""
    written: list[Path] = []
    try:
        for server in servers:
            target = repo / server.path
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "x", encoding="utf-8", newline="\n") as out:
                written.append(target)
                out.write(server.yaml())
    except OSError as exc:
        for path in written:
            path.unlink(missing_ok=True)
        raise GitinvError(
            f"cannot write {exc.filename}: {exc.strerror}; nothing imported", 1
        ) from exc


def format_problem(source: str, problem: Problem) -> str:
    where = f"{source}: row {problem.row}" if problem.row else "inventory"
    name = f" ({problem.name})" if problem.name else ""
    return f"{where}{name}: {problem.code}: {problem.message}"


def problems_text(source: str, problems: Sequence[Problem]) -> str:
    """Every problem a line, by row, then the summary line."""
    lines = [
        format_problem(source, problem)
        for problem in sorted(problems, key=lambda p: (p.row, p.code, p.message))
    ]
    rows = len({p.row for p in problems if p.row})
    own = (
        " (and the inventory has problems of its own: see gitinv validate)"
        if any(not p.row for p in problems)
        else ""
    )
    lines.append(f"gitinv: {rows} bad row(s) in {source}{own}; nothing imported")
    return "".join(f"{line}\n" for line in lines)


def branch_name(file: Path) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", file.stem.lower()).strip("-")
    return f"request/import/{slug or 'csv'}"


def request(file: Path, servers: Sequence[NewServer]) -> Plan:
    """What `import csv --request` asks for: a branch adding every new server."""
    return Plan(
        branch_name(file),
        f"Import {len(servers)} server(s) from {file.name}",
        {server.path: server.yaml().encode() for server in servers},
    )
