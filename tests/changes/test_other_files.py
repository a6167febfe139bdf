"""Changed files without a row of values: the comparison names each one and says why,
so that it never says "no changes" of a change (a comment, a quoted value, a file
outside inventory/)."""

from __future__ import annotations

import json
import os
import re

import pytest

from tests.changes.test_report import as_html, report
from tests.conftest import GitRepo, gitinv

WEB01 = "inventory/servers/web/web01.yaml"
TEXT_ONLY = "no value changed: only comments, quoting, order or the file's mode"


@pytest.fixture
def branch(inv_repo: GitRepo) -> GitRepo:
    inv_repo.git("checkout", "-q", "-b", "change")
    text = (inv_repo.path / WEB01).read_text()
    inv_repo.write(WEB01, "# Owned by the web team\n" + text)
    inv_repo.write("inventory/servers/web/NOTES.txt", "ask the web team first\n")
    inv_repo.write(".github/workflows/extra.yml", "on: push\n")
    return inv_repo


def _diff(repo: GitRepo, *args: str) -> str:
    result = gitinv("-C", str(repo.path), "diff", *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_each_format_names_every_file_and_why(branch: GitRepo) -> None:
    branch.commit("a comment, a note and a workflow")
    text = _diff(branch, "main", "HEAD")
    summary = (
        "1 file in inventory/ not read as inventory, 1 file outside inventory/, "
        "1 file with no value changed"
    )
    assert text.splitlines()[0].endswith(f": {summary}")
    # Those that may matter first: a cut of the report leaves out the last rows.
    assert text.splitlines()[1:] == [
        "other changed files:",
        "  inventory/servers/web/NOTES.txt: "
        "in inventory/ but not a server, catalog or settings file",
        "  .github/workflows/extra.yml: outside inventory/",
        f"  {WEB01}: {TEXT_ONLY}",
    ]
    data = json.loads(_diff(branch, "main", "HEAD", "--format", "json"))
    assert data["servers"] == [] and data["catalogs"] == []
    assert [(o["path"], o["why"]) for o in data["other_files"]] == [
        ("inventory/servers/web/NOTES.txt", data["other_files"][0]["why"]),
        (".github/workflows/extra.yml", "outside inventory/"),
        (WEB01, TEXT_ONLY),
    ]
    markdown = _diff(branch, "main", "HEAD", "--format", "markdown")
    assert f"{summary} (" in markdown
    assert f"| ` {WEB01} ` | {TEXT_ONLY} |" in markdown
    rendered = as_html(markdown)
    assert rendered.count("<tr>") == 4  # the header and the three files
    page = _diff(branch, "main", "HEAD", "--format", "html")
    assert f"<tr><td>{WEB01}</td><td>{TEXT_ONLY.replace(chr(39), '&#x27;')}</td></tr>" in page


def test_a_change_of_values_keeps_its_row_and_the_rest_is_named(branch: GitRepo) -> None:
    text = (branch.path / WEB01).read_text()
    branch.write(WEB01, text.replace("state: active", "state: offline"))
    branch.commit("offline, with a comment")
    text = _diff(branch, "main", "HEAD")
    assert ": 1 updated, 1 file in inventory/ not read as inventory, 1 file outside" in text
    assert "state: active → offline" in text
    assert WEB01 not in text  # its change of values stands for it


def test_the_working_tree_is_compared_the_same_way(branch: GitRepo) -> None:
    branch.git("add", ".github")  # tracked, not committed
    branch.write("scratch.txt", "not tracked\n")
    text = _diff(branch)
    assert "→ working tree: 1 file in inventory/ not read as inventory, 2 files outside" in text
    assert "  .github/workflows/extra.yml: outside inventory/" in text
    assert "  scratch.txt: outside inventory/" in text
    assert f"  {WEB01}: {TEXT_ONLY}" in text


def test_nothing_changed_is_still_no_changes(inv_repo: GitRepo) -> None:
    inv_repo.git("checkout", "-q", "-b", "change")
    inv_repo.git("commit", "-q", "--allow-empty", "-m", "nothing")
    assert _diff(inv_repo, "main", "HEAD").endswith(": no changes\n")


def test_the_report_names_them_and_a_cut_counts_them(branch: GitRepo) -> None:
    for n in range(60):
        branch.write(f"docs/page{n:02}.md", f"page {n}\n")
    branch.commit("a comment and many pages")
    code, out = report(branch, "main", "HEAD")
    text = out.decode()
    assert code == 1  # NOTES.txt has no place under inventory/
    assert "1 file with no value changed" in text.split("\n\n")[1]  # the verdict's line
    assert "### Other changed files" in text and f"| ` {WEB01} ` | {TEXT_ONLY} |" in text
    assert "### Changed files with no value changed" in text
    assert text.count("| outside inventory/ |") == 61
    code, out = report(branch, "main", "HEAD", "--max-chars", "2000")
    cut = out.decode()
    left = re.search(
        r"Not shown here: (\d+) of 62 other changed files, 1 of 1 files with no value changed\.",
        cut,
    )
    assert left is not None and 0 < int(left[1]) < 61
    assert cut.count("| outside inventory/ |") + 1 == 62 - int(left[1])
    assert "| ` inventory/servers/web/NOTES.txt ` | in inventory/ but not" in cut
    assert TEXT_ONLY not in cut  # what changes no value is left out first


def test_a_second_file_of_a_server_is_its_own_change(inv_repo: GitRepo) -> None:
    """Two changed files of one name (web01 changed, and copied into another group):
    each file's change is shown, the one changed in place as updated, the copy as
    added; no move is claimed and neither is left for the reader to compare."""
    inv_repo.git("checkout", "-q", "-b", "change")
    text = (inv_repo.path / WEB01).read_text()
    inv_repo.write(WEB01, text.replace("state: active", "state: offline"))
    copy = "inventory/servers/data/web01.yaml"
    inv_repo.write(copy, text)
    inv_repo.commit("web01 offline, and a copy in data")
    out = _diff(inv_repo, "main", "HEAD")
    assert ": 1 added, 1 updated\n+ added server web01 (data)\n" in out
    assert "~ updated server web01 (web)\n    state: active → offline\n" in out
    assert "moved" not in out and "sharing a server's name" not in out
    # Moved from web to data, and a new web01 in web: the file in place is updated.
    inv_repo.write(WEB01, "# kept\n" + text)
    inv_repo.commit("a comment on web01")
    out = _diff(inv_repo, "main", "HEAD")
    assert ": 1 added, 1 file with no value changed\n+ added server web01 (data)\n" in out
    assert f"  {WEB01}: {TEXT_ONLY}" in out


def test_files_added_or_deleted_without_a_value(inv_repo: GitRepo) -> None:
    inv_repo.git("checkout", "-q", "-b", "change")
    inv_repo.write("inventory/fields.yaml", "# No field of our own yet\n")
    inv_repo.commit("fields.yaml, empty")
    assert "  inventory/fields.yaml: added without a value (empty, or comments only)" in (
        _diff(inv_repo, "main", "HEAD")
    )
    inv_repo.remove("inventory/fields.yaml")
    inv_repo.commit("no fields.yaml")
    assert "  inventory/fields.yaml: deleted; it held no value (empty, or comments only)" in (
        _diff(inv_repo, "HEAD~1", "HEAD")
    )


def test_a_name_of_any_bytes_is_written_safely(inv_repo: GitRepo) -> None:
    inv_repo.git("checkout", "-q", "-b", "change")
    (inv_repo.path / "docs").mkdir()
    (inv_repo.path / "docs").joinpath(os.fsdecode(b"bad\xffname.md")).write_text("x\n")
    inv_repo.write("docs/esc\x1b[31mred\x07.md", "x\n")
    inv_repo.commit("two odd names")
    code, out = report(inv_repo, "main", "HEAD")
    text = out.decode()  # strict: every byte is UTF-8
    assert code == 0
    assert "| ` docs/bad\\xffname.md ` | outside inventory/ |" in text
    assert "\x1b" not in text and "\x07" not in text
    for fmt in ("text", "markdown", "html"):
        out = _diff(inv_repo, "main", "HEAD", "--format", fmt)
        assert "docs/bad\\xffname.md" in out and "\x1b" not in out, fmt
    data = json.loads(_diff(inv_repo, "main", "HEAD", "--format", "json"))
    assert {o["path"] for o in data["other_files"]} == {
        "docs/bad\\xffname.md",
        "docs/esc\x1b[31mred\x07.md",  # JSON's own escapes: \u001b in the text
    }


def test_a_file_taken_out_of_the_index_is_no_change(inv_repo: GitRepo) -> None:
    """`git rm --cached`: git's diff says deleted and ls-files says untracked; the file
    is there with the same bytes, which changes nothing."""
    inv_repo.git("rm", "-q", "--cached", "inventory/tags.yaml", WEB01)
    out = _diff(inv_repo)
    assert out.endswith(": no changes\n"), out
    text = (inv_repo.path / WEB01).read_text()
    inv_repo.write(WEB01, text.replace("state: active", "state: offline"))
    out = _diff(inv_repo)
    assert ": 1 updated\n~ updated server web01 (web)\n    state: active → offline\n" in out


def test_a_file_past_the_limit_taken_out_of_the_index_is_no_change(inv_repo: GitRepo) -> None:
    """The same for a file past the 64 KiB limit, whose bytes are never held whole: its
    blob id is worked out a part at a time, and a changed byte is a change."""
    text = (inv_repo.path / WEB01).read_text() + "description: " + "a" * (70 << 10) + "\n"
    inv_repo.write(WEB01, text)
    base = inv_repo.commit("describe web01 at length")
    inv_repo.git("rm", "-q", "--cached", WEB01)
    out = _diff(inv_repo, base)
    assert out.endswith(": no changes\n"), out
    inv_repo.write(WEB01, text.replace("aaa\n", "aab\n"))
    out = _diff(inv_repo, base)
    assert ": 1 updated" in out and "~ updated server web01 (web)" in out, out
    assert "over the 64 KiB limit" in out, out


def test_names_that_are_not_utf8_in_the_inventory(inv_repo: GitRepo) -> None:
    """Refused by name, never read, and printed with their bytes escaped: by validate,
    the report and the queue alike."""
    inv_repo.git("checkout", "-q", "-b", "change")
    folder = inv_repo.path / "inventory/servers/web"
    (folder / os.fsdecode(b"caf\xe9.yaml")).write_text((inv_repo.path / WEB01).read_text())
    (inv_repo.path / "inventory" / os.fsdecode(b"\xff.txt")).write_text("x\n")
    result = gitinv("-C", str(inv_repo.path), "validate")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "inventory/servers/web/caf\\xe9.yaml:1:1: bad-path: the name is not UTF-8" in (
        result.stdout
    )
    inv_repo.commit("two names of other bytes")
    code, out = report(inv_repo, "main", "HEAD")
    text = out.decode()  # strict: every byte is UTF-8
    assert code == 1 and "| ` inventory/servers/web/caf\\xe9.yaml ` | 1:1 | `bad-path` |" in text
    assert "| ` inventory/\\xff.txt ` | in inventory/ but not a server" in text
    diff = _diff(inv_repo, "main", "HEAD")
    assert "\n+ added server caf\\xe9 (web)\n" in diff  # a row, its name as git holds it


def test_a_link_or_a_submodule_is_not_read_as_a_server(inv_repo: GitRepo) -> None:
    """git keeps a link's target (or a submodule's commit) where a file's bytes would be:
    the comparison says the version is not a file instead of reading those bytes."""
    inv_repo.git("checkout", "-q", "-b", "change")
    blob = inv_repo.git("rev-parse", f"HEAD:{WEB01}")
    evil = "inventory/servers/web/evil.yaml"
    inv_repo.git("update-index", "--add", "--cacheinfo", f"120000,{blob},{evil}")
    inv_repo.git(
        "update-index", "--add", "--cacheinfo", f"160000,{blob},inventory/servers/web/ghost.yaml"
    )
    inv_repo.git("commit", "-q", "-m", "a link and a submodule holding web01's bytes")
    out = _diff(inv_repo, "main", "HEAD")
    assert "+ added server evil (web)\n    (new version unreadable in commit " in out
    assert ": 1:1 bad-file: symbolic links are not allowed under inventory/" in out
    assert "+ added server ghost (web)\n    (new version unreadable in commit " in out
    assert ": 1:1 bad-file: a submodule, not a file; remove it" in out
    assert "component: " not in out  # web01's values are not shown as theirs
    # The same in the working tree: a server replaced by a link.
    inv_repo.git("checkout", "-q", "main")
    (inv_repo.path / WEB01).unlink()
    (inv_repo.path / WEB01).symlink_to("db01.yaml")
    out = _diff(inv_repo)
    assert "~ updated server web01 (web)\n    (new version unreadable in the working tree: " in out
