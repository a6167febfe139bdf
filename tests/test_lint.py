"""The code stays formatted, lint-free and strictly typed (the same as `make lint`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

BIN = Path(sys.executable).parent


@pytest.mark.parametrize(
    "command",
    [
        ["ruff", "check", "tools", "tests", "bench"],
        ["ruff", "format", "--check", "tools", "tests", "bench"],
        ["mypy"],
    ],
    ids=lambda c: " ".join(c[:2]),
)
def test_lint(command: list[str]) -> None:
    result = subprocess.run(
        [str(BIN / command[0]), *command[1:]], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
