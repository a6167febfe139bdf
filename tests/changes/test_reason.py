"""Each change's reason (the pull request's title) in `history` and `audit`, from the
commit messages GitHub and GitLab write when they merge."""

from __future__ import annotations

import json

import pytest

from gitinv.history import read_message
from tests.conftest import GitRepo, gitinv

WEB01 = "inventory/servers/web/web01.yaml"
WEB02 = "inventory/servers/web/web02.yaml"
DB01 = "inventory/servers/data/db01.yaml"


@pytest.mark.parametrize(
    ("message", "merged", "expected"),
    [
        # GitHub's merge button: the title in the body ("default message")...
        ("Merge pull request #14 from acme/request/x\n\nRetire web01\n", "", (14, "Retire web01")),
        # ...or the title and the description, when the repository is set so
        (
            "Merge pull request #14 from acme/x\n\nRetire web01\n\nIt is end of life.\n",
            "",
            (14, "Retire web01"),
        ),
        # a merge commit with no title: the merged branch's last subject
        (
            "Merge pull request #15 from acme/x",
            "Update server web01: state",
            (15, "Update server web01: state"),
        ),
        # GitLab's merge commit, with the closing line of an issue
        (
            "Merge branch 'request/x' into 'main'\n\nRetire web01\n\nCloses #3\n\n"
            "See merge request acme/inventory!27\n",
            "",
            (27, "Retire web01"),
        ),
        # GitLab, a merge request from a fork
        (
            "Merge branch 'patch-1' of https://gitlab.example.com/ana/inventory into 'main'\n\n"
            "Fix a typo\n\nSee merge request infra/team/inventory!8",
            "",
            (8, "Fix a typo"),
        ),
        # GitHub's squash: the title and the number in the subject, the commits below
        ("Retire web01 (#16)\n\n* Retire web01\n\n* fix\n", "", (16, "Retire web01")),
        # a direct commit: its subject, whatever the body says
        ("Add the backup tag\n\nRequested by the DBAs.\n", "", (None, "Add the backup tag")),
        # any other merge commit: its own subject
        ("Merge main: the core\n", "Something else", (None, "Merge main: the core")),
    ],
)
def test_read_message(message: str, merged: str, expected: tuple[int | None, str]) -> None:
    assert read_message(message, merged) == expected


def _merge(repo: GitRepo, branch: str, message: str, who: str) -> None:
    name, _, email = who.partition(" <")
    env = {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email.rstrip(">")}
    env |= {"GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email.rstrip(">")}
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-ff", branch, "-m", message, env=env)


def _branch(repo: GitRepo, branch: str, rel: str, text: str | None, subject: str) -> None:
    repo.git("checkout", "-q", "-b", branch, "main")
    if text is None:
        repo.remove(rel)
    else:
        repo.write(rel, text)
    repo.commit(subject, author="Rita Requester <rita@example.com>")


@pytest.fixture
def forge_history(inv_repo: GitRepo) -> GitRepo:
    """main with one change of each kind: GitHub merge, GitLab merge, squash, direct."""
    repo = inv_repo
    web01 = (repo.path / WEB01).read_text()
    _branch(repo, "request/update/web01", WEB01, web01.replace("active", "maintenance"), "wip")
    _merge(
        repo,
        "request/update/web01",
        "Merge pull request #14 from acme/request/update/web01\n\n"
        "Kernel update on web01 @acme/web-leads",
        "Mo Moderator <mo@example.com>",
    )
    _branch(repo, "retire-db01", DB01, None, "Delete server db01")
    _merge(
        repo,
        "retire-db01",
        "Merge branch 'retire-db01' into 'main'\n\nRetire db01: hardware returned\n\n"
        "See merge request acme/inventory!27",
        "Gil Lab <gil@example.com>",
    )
    repo.write(WEB02, (repo.path / WEB02).read_text() + "description: Second frontend\n")
    repo.commit("Describe web02 (#31)\n\n* Describe web02\n\n* typo", author="Sam Squash <s@x>")
    repo.write(WEB01, web01)
    repo.commit("web01 is back", author="Dee Direct <d@x>")
    return repo


def test_history_and_audit_give_the_reason(forge_history: GitRepo) -> None:
    path = str(forge_history.path)
    done = gitinv("-C", path, "history", "web01", "--format", "json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)["results"]
    assert [(r["reason"], r["pull_request"], r["author"], r["merged_by"]) for r in rows] == [
        ("web01 is back", None, "Dee Direct", None),
        ("Kernel update on web01 @acme/web-leads", 14, "Rita Requester", "Mo Moderator"),
        ("base inventory", None, "Ada Requester", None),
    ]
    # subject stays what git says; reason is the title
    assert rows[1]["subject"] == "Merge pull request #14 from acme/request/update/web01"

    done = gitinv("-C", path, "audit", "--format", "json")
    audit = {(r["name"], r["action"]): r for r in json.loads(done.stdout)["results"]}
    gitlab = audit[("db01", "deleted")]
    assert (gitlab["reason"], gitlab["pull_request"], gitlab["merged_by"]) == (
        "Retire db01: hardware returned",
        27,
        "Gil Lab",
    )
    squash = audit[("web02", "updated")]
    assert (squash["reason"], squash["pull_request"]) == ("Describe web02", 31)


def test_text_and_markdown_show_the_reason(forge_history: GitRepo) -> None:
    path = str(forge_history.path)
    text = gitinv("-C", path, "history", "db01").stdout.splitlines()
    assert text[0].endswith(
        " #27 Rita Requester, merged by Gil Lab: deleted — Retire db01: hardware returned"
    )
    text = gitinv("-C", path, "audit").stdout
    assert ": updated server web02 — Describe web02\n" in text
    table = gitinv("-C", path, "audit", "--format", "markdown").stdout.splitlines()
    assert table[0].startswith("| date | commit | PR | reason | author |")
    row = next(line for line in table if "#14" in line).split(" | ")
    assert row[3].startswith("Kernel update on web01 ")  # a cell of its own
