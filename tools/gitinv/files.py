"""Writing files so that a failed write leaves the old file as it was."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from gitinv.errors import GitinvError


def write_atomic(target: Path, text: str, *, newline: str = "\n") -> None:
    """Write `text` to a temporary file beside `target`, then rename it over `target`.

    Raises OSError. A target that exists and is not a regular file (`/dev/stdout`,
    a pipe) is written in place: it cannot be replaced.
    """
    if target.exists() and not target.is_file():
        with open(target, "w", encoding="utf-8", newline=newline) as out:
            out.write(text)
        return
    if target.is_file():
        mode = target.stat().st_mode & 0o777
    else:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as out:
            out.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        os.unlink(tmp)
        raise


def write_file(target: Path, text: str, *, shown: str | None = None, newline: str = "\n") -> None:
    """`write_atomic`, or a GitinvError (exit 2) that says which file and why."""
    try:
        write_atomic(target, text, newline=newline)
    except OSError as exc:
        raise GitinvError(
            f"cannot write {shown or target}: {exc.strerror or exc}; "
            "check that its folder exists and that you may write there"
        ) from None
