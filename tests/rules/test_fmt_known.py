"""The server files `fmt --check` and `report` found canonical are kept by blob id, and
rendered again only when their bytes, the fields or gitinv's code change; what they
report is always what a check without them reports."""

from __future__ import annotations

import contextlib
import os
import random
import stat
import threading
import time
from pathlib import Path

import pytest

from gitinv import cache, fields, formatting
from gitinv.source import GitRevision, WorkTree
from tests.conftest import CASES, GitRepo

SERVERS = "inventory/servers"
WEB01 = f"{SERVERS}/web/web01.yaml"
# web01, valid but not canonical: its tags as a flow list, and first.
MESSY = (
    "tags: [frontend]\ncomponent: nginx\nip: 10.0.0.9\ndc: dc4\nenvironment: production\n"
    "type: vm\nstate: active\ndescription: Public web frontend\n"
)


@pytest.fixture
def repo(git_repo: GitRepo) -> GitRepo:
    git_repo.copy_inventory(CASES / "base")
    git_repo.commit("Initial inventory")
    return git_repo


def kept(repo: GitRepo, declared: fields.FieldSet = fields.BUILTIN) -> Path:
    """The file of the kept ids for these fields."""
    known = formatting._Known.open(WorkTree(repo.path), declared)
    assert known is not None
    return known.folder / known.name(known.key)


def canonical_ids(repo: GitRepo, canonical: list[str]) -> list[str]:
    return sorted(repo.git("hash-object", path) for path in canonical)


def outcome(result: formatting.Check) -> tuple[int, list[str], list[tuple[str, int, str]]]:
    return (
        result.files,
        [f.text() for f in result.findings],
        [(r.path, r.line, r.new) for r in result.reformat],
    )


def same_as_without(repo: GitRepo, rev: str | None = None) -> formatting.Check:
    """Checks with the kept ids (filling them, then reading them) give what one without
    them gives, in the working tree or at a revision."""
    declared = fields.BUILTIN
    if (repo.path / fields.FIELDS_FILE).exists():
        declared = fields.parse((repo.path / fields.FIELDS_FILE).read_bytes())[0]
    source = WorkTree(repo.path) if rev is None else GitRevision(repo.path, rev)
    nowhere = repo.path.parent / "nowhere"  # a file, not a folder: nothing kept or read
    nowhere.write_text("")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GITINV_CACHE_DIR", str(nowhere))
        without = formatting.check(source, None, declared)
    for _ in range(2):
        assert outcome(formatting.check(source, None, declared)) == outcome(without)
    return without


def test_results_follow_edits_renames_and_the_fields(repo: GitRepo) -> None:
    same_as_without(repo)
    servers = sorted(str(p.relative_to(repo.path)) for p in repo.path.glob(f"{SERVERS}/*/*"))
    assert kept(repo).read_text().split()[1:] == canonical_ids(repo, servers)
    repo.write(WEB01, MESSY)
    assert [r.path for r in same_as_without(repo).reformat] == [WEB01]
    # The ids of the files canonical now, no more: the file does not grow with edits.
    rest = [p for p in servers if p != WEB01]
    assert kept(repo).read_text().split()[1:] == canonical_ids(repo, rest)
    repo.git("mv", WEB01, "inventory/servers/web/web09.yaml")
    assert [r.path for r in same_as_without(repo).reformat] == ["inventory/servers/web/web09.yaml"]
    repo.commit("web09, not canonical")
    same_as_without(repo, "HEAD")
    # A declared field changes what a server file's canonical form is: the kept ids
    # are of another key, and are not used.
    repo.write(fields.FIELDS_FILE, "rack: {type: string}\n")
    db01 = "inventory/servers/data/db01.yaml"
    repo.write(db01, (repo.path / db01).read_text() + "rack: r1\n")
    same_as_without(repo)
    repo.write(fields.FIELDS_FILE, "rack: {type: integer}\n")
    assert any("rack" in f for f in outcome(same_as_without(repo))[1])


def test_whether_fields_yaml_exists_or_reads_is_part_of_the_key(repo: GitRepo) -> None:
    """A key that is not a field is left alone while fields.yaml cannot be read, and is an
    unknown field once fields.yaml reads (even declaring nothing)."""
    db01 = f"{SERVERS}/data/db01.yaml"
    repo.write(db01, (repo.path / db01).read_text() + "rack: r1\n")
    repo.write(fields.FIELDS_FILE, "owner: [\n")
    assert same_as_without(repo).problems == []
    repo.write(fields.FIELDS_FILE, "# nothing declared yet\n")
    assert [f.code for f in same_as_without(repo).problems] == ["unknown-field"]


def test_kept_files_of_a_revision_are_not_read(repo: GitRepo) -> None:
    """At a revision a kept id is known from the tree: its blob is not even read (shown
    with the blob taken out of the repository, which reading would fail on)."""
    first = outcome(formatting.check(GitRevision(repo.path, "HEAD")))
    repo.lose(f"HEAD:{WEB01}")
    assert outcome(formatting.check(GitRevision(repo.path, "HEAD"))) == first


def test_another_gitinv_does_not_use_them(repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    same_as_without(repo)
    repo.write(WEB01, MESSY)
    path = kept(repo)
    lines = path.read_text().split("\n")
    path.write_text("\n".join([lines[0], repo.git("hash-object", WEB01), *lines[1:]]))
    assert formatting.check(WorkTree(repo.path)).reformat == []  # the forged id is used
    monkeypatch.setattr(cache, "code_version", lambda: "another version of gitinv")
    assert [r.path for r in formatting.check(WorkTree(repo.path)).reformat] == [WEB01]


def test_the_newest_keys_files_are_kept(repo: GitRepo) -> None:
    """A file a key, as validate's cache keeps them: the oldest go past cache.KEEP."""
    for n in range(cache.KEEP + 2):
        repo.write(fields.FIELDS_FILE, f"f{n}: {{type: string}}\n")
        same_as_without(repo)
    files = sorted((repo.path / ".git" / "gitinv").glob("canonical-*.ids"))
    declared = fields.parse((repo.path / fields.FIELDS_FILE).read_bytes())[0]
    assert len(files) == cache.KEEP and kept(repo, declared) in files
    assert not list((repo.path / ".git" / "gitinv").glob(".canonical-*"))  # no leftovers


def test_randomized_edits_report_what_a_check_without_them_reports(repo: GitRepo) -> None:
    rng = random.Random(5)
    paths = sorted(str(p.relative_to(repo.path)) for p in repo.path.glob("inventory/servers/*/*"))
    texts = {p: (repo.path / p).read_text() for p in paths}
    for _ in range(12):
        path = rng.choice(paths)
        choice = rng.randrange(3)
        if choice == 0:
            repo.write(path, texts[path])
        elif choice == 1:
            repo.write(path, MESSY.replace("10.0.0.9", f"10.0.0.{rng.randrange(50, 99)}"))
        else:
            repo.write(path, texts[path].replace("component:", "component:  "))
        same_as_without(repo)


def test_the_kept_ids_are_used(repo: GitRepo) -> None:
    """A blob id listed under the right key is not rendered again (so a run that finds
    nothing new costs no rendering): shown with a messy file listed as canonical."""
    same_as_without(repo)
    repo.write(WEB01, MESSY)
    lines = kept(repo).read_text().split("\n")
    blob = repo.git("hash-object", WEB01)
    kept(repo).write_text("\n".join([lines[0], blob, *lines[1:]]))
    assert formatting.check(WorkTree(repo.path)).reformat == []


@pytest.mark.parametrize(
    "damage",
    [
        b"",
        b"no key\n",
        b"0" * 64 + b"\n",  # another key
        b"%KEY%\nnot an id\n",
        b"%KEY%\n" + b"a" * 39 + b"\n",
        b"%KEY%\n" + b"A" * 40 + b"\n",
        b"%KEY%\n" + b"a" * 40,  # cut short
    ],
)
def test_a_damaged_or_foreign_file_is_ignored_and_rewritten(repo: GitRepo, damage: bytes) -> None:
    same_as_without(repo)
    good = kept(repo).read_bytes()
    key = good.split(b"\n")[0]
    repo.write(WEB01, MESSY)
    listed = repo.git("hash-object", WEB01).encode()
    kept(repo).write_bytes(damage.replace(b"%KEY%", key) + listed + b"\n")
    assert [r.path for r in formatting.check(WorkTree(repo.path)).reformat] == [WEB01]
    rewritten = kept(repo).read_bytes().split()  # the key and the three canonical ones
    assert rewritten[0] == key and len(rewritten) == 4 and listed not in rewritten


def test_a_check_of_some_files_keeps_the_others(repo: GitRepo) -> None:
    same_as_without(repo)
    before = kept(repo).read_bytes()
    assert formatting.check(WorkTree(repo.path), [WEB01]).reformat == []
    assert kept(repo).read_bytes() == before


def test_a_pipe_or_a_link_in_its_place_is_not_followed(repo: GitRepo) -> None:
    path = kept(repo)
    path.parent.mkdir()
    elsewhere = repo.path.parent / "elsewhere.ids"
    same_as_without(repo)
    repo.write(WEB01, MESSY)
    elsewhere.write_text(path.read_text() + repo.git("hash-object", WEB01) + "\n")
    path.unlink()
    path.symlink_to(elsewhere)
    assert [r.path for r in formatting.check(WorkTree(repo.path)).reformat] == [WEB01]
    assert path.is_file() and not path.is_symlink()  # replaced by a file of its own
    path.unlink()
    os.mkfifo(path)

    def feed() -> None:  # what a reader of the pipe would get, rather than wait for ever
        time.sleep(5)
        with contextlib.suppress(OSError):  # no pipe, or no reader: as it should be
            if stat.S_ISFIFO(os.lstat(path).st_mode):
                fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
                os.write(fd, b"not a key\n")
                os.close(fd)

    threading.Thread(target=feed, daemon=True).start()
    started = time.monotonic()
    assert [r.path for r in formatting.check(WorkTree(repo.path)).reformat] == [WEB01]
    assert time.monotonic() - started < 5  # the pipe was never opened
    assert path.is_file()  # replaced by a file
