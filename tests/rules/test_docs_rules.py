"""README parts generated from the models stay current."""

from __future__ import annotations

from gitinv.docs import field_table
from gitinv.report import CODES
from tests.conftest import ROOT


def test_field_table_is_current() -> None:
    readme = (ROOT / "README.md").read_text()
    start = readme.index("<!-- BEGIN field-table")
    body = readme[readme.index("\n", start) + 1 : readme.index("<!-- END field-table -->")]
    assert body == field_table(), (
        "run: python -c 'from gitinv.docs import field_table; print(field_table())'"
    )


def test_every_code_is_documented() -> None:
    readme = (ROOT / "README.md").read_text()
    for code in CODES:
        assert f"| `{code}` |" in readme, code


def test_readme_starts_with_the_two_commands() -> None:
    head = (ROOT / "README.md").read_text().split("\n## ")[0]
    assert "make demo" in head and "make test" in head
