"""`make bench`'s inventory generator: valid, canonical, with the history it promises."""

from __future__ import annotations

from pathlib import Path

from bench.generate import Live, generate

from gitinv.commands import fmt, validate
from tests.conftest import GitRepo


def _git(repo: Path, *args: str) -> str:
    return GitRepo(repo, init=False).git(*args, strip=False)


def test_a_small_inventory_is_valid_canonical_and_repeatable(tmp_path: Path) -> None:
    repo = generate(tmp_path / "a", servers=300, commits=60)
    assert validate.run(repo=repo, rev=None, fmt="text") == 0
    assert fmt.run(repo=repo, files=[], check=True) == 0
    subjects = _git(repo, "log", "--format=%s").splitlines()
    assert len(subjects) == 61 and subjects[-1] == "Initial inventory"
    kinds = {s.split()[0] for s in subjects[:-1]}
    assert kinds == {"add", "update", "delete"}
    assert subjects[0].endswith("(#60)")
    files = _git(repo, "ls-files", "inventory/servers").split()
    adds = sum(s.startswith("add ") for s in subjects)
    deletes = sum(s.startswith("delete ") for s in subjects)
    assert len(files) == 300 + adds - deletes
    assert any(f.endswith("/srv000050.yaml") for f in _git(repo, "log", "--name-only").split())
    again = generate(tmp_path / "b", servers=300, commits=60)
    assert _git(again, "rev-parse", "HEAD") == _git(repo, "rev-parse", "HEAD")


def test_a_generated_repository_is_reused_while_its_marker_matches(tmp_path: Path) -> None:
    repo = generate(tmp_path / "r", servers=20, commits=3)
    head = _git(repo, "rev-parse", "HEAD")
    (repo / "extra").write_text("kept")
    assert generate(tmp_path / "r", servers=20, commits=3) == repo
    assert (repo / "extra").exists()
    generate(tmp_path / "r", servers=20, commits=4)  # other arguments: made again
    assert not (repo / "extra").exists()
    assert _git(repo, "rev-parse", "HEAD") != head


def test_live_picks_and_removes_in_constant_time() -> None:
    import random

    live = Live()
    for name in ("a", "b", "c"):
        live.add(name, "g")
    live.remove("a")
    assert sorted(live.names) == ["b", "c"]
    assert {live.pick(random.Random(seed))[0] for seed in range(20)} == {"b", "c"}
    live.remove("c")
    live.remove("b")
    assert live.names == [] and live.where == {}
