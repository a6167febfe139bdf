"""`gitinv comment [--file F] [--pr N]`: the one report comment on the current request.

The report (standard input or `--file`) goes on the pull request (GitHub's
issue-comments API) or merge request (GitLab's notes API) as one comment that
starts with a hidden marker; later runs find it by that marker and update it.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from gitinv import forge
from gitinv.errors import GitinvError

_WHERE = {
    "github": "a pull_request workflow, where GITHUB_EVENT_PATH or GITHUB_REF names it",
    "gitlab": "a merge-request pipeline, where CI_MERGE_REQUEST_IID names it",
}


def run(
    *, repo: Path, file: Path | None = None, pr: int | None = None, stdin: TextIO | None = None
) -> int:
    text = _report(file, stdin or sys.stdin)
    with forge.connect(repo, write=True) as host:
        number = pr or forge.ci_request_number(host.kind)
        if number is None:
            raise GitinvError(f"which {host.noun}? give --pr N, or run it in {_WHERE[host.kind]}")
        comment, done = host.post_report(number, text)
    where = f"{host.noun} {host.sign}{number}"
    sys.stdout.write(f"{done} the report comment on {where}: {comment.url or comment.id}\n")
    return 0


def _report(file: Path | None, stdin: TextIO) -> str:
    if file is not None:
        try:
            text = file.read_bytes().decode("utf-8")
        except OSError as exc:
            raise GitinvError(f"cannot read {file}: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise GitinvError(f"{file} is not UTF-8 text") from None
    else:
        if stdin.isatty():
            raise GitinvError(
                "give the report on standard input (gitinv diff --format markdown | "
                "gitinv comment) or with --file F"
            )
        raw = stdin.buffer.read() if hasattr(stdin, "buffer") else stdin.read().encode()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise GitinvError("the report on standard input is not UTF-8 text") from None
    if not text.strip():
        raise GitinvError("the report is empty; nothing posted")
    return text
