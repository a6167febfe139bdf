"""The README's published-site section holds the current --help of build and serve."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from gitinv.cli import cli

README = Path(__file__).resolve().parents[2] / "README.md"


def section() -> str:
    return (
        README.read_text(encoding="utf-8")
        .split("## The published site\n", 1)[1]
        .split("\n## ", 1)[0]
    )


@pytest.mark.parametrize("name", ["build", "serve"])
def test_readme_shows_current_help(name: str) -> None:
    text = section().split(f"### gitinv {name}\n", 1)[1]
    block = text.split("```text\n", 1)[1].split("```", 1)[0]
    result = CliRunner().invoke(cli, [name, "--help"], prog_name="gitinv", terminal_width=80)
    assert result.exit_code == 0
    assert block == result.output, f"update README's `gitinv {name}` section"


def test_readme_lists_every_api_file_and_library() -> None:
    text = section()
    for name in (
        "servers.json",
        "servers/<name>.json",
        "audit.json",
        "openapi.json",
        "ansible.json",
        "servers.csv",
        "prometheus.json",
        "ag-grid-community",
        "Chart.js",
    ):
        assert name in text, name
    versions = (README.parent / "tools/gitinv/site/static/vendor/VERSIONS.md").read_text(
        encoding="utf-8"
    )
    assert "ag-grid-community" in versions and "chart.js" in versions
