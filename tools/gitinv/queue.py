"""The approval queue: open branches, what each changes, whether each is valid
merged onto today's main, and the clashes between them.

    q = scan(root, "origin", remote.main_ref(root))  # the remote, where main is
    q.branches    # list[OpenBranch]: name, tip, diff (against today's main),
                  #   merges_cleanly, findings (new problems once merged)
    q.conflicts   # list[Conflict]: two branches touching one server,
                  #   claiming one new name or one IP

Every branch is merged in memory (`git merge-tree`), never checked out. Main is
validated once; a branch that only changes server files is checked by running
the whole-inventory rules on its changed servers plus the servers of main that
share a name or an IP with them, which gives the same findings as validating
the merged tree in full for a fraction of the time. A branch that changes a
catalog or settings, or adds an unusual file, is validated in full.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from gitinv import checks, git, inventory, ipkey, merged
from gitinv.changes import Change, at_commit, compare
from gitinv.diff import InventoryDiff, Versions, others
from gitinv.fields import BUILTIN, FIELDS_FILE
from gitinv.fieldsides import Sides, fields_in
from gitinv.layout import classify
from gitinv.report import Finding

REGULAR = {"100644", "100755"}


@dataclass
class OpenBranch:
    name: str
    ref: str
    tip: str
    diff: InventoryDiff
    merges_cleanly: bool
    merged_tree: str | None = None
    conflicted: list[str] = field(default_factory=list)  # paths that conflict with main
    findings: list[Finding] = field(default_factory=list)
    files: list[git.FileChange] = field(default_factory=list)
    blobs: dict[str, bytes] = field(default_factory=dict)  # new versions within the limit
    large: set[str] = field(default_factory=set)  # new versions over it: never read

    @property
    def valid(self) -> bool:
        return self.merges_cleanly and not self.findings


@dataclass(frozen=True)
class Conflict:
    branches: tuple[str, str]
    reason: str


@dataclass
class Queue:
    main: str
    main_findings: list[Finding]
    branches: list[OpenBranch]
    conflicts: list[Conflict]

    @property
    def ok(self) -> bool:
        return not self.conflicts and all(b.valid for b in self.branches)


def _ip_key(value: object) -> str | None:
    """What a request claims by its IP: the address, or the text when it is none."""
    if not isinstance(value, str):
        return None
    key = ipkey.key_or_none(value)
    return value if key is None else repr(key)


def claims(changes: list[Change]) -> dict[str, str]:
    """What a change set takes hold of: {"server web01": ..., "ip 10.1.2.3": ...} → description."""
    out: dict[str, str] = {}
    for c in changes:
        if c.kind != "server":
            continue
        out[f"server {c.name}"] = f"server {c.name}"
        ip = (c.new or {}).get("ip")
        key = _ip_key(ip)
        if key is not None and ("ip" in c.changes or c.action == "added"):
            out[f"ip {key}"] = f"IP {ip}"
    return out


def find_conflicts(branches: list[tuple[str, list[Change]]]) -> list[Conflict]:
    holders: dict[str, list[str]] = defaultdict(list)
    describe: dict[str, str] = {}
    for name, changes in branches:
        for key, text in claims(changes).items():
            holders[key].append(name)
            describe[key] = text
    out = []
    for key, names in sorted(holders.items()):
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                verb = "change" if key.startswith("server") else "claim"
                out.append(Conflict((a, b), f"both {verb} {describe[key]}"))
    return out


def open_refs(
    root: Path, main_ref: str, remote: str | None, local_requests: bool
) -> dict[str, tuple[str, str]]:
    """Branch name → (ref, commit) of every branch not merged into main: the remote's
    branches, and (for `request`) local `request/*` branches not pushed yet. A branch
    whose changes main already has (squash-merged, rebased, left behind) is not open."""
    found: dict[str, tuple[str, str]] = {}
    if local_requests:
        for ref, sha in git.branches(root, "refs/heads/request", no_merged=main_ref).items():
            if git.unmerged_count(root, main_ref, ref):
                found[ref[len("refs/heads/") :]] = (ref, sha)
    if remote:
        prefix = f"refs/remotes/{remote}/"
        main_name = main_ref.removeprefix(prefix)  # main itself, when it is the remote's
        for ref, sha in git.branches(root, prefix.rstrip("/"), no_merged=main_ref).items():
            name = ref[len(prefix) :]
            if name not in (main_name, "HEAD"):
                found[name] = (ref, sha)
    done = merged.already_in_main(root, main_ref, {name: sha for name, (_, sha) in found.items()})
    return {name: found[name] for name in sorted(found) if name not in done}


def branch_changes(root: Path, main_sha: str, refs: dict[str, tuple[str, str]]) -> list[OpenBranch]:
    """Merge each branch onto main in memory and read what it changes: one
    `merge-tree` a branch, then one `diff-tree` and one `cat-file` for them all.

    A branch that merges cleanly is compared with today's main (what merging it
    would do); one that does not is compared with its merge base (what it meant)."""
    found: list[OpenBranch] = []
    pairs: list[tuple[str, str]] = []
    main_tree = git.tree_of(root, main_sha) if refs else ""
    for name, (ref, tip) in refs.items():
        tree, conflicted = git.merge_tree(root, main_sha, tip)
        clean = not conflicted
        if clean:
            base = main_sha
            pairs.append((main_tree, tree))
        else:
            base = git.merge_base(root, main_sha, tip) or main_sha
            pairs.append((git.tree_of(root, base), git.tree_of(root, tip)))
        found.append(
            OpenBranch(
                name,
                ref,
                tip,
                InventoryDiff(base, tip),
                clean,
                merged_tree=tree if clean else None,
                conflicted=conflicted,
            )
        )
    for branch, files in zip(found, git.diff_trees(root, pairs), strict=True):
        branch.files = files
    read = Versions(root, {s for b in found for f in b.files for s in (f.old, f.new) if s})
    main_fields = fields_in(root, main_sha) if found else None
    for b in found:
        # What the branch brings (read from the merged tree) is the branch's own version.
        old_at, new_at = at_commit(b.diff.base), at_commit(b.tip)
        before = main_fields if b.diff.base == main_sha else fields_in(root, b.diff.base)
        edited = next((f for f in b.files if f.path == FIELDS_FILE), None)
        after = before if edited is None else read.fields(edited.new)
        sides = Sides(before or BUILTIN, after or BUILTIN)
        b.diff.changes = compare(b.files, read, old_at=old_at, new_at=new_at, fields=sides)
        # Files under inventory/ without a row of values (the queue reads nothing outside).
        b.diff.others = others(b.files, b.diff.changes)
        b.blobs = {f.new: read.raw[f.new] for f in b.files if f.new and f.new in read.raw}
        b.large = {f.new for f in b.files if f.new and f.new in read.large}
    return found


class MainIndex:
    """Main's valid servers by name and by normalised IP, and its rules, built once per queue."""

    def __init__(self, inv: inventory.Inventory) -> None:
        self.inv = inv
        self.by_name = inv.servers
        self.rules = checks.Rules(inv.catalogs, set(inv.broken))
        self.by_ip: dict[ipkey.IPKey, list[inventory.ServerRecord]] = defaultdict(list)
        for record in inv.servers.values():
            if record.ip_key is not None:
                self.by_ip[record.ip_key].append(record)


def _needs_full_check(b: OpenBranch) -> bool:
    for f in b.files:
        kind = classify(f.path)
        if kind is None or kind[0] != "server":
            return True
        if f.new is not None and (f.new_mode not in REGULAR or f.new in b.large):
            return True
    return False


def check_merged(root: Path, index: MainIndex, b: OpenBranch) -> list[Finding]:
    """The problems merging this branch onto main adds (main's own problems left out)."""
    main_sha = index.inv.commit or ""
    assert b.merged_tree is not None
    files = b.files
    if _needs_full_check(b):
        commit = git.commit_for_tree(
            root, b.merged_tree, [main_sha], "gitinv pending: merged result"
        )
        found = inventory.check(root, commit).findings
        known = set(index.inv.findings)
        return [f for f in found if f not in known]
    gone = {f.path for f in files}
    findings: list[Finding] = []
    subset: dict[str, inventory.ServerRecord] = {}
    for f in files:
        if f.new is None:
            continue
        data = b.blobs.get(f.new)
        if data is None:  # a blob this clone lacks: said, as the comparison says it
            findings.append(
                Finding(
                    f.path, 1, 1, "bad-file", "git does not have this version (a partial clone?)"
                )
            )
            continue
        # An invalid file still has its references and its IP checked with the rest.
        record, problems = inventory.read_server(f.path, data, index.inv.fields)
        findings.extend(problems)
        if record is None:
            continue
        findings.extend(index.rules.check_server(record))
        subset[record.path] = record
        near = [index.by_name.get(record.name)]
        if record.ip_key is not None:
            near += index.by_ip.get(record.ip_key, [])
        for other in near:
            if other is not None and other.path not in gone:
                subset[other.path] = other
    findings.extend(checks.unique(list(subset.values())))
    return sorted(set(findings))


def scan(
    root: Path, remote: str | None, main_ref: str, *, validate: bool = True, progress: bool = False
) -> Queue:
    main_sha = git.resolve_commit(root, main_ref)
    refs = open_refs(root, main_ref, remote, local_requests=remote is None)
    return examine(root, main_sha, refs, validate=validate, progress=progress)


def examine(
    root: Path,
    main_sha: str,
    refs: dict[str, tuple[str, str]],
    *,
    validate: bool = True,
    progress: bool = False,
    main_inventory: inventory.Inventory | None = None,
) -> Queue:
    """The queue of `refs` (name → (ref, commit)) against `main_sha`; `main_inventory`,
    when the caller has main loaded already, is not read again."""
    branches = branch_changes(root, main_sha, refs)
    main_findings: list[Finding] = []
    if validate and branches:
        main_inv = main_inventory or inventory.load(
            root, rev=main_sha, progress=progress, cache=True
        )
        main_findings = main_inv.findings
        index = MainIndex(main_inv)
        for b in branches:
            if b.merges_cleanly:
                b.findings = check_merged(root, index, b)
    conflicts = find_conflicts([(b.name, b.diff.changes) for b in branches])
    return Queue(main_sha, main_findings, branches, conflicts)
