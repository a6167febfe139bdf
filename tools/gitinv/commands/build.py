"""`gitinv build`: the static site and JSON API of a revision."""

from __future__ import annotations

import sys
from pathlib import Path

from gitinv.remote import short_ref
from gitinv.report import render
from gitinv.site.build import build, default_rev


def progress(message: str) -> None:
    if sys.stderr.isatty():
        print(f"gitinv: {message}", file=sys.stderr, flush=True)


def run(*, repo: Path, rev: str | None = None, out: Path | None = None, fmt: str = "text") -> int:
    target = out if out is not None else repo / "_site"
    # Without --rev, the main branch: which copy of it (origin's or the local one) is said.
    main = None if rev else default_rev(repo)
    built = build(repo, rev or main, target, progress=progress)
    if not built.ok:
        print(render(built.findings, fmt, servers=built.servers))
        print(
            f"gitinv: not building {built.commit.id[:12]}: the inventory has "
            f"{len(built.findings)} problem(s); {target} is unchanged",
            file=sys.stderr,
        )
        return 1
    size = built.bytes / 1_000_000
    where = f"{short_ref(main)} at " if main else ""
    print(
        f"Built {target} from {where}{built.commit.id[:12]} ({built.commit.date}): "
        f"{built.servers} servers, {built.files} files, {size:.1f} MB"
    )
    return 0
