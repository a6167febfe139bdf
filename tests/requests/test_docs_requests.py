"""Each change-request command has a README section holding its current --help."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from gitinv.cli import cli

README = Path(__file__).resolve().parents[2] / "README.md"
COMMANDS = ["diff", "request", "pending", "history", "audit", "codeowners"]


@pytest.mark.parametrize("name", COMMANDS)
def test_readme_shows_current_help(name: str) -> None:
    text = README.read_text()
    section = text.split(f"#### gitinv {name}\n", 1)[1].split("\n#", 1)[0]
    block = section.split("```text\n", 1)[1].split("```", 1)[0]
    result = CliRunner().invoke(cli, [name, "--help"], prog_name="gitinv", terminal_width=80)
    assert result.exit_code == 0
    assert block == result.output, f"update README's `gitinv {name}` section"


def test_change_requests_section_covers_the_settings() -> None:
    text = README.read_text().split("## Change requests", 1)[1].split("\n## ", 1)[0]
    for words in (
        "Require review from Code",
        "merge queue",
        "Pending",
        "On Hold",
        "web editor",
        "gitinv request",
    ):
        assert words in text
