"""`gitinv serve`: build the site, serve it on 127.0.0.1, rebuild when main moves."""

from __future__ import annotations

from pathlib import Path

from gitinv.site import serving


def run(
    *,
    repo: Path,
    port: int = 8000,
    rev: str | None = None,
    out: Path | None = None,
    use_demo: bool = False,
    watch: bool = True,
) -> int:
    served = serving.serve(repo, port=port, rev=rev, out=out, use_demo=use_demo, watch=watch)
    return 0 if served else 1
