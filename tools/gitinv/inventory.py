"""Load a whole inventory: every file checked, every problem a finding.

load → (per file) strict YAML + schema → (whole inventory) checks → Inventory.
Server files are independent until the uniqueness pass, so a large inventory is
read by a pool of forked workers, one per core.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gitinv import checks, models
from gitinv.loader import MAX_BYTES, LoadError, Pos, decode, fast_load, load_bytes, load_text
from gitinv.report import Finding
from gitinv.schema_errors import validate
from gitinv.source import INVENTORY, GitRevision, Source, SourceFile, WorkTree

SERVERS_DIR = f"{INVENTORY}/servers"
CATALOG_FILES = {f"{INVENTORY}/{stem}.yaml": stem for stem in models.CATALOGS}
SETTINGS_FILE = f"{INVENTORY}/settings.yaml"
PARALLEL_FROM = 3000  # below this, forking costs more than it saves
CHUNK = 2000


@dataclass(slots=True)
class ServerRecord:
    name: str
    group: str
    path: str
    fields: dict[str, Any]
    positions: dict[str, Pos] = field(default_factory=dict)
    ip_key: checks.IPKey | None = None

    def as_row(self) -> dict[str, Any]:
        row: dict[str, Any] = {"name": self.name, "group": self.group}
        for key in models.SERVER_FIELDS:
            row[key] = self.fields.get(key, [] if key == "tags" else None)
        return row

    def pos(self, key: str) -> Pos:
        return self.positions.get(key, (1, 1))


@dataclass(slots=True)
class Inventory:
    root: Path
    rev: str | None
    commit: str | None
    servers: dict[str, ServerRecord]
    catalogs: dict[str, dict[str, dict[str, Any]]]
    settings: dict[str, Any]
    findings: list[Finding]
    server_files: int = 0

    @property
    def ok(self) -> bool:
        return not self.findings


def split_server_path(path: str) -> tuple[str, str] | str:
    """(group, name) of a well-placed server file, else what is wrong with its path."""
    parts = path.split("/")
    if len(parts) != 4:
        return "a server file must be inventory/servers/<group>/<name>.yaml; move it there"
    group, filename = parts[2], parts[3]
    if not filename.endswith(".yaml"):
        return "a server file must end in .yaml (not .yml or another ending); rename it"
    name = filename[: -len(".yaml")]
    if not models.is_server_name(name):
        return (
            f"`{name}` is not a valid server name: lowercase letters, digits and hyphens "
            "in dot-separated labels of at most 63 characters; rename the file"
        )
    if not models.is_entry_name(group):
        return f"folder `{group}` is not a valid group name; use a group from groups.yaml"
    return group, name


def parse_server(path: str, data: bytes) -> tuple[ServerRecord | None, list[Finding]]:
    """One server file on its own: path, YAML and schema (no cross-file checks)."""
    where = split_server_path(path)
    if isinstance(where, str):
        return None, [Finding(path, 1, 1, "bad-path", where)]
    group, name = where
    try:
        text = decode(path, data)
        doc = fast_load(path, text) or load_text(path, text)
    except LoadError as exc:
        return None, exc.findings
    if not isinstance(doc.value, dict):
        return None, [
            Finding(
                path,
                1,
                1,
                "bad-type",
                "a server file must be a mapping of fields (component: ..., ip: ...)",
            )
        ]
    fields, findings = validate(models.Server, doc.value, doc)
    if fields is None:
        return None, findings
    positions = {
        key if len(loc) == 1 else f"{key}.{loc[1]}": pos
        for loc, pos in doc.positions.items()
        if loc and isinstance(key := loc[0], str)
    }
    return ServerRecord(name, group, path, fields, positions, checks.ip_key(fields["ip"])), []


def load(root: Path, rev: str | None = None, *, progress: bool = False) -> Inventory:
    source: Source = GitRevision(root, rev) if rev is not None else WorkTree(root)
    commit = source.commit if isinstance(source, GitRevision) else None
    findings: list[Finding] = []
    server_files: list[SourceFile] = []
    texts: dict[str, SourceFile] = {}
    listing = source.files()
    if [f.path for f in listing if f.kind == "symlink"] == [INVENTORY]:
        problem = _file_problem(listing[0])
        assert problem is not None
        return Inventory(root, rev, commit, {}, {}, {}, [problem])
    for f in listing:
        problem = _file_problem(f)
        if problem is not None:
            findings.append(problem)
        elif f.path.startswith(f"{SERVERS_DIR}/"):
            server_files.append(f)
        elif f.path in CATALOG_FILES or f.path == SETTINGS_FILE:
            texts[f.path] = f
        else:
            findings.append(
                Finding(
                    f.path,
                    1,
                    1,
                    "bad-path",
                    "unexpected file in inventory/: only the six catalogs, settings.yaml "
                    "and servers/<group>/<name>.yaml belong here; move or remove it",
                )
            )
    catalogs, broken = _load_catalogs(source, texts, findings)
    settings = _load_settings(source, texts, findings)
    rules = checks.Rules(catalogs, broken)
    records = _load_servers(source, server_files, rules, findings, progress)
    findings.extend(checks.unique(records))
    servers = {r.name: r for r in sorted(records, key=lambda r: r.path) if r.fields}
    return Inventory(
        root=root,
        rev=rev,
        commit=commit,
        servers=dict(sorted(servers.items())),
        catalogs=catalogs,
        settings=settings,
        findings=sorted(set(findings)),
        server_files=len(server_files),
    )


def _file_problem(f: SourceFile) -> Finding | None:
    if f.kind == "symlink":
        return Finding(
            f.path,
            1,
            1,
            "bad-file",
            "symbolic links are not allowed under inventory/; replace it with the file itself",
        )
    if f.kind != "file":
        return Finding(f.path, 1, 1, "bad-file", "not a regular file; remove it")
    if f.size > MAX_BYTES:
        return Finding(
            f.path,
            1,
            1,
            "bad-file",
            f"file is {f.size:,} bytes, over the {MAX_BYTES // 1024} KiB limit; split or trim it",
        )
    return None


def _load_catalogs(
    source: Source, texts: dict[str, SourceFile], findings: list[Finding]
) -> tuple[dict[str, dict[str, dict[str, Any]]], set[str]]:
    catalogs: dict[str, dict[str, dict[str, Any]]] = {}
    broken: set[str] = set()
    for path, stem in CATALOG_FILES.items():
        catalogs[stem] = {}
        if path not in texts:
            findings.append(
                Finding(
                    path,
                    1,
                    1,
                    "bad-file",
                    f"catalog {stem}.yaml is missing; create it (it may be empty)",
                )
            )
            broken.add(stem)
            continue
        entries, problems = _load_catalog(path, source.read(path), models.CATALOGS[stem])
        catalogs[stem] = entries
        if problems:
            findings.extend(problems)
            if entries is None or any(p.code in checks.FILE_LEVEL for p in problems):
                broken.add(stem)
    return catalogs, broken


def _load_catalog(
    path: str, data: bytes, model: type[models.Entry]
) -> tuple[dict[str, dict[str, Any]], list[Finding]]:
    try:
        doc = load_bytes(path, data, allow_empty=True)
    except LoadError as exc:
        return {}, exc.findings
    if not isinstance(doc.value, dict):
        return {}, [
            Finding(
                path,
                1,
                1,
                "bad-type",
                "a catalog must be a mapping from entry names to their attributes",
            )
        ]
    entries: dict[str, dict[str, Any]] = {}
    findings: list[Finding] = []
    for name, attrs in doc.value.items():
        if not models.is_entry_name(name):
            findings.append(
                Finding(
                    path,
                    *doc.key_positions[(name,)],
                    "bad-value",
                    f"entry name `{name}` must be lowercase letters, digits, `-` and `_`, "
                    "starting and ending with a letter or digit; rename it",
                )
            )
        if not isinstance(attrs, dict):
            findings.append(
                Finding(
                    path,
                    *doc.position((name,)),
                    "bad-type",
                    f"entry `{name}` must be a mapping of attributes; "
                    f"write `{name}: {{}}` for an entry without any",
                )
            )
            continue
        valid, problems = validate(model, attrs, doc, (name,))
        findings.extend(problems)
        entries[name] = valid if valid is not None else {}
    return entries, findings


def _load_settings(
    source: Source, texts: dict[str, SourceFile], findings: list[Finding]
) -> dict[str, Any]:
    if SETTINGS_FILE not in texts:
        return {}
    try:
        doc = load_bytes(SETTINGS_FILE, source.read(SETTINGS_FILE), allow_empty=True)
    except LoadError as exc:
        findings.extend(exc.findings)
        return {}
    if not isinstance(doc.value, dict):
        findings.append(Finding(SETTINGS_FILE, 1, 1, "bad-type", "settings.yaml must be a mapping"))
        return {}
    valid, problems = validate(models.Settings, doc.value, doc)
    findings.extend(problems)
    return valid or {}


# Forked workers see the parent's memory: the source and any blobs read in batch.
_WORK: tuple[Source, dict[str, bytes] | None, checks.Rules] | None = None


def _parse_chunk(paths: list[str]) -> list[tuple[ServerRecord | None, list[Finding]]]:
    assert _WORK is not None
    source, blobs, rules = _WORK
    out = []
    for path in paths:
        data = blobs[path] if blobs is not None else source.read(path)
        record, findings = parse_server(path, data)
        if record is not None:
            findings = rules.check_server(record)
        out.append((record, findings))
    return out


def _chunks(paths: list[str]) -> Iterator[list[str]]:
    for i in range(0, len(paths), CHUNK):
        yield paths[i : i + CHUNK]


def _load_servers(
    source: Source,
    files: list[SourceFile],
    rules: checks.Rules,
    findings: list[Finding],
    progress: bool,
) -> list[ServerRecord]:
    global _WORK
    paths = sorted(f.path for f in files)
    _WORK = (source, source.read_many(paths), rules)
    workers = min(os.cpu_count() or 1, 8)
    records: list[ServerRecord] = []
    done = 0
    try:
        if (
            len(paths) >= PARALLEL_FROM
            and workers > 1
            and "fork" in multiprocessing.get_all_start_methods()
        ):
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                results: Iterator[list[tuple[ServerRecord | None, list[Finding]]]] = pool.imap(
                    _parse_chunk, _chunks(paths)
                )
                for chunk in results:
                    done = _collect(chunk, records, findings, done, len(paths), progress)
        else:
            for part in _chunks(paths):
                done = _collect(_parse_chunk(part), records, findings, done, len(paths), progress)
    finally:
        _WORK = None
        if progress and len(paths) >= CHUNK:
            sys.stderr.write("\n")
    return records


def _collect(
    chunk: list[tuple[ServerRecord | None, list[Finding]]],
    records: list[ServerRecord],
    findings: list[Finding],
    done: int,
    total: int,
    progress: bool,
) -> int:
    for record, problems in chunk:
        findings.extend(problems)
        if record is not None:
            records.append(record)
        elif problems and problems[0].code != "bad-path":
            # Still a server by its path: it takes part in the unique-name check.
            where = split_server_path(problems[0].file)
            if not isinstance(where, str):
                records.append(ServerRecord(where[1], where[0], problems[0].file, {}, {}))
    done += len(chunk)
    if progress and total >= CHUNK:
        sys.stderr.write(f"\rchecked {done:,}/{total:,} server files")
        sys.stderr.flush()
    return done
