"""A catalog or fields.yaml entry whose value is not a mapping of attributes (which
validation rejects) is compared whole: its value is shown, never taken as empty."""

from __future__ import annotations

import json

from tests.conftest import GitRepo, gitinv

ENVIRONMENTS = "inventory/environments.yaml"
STAGING = "staging:\n  description: Pre-release tests\n"


def _diff(repo: GitRepo, *args: str) -> str:
    result = gitinv("-C", str(repo.path), "diff", *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _edit(repo: GitRepo, path: str, old: str, new: str) -> None:
    text = (repo.path / path).read_text()
    assert old in text
    repo.write(path, text.replace(old, new))


def test_an_entry_turned_into_a_number_shows_both_values(inv_repo: GitRepo) -> None:
    _edit(inv_repo, ENVIRONMENTS, STAGING, "staging: 1\n")
    inv_repo.commit("staging: 1")
    text = _diff(inv_repo, "HEAD~1", "HEAD")
    assert text.splitlines()[1:] == [
        "~ updated environments entry staging",
        '    (the whole entry): {"description": "Pre-release tests"} (mapping) → 1 (number)',
    ]
    _edit(inv_repo, ENVIRONMENTS, "staging: 1\n", "staging: 2\n")
    inv_repo.commit("staging: 2")
    text = _diff(inv_repo, "HEAD~1", "HEAD")
    assert "    (the whole entry): 1 (number) → 2 (number)" in text.splitlines()
    data = json.loads(_diff(inv_repo, "HEAD~1", "HEAD", "--format", "json"))
    assert [(c["name"], c["changes"]) for c in data["catalogs"]] == [
        ("staging", {"(the whole entry)": ["1", "2"]})
    ]
    assert data["other_files"] == []  # the entry's row stands for the file
    markdown = _diff(inv_repo, "HEAD~1", "HEAD", "--format", "markdown")
    assert "| ` (the whole entry) `: ` 1 ` *(number)* → ` 2 ` *(number)* |" in markdown


def test_an_entry_added_or_deleted_as_a_list(inv_repo: GitRepo) -> None:
    _edit(inv_repo, ENVIRONMENTS, STAGING, "qa: [a, b]\n")
    inv_repo.commit("qa as a list")
    lines = _diff(inv_repo, "HEAD~1", "HEAD").splitlines()
    assert "+ added environments entry qa" in lines
    assert "    (the whole entry): a, b" in lines
    assert "- deleted environments entry staging" in lines
    assert "    description: Pre-release tests" in lines  # a mapping, as before


def test_a_field_declared_as_a_word(inv_repo: GitRepo) -> None:
    inv_repo.write("inventory/fields.yaml", "cpu: {type: integer, min: 1}\n")
    inv_repo.commit("cpu declared")
    inv_repo.write("inventory/fields.yaml", "cpu: integer\n")
    inv_repo.commit("cpu written short")
    lines = _diff(inv_repo, "HEAD~1", "HEAD").splitlines()
    assert lines[1:] == [
        "~ updated declared field cpu (fields.yaml)",
        '    (the whole entry): {"min": 1, "type": "integer"} (mapping) → integer (text)',
    ]


def test_html_shows_the_values_of_an_entry_compared_whole_and_of_settings(
    inv_repo: GitRepo,
) -> None:
    """The HTML table takes a changed field's values from its change: an entry compared
    whole and the settings keep no mapping of their sides, and showed "—" on both."""
    _edit(inv_repo, ENVIRONMENTS, STAGING, "staging: 1\n")
    inv_repo.write("inventory/settings.yaml", "prometheus_port: 9101\n")
    inv_repo.commit("staging: 1, a port")
    page = _diff(inv_repo, "HEAD~1", "HEAD", "--format", "html")
    assert (
        '<tr class="changed"><td>(the whole entry)</td><td class="old">'
        "{&quot;description&quot;: &quot;Pre-release tests&quot;} (mapping)</td>"
        '<td class="new">1 (number)</td></tr>'
    ) in page
    assert (
        '<tr class="changed"><td>prometheus_port</td><td class="old">—</td>'
        '<td class="new">9101 (number)</td></tr>'
    ) in page
