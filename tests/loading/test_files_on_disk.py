"""Files a YAML parser never sees: unreadable ones, folders named like files."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from gitinv.source import WorkTree
from tests.conftest import GitRepo, gitinv, tree_state

SERVER = "inventory/servers/web/web01.yaml"


@pytest.fixture
def locked(inv_repo: GitRepo) -> Iterator[GitRepo]:
    """Restores permissions so tmp_path can be cleaned up."""
    yield inv_repo
    for p in [inv_repo.path / "inventory", *(inv_repo.path / "inventory").rglob("*")]:
        p.chmod(0o755 if p.is_dir() else 0o644)


@pytest.mark.parametrize("command", [["validate"], ["export", "json"], ["fmt"]])
def test_unreadable_server_file_is_a_finding(locked: GitRepo, command: list[str]) -> None:
    (locked.path / SERVER).chmod(0)
    result = gitinv("-C", str(locked.path), *command, unprivileged=True)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    out = result.stdout + result.stderr
    assert f"{SERVER}:1:1: bad-file: cannot read the file (Permission denied)" in out
    assert f"chmod a+r {SERVER}" in out


def test_query_warns_about_an_unreadable_file(locked: GitRepo) -> None:
    (locked.path / SERVER).chmod(0)
    result = gitinv("-C", str(locked.path), "query", unprivileged=True)
    assert result.returncode == 0 and "Traceback" not in result.stderr
    assert "1 problem(s)" in result.stderr and "web01" not in result.stdout


def test_unreadable_catalog_and_folder(locked: GitRepo) -> None:
    (locked.path / "inventory/groups.yaml").chmod(0)
    (locked.path / "inventory/servers/data").chmod(0)
    result = gitinv("-C", str(locked.path), "validate", unprivileged=True)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stdout.splitlines()[:2] == [
        "inventory/groups.yaml:1:1: bad-file: cannot read the file (Permission denied); "
        "make it readable (`chmod a+r inventory/groups.yaml`) or remove it",
        "inventory/servers/data:1:1: bad-file: cannot open this folder; "
        "make it readable (`chmod a+rx inventory/servers/data`) or remove it",
    ]


def test_fmt_leaves_every_file_when_one_is_unreadable(locked: GitRepo) -> None:
    path = locked.path / "inventory/servers/data/db01.yaml"
    path.write_text(path.read_text().replace("state: ", "state:   "))
    (locked.path / SERVER).chmod(0)
    result = gitinv("-C", str(locked.path), "fmt", "--check", unprivileged=True)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "db01.yaml:" in result.stdout and "web01.yaml:1:1: bad-file" in result.stdout


def test_fmt_reports_a_file_it_cannot_write(locked: GitRepo) -> None:
    path = locked.path / "inventory/servers/data/db01.yaml"
    path.write_text(path.read_text().replace("state: ", "state:   "))
    before = tree_state(locked.path)
    path.parent.chmod(0o555)  # no new file (the atomic write's temporary) in the folder
    result = gitinv("-C", str(locked.path), "fmt", unprivileged=True)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "db01.yaml:1:1: bad-file: cannot write the file (Permission denied)" in result.stdout
    assert tree_state(locked.path) == before


@pytest.mark.parametrize(
    "folder", ["inventory/servers/web/web09.yaml", "inventory/tags.yaml"], ids=["server", "catalog"]
)
def test_folder_named_like_a_yaml_file(inv_repo: GitRepo, folder: str) -> None:
    target = inv_repo.path / folder
    if target.exists():
        target.unlink()
    target.mkdir()
    result = gitinv("-C", str(inv_repo.path), "validate")
    assert result.returncode == 1
    lines = [line for line in result.stdout.splitlines() if line.startswith(folder)]
    assert lines == [
        f"{folder}:1:1: bad-file: a folder named like a YAML file; servers and catalogs "
        "are files: remove or rename the folder"
    ]


def test_a_symlinked_catalog_is_one_finding_not_also_missing(inv_repo: GitRepo) -> None:
    catalog = inv_repo.path / "inventory/tags.yaml"
    real = inv_repo.path / "tags.yaml"
    catalog.rename(real)
    catalog.symlink_to(real)
    result = gitinv("-C", str(inv_repo.path), "validate")
    assert result.returncode == 1
    assert [line for line in result.stdout.splitlines() if "tags.yaml" in line] == [
        "inventory/tags.yaml:1:1: bad-file: symbolic links are not allowed under inventory/; "
        "replace it with the file itself"
    ]


def test_fmt_of_a_folder_says_it_takes_files(inv_repo: GitRepo) -> None:
    result = gitinv("fmt", "inventory/servers", cwd=inv_repo.path)
    assert result.returncode == 2
    assert "inventory/servers is a folder; fmt takes files" in result.stderr


def test_tree_state_sees_no_git(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x").write_text("x")
    (tmp_path / "a").write_text("a")
    assert tree_state(tmp_path) == {"a": b"a"}


def test_dash_c_a_folder_that_does_not_exist(tmp_path: Path) -> None:
    result = gitinv("-C", str(tmp_path / "nowhere"), "validate")
    assert result.returncode == 2
    assert result.stderr == (
        f"gitinv: error: -C {tmp_path / 'nowhere'}: no such folder; pass the inventory repository\n"
    )


def test_dash_c_the_inventory_folder_itself(inv_repo: GitRepo) -> None:
    result = gitinv("-C", "inventory", "validate", cwd=inv_repo.path)
    assert result.returncode == 2
    assert "-C inventory is the inventory/ folder itself; pass the repository" in result.stderr


def test_diff_of_an_unreadable_changed_file(locked: GitRepo) -> None:
    path = locked.path / SERVER
    path.write_text(path.read_text().replace("state: active", "state: offline"))
    path.chmod(0)
    result = gitinv("-C", str(locked.path), "diff", "main", unprivileged=True)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr == (
        f"gitinv: error: cannot read {SERVER} (Permission denied); make it readable "
        f"(`chmod a+r {SERVER}`), or give HEAD to compare commits\n"
    )


def test_listing_tells_each_kind_of_entry(tmp_path: Path) -> None:
    """A link to a file is a link, not the file it names; a pipe is neither."""
    servers = tmp_path / "inventory" / "servers" / "web"
    servers.mkdir(parents=True)
    (servers / "web01.yaml").write_text("component: nginx\n")
    (servers / "link.yaml").symlink_to(servers / "web01.yaml")
    (servers / "dir.yaml").mkdir()
    os.mkfifo(servers / "pipe.yaml")
    (tmp_path / "inventory" / "groups").symlink_to(servers)
    kinds = {f.path: (f.kind, f.size) for f in WorkTree(tmp_path).files()}
    assert kinds == {
        "inventory/servers/web/web01.yaml": ("file", -1),
        "inventory/servers/web/link.yaml": ("symlink", 0),
        "inventory/servers/web/dir.yaml": ("folder", 0),
        "inventory/servers/web/pipe.yaml": ("other", 0),
        "inventory/groups": ("symlink", 0),
    }
