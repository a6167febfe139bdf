"""GitLab's web addresses: `request --push` and the repository link from the remote."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitinv import remote
from gitinv.commands import request
from tests.conftest import CASES, GitRepo


@pytest.fixture
def pushed_clone(tmp_path: Path) -> GitRepo:
    bare = tmp_path / "remote.git"
    repo = GitRepo(tmp_path / "clone")
    repo.copy_inventory(CASES / "base")
    repo.write(
        "inventory/settings.yaml",
        "forge: gitlab\nrepository: https://gitlab.acme.io/infra/inventory\n"
        'admins: ["@infra/admins"]\n',
    )
    repo.commit("base inventory")
    repo.bare_remote(bare)
    return repo


def test_request_push_prints_gitlabs_new_merge_request_page(
    pushed_clone: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    code = request.run(
        repo=pushed_clone.path,
        action="update",
        target="web01",
        sets=("state=maintenance",),
        comment="Kernel upgrade",
        reviewer="@infra/dc/web.leads",  # a GitLab subgroup: GitLab's rules apply
        push=True,
    )
    assert code == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == (
        "open the merge request: https://gitlab.acme.io/infra/inventory/-/merge_requests/new"
        "?merge_request%5Bsource_branch%5D=request%2Fupdate%2Fweb01"
        "&merge_request%5Btarget_branch%5D=main"
    )


def test_the_repository_link_from_a_ci_checkouts_origin_has_no_token(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "ci")
    repo.git(
        "remote",
        "add",
        "origin",
        "https://gitlab-ci-token:glcbt-s3cr3t@gitlab.acme.io/infra/inventory.git",
    )
    assert remote.repository_url(repo.path, "origin") == "https://gitlab.acme.io/infra/inventory"
    repo.git("remote", "set-url", "origin", "/srv/git/inventory.git")
    assert remote.repository_url(repo.path, "origin") is None
