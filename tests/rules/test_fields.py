"""Fields an inventory declares in fields.yaml: what each type accepts, what follows.

The case corpus (tests/cases/*/fields-*, duplicate-value-*) holds the findings and
their positions; these tests hold each type's values, the messages, the questions
other modules ask a FieldSet, and the commands that follow the declared fields.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gitinv import fields, inventory
from gitinv.commands import fmt, schema, validate
from gitinv.docs import field_table
from gitinv.errors import GitinvError
from gitinv.fields.checks import list_item_flaw, python_only, schema_match
from gitinv.fields.field import LIST_ITEM_PATTERN
from gitinv.loader import load_bytes
from tests.conftest import CASES, ROOT, build_case, gitinv

SERVER = "component: nginx\nip: 10.0.0.9\ndc: dc4\nenvironment: production\nstate: active\n"
EXAMPLE = """\
owner:   {type: string, pattern: "^[a-z][a-z0-9.-]*$", description: Team mailbox}
cpu:     {type: integer, min: 1, max: 1024}
memory_gb: {type: integer, min: 1}
os:      {type: enum, values: [debian12, debian13, rhel9, windows2022], required: true}
eol:     {type: date, description: End of vendor support}
rack:    {type: string, unique: true}
"""


def declare(text: str) -> fields.FieldSet:
    found, problems = fields.parse(text.encode())
    assert problems == [], [p.text() for p in problems]
    return found


def _read(declared: fields.FieldSet, line: str) -> tuple[dict[str, Any] | None, list[str]]:
    """A server with one more line, against the fields `declared`."""
    doc = load_bytes("inventory/servers/web/web09.yaml", (SERVER + line + "\n").encode())
    values, problems = declared.validate_server(doc)
    return values, [f"{p.line}:{p.column}: {p.code}: {p.message}" for p in problems]


def check(declaration: str, line: str) -> tuple[dict[str, Any] | None, list[str]]:
    """A server with one more line, against one declared field `x`."""
    return _read(declare(f"x: {declaration}\n"), line)


# (declaration, the server's line, the value kept) for values each type accepts.
VALID = [
    ("{type: string}", "x: web.team", "web.team"),
    ("{type: string}", 'x: "2027-01-31"', "2027-01-31"),
    ("{type: string}", 'x: ""', ""),
    ("{type: string, pattern: '^[a-z]+$', max_length: 3}", "x: abc", "abc"),
    ("{type: string, pattern: 'b'}", "x: abc", "abc"),  # anywhere, as JSON Schema's
    ("{type: integer}", "x: 4", 4),
    ("{type: integer}", "x: -12", -12),
    ("{type: integer}", "x: +7", 7),
    ("{type: integer}", "x: 0", 0),
    ("{type: integer, min: 1, max: 4}", "x: 4", 4),
    ("{type: integer, min: -3}", "x: -3", -3),
    ("{type: boolean}", "x: true", True),
    ("{type: boolean}", "x: FALSE", False),
    ("{type: boolean}", "x: False", False),
    ("{type: date}", "x: 2027-01-31", "2027-01-31"),
    ("{type: date}", 'x: "2027-01-31"', "2027-01-31"),
    ("{type: date}", "x: '2028-02-29'", "2028-02-29"),
    ("{type: enum, values: [a, b]}", "x: b", "b"),
    ("{type: enum, values: ['10', 'yes']}", 'x: "10"', "10"),
    ("{type: list}", "x: []", []),
    ("{type: list}", "x:\n  - one\n  - two words", ["one", "two words"]),
    ("{type: list}", "x: [b, a]", ["b", "a"]),  # declared order kept
    ("{type: list, values: [a, b]}", "x:\n  - b", ["b"]),
]


@pytest.mark.parametrize(("declaration", "line", "kept"), VALID)
def test_each_type_accepts(declaration: str, line: str, kept: Any) -> None:
    values, problems = check(declaration, line)
    assert problems == []
    assert values is not None and values["x"] == kept
    assert type(values["x"]) is type(kept)


# (declaration, the server's line, the finding and words its message must hold).
INVALID = [
    ("{type: string}", "x: 2027-01-31", "6:4: bad-type", 'quote it ("2027-01-31")'),
    ("{type: string}", "x: 12", "6:4: bad-type", "read by YAML as a number"),
    ("{type: string}", "x: no", "6:4: bad-type", "read by YAML as a boolean"),
    ("{type: string}", "x: [a]", "6:4: bad-type", "must be text"),
    ("{type: string}", "x:", "6:3: bad-type", "has no value"),
    ("{type: string, pattern: '^[a-z]+$'}", "x: Abc", "6:4: bad-value", "`^[a-z]+$`"),
    ("{type: string, max_length: 2}", "x: abc", "6:4: bad-value", "at most 2"),
    # `$` is the end of the text, as for an editor's JSON Schema: not before a last newline.
    ("{type: string, pattern: '^[a-z]+$'}", 'x: "abc\\n"', "6:4: bad-value", "`^[a-z]+$`"),
    ("{type: integer}", 'x: "4"', "6:4: bad-type", "write 4 without quotes"),
    ("{type: integer}", "x: 4.0", "6:4: bad-type", "whole number, not a decimal number (`4.0`)"),
    ("{type: integer}", "x: 08", "6:4: bad-type", "without the leading zero (8)"),
    ("{type: integer}", "x: -08", "6:4: bad-type", "without the leading zero (-8)"),
    ("{type: date}", "x: 0000-01-01", "6:4: bad-value", "fix the year, the month or the day"),
    ("{type: integer}", "x: .inf", "6:4: bad-type", "whole number"),
    ("{type: integer}", "x: 1e3", "6:4: bad-type", "whole number"),
    ("{type: integer}", "x: 010", "6:4: bad-value", "plain decimal"),
    ("{type: integer}", "x: 0x1f", "6:4: bad-value", "plain decimal"),
    ("{type: integer}", "x: 1_000", "6:4: bad-value", "plain decimal"),
    ("{type: integer}", "x: 1:30", "6:4: bad-value", "plain decimal"),
    ("{type: integer}", "x: true", "6:4: bad-type", "whole number"),
    ("{type: integer, min: 1}", "x: 0", "6:4: bad-value", "at least 1, not 0"),
    ("{type: integer, max: 8}", "x: 9", "6:4: bad-value", "at most 8, not 9"),
    ("{type: boolean}", "x: yes", "6:4: bad-value", "write true or false"),
    ("{type: boolean}", "x: off", "6:4: bad-value", "write true or false"),
    ("{type: boolean}", 'x: "true"', "6:4: bad-type", "write true without quotes"),
    ("{type: boolean}", "x: 1", "6:4: bad-type", "true or false"),
    ("{type: date}", 'x: "2027-02-30"', "6:4: bad-value", "not a day of the calendar"),
    ("{type: date}", "x: 2027-02-30", "6:4: bad-value", "`2027-02-30` is not a day of"),
    ("{type: date}", "x: 2027-1-31", "6:4: bad-value", "YYYY-MM-DD"),
    ("{type: date}", "x: 20270131", "6:4: bad-type", "a date such as"),
    ("{type: date}", "x: 2027-01-31 10:00:00", "6:4: bad-value", "not a date"),
    ("{type: date}", "x: [2027-01-31]", "6:4: bad-type", "a date such as"),
    ("{type: enum, values: [a, b]}", "x: c", "6:4: bad-value", "use one of a, b"),
    ("{type: enum, values: ['10']}", "x: 10", "6:4: bad-type", 'quote it ("10")'),
    # Where the quoted text would be refused too, quoting is not offered as the fix.
    (
        "{type: enum, values: [a, b]}",
        "x: 12",
        "6:4: bad-type",
        "would not help: as text it is not allowed; use one of a, b",
    ),
    (
        "{type: string, pattern: '^[a-z]+$'}",
        "x: 42",
        "6:4: bad-type",
        "would not help: as text it does not match the pattern `^[a-z]+$`",
    ),
    (
        "{type: list, values: [a, b]}",
        "x:\n  - a\n  - 5",
        "8:5: bad-type",
        "would not help: as text it is not allowed; use one of a, b",
    ),
    ("{type: list}", "x: one", "6:4: bad-type", "must be a list"),
    ("{type: list}", "x:\n  - one\n  - 2", "8:5: bad-type", "read by YAML as a number"),
    ("{type: list}", "x:\n  - a\n  - a", "8:5: bad-value", "listed twice"),
    ("{type: list, values: [a, b]}", "x:\n  - a\n  - c", "8:5: bad-value", "use one of a, b"),
    # An item must come back from `export csv` and `import csv` (and `--set`) as it went.
    ("{type: list}", "x:\n  - a\n  - b, c", "8:5: bad-value", "holds a comma"),
    ("{type: list}", "x:\n  - a\n  - ' b'", "8:5: bad-value", "starts or ends with a space"),
    ("{type: list}", "x:\n  - a\n  - ''", "8:5: bad-value", "an empty item"),
    ("{type: string, required: true}", "y: 1", "6:1: unknown-field", "nor declared in"),
]


@pytest.mark.parametrize(("declaration", "line", "finding", "words"), INVALID)
def test_each_type_refuses(declaration: str, line: str, finding: str, words: str) -> None:
    values, problems = check(declaration, line)
    assert values is None
    assert any(p.startswith(f"{finding}: ") and words in p for p in problems), problems


# The same text written as another type: one accepted, the other refused.
TYPED_PAIRS = [
    ("{type: integer}", ["x: 4", 'x: "4"']),
    ("{type: string}", ['x: "12"', "x: 12"]),
    ("{type: enum, values: ['10']}", ['x: "10"', "x: 10"]),
    ("{type: boolean}", ["x: true", 'x: "true"']),
    ("{type: date}", ["x: 2027-01-31", 'x: "2027-01-31"', "x: 2027-02-30"]),
]


def test_a_field_set_reading_many_servers_answers_as_a_new_one() -> None:
    """A FieldSet remembers the values its checks accepted (they repeat from server to
    server): a value seen before, or the same text of another type, gets the answer a
    FieldSet that has seen nothing gives."""
    lines: dict[str, list[str]] = {}
    for declaration, line, *_ in [*VALID, *INVALID]:
        lines.setdefault(declaration, []).append(line)
    for declaration, pair in TYPED_PAIRS:
        lines.setdefault(declaration, []).extend(pair)
    for declaration, written in lines.items():
        shared = declare(f"x: {declaration}\n")
        for line in [*written, *reversed(written), *written]:
            assert _read(shared, line) == check(declaration, line), (declaration, line)


def test_a_required_field_missing() -> None:
    values, problems = check("{type: string, required: true, description: Its owner.}", "")
    assert problems == ["1:1: missing-field: missing required field `x` (Its owner); add it"]
    assert values is None


def test_unknown_key_without_fields_yaml_points_to_it() -> None:
    doc = load_bytes("inventory/servers/web/web09.yaml", (SERVER + "compnent: x\n").encode())
    values, problems = fields.BUILTIN.validate_server(doc)
    assert values is None
    unknown = [p for p in problems if p.code == "unknown-field"]
    assert [(p.line, p.column) for p in unknown] == [(6, 1)]
    assert "did you mean `component`?" in unknown[0].message
    assert "declare it in inventory/fields.yaml" in unknown[0].message


def test_fields_yaml_messages_name_what_to_do() -> None:
    found, problems = fields.parse(
        b"os: {type: enum, values: [a]}\ncpu: {type: integer, pattern: x}\n"
        b"ip: {type: string}\nrack: {type: list, unique: true}\n"
    )
    assert [f.name for f in found.declared] == ["os"]
    assert found.unchecked == {"cpu", "rack"}  # their values are not checked meanwhile
    text = [p.text() for p in sorted(problems)]
    assert text == [
        "inventory/fields.yaml:2:22: unknown-field: `pattern` is not an attribute of an "
        "integer field (it takes min, max, required, unique and description); remove it",
        "inventory/fields.yaml:3:1: bad-value: `ip` is a built-in field; a declared field "
        "needs a name of its own: rename it",
        "inventory/fields.yaml:4:28: bad-value: a list field cannot be unique; remove `unique`",
    ]


@pytest.mark.parametrize("name", ["site__in", "rack_", "Rack", "_rack", "9u"])
def test_a_field_name_query_could_not_read_is_refused(name: str) -> None:
    """`query` reads `__` as a lookup: `site__in` could never be asked for by name."""
    found, problems = fields.parse(
        f"{name}: {{type: string}}\nrack_unit: {{type: string}}\n".encode()
    )
    assert [f.name for f in found.declared] == ["rack_unit"]
    assert [p.code for p in problems] == ["bad-value"]
    assert "words joined by one `_`" in problems[0].message


@pytest.mark.parametrize(
    ("declaration", "words"),
    [
        ('{type: string, pattern: "(?i)^web$"}', "uses `(?i`, Python's own"),
        ('{type: string, pattern: "^a(?#[)$"}', "uses `(?#`, Python's own"),
        ('{type: string, pattern: "^(?P<x>a)$"}', "uses `(?P`, Python's own"),
        (r"{type: string, pattern: '\Aweb\Z'}", "uses `\\A`, Python's own"),
        (r"{type: string, pattern: '^a\\(?i:b)$'}", "uses `(?i`, Python's own"),
        ('{type: string, pattern: "^(?=web)[a-z]+$"}', "look-around"),
        ("{type: string, pattern: '^(a)\\1$'}", "backreferences are not supported"),
        ('{type: list, values: [ok, "x\\n"]}', "cannot be a list item"),
        ('{type: list, values: [ok, "x, y"]}', "`x, y` cannot be a list item"),
        ("{type: list, values: [ok, ' z']}", "` z` cannot be a list item"),
    ],
)
def test_a_declaration_no_server_or_editor_could_meet_is_refused(
    declaration: str, words: str
) -> None:
    """A pattern an editor's JSON Schema cannot read, a list value no item may be."""
    found, problems = fields.parse(f"x: {declaration}\n".encode())
    assert found.unchecked == {"x"}
    assert [p.code for p in problems] == ["bad-value"] and words in problems[0].message


def test_a_pattern_that_would_backtrack_for_minutes_checks_in_a_blink(git_repo: Any) -> None:
    """`^(a+)+$` against 34 `a` and a `!` takes Python's `re` minutes; the check's
    engine does not backtrack, and the value is refused at once."""
    git_repo.copy_inventory(CASES / "base")
    git_repo.write("inventory/fields.yaml", 'rack: {type: string, pattern: "^(a+)+$"}\n')
    path = "inventory/servers/web/web01.yaml"
    git_repo.write(path, (git_repo.path / path).read_text() + f"rack: {'a' * 34}!\n")
    git_repo.commit("a rack that backtracks")
    done = subprocess.run(
        [sys.executable, "-m", "gitinv", "-C", str(git_repo.path), "validate", "--rev", "HEAD"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert f"`rack`: `{'a' * 34}!` does not match the pattern `^(a+)+$`" in done.stdout


def test_a_number_python_will_not_read_is_a_finding_not_a_crash(git_repo: Any) -> None:
    """Python reads no number of more than 4,300 digits: such a value of a declared
    integer, or such a `max`, is refused with the others, in validate and in the report."""
    huge = "9" * 4301
    git_repo.copy_inventory(CASES / "base")
    git_repo.write("inventory/fields.yaml", "cpu: {type: integer}\n")
    git_repo.commit("cpu")
    path = "inventory/servers/web/web01.yaml"
    git_repo.write(path, (git_repo.path / path).read_text() + f"cpu: {huge}\n")
    git_repo.commit("a huge cpu")
    said = "bad-value: `cpu` is a number of 4301 digits; a whole number here has at most 100"
    done = gitinv("-C", str(git_repo.path), "validate")
    assert done.returncode == 1 and said in done.stdout, done.stderr
    report = gitinv("-C", str(git_repo.path), "report", "HEAD~1", "HEAD")
    assert report.returncode == 1 and "Traceback" not in report.stderr
    assert "`cpu` is a number of 4301 digits" in report.stdout
    found, problems = fields.parse(f"cpu: {{type: integer, max: {huge}}}\n".encode())
    assert found.unchecked == {"cpu"} and [p.code for p in problems] == ["bad-type"]


def test_a_pattern_without_python_syntax_is_taken() -> None:
    """An escaped parenthesis, maybe there, then x: not a flag."""
    pattern = r"^(?:a|b)\(?x$"
    found, problems = fields.parse(f"x: {{type: string, pattern: '{pattern}'}}\n".encode())
    assert not problems and found["x"].pattern == pattern


def test_a_type_that_is_no_name_is_the_model_s_finding() -> None:
    """`type: [integer]` (a list, or a mapping) is a bad value of `type`, not a crash."""
    for bad, what in (
        (b"cpu: {type: [integer], unique: true}\n", "a list"),
        (b"cpu: {type: {a: b}, min: 1}\n", "a mapping"),
    ):
        found, problems = fields.parse(bad)
        assert found.unchecked == {"cpu"}
        assert [p.text() for p in problems] == [
            f"inventory/fields.yaml:1:13: bad-type: `type` must be text, not {what}"
        ]


def test_broken_fields_yaml_leaves_other_keys_alone() -> None:
    found, problems = fields.parse(b"owner: [\n")
    assert [p.code for p in problems] == ["yaml-syntax"] and found.broken
    doc = load_bytes("inventory/servers/web/web09.yaml", (SERVER + "owner: me\n").encode())
    values, findings = found.validate_server(doc)
    assert findings == [] and values is not None and "owner" not in values


def test_an_empty_fields_yaml_declares_nothing() -> None:
    found, problems = fields.parse(b"# nothing yet\n")
    assert problems == [] and found.present and found.declared == ()
    assert found.names == fields.BUILTIN.names


def test_builtin_fields_come_from_the_model() -> None:
    from gitinv import models

    assert fields.BUILTIN.names == tuple(models.Server.model_fields)
    kinds = {f.name: f.kind for f in fields.BUILTIN}
    assert kinds == {
        "component": "ref",
        "ip": "ip",
        "dc": "ref",
        "environment": "ref",
        "type": "ref",
        "state": "state",
        "tags": "list",
        "description": "string",
    }
    assert fields.BUILTIN["state"].values == models.STATES
    assert fields.BUILTIN["tags"].catalog == "tags" and fields.BUILTIN["dc"].catalog
    assert [f.name for f in fields.BUILTIN if f.required] == [
        "component",
        "ip",
        "dc",
        "environment",
        "state",
    ]


def test_what_other_modules_ask() -> None:
    declared = declare(EXAMPLE)
    assert declared.names[-6:] == ("owner", "cpu", "memory_gb", "os", "eol", "rack")
    assert [c.name for c in declared.columns[:3]] == ["name", "group", "component"]
    assert declared["cpu"].lookups[-4:] == ("gt", "gte", "lt", "lte")
    assert declared["eol"].lookups[-4:] == ("gt", "gte", "lt", "lte")
    assert "gt" not in declared["owner"].lookups and "gt" not in fields.BUILTIN["ip"].lookups
    assert declared["os"].required and declared["rack"].unique
    assert declared["cpu"].json_schema() == {"type": "integer", "minimum": 1, "maximum": 1024}
    assert declared["eol"].json_schema()["format"] == "date"
    assert declared["cpu"].type_text() == "integer from 1 to 1024"
    assert declared["memory_gb"].type_text() == "integer ≥ 1"
    row = declared.row("web09", "web", {"cpu": 4, "tags": ["a"]})
    assert list(row)[:3] == ["name", "group", "component"]
    assert row["cpu"] == 4 and row["os"] is None and row["tags"] == ["a"]
    assert declared.column("group") is fields.GROUP and declared.column("nope") is None


@pytest.mark.parametrize(
    ("declaration", "value", "cell"),
    [
        ("{type: integer}", -4, "-4"),
        ("{type: boolean}", True, "true"),
        ("{type: boolean}", False, "false"),
        ("{type: date}", "2027-01-31", "2027-01-31"),
        ("{type: list}", ["b", "a"], "b,a"),
        ("{type: string}", " spaced ", " spaced "),
        ("{type: enum, values: [a]}", "a", "a"),
    ],
)
def test_csv_cells_read_back(declaration: str, value: Any, cell: str) -> None:
    field = declare(f"x: {declaration}\n")["x"]
    assert field.cell(value) == cell
    assert field.parse_cell(cell) == value
    assert field.cell(None) == "" and field.parse_cell("") is None


def test_csv_cells_that_do_not_read_stay_text_for_validation() -> None:
    declared = declare("n: {type: integer}\nb: {type: boolean}\n")
    assert declared["n"].parse_cell(" 12 ") == 12
    assert declared["n"].parse_cell("twelve") == "twelve"
    assert declared["b"].parse_cell("yes") == "yes"
    assert fields.BUILTIN["tags"].parse_cell("b, a,") == ["a", "b"]  # tags sorted


def test_unique_compares_values_as_written() -> None:
    declared = declare("rack: {type: string, unique: true}\nslot: {type: integer, unique: true}\n")
    servers = [
        ("a.yaml", {"rack": "R1", "slot": 1}),
        ("b.yaml", {"rack": "r1", "slot": 1}),
        ("c.yaml", {"rack": "R1"}),
        ("d.yaml", {}),
    ]
    found = declared.duplicates(servers, lambda path, name: (3, 7))
    assert sorted((f.file, f.line, f.column, f.code) for f in found) == [
        ("a.yaml", 3, 7, "duplicate-value"),
        ("a.yaml", 3, 7, "duplicate-value"),
        ("b.yaml", 3, 7, "duplicate-value"),
        ("c.yaml", 3, 7, "duplicate-value"),
    ]
    messages = sorted(f.message for f in found if f.file == "a.yaml")
    assert "`rack: R1` is also used by c.yaml" in messages[0]
    assert "`slot: 1` is also used by b.yaml" in messages[1]


def test_field_table_lists_declared_fields() -> None:
    table = field_table(declare(EXAMPLE))
    assert "| `os` | one of `debian12`, `debian13`, `rhel9`, `windows2022` | yes |" in table
    assert "| `rack` | string | no | Declared in fields.yaml. Unique across all servers. |" in table
    assert table.index("`description`") < table.index("`owner`") < table.index("`rack`")
    assert "Adding your own fields" not in table
    assert "Adding your own fields" in field_table()


# -- through the commands --------------------------------------------------------------


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = build_case(CASES / "base", tmp_path)
    (root / "schema").mkdir()
    return root


def _validate(repo: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    code = validate.run(repo=repo, rev=None, fmt="json")
    errors = json.loads(capsys.readouterr().out)["errors"]
    return code, [f"{e['file']}:{e['line']}:{e['column']}: {e['code']}" for e in errors]


def test_declaring_fields_changes_validation_schema_and_fmt(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Adding a field touches one place: fields.yaml."""
    server = repo / "inventory/servers/web/web01.yaml"
    server.write_text("rack: fra1-r12\ncpu: 4\n" + server.read_text())
    assert schema.run(repo=repo, check=False) == 0
    capsys.readouterr()
    assert _validate(repo, capsys) == (
        1,
        [
            "inventory/servers/web/web01.yaml:1:1: unknown-field",
            "inventory/servers/web/web01.yaml:2:1: unknown-field",
        ],
    )
    assert fmt.run(repo=repo, files=[], check=True) == 1  # fmt refuses an invalid file
    capsys.readouterr()

    (repo / "inventory/fields.yaml").write_text(
        "cpu: {type: integer, min: 1}\nrack: {type: string, unique: true}\n"
    )
    assert _validate(repo, capsys) == (0, [])
    assert schema.run(repo=repo, check=True) == 1  # the schema no longer fits
    assert "server.schema.json: out of date" in capsys.readouterr().out
    assert schema.run(repo=repo, check=False) == 0
    written = json.loads((repo / "schema/server.schema.json").read_text())
    assert list(written["properties"])[-2:] == ["cpu", "rack"]
    assert written["properties"]["cpu"] == {"type": "integer", "minimum": 1}
    assert schema.run(repo=repo, check=True) == 0
    assert fmt.run(repo=repo, files=[], check=False) == 0
    assert server.read_text().splitlines()[-2:] == ["cpu: 4", "rack: fra1-r12"]
    assert fmt.run(repo=repo, files=[], check=True) == 0

    inv = inventory.load(repo)
    assert inv.fields.names[-2:] == ("cpu", "rack")
    assert inv.servers["web01"].fields["cpu"] == 4


def test_removing_a_used_field_reports_each_use(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "inventory/fields.yaml").write_text("os: {type: string}\nrack: {type: string}\n")
    for name in ("web/web01", "data/db01"):
        path = repo / f"inventory/servers/{name}.yaml"
        path.write_text(path.read_text() + "rack: r1\n")
    assert _validate(repo, capsys)[0] == 0
    (repo / "inventory/fields.yaml").write_text("os: {type: string}\n")
    code, found = _validate(repo, capsys)
    assert code == 1
    assert found == [
        "inventory/servers/data/db01.yaml:10:1: unknown-field",
        "inventory/servers/web/web01.yaml:10:1: unknown-field",
    ]


def test_fmt_orders_declared_fields_and_keeps_their_types(repo: Path) -> None:
    (repo / "inventory/fields.yaml").write_text(
        "eol: {type: date}\ncpu: {type: integer}\nbackup: {type: boolean}\n"
        "roles: {type: list}\nnotes: {type: list}\n"
    )
    path = repo / "inventory/servers/web/web01.yaml"
    path.write_text(
        "roles: [web, edge]\nbackup: True\ncpu: +4  # four\neol: 2027-01-31\n"
        + path.read_text()
        + 'notes: ["2027"]\n'
    )
    assert fmt.run(repo=repo, files=[path], check=False) == 0
    assert path.read_text().splitlines()[-9:] == [
        "description: Public web frontend",
        "eol: 2027-01-31",
        "cpu: +4  # four",
        "backup: True",
        "roles:",
        "  - web",
        "  - edge",
        "notes:",
        '  - "2027"',
    ]
    quoted = repo / "inventory/servers/data/db01.yaml"
    quoted.write_text(quoted.read_text() + 'eol: "2028-02-29"\n')
    assert fmt.run(repo=repo, files=[quoted], check=True) == 0  # a quoted date stays


def test_schema_and_fmt_refuse_a_bad_fields_yaml(repo: Path) -> None:
    before = sorted(p.name for p in (repo / "schema").iterdir())
    (repo / "inventory/fields.yaml").write_text("cpu: {type: integr}\n")
    for command in (
        lambda: schema.run(repo=repo, check=False),
        lambda: fmt.run(repo=repo, files=[], check=False),
    ):
        with pytest.raises(GitinvError) as err:
            command()
        assert err.value.exit_code == 1
        assert "inventory/fields.yaml:1:13: bad-value" in err.value.message
    assert sorted(p.name for p in (repo / "schema").iterdir()) == before


def test_a_linked_fields_yaml_is_refused(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "elsewhere.yaml").write_text("cpu: {type: integer}\n")
    os.symlink(repo / "elsewhere.yaml", repo / "inventory/fields.yaml")
    with pytest.raises(GitinvError, match="symbolic links are not allowed"):
        fields.for_worktree(repo)
    server = repo / "inventory/servers/web/web01.yaml"
    server.write_text(server.read_text() + "cpu: 4\n")
    # validate reports the link once, and leaves the servers' other keys alone meanwhile
    assert _validate(repo, capsys) == (1, ["inventory/fields.yaml:1:1: bad-file"])


def test_fields_yaml_is_the_admins(repo: Path) -> None:
    from gitinv import codeowners

    (repo / "inventory/settings.yaml").write_text('admins: ["@acme/admins"]\n')
    _, text = codeowners.render(repo)
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    # GitHub applies the last matching line: /inventory/*.yaml matches fields.yaml.
    matching = [line for line in lines if line.split()[0] in ("*", "/inventory/*.yaml")]
    assert matching[-1] == "/inventory/*.yaml @acme/admins"


def test_the_repository_schema_files_are_current(capsys: pytest.CaptureFixture[str]) -> None:
    assert schema.run(repo=ROOT, check=True) == 0
    fields_schema = json.loads((ROOT / "schema/fields.schema.json").read_text())
    assert fields_schema["additionalProperties"]["required"] == ["type"]
    names = fields_schema["propertyNames"]
    assert "ip" in names["not"]["enum"] and "history" in names["not"]["enum"]


def test_pending_checks_declared_fields_of_a_request(git_repo: Any) -> None:
    """A request branch's server files meet main's fields.yaml, on the quick path too."""
    from gitinv import queue

    git_repo.copy_inventory(CASES / "base")
    git_repo.write("inventory/fields.yaml", "cpu: {type: integer, min: 1}\n")
    git_repo.commit("base inventory with a declared field")
    for name, cpu in (("web09", "4"), ("web10", '"4"')):
        git_repo.git("checkout", "-q", "-b", f"request/add/{name}", "main")
        number = name.removeprefix("web")
        git_repo.write(
            f"inventory/servers/web/{name}.yaml",
            SERVER.replace("10.0.0.9", f"10.0.0.{int(number)}") + f"cpu: {cpu}\n",
        )
        git_repo.commit(f"add {name}")
    git_repo.git("checkout", "-q", "main")
    found = queue.scan(git_repo.path, None, "main")
    by_branch = {b.name: [(f.file, f.line, f.code) for f in b.findings] for b in found.branches}
    assert by_branch == {
        "request/add/web09": [],
        "request/add/web10": [("inventory/servers/web/web10.yaml", 6, "bad-type")],
    }


def test_report_formats_with_the_declared_fields(git_repo: Any) -> None:
    """`gitinv report` shows the canonical text of a server file by its fields.yaml."""
    from gitinv import prreport

    git_repo.copy_inventory(CASES / "base")
    git_repo.write("inventory/fields.yaml", "os: {type: string}\ncpu: {type: integer}\n")
    base = git_repo.commit("base inventory with declared fields")
    git_repo.write("inventory/servers/web/web09.yaml", "cpu: 4\nos: debian12\n" + SERVER)
    other = SERVER.replace("10.0.0.9", "10.0.0.10")
    git_repo.write("inventory/servers/web/web10.yaml", other + "os: rhel9\ncpu: 2\n")
    report = prreport.build(git_repo.path, base, None)
    assert report.findings == []
    (reformat,) = report.reformat
    assert reformat.path == "inventory/servers/web/web09.yaml"
    assert reformat.new == SERVER + "os: debian12\ncpu: 4\n"


def test_canonical_form_never_drops_a_key_it_does_not_know() -> None:
    from gitinv import canonical

    doc = load_bytes("inventory/servers/web/web09.yaml", ("zz: 1\n" + SERVER).encode())
    text = canonical.render(doc, "zz: 1\n" + SERVER)
    assert text == SERVER + "zz: 1\n"


@pytest.mark.parametrize(
    ("declaration", "type_text", "schema"),
    [
        ("{type: boolean}", "`true` or `false`", {"type": "boolean"}),
        ("{type: integer}", "integer", {"type": "integer"}),
        ("{type: integer, max: 9}", "integer ≤ 9", {"type": "integer", "maximum": 9}),
        (
            "{type: string, pattern: '^a', max_length: 4}",
            "string matching `^a` at most 4 characters",
            {"type": "string", "pattern": "^a", "maxLength": 4},
        ),
        (
            "{type: enum, values: [a, b], description: One.}",
            "one of `a`, `b`",
            {"description": "One.", "type": "string", "enum": ["a", "b"]},
        ),
        (
            "{type: list, values: [a]}",
            "list of `a`",
            {
                "type": "array",
                "items": {"type": "string", "pattern": LIST_ITEM_PATTERN, "enum": ["a"]},
                "uniqueItems": True,
            },
        ),
        (
            "{type: list}",
            "list of strings",
            {
                "type": "array",
                "items": {"type": "string", "pattern": LIST_ITEM_PATTERN},
                "uniqueItems": True,
            },
        ),
    ],
)
def test_each_type_in_the_schema_and_the_table(
    declaration: str, type_text: str, schema: dict[str, Any]
) -> None:
    field = declare(f"x: {declaration}\n")["x"]
    assert field.type_text() == type_text
    assert field.json_schema() == schema
    assert declare(f"x: {declaration}\n").get("x") == field


def test_builtin_fields_answer_with_the_model_schema() -> None:
    from gitinv import models, schemas

    model = schemas.model_schema(models.Server)["properties"]
    assert {f.name: f.json_schema() for f in fields.BUILTIN} == model
    assert fields.BUILTIN.server_schema() == schemas.model_schema(models.Server)
    assert fields.BUILTIN.get("owner") is None and "ip" in fields.BUILTIN


def test_check_declared_alone_leaves_the_model_its_keys() -> None:
    doc = load_bytes("inventory/servers/web/web09.yaml", (SERVER + "state2: x\ncpu: 4\n").encode())
    declared, problems = declare("cpu: {type: integer}\n").check_declared(doc)
    assert declared == {"cpu": 4}
    assert [(p.line, p.code) for p in problems] == [(6, "unknown-field")]


def test_flags_in_fields_yaml_are_true_or_false() -> None:
    found, problems = fields.parse(
        b"a: {type: string, unique: on}\nb: {type: string, required: TRUE}\n"
    )
    assert [p.text() for p in problems] == [
        "inventory/fields.yaml:1:27: bad-value: `unique`: write true or false, not `on`"
    ]
    assert found.get("b") is not None and found["b"].required


def test_an_unreadable_fields_yaml_is_said_so(repo: Path) -> None:
    (repo / "inventory/fields.yaml").mkdir()
    with pytest.raises(GitinvError, match=r"fields\.yaml: cannot read it"):
        fields.for_worktree(repo)


@pytest.mark.parametrize(
    ("pattern", "value", "matches"),
    [
        ("^[a-z]+$", "web\n", False),
        ("^[a-z]+$", "web", True),
        ("^x$|^y$", "y\n", False),
        ("^[$]+$", "$$", True),  # in a class, `$` is a character
        (r"^a\$$", "a$", True),  # escaped too
        ("^[]$]+$", "]$", True),  # `]` first in a class is a character: `$` still in it
        ("^[^]$]+$", "a$", False),
        (r"^[\]$]+$", "]$", True),
        ("^[a-]$", "-\n", False),  # the class is closed: `$` is the end again
    ],
)
def test_a_pattern_s_dollar_is_the_end_of_the_text(pattern: str, value: str, matches: bool) -> None:
    assert schema_match(pattern)(value) is matches


def test_a_value_written_the_same_is_no_change_when_its_field_is_retyped(git_repo: Any) -> None:
    """`eol` goes from a date field to a text field and web01's `eol: 2030-01-01` stays as
    written: every format says only `cpu` changed, the comparison tables too."""
    from gitinv.diff import inventory_diff
    from gitinv.diffformat import RENDERERS

    git_repo.copy_inventory(CASES / "base")
    git_repo.write("inventory/fields.yaml", "eol: {type: date}\ncpu: {type: integer}\n")
    web01 = git_repo.path / "inventory/servers/web/web01.yaml"
    web01.write_text(web01.read_text() + "cpu: 8\neol: 2030-01-01\n")
    base = git_repo.commit("declared fields")
    git_repo.write("inventory/fields.yaml", "eol: {type: string}\ncpu: {type: integer}\n")
    web01.write_text(web01.read_text().replace("cpu: 8", "cpu: 12"))
    d = inventory_diff(git_repo.path, base, None)
    (server,) = d.servers
    assert set(server.changes) == {"cpu"}
    markdown = RENDERERS["markdown"](d)
    assert "| ✏️ | ` cpu ` | ` 8 ` | **` 12 `** |" in markdown
    assert "| | ` eol ` | ` 2030-01-01 ` *(date)* | ` 2030-01-01 ` *(date)* |" in markdown
    page = RENDERERS["html"](d)
    eol_row = next(row for row in page.split("<tr") if "<td>eol</td>" in row)
    assert 'class="changed"' not in eol_row


@pytest.mark.parametrize(
    ("pattern", "found"),
    [
        (r"^[(?i]+$", None),  # in a character class, `(?i` is three characters
        (r"^[a\](?i]$", None),
        (r"^(?:a|b)\(?x$", None),  # an escaped parenthesis
        (r"^(?=a)(?!b)(?<=c)(?<!d)(?<n>e)$", None),  # what ECMA has too
        (r"^a\\(?i:b)$", "(?i"),  # an escaped backslash, then a group
        (r"(?>ab)", "(?>"),
        (r"(a)(?(1)b|c)", "(?("),
        (r"\Aweb\Z", r"\A"),
    ],
)
def test_python_only_syntax_is_found_outside_classes(pattern: str, found: str | None) -> None:
    assert python_only(pattern) == found


@pytest.mark.parametrize("item", ["a", "a b", "é", "a,b", " a", "a ", "a\n", "\ta", "x\u00a0"])
def test_a_list_item_s_rule_and_its_json_schema_pattern_agree(item: str) -> None:
    """`validate` says why an item is refused; the JSON Schema says the same with
    LIST_ITEM_PATTERN ($ the end of the text, as an editor reads it)."""
    assert (list_item_flaw(item) is None) == schema_match(LIST_ITEM_PATTERN)(item)
