"""`gitinv codeowners` reads groups.yaml and settings.yaml as strictly as validate."""

from __future__ import annotations

import pytest

from tests.conftest import GitRepo, gitinv, tree_state

ADMINS = 'admins:\n  - "@acme/admins"\n'


@pytest.mark.parametrize(
    ("groups", "where"),
    [
        ('web:\n  moderators: ["@acme/web"\n', "inventory/groups.yaml:3:1: yaml-syntax"),
        ('web:\n\tmoderators: ["@acme/web"]\n', "inventory/groups.yaml:2:1: yaml-syntax"),
        ('web:\n  moderators: ["@acme/web"]\nweb:\n  moderators: ["@x"]\n', ":3:1: duplicate-key"),
    ],
    ids=["unclosed-list", "tab", "duplicate-group"],
)
@pytest.mark.parametrize("check", [False, True], ids=["write", "check"])
def test_a_broken_groups_file_writes_nothing(
    inv_repo: GitRepo, groups: str, where: str, check: bool
) -> None:
    inv_repo.write("inventory/settings.yaml", ADMINS)
    inv_repo.write("inventory/groups.yaml", groups)
    before = tree_state(inv_repo.path)
    result = gitinv("-C", str(inv_repo.path), "codeowners", *(["--check"] if check else []))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert where in result.stderr
    assert result.stderr.endswith("fix 1 problem(s) first; nothing written\n")
    assert tree_state(inv_repo.path) == before


def test_without_admins_it_says_where_to_add_them(inv_repo: GitRepo) -> None:
    result = gitinv("-C", str(inv_repo.path), "codeowners")
    assert result.returncode == 1
    assert result.stderr.startswith("gitinv: error: inventory/settings.yaml has no `admins`: add")
    assert not (inv_repo.path / ".github").exists()


def test_broken_server_files_do_not_matter_to_it(inv_repo: GitRepo) -> None:
    inv_repo.write("inventory/settings.yaml", ADMINS)
    inv_repo.write("inventory/servers/web/web01.yaml", "state: no\n")
    result = gitinv("-C", str(inv_repo.path), "codeowners")
    assert result.returncode == 0, result.stderr
    text = (inv_repo.path / ".github/CODEOWNERS").read_text()
    assert "\n* @acme/admins\n" in text and "/inventory/servers/web/ " in text
