"""The dashboard's ag-grid is what vendor/ builds from the npm package, and every record of
its version agrees: vendor/package.json, its lock, the bundle's banner, VERSIONS.md."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from tests.conftest import ROOT, required_tool, tool_unavailable

VENDOR = ROOT / "vendor"
# In the checkout (the package may be installed elsewhere, not editable).
BUNDLE_PATH = "tools/gitinv/site/static/vendor/ag-grid-community/ag-grid-community.min.js"
BUNDLE = ROOT / BUNDLE_PATH
VERSIONS = ROOT / "tools/gitinv/site/static/vendor/VERSIONS.md"


def _version() -> str:
    package = json.loads((VENDOR / "package.json").read_text(encoding="utf-8"))
    version: str = package["devDependencies"]["ag-grid-community"]
    return version


def test_every_record_of_the_version_agrees() -> None:
    version = _version()
    lock = json.loads((VENDOR / "package-lock.json").read_text(encoding="utf-8"))
    assert lock["packages"]["node_modules/ag-grid-community"]["version"] == version
    assert BUNDLE.read_text(encoding="utf-8").startswith(f"/*! ag-grid-community {version} (MIT")
    row = f"| [ag-grid-community](https://www.npmjs.com/package/ag-grid-community) | {version} |"
    assert row in VERSIONS.read_text(encoding="utf-8")


def test_the_bundle_is_what_vendor_builds(tmp_path: Path) -> None:
    """`make vendor` in a copy: npm installs the locked packages, esbuild bundles them, and
    the file comes out byte for byte as committed (no hand edit, no stale build). npm's
    cache and the packages go into the test's folder, and are removed after."""
    npm = required_tool("npm", "npm")
    work = tmp_path / "vendor"
    work.mkdir()
    for name in ("package.json", "package-lock.json", "ag-grid.mjs"):
        shutil.copyfile(VENDOR / name, work / name)
    out = tmp_path / BUNDLE_PATH
    out.parent.mkdir(parents=True)
    env = {**os.environ, "npm_config_cache": str(tmp_path / "npm-cache")}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [npm, *args], cwd=work, env=env, capture_output=True, text=True, timeout=600
        )

    try:
        installed = run("ci", "--no-audit", "--no-fund")
        if installed.returncode != 0:
            # The registry out of reach: a fault of the machine, not of the bundle.
            tool_unavailable(f"npm ci failed:\n{installed.stdout}{installed.stderr}")
        built = run("run", "--silent", "build")
        assert built.returncode == 0, built.stdout + built.stderr
        assert out.read_bytes() == BUNDLE.read_bytes(), "run `make vendor` and commit the bundle"
    finally:
        for folder in (work / "node_modules", tmp_path / "npm-cache"):
            shutil.rmtree(folder, ignore_errors=True)
