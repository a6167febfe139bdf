"""Load a whole inventory: every file checked, every problem a finding.

load → (per file) strict YAML + schema → (whole inventory) checks → Inventory.
Server files are independent until the uniqueness pass, so a large inventory is
read by a pool of forked workers, one per core.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gitinv import checks, fields, models
from gitinv.forge import config as forge_config
from gitinv.loader import LoadError, Pos, decode, fast_load, load_bytes, load_text
from gitinv.report import Finding
from gitinv.schema_errors import validate_fields
from gitinv.source import (
    INVENTORY,
    GitRevision,
    Source,
    SourceFile,
    WorkTree,
    file_problem,
    unreadable,
)

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
    # Catalogs that could not be read at all: references into them are not checked.
    broken: frozenset[str] = frozenset()
    # The servers' fields: built-in, and those inventory/fields.yaml declares.
    fields: fields.FieldSet = fields.BUILTIN

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


def parse_server(
    path: str, data: bytes, declared: fields.FieldSet = fields.BUILTIN
) -> tuple[ServerRecord | None, list[Finding]]:
    """One server file on its own: path, YAML and schema, the built-in fields and the
    `declared` ones (no cross-file checks).

    The record when the file is valid on its own, else None; every problem either way.
    """
    record, findings = read_server(path, data, declared)
    return (None if findings else record), findings


def read_server(
    path: str, data: bytes, declared: fields.FieldSet = fields.BUILTIN
) -> tuple[ServerRecord | None, list[Finding]]:
    """Like `parse_server`, but the record comes back whenever the path names a server:
    its fields are those that passed their own checks, so the rules across files can
    report on them in the same run (an unknown component next to a bad state)."""
    where = split_server_path(path)
    if isinstance(where, str):
        return None, [Finding(path, 1, 1, "bad-path", where)]
    group, name = where
    findings: list[Finding] = []
    try:
        text = decode(path, data)
        doc = fast_load(path, text) or load_text(path, text)
    except LoadError as exc:
        if exc.partial is None:
            return ServerRecord(name, group, path, {}), exc.findings
        doc, findings = exc.partial, exc.findings
    if not isinstance(doc.value, dict):
        return ServerRecord(name, group, path, {}), [
            Finding(
                path,
                1,
                1,
                "bad-type",
                "a server file must be a mapping of fields (component: ..., ip: ...)",
            )
        ]
    values, problems = declared.read_server(doc)
    findings.extend(problems)
    positions = {
        key if len(loc) == 1 else f"{key}.{loc[1]}": pos
        for loc, pos in doc.positions.items()
        if loc and isinstance(key := loc[0], str)
    }
    ip = values.get("ip")
    ip_key = checks.ip_key(ip) if ip is not None else None
    return ServerRecord(name, group, path, values, positions, ip_key), findings


def load(
    root: Path, rev: str | None = None, *, progress: bool = False, source: Source | None = None
) -> Inventory:
    """The inventory at ``rev`` (default: the working tree), or read from ``source``."""
    # Loading makes millions of small objects and no cycles: the cyclic collector
    # would only walk them again and again (a quarter of the time at 100,000 servers).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _load(root, rev, progress, source)
    finally:
        if collecting:
            gc.enable()


def _load(root: Path, rev: str | None, progress: bool, source: Source | None) -> Inventory:
    if source is None:
        source = GitRevision(root, rev) if rev is not None else WorkTree(root)
    commit = source.commit if isinstance(source, GitRevision) else None
    findings: list[Finding] = []
    server_files: list[SourceFile] = []
    texts: dict[str, SourceFile] = {}
    listing = source.files()
    if [f.path for f in listing if f.kind == "symlink"] == [INVENTORY]:
        problem = file_problem(listing[0])
        assert problem is not None
        return Inventory(
            root, rev, commit, {}, {}, {}, [problem], broken=frozenset(models.CATALOGS)
        )
    for f in listing:
        problem = file_problem(f)
        if problem is not None:
            findings.append(problem)
        elif f.path.startswith(f"{SERVERS_DIR}/"):
            server_files.append(f)
        elif f.path in CATALOG_FILES or f.path in (SETTINGS_FILE, fields.FIELDS_FILE):
            texts[f.path] = f
        else:
            findings.append(
                Finding(
                    f.path,
                    1,
                    1,
                    "bad-path",
                    "unexpected file in inventory/: only the six catalogs, settings.yaml, "
                    "fields.yaml and servers/<group>/<name>.yaml belong here; move or remove it",
                )
            )
    settings = _load_settings(source, texts, findings)
    # Handles are checked against the rules of the repository's host (`forge`, else
    # `repository`, else origin); when nothing says which, either host's handle passes.
    context = {"forge": forge_config.forge_of(settings, source.root)}
    catalogs, broken = _load_catalogs(source, texts, findings, context)
    declared = _load_fields(source, texts, listing, findings)
    rules = checks.Rules(catalogs, broken)
    records = _load_servers(source, server_files, rules, findings, progress, declared)
    findings.extend(checks.unique(records))
    findings.extend(_duplicates(source, declared, records))
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
        broken=frozenset(broken),
        fields=declared,
    )


def _load_catalogs(
    source: Source,
    texts: dict[str, SourceFile],
    findings: list[Finding],
    context: dict[str, Any] | None = None,
) -> tuple[dict[str, dict[str, dict[str, Any]]], set[str]]:
    catalogs: dict[str, dict[str, dict[str, Any]]] = {}
    broken: set[str] = set()
    reported = {f.file for f in findings}  # a symlink or a folder: not also "missing"
    for path, stem in CATALOG_FILES.items():
        catalogs[stem] = {}
        if path not in texts:
            if path not in reported:
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
        data = _read(source, path)
        if isinstance(data, Finding):
            findings.append(data)
            broken.add(stem)
            continue
        entries, problems = _load_catalog(path, data, models.CATALOGS[stem], context)
        catalogs[stem] = entries or {}
        findings.extend(problems)
        if entries is None:
            broken.add(stem)
    return catalogs, broken


def _load_catalog(
    path: str, data: bytes, model: type[models.Entry], context: dict[str, Any] | None = None
) -> tuple[dict[str, dict[str, Any]] | None, list[Finding]]:
    """The entries (None when the file cannot be read as a catalog at all) and the problems."""
    findings: list[Finding] = []
    try:
        doc = load_bytes(path, data, allow_empty=True)
    except LoadError as exc:
        if exc.partial is None:
            return None, exc.findings
        # A duplicate key or a bad key: the other entries still serve the references.
        doc, findings = exc.partial, exc.findings
    if not isinstance(doc.value, dict):
        return None, [
            Finding(
                path,
                1,
                1,
                "bad-type",
                "a catalog must be a mapping from entry names to their attributes",
            )
        ]
    entries: dict[str, dict[str, Any]] = {}
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
        valid, problems = validate_fields(model, attrs, doc, (name,), context)
        findings.extend(problems)
        entries[name] = valid
    return entries, findings


def _load_settings(
    source: Source, texts: dict[str, SourceFile], findings: list[Finding]
) -> dict[str, Any]:
    if SETTINGS_FILE not in texts:
        return {}
    data = _read(source, SETTINGS_FILE)
    if isinstance(data, Finding):
        findings.append(data)
        return {}
    try:
        doc = load_bytes(SETTINGS_FILE, data, allow_empty=True)
    except LoadError as exc:
        findings.extend(exc.findings)
        if exc.partial is None:
            return {}
        doc = exc.partial
    if not isinstance(doc.value, dict):
        findings.append(Finding(SETTINGS_FILE, 1, 1, "bad-type", "settings.yaml must be a mapping"))
        return {}
    own = {"forge": forge_config.forge_of(doc.value, source.root)}  # whose rules the admins follow
    valid, problems = validate_fields(models.Settings, doc.value, doc, context=own)
    findings.extend(problems)
    return valid


def _load_fields(
    source: Source, texts: dict[str, SourceFile], listing: list[SourceFile], findings: list[Finding]
) -> fields.FieldSet:
    """fields.yaml's fields; one that cannot be read leaves the servers' other keys alone."""
    if fields.FIELDS_FILE not in texts:
        there = any(f.path == fields.FIELDS_FILE for f in listing)  # a link, a folder
        return (
            fields.FieldSet(fields.BUILTIN.fields, True, broken=True) if there else fields.BUILTIN
        )
    data = _read(source, fields.FIELDS_FILE)
    if isinstance(data, Finding):
        findings.append(data)
        return fields.FieldSet(fields.BUILTIN.fields, True, broken=True)
    declared, problems = fields.parse(data)
    findings.extend(problems)
    return declared


def _duplicates(
    source: Source, declared: fields.FieldSet, records: list[ServerRecord]
) -> list[Finding]:
    """The `unique` declared fields across servers; a value's position is read again
    from its file, for the few files reported."""

    def where(path: str, name: str) -> Pos:
        try:
            return load_bytes(path, source.read(path)).position((name,))
        except (OSError, LoadError):
            return (1, 1)

    return declared.duplicates(((r.path, r.fields) for r in records if r.fields), where)


def _read(source: Source, path: str) -> bytes | Finding:
    try:
        return source.read(path)
    except OSError as exc:
        return unreadable(path, exc)


# Forked workers see the parent's memory: the source, any blobs read in batch, the rules.
_WORK: tuple[Source, dict[str, bytes] | None, checks.Rules, fields.FieldSet] | None = None


# What a worker sends back for one file: its path, its field values in the order of the
# FieldSet's names (None where absent) or None when invalid, the ip's position and key,
# and its findings. Plain tuples pickle several times faster than records with dicts.
Packed = tuple[str, tuple[Any, ...] | None, Pos, "checks.IPKey | None", list[Finding]]


def _parse_chunk(paths: list[str]) -> list[Packed]:
    assert _WORK is not None
    source, blobs, rules, declared = _WORK
    out: list[Packed] = []
    for path in paths:
        data = blobs[path] if blobs is not None else _read(source, path)
        if isinstance(data, Finding):
            out.append((path, None, (1, 1), None, [data]))
            continue
        record, findings = read_server(path, data, declared)
        if record is None:
            out.append((path, None, (1, 1), None, findings))
            continue
        checked = findings + rules.check_server(record)
        # Invalid on its own: not a server of the inventory, but its address still
        # takes part in the unique-IP check.
        values = None if findings else tuple(record.fields.get(k) for k in declared.names)
        out.append((path, values, record.pos("ip"), record.ip_key, checked))
    return out


def _unpack(item: Packed, names: tuple[str, ...]) -> ServerRecord | None:
    path, values, ip_pos, key, findings = item
    where = split_server_path(path)
    if isinstance(where, str):
        return None
    group, name = where
    if values is None:
        # Invalid, but still a server by its path: it takes part in the unique checks.
        if findings[0].code == "bad-path":
            return None
        return ServerRecord(name, group, path, {}, {"ip": ip_pos}, key)
    kept = {k: v for k, v in zip(names, values, strict=True) if v is not None}
    return ServerRecord(name, group, path, kept, {"ip": ip_pos}, key)


def _chunks(paths: list[str]) -> Iterator[list[str]]:
    for i in range(0, len(paths), CHUNK):
        yield paths[i : i + CHUNK]


def _load_servers(
    source: Source,
    files: list[SourceFile],
    rules: checks.Rules,
    findings: list[Finding],
    progress: bool,
    declared: fields.FieldSet = fields.BUILTIN,
) -> list[ServerRecord]:
    global _WORK
    paths = sorted(f.path for f in files)
    _WORK = (source, source.read_many(paths), rules, declared)
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
                results: Iterator[list[Packed]] = pool.imap(_parse_chunk, _chunks(paths))
                for chunk in results:
                    done = _collect(chunk, records, findings, done, len(paths), progress, declared)
        else:
            for part in _chunks(paths):
                done = _collect(
                    _parse_chunk(part), records, findings, done, len(paths), progress, declared
                )
    finally:
        _WORK = None
        if progress and len(paths) >= CHUNK:
            sys.stderr.write("\n")
    return records


def _collect(
    chunk: list[Packed],
    records: list[ServerRecord],
    findings: list[Finding],
    done: int,
    total: int,
    progress: bool,
    declared: fields.FieldSet,
) -> int:
    for item in chunk:
        findings.extend(item[4])
        record = _unpack(item, declared.names)
        if record is not None:
            records.append(record)
    done += len(chunk)
    if progress and total >= CHUNK:
        sys.stderr.write(f"\rchecked {done:,}/{total:,} server files")
        sys.stderr.flush()
    return done
