"""CSV files as spreadsheets save them when something is off: every row named, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import GitRepo, gitinv, tree_state

HEADER = "name,group,component,ip,dc,environment,state\n"
GOOD = "web09,web,nginx,10.0.0.9,dc4,production,active\n"


def _import(repo: GitRepo, text: str) -> tuple[int, str]:
    csv_file = repo.path.parent / "new.csv"
    csv_file.write_text(text)
    before = tree_state(repo.path)
    result = gitinv("-C", str(repo.path), "import", "csv", str(csv_file))
    assert "Traceback" not in result.stderr
    assert tree_state(repo.path) == before
    return result.returncode, result.stdout + result.stderr.replace(f"{csv_file}", "new.csv")


@pytest.mark.parametrize("position", ["first", "last"])
def test_an_unclosed_quote_is_named_on_its_row(inv_repo: GitRepo, position: str) -> None:
    bad = '"web10,web,nginx,10.0.0.10,dc4,production,active\n'
    rows = bad + GOOD if position == "first" else GOOD + bad
    code, out = _import(inv_repo, HEADER + rows)
    row = 2 if position == "first" else 3
    assert code == 1
    assert f"row {row}: bad-file: not a readable CSV row: unexpected end of data; a quote " in out
    assert "never closed" in out


@pytest.mark.parametrize(("sep", "shown"), [(";", "`;`"), ("\t", "a tab")])
def test_another_separator_is_named(inv_repo: GitRepo, sep: str, shown: str) -> None:
    code, out = _import(inv_repo, (HEADER + GOOD).replace(",", sep))
    assert code == 1
    assert f"row 1: bad-file: the columns are separated by {shown}, not commas" in out
    assert "unknown column" not in out


def test_a_row_with_only_a_name(inv_repo: GitRepo) -> None:
    code, out = _import(inv_repo, HEADER + GOOD + "web11,web,,,,,\n")
    assert code == 1
    assert "row 3 (web11): missing-field: the row fills no field but the name and group" in out
    assert "file is empty" not in out


def test_quotes_inside_a_cell_are_still_text(inv_repo: GitRepo, tmp_path: Path) -> None:
    csv_file = tmp_path / "ok.csv"
    csv_file.write_text(HEADER.rstrip() + ",description\n" + GOOD.rstrip() + ',say "hi"\n')
    result = gitinv("-C", str(inv_repo.path), "import", "csv", str(csv_file))
    assert result.returncode == 0, result.stdout + result.stderr
    text = (inv_repo.path / "inventory/servers/web/web09.yaml").read_text()
    assert 'description: say "hi"\n' in text


def test_a_bad_name_is_fixed_in_the_csv_not_a_file(inv_repo: GitRepo) -> None:
    code, out = _import(inv_repo, HEADER + GOOD.replace("web09", "Web_09"))
    assert code == 1
    assert "row 2 (Web_09): bad-path: `Web_09` is not a valid server name" in out
    assert out.count("bad-path") == 1 and "fix the name cell" in out
    assert "rename the file" not in out


def test_every_problem_of_a_row_at_once(inv_repo: GitRepo) -> None:
    rows = (
        "Web_09,web,apache,10.0.0.9,fra9,production,no\n"  # a bad name and bad fields
        "web10,web,apache,10.0.0.1,dc4,prod,running\n"  # bad fields and a taken IP
    )
    code, out = _import(inv_repo, HEADER + rows)
    assert code == 1
    first = [line.split(": ")[2] for line in out.splitlines() if ": row 2 (Web_09)" in line]
    assert first == [
        "bad-path",
        "bad-value",
        "unknown-ref",
        "unknown-ref",
    ]
    assert "`dc: fra9` is not in datacenters.yaml; use one of `dc4` or `dc6`" in out
    second = [line.split(": ")[2] for line in out.splitlines() if ": row 3 (web10)" in line]
    assert sorted(second) == [
        "bad-value",
        "duplicate-ip",
        "unknown-ref",
        "unknown-ref",
    ]
    assert "2 bad row(s)" in out
