"""inventory/fields.yaml: read and checked like a catalog, into a FieldSet."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from gitinv import git, models
from gitinv.errors import GitinvError
from gitinv.fields.checks import PatternError, list_item_flaw, python_only, schema_match
from gitinv.fields.field import BOOLEANS, FIELDS_FILE, Field
from gitinv.fields.fieldset import BUILTIN, FieldSet
from gitinv.loader import Document, LoadError, Typed, load_bytes
from gitinv.report import Finding
from gitinv.schema_errors import describe, validate
from gitinv.source import INVENTORY, read_limited

RESERVED = models.RESERVED_FIELD_NAMES
_NAME_RE = re.compile(models.FIELD_NAME_PATTERN)
# The attributes that belong to some types only (models.FIELD_OPTIONS).
_OPTIONS = frozenset(o for options in models.FIELD_OPTIONS.values() for o in options)


def parse(data: bytes, path: str = FIELDS_FILE) -> tuple[FieldSet, list[Finding]]:
    """fields.yaml's declarations and its problems, reported like a catalog's."""
    try:
        doc = load_bytes(path, data, allow_empty=True)
    except LoadError as exc:
        return FieldSet(BUILTIN.fields, present=True, broken=True), exc.findings
    if not isinstance(doc.value, dict):
        return FieldSet(BUILTIN.fields, present=True, broken=True), [
            Finding(
                path,
                *doc.position(()),
                "bad-type",
                "fields.yaml must be a mapping from field names to their declarations, "
                "such as `cpu: {type: integer, min: 1}`",
            )
        ]
    declared: list[Field] = []
    unchecked: set[str] = set()
    findings: list[Finding] = []
    for name, attrs in doc.value.items():
        field, problems = _declaration(doc, name, attrs)
        findings.extend(problems)
        if field is not None:
            declared.append(field)
        elif name not in BUILTIN and name not in RESERVED:
            unchecked.add(name)
    return FieldSet((*BUILTIN.fields, *declared), True, frozenset(unchecked)), findings


def _declaration(doc: Document, name: str, attrs: Any) -> tuple[Field | None, list[Finding]]:
    """One entry of fields.yaml: its Field when it is right, else None and why."""
    at = doc.key_positions[(name,)]
    if name in BUILTIN or name in RESERVED:
        what = "a built-in field" if name in BUILTIN else "a key every published server has"
        return None, [
            Finding(
                doc.path,
                *at,
                "bad-value",
                f"`{name}` is {what}; a declared field needs a name of its own: rename it",
            )
        ]
    findings: list[Finding] = []
    if not _NAME_RE.fullmatch(name):
        findings.append(
            Finding(
                doc.path,
                *at,
                "bad-value",
                f"field name `{name}` must be lowercase letters and digits, starting with "
                "a letter, words joined by one `_` (`query` reads `__` as a lookup, as in "
                "`cpu__gte`); rename it",
            )
        )
    if not isinstance(attrs, dict):
        findings.append(
            Finding(
                doc.path,
                *doc.position((name,)),
                "bad-type",
                f"field `{name}` must be a mapping of its attributes, such as "
                f"`{name}: {{type: string}}`",
            )
        )
        return None, findings
    attrs = dict(attrs)
    for key in ("required", "unique"):
        if key in attrs and attrs[key] is not None:
            flag = _flag(doc, (name, key), attrs[key])
            if isinstance(flag, Finding):
                findings.append(flag)
                del attrs[key]
            else:
                attrs[key] = flag
    valid, problems = validate(models.FieldSpec, attrs, doc, (name,))
    findings.extend(problems)
    findings.extend(_consistency(doc, name, attrs))
    if valid is None or findings:
        return None, findings
    spec = models.FieldSpec.model_validate(valid)
    field = Field(
        name,
        spec.type,
        spec.description or "",
        required=spec.required,
        unique=spec.unique,
        values=tuple(spec.values or ()),
        pattern=spec.pattern,
        max_length=spec.max_length,
        minimum=spec.min,
        maximum=spec.max,
    )
    return field, []


def _flag(doc: Document, loc: tuple[str, str], value: Any) -> bool | Finding:
    """`required` and `unique`: true or false as every YAML reader reads them."""
    if isinstance(value, Typed) and value.kind == "a boolean":
        known = BOOLEANS.get(value.text)
        if known is not None:
            return known
        return Finding(
            doc.path,
            *doc.position(loc),
            "bad-value",
            f"`{loc[1]}`: write true or false, not `{value.text}`",
        )
    return Finding(
        doc.path,
        *doc.position(loc),
        "bad-type",
        f"`{loc[1]}` must be true or false, not {describe(value)}",
    )


def _consistency(doc: Document, name: str, attrs: dict[str, Any]) -> list[Finding]:
    """What the model alone does not say: which attributes each type takes, a pattern
    that compiles, min not above max, a type `unique` means something for. Checked on
    whatever has the right type, beside the model's own findings."""
    findings: list[Finding] = []
    kind = attrs.get("type")
    if isinstance(kind, str) and kind in models.FIELD_OPTIONS:  # a list is the model's to report
        allowed = models.FIELD_OPTIONS[kind]
        article = "an" if kind[0] in "aeiou" else "a"
        for key in attrs:
            if key in _OPTIONS and key not in allowed:
                takes = f"{', '.join(allowed)}, " if allowed else ""
                findings.append(
                    Finding(
                        doc.path,
                        *doc.key_positions[(name, key)],
                        "unknown-field",
                        f"`{key}` is not an attribute of {article} {kind} field (it takes "
                        f"{takes}required, unique and description); remove it",
                    )
                )
        if kind == "enum" and "values" not in attrs:
            findings.append(
                Finding(
                    doc.path,
                    *doc.position((name,)),
                    "missing-field",
                    "missing required field `values` (the values an enum allows); add it",
                )
            )
        if attrs.get("unique") is True and kind in models.NOT_UNIQUE:
            findings.append(
                Finding(
                    doc.path,
                    *doc.position((name, "unique")),
                    "bad-value",
                    f"{article} {kind} field cannot be unique; remove `unique`",
                )
            )
    pattern = attrs.get("pattern")
    if isinstance(pattern, str):
        problem = None
        try:
            re.compile(pattern)
        except re.error as exc:
            problem = f"`pattern` is not a regular expression: {exc}; fix it"
        else:
            if (found := python_only(pattern)) is not None:
                problem = (
                    f"`pattern` uses `{found}`, Python's own (a flag `(?i)`, a comment "
                    "`(?#...)`, a name `(?P<name>...)`, `\\A`, `\\Z`), which the JSON "
                    "Schema an editor checks does not have; write it without (`[Aa]` for "
                    "either case, `^` and `$` for the ends)"
                )
            else:
                try:
                    schema_match(pattern)
                except PatternError as exc:
                    problem = (
                        f"`pattern` cannot be matched in a time bound by the value's length "
                        f"({exc}): gitinv matches without backtracking, so that no value "
                        "can make a check run for minutes; write it without look-arounds "
                        "(`(?=`, `(?!`, `(?<=`), back-references (`\\1`) or possessive "
                        "repeats (`a++`)"
                    )
        if problem is not None:
            findings.append(
                Finding(doc.path, *doc.position((name, "pattern")), "bad-value", problem)
            )
    if kind == "list" and isinstance(values := attrs.get("values"), list):
        for index, item in enumerate(values):
            # An empty one is the model's finding.
            if isinstance(item, str) and item and (flaw := list_item_flaw(item)) is not None:
                findings.append(
                    Finding(
                        doc.path,
                        *doc.position((name, "values", index)),
                        "bad-value",
                        f"`{item}` cannot be a list item: it {flaw}",
                    )
                )
    low, high = models.yaml_integer(attrs.get("min")), models.yaml_integer(attrs.get("max"))
    if low is not None and high is not None and low > high:
        findings.append(
            Finding(
                doc.path,
                *doc.position((name, "max")),
                "bad-value",
                f"`max` ({high}) is below `min` ({low}); no value could pass: fix one",
            )
        )
    return findings


def for_revision(root: Path, rev: str) -> FieldSet:
    """The fields of a git revision's fields.yaml, as far as it declares them rightly
    (validate reports the rest): for reading and writing server values at `rev`."""
    data = git.read_blob(root, rev, FIELDS_FILE)
    return BUILTIN if data is None else parse(data)[0]


def for_worktree(root: Path) -> FieldSet:
    """The working tree's fields: built-in only without fields.yaml; a fields.yaml
    with problems is a GitinvError listing them (exit 1)."""
    path = root / FIELDS_FILE
    if (root / INVENTORY).is_symlink() or path.is_symlink():
        raise GitinvError(
            f"{FIELDS_FILE}: symbolic links are not allowed under inventory/; "
            "replace it with the file itself",
            exit_code=1,
        )
    if not path.exists():
        return BUILTIN
    try:
        data = read_limited(path)
    except OSError as exc:
        raise GitinvError(f"{FIELDS_FILE}: cannot read it ({exc.strerror or exc})", 1) from None
    fields, findings = parse(data)
    if findings:
        lines = [f.text() for f in sorted(findings)]
        raise GitinvError(
            "\n".join([*lines, f"fix {len(findings)} problem(s) in {FIELDS_FILE} first"]), 1
        )
    return fields
