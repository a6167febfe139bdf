"""Writing server files for requests, and the fast reader history relies on."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitinv.changes import NotText, Unreadable, parse
from gitinv.edit import parse_sets, render_server, set_fields
from gitinv.errors import GitinvError

ROOT = Path(__file__).resolve().parents[2]

FILE = """\
# top comment
component: nginx  # kept
ip: 10.1.2.3
dc: fra1
environment: production
state: active
tags:
  - a
# about the description
description: x
"""


def test_set_fields_keeps_other_lines_and_comments() -> None:
    out = set_fields(
        FILE, {"state": "offline", "type": "vm", "tags": ["z", "b"], "description": None}
    )
    assert out == (
        "# top comment\ncomponent: nginx  # kept\nip: 10.1.2.3\ndc: fra1\n"
        "environment: production\ntype: vm\nstate: offline\ntags:\n  - b\n  - z\n"
    )


def test_set_fields_keeps_crlf_line_ends() -> None:
    crlf = FILE.replace("\n", "\r\n")
    out = set_fields(crlf, {"state": "offline", "tags": ["a"]})
    assert out == set_fields(FILE, {"state": "offline", "tags": ["a"]}).replace("\n", "\r\n")
    assert "\r\n# about the description\r\n" in out


def test_set_fields_adds_in_schema_order() -> None:
    assert set_fields("description: d\n", {"component": "nginx"}) == (
        "component: nginx\ndescription: d\n"
    )


def test_render_server_is_canonical() -> None:
    text = render_server(
        {
            "state": "active",
            "component": "nginx",
            "ip": "10.1.2.3",
            "dc": "fra1",
            "environment": "production",
            "tags": ["b", "a"],
            "description": "yes: no",
        }
    ).decode()
    assert text == (
        "component: nginx\nip: 10.1.2.3\ndc: fra1\nenvironment: production\nstate: active\n"
        'tags:\n  - a\n  - b\ndescription: "yes: no"\n'
    )


def test_parse_sets() -> None:
    assert parse_sets(["state=active", "tags=b, a,,a", "description="]) == {
        "state": "active",
        "tags": ["a", "b"],
        "description": None,
    }
    for bad, message in [
        ("state", "FIELD=VALUE"),
        ("colour=red", "unknown field"),
        ("state=a", None),
    ]:
        if message is None:
            with pytest.raises(GitinvError, match="given twice"):
                parse_sets([bad, bad])
        else:
            with pytest.raises(GitinvError, match=message):
                parse_sets([bad])


SAMPLES = [
    "a: b\n",
    "tags:\n  - x\n  - y\n",
    "tags:\n- x\n",
    "tags:\n",
    "tags: []\n",
    "on: x\n",
    "ip: 10.1.2.3\nstate: no\n",
    "d: 2024-01-01\n",
    "n: 1:30\n",
    "x: 'yes'\n",
    'x: "@a/b"\n',
    "x: a # c\n",
    "x: 1.5\n",
    "x: .5\n",
    "x: 1e5\n",
    "x: 0x1f\n",
    "x: a, b\n",
    "x: 2001:db8::1\n",
    "x: 10.1.0.0/16\n",
    "x: a\n  - b\n",
    "x: +1\n",
    "x: 1_000\n",
    "x: null\n",
    "x: Null\n",
    "x: y\n",
    "x: NO\n",
    "x: a\r\n",
    'x: "a\\""\n',
    "x: [a]\n",
    "x: 190:20:30\n",
    "x: 1.2.3\n",
    "x: 017\n",
    "x: .inf\n",
    "x: ...\n",
    "x: a:b\n",
    "a: b\na: c\n",
    "x:  b\n",
    "x: b \n",
    "---\nx: b\n",
    "x: ~\n",
    "x: ''\n",
    'x: "a\rb"\n',
    "x: 'a\rb'\n",
    'x: "a\x85b"\n',
    'x: "a\u2028b"\n',
]


_KINDS = {bool: "a boolean", int: "a number", float: "a number", dt.date: "a date"}


def _as_yaml_reads(value: Any) -> Any:
    """What PyYAML's safe loader gives for a value `parse` keeps as text."""
    if isinstance(value, NotText):
        return value.kind
    if isinstance(value, list):
        return [_as_yaml_reads(v) for v in value]
    return value


def _kind(value: Any) -> Any:
    if isinstance(value, list):
        return [_kind(v) for v in value]
    for kind, text in _KINDS.items():
        if isinstance(value, kind):
            return text
    return value


@pytest.mark.parametrize("text", SAMPLES)
def test_parse_reads_what_yaml_reads_without_converting(text: str) -> None:
    """Every value is the text written; one YAML reads as a number, boolean or date is
    marked as such, never converted; a file validate refuses does not read."""
    found = parse(text.encode())
    try:
        expected = yaml.safe_load(text)
    except yaml.YAMLError:
        assert isinstance(found, Unreadable), text
        return
    if isinstance(found, Unreadable):
        # Only what validate refuses too: a duplicate key, a key that is not a name.
        code = found.problem.split(" ")[1]
        assert code in ("duplicate-key:", "bad-type:"), (text, found)
        return
    assert {k: _as_yaml_reads(v) for k, v in found.items()} == {
        k: _kind(v) for k, v in expected.items()
    }, text


def test_parse_reads_the_example_inventory_as_yaml_does() -> None:
    files = sorted((ROOT / "inventory" / "servers").rglob("*.yaml"))
    assert files
    for path in files:
        data = path.read_bytes()
        assert parse(data) == yaml.safe_load(data), path


def test_parse_keeps_the_text_of_what_yaml_reads_as_other_than_text() -> None:
    found = parse(b"state: no\nip: 10\nd: 2024-01-02\nq: 'no'\n")
    assert found == {
        "state": NotText("no", "a boolean"),
        "ip": NotText("10", "a number"),
        "d": NotText("2024-01-02", "a date"),
        "q": "no",
    }
    assert isinstance(found, dict) and found["state"] != "no" and found["q"] == "no"


def test_parse_of_junk_says_why() -> None:
    assert parse(b"\xff\xfe") == Unreadable(
        "1:1 bad-file: file is not UTF-8 (byte 0xff); save it as UTF-8"
    )
    assert parse(b"- a\n- b\n") == Unreadable(
        "1:1 bad-type: the top level is not a mapping of keys to values"
    )
    bad = parse(b"a: [\n")
    assert isinstance(bad, Unreadable) and bad.problem.startswith("2:1 yaml-syntax: ")
    assert parse(b"") == Unreadable("1:1 bad-file: file is empty", empty=True)
    missing = parse(None)
    assert isinstance(missing, Unreadable) and "git does not have" in missing.problem


def test_value_text_escapes_line_breaks() -> None:
    from gitinv.diffformat import value_text

    assert value_text("a\nb") == '"a\\nb"'
    assert value_text("plain text") == "plain text"
    assert value_text(["x", "y"]) == "x, y"
