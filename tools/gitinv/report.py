"""Findings and the reporters that print them (`--format text|json|github`)."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass

from gitinv import markdown
from gitinv.printable import one_line as one_line  # re-exported: Finding.text's escaping

CODES = (
    "yaml-syntax",
    "yaml-feature",
    "duplicate-key",
    "unknown-field",
    "missing-field",
    "bad-type",
    "bad-value",
    "bad-path",
    "bad-file",
    "unknown-ref",
    "duplicate-name",
    "duplicate-ip",
    "duplicate-value",
    "ip-outside-dc",
    "not-canonical",
)

# GitHub shows at most 10 error annotations per step; the rest go to the summary.
GITHUB_ANNOTATION_LIMIT = 10
# A step's summary is at most 1 MiB (1,048,576 bytes); this leaves room for a heading.
GITHUB_SUMMARY_LIMIT = 1_000_000


@dataclass(frozen=True, order=True, slots=True)
class Finding:
    file: str
    line: int
    column: int
    code: str
    message: str

    def text(self) -> str:
        """One line, whatever the file's values hold: a newline in a quoted value must
        not start a line of its own (in CI logs, one that reads as a workflow command)."""
        where = f"{one_line(self.file)}:{self.line}:{self.column}"
        return f"{where}: {self.code}: {one_line(self.message)}"


def render_text(findings: list[Finding], servers: int) -> str:
    lines = [f.text() for f in findings]
    if findings:
        lines.append(f"{len(findings)} problem(s) in {len({f.file for f in findings})} file(s)")
    else:
        lines.append(f"ok: {servers} server(s), no problems")
    return "\n".join(lines) + "\n"


def render_json(findings: list[Finding], servers: int) -> str:
    doc = {"ok": not findings, "servers": servers, "errors": [asdict(f) for f in findings]}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _escape_data(value: str) -> str:
    # one_line also breaks up `##[`, the runner's older syntax, read anywhere in a line.
    value = one_line(value, keep="\r\n")
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def github_annotations(findings: list[Finding], where: str = "in the job summary") -> str:
    """Workflow commands: an error annotation on each of the first findings' lines."""
    lines = []
    for f in findings[:GITHUB_ANNOTATION_LIMIT]:
        props = ",".join(
            f"{k}={_escape_property(str(v))}"
            for k, v in (("file", f.file), ("line", f.line), ("col", f.column), ("title", f.code))
        )
        lines.append(f"::error {props}::{_escape_data(f.message)}")
    hidden = len(findings) - GITHUB_ANNOTATION_LIMIT
    if hidden > 0:
        lines.append(f"::notice::{hidden} more problem(s) are listed {where}")
    return "".join(f"{line}\n" for line in lines)


def render_github(findings: list[Finding], servers: int) -> str:
    """Annotations for the first findings, then every finding as text between
    `::stop-commands::` and its end, under a token no file can guess: whatever a
    value holds, the runner reads none of those lines as a command."""
    token = secrets.token_hex(16)
    lines = [
        github_annotations(findings) + f"::stop-commands::{token}",
        render_text(findings, servers).rstrip("\n"),
        f"::{token}::",
    ]
    summary_path = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary_path:
        with open(summary_path, "a", encoding="utf-8") as out:
            out.write(markdown_summary(findings, servers))
    return "\n".join(lines) + "\n"


def markdown_summary(findings: Iterable[Finding], servers: int) -> str:
    """The validation result as GitHub-flavoured markdown, capped to GitHub's summary size."""
    items = list(findings)
    if not items:
        return f"### Inventory valid\n\n{servers} server(s), no problems.\n"
    out = [f"### Inventory invalid: {len(items)} problem(s)\n", *FINDINGS_HEADER]
    # GitHub counts the summary's bytes, not its characters.
    size = sum(len(s.encode()) + 1 for s in out)
    for f in items:
        row = finding_row(f)
        size += len(row.encode()) + 1
        if size > GITHUB_SUMMARY_LIMIT:
            out.append(
                f"\n(list cut at GitHub's summary size; run `gitinv validate` for all {len(items)})"
            )
            break
        out.append(row)
    return "\n".join(out) + "\n"


FINDINGS_HEADER = ("| file | line | code | message |", "| --- | --- | --- | --- |")
md_code = markdown.code  # a code span no value can leave (the one markdown escaper's)


def finding_row(f: Finding) -> str:
    """One finding as a markdown table row, its file and message as code."""
    return f"| {md_code(f.file)} | {f.line}:{f.column} | `{f.code}` | {md_code(f.message)} |"


def render_gitlab(findings: list[Finding], servers: int) -> str:
    """A GitLab Code Quality report: a JSON array GitLab shows in the merge request.

    GitLab matches a finding across the target's and the request's reports by its
    fingerprint: made from the file, the code and the message (not the line, which
    moves when lines above it change), and the occurrence among equal ones."""
    seen: dict[tuple[str, str, str], int] = {}
    issues = []
    for f in findings:
        key = (f.file, f.code, f.message)
        seen[key] = seen.get(key, 0) + 1
        digest = hashlib.sha256("\0".join([*key, str(seen[key])]).encode()).hexdigest()
        issues.append(
            {
                "description": one_line(f.message),
                "check_name": f.code,
                "fingerprint": digest[:32],
                "severity": "major",
                "location": {"path": f.file, "lines": {"begin": f.line}},
            }
        )
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"


REPORTERS: dict[str, Callable[[list[Finding], int], str]] = {
    "text": render_text,
    "json": render_json,
    "github": render_github,
    "gitlab": render_gitlab,
}


def render(findings: list[Finding], fmt: str, servers: int = 0) -> str:
    return REPORTERS[fmt](sorted(findings), servers)
