"""A branch without an inventory/ folder: `report` and `diff` show what it removes.

CI runs `gitinv report BASE HEAD` in a checkout of the pull request: one that deletes
inventory/, or puts a file, a link or a submodule in its place, has no inventory in
its working tree. The report must still come, saying so, or the comment of the
previous push (a ✅) would stay on the pull request as if it were still true.
"""

from __future__ import annotations

import os
import shutil

import pytest

from tests.changes.test_report import as_html, report
from tests.conftest import CASES, GitRepo, gitinv

SERVERS = ("db01", "db02", "web01", "web02")
CATALOG_ENTRIES = 12  # the base inventory's six catalogs


@pytest.fixture
def base(inv_repo: GitRepo) -> str:
    inv_repo.git("checkout", "-q", "-b", "change")
    return inv_repo.git("rev-parse", "HEAD")


def _deletes_all(text: str) -> None:
    """Every server and catalog entry of the base shows deleted in the comparison."""
    for name in SERVERS:
        assert f"### Delete server ` {name} `" in text
    assert text.count("| deleted |") == CATALOG_ENTRIES
    assert f"{len(SERVERS)} deleted, {CATALOG_ENTRIES} catalog change(s)" in text


def test_a_branch_that_deletes_the_inventory(inv_repo: GitRepo, base: str) -> None:
    inv_repo.git("rm", "-rq", "inventory")
    inv_repo.write("README", "x\n")
    head = inv_repo.commit("Delete the inventory")
    assert not (inv_repo.path / "inventory").exists()  # checked out, as in CI

    code, out = report(inv_repo, base, "HEAD")
    text = out.decode()
    assert code == 1
    assert text.startswith(
        f"## ❌ Inventory invalid: no inventory/ folder at `{head[:10]}`; the branch deletes it\n"
    )
    assert f"Compared with `{base[:10]}`: 4 deleted, 12 catalog change(s)" in text
    assert "4 servers and 12 catalog changes, shown below" in text
    assert "the inventory/ folder is deleted" in text
    assert f"git checkout {base[:10]} -- inventory" in text  # what to do
    _deletes_all(text)
    assert "<table>" in as_html(text)  # the tables render

    # The working tree (HEAD's default) and a run without -C, from a subfolder.
    inv_repo.write("docs/x", "x\n")
    result = gitinv("report", "main", cwd=inv_repo.path / "docs")
    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith(
        "## ❌ Inventory invalid: no inventory/ folder at working tree; the branch deletes it"
    )

    result = gitinv("-C", str(inv_repo.path), "diff", base, "HEAD")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{base[:10]} → {head[:10]}: 4 deleted, 12 catalog change(s)")
    for name in SERVERS:
        assert f"- deleted server {name} " in result.stdout
    result = gitinv("diff", base, "HEAD", "--format", "markdown", cwd=inv_repo.path)
    assert result.returncode == 0, result.stderr
    _deletes_all(result.stdout)


def _replace(repo: GitRepo, kind: str) -> None:
    repo.git("rm", "-rq", "inventory")
    if kind == "a file":
        repo.write("inventory", "servers: none\n")
    elif kind == "a symbolic link":
        os.symlink("elsewhere", repo.path / "inventory")
    else:  # a submodule: a gitlink to a commit, checked out as an empty folder
        main = repo.git("rev-parse", "main")
        repo.git("update-index", "--add", "--cacheinfo", f"160000,{main},inventory")
        (repo.path / "inventory").mkdir()
    repo.commit(f"inventory is {kind}")


@pytest.mark.parametrize("kind", ["a file", "a symbolic link", "a submodule"])
def test_a_branch_that_puts_something_else_in_its_place(
    inv_repo: GitRepo, base: str, kind: str
) -> None:
    _replace(inv_repo, kind)
    code, out = report(inv_repo, base, "HEAD")
    text = out.decode()
    assert code == 1
    head = inv_repo.git("rev-parse", "HEAD")[:10]
    assert text.startswith(
        f"## ❌ Inventory invalid: no inventory/ folder at `{head}`; inventory is {kind}\n"
    )
    assert f"inventory is {kind}, not the inventory/ folder" in text
    assert f"git checkout {base[:10]} -- inventory" in text
    assert "1 file in place of the inventory/ folder" in text
    # Its row says what it is not, rather than calling it a stray file in inventory/.
    assert (
        "| ` inventory ` | named inventory, but not the inventory/ folder: not read as inventory |"
        in text
    )
    assert "catalog components.yaml is missing" not in text
    _deletes_all(text)

    result = gitinv("-C", str(inv_repo.path), "diff", base)  # HEAD: the working tree
    assert result.returncode == 0, result.stderr
    assert "4 deleted, 12 catalog change(s), 1 file in place of the inventory/ folder" in (
        result.stdout
    )


def test_the_inventory_restored_as_the_report_says(inv_repo: GitRepo, base: str) -> None:
    _replace(inv_repo, "a file")
    inv_repo.git("checkout", base[:10], "--", "inventory")
    inv_repo.commit("Restore the inventory")
    code, out = report(inv_repo, base, "HEAD")
    assert code == 0
    assert out.decode().startswith("## ✅ Inventory valid\n")


def test_neither_revision_has_an_inventory(git_repo: GitRepo) -> None:
    """The clear error of a repository without an inventory stays (exit 2)."""
    git_repo.write("README", "x\n")
    git_repo.commit("no inventory")
    for args in (["report", "HEAD", "HEAD"], ["diff", "HEAD"], ["report"]):
        result = gitinv("-C", str(git_repo.path), *args)
        assert result.returncode == 2
        assert "no inventory/ folder in" in result.stderr and "Traceback" not in result.stderr
        result = gitinv(*args, cwd=git_repo.path)
        assert result.returncode == 2
        assert "no inventory found" in result.stderr and "Traceback" not in result.stderr


def test_neither_compared_revision_has_an_inventory(git_repo: GitRepo) -> None:
    """From a checkout that has one, comparing two revisions that have none is an error."""
    git_repo.write("README", "x\n")
    git_repo.commit("no inventory")
    git_repo.git("tag", "empty")
    shutil.copytree(CASES / "base" / "inventory", git_repo.path / "inventory")
    git_repo.commit("base inventory")
    result = gitinv("-C", str(git_repo.path), "report", "empty", "empty")
    assert result.returncode == 2
    assert "neither empty nor empty has an inventory/ folder" in result.stderr
