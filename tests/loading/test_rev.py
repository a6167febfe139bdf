"""`validate --rev` reads git objects; from the working tree, only a blob's own bytes."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from gitinv import cache, git, gitlog, inventory, source
from gitinv.commands import validate
from gitinv.errors import GitinvError
from tests.conftest import CASES, GitRepo, forge_blob


@pytest.fixture
def repo(git_repo: GitRepo) -> GitRepo:
    git_repo.copy_inventory(CASES / "base")
    git_repo.commit("Initial inventory")
    return git_repo


def test_rev_ignores_working_tree(repo: GitRepo) -> None:
    good = repo.git("rev-parse", "HEAD")
    repo.write("inventory/servers/web/web01.yaml", "state: no\n")
    assert not inventory.load(repo.path).ok
    inv = inventory.load(repo.path, good)
    assert inv.ok and inv.commit == good and len(inv.servers) == 4


def test_rev_reports_bad_commit_with_positions(repo: GitRepo) -> None:
    repo.write("inventory/servers/web/web01.yaml", "component: nginx\nip: 10\n")
    repo.commit("Break web01")
    repo.write("inventory/servers/web/web01.yaml", "fixed: later\n")  # not committed
    found = [(f.file, f.line, f.column, f.code) for f in inventory.load(repo.path, "HEAD").findings]
    assert ("inventory/servers/web/web01.yaml", 2, 5, "bad-type") in found
    assert ("inventory/servers/web/web01.yaml", 1, 1, "missing-field") in found


def test_rev_sees_committed_symlink(repo: GitRepo) -> None:
    os.symlink("web01.yaml", repo.path / "inventory/servers/web/alias.yaml")
    repo.commit("Add a symlink")
    found = [(f.file, f.code) for f in inventory.load(repo.path, "HEAD").findings]
    assert found == [("inventory/servers/web/alias.yaml", "bad-file")]


def test_unknown_revision_is_a_usage_error(repo: GitRepo) -> None:
    with pytest.raises(GitinvError) as err:
        inventory.load(repo.path, "no-such-branch")
    assert err.value.exit_code == 2 and "no-such-branch" in err.value.message


def test_json_report_of_a_revision(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    assert validate.run(repo=repo.path, rev="HEAD", fmt="json") == 0
    assert json.loads(capsys.readouterr().out) == {"ok": True, "servers": 4, "errors": []}


def test_not_a_git_repository(tmp_path: Path) -> None:
    (tmp_path / "inventory").mkdir()
    with pytest.raises(GitinvError) as err:
        inventory.load(tmp_path, "HEAD")
    assert "not a git repository" in err.value.message


def test_a_kept_blob_reader_answers_in_order_at_any_size(tmp_path: Path) -> None:
    """Many objects, one larger than a pipe holds, and one git does not have."""
    repo = GitRepo(tmp_path / "repo")
    texts = [f"object {i}\n".encode() * (1 + i % 5) for i in range(150)]
    texts.insert(70, b"x" * 300_000)
    shas = []
    for i, text in enumerate(texts):
        (tmp_path / f"blob{i}").write_bytes(text)
        shas.append(repo.git("hash-object", "-w", str(tmp_path / f"blob{i}")))
    absent = "0" * 40
    reader = git.BlobReader(repo.path)
    assert reader.read([*shas[:100], absent, *shas[100:]]) == [*texts[:100], None, *texts[100:]]
    assert reader.read(shas[:3]) == texts[:3]  # still open for the next share


def _damaged(repo: GitRepo) -> str:
    """Twelve more servers committed, one of whose blobs has its zlib stream cut short."""
    for i in range(12):
        text = f"component: nginx\nip: 10.0.9.{i}\n"
        repo.write(f"inventory/servers/web/extra{i:02d}.yaml", text)
    repo.commit("more servers")
    sha = repo.git("rev-parse", "HEAD:inventory/servers/web/extra05.yaml")
    loose = repo.path / ".git/objects" / sha[:2] / sha[2:]
    data = loose.read_bytes()
    loose.chmod(0o644)
    loose.write_bytes(data[: len(data) // 2])
    # Edited in the working tree, so the revision's bytes can come from git alone.
    repo.write("inventory/servers/web/extra05.yaml", "component: nginx\nip: 10.0.9.99\n")
    return sha


@pytest.mark.parametrize("parallel", [False, True])
def test_a_damaged_object_is_git_s_error_not_a_hang(repo: GitRepo, parallel: bool) -> None:
    """A blob git cannot read ends the load with git's words, whether the workers read
    their own share of the blobs or this process reads them all."""
    sha = _damaged(repo)
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from gitinv import inventory\n"
        "from gitinv.errors import GitinvError\n"
        f"inventory.PARALLEL_FROM = {1 if parallel else 10**6}\n"
        "inventory.CHUNK = 3\n"
        "try:\n"
        "    inventory.load(Path(sys.argv[1]), 'HEAD')\n"
        "except GitinvError as exc:\n"
        "    print(exc.message)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(repo.path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("git cat-file failed: "), done.stdout
    assert sha[:7] in done.stdout or "inflate" in done.stdout or "unable" in done.stdout


def test_a_missing_blob_is_named_not_a_traceback(
    repo: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    """A blob the repository lacks (ls-tree shows its size as BAD) is said with its file."""
    repo.lose("HEAD:inventory/servers/web/web01.yaml")
    with pytest.raises(GitinvError) as raised:
        validate.run(repo=repo.path, rev="HEAD", fmt="text", cache=False)
    assert "HEAD has no object for inventory/servers/web/web01.yaml" in raised.value.message


def test_the_history_s_object_feed_never_takes_a_damaged_object_s_part(repo: GitRepo) -> None:
    """What git sent before it stopped is not the object: git's own words instead."""
    sha = _damaged(repo)
    good = repo.git("rev-parse", "HEAD:inventory/servers/web/extra04.yaml")
    with gitlog.ObjectFeed(repo.path) as feed:
        assert feed.get(good) == (repo.path / "inventory/servers/web/extra04.yaml").read_bytes()
    with (
        pytest.raises(GitinvError, match="git cat-file failed: ") as raised,
        gitlog.ObjectFeed(repo.path) as feed,
    ):
        feed.get(sha)  # raises itself, before git's own words when the feed closes
    assert "ended before sending" in str(raised.value.__context__)


WEB01 = "inventory/servers/web/web01.yaml"
DB01 = "inventory/servers/data/db01.yaml"


def _both_ways(repo: GitRepo, paths: list[str]) -> list[dict[str, bytes]]:
    """The paths' bytes at HEAD, read by `read_many` and by `read_here`."""
    return [
        source.GitRevision(repo.path, "HEAD").read_many(paths),
        source.GitRevision(repo.path, "HEAD").read_here(paths),
    ]


def test_a_revision_takes_from_the_working_tree_only_the_blob_s_own_bytes(
    repo: GitRepo,
) -> None:
    """A file of the working tree whose bytes hash to the blob's id is read from the
    disk; anything else there (other bytes, a pipe, a link) is left, and git answers."""
    true = (repo.path / WEB01).read_bytes()
    forge_blob(repo.path, "HEAD", WEB01)  # git now answers with other bytes...
    other = (repo.path / WEB01).read_bytes()
    assert other != true
    (repo.path / WEB01).write_bytes(true)  # ...and the working tree holds the true ones
    assert _both_ways(repo, [WEB01]) == [{WEB01: true}] * 2
    (repo.path / WEB01).write_bytes(true.replace(b"10.", b"11."))  # other bytes, same size
    assert _both_ways(repo, [WEB01]) == [{WEB01: other}] * 2
    (repo.path / WEB01).unlink()
    os.mkfifo(repo.path / WEB01)  # never answers: not opened for its bytes
    with _no_hang():
        assert _both_ways(repo, [WEB01]) == [{WEB01: other}] * 2
    (repo.path / WEB01).unlink()
    (repo.path / "true.yaml").write_bytes(true)
    (repo.path / WEB01).symlink_to(repo.path / "true.yaml")
    assert _both_ways(repo, [WEB01]) == [{WEB01: other}] * 2


def test_after_enough_misses_the_working_tree_is_not_tried(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another revision's files miss one after another: past `GIVE_UP` more misses than
    hits, git alone is asked, even for a file the disk would have served."""
    true = (repo.path / DB01).read_bytes()
    forge_blob(repo.path, "HEAD", DB01)
    other = (repo.path / DB01).read_bytes()
    (repo.path / DB01).write_bytes(true)
    (repo.path / WEB01).write_text("component: nginx\n")  # a miss
    assert _both_ways(repo, [WEB01, DB01])[0][DB01] == true
    monkeypatch.setattr(source._Disk, "GIVE_UP", 0)
    assert [found[DB01] for found in _both_ways(repo, [WEB01, DB01])] == [other, other]
    assert [found[DB01] for found in _both_ways(repo, [DB01, WEB01])] == [true, true]


@contextlib.contextmanager
def _no_hang(seconds: int = 30) -> Iterator[None]:
    """A step that would wait forever fails instead."""

    def stop(signum: int, frame: object) -> None:
        raise TimeoutError(f"still waiting after {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_a_folder_reached_through_a_link_is_left_to_git(repo: GitRepo) -> None:
    """The working tree's `web` folder a link to a folder holding the true bytes: the
    disk is not read through it."""
    true = (repo.path / WEB01).read_bytes()
    forge_blob(repo.path, "HEAD", WEB01)
    other = (repo.path / WEB01).read_bytes()
    elsewhere = repo.path.parent / "elsewhere"
    (repo.path / "inventory/servers/web").rename(elsewhere)
    (elsewhere / "web01.yaml").write_bytes(true)
    (repo.path / "inventory/servers/web").symlink_to(elsewhere)
    assert _both_ways(repo, [WEB01]) == [{WEB01: other}] * 2


def test_a_committed_path_is_not_trusted_to_stay_in_the_repository(repo: GitRepo) -> None:
    """A tree can name `..` (git only warns): such a path is never opened, even when
    the file it leads to holds the blob's bytes."""
    outside = repo.path.parent / "outside.yaml"
    outside.write_bytes(b"component: nginx\n")
    sha = cache.blob_id(outside.read_bytes())
    disk = source._Disk(repo.path)
    for path in ["inventory/servers/../../../outside.yaml", "inventory/servers/web/..", ""]:
        entry = git.TreeEntry("100644", "blob", sha, outside.stat().st_size, path)
        assert disk.read([path], {path: entry}) == ({}, [path])
    escape = "inventory/servers/web/../../../../outside.yaml"
    assert os.path.exists(repo.path / escape)  # the file it leads to is there
    entry = git.TreeEntry("100644", "blob", sha, outside.stat().st_size, escape)
    assert disk.read([escape], {escape: entry}) == ({}, [escape])


def test_a_sha256_repository_s_blobs_are_read_from_the_disk_too(tmp_path: Path) -> None:
    """Blob ids of 64 digits are SHA-256 of the same header and bytes."""
    work = tmp_path / "sha256"
    work.mkdir()
    subprocess.run(
        ["git", "init", "-q", "--object-format=sha256", "-b", "main", str(work)], check=True
    )
    repo = GitRepo(work, init=False)
    repo.copy_inventory(CASES / "base")
    repo.commit("Initial inventory")
    assert len(repo.git("rev-parse", f"HEAD:{WEB01}")) == 64
    true = (repo.path / WEB01).read_bytes()
    forge_blob(repo.path, "HEAD", WEB01)
    (repo.path / WEB01).write_bytes(true)
    assert _both_ways(repo, [WEB01]) == [{WEB01: true}] * 2


def test_an_object_feed_whose_git_died_says_git_s_words_not_a_broken_pipe(
    repo: GitRepo,
) -> None:
    """Asked for more after git stopped: the requests that can no longer reach it, and
    the close, end in git's own words, never in a broken pipe (which the command line
    would take for its own output closing)."""
    sha = _damaged(repo)
    good = repo.git("rev-parse", "HEAD:inventory/servers/web/extra04.yaml")
    with (
        pytest.raises(GitinvError, match="git cat-file failed: ") as raised,
        gitlog.ObjectFeed(repo.path) as feed,
    ):
        with contextlib.suppress(GitinvError):
            feed.get(sha)  # git stops here
        # More than the pipe and its buffer hold: the write meets the closed pipe.
        feed.want(f"{n:040x}" for n in range(1, 20_000))
        feed.get(good)
    assert "ended before sending" in str(raised.value.__context__)
