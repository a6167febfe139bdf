"""A branch is input too: a hostile file pushed by anyone who can push must not stop
`pending` or `request` for everyone, nor make `diff` hide a change. Each test pushes
the file to the bare remote and runs the real command line as another user would."""

from __future__ import annotations

import html.parser
import re
import subprocess
import sys

import cmarkgfm
import pytest
from cmarkgfm.cmark import Options

from gitinv import lock, request_submit
from gitinv.changes import parse
from gitinv.commands import request
from gitinv.errors import GitinvError
from tests.conftest import Measured, run_measured, server

from .conftest import Clone, Hub

WEB02 = "inventory/servers/platform/web02.yaml"
# Nine levels of nine aliases: 9**9 (387 million) strings once expanded, in 0.5 KB.
BOMB = "lol: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"l{i}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8)
)
DEEP_LIST = "description: " + "[" * 500 + "]" * 500 + "\n"
DEEP_MAPPING = "description: " + "{a: " * 989 + "b" + "}" * 989 + "\n"


def _push(clone: Clone, branch: str, files: dict[str, bytes | None], message: str) -> str:
    """`files` committed on a new branch from origin/main and pushed: its commit id."""
    clone.git("fetch", "-q", "origin")
    clone.git("checkout", "-q", "-B", branch, "origin/main")
    for rel, data in files.items():
        target = clone.path / rel
        if data is None:
            target.unlink()
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    sha = clone.commit_all(message)
    clone.git("push", "-q", "origin", branch)
    clone.git("checkout", "-q", "main")
    return sha


def _to_main(hub: Hub, files: dict[str, bytes | None], message: str) -> str:
    """`files` committed straight onto main (an admin's push): the commit id."""
    mod = hub.moderator
    sha = _push(mod, "direct", files, message)
    mod.git("push", "-q", "origin", "direct:main")
    mod.git("push", "-q", "origin", "--delete", "direct")
    mod.git("fetch", "-q", "origin")
    mod.git("reset", "-q", "--hard", "origin/main")
    return sha


def _cheap(result: Measured) -> None:
    """The bound the moderator's tools must keep whatever a branch holds (CPU time and
    memory: a wall-clock bound would only measure how busy the machine is)."""
    assert "Traceback" not in result.stderr, result.stderr
    assert result.cpu_seconds < 2.0, result
    assert result.max_rss_mb < 200, result
    assert result.wall_seconds < 60, result


def _request_db01(clone: Clone) -> Measured:
    return run_measured(
        "request", "update", "db01", "--set", "state=maintenance", "--comment", "Disk swap",
        cwd=clone.path,
    )  # fmt: skip


def test_the_bomb_is_small_and_refused_before_it_grows() -> None:
    assert len(BOMB) < 500 and BOMB.count("*") == 8 * 9
    found = parse(BOMB.encode())
    assert not isinstance(found, dict)
    assert found.problem == (
        "1:6 yaml-feature: anchor `&a` is not allowed; remove it (and 80 more problem(s))"
    )


def test_an_alias_bomb_on_a_branch_stops_nobody(hub: Hub) -> None:
    tip = _push(hub.requester, "tidy-web02", {WEB02: BOMB.encode()}, "Tidy web02")
    mod = hub.moderator

    queue = run_measured("pending", cwd=mod.path)
    _cheap(queue)
    assert queue.returncode == 1  # the branch is invalid, and the queue says so
    assert f"tidy-web02 ({tip[:10]}): 1 updated, 1 unreadable; invalid" in queue.stdout
    assert (
        f"    updated server web02 (platform): new version unreadable in commit {tip[:10]}: "
        "1:6 yaml-feature: anchor `&a` is not allowed"
    ) in queue.stdout

    compared = run_measured("diff", "origin/main", "origin/tidy-web02", "--format", "markdown",
                            cwd=mod.path)  # fmt: skip
    _cheap(compared)
    assert compared.returncode == 0 and len(compared.stdout) < 5000
    assert f"> new version unreadable in commit {tip[:10]}: 1:6 yaml-feature: " in compared.stdout

    made = _request_db01(mod)  # another user's request is not blocked
    _cheap(made)
    assert made.returncode == 0 and "created branch request/update/db01" in made.stdout


@pytest.mark.parametrize("deep", [DEEP_LIST, DEEP_MAPPING], ids=["list", "mapping"])
def test_deep_nesting_on_a_branch_stops_nobody(hub: Hub, deep: str) -> None:
    text = server("10.1.0.2") + deep
    tip = _push(hub.requester, "deep", {WEB02: text.encode()}, "Describe web02")
    mod = hub.moderator
    queue = run_measured("pending", cwd=mod.path)
    _cheap(queue)
    assert queue.returncode == 1
    assert f"new version unreadable in commit {tip[:10]}: " in queue.stdout
    assert "bad-file: nested more than 20 levels deep" in queue.stdout
    compared = run_measured("diff", "origin/main", "origin/deep", cwd=mod.path)
    _cheap(compared)
    assert "nested more than 20 levels deep" in compared.stdout
    made = _request_db01(mod)
    _cheap(made)
    assert made.returncode == 0, made.stderr


def test_a_change_behind_control_characters_is_not_hidden(hub: Hub) -> None:
    """Both versions hold a raw control character: the change of ip, dc and state is
    still shown (as unreadable on both sides), never as "no changes"."""
    hidden = b"description: a\x00b\x1b]0;PWNED\x07\n"
    before = server("10.1.0.2").encode() + hidden
    base = _to_main(hub, {WEB02: before}, "Describe web02")
    after = server("10.2.0.2", state="offline").replace("fra1", "ams1").encode() + hidden
    tip = _push(hub.requester, "move-web02", {WEB02: after}, "Small fix")
    mod = hub.moderator
    mod.git("fetch", "-q", "origin")
    for fmt in ("text", "markdown"):
        shown = run_measured("diff", "origin/main", "origin/move-web02", "--format", fmt,
                             cwd=mod.path)  # fmt: skip
        assert shown.returncode == 0 and "Traceback" not in shown.stderr
        assert "no changes" not in shown.stdout
        assert f"old version unreadable in commit {base[:10]}: 7:15 bad-file: control " in (
            shown.stdout
        )
        assert f"new version unreadable in commit {tip[:10]}: 7:15 bad-file: control" in (
            shown.stdout
        )
        assert "\x1b" not in shown.stdout and "\x07" not in shown.stdout
    queue = run_measured("pending", cwd=mod.path)
    assert queue.returncode == 1 and "1 updated, 1 unreadable" in queue.stdout

    hub.merge("move-web02")
    mod.git("pull", "-q", "origin", "main")
    log = run_measured("history", "web02", cwd=mod.path)
    assert log.returncode == 0, log.stderr
    assert f"old version unreadable in commit {base[:10]}" in log.stdout
    assert "\x1b" not in log.stdout
    audit = run_measured("audit", cwd=mod.path)
    assert audit.stdout.count("updated server web02") == 2  # the merge and the direct push


def test_a_stale_request_branch_checked_out_is_never_moved(hub: Hub) -> None:
    req = hub.requester
    first = run_measured("request", "update", "web01", "--set", "state=offline", "--comment", "a",
                         "--push", cwd=req.path)  # fmt: skip
    assert first.returncode == 0, first.stderr
    hub.merge("request/update/web01")
    req.git("fetch", "-q", "origin")
    req.git("checkout", "-q", "request/update/web01")
    head = req.git("rev-parse", "HEAD")
    again = run_measured("request", "update", "web01", "--set", "state=active", "--comment", "b",
                         cwd=req.path)  # fmt: skip
    assert again.returncode == 1
    assert again.stderr == (
        "gitinv: request refused: branch request/update/web01 is checked out here; switch to "
        "another branch (`git switch main`) and run the request again: it never moves your "
        "branch\n"
    )
    assert req.git("rev-parse", "HEAD") == head
    assert req.git("symbolic-ref", "HEAD") == "refs/heads/request/update/web01"
    assert req.git("status", "--porcelain") == ""


def _start(clone: Clone, name: str, ip: str) -> subprocess.Popen[str]:
    args = ["request", "add", name, "--group", "platform", "--set", "component=nginx",
            "--set", f"ip={ip}", "--set", "dc=fra1", "--set", "environment=production",
            "--set", "state=planned", "--comment", "Capacity"]  # fmt: skip
    return subprocess.Popen(
        [sys.executable, "-m", "gitinv", *args],
        cwd=clone.path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize(
    ("first", "second", "refusal"),
    [
        (("web09", "10.1.0.99"), ("web10", "10.1.0.99"), "an open request already touches IP "),
        (("web09", "10.1.0.99"), ("web09", "10.1.0.99"), "local branch request/add/web09 holds"),
    ],
    ids=["same-ip", "same-branch"],
)
def test_requests_run_at_once_take_turns(
    hub: Hub, first: tuple[str, str], second: tuple[str, str], refusal: str
) -> None:
    runs = [_start(hub.requester, *first), _start(hub.requester, *second)]
    results = [(p.wait(timeout=120), *p.communicate()) for p in runs]
    codes = sorted(code for code, _, _ in results)
    assert codes == [0, 1], results
    (_, _, refused) = next(r for r in results if r[0] == 1)
    assert refused.splitlines()[-1].startswith(f"gitinv: request refused: {refusal}"), refused
    assert "fatal:" not in refused and "failed:" not in refused and "Traceback" not in refused
    branches = hub.requester.git("for-each-ref", "--format=%(refname)", "refs/heads/request")
    assert len(branches.split()) == 1


def test_a_request_waits_for_the_one_running(hub: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
    req = hub.requester
    with lock.exclusive(req.path / ".git" / "gitinv-request.lock", busy="", wait=0):
        waiting = _start(req, "web09", "10.1.0.99")
        assert waiting.stderr is not None
        line = waiting.stderr.readline()
        assert line == (
            "gitinv: another `gitinv request` is running in this repository; waiting...\n"
        )
        assert waiting.poll() is None
        monkeypatch.setattr(request_submit, "WAIT_SECONDS", 0.2)
        with pytest.raises(GitinvError, match="has been running in this repository for over 0 s"):
            request.run(repo=req.path, action="delete", target="web02", comment="Gone")
    out, err = waiting.communicate(timeout=120)
    assert waiting.returncode == 0, err
    assert "created branch request/add/web09" in out
    assert req.git("branch", "--list", "request/delete/web02") == ""


@pytest.mark.parametrize("char", ["\u2028", "\u2029", "\x85", "\x7f", "\x9b"])
def test_a_set_value_keeps_every_character(hub: Hub, char: str) -> None:
    req = hub.requester
    value = f"a{char}b"
    made = run_measured("request", "update", "web02", "--set", f"description={value}",
                        "--comment", "Say more", cwd=req.path)  # fmt: skip
    assert made.returncode == 0, made.stderr
    raw = req.git("show", f"request/update/web02:{WEB02}")
    assert f'description: "a\\u{ord(char):04x}b"' in raw  # written as an escape, never raw
    data = subprocess.run(
        ["git", "show", f"request/update/web02:{WEB02}"],
        cwd=req.path,
        capture_output=True,
        check=True,
    ).stdout
    found = parse(data)
    assert isinstance(found, dict) and found["description"] == value
    check = run_measured("validate", "--rev", "request/update/web02", cwd=req.path)
    assert check.returncode == 0, check.stdout


class _TextNodes(html.parser.HTMLParser):
    """Each text node of a page outside <code>: where GitHub links @mentions and #N."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.nodes: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.depth += tag in ("code", "pre")

    def handle_endtag(self, tag: str) -> None:
        self.depth -= tag in ("code", "pre")

    def handle_data(self, data: str) -> None:
        if not self.depth:
            self.nodes.append(data)


def _live(markdown: str) -> list[str]:
    """The text nodes GitHub would look for mentions and references in."""
    page = cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE)
    parser = _TextNodes()
    parser.feed(page)
    return [node for node in parser.nodes if re.search(r"@[\w-]|#\d|!\d", node)]


def _markdown_of(hub: Hub, branch: str, web02: str) -> Measured:
    """web02 pushed on `branch` as the requester wrote it, and the moderator's `diff
    --format markdown` of it."""
    _push(hub.requester, branch, {WEB02: web02.encode()}, "Describe web02")
    mod = hub.moderator
    mod.git("fetch", "-q", "origin")
    return run_measured("diff", "origin/main", f"origin/{branch}", "--format", "markdown",
                        cwd=mod.path)  # fmt: skip


def test_markdown_mentions_and_references_in_values_stay_text(hub: Hub) -> None:
    value = "ping @acme/everyone about #1 and !2"
    shown = _markdown_of(hub, "ping", server("10.1.0.2") + f"description: '{value}'\n")
    mod = hub.moderator
    assert shown.returncode == 0
    assert f"` {value} `" in shown.stdout and _live(shown.stdout) == []
    number = hub.merge("ping")
    mod.git("pull", "-q", "origin", "main")
    log = run_measured("audit", "--format", "markdown", cwd=mod.path)
    assert "ping @<!-- -->acme/everyone about #<!-- -->1 and !<!-- -->2" in log.stdout
    assert _live(log.stdout) == [f"#{number}"]  # the pull request column's own link


def test_links_in_a_note_on_an_unreadable_version_stay_text(hub: Hub) -> None:
    """The note on a version that does not read quotes the key given twice: its bare
    link, `www.` address and e-mail address are not links once GitHub renders them."""
    key = '"see https://evil.example/x or a_www.evil.com_https://e.org, a@evil.com, &12 %3 ~4"'
    shown = _markdown_of(hub, "links", server("10.1.0.2") + f"{key}: 1\n{key}: 2\n")
    assert "version unreadable in commit" in shown.stdout and "evil.example/x" in shown.stdout
    page = cmarkgfm.github_flavored_markdown_to_html(shown.stdout, options=Options.CMARK_OPT_UNSAFE)
    assert "<a " not in page and "evil.example/x" in page
    nodes = _TextNodes()
    nodes.feed(page)
    assert not [n for n in nodes.nodes if re.search(r"[&%~]\d", n)]  # GitLab's references


def test_unreadable_server_json_says_where(hub: Hub) -> None:
    tip = _push(hub.requester, "tidy-web02", {WEB02: BOMB.encode()}, "Tidy web02")
    hub.moderator.git("fetch", "-q", "origin")
    shown = run_measured("diff", "origin/main", "origin/tidy-web02", "--format", "json",
                         cwd=hub.moderator.path)  # fmt: skip
    assert f'"new": "unreadable in commit {tip[:10]}: 1:6 yaml-feature: anchor' in shown.stdout


def test_a_git_failure_is_said_in_our_words(hub: Hub) -> None:
    req = hub.requester
    req.git("remote", "set-url", "origin", str(hub.remote.parent / "gone.git"))
    made = run_measured("request", "delete", "web02", "--comment", "Gone", cwd=req.path)
    assert made.returncode == 2 and "Traceback" not in made.stderr
    lines = made.stderr.splitlines()
    assert lines[0].startswith("gitinv: error: the request stopped: git could not fetch: ")
    assert "gone.git" in lines[0] and "fatal:" not in lines[0]
    assert lines[1] == "nothing was created; run the same command again once that is solved"


def test_a_branch_made_meanwhile_is_left_alone(hub: Hub) -> None:
    """Another program takes the branch name between the checks and the branch's
    creation (a reference-transaction hook stands in for it): the request refuses."""
    req = hub.requester
    hook = req.path / ".git" / "hooks" / "reference-transaction"
    hook.write_text(
        "#!/bin/sh\n"
        '[ "$1" = prepared ] || exit 0\n'
        "grep -q ' refs/heads/request/' && { echo 'busy elsewhere' >&2; exit 1; }\n"
        "exit 0\n"
    )
    hook.chmod(0o755)
    made = run_measured("request", "delete", "web02", "--comment", "Gone", cwd=req.path)
    assert made.returncode == 1, made.stderr
    assert made.stderr == (
        "gitinv: request refused: branch request/delete/web02 changed while the request was "
        "made (by another command?); it was left as it is: run the request again\n"
    )
    hook.unlink()
    assert req.git("branch", "--list", "request/delete/web02") == ""


@pytest.mark.parametrize("main_has_settings", [True, False])
def test_a_branch_naming_itself_the_main_branch_is_still_compared_with_main(
    hub: Hub, main_has_settings: bool
) -> None:
    """settings.yaml of the branch says `branch: self-main`, its own name: `diff` and
    `report` on its checkout still compare it with the main branch settings.yaml on the
    remote's default branch names (the default, "main", where main has none), so the
    settings change and the new address both show."""
    settings = b""
    if main_has_settings:
        settings = (hub.requester.path / "inventory/settings.yaml").read_bytes()
    else:
        _to_main(hub, {"inventory/settings.yaml": None}, "No settings")
    _push(
        hub.requester,
        "self-main",
        {
            "inventory/settings.yaml": settings + b"branch: self-main\n",
            WEB02: server("10.1.0.99").encode(),
        },
        "Tidy settings",
    )
    mod = hub.moderator
    mod.git("fetch", "-q", "origin")
    mod.git("checkout", "-q", "-b", "self-main", "origin/self-main")
    shown = run_measured("diff", cwd=mod.path)
    assert shown.returncode == 0, shown.stderr
    assert "10.1.0.2 → 10.1.0.99" in shown.stdout and "self-main" in shown.stdout
    report = run_measured("report", cwd=mod.path)
    assert "10.1.0.99" in report.stdout and "self-main" in report.stdout


def test_a_file_past_the_limit_on_a_branch_is_never_read_whole(hub: Hub) -> None:
    """64 MiB of one letter (a few hundred KB once pushed): `pending` and `diff` say the
    file is too large, as the loader says it, without reading it: their peak memory
    stays near that of a run on an ordinary branch."""
    mod = hub.moderator
    _push(hub.requester, "usual", {WEB02: server("10.1.0.2", "maintenance").encode()}, "Usual")
    mod.git("fetch", "-q", "origin")
    usual = (
        run_measured("pending", cwd=mod.path),
        run_measured("diff", "origin/main", "origin/usual", cwd=mod.path),
    )
    huge = server("10.1.0.2") + "description: " + "a" * (64 << 20) + "\n"
    tip = _push(hub.requester, "huge", {WEB02: huge.encode()}, "Describe web02")
    mod.git("fetch", "-q", "origin")  # git's own fetch is not what is measured
    message = (
        f"file is {len(huge):,} bytes, over the 64 KiB limit; "
        "an inventory file this large is a mistake: split or trim it"
    )
    said = f"1:1 bad-file: {message}"
    queue = run_measured("pending", cwd=mod.path)
    _cheap(queue)
    assert queue.returncode == 1
    assert f"new version unreadable in commit {tip[:10]}: {said}" in queue.stdout
    # The merged result is validated whole: the same words, from the size git lists.
    assert f"    {WEB02}:1:1: bad-file: {message}" in queue.stdout
    compared = run_measured("diff", "origin/main", "origin/huge", cwd=mod.path)
    _cheap(compared)
    assert said in compared.stdout
    for result, before in zip((queue, compared), usual, strict=True):
        assert result.max_rss_mb < before.max_rss_mb + 24, (result, before)
