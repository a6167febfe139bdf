"""Which inventory files are not in canonical form, and the text that would be.

    text = canonical_text(path, data, fields)   # str, or the findings that stop a safe rewrite
    found = check(source, None, fields)         # every file fmt handles, from any Source

A server file's canonical form depends only on its bytes, the fields and gitinv's code:
`check` keeps the blob ids of the server files it found canonical beside validate's
cache (`canonical-<key>.ids`, the key also in its first line), and renders only the
others next time. Anything unexpected in that file makes it ignored and rewritten.

`fields`: the inventory's FieldSet (its fields.yaml), default the built-in fields.

Shared by `fmt` (which writes the text) and `report` (which shows it as the fix).
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gitinv import cache, canonical, fields, models
from gitinv.layout import CATALOG_FILES, SERVERS_DIR, SETTINGS_FILE
from gitinv.loader import (
    MAX_BYTES,
    Document,
    LoadError,
    decode,
    fast_load,
    load_bytes,
    load_text,
    too_large,
)
from gitinv.report import Finding
from gitinv.schema_errors import validate
from gitinv.source import GitRevision, Source, WorkTree, open_regular, unreadable


@dataclass(frozen=True)
class Reformat:
    """A file that is valid but not canonical: where it first differs, and both texts."""

    path: str
    line: int
    old: str
    new: str

    def finding(self) -> Finding:
        return Finding(
            self.path,
            self.line,
            1,
            "not-canonical",
            f"not in canonical form; run `gitinv fmt {self.path}` to rewrite it",
        )


@dataclass
class Check:
    """Every file fmt handles: those to rewrite, and why others cannot be rewritten."""

    files: int
    reformat: list[Reformat]
    problems: list[Finding]

    @property
    def findings(self) -> list[Finding]:
        return sorted([r.finding() for r in self.reformat] + self.problems)


def is_formattable(path: str) -> bool:
    """A file `gitinv fmt` rewrites: a catalog, settings.yaml or a server file."""
    return (
        path in CATALOG_FILES
        or path == SETTINGS_FILE
        or (path.startswith(f"{SERVERS_DIR}/") and path.endswith(".yaml"))
    )


def inventory_paths(source: Source) -> list[str]:
    return sorted(f.path for f in source.files() if f.kind == "file" and is_formattable(f.path))


def check(
    source: Source, paths: list[str] | None = None, declared: fields.FieldSet = fields.BUILTIN
) -> Check:
    """Compare each file (default: every one fmt handles) with its canonical text; a
    server file against the built-in fields and those `declared` in fields.yaml."""
    full = paths is None  # only a check of every file keeps what it found
    if paths is None:
        paths = inventory_paths(source)
    known = _Known.open(source, declared)
    todo = paths
    if known is not None and isinstance(source, GitRevision):
        # A revision names its blobs: those known canonical are not even read.
        todo = [p for p in paths if not known.has(p, source.blob_id(p))]
    result = Check(len(paths), [], [])
    if isinstance(source, GitRevision):
        # A blob past the size limit is never read: the loader's words, from its size.
        large = {p: n for p in todo if (n := source.size(p)) > MAX_BYTES}
        result.problems += [too_large(p, n) for p, n in large.items()]
        todo = [p for p in todo if p not in large]
    blobs = source.read_many(todo)
    for path in todo:
        try:
            data = blobs[path] if blobs is not None else source.read(path)
        except OSError as exc:
            result.problems.append(unreadable(path, exc))
            continue
        blob = cache.blob_id(data) if known is not None and _is_server(path) else ""
        if known is not None and known.has(path, blob):
            continue
        text = canonical_text(path, data, declared)
        if isinstance(text, list):
            result.problems.extend(text)
        elif text.encode() != data:
            old = data.decode()
            result.reformat.append(Reformat(path, first_difference(old, text), old, text))
        elif known is not None and blob:
            known.add(blob)
    if known is not None and full:
        known.save()
    return result


def _is_server(path: str) -> bool:
    return path.startswith(f"{SERVERS_DIR}/")


class _Known:
    """The blob ids of server files found in canonical form, under a key over gitinv's
    code and the fields (see the module's docstring): a file a key, the newest few
    kept (the working tree's fields and a revision's may differ). Only a full check
    saves."""

    PREFIX = "canonical-"
    _IDS = re.compile(rb"(?:[0-9a-f]{40}\n)*")

    def __init__(self, store: cache.Store, key: str, ids: set[str]) -> None:
        self.store, self.key, self.old = store, key, ids
        self.seen: set[str] = set()

    @classmethod
    def open(cls, source: Source, declared: fields.FieldSet) -> _Known | None:
        if not isinstance(source, GitRevision | WorkTree):
            return None  # files that exist nowhere yet (a request's new servers)
        store = cache.Store.open(source.root)
        if store is None:
            return None
        about = (declared.fields, declared.present, sorted(declared.unchecked), declared.broken)
        key = hashlib.sha256(repr((cache.code_version(), about)).encode()).hexdigest()
        body = _read_kept(store.folder / cls.name(key), f"{key}\n".encode())
        fine = body is not None and cls._IDS.fullmatch(body) is not None
        return cls(store, key, set(body.decode().split()) if fine and body else set())

    @classmethod
    def name(cls, key: str) -> str:
        return f"{cls.PREFIX}{key[:24]}.ids"

    @property
    def folder(self) -> Path:
        return self.store.folder

    def has(self, path: str, blob: str) -> bool:
        if _is_server(path) and blob in self.old:
            self.seen.add(blob)
            return True
        return False

    def add(self, blob: str) -> None:
        self.seen.add(blob)

    def save(self) -> None:
        """This run's canonical server files, when they differ from those kept (the newest
        KEEP keys' files stay, as validate's do); nowhere to write means nothing kept."""
        if self.seen == self.old:
            return
        data = "".join(f"{blob}\n" for blob in sorted(self.seen))
        self.store.replace(self.PREFIX, self.name(self.key), f"{self.key}\n{data}".encode())


def _read_kept(path: Path, head: bytes) -> bytes | None:
    """What follows `head` in a regular file (`open_regular`: never what a link or a pipe
    leads to), or None: no such file, or another head (then nothing more is read)."""
    if (opened := open_regular(path)) is None:
        return None
    fd = opened[0]
    try:
        if os.read(fd, len(head)) != head:
            return None
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


def canonical_text(
    path: str, data: bytes, declared: fields.FieldSet = fields.BUILTIN
) -> str | list[Finding]:
    """The canonical text, or why the file cannot be rewritten safely."""
    is_server = path.startswith(f"{SERVERS_DIR}/")
    try:
        text = decode(path, data)
        doc = (is_server and fast_load(path, text)) or load_text(
            path, text, allow_empty=not is_server
        )
    except LoadError as exc:
        return exc.findings
    problems = _schema_problems(path, doc, declared)
    if problems:
        return problems
    try:
        result = canonical.render(doc, text, declared.names)
    except canonical.Unplaceable as exc:
        return [
            Finding(path, exc.line, 1, "not-canonical", f"cannot rewrite safely: {exc.message}")
        ]
    if result == text:
        return result  # already canonical: nothing to rewrite, nothing to verify
    encoded = result.encode()
    if len(encoded) > MAX_BYTES:
        # Block lists take more room than the flow lists they replace: past the limit,
        # the canonical form would be a file no command reads.
        return [
            Finding(
                path,
                1,
                1,
                "not-canonical",
                f"cannot rewrite: the canonical form takes {len(encoded):,} bytes, "
                f"over the {MAX_BYTES // 1024} KiB a file may hold; split or shorten its "
                "lists",
            )
        ]
    again = load_bytes(path, encoded, allow_empty=not is_server)
    if _comparable(again.value) != _comparable(doc.value) or len(canonical.comments(result)) != len(
        canonical.comments(text)
    ):
        return [
            Finding(
                path,
                1,
                1,
                "not-canonical",
                "cannot rewrite safely: the canonical form would change a value or a comment; "
                "please report this file",
            )
        ]
    return result


def _schema_problems(path: str, doc: Document, declared: fields.FieldSet) -> list[Finding]:
    if not isinstance(doc.value, dict):
        return [
            Finding(path, 1, 1, "bad-type", "top level must be a mapping; fix it before formatting")
        ]
    if path.startswith(f"{SERVERS_DIR}/"):
        return declared.validate_server(doc)[1]
    if path == SETTINGS_FILE:
        return validate(models.Settings, doc.value, doc)[1]
    stem = path.rsplit("/", 1)[-1].removesuffix(".yaml")
    model = models.CATALOGS.get(stem)
    if model is None:
        return [Finding(path, 1, 1, "bad-path", "not an inventory file gitinv knows how to format")]
    problems: list[Finding] = []
    for name, attrs in doc.value.items():
        if not isinstance(attrs, dict):
            problems.append(
                Finding(
                    path,
                    *doc.position((name,)),
                    "bad-type",
                    f"entry `{name}` must be a mapping; fix it before formatting",
                )
            )
        else:
            problems.extend(validate(model, attrs, doc, (name,))[1])
    return problems


def _comparable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _comparable(v) for k, v in value.items()}
    if isinstance(value, list):
        return sorted(map(str, value))
    return value


def first_difference(old: str, new: str) -> int:
    """The first line (1-based) where `old` and `new` differ."""
    for number, (a, b) in enumerate(zip(old.split("\n"), new.split("\n"), strict=False), start=1):
        if a != b:
            return number
    return min(len(old.split("\n")), len(new.split("\n")))
