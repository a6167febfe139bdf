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


@pytest.mark.parametrize("path", PATHS, ids=" ".join)
def test_help_has_an_example(path: tuple[str, ...]) -> None:
    text = help_text(path)
    command = " ".join(path)
    assert re.search(r"^\s*Examples?:\s*$", text, re.M), f"gitinv {command} --help: no Example:"
    example = text[re.search(r"^\s*Examples?:", text, re.M).end() :]  # type: ignore[union-attr]
    assert re.search(rf"^\s+(\$ )?gitinv( -C \S+)? {re.escape(command)}\b", example, re.M), (
        f"gitinv {command} --help: the example does not run `gitinv {command}`"
    )


@pytest.mark.parametrize("name", sorted({p[0] for p in PATHS}))
def test_readme_has_a_section(name: str) -> None:
    heading = rf"^#{{2,6}} .*`?gitinv {re.escape(name)}\b"
    assert re.search(heading, readme(), re.M), (
        f"README.md has no section for `gitinv {name}`: add a heading such as "
        f"`### gitinv {name}` with its --help text and an example"
    )


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
