"""The history a build keeps for the next one (gitinv.site.kept): a build that starts
from it writes, to the byte, what a build walking the whole history writes."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest

from gitinv import git
from gitinv.site import kept
from gitinv.site.build import build
from tests.conftest import server
from tests.site.sitefixtures import Repo, make_history, tree_digest

FIELDS = (
    "cpu: {type: integer, min: 1}\neol: {type: date}\nowner: {type: string}\nflags: {type: list}\n"
)


def _web01(**extra: str) -> str:
    return server("10.1.0.1", state="maintenance", tags="\n  - frontend", **extra)


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    """make_history's six changes, then declared fields of each kind set and changed."""
    repo = make_history(tmp_path / "repo")
    repo.write("inventory/fields.yaml", FIELDS)
    repo.write("inventory/servers/web/web01.yaml", _web01(cpu="4", eol="2027-01-01", owner="ops"))
    repo.commit("Declare cpu, eol, owner and flags (#6)")
    repo.merge_pr(
        7,
        "request/update/web01-cpu",
        "More cpu for web01",
        "Bob Builder",
        {"inventory/servers/web/web01.yaml": _web01(cpu="8", eol="'2027-06-30'", flags="[a, b]")},
    )
    return repo


def _build(repo: Path, out: Path, cache: Path, monkeypatch: pytest.MonkeyPatch, rev: str) -> None:
    monkeypatch.setenv("GITINV_CACHE_DIR", str(cache))
    assert build(repo, rev, out).ok


def _kept_file(cache: Path) -> Path:
    (found,) = cache.glob("history-*.json")
    return found


def _kept_commit(cache: Path) -> str:
    return str(orjson.loads(_kept_file(cache).read_bytes().partition(b"\n")[0])["commit"])


def _more_history(repo: Repo) -> None:
    """Changes after the kept commit: a field changed and one dropped, a server added and
    one deleted, fields.yaml changed, and a catalog edit."""
    repo.merge_pr(
        8,
        "request/update/web01-again",
        "Less cpu for web01",
        "Dana Data",
        {"inventory/servers/web/web01.yaml": _web01(cpu="2", owner="web")},
    )
    repo.write("inventory/servers/web/web03.yaml", server("10.1.0.3", cpu="1"))
    repo.commit("Add web03 (#9)", who="Bob Builder")
    repo.write("inventory/fields.yaml", FIELDS.replace("min: 1", "min: 1, max: 64"))
    repo.remove("inventory/servers/data/db02.yaml")
    repo.commit("Cap cpu, retire db02 (#10)")


def _fresh(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The site of main built with nothing kept."""
    fresh = Path(tempfile.mkdtemp(prefix="fresh-", dir=tmp_path))
    _build(repo, fresh / "_site", fresh / "cache", monkeypatch, "main")
    return tree_digest(fresh / "_site")


@pytest.mark.parametrize("line", [kept.LINE, 2])
def test_builds_after_new_commits_write_what_a_whole_walk_writes(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, line: int
) -> None:
    """Each build adds the new commits' part to the file; the third reads two parts
    (with `line` 2, each of several lines)."""
    monkeypatch.setattr(kept, "LINE", line)
    cache = tmp_path / "cache"
    _build(repo.path, tmp_path / "first", cache, monkeypatch, "main")
    first = repo.git("rev-parse", "main")
    assert _kept_commit(cache) == first
    _more_history(repo)
    _build(repo.path, tmp_path / "second", cache, monkeypatch, "main")
    assert tree_digest(tmp_path / "second") == _fresh(repo.path, tmp_path, monkeypatch)
    assert _kept_commit(cache) == repo.git("rev-parse", "main")
    repo.merge_pr(
        12,
        "request/update/web03",
        "web03 to staging",
        "Bob Builder",
        {"inventory/servers/web/web03.yaml": server("10.1.0.3", environment="staging")},
    )
    _build(repo.path, tmp_path / "third", cache, monkeypatch, "main")
    assert tree_digest(tmp_path / "third") == _fresh(repo.path, tmp_path, monkeypatch)
    parts = [line for line in _kept_file(cache).read_bytes().splitlines() if b'"commits"' in line]
    assert len(parts) == 3


def test_a_build_of_the_kept_commit_again_takes_its_whole_history_from_the_file(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A scheduled build of the same commit walks nothing and keeps the file as it is."""
    cache = tmp_path / "cache"
    _build(repo.path, tmp_path / "first", cache, monkeypatch, "main")
    path = _kept_file(cache)
    path.write_bytes(path.read_bytes().replace(b'"Dana Data"', b'"Dana Kept"'))
    before = path.read_bytes()
    _build(repo.path, tmp_path / "again", cache, monkeypatch, "main")
    audit = (tmp_path / "again/api/v1/audit.json").read_bytes()
    assert b'"Dana Kept"' in audit and b'"Dana Data"' not in audit
    assert path.read_bytes() == before


def test_the_build_takes_the_old_commits_from_the_kept_history(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the file says of the old commits is what the site shows: git's walk covered
    only the new ones."""
    cache = tmp_path / "cache"
    _build(repo.path, tmp_path / "first", cache, monkeypatch, "main")
    path = _kept_file(cache)
    path.write_bytes(path.read_bytes().replace(b'"Dana Data"', b'"Dana Kept"'))
    _more_history(repo)
    _build(repo.path, tmp_path / "second", cache, monkeypatch, "main")
    audit = orjson.loads((tmp_path / "second/api/v1/audit.json").read_bytes())["results"]
    authors = {(entry["pull_request"], entry["author"]) for entry in audit}
    assert (3, "Dana Kept") in authors  # kept, and changed in the file
    assert (8, "Dana Data") in authors  # walked
    assert (3, "Dana Data") not in authors


def _rewritten(repo: Repo) -> None:
    """main moved back past the kept commit and on again (a force push)."""
    repo.git("reset", "--quiet", "--hard", "HEAD~1")
    _more_history(repo)


def _merged_as_a_branch(repo: Repo) -> None:
    """The kept commit became the second parent of a merge: it is in main's history, but
    not on its first-parent line, which the history follows."""
    kept_at = repo.git("rev-parse", "HEAD")
    repo.git("checkout", "--quiet", "-b", "side", "HEAD~1")
    repo.write("inventory/servers/web/web04.yaml", server("10.1.0.4"))
    repo.commit("Add web04 (#11)")
    repo.git("merge", "--no-ff", "--quiet", "-m", "Merge the old main", kept_at)
    repo.git("branch", "--quiet", "-f", "main", "HEAD")
    repo.git("checkout", "--quiet", "main")


@pytest.mark.parametrize("move", [_rewritten, _merged_as_a_branch])
def test_a_history_off_the_first_parent_line_is_walked_again(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, move: Callable[[Repo], None]
) -> None:
    cache = tmp_path / "cache"
    _build(repo.path, tmp_path / "first", cache, monkeypatch, "main")
    kept_at = _kept_commit(cache)
    move(repo)
    main = repo.git("rev-parse", "main")
    assert not git.on_first_parent_line(repo.path, kept_at, main)
    _build(repo.path, tmp_path / "second", cache, monkeypatch, "main")
    assert tree_digest(tmp_path / "second") == _fresh(repo.path, tmp_path, monkeypatch)
    assert _kept_commit(cache) == main


Line = dict[str, list[list[object]]]  # a line of the file after its first


def _first_line(edit: Callable[[dict[str, object]], None]) -> Callable[[bytes], bytes]:
    def damage(data: bytes) -> bytes:
        head, _, body = data.partition(b"\n")
        header = orjson.loads(head)
        edit(header)
        return orjson.dumps(header) + b"\n" + body

    return damage


def _lines(data: bytes) -> tuple[dict[str, object], list[Line]]:
    head, *lines = data.splitlines()
    return orjson.loads(head), [orjson.loads(line) for line in lines]


def _file(header: dict[str, object], lines: list[Line]) -> bytes:
    body = b"".join(orjson.dumps(line) + b"\n" for line in lines)
    return orjson.dumps({**header, "bytes": len(body)}) + b"\n" + body


def _body(edit: Callable[[list[Line]], object]) -> Callable[[bytes], bytes]:
    """The lines after the first edited, the file's size in its first line made to agree."""

    def damage(data: bytes) -> bytes:
        header, lines = _lines(data)
        edit(lines)
        return _file(header, lines)

    return damage


def _an_entry(edit: Callable[[list[object]], None]) -> Callable[[bytes], bytes]:
    """The last entry edited."""
    return _body(lambda lines: edit(lines[-1]["entries"][-1]))


def _a_commit(edit: Callable[[list[object]], None]) -> Callable[[bytes], bytes]:
    """The first commit edited."""
    return _body(lambda lines: edit(lines[0]["commits"][0]))


def _set(index: int, value: object) -> Callable[[list[object]], None]:
    return lambda row: row.__setitem__(index, value)


DAMAGE: dict[str, Callable[[bytes], bytes]] = {
    "empty": lambda data: b"",
    "truncated": lambda data: data[: len(data) // 2],
    "the last line dropped": lambda data: data[: data.rindex(b"\n", 0, -1) + 1],
    "the last line doubled": lambda data: data + data[data.rindex(b"\n", 0, -1) + 1 :],
    "not JSON": lambda data: b"\x00\xff" + data,
    "no second line": lambda data: data.partition(b"\n")[0],
    "another format": _first_line(lambda h: h.update(format="gitinv-history/0")),
    "another key": _first_line(lambda h: h.update(key="0" * 64)),
    "a commit id that is an option": _first_line(lambda h: h.update(commit="--all")),
    "a commit git does not have": _first_line(lambda h: h.update(commit="ab" * 20)),
    "a commit of a number": _first_line(lambda h: h.update(commit=7)),
    "a size of text": _first_line(lambda h: h.update(bytes="1")),
    "commits not a list": _body(lambda lines: lines[0].update(commits={})),
    "entries not a list": _body(lambda lines: lines[-1].update(entries={})),
    "entries before their commits": _body(lambda lines: lines.pop(0)),
    "a line of another shape": _body(lambda lines: lines.append({"commits": [], "entries": []})),
    "a line of a list": _body(lambda lines: lines.append([])),  # type: ignore[arg-type]
    "an entry too short": _an_entry(lambda row: row.pop()),
    "an entry's commit out of range": _an_entry(_set(0, 10**6)),
    "an entry's commit negative": _an_entry(_set(0, -1)),
    "an entry's commit not a number": _an_entry(_set(0, "0")),
    "an entry's commit true": _an_entry(_set(0, True)),
    "a name of a number": _an_entry(_set(2, 5)),
    "a group of a list": _an_entry(_set(4, ["web"])),
    "changes not a mapping": _an_entry(_set(6, [["ip", None]])),
    "a change not a pair": _an_entry(_set(6, {"ip": [None]})),
    "a change of text": _an_entry(_set(6, {"ip": "ab"})),
    "unreadable not text": _an_entry(_set(7, {"new": 3})),
    "a commit's pull request of text": _a_commit(_set(4, "7")),
    "a commit's pull request true": _a_commit(_set(4, True)),
    "a commit's author missing": _a_commit(_set(2, None)),
    "a commit without its reason": _a_commit(lambda row: row.pop()),
}


@pytest.mark.parametrize("damage", [*sorted(DAMAGE), "a pipe"])
def test_a_damaged_kept_history_is_walked_again_and_written_anew(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    cache = tmp_path / "cache"
    _build(repo.path, tmp_path / "first", cache, monkeypatch, "main")
    path = _kept_file(cache)
    if damage in DAMAGE:
        path.write_bytes(DAMAGE[damage](path.read_bytes()))
    else:  # a pipe in its place: read, it would never answer
        path.unlink()
        os.mkfifo(path)
    _more_history(repo)
    _build(repo.path, tmp_path / "second", cache, monkeypatch, "main")
    assert tree_digest(tmp_path / "second") == _fresh(repo.path, tmp_path, monkeypatch)
    assert _kept_commit(cache) == repo.git("rev-parse", "main")


def test_nothing_is_kept_where_json_cannot_hold_a_value(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An integer past 64 bits (valid: cpu has no maximum yet) has no JSON orjson writes:
    what was kept is removed (else every later build would walk from the same kept
    commit and fail on the same value), and the site is written all the same."""
    cache = tmp_path / "cache"
    _build(repo.path, tmp_path / "first", cache, monkeypatch, "main")
    assert _kept_file(cache)
    repo.write("inventory/servers/web/web01.yaml", _web01(cpu=str(2**70)))
    repo.commit("A very large machine (#12)")
    _build(repo.path, tmp_path / "second", cache, monkeypatch, "main")
    assert not list(cache.glob("history-*"))
    detail = orjson.loads((tmp_path / "second/api/v1/servers/web01.json").read_bytes())
    assert detail["history"][0]["changes"]["cpu"] == [8, 2**70]
    assert tree_digest(tmp_path / "second") == _fresh(repo.path, tmp_path, monkeypatch)


def test_a_history_read_without_a_version_this_clone_lacks_is_not_kept(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A version git lacks (a partial clone) is a state of the clone: a walk once it is
    fetched would read it, so nothing is kept."""
    root_commit = repo.git("rev-list", "--max-parents=0", "main")
    repo.lose(f"{root_commit}:inventory/servers/web/web01.yaml")
    _more_history(repo)
    monkeypatch.setenv("GITINV_CACHE_DIR", str(tmp_path / "nothing-kept"))
    assert build(repo.path, "main", tmp_path / "second").ok
    audit = (tmp_path / "second/api/v1/audit.json").read_bytes()
    assert b"git does not have this version" in audit
    assert not list((tmp_path / "nothing-kept").glob("history-*"))


def test_one_history_file_and_no_temporary_file_left_for_long(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another key's file (another gitinv's) goes; a temporary file an hour old (a build
    killed while it wrote) goes, a newer one (a build writing now) stays."""
    cache = tmp_path / "cache"
    cache.mkdir()
    other = cache / "history-000000000000000000000000.json"
    other.write_bytes(b"{}\n")
    killed, writing = cache / ".history-killed.tmp", cache / ".history-writing.tmp"
    for path in (killed, writing):
        path.write_bytes(b"{")
    os.utime(killed, (time.time() - 2 * 3600,) * 2)
    _build(repo.path, tmp_path / "first", cache, monkeypatch, "main")
    assert sorted(p.name for p in cache.glob("*history-*")) == [
        writing.name,
        _kept_file(cache).name,
    ]


def test_on_first_parent_line(repo: Repo) -> None:
    main = repo.git("rev-parse", "main")
    merge = repo.git("rev-parse", "main^{/Merge pull request #3}")
    branch_tip = repo.git("rev-parse", f"{merge}^2")
    assert git.on_first_parent_line(repo.path, main, main)
    assert git.on_first_parent_line(repo.path, repo.git("rev-parse", "main~1"), main)
    assert git.on_first_parent_line(repo.path, merge, main)
    root_commit = repo.git("rev-list", "--max-parents=0", "main")
    assert git.on_first_parent_line(repo.path, root_commit, main)
    assert not git.on_first_parent_line(repo.path, branch_tip, main)  # a merged branch
    assert not git.on_first_parent_line(repo.path, main, merge)  # newer than rev
    assert not git.on_first_parent_line(repo.path, "ab" * 20, main)  # unknown
