"""A value from a pull request reaches CI logs and the pull-request comment only as data."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitinv.report import Finding, markdown_summary, one_line
from tests.conftest import GitRepo, gitinv

SERVER = "inventory/servers/web/web01.yaml"
EVIL = 'state: "bad\\n::add-mask::x\\n` <img src=x> @acme/everyone |"\n'


@pytest.fixture
def evil(inv_repo: GitRepo) -> GitRepo:
    text = (inv_repo.path / SERVER).read_text().replace("state: active\n", EVIL)
    inv_repo.write(SERVER, text)
    return inv_repo


def test_text_keeps_one_finding_on_one_line(evil: GitRepo) -> None:
    result = gitinv("-C", str(evil.path), "validate")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 2 and lines[1] == "1 problem(s) in 1 file(s)"
    assert lines[0].startswith(f"{SERVER}:6:8: bad-value: `state`: `bad\\n::add-mask::x\\n` <img")


def test_github_format_has_no_line_a_runner_would_obey(evil: GitRepo, tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    result = gitinv("-C", str(evil.path), "validate", "--format", "github", env_summary=summary)
    lines = result.stdout.splitlines()
    commands = [line for line in lines if line.startswith("::")]
    assert len(commands) == 3 and commands[0].startswith("::error file=")
    # The plain lines come between ::stop-commands::TOKEN and ::TOKEN::, a random token.
    token = commands[1].removeprefix("::stop-commands::")
    assert len(token) == 32 and commands[2] == f"::{token}::"
    assert lines.index(commands[1]) == 1 and lines[-1] == commands[2]
    row = summary.read_text().splitlines()[-1]
    assert row.startswith(f"| ` {SERVER} ` | 6:8 | `bad-value` | `` `state`: ")
    assert row.endswith(" `` |")


def test_fmt_check_prints_escaped_values(evil: GitRepo) -> None:
    result = gitinv("-C", str(evil.path), "fmt", "--check")
    assert result.returncode == 1
    assert not [line for line in result.stdout.splitlines() if line.startswith("::")]


def test_summary_code_span_outlasts_any_backticks() -> None:
    finding = Finding("a.yaml", 1, 1, "bad-value", "x ``` y | z\nw")
    row = markdown_summary([finding], 0).splitlines()[-1]
    assert row == "| ` a.yaml ` | 1:1 | `bad-value` | ```` x ``` y \\| z\\nw ```` |"


def test_one_line_escapes_controls() -> None:
    assert one_line("a\r\nb\tc\x00d\u2028e") == "a\\r\\nb\\tc\\u0000d\\u2028e"


def test_summary_is_cut_by_bytes_as_github_counts() -> None:
    message = "état ✓ 🚀 " * 40
    findings = [Finding(f"s{i:04}.yaml", 1, 1, "bad-value", message) for i in range(3000)]
    text = markdown_summary(findings, 0)
    assert len(text.encode()) <= 1_048_576 < len("".join(f.message for f in findings).encode())
    assert text.endswith("run `gitinv validate` for all 3000)\n")
