"""Shared by the tests of query, export and import."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import GitRepo

FIXTURE = Path(__file__).parent / "fixture"
ALL = ["cache-old", "db01", "db02", "proxy-ams", "web01", "web02"]

# The Ansible groups of the fixture: without decommissioned servers, and what they add.
GROUPS = {
    "component_nginx": ["proxy-ams", "web01", "web02"],
    "component_postgres": ["db01", "db02"],
    "dc_ams_2": ["db02", "proxy-ams"],
    "dc_fra1": ["db01", "web01", "web02"],
    "env_production": ["db01", "db02", "proxy-ams", "web01"],
    "env_staging": ["web02"],
    "group_data": ["db01", "db02"],
    "group_web": ["proxy-ams", "web01", "web02"],
    "state_active": ["db01", "web01"],
    "state_maintenance": ["proxy-ams"],
    "state_offline": ["db02"],
    "state_planned": ["web02"],
    "tag_backup": ["db01", "db02"],
    "tag_frontend": ["web01", "web02"],
    "tag_gdpr": ["db01"],
    "tag_pci": ["db01", "web01"],
}
DECOMMISSIONED_GROUPS = {
    "component_redis": ["cache-old"],
    "dc_fra1": ["cache-old", "db01", "web01", "web02"],
    "env_staging": ["cache-old", "web02"],
    "group_data": ["cache-old", "db01", "db02"],
    "state_decommissioned": ["cache-old"],
}


def git(repo: Path, *args: str) -> str:
    """`git ARGS` in the repository at `repo`: its whole output, unstripped."""
    return GitRepo(repo, init=False).git(*args, strip=False)


def venv_tool(name: str) -> str:
    """A program the test extras install into this Python's venv (ansible-core, octodns)."""
    path = Path(sys.executable).parent / name
    assert path.exists(), f"{name} is missing: install the test extras (pip install -e '.[test]')"
    return str(path)


def tool_environ(tmp_path: Path, **extra: str) -> dict[str, str]:
    """A consumer's environment: this venv's programs first, a HOME of its own."""
    bindir = Path(sys.executable).parent
    return {
        "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(tmp_path),
        "ANSIBLE_HOME": str(tmp_path / "ansible"),
        "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-tmp"),
        "LC_ALL": "C.UTF-8",
        **extra,
    }


def run(
    *args: str, env: dict[str, str], cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, env=env, cwd=cwd, check=False)


def readme_block(first_line: str) -> str:
    """The README's fenced block whose first line is `first_line` (a comment naming the file)."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```[a-z]*\n(.*?)^```$", readme, re.M | re.S)
    (block,) = [b for b in blocks if b.startswith(first_line + "\n")]
    return str(block)
