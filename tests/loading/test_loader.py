"""Strictness rules that the case corpus cannot hold as plain files."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from gitinv import inventory
from gitinv.loader import MAX_BYTES, LoadError, load_text
from tests.conftest import CASES, GitRepo, build_case


def codes(root: Path) -> list[tuple[str, str]]:
    return [(f.file, f.code) for f in inventory.load(root).findings]


def test_symlinked_server_file_is_reported_and_not_followed(tmp_path: Path) -> None:
    root = build_case(CASES / "base", tmp_path)
    secret = tmp_path / "secret.yaml"
    secret.write_text("not: inventory\n")
    os.symlink(secret, root / "inventory/servers/web/web09.yaml")
    assert codes(root) == [("inventory/servers/web/web09.yaml", "bad-file")]


def test_symlinked_folder_is_reported_and_not_entered(tmp_path: Path) -> None:
    root = build_case(CASES / "base", tmp_path)
    os.symlink(root / "inventory/servers/web", root / "inventory/servers/mirror")
    assert codes(root) == [("inventory/servers/mirror", "bad-file")]


def test_symlinked_inventory_folder(tmp_path: Path) -> None:
    real = build_case(CASES / "base", tmp_path / "real")
    (tmp_path / "link").mkdir()
    os.symlink(real / "inventory", tmp_path / "link" / "inventory")
    assert codes(tmp_path / "link") == [("inventory", "bad-file")]


def test_file_over_64_kib(tmp_path: Path) -> None:
    root = build_case(CASES / "base", tmp_path)
    path = root / "inventory/servers/web/web01.yaml"
    path.write_text(path.read_text() + "# " + "x" * MAX_BYTES + "\n")
    found = inventory.load(root).findings
    assert [(f.file, f.line, f.code) for f in found] == [
        ("inventory/servers/web/web01.yaml", 1, "bad-file")
    ]
    assert "64 KiB" in found[0].message


def test_alias_bomb_costs_nothing() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(9)
    )
    start = time.perf_counter()
    with pytest.raises(LoadError) as err:
        load_text("bomb.yaml", bomb)
    assert time.perf_counter() - start < 1.0
    assert {f.code for f in err.value.findings} == {"yaml-feature"}


def test_python_tag_is_never_constructed(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    with pytest.raises(LoadError) as err:
        load_text("x.yaml", f"a: !!python/object/apply:os.system ['touch {marker}']\n")
    assert not marker.exists()
    assert err.value.findings[0].code == "yaml-feature"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("no", "boolean"),
        ("off", "boolean"),
        ("Yes", "boolean"),
        ("0755", "number"),
        ("1:30", "number"),
        ("2024-01-02", "date"),
        ("1.5", "number"),
    ],
)
def test_yaml_11_traps_get_quote_advice(tmp_path: Path, text: str, kind: str) -> None:
    root = build_case(CASES / "base", tmp_path)
    path = root / "inventory/servers/web/web01.yaml"
    path.write_text(
        path.read_text()
        + f"description: {text}\n".replace("description: Public web frontend\n", "")
    )
    lines = [
        line for line in path.read_text().splitlines() if not line.startswith("description: Public")
    ]
    path.write_text("\n".join(lines) + "\n")
    (finding,) = inventory.load(root).findings
    assert finding.code == "bad-type"
    assert kind in finding.message and f'"{text}"' in finding.message


def test_missing_catalog_is_reported_once(tmp_path: Path) -> None:
    root = build_case(CASES / "base", tmp_path)
    (root / "inventory/types.yaml").unlink()
    assert codes(root) == [("inventory/types.yaml", "bad-file")]


def test_broken_catalog_does_not_flood_references(tmp_path: Path) -> None:
    root = build_case(CASES / "base", tmp_path)
    (root / "inventory/components.yaml").write_text("nginx: [\n")
    assert codes(root) == [("inventory/components.yaml", "yaml-syntax")]


@pytest.mark.parametrize("rev", [None, "HEAD"])
def test_parallel_load_matches_sequential(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rev: str | None
) -> None:
    """In the working tree, and at a revision, whose blobs each worker reads from git."""
    root = build_case(CASES / "invalid" / "duplicate-ip-ipv6", tmp_path)
    for i in range(40):
        (root / f"inventory/servers/web/extra{i:02d}.yaml").write_text(
            f"component: nginx\nip: 10.0.9.{i}\ndc: dc4\nenvironment: production\nstate: active\n"
        )
    if rev is not None:
        GitRepo(root).commit("the inventory")
    sequential = inventory.load(root, rev)
    monkeypatch.setattr(inventory, "PARALLEL_FROM", 1)
    monkeypatch.setattr(inventory, "CHUNK", 7)
    parallel = inventory.load(root, rev)
    assert parallel.findings == sequential.findings
    assert parallel.servers == sequential.servers
    assert len(parallel.servers) == 46


def test_a_bad_entry_attribute_does_not_stop_reference_checks(tmp_path: Path) -> None:
    root = build_case(CASES / "base", tmp_path)
    components = root / "inventory/components.yaml"
    components.write_text(components.read_text() + "broken:\n  description: 10\n")
    web01 = root / "inventory/servers/web/web01.yaml"
    web01.write_text(web01.read_text().replace("component: nginx", "component: nosuch"))
    assert codes(root) == [
        ("inventory/components.yaml", "bad-type"),
        ("inventory/servers/web/web01.yaml", "unknown-ref"),
    ]
    assert inventory.load(root).broken == frozenset()


def test_a_record_s_positions_are_a_consistent_mapping() -> None:
    """Looked up when asked, they read as the dict of every field's position would."""
    text = b"component: nginx\nip:\n  x: 1\ndc: fra1\ntags:\n  - a\n  - b\nk.1: 2\n"
    record, findings = inventory.read_server("inventory/servers/web/web01.yaml", text)
    assert record is not None and findings
    positions = dict(record.positions)
    assert positions == {key: record.positions[key] for key in record.positions}
    assert record.pos("ip") == positions["ip"] and positions["ip.x"] == (3, 6)
    assert positions["tags.1"] == record.pos("tags.1") == (7, 5)
    assert record.pos("k.1") == positions["k.1"]
    assert record.pos("dc") == (4, 5)
    assert record.pos("nothing") == (1, 1)
