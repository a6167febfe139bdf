"""The dashboard's links into GitLab (its /-/ paths), in headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gitinv.site import gitdata
from tests.conftest import GitRepo
from tests.site.browserfixtures import serve_site

GITLAB = "https://gitlab.acme.io/infra/inventory"


@pytest.fixture(scope="module")
def gitlab_origin(history_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from gitinv.site.build import build

    repo = GitRepo.clone(history_repo, tmp_path_factory.mktemp("gitlab") / "repo")
    clone = repo.path
    settings = clone / "inventory/settings.yaml"
    settings.write_text(f"forge: gitlab\nrepository: {GITLAB}\nbranch: main\n")
    repo.git("commit", "-qam", "On GitLab")
    out = clone / "_site"
    assert build(clone, "main", out).ok  # the local commit: origin's main is without it
    yield from serve_site(out)


def test_server_page_links_use_gitlabs_paths(page: Any, gitlab_origin: str) -> None:
    page.goto(f"{gitlab_origin}/server.html?name=web01")
    page.wait_for_selector("#history")
    file = "main/inventory/servers/web/web01.yaml"
    assert page.locator("a", has_text="Edit").get_attribute("href") == f"{GITLAB}/-/edit/{file}"
    assert (
        page.locator("a", has_text="View file").get_attribute("href") == f"{GITLAB}/-/blob/{file}"
    )
    hrefs = page.locator("a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert f"{GITLAB}/-/commits/{file}" in hrefs
    assert f"{GITLAB}/-/merge_requests/1" in hrefs
    assert any(h and h.startswith(f"{GITLAB}/-/commit/") for h in hrefs)


def test_a_ci_checkouts_origin_gives_the_link_without_its_token(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path)
    url = "https://gitlab-ci-token:glcbt-s3cr3t@gitlab.acme.io/infra/inventory.git"
    repo.git("remote", "add", "origin", url)
    assert gitdata.origin_url(tmp_path) == GITLAB
    assert gitdata.forge(tmp_path, {}) == "gitlab"
