"""`gitinv fmt`: rewrite inventory files into the canonical form, losing nothing."""

from __future__ import annotations

import sys
from pathlib import Path

from gitinv import fields, formatting
from gitinv.errors import GitinvError
from gitinv.files import write_atomic
from gitinv.printable import one_line
from gitinv.report import Finding, github_annotations, render
from gitinv.source import WorkTree


def run(*, repo: Path, files: list[Path], check: bool, fmt: str = "text") -> int:
    """`fmt="github"` (with `check`) adds an annotation on each file's first line to change."""
    source = WorkTree(repo)
    paths = _select(repo, files) if files else None
    result = formatting.check(source, paths, fields.for_worktree(repo))
    findings = list(result.problems)
    changed: list[str] = []
    if check:
        findings = result.findings
    else:
        for item in result.reformat:
            try:
                write_atomic(repo / item.path, item.new)
            except OSError as exc:
                findings.append(
                    Finding(
                        item.path,
                        1,
                        1,
                        "bad-file",
                        f"cannot write the file ({exc.strerror or exc}); "
                        "make it and its folder writable",
                    )
                )
                continue
            changed.append(item.path)
    for path in changed:
        sys.stdout.write(f"reformatted {one_line(path)}\n")
    if findings:
        if fmt == "github":
            sys.stdout.write(github_annotations(sorted(findings), "in the log below"))
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
        sys.stdout.write(f"{result.files} file(s) already canonical\n")
    return 0


def _select(repo: Path, files: list[Path]) -> list[str]:
    out = []
    for f in files:
        absolute = (Path.cwd() / f).absolute()
        try:
            rel = absolute.relative_to(repo).as_posix()
        except ValueError:
            raise GitinvError(f"{f} is not inside the inventory repository {repo}") from None
        if absolute.is_dir() and not absolute.is_symlink():
            raise GitinvError(
                f"{f} is a folder; fmt takes files (without FILES it formats every inventory file)"
            )
        if not absolute.is_file() or absolute.is_symlink():
            raise GitinvError(f"{f}: no such file (fmt takes inventory YAML files)")
        if not (rel.startswith("inventory/") and rel.endswith(".yaml")):
            raise GitinvError(f"{f} is not an inventory YAML file under inventory/")
        out.append(rel)
    return out
