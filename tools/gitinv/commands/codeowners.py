"""`gitinv codeowners [--check]`: write or check `.github/CODEOWNERS`."""

from __future__ import annotations

import difflib
import sys
from pathlib import Path

from gitinv.codeowners import PATH, render
from gitinv.errors import GitinvError
from gitinv.files import write_file


def run(*, repo: Path, check: bool = False) -> int:
    wanted = render(repo)
    target = repo / PATH
    current = target.read_text(encoding="utf-8") if target.is_file() else None
    if check:
        if current == wanted:
            sys.stdout.write(f"{PATH} up to date\n")
            return 0
        sys.stdout.writelines(
            difflib.unified_diff(
                (current or "").splitlines(keepends=True),
                wanted.splitlines(keepends=True),
                f"{PATH} (committed)",
                f"{PATH} (from groups.yaml and settings.yaml)",
            )
        )
        sys.stderr.write(f"gitinv: {PATH} is out of date; run `gitinv codeowners` and commit it\n")
        return 1
    if current != wanted:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise GitinvError(f"cannot create {target.parent.name}/: {exc.strerror}") from None
        write_file(target, wanted, shown=PATH)
        sys.stdout.write(f"wrote {PATH}\n")
    else:
        sys.stdout.write(f"{PATH} up to date\n")
    return 0
