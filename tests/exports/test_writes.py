"""Output files: a write that cannot happen is a message, and leaves the old file."""

from __future__ import annotations

from pathlib import Path

from gitinv.files import write_atomic
from tests.conftest import GitRepo, gitinv, tree_state


def test_export_into_a_missing_folder(inv_repo: GitRepo) -> None:
    result = gitinv("-C", str(inv_repo.path), "export", "csv", "-o", "no/such/servers.csv")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr == (
        "gitinv: error: cannot write no/such/servers.csv: No such file or directory; "
        "check that its folder exists and that you may write there\n"
    )


def test_export_onto_a_folder_leaves_it(inv_repo: GitRepo) -> None:
    (inv_repo.path / "out.csv").mkdir()
    result = gitinv("export", "csv", "-o", "out.csv", cwd=inv_repo.path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "'out.csv' is a directory" in result.stderr
    assert (inv_repo.path / "out.csv").is_dir()


def test_export_replaces_a_file_and_keeps_its_mode(inv_repo: GitRepo) -> None:
    out = inv_repo.path / "servers.csv"
    out.write_text("old\n")
    out.chmod(0o640)
    result = gitinv("export", "csv", "-o", "servers.csv", cwd=inv_repo.path)
    assert result.returncode == 0, result.stderr
    assert out.read_bytes().startswith(b"name,group,")
    assert out.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in inv_repo.path.iterdir() if p.name.endswith(".tmp")) == []


def test_codeowners_where_github_is_a_file(inv_repo: GitRepo) -> None:
    inv_repo.write("inventory/settings.yaml", 'admins:\n  - "@acme/admins"\n')
    inv_repo.write(".github", "not a folder\n")
    before = tree_state(inv_repo.path)
    result = gitinv("-C", str(inv_repo.path), "codeowners")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith("gitinv: error: cannot create .github/: ")
    assert tree_state(inv_repo.path) == before


def test_schema_where_schema_is_a_file(inv_repo: GitRepo) -> None:
    inv_repo.write("schema", "not a folder\n")
    result = gitinv("-C", str(inv_repo.path), "schema")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith("gitinv: error: cannot create schema/: ")


def test_write_atomic_new_file_follows_umask(tmp_path: Path) -> None:
    target = tmp_path / "new.txt"
    write_atomic(target, "a\nb\n", newline="\r\n")
    assert target.read_bytes() == b"a\r\nb\r\n"
    assert target.stat().st_mode & 0o777 == 0o666 & ~_umask()


def _umask() -> int:
    import os

    mask = os.umask(0)
    os.umask(mask)
    return mask
