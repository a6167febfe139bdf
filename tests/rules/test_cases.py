"""The case corpus: every valid case reports nothing, every invalid case exactly its findings."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitinv import inventory
from tests.conftest import CASES, build_case

VALID = sorted(p for p in (CASES / "valid").iterdir() if p.is_dir())
INVALID = sorted(p for p in (CASES / "invalid").iterdir() if p.is_dir())


def test_base_is_valid(tmp_path: Path) -> None:
    root = build_case(CASES / "base", tmp_path)
    inv = inventory.load(root)
    assert inv.findings == []
    assert len(inv.servers) > 0


@pytest.mark.parametrize("case", VALID, ids=lambda p: p.name)
def test_valid_case(case: Path, tmp_path: Path) -> None:
    inv = inventory.load(build_case(case, tmp_path))
    assert [f.text() for f in inv.findings] == []


@pytest.mark.parametrize("case", INVALID, ids=lambda p: p.name)
def test_invalid_case(case: Path, tmp_path: Path) -> None:
    inv = inventory.load(build_case(case, tmp_path))
    got = [f"{f.file}:{f.line}:{f.column}: {f.code}" for f in inv.findings]
    expected = (case / "expected.txt").read_text().split("\n")
    assert got == [line for line in expected if line]
    for f in inv.findings:
        assert f.message and f.message[0] != " ", f


def test_every_code_has_a_case() -> None:
    from gitinv.report import CODES

    seen = set()
    for case in INVALID:
        for line in (case / "expected.txt").read_text().split("\n"):
            if line:
                seen.add(line.rsplit(": ", 1)[1])
    assert seen == set(CODES) - {"not-canonical"}
