"""This repository is what `gitinv init --example` writes, so the example never drifts.

It was made with the command below and dogfoods the tool from its own checkout: its
requirement is `.` (pip installs the checkout) where a user's pins a release. Its
`.pre-commit-config.yaml` is the development one (ruff, the checkout's gitinv):
`init --update` reports it as edited by hand, which is meant.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from gitinv import __version__
from gitinv.scaffold import manifest, templates

from .conftest import ADMIN, digest, run_init

ROOT = Path(__file__).resolve().parents[2]
THIS_REPOSITORY = {
    "admins": [ADMIN],
    "forge": "github",
    "example": True,
    "repository": "https://github.com/acme/inventory",
}
OWN = {".pre-commit-config.yaml", ".gitignore"}  # this project's development files
HOW = (
    "the example or the workflows drifted from what `gitinv init` writes: edit "
    "tools/gitinv/scaffold/ (templates and example), then run `gitinv init --update` here "
    "and copy the example with `gitinv init --example` (see tests/scaffold/test_example.py)"
)


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """init's output with this repository's own requirement and with the default one."""
    out = {}
    for name, requirement in (("dogfood", "."), ("pinned", None)):
        folder = tmp_path_factory.mktemp(name)
        assert run_init(folder, requirement=requirement, **THIS_REPOSITORY) == 0
        out[name] = folder
    return out


def test_every_file_init_writes_is_here_byte_for_byte(written: dict[str, Path]) -> None:
    made = digest(written["dogfood"])
    here = {p: h for p, h in digest(ROOT).items() if p in made}
    differ = sorted(p for p in made if p not in OWN and here.get(p) != made[p])
    assert differ == [], f"{HOW}: {differ}"


def test_the_example_inventory_has_nothing_more(written: dict[str, Path]) -> None:
    made = {p for p in digest(written["dogfood"]) if p.startswith("inventory/")}
    here = {p for p in digest(ROOT / "inventory")}
    assert {f"inventory/{p}" for p in here} == made, HOW


def test_the_packaged_example_is_this_repositorys() -> None:
    packaged = digest(templates.EXAMPLE / "inventory")
    here = digest(ROOT / "inventory")
    here.pop("settings.yaml")  # written from --admin, --forge and --repository
    assert packaged == here, HOW


def test_a_user_s_files_differ_in_the_requirement_line_alone(written: dict[str, Path]) -> None:
    """A user's CI installs gitinv==VERSION, this repository's its checkout: one line each."""
    pinned = digest(written["pinned"])
    dogfood = digest(written["dogfood"])
    differ = sorted(p for p in pinned if pinned[p] != dogfood[p])
    assert differ == [
        ".github/workflows/publish.yml",
        ".github/workflows/validate.yml",
        manifest.PATH,
        ".pre-commit-config.yaml",
    ]
    for path in differ:
        ours = (written["dogfood"] / path).read_text().splitlines()
        theirs = (written["pinned"] / path).read_text().splitlines()
        changed = [
            line
            for line in difflib.unified_diff(ours, theirs, lineterm="", n=0)
            if line.startswith(("-", "+")) and not line.startswith(("---", "+++"))
        ]
        assert len(changed) == 2, (path, changed)
        assert f"gitinv=={__version__}" in changed[1] and '"."' in changed[0], changed
