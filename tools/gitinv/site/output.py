"""Write a site into a temporary folder beside the output, then swap it in.

`--out` is there at every instant: the new folder takes the old one's place in one
step (renameat2's RENAME_EXCHANGE on Linux, renamex_np's RENAME_SWAP on macOS), and
the previous site, now at the temporary path, is removed after. Where the system
has no such step, two renames with nothing in between (and the previous site put
back when the second fails). Builds into one output take turns (a lock beside it),
and each removes what a killed build left beside it (`.NAME.new-*`, `.NAME.old-*`).
"""

from __future__ import annotations

import ctypes
import errno
import glob
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from gitinv import lock
from gitinv.errors import GitinvError

MARKER = "api/v1/openapi.json"
_SWAP = 2  # RENAME_EXCHANGE (Linux) and RENAME_SWAP (macOS) are both 2
_AT_FDCWD = -100


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
    """Run `fill(tmp)` on a new folder next to `out`, then swap it in (see above).

    When `fill` fails, the temporary folder goes and `out` stays as it was.
    """
    out = out.absolute()
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _unwritable(out, exc) from None
    with lock.exclusive(
        out.parent / f".{out.name}.lock",
        busy=f"another build is writing {out}",
        wait=None,
        waiting=lambda: print(
            f"gitinv: another build is writing {out}; waiting for it", file=sys.stderr
        ),
    ):
        check_target(out)  # again: the build before may have changed it
        _remove_leftovers(out)
        try:
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
        _swap_in(tmp, out)


def _remove_leftovers(out: Path) -> None:
    """The temporary folders of builds killed before they could remove them."""
    name = glob.escape(out.name)
    for pattern in (f".{name}.new-*", f".{name}.old-*"):
        for path in out.parent.glob(pattern):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)


def _swap_in(tmp: Path, out: Path) -> None:
    try:
        if not out.exists():
            os.replace(tmp, out)
            return
        if exchange(tmp, out):
            shutil.rmtree(tmp, ignore_errors=True)  # the previous site, now here
            return
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise _unwritable(out, exc) from None
    _swap_in_two_steps(tmp, out)


def _swap_in_two_steps(tmp: Path, out: Path) -> None:
    old = None
    try:
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
        os.replace(out, old / "site")
        os.replace(tmp, out)
    except OSError as exc:
        if old is not None and (old / "site").exists() and not out.exists():
            os.replace(old / "site", out)  # put the previous site back
        shutil.rmtree(tmp, ignore_errors=True)
        raise _unwritable(out, exc) from None
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step; False where the system or file system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return False
    renameat2 = getattr(libc, "renameat2", None)
    renamex_np = getattr(libc, "renamex_np", None)
    if renameat2 is not None:
        status = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _SWAP)
    elif renamex_np is not None:
        status = renamex_np(os.fsencode(a), os.fsencode(b), _SWAP)
    else:
        return False
    if status == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _unwritable(out: Path, exc: OSError) -> GitinvError:
    return GitinvError(
        f"cannot write the site to {out}: {exc.strerror or exc}; "
        "choose another --out or make its folder writable (the previous site is unchanged)"
    )
