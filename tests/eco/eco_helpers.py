"""Shared by the tests of query, export and import."""

from __future__ import annotations

import subprocess
from pathlib import Path

FIXTURE = Path(__file__).parent / "fixture"
ALL = ["cache-old", "db01", "db02", "proxy-ams", "web01", "web02"]


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        [
            "git",
            "-C",
            str(repo),
            "-c",
            "user.name=Test",
            "-c",
            "user.email=test@example.com",
            *args,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
