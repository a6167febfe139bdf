"""`gitinv build`: the static site and JSON API of a revision."""

from __future__ import annotations

import sys
from pathlib import Path

from gitinv.report import render
from gitinv.site.build import build


def progress(message: str) -> None:
    if sys.stderr.isatty():
        print(f"gitinv: {message}", file=sys.stderr, flush=True)


def run(*, repo: Path, rev: str | None = None, out: Path | None = None, fmt: str = "text") -> int:
    target = out if out is not None else repo / "_site"
    built = build(repo, rev, target, progress=progress)
    if not built.ok:
        print(render(built.findings, fmt, servers=built.servers))
        print(
            f"gitinv: not building {built.commit.id[:12]}: the inventory has "
            f"{len(built.findings)} problem(s); {target} is unchanged",
            file=sys.stderr,
        )
        return 1
    size = built.bytes / 1_000_000
    print(
        f"Built {target} from {built.commit.id[:12]} ({built.commit.date}): "
        f"{built.servers} servers, {built.files} files, {size:.1f} MB"
    )
    return 0
