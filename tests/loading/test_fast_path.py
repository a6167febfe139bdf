"""The fast path for plain server files gives exactly what the libyaml path gives."""

from __future__ import annotations

import random

import pytest

from gitinv.loader import Document, LoadError, fast_load, load_text
from tests.conftest import CASES, ROOT

TRICKY_VALUES = [
    "nginx",
    "no",
    "No",
    "off",
    "yes",
    "on",
    "y",
    "true",
    "null",
    "~",
    "010",
    "0x1f",
    "1_000",
    "1:30",
    "1.5",
    ".5",
    "-1",
    "+1",
    "2024-01-02",
    "2024-01-02 10:00:00",
    "10.0.0.1",
    "1.2.3",
    "1..2",
    ".1.2",
    "1.5.",
    "2001:db8::1",
    "a:b",
    "a: b",
    "a :b",
    "trailing:",
    "x # y",
    "x#y",
    "=",
    "<<",
    "a, b",
    "a[1]",
    "[]",
    "[a]",
    "{}",
    "-",
    "- x",
    "?x",
    "@x",
    "`x",
    "'x'",
    '"x"',
    "x  y",
    "é",
]


def _same(text: str) -> None:
    fast = fast_load("f.yaml", text)
    try:
        full = load_text("f.yaml", text)
    except LoadError:
        assert fast is None, text
        return
    if fast is not None:
        _same_value_positions(text, full)
        assert (fast.value, fast.positions, fast.key_positions) == (
            full.value,
            full.positions,
            full.key_positions,
        ), text


def _same_value_positions(text: str, full: Document) -> None:
    """A fast-path document's `value_position`, answered from its lines alone (before
    anything works its positions out), is libyaml's position of each value."""
    for key in [*full.value, "nothere", "ip"]:
        fast = fast_load("f.yaml", text)
        assert fast is not None
        if (key,) in full.positions:
            assert fast.value_position(key) == full.positions[(key,)], (text, key)
        else:
            with pytest.raises(KeyError):
                fast.value_position(key)


@pytest.mark.parametrize("value", TRICKY_VALUES)
def test_scalar_values(value: str) -> None:
    _same(f"component: x\ndescription: {value}\n")
    _same(f"tags:\n  - {value}\n  - b\nstate: {value}\n")
    _same(f"tags:\n  - {value}\n")  # alone: `state:` above may refuse the file first


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\na: 2\n",
        "tags:\nstate: x\n",
        "tags:\n",
        "tags: []\n",
        "a: b\n\nc: d\n",
        "a: b",
        "---\na: b\n",
        "a: b\n  c\n",
        "tags:\n- a\n",
        "tags:\n   - a\n",
        "a:  b\n",
        "a: b \n",
        "A: b\n",
        "a: b\r\n",
        "tags:\n  - a\n  -  b\n",
        "a:\n  - x\nb: y\n  - z\n",
        "disk2_gb: 4\nipv6: 2001:db8::1\n",
        "1a: b\n",
        "_1: b\n",
    ],
)
def test_shapes(text: str) -> None:
    _same(text)


def test_keys_with_digits_take_the_fast_path() -> None:
    """A declared field's name may hold digits (`disk2_gb`): no reason to leave the path."""
    assert fast_load("f.yaml", "disk2_gb: 4\nos2: x\n") is not None


def test_every_server_file_in_the_repository() -> None:
    taken = 0
    for path in [*(ROOT / "inventory").rglob("*.yaml"), *CASES.rglob("*.yaml")]:
        data = path.read_bytes()
        try:
            text = data.decode()
        except UnicodeDecodeError:
            continue
        _same(text)
        taken += fast_load(str(path), text) is not None
    assert taken > 40  # the plain files do take the fast path


# What an edit to a server file may put in or take out: a character the fast path looks
# at, a line's start or end, a line break.
EDITS = [*"az09.-_ :,[]?|#'\"", "  - ", ": ", ":\n", " \n", "\n\n", "\n", "\n  - x"]


def test_server_files_edited_at_random() -> None:
    """The repository's server files with a piece put in, cut out or a line repeated
    (seeded): the fast path gives libyaml's document or leaves the file to it."""
    rng = random.Random(7)
    files = sorted((ROOT / "inventory" / "servers").rglob("*.yaml"))
    texts = [path.read_text() for path in files]
    taken = 0
    for _ in range(3000):
        text = rng.choice(texts)
        at = rng.randrange(len(text) + 1)
        kind = rng.random()
        if kind < 0.4:
            text = text[:at] + rng.choice(EDITS) + text[at:]
        elif kind < 0.7:
            text = text[:at] + text[at + rng.randint(1, 4) :]
        else:
            lines = text.split("\n")
            lines.insert(rng.randrange(len(lines)), rng.choice(lines))
            text = "\n".join(lines)
        _same(text)
        taken += fast_load("f.yaml", text) is not None
    assert taken > 500  # many edits keep the plain shape
