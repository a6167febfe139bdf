"""The cache of per-file results: the findings are always those of a run without it."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from array import array
from pathlib import Path
from typing import Any

import pytest

import gitinv
from gitinv import cache, cache_file, checks, inventory
from gitinv.commands import validate
from gitinv.report import Finding
from gitinv.source import WorkTree
from tests.conftest import CASES, GitRepo, forge_blob

SERVERS = "inventory/servers"
WEB01 = f"{SERVERS}/web/web01.yaml"

# What a run opens and starts is seen by an audit hook, in a child Python that runs
# the step: a hook cannot be removed, and on Python 3.11 one written in Python lets
# another thread in while `sys.settrace` runs, which every thread does as it starts
# under coverage; that thread then dies before it runs (a test server's request
# thread, say, leaving a page waiting).
_AUDITED = r"""
import json, sys
from pathlib import Path

record = {"opened": [], "spawned": []}

def hook(event, args):
    if event == "open" and isinstance(args[0], (str, Path)):
        record["opened"].append(str(args[0]))
    elif event == "subprocess.Popen":
        record["spawned"].append([str(a) for a in args[1]])

out, scope = sys.argv[1], json.loads(sys.argv[2])
sys.addaudithook(hook)
try:
    exec(sys.argv[3], scope)
finally:
    record["result"] = scope.get("result")
    Path(out).write_text(json.dumps(record))
"""


def audited(code: str, **names: object) -> tuple[dict[str, Any], str]:
    """Run `code` (with `names` defined; it may set `result`) in a child Python under
    an audit hook: the server files it opened, the commands it started and `result`,
    and what it printed."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "record.json"
        done = subprocess.run(
            [sys.executable, "-c", _AUDITED, str(out), json.dumps(names), code],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0 and out.exists(), done.stderr
        record = json.loads(out.read_text())
    opened = [p for p in record["opened"] if f"/{SERVERS}/" in p and p.endswith(".yaml")]
    record["opened"] = [p[p.index(SERVERS) :] for p in opened]  # files, not their folders
    return record, done.stdout


@pytest.fixture
def repo(git_repo: GitRepo) -> GitRepo:
    git_repo.copy_inventory(CASES / "base")
    git_repo.commit("Initial inventory")
    return git_repo


def cache_files(repo: GitRepo) -> list[Path]:
    return sorted((repo.path / ".git" / "gitinv").glob("validate-*.cache"))


def outcome(root: Path, rev: str | None = None, *, use_cache: bool) -> dict[str, Any]:
    """Everything a load gives that the cache could change: findings and records."""
    inv = inventory.load(root, rev, cache=use_cache)
    return {
        "findings": inv.findings,
        "servers": {
            name: (r.as_row(), r.fields, r.path, r.positions, r.ip_key)
            for name, r in inv.servers.items()
        },
    }


def checked(root: Path, rev: str | None = None) -> tuple[list[Finding], int]:
    result = inventory.check(root, rev)
    return result.findings, result.servers


def cold_check(cold: dict[str, Any]) -> tuple[list[Finding], int]:
    return cold["findings"], len(cold["servers"])


def same_as_cold(root: Path, rev: str | None = None) -> dict[str, Any]:
    """Runs with the cache (filling it, then reading it; with records and without) give
    what one without it does."""
    cold = outcome(root, rev, use_cache=False)
    assert checked(root, rev) == cold_check(cold)
    assert outcome(root, rev, use_cache=True) == cold
    assert checked(root, rev) == cold_check(cold)
    assert outcome(root, rev, use_cache=True) == cold
    return cold


def test_default_place_and_no_cache(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    assert validate.run(repo=repo.path, rev=None, fmt="json", cache=False) == 0
    assert not (repo.path / ".git" / "gitinv").exists()
    cold = capsys.readouterr().out
    for _ in range(2):
        assert validate.run(repo=repo.path, rev=None, fmt="json") == 0
        assert capsys.readouterr().out == cold
    assert json.loads(cold) == {"ok": True, "servers": 4, "errors": []}
    assert len(cache_files(repo)) == 1
    doc = header(cache_files(repo)[0])
    assert doc["format"] == cache_file.FORMAT
    assert doc["paths"] == sorted(
        f"{SERVERS}/{p}"
        for p in ("data/db01.yaml", "data/db02.yaml", "web/web01.yaml", "web/web02.yaml")
    )


def test_no_cache_option(repo: GitRepo) -> None:
    from click.testing import CliRunner

    from gitinv.cli import cli

    result = CliRunner().invoke(cli, ["-C", str(repo.path), "validate", "--no-cache"])
    assert result.exit_code == 0, result.output
    assert not (repo.path / ".git" / "gitinv").exists()
    result = CliRunner().invoke(cli, ["-C", str(repo.path), "validate"])
    assert result.exit_code == 0 and len(cache_files(repo)) == 1


def test_environment_names_the_folder(
    repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITINV_CACHE_DIR", str(tmp_path / "elsewhere"))
    same_as_cold(repo.path)
    assert len(list((tmp_path / "elsewhere").glob("validate-*.cache"))) == 1
    assert not (repo.path / ".git" / "gitinv").exists()


def test_outside_a_repository_there_is_no_cache(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    (root / "inventory").mkdir(parents=True)
    for f in (CASES / "base" / "inventory").rglob("*.yaml"):
        target = root / f.relative_to(CASES / "base")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(f.read_bytes())
    same_as_cold(root)
    assert sorted(p.name for p in root.iterdir()) == ["inventory"]


def test_linked_worktree_keeps_its_own(repo: GitRepo, tmp_path: Path) -> None:
    other = tmp_path / "other"
    repo.git("worktree", "add", "-q", str(other), "-b", "other")
    same_as_cold(other)
    own = repo.path / ".git" / "worktrees" / "other" / "gitinv"
    assert len(list(own.glob("validate-*.cache"))) == 1
    assert not (repo.path / ".git" / "gitinv").exists()


def test_edits_renames_deletions_and_catalogs(repo: GitRepo) -> None:
    same_as_cold(repo.path)
    web01 = (repo.path / WEB01).read_text()
    # An edit that breaks a file, and one that makes a duplicate IP.
    repo.write(WEB01, web01.replace("ip: 10.0.0.1", "ip: 10.0.0.300"))
    assert [f.code for f in same_as_cold(repo.path)["findings"]] == ["bad-value"]
    repo.write(WEB01, web01.replace("ip: 10.0.0.1", "ip: 10.0.1.1"))
    assert [f.code for f in same_as_cold(repo.path)["findings"]] == ["duplicate-ip"] * 2
    # Invalid on its own, its address still clashes.
    repo.write(WEB01, web01.replace("ip: 10.0.0.1", "ip: 10.0.1.1").replace("active", "no"))
    found = same_as_cold(repo.path)["findings"]
    assert sorted(f.code for f in found) == ["bad-type", "duplicate-ip", "duplicate-ip"]
    repo.write(WEB01, web01)
    # The same bytes under another path: another group (unknown), then a known one.
    (repo.path / f"{SERVERS}/ops").mkdir()
    os.rename(repo.path / WEB01, repo.path / f"{SERVERS}/ops/web01.yaml")
    found = same_as_cold(repo.path)["findings"]
    assert [(f.file, f.code) for f in found] == [(f"{SERVERS}/ops/web01.yaml", "unknown-ref")]
    os.rename(repo.path / f"{SERVERS}/ops/web01.yaml", repo.path / f"{SERVERS}/data/web01.yaml")
    assert same_as_cold(repo.path)["servers"]["web01"][0]["group"] == "data"
    # The same bytes under a second name: a duplicate IP; then gone again.
    repo.write(f"{SERVERS}/web/web03.yaml", web01)
    assert len(same_as_cold(repo.path)["findings"]) == 2
    repo.remove(f"{SERVERS}/web/web03.yaml")
    repo.remove(f"{SERVERS}/data/web01.yaml")
    assert sorted(same_as_cold(repo.path)["servers"]) == ["db01", "db02", "web02"]
    # A catalog change changes the results of files that did not change.
    tags = (repo.path / "inventory/tags.yaml").read_text()
    repo.write("inventory/tags.yaml", "frontend:\n  description: Receives customer traffic\n")
    found = same_as_cold(repo.path)["findings"]
    assert [f.code for f in found] == ["unknown-ref", "unknown-ref"]
    assert len(cache_files(repo)) == 2
    repo.write("inventory/tags.yaml", tags)
    assert same_as_cold(repo.path)["findings"] == []
    repo.write("inventory/datacenters.yaml", "dc4: {}\ndc6: {}\n")
    assert same_as_cold(repo.path)["findings"] == []
    repo.write("inventory/types.yaml", "vm: [\n")
    assert [f.code for f in same_as_cold(repo.path)["findings"]] == ["yaml-syntax"]
    repo.remove("inventory/types.yaml")
    assert [f.code for f in same_as_cold(repo.path)["findings"]] == ["bad-file"]
    assert len(cache_files(repo)) == cache.KEEP


def test_fields_file_is_part_of_the_key(repo: GitRepo) -> None:
    same_as_cold(repo.path)
    repo.write("inventory/fields.yaml", "owner:\n  type: string\n")
    same_as_cold(repo.path)
    assert len(cache_files(repo)) == 2


def test_declared_fields_through_the_cache(repo: GitRepo) -> None:
    """Declared values come back from the cache as read (a date as its text), and a
    `unique` field is compared across every server, those the cache holds included."""
    repo.write(
        "inventory/fields.yaml",
        "rack: {type: string, unique: true}\neol: {type: date}\ncpu: {type: integer}\n",
    )
    for name, rack in (("db01", "r1"), ("db02", "r2")):
        path = repo.path / SERVERS / "data" / f"{name}.yaml"
        path.write_text(path.read_text() + f"rack: {rack}\neol: 2027-01-31\ncpu: 8\n")
    repo.commit("Racks")
    time.sleep(cache.RACY_NS / 1e9 + 0.1)  # old enough for their stat to be trusted
    for rev in (None, "HEAD"):
        cold = same_as_cold(repo.path, rev)
        assert cold["servers"]["db01"][1]["eol"] == "2027-01-31"
        assert cold["findings"] == []
    path = repo.path / SERVERS / "data" / "db02.yaml"
    path.write_text(path.read_text().replace("rack: r2", "rack: r1"))
    repo.commit("Same rack")
    for rev in (None, "HEAD"):
        cold = same_as_cold(repo.path, rev)
        assert {(f.file, f.code) for f in cold["findings"]} == {
            (f"{SERVERS}/data/db01.yaml", "duplicate-value"),
            (f"{SERVERS}/data/db02.yaml", "duplicate-value"),
        }


def test_code_changes_the_key(repo: GitRepo) -> None:
    parts = [("inventory/tags.yaml", "x")]
    key = cache.rules_key(parts)
    assert cache.rules_key(parts) == key
    assert cache.rules_key([("inventory/tags.yaml", "y")]) != key
    assert gitinv.__version__ in cache.code_version()


@pytest.mark.parametrize("parallel", [False, True])
def test_randomized_edits(repo: GitRepo, monkeypatch: pytest.MonkeyPatch, parallel: bool) -> None:
    if parallel:
        monkeypatch.setattr(inventory, "PARALLEL_FROM", 1)
        monkeypatch.setattr(inventory, "CHUNK", 2)
    rng = random.Random(7 if parallel else 3)
    texts = [p.read_text() for p in sorted((repo.path / SERVERS).rglob("*.yaml"))]
    values = [
        ("ip: ", ["10.0.0.1", "10.0.0.9", "2001:db8::2", "2001:DB8:0:0:0:0:0:2", "10", "x"]),
        ("state: ", ["active", "offline", "no", '"no"']),
        ("component: ", ["nginx", "postgres", "nosuch"]),
        ("dc: ", ["dc4", "dc6", "dc9"]),
    ]
    groups = ["web", "data", "ops"]
    for step in range(30):
        files = sorted((repo.path / SERVERS).rglob("*.yaml"))
        op = rng.choice(["edit", "edit", "move", "add", "delete", "touch", "catalog", "commit"])
        target = rng.choice(files) if files else None
        if op == "edit" and target is not None:
            lines = target.read_text().splitlines(keepends=True)
            prefix, choices = rng.choice(values)
            lines = [
                f"{prefix}{rng.choice(choices)}\n" if line.startswith(prefix) else line
                for line in lines
            ]
            if rng.random() < 0.2:
                lines.append("extra: field\n")
            target.write_text("".join(lines))
        elif op == "move" and target is not None:
            folder = repo.path / SERVERS / rng.choice(groups)
            folder.mkdir(exist_ok=True)
            name = target.name if rng.random() < 0.5 else f"srv{rng.randrange(4)}.yaml"
            os.replace(target, folder / name)
        elif op == "add":
            folder = repo.path / SERVERS / rng.choice(groups)
            folder.mkdir(exist_ok=True)
            (folder / f"new{step}.yaml").write_text(rng.choice(texts))
        elif op == "delete" and target is not None:
            target.unlink()
        elif op == "touch" and target is not None:
            target.write_bytes(target.read_bytes())
        elif op == "catalog":
            components = "nginx: {}\npostgres: {}\n"
            if rng.random() < 0.5:
                components = "nginx: {}\n"
            repo.write("inventory/components.yaml", components)
        elif op == "commit":
            repo.commit(f"step {step}")
            same_as_cold(repo.path, "HEAD")
        same_as_cold(repo.path)


# The run `audited` watches: a check, then (when asked) a load through the cache.
CHECK = """
from pathlib import Path
from gitinv import inventory
checked = inventory.check(Path(root))
result = {"codes": [f.code for f in checked.findings], "servers": checked.servers}
if load:
    result["loaded"] = [f.code for f in inventory.load(Path(root), None, cache=True).findings]
"""


def test_unchanged_files_are_not_read_again(repo: GitRepo) -> None:
    """Working-tree files are known unchanged from their stat."""
    time.sleep(cache.RACY_NS / 1e9 + 0.1)  # old enough for their stat to be trusted
    root = str(repo.path)
    first, _ = audited(CHECK, root=root, load=False)
    assert first["result"] == {"codes": [], "servers": 4}
    assert len(first["opened"]) == 4
    later, _ = audited(CHECK, root=root, load=True)
    assert later["result"] == {"codes": [], "servers": 4, "loaded": []}
    assert later["opened"] == []
    # An edit of the same size with the old modification time put back is still seen:
    # the change time moved.
    path = repo.path / WEB01
    before = path.stat()
    path.write_text(path.read_text().replace("state: active", "state: 12345x"))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size
    edited, _ = audited(CHECK, root=root, load=False)
    assert edited["result"] == {"codes": ["bad-value"], "servers": 3}
    assert edited["opened"] == [WEB01]
    same_as_cold(repo.path)


def test_a_recent_stat_is_not_trusted(tmp_path: Path) -> None:
    """A file changed within RACY_NS of a run is read again by the next one: a change in
    the same tick of a coarse clock could leave its times as they were."""
    blob, now = "1" * 40, time.time_ns()
    old = now - cache.RACY_NS - 10**9
    session = cache.Store(tmp_path).session("k" * 64)
    session.keep("a", blob, (9, now, now, 1), {"ip": "10.0.0.1"}, (2, 5), (4, 1), [])
    session.keep("b", blob, (9, old, old, 2), {"ip": "10.0.0.2"}, (2, 5), (4, 2), [])
    session.keep("c", blob, (9, old, now, 3), {"ip": "10.0.0.3"}, (2, 5), (4, 3), [])
    session.save(["a", "b", "c"])
    again = cache.Store(tmp_path).session("k" * 64)
    stats = array("q", [9, now, now, 1, 9, old, old, 2, 9, old, now, 3])
    hits, todo = again.by_stats(["a", "b", "c"], stats)
    assert hits.paths() == ["b"] and todo == ["a", "c"]
    assert [again.row(p, blob) is not None for p in "abc"] == [True] * 3


def forge(repo: GitRepo, rev: str, path: str) -> None:
    """`forge_blob`, and a check that a run reading the file finds a problem."""
    forge_blob(repo.path, rev, path)
    assert outcome(repo.path, rev, use_cache=False)["findings"] != []


def test_revision_blobs_come_from_the_tree(repo: GitRepo) -> None:
    """A revision run with every result kept reads no server blob."""
    same_as_cold(repo.path, "HEAD")
    forge(repo, "HEAD", WEB01)
    assert outcome(repo.path, "HEAD", use_cache=True)["findings"] == []


def test_working_tree_and_revision_share_results(repo: GitRepo) -> None:
    repo.write(WEB01, (repo.path / WEB01).read_text().replace("10.0.0.1", "10.0.0.2"))
    repo.commit("Renumber web01")
    outcome(repo.path, use_cache=True)  # the working tree holds the committed bytes
    forge(repo, "HEAD", WEB01)
    assert outcome(repo.path, "HEAD", use_cache=True)["servers"]["web01"][0]["ip"] == "10.0.0.2"


def _the_file(repo: GitRepo) -> Path:
    outcome(repo.path, use_cache=True)
    [path] = cache_files(repo)
    return path


def header(path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(path.read_bytes().split(b"\n")[0])
    return doc


ROW_BYTES = 20 + 8 * 4 + 8 * 5 + 1  # blob id, stat, ip position and key, kind


def _damage(good: bytes) -> dict[str, bytes]:
    first, rest = good.split(b"\n", 1)
    doc = json.loads(first)
    n = len(doc["paths"])
    numbers, lines = rest[: ROW_BYTES * n], rest[ROW_BYTES * n :].split(b"\n")[:-1]
    kinds = numbers[-n:]
    cases: dict[str, bytes] = {
        "garbage": b"\x00\xffnot json",
        "truncated": good[: len(good) // 2],
        "last line cut": good[:-2],
        "empty": b"",
        "a list": b"[]\n",
        "a line missing": b"\n".join([first, numbers + b"\n".join(lines[1:]) + b"\n"]),
        "a line too many": good + b"{}\n",
        "unknown kind": b"\n".join([first, numbers[:-n] + b"\x07" * n + b"\n".join(lines)]),
    }
    assert set(kinds) <= {0, 1, 2}
    changes: dict[str, Any] = {
        "other format": {"format": "gitinv-validate-cache/0"},
        "other key": {"key": "0" * 64},
        "paths not text": {"paths": [1, 2, 3, 4]},
        "a path too many": {"paths": [*doc["paths"], "inventory/servers/x/y.yaml"]},
        "findings not lists": {"findings": {"0": "x"}},
        "finding of wrong types": {"findings": {"0": [["f", "1", 1, "c", "m"]]}},
        "finding past the end": {"findings": {"9": []}},
        "missing paths": {"paths": None},
        # Rows are looked up by bisection: out of order, a path may not be found (its
        # file is read again); a path found is the one asked for.
        "paths out of order": {"paths": doc["paths"][::-1]},
        "paths swapped": {"paths": [doc["paths"][1], doc["paths"][0], *doc["paths"][2:]]},
    }
    for name, change in changes.items():
        cases[name] = b"\n".join([json.dumps({**doc, **change}).encode(), rest])
    for name, line in {"not json": b"{", "not a mapping": b"5", "no fields": b"{}"}.items():
        # web02 is valid, so its line must hold its fields
        damaged = [*lines[:3], line, *lines[4:]]
        cases[f"line {name}"] = b"\n".join([first, numbers + b"\n".join(damaged) + b"\n"])
    return cases


def test_damaged_cache_is_ignored_and_rewritten(repo: GitRepo) -> None:
    repo.write(WEB01, "component: nginx\nip: 10\n")
    time.sleep(cache.RACY_NS / 1e9 + 0.1)  # stats kept, so each rewrite is the same bytes
    path = _the_file(repo)
    good = path.read_bytes()
    cold = outcome(repo.path, use_cache=False)
    for name, data in _damage(good).items():
        path.write_bytes(data)
        assert checked(repo.path) == cold_check(cold), name
        assert outcome(repo.path, use_cache=True) == cold, name
        assert path.read_bytes() == good, name
        assert outcome(repo.path, use_cache=True) == cold, name


def test_results_json_cannot_hold_are_not_kept(repo: GitRepo) -> None:
    """A value JSON would give back as something else (a date, say) is read again."""
    import datetime

    same_as_cold(repo.path)
    session = cache.Store(repo.path / ".git" / "gitinv").session("k" * 64)
    blob = "0" * 40
    session.keep("a", blob, None, {"when": datetime.date(2024, 1, 2)}, (1, 1), None, [])
    session.keep("b", blob, None, {"ip": "10.0.0.1"}, (2, 5), (4, 1), [])
    session.save(["a", "b"])
    again = cache.Store(repo.path / ".git" / "gitinv").session("k" * 64)
    assert again.row("a", blob) is None
    assert again.row("b", blob) == ("b", {"ip": "10.0.0.1"}, (2, 5), (4, 1), [])


def test_unusable_folder_means_no_cache(
    repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("GITINV_CACHE_DIR", str(blocker / "cache"))
    same_as_cold(repo.path)
    folder = tmp_path / "cache"
    monkeypatch.setenv("GITINV_CACHE_DIR", str(folder))
    same_as_cold(repo.path)
    [path] = folder.glob("validate-*.cache")
    path.unlink()
    path.mkdir()  # neither read nor replaced
    same_as_cold(repo.path)
    assert [p.name for p in folder.iterdir()] == [path.name]


def test_concurrent_runs(repo: GitRepo) -> None:
    for i in range(30):
        repo.write(f"{SERVERS}/web/extra{i:02d}.yaml", f"component: nginx\nip: 10.0.7.{i}\n")
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "gitinv", "-C", str(repo.path), "validate", "--format", "json"],
            stdout=subprocess.PIPE,
        )
        for _ in range(4)
    ]
    outputs = [p.communicate()[0] for p in runs]
    assert [p.returncode for p in runs] == [1] * 4
    assert len(set(outputs)) == 1
    assert len(json.loads(outputs[0])["errors"]) == 30 * 3  # dc, environment, state
    [path] = cache_files(repo)
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary left
    assert header(path)["format"] == cache_file.FORMAT
    same_as_cold(repo.path)


def test_pending_and_request_fill_it_for_main(repo: GitRepo, tmp_path: Path) -> None:
    from gitinv.commands import request

    hub = tmp_path / "hub.git"
    repo.git("clone", "-q", "--bare", str(repo.path), str(hub))
    repo.git("remote", "add", "origin", str(hub))
    repo.git("fetch", "-q", "origin")
    code = request.run(
        repo=repo.path, action="update", target="web01", sets=("state=offline",), comment="Retire"
    )
    assert code == 0
    assert len(cache_files(repo)) == 1
    forge(repo, "origin/main", f"{SERVERS}/data/db01.yaml")
    # Validating the request's commit kept the results of main's files it shares.
    assert outcome(repo.path, "origin/main", use_cache=True)["findings"] == []


def test_pending_fills_it_for_main(
    repo: GitRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from gitinv.commands import pending

    hub = tmp_path / "hub.git"
    repo.git("clone", "-q", "--bare", str(repo.path), str(hub))
    repo.git("remote", "add", "origin", str(hub))
    repo.git("checkout", "-q", "-b", "patch-1")
    repo.write(WEB01, (repo.path / WEB01).read_text().replace("active", "offline"))
    repo.commit("Retire web01")
    repo.git("push", "-q", "origin", "patch-1")
    repo.git("checkout", "-q", "main")
    assert pending.run(repo=repo.path, remote_name="origin", fmt="json") == 0
    assert json.loads(capsys.readouterr().out)["requests"][0]["valid"] is True
    assert len(cache_files(repo)) == 1
    forge(repo, "origin/main", f"{SERVERS}/data/db01.yaml")
    assert outcome(repo.path, "origin/main", use_cache=True)["findings"] == []


def test_a_few_changes_leave_the_file_as_it_is(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rewriting the whole file costs more than reading a few changed files again."""
    monkeypatch.setattr(cache, "REWRITE_FROM", 3)  # rewrite once 2 of the 4 rows changed
    same_as_cold(repo.path)
    [path] = cache_files(repo)
    kept = path.read_bytes()
    text = (repo.path / WEB01).read_text()
    repo.write(WEB01, text.replace("state: active", "state: offline"))
    assert same_as_cold(repo.path)["servers"]["web01"][0]["state"] == "offline"
    assert path.read_bytes() == kept
    repo.remove(f"{SERVERS}/web/web02.yaml")
    assert sorted(same_as_cold(repo.path)["servers"]) == ["db01", "db02", "web01"]
    assert path.read_bytes() != kept
    assert len(header(path)["paths"]) == 3


# The run `audited` watches: `validate` with a prefetch for any size of cache.
VALIDATE = """
from pathlib import Path
from gitinv import cache
from gitinv.commands import validate
cache.PREFETCH_FROM = 0
result = validate.run(repo=Path(root), rev=rev, fmt="json")
"""


def _stat_children(commands: list[list[str]]) -> int:
    return sum(1 for c in commands if c[1:3] == ["-m", "gitinv.stats"])


def test_prefetch_takes_the_stats_the_cache_lists(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache, "PREFETCH_FROM", 0)
    same_as_cold(repo.path)
    [path] = cache_files(repo)
    session = cache.Store(path.parent).session(header(path)["key"])
    prefetch = cache.Prefetch.start(repo.path)
    assert prefetch is not None
    paths = session.old.paths
    assert prefetch.stats(session.old) == WorkTree(repo.path).stats(paths)
    prefetch.close()
    # The file was rewritten since this session read it: the child's stats are not used.
    repo.write(WEB01, (repo.path / WEB01).read_text() + "\n")
    same_as_cold(repo.path)
    prefetch = cache.Prefetch.start(repo.path)
    assert prefetch is not None
    assert prefetch.stats(session.old) is None
    prefetch.close()


def test_validate_starts_the_prefetch_and_gives_the_same_report(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write(f"{SERVERS}/web/web03.yaml", (repo.path / WEB01).read_text())  # duplicate IP
    assert validate.run(repo=repo.path, rev=None, fmt="json", cache=False) == 1
    cold = capsys.readouterr().out
    root = str(repo.path)
    first, out = audited(VALIDATE, root=root, rev=None)
    assert (first["result"], out) == (1, cold)
    assert _stat_children(first["spawned"]) == 0  # nothing to take the stats of yet
    for _ in range(2):
        later, out = audited(VALIDATE, root=root, rev=None)
        assert (later["result"], out) == (1, cold)
        assert _stat_children(later["spawned"]) == 1
    # A damaged newest file: the child fails, and the stats are taken here.
    folder = repo.path / ".git" / "gitinv"
    (folder / "validate-zzzz.cache").write_bytes(b"not a cache\n")
    damaged, out = audited(VALIDATE, root=root, rev=None)
    assert (damaged["result"], out) == (1, cold)
    at_head, _ = audited(VALIDATE, root=root, rev="HEAD")
    assert at_head["result"] == 0
    assert _stat_children(at_head["spawned"]) == 0  # a revision has no working-tree stats


def test_a_warm_run_does_not_load_gitpython(repo: GitRepo) -> None:
    """A run that finds every file in the cache starts no git command through GitPython
    (a fifth of the start-up), even asking origin's host for the handle rules."""
    repo.git("remote", "add", "origin", "https://github.com/acme/inventory.git")
    assert validate.run(repo=repo.path, rev=None, fmt="json") == 0  # fills the cache
    code = (
        "import runpy, sys\n"
        "sys.argv = ['gitinv', '-C', sys.argv[1], 'validate']\n"
        "try:\n"
        "    runpy.run_module('gitinv', run_name='__main__')\n"
        "except SystemExit as end:\n"
        "    print('exit', end.code, 'gitpython' if 'git' in sys.modules else 'no gitpython')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(repo.path)], capture_output=True, text=True, check=False
    )
    assert done.stdout.splitlines()[-1] == "exit 0 no gitpython", done.stdout + done.stderr


def test_a_row_json_cannot_hold_any_more_matches_nothing(tmp_path: Path) -> None:
    """Kept before; this run's result for the same bytes JSON cannot hold (a date, say):
    the row is left matching nothing, so the file is read again."""
    import datetime

    blob = "2" * 40
    first = cache.Store(tmp_path).session("k" * 64)
    for name in "ab":
        first.keep(name, blob, None, {"ip": name}, (2, 5), (4, 1), [])
    first.save(["a", "b"])
    second = cache.Store(tmp_path).session("k" * 64)
    assert second.row("a", blob) is not None
    second.keep("a", blob, None, {"when": datetime.date(2024, 1, 2)}, (2, 5), (4, 1), [])
    second.save(["a", "b"])
    third = cache.Store(tmp_path).session("k" * 64)
    assert third.row("a", blob) is None
    assert third.row("b", blob) == ("b", {"ip": "b"}, (2, 5), (4, 1), [])


def test_rows_found_by_bisection_and_by_index(tmp_path: Path) -> None:
    """A few lookups bisect the sorted paths, more index them all: the same rows."""
    blob = "4" * 40
    names = [f"p{i:03}" for i in range(cache.BISECT_LOOKUPS * 2)]
    first = cache.Store(tmp_path).session("k" * 64)
    for name in names:
        first.keep(name, blob, None, {"ip": name}, (2, 5), (4, 1), [])
    first.save(names)
    second = cache.Store(tmp_path).session("k" * 64)
    for name in [*names, *names]:  # past BISECT_LOOKUPS: from the index
        assert second.row(name, blob) == (name, {"ip": name}, (2, 5), (4, 1), [])
        assert second.row(name + "x", blob) is None
        assert second.row("", blob) is None and second.row("q", blob) is None


def test_clashes_counted_from_the_columns_as_from_the_rows() -> None:
    """`Hits.clash_free` (C speed, keys compared by their low bits first) agrees with the
    rules' own count over the rows made whole, keys that end alike included."""
    rng = random.Random(7)
    names = ["a", "b", "c", "d", "e", "f", "g", "h"]
    keys = [None, (4, 1), (4, 2), (6, 1), (6, 5 | 1 << 64), (6, 5 | 2 << 64), (6, 5)]
    agreed = {True: 0, False: 0}
    for _ in range(300):
        rows = cache_file.Builder()
        for i in range(rng.randint(0, 6)):
            # Of one folder each: no two paths alike, the names across folders may be.
            path = f"{SERVERS}/g{i}/{rng.choice(names)}.yaml"
            fields = rng.choice([None, {}, {"ip": "x"}])
            rows.add(path, ("0" * 40, None, fields, (2, 5), rng.choice(keys), []))
        columns = rows.columns()
        n = len(columns.paths)
        some = sorted(rng.sample(range(n), rng.randint(0, n)))
        for held in (
            cache_file.Hits(columns, None, []),
            cache_file.Hits(columns, None, [0][:n]),
            cache_file.Hits(columns, some, []),  # rows picked: files were added or removed
        ):
            run_names = rng.sample(names, rng.randint(0, 2))
            run_keys = [rng.choice(keys) for _ in run_names]
            kinds = held.kinds()
            every = run_names + [m for m, k in zip(held.names(), kinds, strict=True) if k]
            dup_names, dup_keys = checks.clashes(every, run_keys + held.ip_keys())
            expected = not dup_names and not dup_keys
            assert held.clash_free(run_names, run_keys) == expected
            assert held.count(cache_file.VALID) == kinds.count(cache_file.VALID)
            agreed[expected] += 1
    assert min(agreed.values()) > 50  # both answers were tried


def test_damaged_lines_found_while_saving(repo: GitRepo) -> None:
    """A check never reads the lines of fields; a save that must change one finds them
    damaged, and writes this run's rows alone."""
    path = _the_file(repo)
    first, rest = path.read_bytes().split(b"\n", 1)
    n = len(json.loads(first)["paths"])
    numbers, lines = rest[: ROW_BYTES * n], rest[ROW_BYTES * n :]
    path.write_bytes(first + b"\n" + numbers + lines.split(b"\n", 1)[1])  # a line missing
    repo.write(WEB01, (repo.path / WEB01).read_text().replace("active", "offline"))
    cold = outcome(repo.path, use_cache=False)
    assert checked(repo.path) == cold_check(cold)
    assert outcome(repo.path, use_cache=True) == cold
    assert len(header(path)["paths"]) == n


def test_a_damaged_line_is_no_row(tmp_path: Path) -> None:
    blob = "3" * 40
    first = cache.Store(tmp_path).session("k" * 64)
    first.keep("a", blob, None, {"ip": "a"}, (2, 5), (4, 1), [])
    first.save(["a"])
    [path] = tmp_path.glob("validate-*.cache")
    path.write_bytes(path.read_bytes().replace(b'{"ip":"a"}', b'["ip","a"]'))
    assert cache.Store(tmp_path).session("k" * 64).row("a", blob) is None


def test_stats_of_files_gone(repo: GitRepo) -> None:
    tree = WorkTree(repo.path)
    numbers = tree.stats([WEB01, f"{SERVERS}/web/gone.yaml", f"{SERVERS}/nowhere/x.yaml"])
    assert list(numbers[4:]) == [-1] * 8
    assert numbers[0] == (repo.path / WEB01).stat().st_size


def test_a_prefetch_nobody_asks_is_stopped(repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "PREFETCH_FROM", 0)
    same_as_cold(repo.path)
    prefetch = cache.Prefetch.start(repo.path)
    assert prefetch is not None
    prefetch.close()
    assert prefetch.proc.returncode is not None
    monkeypatch.setattr(cache.sys, "executable", str(repo.path / "no-such-python"))
    assert cache.Prefetch.start(repo.path) is None
