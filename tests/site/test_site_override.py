"""The dashboard ships in the package; a repository's site/ replaces files of the same name."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from gitinv.errors import GitinvError
from gitinv.site import gitdata, pages
from gitinv.site.build import build

SHIPPED = pages.SHIPPED


def test_the_package_holds_the_whole_dashboard() -> None:
    for page in pages.PAGES:
        assert (SHIPPED / "templates" / page).is_file(), page
    vendor = SHIPPED / "static" / "vendor"
    for name in (
        "ag-grid-community/ag-grid-community.min.js",
        "ag-grid-community/LICENSE.txt",
        "chart.js/chart.umd.min.js",
        "chart.js/LICENSE.md",
    ):
        assert (vendor / name).is_file(), name


def test_a_repository_without_site_builds(history_repo: Path, tmp_path: Path) -> None:
    assert not (history_repo / "site").exists()
    out = tmp_path / "out"
    build(history_repo, "main", out)
    assert (out / "index.html").is_file()
    assert (out / "static/css/site.css").read_bytes() == (
        SHIPPED / "static/css/site.css"
    ).read_bytes()


@pytest.fixture
def restyled(history_repo: Path, tmp_path: Path) -> Path:
    repo = tmp_path / "restyled"
    shutil.copytree(history_repo, repo)
    (repo / "site/static/css").mkdir(parents=True)
    (repo / "site/static/css/site.css").write_text("body { color: rebeccapurple; }\n")
    (repo / "site/static/logo.svg").write_text("<svg/>\n")
    (repo / "site/templates").mkdir()
    (repo / "site/templates/catalogs.html").write_text(
        '{% extends "base.html" %}{% block main %}<p id="ours">Our catalogs</p>{% endblock %}\n'
    )
    return repo


def test_site_files_replace_the_shipped_ones_by_name(restyled: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(restyled, "main", out)
    assert (out / "static/css/site.css").read_text() == "body { color: rebeccapurple; }\n"
    assert (out / "static/logo.svg").is_file()  # added
    assert (out / "static/js/servers.js").read_bytes() == (
        SHIPPED / "static/js/servers.js"
    ).read_bytes()  # not overridden: the shipped one
    catalogs = (out / "catalogs.html").read_text()
    assert '<p id="ours">Our catalogs</p>' in catalogs
    assert "static/css/site.css" in catalogs  # the shipped base.html around it
    assert "Our catalogs" not in (out / "index.html").read_text()


def test_a_symbolic_link_in_site_is_refused(restyled: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the site\n")
    os.symlink(secret, restyled / "site/static/leak.txt")
    with pytest.raises(GitinvError, match=r"site/static/leak\.txt is a symbolic link"):
        build(restyled, "main", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_symbolic_link_as_a_template_is_refused(restyled: Path, tmp_path: Path) -> None:
    os.symlink(SHIPPED / "templates/index.html", restyled / "site/templates/index.html")
    with pytest.raises(GitinvError, match=r"site/templates/index\.html is a symbolic link"):
        build(restyled, "main", tmp_path / "out")


def test_a_linked_folder_of_templates_is_refused(restyled: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "partials"
    elsewhere.mkdir()
    (elsewhere / "nav.html").write_text("secret\n")
    os.symlink(elsewhere, restyled / "site/templates/partials")
    (restyled / "site/templates/catalogs.html").write_text('{% include "partials/nav.html" %}\n')
    with pytest.raises(GitinvError, match=r"site/templates/partials is a symbolic link"):
        build(restyled, "main", tmp_path / "out")


def test_site_itself_as_a_link_is_refused(history_repo: Path, tmp_path: Path) -> None:
    repo = tmp_path / "linked"
    shutil.copytree(history_repo, repo)
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "templates").mkdir(parents=True)
    os.symlink(elsewhere, repo / "site")
    with pytest.raises(GitinvError, match="site is a symbolic link"):
        build(repo, "main", tmp_path / "out")


def test_a_broken_template_names_its_file_and_line(restyled: Path, tmp_path: Path) -> None:
    (restyled / "site/templates/catalogs.html").write_text("line one\n{% if %}\n")
    with pytest.raises(GitinvError, match=r"^site/templates/catalogs\.html:2: "):
        build(restyled, "main", tmp_path / "out")
    (restyled / "site/templates/catalogs.html").write_text('{% include "nowhere.html" %}\n')
    with pytest.raises(GitinvError, match=r"nowhere\.html \(needed by catalogs\.html\)"):
        build(restyled, "main", tmp_path / "out")
    (restyled / "site/templates/catalogs.html").write_text("{{ no_such_name.x }}\n")
    with pytest.raises(GitinvError, match=r"catalogs\.html: the dashboard template fails"):
        build(restyled, "main", tmp_path / "out")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://gitlab-ci-token:s3cret@gitlab.example.com/ops/inv.git",
            "https://gitlab.example.com/ops/inv",
        ),
        ("https://x-access-token@github.com/acme/inv", "https://github.com/acme/inv"),
        ("git@github.com:acme/inv.git", "https://github.com/acme/inv"),
        ("https://github.com/acme/inv.git", "https://github.com/acme/inv"),
    ],
)
def test_origin_url_never_carries_credentials(tmp_path: Path, url: str, expected: str) -> None:
    from tests.conftest import GitRepo

    GitRepo(tmp_path).git("remote", "add", "origin", url)
    assert gitdata.origin_url(tmp_path) == expected
