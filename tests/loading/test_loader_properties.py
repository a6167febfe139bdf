"""Properties of the one strict loader, over generated YAML text and raw bytes, on both
of its paths: the working tree (`inventory.parse_server`, `loader.load_bytes`) and git
objects (`changes.parse`, what `compare` makes of two versions, and `history.scan`
over a real repository). Whatever the input: no exception but a finding, a finding
always has a position, a value is only ever text (never converted), nothing named by a
tag is ever called, and a version that does not read never hides a change.

The examples are derandomised (the profile in tests/conftest.py): CI runs the same ones.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from gitinv import history, inventory
from gitinv.changes import NotText, Unreadable, compare, parse
from gitinv.git import FileChange
from gitinv.loader import LoadError, Typed, fast_load, load_bytes, load_text
from gitinv.report import CODES, Finding
from tests.conftest import GitRepo

CALLED: list[str] = []


def boom(*args: object) -> None:
    """What a `!!python/object/apply:` tag names: a loader that constructs tags calls it."""
    CALLED.append(repr(args))


HERE = __name__
TOKENS = [
    "component", "ip", "dc", "state", "tags", "description", "on", "no", "null", "~",
    "10", "010", "0x1f", "1:30", "1.5", ".inf", "2024-01-02", "10.1.2.3", "2001:db8::1",
    "&a", "*a", "&b [*a, *a, *a]", "<<: *a", "!!str", "!!int", "!tag",
    f"!!python/object/apply:{HERE}.boom [1]", f"!!python/name:{HERE}.boom",
    "[", "]", "{", "}", ",", ": ", ":", "- ", "-", "? ", "|", ">", "#", " #", "'", '"',
    "\\", "\\u2028", "\\x07", "%YAML 1.1", "---", "...", "\t", "\r", "\r\n", "\n", "  ",
    "\x00", "\x07", "\x1b]0;x\x07", "\x7f", "\x85", "\x9b", "\u2028", "\ufeff", "é",
]  # fmt: skip
LINE = st.lists(
    st.one_of(st.sampled_from(TOKENS), st.text(max_size=6)), min_size=1, max_size=8
).map("".join)
YAML_TEXT = st.lists(LINE, min_size=1, max_size=8).map(lambda lines: "\n".join(lines) + "\n")
# The plain shape the fast path takes: `key: value` lines and two-space list items.
KEYS = ["component", "ip", "tags", "description", "on", "no", "y", "null", "true", "a_b", "A"]
# ASCII but the characters the fast path leaves to libyaml anyway: control characters
# included, which it must leave too.
PLAIN = st.text(st.characters(max_codepoint=0x7F, exclude_characters="\n\t\r#&*!|>'\"{}%@`\\"))
VALUE = st.one_of(PLAIN.filter(bool), st.sampled_from(TOKENS), st.text(max_size=10))
SERVER_LINE = st.one_of(
    st.tuples(st.sampled_from(KEYS), VALUE).map(lambda kv: f"{kv[0]}: {kv[1]}"),
    st.sampled_from(KEYS).map(lambda k: f"{k}:"),
    VALUE.map(lambda v: f"  - {v}"),
)
SERVERISH = st.lists(SERVER_LINE, min_size=1, max_size=6).map(lambda ls: "\n".join(ls) + "\n")
# Mostly plain text, now and then a character the fast path must leave to libyaml.
NEARLY_PLAIN = st.text(st.sampled_from("abcxyz019.-_/ :,[]?\x00\x07\x0b\x1b\x7f"), max_size=8)
SCALAR = st.one_of(
    NEARLY_PLAIN.map(str.strip).filter(bool),
    PLAIN.map(str.strip).filter(bool),
    st.sampled_from(TOKENS),
)


def _render(doc: dict[str, str | list[str]]) -> str:
    lines = []
    for key, value in doc.items():
        items = value if isinstance(value, list) else None
        lines += [f"{key}:", *(f"  - {v}" for v in items)] if items else [f"{key}: {value}"]
    return "\n".join(lines) + "\n"


# Whole files of the fast path's shape, distinct keys, scalars or block lists.
FAST_SHAPED = st.dictionaries(
    st.sampled_from(KEYS), st.one_of(SCALAR, st.lists(SCALAR, min_size=1, max_size=3)), min_size=1
).map(_render)
INPUTS = st.one_of(
    YAML_TEXT.map(lambda t: t.encode("utf-8", "surrogatepass")),
    SERVERISH.map(lambda t: t.encode("utf-8", "surrogatepass")),
    FAST_SHAPED.map(str.encode),
    st.binary(max_size=200),
)
PATH = "inventory/servers/web/web01.yaml"
NOT_TEXT = (bool, int, float, dt.date, dt.datetime, bytes)
PROBLEM = re.compile(r"[1-9][0-9]*:[1-9][0-9]* [a-z-]+: \S")


def _plain(value: Any, *, typed: type) -> None:
    """Only text, text kept as written (`typed`), None, lists and mappings of them."""
    if isinstance(value, dict):
        for key, item in value.items():
            assert type(key) is str
            _plain(item, typed=typed)
    elif isinstance(value, list):
        for item in value:
            _plain(item, typed=typed)
    else:
        assert value is None or isinstance(value, (str, typed)), repr(value)
        assert not isinstance(value, NOT_TEXT), repr(value)


def _positioned(findings: list[Finding]) -> None:
    assert findings
    for f in findings:
        assert f.file == PATH and f.line >= 1 and f.column >= 1 and f.code in CODES, f
        assert f.message


@given(INPUTS)
def test_the_working_tree_path_gives_a_value_or_findings(data: bytes) -> None:
    try:
        doc = load_bytes(PATH, data, allow_empty=True)
    except LoadError as exc:
        _positioned(exc.findings)
    else:
        _plain(doc.value, typed=Typed)
    record, findings = inventory.parse_server(PATH, data)
    if record is None:
        _positioned(findings)
    else:
        assert findings == [] and all(type(v) in (str, list) for v in record.fields.values())
    assert CALLED == []


@given(st.one_of(FAST_SHAPED, FAST_SHAPED, SERVERISH, YAML_TEXT))
def test_the_fast_path_refuses_exactly_what_libyaml_refuses(text: str) -> None:
    fast = fast_load(PATH, text)
    try:
        full = load_text(PATH, text)
    except LoadError:
        assert fast is None
        return
    if fast is not None:
        for key in full.value:
            unplaced = fast_load(PATH, text)
            assert unplaced is not None and unplaced.value_position(key) == full.positions[(key,)]
        assert (fast.value, fast.positions, fast.key_positions) == (
            full.value,
            full.positions,
            full.key_positions,
        )


@given(INPUTS)
def test_the_git_object_path_gives_a_value_or_where_it_does_not_read(data: bytes) -> None:
    found = parse(data)
    if isinstance(found, Unreadable):
        assert PROBLEM.match(found.problem), found
    else:
        _plain(found, typed=NotText)
    assert CALLED == []


@given(INPUTS, INPUTS)
def test_a_version_that_does_not_read_never_hides_the_change(old: bytes, new: bytes) -> None:
    blobs = {"old": parse(old), "new": parse(new)}
    changes = compare(
        [FileChange(PATH, "old", "new")], blobs.__getitem__, old_at="in commit a", new_at="in b"
    )
    bad = {side for side, doc in blobs.items() if isinstance(doc, Unreadable)}
    if bad:
        (change,) = changes
        assert set(change.unreadable) == bad and change.changes == {}
        for side in bad:
            assert change.unreadable[side].startswith(
                f"unreadable {'in commit a' if side == 'old' else 'in b'}: "
            )
    elif blobs["old"] != blobs["new"]:
        (change,) = changes
        assert change.action == "updated" and change.changes and not change.unreadable
    else:
        assert changes == []


@settings(max_examples=5)
@given(st.lists(INPUTS, min_size=2, max_size=4))
def test_history_reads_every_version_in_a_real_repository(
    tmp_path_factory: Any, versions: list[bytes]
) -> None:
    repo = GitRepo(Path(tmp_path_factory.mktemp("history")) / "repo")
    commits = []
    for n, data in enumerate(versions):
        repo.write(PATH, data)
        commits.append(repo.commit(f"Version {n} (#{n + 1})"))
    log = history.scan(repo.path, "main")
    entries = log.for_server("web01")
    changed = {e.info.commit for e in entries}
    for n, (commit, data) in enumerate(zip(commits, versions, strict=True)):
        before = versions[n - 1] if n else None
        if before == data:
            assert commit not in changed  # git records no change at all
            continue
        unreadable = isinstance(parse(data), Unreadable)
        if unreadable or (before is not None and isinstance(parse(before), Unreadable)):
            (entry,) = [e for e in entries if e.info.commit == commit]
            if unreadable:
                assert entry.change.unreadable["new"].startswith(
                    f"unreadable in commit {commit[:10]}: "
                )
    assert CALLED == []
