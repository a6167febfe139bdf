"""Write a site into a temporary folder beside the output, then swap it in."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from gitinv.errors import GitinvError

MARKER = "api/v1/openapi.json"


def check_target(out: Path) -> None:
    """Refuse to replace anything but an empty folder or a site built earlier."""
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise GitinvError(f"refusing to replace {out}: it is not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise GitinvError(
            f"refusing to replace {out}: it is not empty and holds no site built earlier "
            f"(no {MARKER})"
        )


def write_site(out: Path, fill: Callable[[Path], None]) -> None:
    """Run `fill(tmp)` on a new folder next to `out`, then make it `out` atomically enough.

    When `fill` fails, the temporary folder goes and `out` stays as it was.
    """
    out = out.absolute()
    check_target(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    except OSError as exc:
        raise _unwritable(out, exc) from None
    try:
        fill(tmp)
        os.chmod(tmp, 0o755)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, OSError):
            raise _unwritable(out, exc) from None
        raise
    old = None
    try:
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
            os.replace(out, old / "site")
        os.replace(tmp, out)
    except OSError as exc:
        if old is not None and (old / "site").exists() and not out.exists():
            os.replace(old / "site", out)  # put the previous site back
        shutil.rmtree(tmp, ignore_errors=True)
        raise _unwritable(out, exc) from None
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _unwritable(out: Path, exc: OSError) -> GitinvError:
    return GitinvError(
        f"cannot write the site to {out}: {exc.strerror or exc}; "
        "choose another --out or make its folder writable (the previous site is unchanged)"
    )
