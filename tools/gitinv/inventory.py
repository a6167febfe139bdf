"""Load a whole inventory: every file checked, every problem a finding.

load → (per file) strict YAML + schema → (whole inventory) checks → Inventory.
Server files are independent until the uniqueness pass, so a large inventory is
read by a pool of forked workers, one per core.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path
from typing import Any

from gitinv import cache, checks, collector, fields, ipkey, models
from gitinv.cache import Prefetch
from gitinv.cache_file import VALID, Hits, Row, Stat
from gitinv.forge import config as forge_config
from gitinv.layout import (
    CATALOG_FILES,
    SERVERS_DIR,
    SETTINGS_FILE,
    server_of,
    split_server_path,
)
from gitinv.loader import (
    MAX_BYTES,
    Document,
    LoadError,
    Pos,
    decode,
    fast_load,
    load_bytes,
    load_text,
)
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

PARALLEL_FROM = 3000  # below this, forking costs more than it saves
CHUNK = 2000


class FieldPositions(Mapping[str, Pos]):
    """A document's positions by field name (`tags.0` for a list's item), looked up in
    the document when asked: most records are only ever asked for their IP's, which a
    fast-path document finds without working out the others."""

    __slots__ = ("_doc", "_names")

    def __init__(self, doc: Document) -> None:
        self._doc = doc
        self._names: dict[str, Pos] | None = None

    def __getitem__(self, key: str) -> Pos:
        if "." not in key:  # a field's own line, looked up as it is
            return self._doc.value_position(key)
        return self._by_name()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_name())

    def __len__(self) -> int:
        return len(self._by_name())

    def _by_name(self) -> dict[str, Pos]:
        if self._names is None:
            self._names = {
                key if len(loc) == 1 else f"{key}.{loc[1]}": pos
                for loc, pos in self._doc.positions.items()
                if loc and isinstance(key := loc[0], str)
            }
        return self._names


@dataclass(slots=True)
class ServerRecord:
    name: str
    group: str
    path: str
    fields: dict[str, Any]
    positions: Mapping[str, Pos] = field(default_factory=dict)
    ip_key: ipkey.IPKey | None = None

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
    ip = values.get("ip")
    ip_key = ipkey.key(ip) if ip is not None else None
    return ServerRecord(name, group, path, values, FieldPositions(doc), ip_key), findings


def load(
    root: Path,
    rev: str | None = None,
    *,
    progress: bool = False,
    source: Source | None = None,
    cache: bool = False,
) -> Inventory:
    """The inventory at ``rev`` (default: the working tree), or read from ``source``.

    ``cache``: reuse the results of server files checked before, and keep this run's
    (the working tree and revisions only; see cache.py)."""
    # Loading makes millions of small objects and no cycles: the cyclic collector
    # would only walk them again and again (a quarter of the time at 100,000 servers).
    with collector.paused():
        read = _read_all(root, rev, progress, source, cache, records=True)
        if isinstance(read, Inventory):
            return read
        records = read.records
        read.findings.extend(checks.unique(records))
        read.findings.extend(_duplicates(read.source, read.declared, records))
        records.sort(key=attrgetter("path"))
        servers = {r.name: r for r in records if r.fields}
        return Inventory(
            root=root,
            rev=rev,
            commit=read.commit,
            servers={name: servers[name] for name in sorted(servers)},
            catalogs=read.catalogs,
            settings=read.settings,
            findings=sorted(set(read.findings)),
            server_files=read.server_files,
            broken=frozenset(read.broken),
            fields=read.declared,
        )


@dataclass(slots=True)
class Checked:
    """What a check reports: every finding, and how many valid servers there are."""

    findings: list[Finding]
    servers: int

    @property
    def ok(self) -> bool:
        return not self.findings


def check(
    root: Path,
    rev: str | None = None,
    *,
    progress: bool = False,
    cache: bool = True,
    prefetch: Prefetch | None = None,
) -> Checked:
    """The findings and the number of servers `load` gives, without making the records
    of the files the cache still holds (``cache``, see cache.py): the rules across files
    run over their names and IPs, and only the servers that clash become records.
    ``prefetch``: the working tree's stats, taken meanwhile (see cache.Prefetch)."""
    with collector.paused():
        read = _read_all(root, rev, progress, None, cache, records=False, prefetch=prefetch)
        if isinstance(read, Inventory):
            return Checked(read.findings, 0)
        found, servers = _names_and_ips(read.records, read.hits)
        read.findings.extend(found)
        # With `unique` declared fields the cache's results were made into records.
        read.findings.extend(_duplicates(read.source, read.declared, read.records))
        return Checked(sorted(set(read.findings)), servers)


def _names_and_ips(records: list[ServerRecord], hits: Hits | None) -> tuple[list[Finding], int]:
    """Unique names and IPs across the records read and the rows the cache still holds:
    the findings, and the number of servers (the names of valid files)."""
    names = [r.name for r in records]
    keys = [r.ip_key for r in records]
    valid = [r.name for r in records if r.fields]
    if hits is not None and hits.clash_free(names, keys):
        # Names held once: each valid one is a server of its own.
        return [], len(valid) + hits.count(VALID)
    if hits is not None:
        kinds = hits.kinds()
        hit_names, hit_keys = hits.names(), hits.ip_keys()
        names += [n for n, kind in zip(hit_names, kinds, strict=True) if kind]
        keys += hit_keys
        valid += [n for n, kind in zip(hit_names, kinds, strict=True) if kind == VALID]
    dup_names, dup_keys = checks.clashes(names, keys)
    if not dup_names and not dup_keys:
        return [], len(set(valid))
    involved = [r for r in records if r.name in dup_names or r.ip_key in dup_keys]
    if hits is not None:
        at = {
            i
            for i, (name, key, kind) in enumerate(zip(hit_names, hit_keys, kinds, strict=True))
            if kind and (name in dup_names or key in dup_keys)
        }
        involved += [_claim(row) for row in hits.rows(at, fields=False)]
    return checks.unique(involved), len(set(valid))


@dataclass(slots=True)
class _Read:
    """What loading finds before the rules across files: the records of the server
    files read, the results the cache still holds (when not made into records), and
    the rest of the inventory."""

    source: Source
    commit: str | None
    records: list[ServerRecord]
    hits: Hits | None
    catalogs: dict[str, dict[str, dict[str, Any]]]
    settings: dict[str, Any]
    findings: list[Finding]
    server_files: int
    broken: set[str]
    declared: fields.FieldSet


def _read_all(
    root: Path,
    rev: str | None,
    progress: bool,
    source: Source | None,
    use_cache: bool,
    *,
    records: bool,
    prefetch: Prefetch | None = None,
) -> _Read | Inventory:
    """Everything read and checked file by file; an Inventory when there is nothing more
    to check (inventory/ itself is a symbolic link)."""
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
    session = _session(root, source, listing, broken) if use_cache else None
    # `unique` declared fields are compared across every server's values: records of all.
    records = records or any(f.unique for f in declared.declared)
    found, hits = _load_servers(
        source, server_files, rules, findings, progress, declared, session, records, prefetch
    )
    return _Read(
        source,
        commit,
        found,
        hits,
        catalogs,
        settings,
        findings,
        len(server_files),
        broken,
        declared,
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


def _session(
    root: Path, source: Source, listing: list[SourceFile], broken: set[str]
) -> cache.Session | None:
    """The cache for this load, under the key of its rules: the catalogs, fields.yaml and
    settings.yaml (the host it names decides which handles a catalog accepts) as they
    are (their blob ids), which catalogs could not be read, and gitinv's code."""
    if not isinstance(source, WorkTree | GitRevision):
        return None  # an overlay of files not written yet, say
    store = cache.Store.open(root)
    if store is None:
        return None
    rules_files = (*CATALOG_FILES, fields.FIELDS_FILE, SETTINGS_FILE)
    kinds = {f.path: f.kind for f in listing if f.path in rules_files}
    parts = [("broken", ",".join(sorted(broken)))]
    for path in rules_files:
        kind = kinds.get(path, "absent")
        if kind != "file":
            parts.append((path, kind))
        elif isinstance(source, GitRevision):
            parts.append((path, source.blob_id(path)))
        else:
            data = _read(source, path)
            parts.append((path, "unreadable" if isinstance(data, Finding) else cache.blob_id(data)))
    return store.session(cache.rules_key(parts))


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


# Forked workers see the parent's memory: the source, any blobs read in batch, the rules,
# the fields, the cache.
_WORK: (
    tuple[Source, dict[str, bytes] | None, checks.Rules, fields.FieldSet, cache.Session | None]
    | None
) = None


# What a worker sends back for one file: its path, its field values in the order of the
# FieldSet's names (None where absent) or None when invalid, the ip's position and key,
# and its findings. Plain tuples pickle several times faster than records with dicts.
Packed = tuple[str, tuple[Any, ...] | None, Pos, "ipkey.IPKey | None", list[Finding]]
# For the cache, the bytes a result came from: their blob id and (working tree) their stat.
Seen = tuple[str, "Stat | None"] | None
# A worker's answer for one path: the result (None: the cache has it for these bytes).
Done = tuple[str, Packed | None, Seen]


def _parse_chunk(paths: list[str]) -> list[Done]:
    assert _WORK is not None
    source, blobs, rules, declared, session = _WORK
    if blobs is None and isinstance(source, GitRevision):
        blobs = source.read_here(paths)
    out: list[Done] = []
    for path in paths:
        seen: Seen = None
        if blobs is not None:
            data: bytes | Finding = blobs[path]
            if session is not None and isinstance(source, GitRevision):
                seen = (source.blob_id(path), None)
        elif session is not None and isinstance(source, WorkTree):
            try:
                data, st = source.read_stat(path)
            except OSError as exc:
                data = unreadable(path, exc)
            else:
                # Past the limit only a part was read: not the file's blob id.
                if len(data) <= MAX_BYTES:
                    seen = (cache.blob_id(data), cache.stat_of(st))
                    if session.row(path, seen[0]) is not None:  # touched, not changed
                        out.append((path, None, seen))
                        continue
        else:
            data = _read(source, path)
        out.append((path, _check(path, data, rules, declared), seen))
    return out


def _check(
    path: str, data: bytes | Finding, rules: checks.Rules, declared: fields.FieldSet
) -> Packed:
    """One server file's own result: parsed, validated, its references checked."""
    if isinstance(data, Finding):
        return (path, None, (1, 1), None, [data])
    record, findings = read_server(path, data, declared)
    if record is None:
        return (path, None, (1, 1), None, findings)
    checked = findings + rules.check_server(record)
    # Invalid on its own: not a server of the inventory, but its address still
    # takes part in the unique-IP check.
    values = None if findings else tuple(map(record.fields.get, declared.names))
    return (path, values, record.pos("ip"), record.ip_key, checked)


def _unpack(item: Packed, names: tuple[str, ...]) -> ServerRecord | None:
    path, values, ip_pos, key, findings = item
    if values is not None and (shaped := server_of(path)) is not None:
        # A valid server: parse_server has already checked its path.
        return ServerRecord(shaped[1], shaped[0], path, _kept(names, values), {"ip": ip_pos}, key)
    where = split_server_path(path)
    if isinstance(where, str):
        return None
    group, name = where
    if values is None:
        # Invalid, but still a server by its path: it takes part in the unique checks.
        if findings[0].code == "bad-path":
            return None
        return ServerRecord(name, group, path, {}, {"ip": ip_pos}, key)
    return ServerRecord(name, group, path, _kept(names, values), {"ip": ip_pos}, key)


def _kept(names: tuple[str, ...], values: tuple[Any, ...]) -> dict[str, Any]:
    """The fields a worker sent, the absent ones (None) left out."""
    if None not in values:  # most files: the dict made at C speed
        return dict(zip(names, values, strict=True))
    return {k: v for k, v in zip(names, values, strict=True) if v is not None}


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
    session: cache.Session | None = None,
    records_of_hits: bool = True,
    prefetch: Prefetch | None = None,
) -> tuple[list[ServerRecord], Hits | None]:
    """The records of the server files; with a cache, the results it still holds, made
    into records too when asked."""
    global _WORK
    paths = sorted([f.path for f in files])
    records: list[ServerRecord] = []
    todo, hits = paths, None
    if session is not None:
        hits, todo = _from_cache(source, paths, session, prefetch)
        if hits is not None and records_of_hits:
            try:
                records = [r for r in map(_from_row, hits.rows()) if r is not None]
            except ValueError:  # a damaged line of fields: read every file again
                session.forget()
                hits, todo = None, paths
        if hits is not None:
            findings.extend(hits.findings())
            if records_of_hits:
                hits = None
    workers = min(os.cpu_count() or 1, 8)
    parallel = (
        len(todo) >= PARALLEL_FROM
        and workers > 1
        and "fork" in multiprocessing.get_all_start_methods()
    )
    # A revision's blobs: each forked worker reads its own share from git, else all here.
    read_apart = parallel and isinstance(source, GitRevision)
    _WORK = (source, None if read_apart else source.read_many(todo), rules, declared, session)
    done = 0
    try:
        if parallel:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                results: Iterator[list[Done]] = pool.imap(_parse_chunk, _chunks(todo))
                for chunk in results:
                    done = _collect(
                        chunk, records, findings, done, len(todo), progress, declared, session
                    )
                # Ended, not killed: a worker reaps the git it started (GitRevision).
                pool.close()
                pool.join()
        else:
            for part in _chunks(todo):
                done = _collect(
                    _parse_chunk(part),
                    records,
                    findings,
                    done,
                    len(todo),
                    progress,
                    declared,
                    session,
                )
    finally:
        _WORK = None
        if progress and len(todo) >= CHUNK:
            sys.stderr.write("\n")
    if session is not None:
        session.save(paths)
    return records, hits


def _from_cache(
    source: Source, paths: list[str], session: cache.Session, prefetch: Prefetch | None
) -> tuple[Hits | None, list[str]]:
    """The results the cache still holds for these files, and the paths to read: a
    revision's files are known by their blob ids, the working tree's by their stat."""
    if not session.old.paths:
        return None, paths  # nothing kept (a first run): no stat to compare
    if isinstance(source, GitRevision):
        hits, todo = session.by_blobs(paths, [source.blob_id(p) for p in paths])
    else:
        assert isinstance(source, WorkTree)
        stats = None
        if prefetch is not None and paths == session.old.paths:
            stats = prefetch.stats(session.old)
        hits, todo = session.by_stats(paths, stats if stats is not None else source.stats(paths))
    return (hits if len(hits) else None), todo


def _from_row(row: Row) -> ServerRecord | None:
    """The record a kept row holds: the same _unpack made of the file's result."""
    path, values, ip_pos, key, _ = row
    if values is None or (where := server_of(path)) is None:
        return None
    group, name = where
    return ServerRecord(name, group, path, values, {"ip": ip_pos}, key)


def _claim(row: Row) -> ServerRecord:
    """A kept row as the rules across files see it: name, path, ip key and position."""
    path, _, ip_pos, key, _ = row
    where = server_of(path)
    assert where is not None  # a row of a server: its path was checked when it was kept
    group, name = where
    return ServerRecord(name, group, path, {}, {"ip": ip_pos}, key)


def _collect(
    chunk: list[Done],
    records: list[ServerRecord],
    findings: list[Finding],
    done: int,
    total: int,
    progress: bool,
    declared: fields.FieldSet,
    session: cache.Session | None,
) -> int:
    for path, item, seen in chunk:
        if item is None:  # the cache's row for the same bytes
            assert session is not None and seen is not None
            row = session.row(path, seen[0])
            assert row is not None
            _, values, ip_pos, key, found = row
            record = _from_row(row)
        else:
            _, _, ip_pos, key, found = item
            record = _unpack(item, declared.names)
            values = record.fields if record is not None else None
        if found:
            findings.extend(found)
        if record is not None:
            records.append(record)
        if session is not None and seen is not None:
            session.keep(path, seen[0], seen[1], values, ip_pos, key, found)
    done += len(chunk)
    if progress and total >= CHUNK:
        sys.stderr.write(f"\rchecked {done:,}/{total:,} server files")
        sys.stderr.flush()
    return done
