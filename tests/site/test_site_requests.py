"""The site's requests: api/v1/requests.json and the Requests page with a code-host token,
the page saying how to enable it without one, and the notice on a server's page."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from gitinv.commands import pending
from gitinv.errors import GitinvError
from gitinv.site.build import build
from tests.conftest import server
from tests.forge.conftest import JOB_TOKEN, TOKEN
from tests.forge.fakehost import FakeHost
from tests.forge.hub import DB01, DC, WEB01, Hub
from tests.site.browserfixtures import serve_site
from tests.site.sitefixtures import tree_digest

XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def github() -> Iterator[FakeHost]:
    yield from FakeHost("github", TOKEN).serve()


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory, github: FakeHost) -> Hub:
    hub = Hub(tmp_path_factory.mktemp("requests"), github)
    web01 = hub.text(WEB01)
    hub.request(
        12,
        "Update web01: state",
        {WEB01: web01.replace("state: active", "state: maintenance")},
        author="ada",
        created=3,
    )
    github.add_review(12, "bob", "APPROVED")
    hub.request(
        13,
        f"Take web01 offline {XSS}",
        {WEB01: web01.replace("state: active", "state: offline")},
        author="eve",
        created=0.2,
        labels=("on-hold",),
    )
    hub.request(
        14,
        "New web",
        {"inventory/servers/web/web09.yaml": server("10.0.0.9", dc=DC)},
        author="carol",
        fork=True,
        branch="patch-1",
        created=40,
    )
    hub.request(15, "Retire db01", {DB01: None}, author="dave", created=1)
    github.add_review(15, "bob", "CHANGES_REQUESTED")
    return hub


def build_with(hub: Hub, out: Path, env: dict[str, str]) -> None:
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        assert build(hub.path, None, out).ok


@pytest.fixture(scope="module")
def site(hub: Hub, github: FakeHost, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("with-token") / "_site"
    build_with(hub, out, github.env())
    return out


@pytest.fixture(scope="module")
def plain_site(hub: Hub, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("without-token") / "_site"
    build_with(hub, out, {})
    return out


def load(site: Path, name: str) -> Any:
    return json.loads((site / "api/v1" / name).read_text(encoding="utf-8"))


def test_requests_json_is_the_pending_document(
    site: Path, hub: Hub, github: FakeHost, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = load(site, "requests.json")
    assert doc["source"] == "github" and doc["main"] == hub.main()
    assert [r["number"] for r in doc["requests"]] == [12, 13, 14, 15]
    assert [r["status"] for r in doc["requests"]] == [
        "approved",
        "on-hold",
        "pending",
        "changes-requested",
    ]
    with pytest.MonkeyPatch.context() as mp:
        for key, value in github.env().items():
            mp.setenv(key, value)
        capsys.readouterr()
        assert pending.run(repo=hub.path, fmt="json") == 1  # #12 and #13 clash on web01
    assert json.loads(capsys.readouterr().out) == doc
    assert TOKEN not in (site / "api/v1/requests.json").read_text()


def test_openapi_describes_requests_json(site: Path) -> None:
    doc = load(site, "openapi.json")
    validate(doc)
    schema = doc["paths"]["/requests.json"]["get"]["responses"]["200"]["content"]
    validator = Draft202012Validator(
        {"components": doc["components"], "allOf": [schema["application/json"]["schema"]]}
    )
    assert list(validator.iter_errors(load(site, "requests.json"))) == []


def test_same_revision_and_answers_give_the_same_bytes(
    site: Path, hub: Hub, github: FakeHost, tmp_path: Path
) -> None:
    again = tmp_path / "again"
    build_with(hub, again, github.env())
    assert tree_digest(again) == tree_digest(site)


def test_without_a_token_there_is_no_requests_json(plain_site: Path) -> None:
    assert not (plain_site / "api/v1/requests.json").exists()
    assert "/requests.json" not in load(plain_site, "openapi.json")["paths"]
    page_html = (plain_site / "requests.html").read_text()
    assert "built without a code-host token" in page_html
    assert "pull-requests: read" in page_html and "${{ github.token }}" in page_html
    assert 'data-requests="1"' not in (plain_site / "server.html").read_text()


def test_a_failing_host_leaves_the_previous_site(
    site: Path, hub: Hub, github: FakeHost, tmp_path: Path
) -> None:
    out = tmp_path / "_site"
    build_with(hub, out, github.env())
    before = tree_digest(out)
    github.fail(r"/pulls$", 401, body={"message": "Bad credentials"})
    with pytest.MonkeyPatch.context() as mp:
        for key, value in github.env().items():
            mp.setenv(key, value)
        with pytest.raises(GitinvError, match="GitHub refused the token in GITINV_TOKEN"):
            build(hub.path, None, out)
    assert tree_digest(out) == before


def test_gitlabs_job_token_refused_builds_without_requests(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every GitLab job has CI_JOB_TOKEN; where GitLab refuses it the merge requests, the
    pages job still publishes (an explicit token refused stops the build, as above)."""
    for gitlab in FakeHost("gitlab", TOKEN, job_token=JOB_TOKEN).serve():
        hub = Hub(tmp_path, gitlab)
        hub.request(1, "web01 off", {WEB01: hub.text(WEB01).replace("active", "offline")})
        gitlab.fail(r"/merge_requests$", 403, body={"message": "403 Forbidden"})
        out = tmp_path / "public"
        build_with(hub, out, {"GITINV_API_URL": gitlab.api, "CI_JOB_TOKEN": JOB_TOKEN})
        assert not (out / "api/v1/requests.json").exists()
        err = capsys.readouterr().err
        assert (
            "GitLab refused GET" in err and "set GITINV_TOKEN to a token with the read_api" in err
        )
        assert JOB_TOKEN not in err
        # The job token allowed: the page lists them.
        build_with(hub, out, {"GITINV_API_URL": gitlab.api, "CI_JOB_TOKEN": JOB_TOKEN})
        assert [r["number"] for r in load(out, "requests.json")["requests"]] == [1]


# --- in the browser ------------------------------------------------------------------


@pytest.fixture(scope="module")
def origin(site: Path) -> Iterator[str]:
    yield from serve_site(site)


@pytest.fixture(scope="module")
def plain_origin(plain_site: Path) -> Iterator[str]:
    yield from serve_site(plain_site)


def test_requests_page_lists_each_request(page: Any, origin: str) -> None:
    page.goto(f"{origin}/requests.html")
    page.wait_for_selector("#request-12")
    assert page.locator("#count").text_content() == "4 of 4 open requests"
    first = page.locator("#request-12")
    assert first.locator(".badge.status-approved").text_content() == "approved"
    assert first.locator(".request-title").text_content() == "Update web01: state"
    assert "by ada" in first.locator(".request-meta").text_content()
    assert first.locator("time").text_content() == "3 days ago"
    assert first.locator("a", has_text="#12").get_attribute("href") == (
        "https://github.com/acme/inventory/pull/12"
    )
    assert first.locator("a", has_text="Comparison").get_attribute("href") == (
        "https://github.com/acme/inventory/pull/12/files"
    )
    assert first.locator("a[href='server.html?name=web01']").count() == 1
    assert "state: active → maintenance" in first.locator("tr[data-server=web01]").text_content()
    assert "Clashes with #13: both change server web01" in first.text_content()
    # A title is text, never markup.
    assert page.locator("#request-13 .request-title").text_content().endswith(XSS)
    assert page.locator("#request-13 img").count() == 0
    # An added server has no page yet; a fork's request says so.
    fork = page.locator("#request-14")
    assert fork.locator("tr[data-server=web09] a").count() == 0
    assert "(from a fork)" in fork.text_content()
    assert "40 days ago" in fork.text_content()
    # The status buttons filter the list.
    page.click("button[data-status=changes-requested]")
    assert page.locator("#count").text_content() == "1 of 4 open requests"
    assert page.locator("#request-15").is_visible() and not page.locator("#request-12").is_visible()
    assert page.locator("nav a[aria-current=page]").text_content() == "Requests"


def test_server_page_says_a_request_is_open(page: Any, origin: str) -> None:
    page.goto(f"{origin}/server.html?name=web01")
    page.wait_for_selector("#open-requests")
    notes = page.locator("#open-requests p").all_text_contents()
    assert notes[0].startswith("A request is open for this server: #12 Update web01: state")
    assert "(updates it; approved, by ada)" in notes[0]
    assert page.locator("#open-requests a").first.get_attribute("href") == (
        "https://github.com/acme/inventory/pull/12"
    )
    page.goto(f"{origin}/server.html?name=web02")
    page.wait_for_selector("#history")
    assert page.locator("#open-requests").count() == 0


def test_without_a_token_the_page_says_how_to_enable_it(page: Any, plain_origin: str) -> None:
    page.goto(f"{plain_origin}/requests.html")
    assert page.locator("#requests-off h2").is_visible()
    assert "GITINV_TOKEN" in page.locator("#requests-off").text_content()
    page.goto(f"{plain_origin}/server.html?name=web01")
    page.wait_for_selector("#history")
    assert page.locator("#open-requests").count() == 0
