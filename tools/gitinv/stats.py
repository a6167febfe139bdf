"""The stats of many working-tree files, which tell the cache of results (cache.py) that
a file is unchanged without reading it.

Kept apart, on the standard library and orjson alone: ``python -m gitinv.stats ROOT FILE``
is the child a warm `validate` starts first thing (cache.Prefetch), and it has to be
quick to start. It prints the identity of the cache file FILE, a line of JSON, then the
stats of the paths that file lists, as a packed array.

Public API::

    stat_numbers(top, paths)   # 4 numbers a path: size, mtime_ns, ctime_ns, inode (-1s: gone)
    identity(st)               # which cache file, as it was
"""

from __future__ import annotations

import mmap
import os
import sys
from array import array

import orjson

GONE = (-1, -1, -1, -1)


def stat_numbers(top: str, paths: list[str]) -> list[int]:
    """The stats of sorted paths under the folder `top`, not following a symbolic link.
    Each folder is opened once and its files are looked up by name in it, a sixth less
    work for the kernel than whole paths."""
    out: list[int] = []
    folder, fd = "", -1
    try:
        for path in paths:
            parent, _, name = path.rpartition("/")
            try:
                if parent != folder:
                    if fd >= 0:
                        os.close(fd)
                    folder, fd = parent, -1
                    fd = os.open(f"{top}/{parent}", os.O_RDONLY | os.O_DIRECTORY)
                st = os.lstat(name, dir_fd=fd) if fd >= 0 else os.lstat(f"{top}/{path}")
            except OSError:
                out += GONE
            else:
                out += (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
    finally:
        if fd >= 0:
            os.close(fd)
    return out


def identity(st: os.stat_result) -> tuple[int, int, int]:
    """Which cache file, as it was: a new one is a new inode (written, then renamed)."""
    return st.st_ino, st.st_size, st.st_mtime_ns


def main(root: str, file: str) -> None:
    with open(file, "rb") as f:
        which = identity(os.fstat(f.fileno()))
        data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    with memoryview(data) as view:
        paths = orjson.loads(view[: data.find(b"\n")])["paths"]
    numbers = array("q", stat_numbers(root, paths))
    sys.stdout.buffer.write(orjson.dumps({"identity": which}) + b"\n" + numbers.tobytes())


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
