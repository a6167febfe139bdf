"""The pull-request report: the verdict first, then the comparison, cut to fit.

    report = build(root, base, head)          # validation, canonical form, comparison
    text, cut = render(report, Limits(chars=60_000), full_report=url, again="...")
    report.ok                                 # no problem and every file canonical

The verdict names every problem and every file not in canonical form with its fix
(the canonical text, and the `gitinv fmt` line). The report is made of units kept
whole or left out, in order: the verdict's heading, each problem's row, each file
to reformat, the comparison's heading, each catalog change's row, the row of each
file outside the inventory (or in it but not read as inventory), each server's
section, and the row of each file that changes no value: the short rows that may
change who approves come before the servers, so no long server section pushes them
out, and the files that change nothing come last. When all of it does not fit,
the longest run of units from the start that fits is kept (a file to reformat may
shrink to its diff, then to its `gitinv fmt` line) and a notice under the verdict
says what is left out and where the full report is. Nothing is ever cut inside a
unit, so no row and no character is split.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

from gitinv import formatting, inventory
from gitinv import generated as generated_files
from gitinv.diff import QUIET, WORKTREE, InventoryDiff, inventory_diff
from gitinv.diffformat import (
    CATALOG_HEADER,
    OTHERS_HEADER,
    QUIET_HEADER,
    catalog_row,
    markdown_intro,
    other_row,
    server_section,
)
from gitinv.errors import GitinvError
from gitinv.layout import INVENTORY
from gitinv.printable import UNSEEN
from gitinv.report import FINDINGS_HEADER, Finding, finding_row, md_code
from gitinv.source import NOTHING, GitRevision, Source, WorkTree, in_place_of_inventory

DEFAULT_MAX_CHARS = 60_000
MIN_SIZE = 2_000  # the verdict's heading and the notice need about this much


@dataclass(frozen=True)
class Limits:
    """At most `chars` characters (code points) and `bytes` UTF-8 bytes; None: no limit."""

    chars: int | None = DEFAULT_MAX_CHARS
    bytes: int | None = None

    def fits(self, chars: int, size: int) -> bool:
        return (self.chars is None or chars <= self.chars) and (
            self.bytes is None or size <= self.bytes
        )

    def describe(self) -> str:
        parts = []
        if self.chars is not None:
            parts.append(f"{self.chars:,} characters")
        if self.bytes is not None:
            parts.append(f"{self.bytes:,} bytes")
        return " and ".join(parts)


@dataclass
class Report:
    diff: InventoryDiff
    findings: list[Finding]
    servers: int  # the valid ones: without a finding of their own or across files
    reformat: list[formatting.Reformat]
    unformattable: list[Finding]  # canonical files fmt cannot write safely
    generated: list[generated_files.Stale] = field(default_factory=list)  # schema/, CODEOWNERS
    # What HEAD holds in place of the inventory/ folder (`source.in_place_of_inventory`):
    # a branch that deletes the inventory, or puts a file, link or submodule there.
    no_inventory: str | None = None

    @property
    def not_canonical(self) -> int:
        return len(self.reformat) + len({f.file for f in self.unformattable})

    @property
    def ok(self) -> bool:
        return not self.findings and not self.not_canonical and not self.generated


def build(
    root: Path,
    base: str | None,
    head: str | None,
    main: str | None = None,
    *,
    progress: bool = False,
) -> Report:
    """Compare BASE with HEAD (default: the working tree), and check HEAD whole."""
    d = inventory_diff(root, base, head, main)
    instead = in_place_of_inventory(root, d.head)
    if instead is not None:
        if in_place_of_inventory(root, d.base) is not None:
            raise GitinvError(
                f"neither {base or d.base[:10]} nor {head or WORKTREE} has an inventory/ "
                "folder; compare revisions of the inventory repository"
            )
        # Nothing to check: the verdict says so, the comparison shows what goes.
        return Report(d, [_no_inventory(d, instead)], 0, [], [], no_inventory=instead)
    source: Source = WorkTree(root) if d.head is None else GitRevision(root, d.head)
    # The cache serves HEAD as it serves validate (in CI, restored for the base commit).
    inv = inventory.load(root, source=source, progress=progress, cache=True)
    checked = formatting.check(source, declared=inv.fields)
    # A file that does not validate is listed with the problems; fmt refuses it for them.
    unformattable = [f for f in checked.problems if f.code == "not-canonical"]
    # Valid: read, and named in no finding (not a reference nor an address in question).
    named = {f.file for f in inv.findings}
    valid = sum(1 for s in inv.servers.values() if s.path not in named)
    stale = generated_files.out_of_date(root, inv, d.head, d.base)
    return Report(d, inv.findings, valid, checked.reformat, unformattable, stale)


def _no_inventory(d: InventoryDiff, instead: str) -> Finding:
    """The problem of a HEAD without an inventory/ folder, and its fix."""
    what = (
        "the inventory/ folder is deleted"
        if instead == NOTHING
        else f"inventory is {instead}, not the inventory/ folder"
    )
    return Finding(
        INVENTORY,
        1,
        1,
        "bad-file",
        f"{what}: every server and catalog of {d.base[:10]} goes with it. To keep the "
        f"inventory, run `git checkout {d.base[:10]} -- inventory`, commit and push; to "
        "retire servers, delete their files, not the folder",
    )


@dataclass
class _Group:
    """Units of one kind: `header` goes before the first unit kept, `footer` after the last."""

    noun: str  # "problems", "server changes", ...: for the notice
    header: str
    units: list[list[str]]  # each unit's variants, the richest first
    footer: str = "\n"
    counted: bool = True  # whether the notice counts what is left out of it
    kept: int = 0
    text: list[str] = field(default_factory=list)


def _plural(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def _verdict(r: Report) -> str:
    files = len({f.file for f in r.findings})
    also = []
    if r.not_canonical:
        also.append(f"{_plural(r.not_canonical, 'file', 'files')} not in canonical form")
    if r.generated:
        also.append(f"{_plural(len(r.generated), 'generated file', 'generated files')} out of date")
    besides = "; ".join(also)
    d = r.diff
    where = f"`{d.head[:10]}`" if d.head else WORKTREE
    if r.no_inventory is not None:
        instead = (
            "the branch deletes it"
            if r.no_inventory == NOTHING
            else f"inventory is {r.no_inventory}"
        )
        return (
            f"## ❌ Inventory invalid: no inventory/ folder at {where}; {instead}\n\n"
            f"Compared with `{d.base[:10]}`: {d.describe()}. The branch removes the whole "
            f"inventory: {_plural(len(d.servers), 'server', 'servers')} and "
            f"{_plural(len(d.catalogs), 'catalog change', 'catalog changes')}, shown below. "
            "Nothing can be checked until the folder is back.\n\n"
        )
    if r.findings:
        title = (
            f"❌ Inventory invalid: {_plural(len(r.findings), 'problem', 'problems')} "
            f"in {_plural(files, 'file', 'files')}" + (f"; {besides}" if besides else "")
        )
    elif besides:
        title = f"⚠️ Inventory valid; {besides}"
    else:
        title = "✅ Inventory valid"
    lines = [
        f"## {title}",
        "",
        f"{_plural(r.servers, 'valid server', 'valid servers')} at {where}; "
        f"compared with `{d.base[:10]}`: {d.describe()}.",
    ]
    if besides and not r.findings:
        until = " and ".join(
            what
            for what, present in (
                ("they are in canonical form", r.not_canonical),
                ("the generated files are written again", r.generated),
            )
            if present
        )
        lines.append(
            f"The `validate` check fails until {until}: apply the fix shown for each file."
        )
    return "\n".join(lines) + "\n\n"


def _fence(text: str, info: str) -> str:
    """A fenced code block no line of `text` can close."""
    longest = max((len(run) for run in re.findall("`{3,}", text)), default=2)
    fence = "`" * (longest + 1)
    return f"{fence}{info}\n{text if text.endswith(chr(10)) else text + chr(10)}{fence}\n"


def _unified(old: str, new: str) -> str:
    lines = list(difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=1))
    return "\n".join(lines[2:]) + "\n"  # without the `---`/`+++` file names


def _reformat_unit(item: formatting.Reformat) -> list[str]:
    heading = f"#### {md_code(item.path, cell=False)}\n\n"
    if UNSEEN.search(item.new):
        # Shown raw in a code block, a reordering or invisible character would make the
        # text read as other than it is: the fix is the command alone.
        return [
            heading + f"Differs from line {item.line}; it holds a character that shows as "
            "nothing or reorders the text around it (written escaped, as `\\u202e`, in "
            f"the comparison below), so its text is not shown here. Run "
            f"{md_code('gitinv fmt ' + item.path, cell=False)}.\n\n"
        ]
    how = (
        f"Differs from line {item.line}. Run {md_code('gitinv fmt ' + item.path, cell=False)}, "
        "or in the web editor replace the file's text with its canonical text.\n\n"
    )
    changes = "What changes:\n\n" + _fence(_unified(item.old, item.new), "diff") + "\n"
    whole = (
        "<details><summary>The canonical text of the file</summary>\n\n"
        + _fence(item.new, "yaml")
        + "\n</details>\n\n"
    )
    if UNSEEN.search(item.old):
        # The file as it is holds one (the canonical text does not): no diff of it.
        return [heading + how + whole, heading + how]
    return [
        heading + how + changes + whole,
        heading + how + whole,
        heading + how + changes,
        heading + how,
    ]


def _generated_unit(command: str, items: list[generated_files.Stale]) -> str:
    """What one command writes again: the command, then each of its files and why."""
    sources = [md_code(path, cell=False) for path in generated_files.SOURCES[command]]
    if command == generated_files.SCHEMA:
        sources.insert(0, "gitinv's models")
    lines = [
        f"#### {md_code(command, cell=False)}\n\n",
        f"Run it and commit what it writes (from {' and '.join(sources)}):\n\n",
    ]
    for item in items:
        detail = f": {md_code(item.detail, cell=False)}" if item.detail else ""
        lines.append(f"- {md_code(item.path, cell=False)}: {item.why}{detail}\n")
    return "".join(lines) + "\n"


def _groups(r: Report) -> list[_Group]:
    groups = []
    if r.findings:
        groups.append(
            _Group(
                "problems",
                "### Problems\n\n" + "".join(f"{line}\n" for line in FINDINGS_HEADER),
                [[finding_row(f) + "\n"] for f in r.findings],
            )
        )
    if r.not_canonical:
        units = [_reformat_unit(item) for item in r.reformat]
        units += [
            [f"#### {md_code(f.file, cell=False)}\n\n{md_code(f.message, cell=False)}\n\n"]
            for f in r.unformattable
        ]
        groups.append(
            _Group("files not in canonical form", "### Not in canonical form\n\n", units, footer="")
        )
    if r.generated:
        by_command: dict[str, list[generated_files.Stale]] = {}
        for item in r.generated:
            by_command.setdefault(item.command, []).append(item)
        units = [[_generated_unit(c, items)] for c, items in by_command.items()]
        header = "### Generated files out of date\n\n"
        groups.append(_Group("commands to run", header, units, footer=""))
    d = r.diff
    intro = "\n".join(markdown_intro(d)) + "\n"
    groups.append(_Group("", "", [[intro]], footer="", counted=False))
    if d.catalogs:
        rows = [[catalog_row(c) + "\n"] for c in d.catalogs]
        groups.append(_Group("catalog changes", "\n".join(CATALOG_HEADER) + "\n", rows))
    # Before the servers: catalog, settings and fields.yaml rows and the files outside
    # the inventory (a workflow, CODEOWNERS), short rows that may change who approves,
    # which one long server section must not push out of a cut report. After them: the
    # files that change no value.
    loud = [o for o in d.others if o.why not in QUIET]
    quiet = [o for o in d.others if o.why in QUIET]
    if loud:
        rows = [[other_row(o) + "\n"] for o in loud]
        groups.append(_Group("other changed files", "\n".join(OTHERS_HEADER) + "\n", rows))
    if d.servers:
        # Servers with a problem or to reformat first: those a cut must not hide.
        flagged = {f.file for f in r.findings} | {f.path for f in r.reformat}
        ordered = sorted(d.servers, key=lambda c: (c.path not in flagged, c.name))
        sections = [["\n".join(server_section(c)) + "\n"] for c in ordered]
        groups.append(_Group("server changes", "", sections, footer=""))
    if quiet:
        rows = [[other_row(o) + "\n"] for o in quiet]
        header = "\n".join(QUIET_HEADER) + "\n"
        groups.append(_Group("files with no value changed", header, rows))
    return groups


def _size(text: str) -> tuple[int, int]:
    return len(text), len(text.encode())


def _notice(groups: list[_Group], limits: Limits, full_report: str | None, again: str) -> str:
    left = [
        f"{len(g.units) - g.kept:,} of {len(g.units):,} {g.noun}"
        for g in groups
        if g.counted and g.kept < len(g.units)
    ]
    where = (
        f"The full report: <{full_report}>"
        if full_report
        else f"For the full report, run {md_code(again, cell=False)}."
    )
    return f"> ✂️ **Cut to fit {limits.describe()}.** Not shown here: {', '.join(left)}. {where}\n\n"


CUT_MARK = "*✂️ The report is cut here: the note under the verdict says what is left out.*\n"


def render(
    r: Report, limits: Limits, *, full_report: str | None = None, again: str = "gitinv report"
) -> tuple[str, bool]:
    """The report within `limits`, and whether anything was left out."""
    head = _verdict(r)
    groups = _groups(r)
    whole = head + "".join(
        g.header + "".join(unit[0] for unit in g.units) + g.footer for g in groups
    )
    if limits.fits(*_size(whole)):
        return whole.rstrip("\n") + "\n", False
    # The notice is longest when everything is left out: that much is set aside.
    used = _Used(limits)
    used.add(head + _notice(groups, limits, full_report, again) + "\n" + CUT_MARK)
    for g in groups:
        for unit in g.units:
            extra = g.header if not g.kept else ""
            choice = next((v for v in unit if used.fits(extra + v + g.footer)), None)
            if choice is None:
                break
            g.text.append(used.add(extra + choice))
            g.kept += 1
        if g.kept:
            g.text.append(used.add(g.footer))
        if g.kept < len(g.units):
            break
    body = "".join("".join(g.text) for g in groups).rstrip("\n")
    notice = _notice(groups, limits, full_report, again)
    return head + notice + (body + "\n\n" if body else "") + CUT_MARK, True


class _Used:
    """Characters and bytes taken so far."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.chars = 0
        self.bytes = 0

    def fits(self, text: str) -> bool:
        chars, size = _size(text)
        return self.limits.fits(self.chars + chars, self.bytes + size)

    def add(self, text: str) -> str:
        chars, size = _size(text)
        self.chars += chars
        self.bytes += size
        return text
