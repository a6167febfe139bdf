"""``gitinv import csv FILE``: new server files from a CSV, all or nothing."""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from gitinv import checks, csvimport, fields, inventory, layout, request_submit
from gitinv.csvimport import NewServer, Problem
from gitinv.errors import GitinvError
from gitinv.report import Finding
from gitinv.request_plan import Plan
from gitinv.source import GitRevision, Source, SourceFile, WorkTree

HELD_NAME = "row"  # a stand-in file name: a held row's own name is what is wrong with it


class Overlay:
    """Another source with some files added (the new servers, before writing them)."""

    def __init__(self, base: Source, extra: dict[str, bytes]) -> None:
        self.root = base.root
        self.base = base
        self.extra = extra

    def files(self) -> list[SourceFile]:
        added = (SourceFile(p, "file", len(b)) for p, b in self.extra.items())
        return [*self.base.files(), *added]

    def read(self, path: str) -> bytes:
        return self.extra[path] if path in self.extra else self.base.read(path)

    def read_many(self, paths: list[str]) -> dict[str, bytes] | None:
        blobs = self.base.read_many([p for p in paths if p not in self.extra])
        return (
            None if blobs is None else blobs | {p: self.extra[p] for p in paths if p in self.extra}
        )


def check(
    base: Source, servers: Sequence[NewServer], held: Sequence[NewServer] = ()
) -> list[Problem]:
    """The inventory's own rules on the new files together with the existing ones, and
    on the fields of the `held` rows (refused for their name or group) on their own."""
    problems: list[Problem] = []
    fresh: list[NewServer] = []
    existing = {f.path for f in base.files()}
    for server in servers:
        if server.path in existing:
            problems.append(
                Problem(
                    server.row,
                    "duplicate-name",
                    f"{server.path} already exists: import only creates servers",
                    server.name,
                )
            )
        else:
            fresh.append(server)
    by_path = {server.path: server for server in fresh}
    extra = {path: server.yaml().encode() for path, server in by_path.items()}
    inv = inventory.load(base.root, source=Overlay(base, extra))
    rules = checks.Rules(inv.catalogs, set(inv.broken))
    for row in held:
        problems.extend(_field_problems(rules, row, inv.fields))
    others: list[Finding] = []
    for finding in inv.findings:
        new = by_path.get(finding.file)
        if new is None:
            others.append(finding)
        else:
            problems.append(Problem(new.row, finding.code, finding.message, new.name))
    if others:
        # Problems of existing files: the inventory's own, or the other side of a
        # new row's duplicate (already reported on that row).
        before = set(inventory.load(base.root, source=base).findings)
        problems.extend(
            Problem(0, f.code, f"{f.file}:{f.line}:{f.column}: {f.message}")
            for f in others
            if f in before
        )
    return problems


def _field_problems(
    rules: checks.Rules, row: NewServer, declared: fields.FieldSet
) -> list[Problem]:
    """The problems of a row's fields alone, read as the file it would become."""
    path = layout.server_path("held", HELD_NAME)
    data = csvimport.server_yaml(path, row.fields, row.order).encode()
    record, findings = inventory.read_server(path, data, declared)
    if record is not None:
        findings += rules.check_fields(record)
    return [Problem(row.row, f.code, f.message, row.name) for f in findings]


def write(repo: Path, servers: Sequence[NewServer]) -> None:
    """Writes every file, or none: a failure removes the files already written."""
    written: list[Path] = []
    try:
        for server in servers:
            target = repo / server.path
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "x", encoding="utf-8", newline="\n") as out:
                written.append(target)
                out.write(server.yaml())
    except OSError as exc:
        for path in written:
            path.unlink(missing_ok=True)
        raise GitinvError(
            f"cannot write {exc.filename}: {exc.strerror}; nothing imported", 1
        ) from exc


def format_problem(source: str, problem: Problem) -> str:
    where = f"{source}: row {problem.row}" if problem.row else "inventory"
    name = f" ({problem.name})" if problem.name else ""
    return f"{where}{name}: {problem.code}: {problem.message}"


def branch_name(file: Path) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", file.stem.lower()).strip("-")
    return f"request/import/{slug or 'csv'}"


def run(
    *,
    repo: Path,
    file: Path,
    group: str | None = None,
    request: bool = False,
    comment: str | None = None,
    reviewer: str | None = None,
    push: bool = False,
) -> int:
    # A request holds the repository's request lock from the fetch to its new branch.
    with request_submit.session(repo) if request else contextlib.nullcontext():
        return _run(
            repo=repo,
            file=file,
            group=group,
            request=request,
            comment=comment,
            reviewer=reviewer,
            push=push,
        )


def _run(
    *,
    repo: Path,
    file: Path,
    group: str | None,
    request: bool,
    comment: str | None,
    reviewer: str | None,
    push: bool,
) -> int:
    start: request_submit.Start | None = None
    base: Source = WorkTree(repo)
    if request:
        # Checked against the up-to-date main branch, where the request starts.
        request_submit.check_options(comment or "", reviewer)
        start = request_submit.Start.of(repo, push)
        base = GitRevision(repo, start.base)
        declared = fields.for_revision(repo, start.base)
    elif push or reviewer:
        raise GitinvError("--push and --reviewer go with --request", 2)
    else:
        declared = fields.for_worktree(repo)
    try:
        # Bytes, not text mode: the csv module reads line ends inside quoted cells itself.
        text = file.read_bytes().decode("utf-8")
    except FileNotFoundError as exc:
        raise GitinvError(f"{file}: no such file", 2) from exc
    except UnicodeDecodeError as exc:
        raise GitinvError(f"{file}: not UTF-8 text ({exc.reason}); save it as UTF-8", 1) from exc
    except OSError as exc:
        raise GitinvError(f"{file}: {exc.strerror}", 2) from exc
    held: list[NewServer] = []
    servers, problems = csvimport.read(text, group, held, declared)
    if servers or held:
        problems += check(base, servers, held)
    if problems:
        source = str(file)
        for problem in sorted(problems, key=lambda p: (p.row, p.code, p.message)):
            print(format_problem(source, problem), file=sys.stderr)
        rows = len({p.row for p in problems if p.row})
        own = (
            " (and the inventory has problems of its own: see gitinv validate)"
            if any(not p.row for p in problems)
            else ""
        )
        print(f"gitinv: {rows} bad row(s) in {source}{own}; nothing imported", file=sys.stderr)
        return 1
    if not servers:
        print(f"gitinv: {file} has no rows; nothing imported", file=sys.stderr)
        return 0
    if start is not None:
        plan = Plan(
            branch_name(file),
            f"Import {len(servers)} server(s) from {file.name}",
            {server.path: server.yaml().encode() for server in servers},
        )
        return request_submit.submit(
            repo, start, plan, comment=comment or "", reviewer=reviewer, push=push
        )
    write(repo, servers)
    print(f"Imported {len(servers)} server(s):")
    for server in servers:
        print(f"  {server.path}")
    return 0
