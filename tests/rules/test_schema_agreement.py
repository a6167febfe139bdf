"""The JSON Schema files say what `validate` says, file by file, over the case corpus.

Every YAML file of every case goes through check-jsonschema (the tool editors and CI
jobs use) with the schema of its kind. A file validate finds a schema problem in
(wrong type or value, unknown or missing key) must be rejected; every other file,
those of the valid cases first, must be accepted. A case with a fields.yaml checks its
servers against the server schema `gitinv schema` writes for that fields.yaml (none
when fields.yaml has problems: `gitinv schema` then writes nothing).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

from gitinv import fields, models, schemas
from tests.conftest import CASES, ROOT, build_case

CASE_DIRS = sorted(p for kind in ("valid", "invalid") for p in (CASES / kind).iterdir())
# Findings of a file's content that a JSON Schema can express.
SCHEMA_CODES = {"bad-type", "bad-value", "unknown-field", "missing-field"}
# Problems of the YAML itself: a JSON Schema only sees the data, if any, after parsing.
YAML_CODES = {"yaml-syntax", "yaml-feature", "duplicate-key", "bad-file"}
# Rules no JSON Schema can state, left to validate.
BEYOND_SCHEMA = {
    ("bad-value-cidr-host-bits", "inventory/datacenters.yaml"),  # 10.9.0.1/16: host bits
    # `description: 2026-01-01` is a date to validate's YAML 1.1; check-jsonschema hands
    # a date over as its text, and editors read YAML 1.2, where it is a string anyway.
    ("bad-type-description-date", "inventory/servers/web/web03.yaml"),
}


def _schema_of(rel: str) -> str | None:
    if rel.startswith("inventory/servers/"):
        return "server"
    stem = rel.removeprefix("inventory/").removesuffix(".yaml")
    if "/" not in stem and (stem in models.CATALOGS or stem in ("settings", "fields")):
        return stem
    return None


def _codes_by_file(case: Path) -> dict[str, set[str]]:
    codes: dict[str, set[str]] = defaultdict(set)
    expected = case / "expected.txt"
    for line in expected.read_text().splitlines() if expected.exists() else []:
        place, code = line.rsplit(": ", 1)
        codes[place.split(":")[0]].add(code)
    return codes


def _server_schema(root: Path, case: Path, tmp_path: Path) -> Path | None:
    """The server schema for the case's fields.yaml; None when it has problems."""
    declared = root / fields.FIELDS_FILE
    if not declared.exists():
        return ROOT / "schema" / "server.schema.json"
    found, problems = fields.parse(declared.read_bytes())
    if problems:
        return None
    path = tmp_path / "schemas" / f"{case.name}.server.schema.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(schemas.dumps(schemas.documents(found)["server.schema.json"]))
    return path


def test_schema_files_agree_with_validate(tmp_path: Path) -> None:
    by_schema: dict[Path, list[Path]] = defaultdict(list)
    should_reject: dict[Path, bool] = {}
    for case in CASE_DIRS:
        root = build_case(case, tmp_path / case.parent.name / case.name)
        codes = _codes_by_file(case)
        server_schema = _server_schema(root, case, tmp_path)
        for path in sorted((root / "inventory").rglob("*.yaml")):
            rel = path.relative_to(root).as_posix()
            schema = _schema_of(rel)
            if schema is None or codes[rel] & YAML_CODES:
                continue
            if schema == "server":
                if server_schema is None:
                    continue
                by_schema[server_schema].append(path)
            else:
                by_schema[ROOT / "schema" / f"{schema}.schema.json"].append(path)
            should_reject[path] = (
                bool(codes[rel] & SCHEMA_CODES) and (case.name, rel) not in BEYOND_SCHEMA
            )
    rejected: set[Path] = set()
    tool = Path(sys.executable).parent / "check-jsonschema"
    for schema, paths in sorted(by_schema.items()):
        done = subprocess.run(
            [str(tool), "-o", "json", "--schemafile", str(schema)] + [str(p) for p in paths],
            capture_output=True,
            text=True,
            check=False,
        )
        report = json.loads(done.stdout)
        assert report.get("parse_errors", []) == [], report["parse_errors"]
        rejected |= {Path(error["filename"]) for error in report.get("errors", [])}
    disagreements = [
        f"{p.relative_to(tmp_path)}: check-jsonschema "
        f"{'rejects' if p in rejected else 'accepts'} it, validate "
        f"{'does not' if p in rejected else 'does'}"
        for p, reject in should_reject.items()
        if (p in rejected) != reject
    ]
    assert disagreements == []
    # The corpus holds what the schemas were wrong about before.
    names = {p.relative_to(tmp_path).as_posix() for p in should_reject}
    for case, rel in [
        ("valid/empty-tags-catalog", "tags.yaml"),
        ("valid/settings-only-a-comment", "settings.yaml"),
        ("invalid/bad-value-cidr-not-cidr-form", "datacenters.yaml"),
        ("invalid/bad-value-duplicate-moderator", "groups.yaml"),
        ("invalid/bad-value-duplicate-prefix", "datacenters.yaml"),
        ("valid/fields-declared", "servers/data/db03.yaml"),
        ("invalid/fields-bad-values", "servers/web/web04.yaml"),
        ("invalid/fields-yaml-bad-declarations", "fields.yaml"),
    ]:
        assert f"{case}/inventory/{rel}" in names
