"""Docs that tests check: every command's --help has an example, the README a section.

The command list comes from the click group itself, so a new command without
docs fails here. A README block that quotes a command's --help output (a
```text block starting ``Usage: gitinv ...``) must match the current output.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from gitinv.cli import cli

README = Path(__file__).resolve().parents[1] / "README.md"
HELP_WIDTH = 80


def command_paths(group: click.Group = cli, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = []
    for name, command in sorted(group.commands.items()):
        paths.append((*prefix, name))
        if isinstance(command, click.Group):
            paths.extend(command_paths(command, (*prefix, name)))
    return paths


def help_text(path: tuple[str, ...]) -> str:
    result = CliRunner().invoke(
        cli, [*path, "--help"], prog_name="gitinv", terminal_width=HELP_WIDTH
    )
    assert result.exit_code == 0, result.output
    return result.output


def readme() -> str:
    return README.read_text(encoding="utf-8") if README.exists() else ""


PATHS = command_paths()


def test_commands_found() -> None:
    assert ("validate",) in PATHS
    assert len(PATHS) >= 3


def example_problem(path: tuple[str, ...], text: str) -> str | None:
    """What the --help `text` of `gitinv PATH` lacks, or None."""
    command = " ".join(path)
    found = re.search(r"^\s*Examples?:\s*$", text, re.M)
    if found is None:
        return f"gitinv {command} --help: no Example: section"
    if not re.search(
        rf"^\s+(\$ )?gitinv( -C \S+)? {re.escape(command)}\b", text[found.end() :], re.M
    ):
        return f"gitinv {command} --help: the example does not run `gitinv {command}`"
    return None


def section_problem(name: str, text: str) -> str | None:
    """Whether README `text` lacks a section (a heading naming `gitinv NAME`)."""
    if re.search(rf"^#{{2,6}} .*`?gitinv {re.escape(name)}\b", text, re.M):
        return None
    return (
        f"README.md has no section for `gitinv {name}`: add a heading such as "
        f"`### gitinv {name}` with its --help text and an example"
    )


@pytest.mark.parametrize("path", PATHS, ids=" ".join)
def test_help_has_an_example(path: tuple[str, ...]) -> None:
    assert example_problem(path, help_text(path)) is None


@pytest.mark.parametrize("name", sorted({p[0] for p in PATHS}))
def test_readme_has_a_section(name: str) -> None:
    assert section_problem(name, readme()) is None


def test_a_command_without_docs_is_caught() -> None:
    @cli.command("undocumented-example")
    def undocumented() -> None:
        """Does something."""

    try:
        assert ("undocumented-example",) in command_paths()
        help_out = help_text(("undocumented-example",))
        assert example_problem(("undocumented-example",), help_out) == (
            "gitinv undocumented-example --help: no Example: section"
        )
        wrong = help_out + "\nExample:\n  gitinv validate\n"
        assert "does not run" in (example_problem(("undocumented-example",), wrong) or "")
        assert section_problem("undocumented-example", readme()) is not None
        assert section_problem("undocumented-example", "## gitinv undocumented-example\n") is None
    finally:
        del cli.commands["undocumented-example"]


def quoted_help() -> list[tuple[tuple[str, ...], str]]:
    blocks = re.findall(r"^```text\n(Usage: gitinv .*?)^```$", readme(), re.M | re.S)
    out = []
    for block in blocks:
        words = block.split("\n", 1)[0].split()[2:]
        path = tuple(itertools.takewhile(lambda w: re.fullmatch(r"[a-z][a-z-]*", w), words))
        out.append((path, block))
    return out


@pytest.mark.parametrize(
    ("path", "block"), quoted_help(), ids=lambda v: " ".join(v) if isinstance(v, tuple) else ""
)
def test_quoted_help_is_current(path: tuple[str, ...], block: str) -> None:
    assert path in PATHS, f"README quotes --help of an unknown command: gitinv {' '.join(path)}"
    assert block.rstrip("\n") == help_text(path).rstrip("\n"), (
        f"README.md's --help text of `gitinv {' '.join(path)}` is out of date: paste the "
        f"output of `COLUMNS={HELP_WIDTH} gitinv {' '.join(path)} --help`"
    )
