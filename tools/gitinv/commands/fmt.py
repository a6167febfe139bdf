"""`gitinv fmt`: rewrite inventory files into the canonical form, losing nothing."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from gitinv import canonical, inventory, models
from gitinv.errors import GitinvError
from gitinv.loader import Document, LoadError, load_bytes
from gitinv.report import Finding, render
from gitinv.schema_errors import validate
from gitinv.source import WorkTree, read_limited


def run(*, repo: Path, files: list[Path], check: bool) -> int:
    paths = _select(repo, files)
    findings: list[Finding] = []
    changed: list[str] = []
    for path in paths:
        data = read_limited(repo / path)
        result = _canonical(path, data)
        if isinstance(result, list):
            findings.extend(result)
            continue
        if result.encode() == data:
            continue
        if check:
            findings.append(
                Finding(
                    path,
                    _first_difference(data.decode(), result),
                    1,
                    "not-canonical",
                    f"not in canonical form; run `gitinv fmt {path}` to rewrite it",
                )
            )
        else:
            _write_atomic(repo / path, result)
            changed.append(path)
    for path in changed:
        sys.stdout.write(f"reformatted {path}\n")
    if findings:
        sys.stdout.write(render(findings, "text", servers=0).rsplit("\n", 2)[0] + "\n")
        sys.stderr.write(
            f"{len(findings)} problem(s); "
            + (
                "files were left unchanged where a problem is listed\n"
                if not check
                else "nothing was changed\n"
            )
        )
        return 1
    if not changed:
        sys.stdout.write(f"{len(paths)} file(s) already canonical\n")
    return 0


def _select(repo: Path, files: list[Path]) -> list[str]:
    if not files:
        wanted = [
            f.path
            for f in WorkTree(repo).files()
            if f.kind == "file"
            and (
                f.path in inventory.CATALOG_FILES
                or f.path == inventory.SETTINGS_FILE
                or (f.path.startswith(f"{inventory.SERVERS_DIR}/") and f.path.endswith(".yaml"))
            )
        ]
        return sorted(wanted)
    out = []
    for f in files:
        absolute = (Path.cwd() / f).absolute()
        try:
            rel = absolute.relative_to(repo).as_posix()
        except ValueError:
            raise GitinvError(f"{f} is not inside the inventory repository {repo}") from None
        if not absolute.is_file() or absolute.is_symlink():
            raise GitinvError(f"{f}: no such file (fmt takes inventory YAML files)")
        if not (rel.startswith("inventory/") and rel.endswith(".yaml")):
            raise GitinvError(f"{f} is not an inventory YAML file under inventory/")
        out.append(rel)
    return out


def _canonical(path: str, data: bytes) -> str | list[Finding]:
    """The canonical text, or why the file cannot be rewritten safely."""
    is_server = path.startswith(f"{inventory.SERVERS_DIR}/")
    try:
        doc = load_bytes(path, data, allow_empty=not is_server)
    except LoadError as exc:
        return exc.findings
    problems = _schema_problems(path, doc)
    if problems:
        return problems
    text = data.decode()
    try:
        result = canonical.render(doc, text)
    except canonical.Unplaceable as exc:
        return [
            Finding(path, exc.line, 1, "not-canonical", f"cannot rewrite safely: {exc.message}")
        ]
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


def _schema_problems(path: str, doc: Document) -> list[Finding]:
    if not isinstance(doc.value, dict):
        return [
            Finding(path, 1, 1, "bad-type", "top level must be a mapping; fix it before formatting")
        ]
    if path.startswith(f"{inventory.SERVERS_DIR}/"):
        return validate(models.Server, doc.value, doc)[1]
    if path == inventory.SETTINGS_FILE:
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


def _first_difference(old: str, new: str) -> int:
    for number, (a, b) in enumerate(zip(old.split("\n"), new.split("\n"), strict=False), start=1):
        if a != b:
            return number
    return min(len(old.split("\n")), len(new.split("\n")))


def _write_atomic(target: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
        os.chmod(tmp, target.stat().st_mode & 0o777)
        os.replace(tmp, target)
    except BaseException:
        os.unlink(tmp)
        raise
