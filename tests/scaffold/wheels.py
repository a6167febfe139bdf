"""A wheelhouse with no network: gitinv's wheel, and its dependencies' wheels.

gitinv's wheel is built from a copy of this checkout (without build isolation,
with this environment's setuptools). The dependencies' wheels are packed again
from the distributions installed here, file by file as their RECORD lists them,
so pip installs the same releases offline (`--no-index --find-links`), resolving
the wheel's declared requirements as it would from an index.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
LEFT_OUT = {"INSTALLER", "REQUESTED", "RECORD", "direct_url.json"}


def pip_env(**extra: str) -> dict[str, str]:
    """pip with no configuration file and no index: nothing but 127.0.0.1 is reached."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    return {**env, "PIP_CONFIG_FILE": os.devnull, "PIP_NO_INDEX": "1", **extra}


def build_gitinv(dest: Path, scratch: Path) -> Path:
    """gitinv's wheel, built from the files a release is built from."""
    source = scratch / "gitinv-source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "tools",
        source / "tools",
        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc"),
    )
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps"),
            *("--no-build-isolation", "--wheel-dir", str(dest), str(source)),
        ],
        check=True,
        env=pip_env(),
    )
    (wheel,) = dest.glob("gitinv-*.whl")
    return wheel


def requirements_of(name: str) -> set[str]:
    """`name` and everything it needs, as installed here (extras left out)."""
    env = {k: v for k, v in default_environment().items()}
    seen: set[str] = set()
    todo = [name]
    while todo:
        current = canonicalize_name(todo.pop())
        if current in seen:
            continue
        seen.add(current)
        for text in metadata.requires(current) or []:
            req = Requirement(text)
            if req.marker is None or req.marker.evaluate({**env, "extra": ""}):
                todo.append(req.name)
    return seen


def repack(name: str, dest: Path) -> Path:
    """The installed distribution `name` as a wheel again."""
    dist = metadata.distribution(name)
    info = next(f.parts[0] for f in dist.files or [] if f.parts[0].endswith(".dist-info"))
    tag = next(
        line.split(":", 1)[1].strip()
        for line in (dist.read_text("WHEEL") or "").splitlines()
        if line.startswith("Tag:")
    )
    target = dest / f"{info.removesuffix('.dist-info')}-{tag}.whl"
    records = []
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as wheel:
        for file in dist.files or []:
            if file.parts[0] == ".." or "__pycache__" in file.parts:
                continue  # scripts pip writes again; byte code it compiles again
            if file.parts[0] == info and file.name in LEFT_OUT:
                continue
            data = Path(str(file.locate())).read_bytes()
            wheel.writestr(file.as_posix(), data)
            sha = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            records.append(f"{file.as_posix()},sha256={sha},{len(data)}")
        records.append(f"{info}/RECORD,,")
        wheel.writestr(f"{info}/RECORD", "\n".join(records) + "\n")
    return target


def wheelhouse(dest: Path, scratch: Path) -> Path:
    """gitinv, its dependencies, and setuptools (pre-commit builds gitinv from source)."""
    build_gitinv(dest, scratch)
    for name in sorted(requirements_of("gitinv") - {"gitinv"} | {"setuptools"}):
        repack(name, dest)
    return dest
