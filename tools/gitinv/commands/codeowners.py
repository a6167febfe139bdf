"""`gitinv codeowners [--check]`: write or check the code host's CODEOWNERS file."""

from __future__ import annotations

import difflib
import sys
from pathlib import Path

from gitinv.codeowners import render
from gitinv.errors import GitinvError
from gitinv.files import write_file
from gitinv.generated import file_bytes, same


def run(*, repo: Path, check: bool = False) -> int:
    path, wanted = render(repo)
    target = repo / path
    data = file_bytes(target)
    current = data.decode("utf-8", "replace") if data is not None else None
    if check:
        if same(data, wanted):
            sys.stdout.write(f"{path} up to date\n")
            return 0
        sys.stdout.writelines(
            difflib.unified_diff(
                (current or "").splitlines(keepends=True),
                wanted.splitlines(keepends=True),
                f"{path} (committed)",
                f"{path} (from groups.yaml and settings.yaml)",
            )
        )
        sys.stderr.write(f"gitinv: {path} is out of date; run `gitinv codeowners` and commit it\n")
        return 1
    if not same(data, wanted):
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise GitinvError(f"cannot create {target.parent.name}/: {exc.strerror}") from None
        write_file(target, wanted, shown=path)
        sys.stdout.write(f"wrote {path}\n")
    else:
        sys.stdout.write(f"{path} up to date\n")
    return 0
