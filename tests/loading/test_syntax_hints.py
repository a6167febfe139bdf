"""The usual YAML slips get a message that says what to fix, on the line to fix."""

from __future__ import annotations

import pytest

from gitinv.loader import LoadError, load_bytes
from tests.conftest import GitRepo, gitinv

HEAD = "component: nginx\nip: 10.0.0.1\n"


def _problem(text: str) -> str:
    with pytest.raises(LoadError) as caught:
        load_bytes("inventory/servers/web/web01.yaml", text.encode())
    (finding,) = caught.value.findings
    return finding.text().removeprefix("inventory/servers/web/web01.yaml:")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (HEAD + "tags:\n\t- pci\n", "4:1: yaml-syntax: YAML syntax error: this line is indented"),
        (HEAD + "\tdc: fra1\n", "3:1: yaml-syntax: YAML syntax error: this line is indented"),
        (
            HEAD + "tags:\n  - a\n\t- b\n",
            "5:1: yaml-syntax: YAML syntax error: this line is indent",
        ),
    ],
    ids=["list-item", "key", "second-item"],
)
def test_a_tab_in_the_indentation(text: str, expected: str) -> None:
    got = _problem(text)
    assert got.startswith(expected)
    assert got.endswith("YAML indents with spaces only: replace the tab with spaces")


def test_a_missing_colon_points_at_its_own_line() -> None:
    got = _problem(HEAD + "dc fra1\nenvironment: prod\n")
    assert got == (
        "3:1: yaml-syntax: YAML syntax error: `dc fra1` is not `key: value`; put a colon and "
        "a space after the key (or indent it under the key it continues)"
    )


def test_an_unclosed_quote_points_where_it_opens() -> None:
    got = _problem(HEAD + 'description: "web\nstate: active\n')
    assert got.startswith("3:14: yaml-syntax: YAML syntax error: the quote that opens here")


@pytest.mark.parametrize(
    ("text", "where"),
    [(HEAD + "  dc: fra1\n", "3:5:"), (HEAD + "description: role: web\n", "3:18:")],
    ids=["indented-key", "colon-in-value"],
)
def test_a_mapping_where_none_can_start(text: str, where: str) -> None:
    got = _problem(text)
    assert got.startswith(f"{where} yaml-syntax: YAML syntax error: a `key: value` where none")
    assert 'quote a value that holds ": "' in got


def test_old_mac_line_ends_count_as_yaml_counts_them() -> None:
    got = _problem(HEAD.replace("\n", "\r") + "tags:\r\t- pci\r")
    assert got.startswith("4:1: yaml-syntax: YAML syntax error: this line is indented with a tab")


@pytest.mark.parametrize("empty", ["{}", "[]"])
def test_entries_below_an_empty_file_s_braces_point_at_the_braces(empty: str) -> None:
    """`gitinv init` writes an empty catalog as comments and `{}`: a first entry added
    below it is told to delete that line, on that line."""
    got = _problem(f"# Datacenters\n{empty}\n# more\n\nfra1:\n  location: Frankfurt\n")
    assert got == (
        f"2:1: yaml-syntax: YAML syntax error: `{empty}` here is a whole, empty file, so "
        "nothing may follow it: delete this line and keep the entries below it"
    )


def test_more_after_another_whole_value_keeps_libyaml_words() -> None:
    got = _problem("'web'\nfra1: a\n")
    assert "expected <document start>" in got and "whole, empty file" not in got


def test_other_errors_keep_libyaml_words() -> None:
    got = _problem(HEAD + "tags: [a, b\n")
    assert "while parsing a flow sequence; check the indentation and quotes here" in got


def test_windows_line_ends_and_a_tab(inv_repo: GitRepo) -> None:
    text = HEAD + "dc: dc4\nenvironment: production\nstate: active\ntags:\n\t- frontend\n"
    inv_repo.write("inventory/servers/web/web01.yaml", text.replace("\n", "\r\n"))
    result = gitinv("-C", str(inv_repo.path), "validate")
    assert result.returncode == 1
    assert result.stdout.startswith(
        "inventory/servers/web/web01.yaml:7:1: yaml-syntax: YAML syntax error: this line is "
    )


def test_a_repository_url_that_is_not_one_says_what_to_write(inv_repo: GitRepo) -> None:
    inv_repo.write("inventory/settings.yaml", "repository: github.com/acme/inventory\n")
    result = gitinv("-C", str(inv_repo.path), "validate")
    assert result.returncode == 1
    assert result.stdout.splitlines()[0] == (
        "inventory/settings.yaml:1:13: bad-value: `repository`: `github.com/acme/inventory` "
        "does not fit: expected the code host URL, e.g. https://github.com/acme/inventory "
        "(edit and history links)"
    )


def test_a_nested_setting_without_a_value_says_so(inv_repo: GitRepo) -> None:
    """Below the top level the models themselves find a key without a value:
    validate_fields takes out only the top level's."""
    inv_repo.write("inventory/settings.yaml", "exports:\n  prometheus:\n    port:\n")
    result = gitinv("-C", str(inv_repo.path), "validate")
    assert result.returncode == 1
    assert result.stdout.splitlines()[0] == (
        "inventory/settings.yaml:3:10: bad-type: `port` has no value; give it one or "
        "remove the line"
    )
