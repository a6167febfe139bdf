"""`gitinv report`: the verdict first, the fix for each file, the comparison, and the cut."""

from __future__ import annotations

import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import cmarkgfm
import pytest
from cmarkgfm.cmark import Options

from gitinv import prreport
from gitinv.changes import NotText
from gitinv.commands import validate
from gitinv.diffformat import value_text
from tests.conftest import CASES, GitRepo, gitinv, run_measured
from tests.loading.test_cache import forge

WEB01 = "inventory/servers/web/web01.yaml"
DB01 = "inventory/servers/data/db01.yaml"


def report(repo: GitRepo, *args: str, env: dict[str, str] | None = None) -> tuple[int, bytes]:
    """The report's exit status and its exact bytes (decoded strictly by the callers)."""
    result = subprocess.run(
        [sys.executable, "-m", "gitinv", "-C", str(repo.path), "report", *args],
        capture_output=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")} | (env or {}),
    )
    assert b"Traceback" not in result.stderr, result.stderr.decode()
    return result.returncode, result.stdout


def as_html(markdown: str) -> str:
    """Rendered as GitHub renders a comment: cmark-gfm with its extensions."""
    return cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE)


class _Text(html.parser.HTMLParser):
    """The text of a page outside <code> and <pre>: where GitHub links @mentions and #N."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.outside: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.depth += tag in ("code", "pre")

    def handle_endtag(self, tag: str) -> None:
        self.depth -= tag in ("code", "pre")

    def handle_data(self, data: str) -> None:
        if not self.depth:
            self.outside.append(data)


def live_text(markdown: str) -> _Text:
    parser = _Text()
    parser.feed(as_html(markdown))
    return parser


@pytest.fixture
def branch(inv_repo: GitRepo) -> GitRepo:
    inv_repo.git("checkout", "-q", "-b", "change")
    return inv_repo


def edit(repo: GitRepo, path: str, old: str, new: str) -> None:
    text = (repo.path / path).read_text()
    assert old in text, (old, text)
    repo.write(path, text.replace(old, new))


def test_valid_and_canonical(branch: GitRepo) -> None:
    edit(branch, WEB01, "state: active", "state: maintenance")
    branch.commit("maintenance")
    code, out = report(branch, "main", "HEAD")
    text = out.decode()
    assert code == 0
    assert text.startswith("## ✅ Inventory valid\n\n4 valid servers at `")
    assert "compared with `" in text and ": 1 updated." in text
    assert "| ✏️ | ` state ` | ` active ` | **` maintenance `** |" in text
    assert "Cut to fit" not in text


def test_valid_counts_no_server_named_in_a_problem(branch: GitRepo) -> None:
    """A server whose component does not exist, and two sharing an address, read well
    on their own but are not valid: the count leaves all three out."""
    edit(branch, WEB01, "component: ", "component: nosuch-")
    ip = re.search(r"^ip: (.*)$", (branch.path / DB01).read_text(), re.M)
    assert ip is not None
    web02 = "inventory/servers/web/web02.yaml"
    edit(branch, web02, re.search(r"^ip: .*$", (branch.path / web02).read_text(), re.M)[0],
         f"ip: {ip[1]}")  # fmt: skip
    branch.commit("three problems")
    code, out = report(branch, "main", "HEAD")
    text = out.decode()
    assert code == 1
    assert "problems in 3 files" in text
    assert "\n\n1 valid server at `" in text


def test_one_long_server_section_does_not_push_out_a_change_of_moderators(
    branch: GitRepo,
) -> None:
    """A server's description longer than the whole limit cannot be shown; the row
    giving the web group a new moderator still is, and the notice counts the server."""
    edit(branch, WEB01, "description: Public web frontend", "description: " + "x" * 64_000)
    edit(branch, "inventory/groups.yaml", '    - "@acme/web-leads"',
         '    - "@acme/web-leads"\n    - "@mallory"')  # fmt: skip
    branch.commit("a long description, and a moderator")
    code, out = report(branch, "main", "HEAD")
    text = out.decode()
    assert code == 0
    assert len(text) <= 60_000
    assert "Not shown here: 1 of 1 server changes." in text
    assert "| ` groups ` | ` web ` | updated |" in text and "@mallory" in text
    assert "x" * 1_000 not in text


def test_working_tree_by_default(branch: GitRepo) -> None:
    edit(branch, WEB01, "state: active", "state: offline")
    code, out = report(branch)
    assert code == 0
    assert "4 valid servers at working tree; compared with `" in out.decode()
    assert "**` offline `**" in out.decode()


def test_not_canonical_is_part_of_the_verdict_with_its_fix(branch: GitRepo) -> None:
    edit(branch, WEB01, "ip: 10.0.0.1\n", 'ip: "10.0.0.1"\n')
    edit(branch, WEB01, "tags:\n  - frontend\n", "tags: [frontend]\n")
    edit(branch, DB01, "component: postgres\n", "")
    branch.write(DB01, "---\n" + (branch.path / DB01).read_text() + "component: postgres\n")
    branch.commit("hand edits")
    code, out = report(branch, "main", "HEAD")
    text = out.decode()
    assert code == 1
    assert text.startswith("## ⚠️ Inventory valid; 2 files not in canonical form\n")
    assert "The `validate` check fails until they are in canonical form" in text
    verdict, comparison = text.split("## Inventory changes")
    assert "### Not in canonical form" in verdict
    assert "Differs from line 2. Run ` gitinv fmt inventory/servers/web/web01.yaml `" in verdict
    assert '-ip: "10.0.0.1"\n+ip: 10.0.0.1\n' in verdict
    assert "```diff\n@@ -1,2 +1,2 @@\n----\n+component: postgres\n" in verdict  # no more ---
    suggested = re.findall(r"```yaml\n(.*?)```", verdict, re.S)
    assert len(suggested) == 2
    # The suggestion is exactly what `gitinv fmt` writes.
    assert gitinv("-C", str(branch.path), "fmt").returncode == 0
    assert suggested[0] == (branch.path / DB01).read_text()
    assert suggested[1] == (branch.path / WEB01).read_text()
    # The same values, written otherwise: no row of values, and each file named.
    assert comparison.startswith("\n\n2 files with no value changed (")
    assert "### Changed files with no value changed" in comparison
    assert " server ` " not in comparison
    for path in (DB01, WEB01):
        assert f"| ` {path} ` | no value changed: only comments, quoting, order" in comparison


def test_fmt_check_annotates_the_first_line_to_change(branch: GitRepo) -> None:
    edit(branch, WEB01, "environment: production\n", "environment: 'production'\n")
    result = gitinv("-C", str(branch.path), "fmt", "--check", "--format", "github")
    assert result.returncode == 1
    assert result.stdout.splitlines()[0] == (
        f"::error file={WEB01},line=4,col=1,title=not-canonical::not in canonical form; "
        f"run `gitinv fmt {WEB01}` to rewrite it"
    )
    plain = gitinv("-C", str(branch.path), "fmt", "--check")
    assert not [line for line in plain.stdout.splitlines() if line.startswith("::")]


def test_a_file_fmt_cannot_rewrite_is_named(branch: GitRepo) -> None:
    edit(
        branch,
        WEB01,
        "description: Public web frontend\n",
        'description: "Public web\n  frontend"  # on a continuation line\n',
    )
    code, out = report(branch)
    text = out.decode()
    assert code == 1
    assert text.startswith("## ⚠️ Inventory valid; 1 file not in canonical form\n")
    assert (
        f"#### ` {WEB01} `\n\n` cannot rewrite safely: cannot keep the comment on line 10" in text
    )


def test_every_problem_in_the_verdict_and_the_comparison_shows_what_was_typed(
    branch: GitRepo,
) -> None:
    edit(branch, WEB01, "state: active", "state: no")
    edit(branch, WEB01, "tags:\n  - frontend\n", "tags: frontend, backup\n")
    edit(branch, WEB01, "component: nginx", "component: apache")
    branch.commit("a bad edit")
    code, out = report(branch, "main", "HEAD")
    text = out.decode()
    assert code == 1
    assert text.startswith("## ❌ Inventory invalid: 3 problems in 1 file\n")
    verdict, comparison = text.split("## Inventory changes")
    rows = [line for line in verdict.splitlines() if line.startswith(f"| ` {WEB01} ` |")]
    assert [row.split(" | ")[1:3] for row in rows] == [
        ["1:12", "`unknown-ref`"],
        ["6:8", "`bad-type`"],
        ["7:7", "`bad-type`"],
    ]
    assert "` state ` | ` active ` *(text)* | **` no ` *(boolean)*** |" in comparison
    assert "` tags ` | ` frontend ` *(list)* | **` frontend, backup ` *(text)*** |" in comparison
    page = as_html(comparison)
    assert "<code>no</code> <em>(boolean)</em>" in page


def test_no_value_comes_alive(branch: GitRepo) -> None:
    evil = (
        "Ask @acme/web-leads about #12, [docs](https://evil.example) "
        "![x](https://evil.example/x.png) <img src=x onerror=alert(1)> https://evil.example "
        "`tick` | pipe"
    )
    edit(branch, WEB01, "description: Public web frontend", f"description: '{evil}'")
    branch.write(
        "inventory/servers/@acme/x.yaml", "component: nginx\n"
    )  # a folder no group may have: its name reaches a heading
    branch.commit("values that look like markdown")
    code, out = report(branch, "main", "HEAD")
    assert code == 1
    for markdown in (
        out.decode(),
        gitinv("-C", str(branch.path), "diff", "main", "HEAD", "--format", "markdown").stdout,
    ):
        seen = live_text(markdown)
        outside = "".join(seen.outside)
        assert "@acme" not in outside and "#12" not in outside
        assert "evil.example" not in outside
        assert "a" not in seen.tags and "img" not in seen.tags
        assert evil.replace("|", "\\|") in markdown  # shown whole, in a code span


def test_typed_values_in_text_and_json(branch: GitRepo) -> None:
    edit(branch, WEB01, "state: active", "state: no")
    branch.commit("no")
    text = gitinv("-C", str(branch.path), "diff", "main", "HEAD").stdout
    assert "    state: active (text) → no (boolean)\n" in text
    data = json.loads(
        gitinv("-C", str(branch.path), "diff", "main", "HEAD", "--format", "json").stdout
    )
    (change,) = data["servers"]
    assert change["changes"]["state"] == ["active", "no"]  # as typed, never converted
    assert change["new"]["state"] == "no"


def test_a_defective_catalog_still_serves_its_entries(branch: GitRepo) -> None:
    catalog = "inventory/components.yaml"
    branch.write(catalog, (branch.path / catalog).read_text() + "nginx:\n  description: again\n")
    edit(branch, DB01, "component: postgres", "component: redis")
    code, out = report(branch)
    text = out.decode()
    assert code == 1
    assert "`duplicate-key`" in text
    assert "`` `component: redis` is not in components.yaml; use one of" in text


# The large pull request: 500 servers changed and one invalid file.

MANY = 500


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> GitRepo:
    repo = GitRepo(tmp_path_factory.mktemp("large") / "repo")
    repo.copy_inventory(CASES / "base")
    for i in range(MANY + 20):
        repo.write(
            f"inventory/servers/web/app{i:03d}.yaml",
            f"component: nginx\nip: 10.0.{1 + i // 200}.{i % 200 + 10}\ndc: dc4\n"
            f"environment: production\nstate: active\ndescription: node {i}\n",
        )
    repo.commit("base")
    repo.git("checkout", "-q", "-b", "big")
    # Long descriptions of multi-byte characters: the full report is several MiB.
    long = ("Überprüfung ✓ 🚀 " * 120).strip()
    for i in range(MANY):
        edit(repo, f"inventory/servers/web/app{i:03d}.yaml", f"node {i}\n", f"node {i} {long}\n")
    repo.write(
        "inventory/servers/web/zz-broken.yaml", "component: nginx\nip: 10.0.9.9\nstate: no\n"
    )
    repo.commit("big change")
    return repo


def _sections(text: str) -> int:
    return len(re.findall(r"^### (Update|Add) server ", text, re.M))


def _whole_rows(text: str) -> None:
    for line in text.splitlines():
        if line.startswith("|"):
            assert line.endswith("|"), line


def test_large_pull_request_fits_a_comment(large: GitRepo) -> None:
    code, out = report(large, "main", "HEAD")
    text = out.decode("utf-8")  # strict: a split character would fail here
    assert code == 1
    assert len(text) <= prreport.DEFAULT_MAX_CHARS
    assert text.startswith("## ❌ Inventory invalid: 3 problems in 1 file\n")
    notice = re.search(
        r"^> ✂️ \*\*Cut to fit 60,000 characters\.\*\* Not shown here: (\d+) of "
        rf"{MANY + 1} server changes\. For the full report, run ` gitinv report ",
        text,
        re.M,
    )
    assert notice is not None
    assert text.index("### Problems") < text.index("## Inventory changes")
    shown = _sections(text)
    assert shown + int(notice[1]) == MANY + 1
    assert 0 < shown < MANY
    # The invalid server comes first in the comparison: a cut must not hide it.
    assert re.search(r"^### Add server ` zz-broken ` ", text, re.M).start() < text.index(
        "` app000 `"
    )
    assert text.endswith(
        "*✂️ The report is cut here: the note under the verdict says what is left out.*\n"
    )
    _whole_rows(text)


def test_large_pull_request_fits_a_job_summary(large: GitRepo, tmp_path: Path) -> None:
    code, full = report(large, "main", "HEAD", "--max-chars", "0")
    assert code == 1 and len(full) > 1_048_576
    assert "Cut to fit" not in full.decode()
    assert _sections(full.decode()) == MANY + 1
    url = "https://github.com/acme/inventory/actions/runs/42/artifacts/7"
    code, out = report(large, "main", "HEAD", "--max-bytes", "1048576", "--full-report", url)
    assert code == 1
    assert len(out) <= 1_048_576
    text = out.decode("utf-8")
    assert len(text) < len(out)  # multi-byte: fewer characters than bytes
    assert "**Cut to fit 1,048,576 bytes.**" in text and f"The full report: <{url}>" in text
    assert 100 < _sections(text) < MANY
    _whole_rows(text)
    assert full.startswith(out.split(b"> \xe2\x9c\x82")[0])  # the same verdict


def test_in_github_actions_the_notice_points_at_the_run(large: GitRepo) -> None:
    env = {
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_REPOSITORY": "acme/inventory",
        "GITHUB_RUN_ID": "1234",
    }
    code, out = report(large, "main", "HEAD", "--max-chars", "5000", env=env)
    assert code == 1
    text = out.decode()
    assert len(text) <= 5000
    assert "The full report: <https://github.com/acme/inventory/actions/runs/1234>" in text


def test_every_limit_is_kept_and_cuts_between_units(large: GitRepo) -> None:
    built = prreport.build(large.path, "main", "HEAD")
    for limit in range(prreport.MIN_SIZE, 40_000, 2_333):
        for limits in (prreport.Limits(chars=limit), prreport.Limits(chars=None, bytes=limit)):
            text, cut = prreport.render(built, limits)
            assert cut and limits.fits(len(text), len(text.encode()))
            _whole_rows(text)
            assert text.count("```") % 2 == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--max-chars", "100"],
            "--max-chars 100 leaves no room for the verdict; give at least 2,000",
        ),
        (["--max-bytes", "5"], "--max-bytes 5 leaves no room for the verdict"),
        (["--full-report", "javascript:alert(1)"], "is not an http(s) URL"),
    ],
)
def test_usage_errors(inv_repo: GitRepo, args: list[str], message: str) -> None:
    result = gitinv("-C", str(inv_repo.path), "report", *args)
    assert result.returncode == 2
    assert message in result.stderr and len(result.stderr.splitlines()) == 1


def test_run_in_process(branch: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    from gitinv.commands import report as command

    edit(branch, WEB01, "ip: 10.0.0.1\n", 'ip: "10.0.0.1"\n')
    assert command.run(repo=branch.path, full_report="https://example.com/run/1") == 1
    out = capsys.readouterr().out
    assert out.startswith("## ⚠️ Inventory valid; 1 file not in canonical form\n")
    edit(branch, WEB01, 'ip: "10.0.0.1"\n', "ip: 10.0.0.1\n")
    assert command.run(repo=branch.path, base="main", max_bytes=5000) == 0
    assert capsys.readouterr().out.startswith("## ✅ Inventory valid\n")


def test_the_verdict_reads_head_through_the_validation_cache(inv_repo: GitRepo) -> None:
    """In CI the cache restored for the base serves the report as it serves validate: a
    file unchanged since `validate --rev` kept its result is not read again."""
    base = inv_repo.git("rev-parse", "HEAD")
    inv_repo.write(
        DB01, (inv_repo.path / DB01).read_text().replace("state: active", "state: offline")
    )
    inv_repo.commit("Describe db01")
    assert validate.run(repo=inv_repo.path, rev="HEAD", fmt="json") == 0
    forge(inv_repo, "HEAD", WEB01)  # other bytes: a run that reads web01 finds a problem
    assert prreport.build(inv_repo.path, base, "HEAD").findings == []
    shutil.rmtree(inv_repo.path / ".git" / "gitinv")
    assert {f.file for f in prreport.build(inv_repo.path, base, "HEAD").findings} == {WEB01}


def test_a_pipe_in_a_heading_shows_as_written() -> None:
    """In a table cell a pipe in code is escaped; in a heading the backslash would show."""
    from gitinv.changes import Change
    from gitinv.diffformat import server_heading

    heading = server_heading(Change("server", "a|b`c", "added", {}, group="web"))
    assert "<code>a|b`c</code>" in as_html(heading)
    row = f"| x |\n|---|\n| {prreport.md_code('a|b')} |\n"
    assert "<td><code>a|b</code></td>" in as_html(row)


def test_a_base_that_moved_on_is_said(branch: GitRepo) -> None:
    """BASE given is main after it moved on: main's own change shows reversed, and every
    format says why and which commit to compare with instead."""
    edit(branch, WEB01, "state: active", "state: offline")
    tip = branch.commit("web01 offline")
    branch.git("checkout", "-q", "main")
    edit(branch, DB01, "state: active", "state: maintenance")
    main = branch.commit("db01 in maintenance, on main")
    note = f"{main[:10]} is not an ancestor of {tip[:10]}: what changed on its side since"
    for fmt in ("text", "markdown", "html"):
        shown = gitinv("-C", str(branch.path), "diff", "main", "change", "--format", fmt)
        assert shown.returncode == 0 and note in shown.stdout, (fmt, shown.stdout)
    data = json.loads(gitinv("-C", str(branch.path), "diff", "main", "change",
                             "--format", "json").stdout)  # fmt: skip
    assert data["diverged"] is True
    _, out = report(branch, "main", "change")
    assert f"> ⚠️ {note}" in out.decode()
    # From the merge base, the branch's own change alone, and nothing to say.
    base = branch.git("merge-base", "main", "change")
    data = json.loads(gitinv("-C", str(branch.path), "diff", base, "change",
                             "--format", "json").stdout)  # fmt: skip
    assert data["diverged"] is False and [c["name"] for c in data["servers"]] == ["web01"]


def test_a_shallow_clone_says_it_cannot_tell(branch: GitRepo, tmp_path: Path) -> None:
    """Both tips fetched without their history: whether BASE is HEAD's ancestor is not
    known there, and the note says so instead of claiming it is not."""
    edit(branch, WEB01, "state: active", "state: offline")
    branch.commit("web01 offline")
    shallow = GitRepo.clone(f"file://{branch.path}", tmp_path / "shallow", "--depth", "1",
                            "--no-single-branch")  # fmt: skip
    shown = gitinv("-C", str(shallow.path), "diff", "origin/main", "origin/change",
                   "--format", "json")  # fmt: skip
    assert json.loads(shown.stdout)["diverged"] is None
    text = gitinv("-C", str(shallow.path), "diff", "origin/main", "origin/change").stdout
    assert "note: this shallow clone lacks the history to tell whether" in text


@pytest.mark.parametrize(
    ("char", "escaped"),
    [
        ("\u202e", "\\u202e"),
        ("\u200b", "\\u200b"),
        ("\u2066", "\\u2066"),
        ("\ufeff", "\\ufeff"),
        ("\u00ad", "\\u00ad"),
        ("\u2062", "\\u2062"),
        ("\U000e0041", "\\U000e0041"),  # a tag character, beyond 16 bits
        ("\u200d", "\\u200d"),  # a zero-width joiner
        ("\u2800", "\\u2800"),  # the Braille blank
        ("\ufe0f", "\\ufe0f"),  # a variation selector, "printable" to Python
    ],
)
def test_a_character_that_hides_or_reorders_text_is_never_shown_raw(
    branch: GitRepo, char: str, escaped: str
) -> None:
    """A description holding a right-to-left override or a zero-width space, in a file
    that is not in canonical form either: the comparison writes the character escaped;
    the canonical text, which writes it escaped too, is shown to paste, and the diff of
    the lines as they are is not."""
    edit(branch, WEB01, "description: Public web frontend",
         f"description:  Pay {char}root ok")  # fmt: skip
    branch.commit("a hidden character")
    code, out = report(branch, "main", "HEAD")
    text = out.decode()
    assert code == 1 and "### Not in canonical form" in text
    # The report's own ⚠️ and ✏️ end with a variation selector: the value's never shows.
    assert char not in re.sub("[\u2600-\u27bf]\ufe0f", "", text)
    assert f'| **` "Pay {escaped}root ok" `** |' in text
    assert f'description: "Pay {escaped}root ok"' in text
    assert "The canonical text of the file" in text and "What changes:" not in text
    shown = gitinv("-C", str(branch.path), "diff", "main", "HEAD")
    assert char not in shown.stdout and escaped in shown.stdout


def test_a_hidden_character_in_a_comment_shows_only_the_command(branch: GitRepo) -> None:
    """A comment is kept as it is written, so the canonical text of a file whose comment
    holds a right-to-left override holds it too: neither text is shown, only the
    command."""
    edit(branch, WEB01, "description: Public web frontend",
         "description:  Public web frontend  # ok \u202eevil")  # fmt: skip
    branch.commit("a hidden character in a comment")
    _, out = report(branch, "main", "HEAD")
    text = out.decode()
    assert "### Not in canonical form" in text and "\u202e" not in text
    assert (
        "so its text is not shown here. Run ` gitinv fmt inventory/servers/web/web01.yaml `" in text
    )
    assert "The canonical text of the file" not in text


def test_a_hidden_character_fmt_drops_leaves_the_text_but_no_diff(branch: GitRepo) -> None:
    """web01 starts with a byte order mark, which the canonical form drops: the
    canonical text (which holds none) is shown to paste, the diff of the old lines is
    not."""
    branch.write(WEB01, "\ufeff" + (branch.path / WEB01).read_text())
    branch.commit("a byte order mark")
    _, out = report(branch, "main", "HEAD")
    text = out.decode()
    assert "### Not in canonical form" in text and "\ufeff" not in text
    assert "The canonical text of the file" in text and "What changes:" not in text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (["a", "b"], "a, b"),
        (["a, b"], '["a, b"]'),
        (["—"], '["—"]'),
        ([None, []], "[—, [] (list)]"),
        ([{}], "[{} (mapping)]"),
        ([NotText("1", "a number"), "x, y"], '[1 (number), "x, y"]'),
    ],
)
def test_a_list_shows_items_that_would_read_otherwise_bracketed(value: Any, text: str) -> None:
    assert value_text(value) == text


def test_text_that_would_read_as_another_value_is_quoted(branch: GitRepo) -> None:
    """A list of one item holding a comma is not two items, and the text `—` is not an
    absent value, in text and html as in markdown."""
    edit(branch, WEB01, "tags:\n  - frontend\n", 'tags:\n  - "frontend, pci"\n')
    edit(branch, WEB01, "description: Public web frontend", 'description: "—"')
    branch.commit("look-alikes")
    text = gitinv("-C", str(branch.path), "diff", "main", "HEAD").stdout
    assert '    tags: frontend → ["frontend, pci"]\n' in text
    assert '    description: Public web frontend → "—"\n' in text
    page = gitinv("-C", str(branch.path), "diff", "main", "HEAD", "--format", "html").stdout
    assert '<td class="new">[&quot;frontend, pci&quot;]</td>' in page
    assert '<td class="new">&quot;—&quot;</td>' in page


def test_the_comparison_s_order_in_the_report(branch: GitRepo) -> None:
    """Catalog rows and files outside the inventory before the servers; the files that
    change no value after them, so a cut leaves those out first."""
    edit(branch, WEB01, "state: active", "state: offline")
    edit(branch, WEB01, "Public web frontend", "Public web frontend " + "x" * 3_000)
    for quiet in (DB01, "inventory/servers/data/db02.yaml", "inventory/servers/web/web02.yaml"):
        branch.write(quiet, "# checked in December\n" + (branch.path / quiet).read_text())
    edit(branch, "inventory/groups.yaml", "Web team", "Web and edge team")
    branch.write(".github/workflows/extra.yml", "on: push\n")
    branch.commit("four kinds of change")
    _, out = report(branch, "main", "HEAD", "--max-chars", "0")
    text = out.decode()
    headings = [line for line in text.splitlines() if line.startswith("### ")]
    assert headings == [
        "### Catalog changes",
        "### Other changed files",
        "### Update server ` web01 ` (` web `)",
        "### Changed files with no value changed",
    ]
    assert "| ` .github/workflows/extra.yml ` | outside inventory/ |" in text
    # One character short: the files with no value changed go first.
    _, out = report(branch, "main", "HEAD", "--max-chars", str(len(text) - 1))
    cut = out.decode()
    assert "Not shown here: 3 of 3 files with no value changed." in cut
    assert "**` offline `**" in cut


def test_a_version_that_does_not_read_leaves_the_current_values_shown(branch: GitRepo) -> None:
    """The new web01 has an anchor, which no reader is allowed: each row shows what main
    holds beside `(unreadable)`, not an absent value."""
    edit(branch, WEB01, "state: active", "state: &s offline")
    branch.commit("an anchor")
    _, out = report(branch, "main", "HEAD")
    text = out.decode()
    assert "| ✏️ | ` component ` | ` nginx ` | ***(unreadable)*** |" in text
    assert "| ✏️ | ` state ` | ` active ` | ***(unreadable)*** |" in text


def test_a_group_key_in_the_file_does_not_take_the_folder_s_row(branch: GitRepo) -> None:
    """web01 moves to data/ and says `group: web` inside: the group row is the folder's,
    marked as changed, and the key is reported as unknown."""
    branch.git("mv", WEB01, "inventory/servers/data/web01.yaml")
    path = "inventory/servers/data/web01.yaml"
    branch.write(path, (branch.path / path).read_text() + "group: web\n")
    branch.commit("web01 to data, saying web")
    code, out = report(branch, "main", "HEAD")
    text = out.decode()
    assert code == 1 and "unknown field `group`" in text
    assert "| ✏️ | ` group ` | ` web ` | **` data `** |" in text


# A server file far past the 64 KiB limit, a few hundred KB in git: what a branch can
# push. Reading it whole would cost its size at least once more than a run without it.
HUGE = 64 << 20


def test_a_file_past_the_limit_is_never_read_whole(branch: GitRepo) -> None:
    """The report, the diff of two commits and the diff of the working tree say the
    file is too large, as validate's loader says it, and read none of it: their peak
    memory stays near that of a run on an ordinary change."""
    edit(branch, DB01, "state: active", "state: maintenance")
    branch.commit("maintenance")
    here = str(branch.path)
    usual = {
        "report": run_measured("-C", here, "report", "main", "HEAD"),
        "diff": run_measured("-C", here, "diff", "main", "HEAD"),
        "worktree": run_measured("-C", here, "diff", "main"),
    }
    text = (branch.path / WEB01).read_text()
    huge = branch.write(WEB01, text + "description: " + "a" * HUGE + "\n")
    # Older than the index git writes next: not "racily clean", which git's own diff of
    # the working tree would check by reading the file whole.
    os.utime(huge, (huge.stat().st_mtime - 60,) * 2)
    branch.commit("describe web01")
    size = len(text) + len("description: \n") + HUGE
    message = (
        f"file is {size:,} bytes, over the 64 KiB limit; "
        "an inventory file this large is a mistake: split or trim it"
    )
    said = f"1:1 bad-file: {message}"
    runs = {
        "report": run_measured("-C", here, "report", "main", "HEAD"),
        "diff": run_measured("-C", here, "diff", "main", "HEAD"),
        "worktree": run_measured("-C", here, "diff", "main"),
    }
    for name, result in runs.items():
        assert "Traceback" not in result.stderr, result.stderr
        assert said in result.stdout, (name, result.stdout)
        assert result.max_rss_mb < usual[name].max_rss_mb + 24, (name, result, usual[name])
    # The verdict's table says it in the same words, from the size git lists.
    assert f"| 1:1 | `bad-file` | ` {message} ` |" in runs["report"].stdout


def test_a_mapping_shows_a_number_apart_from_text() -> None:
    """settings.yaml's `exports: {prometheus: {port: -1}}` against `port: "-1"`: the
    number unquoted, the text quoted, as JSON writes them."""
    typed = {"prometheus": {"port": NotText("-1", "a number"), "on": NotText("true", "a boolean")}}
    assert value_text(typed) == '{"prometheus": {"on": true, "port": -1}}'
    assert value_text({"prometheus": {"port": "-1"}}) == '{"prometheus": {"port": "-1"}}'
