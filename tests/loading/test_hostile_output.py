"""Hostile values in the working tree, as the command line shows them: no traceback,
no control character reaching the terminal or a CI log, no write error left unsaid."""

from __future__ import annotations

import http.client
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import GitRepo, gitinv, run_measured

WEB01 = "inventory/servers/web/web01.yaml"


def _no_crash(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr


def _describe(repo: GitRepo, raw: bytes) -> None:
    text = (repo.path / WEB01).read_bytes().replace(b"description: Public web frontend\n", b"")
    (repo.path / WEB01).write_bytes(text + raw)


@pytest.mark.parametrize(
    ("raw", "column", "code"),
    [
        (b"description: a\x00b\x1b]0;PWNED\x07\n", 15, "U+0000"),  # unquoted
        (b'description: "a\x07b"\n', 16, "U+0007"),  # inside quotes
        (b"description: 'a\x7fb'\n", 16, "U+007F"),
        (b"description: a\xc2\x9bb\n", 15, "U+009B"),  # a C1 control, in UTF-8
    ],
)
def test_a_raw_control_character_is_a_finding_with_its_position(
    inv_repo: GitRepo, raw: bytes, column: int, code: str
) -> None:
    _describe(inv_repo, raw)
    expected = (
        f"{WEB01}:9:{column}: bad-file: control character {code} is not allowed in YAML, "
        "even in quotes; remove it"
    )
    checked = gitinv("-C", str(inv_repo.path), "validate")
    _no_crash(checked)
    assert checked.returncode == 1 and checked.stdout.startswith(expected), checked.stdout
    formatted = gitinv("-C", str(inv_repo.path), "fmt", "--check")
    _no_crash(formatted)
    assert formatted.returncode == 1 and formatted.stdout.startswith(expected)
    assert "\x1b" not in checked.stdout + formatted.stdout


def test_query_escapes_what_a_terminal_would_obey(inv_repo: GitRepo) -> None:
    # Valid YAML: the escapes are written as such; the value holds the characters.
    _describe(inv_repo, b'description: "a\\e]0;PWNED\\ab\\x9b2Jc\\u202ed"\n')
    assert gitinv("-C", str(inv_repo.path), "validate").returncode == 0
    shown = gitinv("-C", str(inv_repo.path), "query", "name=web01")
    assert shown.returncode == 0
    assert not re.search("[\x00-\x1f\x7f-\x9f\u202e]", shown.stdout.replace("\n", ""))
    assert "a\\u001b]0;PWNED\\u0007b\\u009b2Jc\\u202ed" in shown.stdout


def test_a_trailing_newline_makes_no_second_server(inv_repo: GitRepo) -> None:
    source = inv_repo.path / WEB01
    twin = source.with_name("web01\n.yaml")
    twin.write_text(source.read_text().replace("10.0.0.1", "10.0.0.99"))
    checked = gitinv("-C", str(inv_repo.path), "validate")
    _no_crash(checked)
    assert checked.stdout.startswith(
        "inventory/servers/web/web01\\n.yaml:1:1: bad-path: `web01\\n` is not a valid server name"
    )
    exported = gitinv("-C", str(inv_repo.path), "export", "ansible")
    assert exported.returncode == 1 and exported.stdout == ""


def test_a_trailing_newline_in_a_group_or_handle_is_refused(inv_repo: GitRepo) -> None:
    groups = inv_repo.path / "inventory/groups.yaml"
    groups.write_text(groups.read_text() + 'ops:\n  moderators:\n    - "@evil\\n"\n"ops2\\n": {}\n')
    inv_repo.write("inventory/settings.yaml", 'admins:\n  - "@acme/admins"\n')
    checked = gitinv("-C", str(inv_repo.path), "validate")
    _no_crash(checked)
    assert "groups.yaml:12:7: bad-value: `moderators.0`: `@evil\\n` is not a handle" in (
        checked.stdout
    )
    assert "groups.yaml:13:1: bad-value: entry name `ops2\\n` must be lowercase" in checked.stdout
    owners = gitinv("-C", str(inv_repo.path), "codeowners")
    assert owners.returncode == 1 and "nothing written" in owners.stderr
    assert not (inv_repo.path / ".github/CODEOWNERS").exists()


@pytest.mark.parametrize(
    "where", ["value", "file"], ids=["in-a-value", "in-a-file-name"]
)  # fmt: skip
def test_github_format_leaves_no_command_in_the_log(inv_repo: GitRepo, where: str) -> None:
    if where == "value":
        text = (inv_repo.path / WEB01).read_text()
        inv_repo.write(WEB01, text.replace("state: active", 'state: "##[add-mask]secret"'))
    else:
        inv_repo.write("inventory/servers/web/##[error]x.yaml", "component: nginx\n")
    result = gitinv("-C", str(inv_repo.path), "validate", "--format", "github")
    assert result.returncode == 1
    assert "##[" not in result.stdout
    assert "#\\u0023[" in result.stdout  # still shown, broken up
    lines = result.stdout.splitlines()
    begin = next(i for i, line in enumerate(lines) if line.startswith("::stop-commands::"))
    token = lines[begin].removeprefix("::stop-commands::")
    assert lines[-1] == f"::{token}::"
    assert all(line.startswith("::error ") for line in lines[:begin])


FULL = ["validate --format json", "export csv", "query", "history web01", "diff HEAD~1 HEAD"]


@pytest.mark.parametrize("command", FULL)
def test_a_full_disk_is_one_line_and_exit_2(inv_repo: GitRepo, command: str) -> None:
    inv_repo.write(WEB01, (inv_repo.path / WEB01).read_text().replace("active", "offline"))
    inv_repo.commit("Take web01 offline")
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "gitinv", "-C", str(inv_repo.path), *command.split()],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
        )
    assert result.returncode == 2
    assert result.stderr == "gitinv: error: cannot write the output: No space left on device\n"


@pytest.mark.parametrize("command", ["query", "export json", "validate"])
def test_a_closed_pipe_is_one_line_and_exit_2(inv_repo: GitRepo, command: str) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "gitinv", "-C", str(inv_repo.path), *command.split()],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    proc.stdout.close()  # the reader is gone before the first write
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert err == "gitinv: error: cannot write the output: the reader closed the pipe\n"


def test_standard_output_closed_from_the_start(inv_repo: GitRepo) -> None:
    result = subprocess.run(
        f"{sys.executable} -m gitinv -C {inv_repo.path} validate >&-",
        shell=True,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert result.returncode == 2
    assert result.stderr == "gitinv: error: cannot write the output: standard output is closed\n"


def test_validate_of_deep_nesting_is_cheap(inv_repo: GitRepo) -> None:
    _describe(inv_repo, b"description: " + b"[" * 500 + b"]" * 500 + b"\n")
    result = run_measured("-C", str(inv_repo.path), "validate")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stdout.startswith(
        f"{WEB01}:9:33: bad-file: nested more than 20 levels deep; "
        "an inventory file needs at most 4: flatten it"
    )
    assert result.cpu_seconds < 2.0 and result.max_rss_mb < 200, result


def _get(port: int, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_serve_answers_400_to_a_nul_and_lists_no_folder(inv_repo: GitRepo, tmp_path: Path) -> None:
    out = tmp_path / "site"
    proc = subprocess.Popen(
        [sys.executable, "-m", "gitinv", "-C", str(inv_repo.path), "serve", "--port", "0",
         "--no-watch", "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = ""
        while "Serving http://127.0.0.1:" not in line:
            line = proc.stdout.readline()
            assert line or proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        port = int(line.split("127.0.0.1:")[1].split("/")[0])
        assert _get(port, "/x%00.html")[0] == 400
        assert _get(port, "/%00")[0] == 400
        assert _get(port, "/api/")[0] == 404  # a folder without index.html: no listing
        assert _get(port, "/static/")[0] == 404
        status, body = _get(port, "/index.html")
        assert status == 200 and b"<html" in body
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    assert "Traceback" not in err, err
