"""Which inventory files are not in canonical form, and the text that would be.

    text = canonical_text(path, data, fields)   # str, or the findings that stop a safe rewrite
    found = check(source, None, fields)         # every file fmt handles, from any Source

`fields`: the inventory's FieldSet (its fields.yaml), default the built-in fields.

Shared by `fmt` (which writes the text) and `report` (which shows it as the fix).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gitinv import canonical, fields, models
from gitinv.layout import CATALOG_FILES, SERVERS_DIR, SETTINGS_FILE
from gitinv.loader import Document, LoadError, decode, fast_load, load_bytes, load_text
from gitinv.report import Finding
from gitinv.schema_errors import validate
from gitinv.source import Source, unreadable


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
    if paths is None:
        paths = inventory_paths(source)
    blobs = source.read_many(paths)
    result = Check(len(paths), [], [])
    for path in paths:
        try:
            data = blobs[path] if blobs is not None else source.read(path)
        except OSError as exc:
            result.problems.append(unreadable(path, exc))
            continue
        text = canonical_text(path, data, declared)
        if isinstance(text, list):
            result.problems.extend(text)
        elif text.encode() != data:
            old = data.decode()
            result.reformat.append(Reformat(path, first_difference(old, text), old, text))
    return result


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
    again = load_bytes(path, result.encode(), allow_empty=not is_server)
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
