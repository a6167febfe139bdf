"""The report says what the `validate` job's `schema --check` and `codeowners --check`
say: a generated file the request leaves out of date, and how to write it again."""

from __future__ import annotations

import pytest

from tests.changes.test_report import live_text, report
from tests.conftest import GitRepo, gitinv

SETTINGS = "inventory/settings.yaml"
FIELDS = "inventory/fields.yaml"
GROUPS = "inventory/groups.yaml"


@pytest.fixture
def kept(inv_repo: GitRepo) -> GitRepo:
    """The base inventory with its schema/ and CODEOWNERS written and committed on main,
    and a branch to change it on."""
    inv_repo.write(SETTINGS, 'admins:\n  - "@acme/inventory-admins"\n')
    for command in ("schema", "codeowners"):
        done = gitinv("-C", str(inv_repo.path), command)
        assert done.returncode == 0, done.stderr
    inv_repo.commit("generated files")
    inv_repo.git("checkout", "-q", "-b", "change")
    return inv_repo


def test_a_declared_field_without_its_schema_is_reported_with_the_fix(kept: GitRepo) -> None:
    kept.write(FIELDS, "rack:\n  type: string\n")
    kept.commit("declare rack")
    code, out = report(kept, "main", "HEAD")
    text = out.decode()
    assert code == 1
    assert text.startswith("## ⚠️ Inventory valid; 1 generated file to write again\n")
    assert "fails until the generated files are written again" in text
    assert "### Generated files to write again\n\n#### ` schema/server.schema.json `\n\n" in text
    assert (
        "Not as gitinv writes it: ` gitinv schema ` writes it from ` inventory/fields.yaml `. "
        "Run it and commit the file." in text
    )
    assert gitinv("-C", str(kept.path), "schema", "--check").returncode == 1

    assert gitinv("-C", str(kept.path), "schema").returncode == 0
    kept.commit("write the schema again")
    code, out = report(kept, "main", "HEAD")
    assert code == 0 and out.decode().startswith("## ✅ Inventory valid\n"), out.decode()


def test_new_moderators_without_codeowners_and_a_foreign_schema_file(kept: GitRepo) -> None:
    text = (kept.path / GROUPS).read_text()
    kept.write(GROUPS, text.replace('    - "@alice"\n', '    - "@alice"\n    - "@mallory"\n'))
    kept.write("schema/extra.schema.json", "{}\n")
    kept.commit("mallory moderates data")
    code, out = report(kept, "main", "HEAD")
    text = out.decode()
    assert code == 1
    assert text.startswith("## ⚠️ Inventory valid; 2 generated files to write again\n")
    assert (
        "#### ` .github/CODEOWNERS `\n\nNot as gitinv writes it: ` gitinv codeowners ` writes "
        "it from ` inventory/groups.yaml ` and ` inventory/settings.yaml `." in text
    )
    assert "#### ` schema/extra.schema.json `\n\ngitinv does not write this file" in text
    assert "@mallory" not in "".join(live_text(text).outside)  # named, never mentioned
    assert gitinv("-C", str(kept.path), "codeowners", "--check").returncode == 1

    # The working tree is read as it is: written again, nothing is left to say.
    (kept.path / "schema/extra.schema.json").unlink()
    assert gitinv("-C", str(kept.path), "codeowners").returncode == 0
    code, out = report(kept, "main")
    assert code == 0 and out.decode().startswith("## ✅ Inventory valid\n"), out.decode()


def test_a_repository_keeping_no_generated_file_is_not_asked_for_one(inv_repo: GitRepo) -> None:
    inv_repo.git("checkout", "-q", "-b", "change")
    inv_repo.write(SETTINGS, 'admins:\n  - "@acme/inventory-admins"\n')
    inv_repo.write(FIELDS, "rack:\n  type: string\n")
    inv_repo.commit("declare rack")
    code, out = report(inv_repo, "main", "HEAD")
    assert code == 0 and out.decode().startswith("## ✅ Inventory valid\n"), out.decode()


def test_a_broken_fields_yaml_is_a_problem_not_a_schema_to_write(kept: GitRepo) -> None:
    """`gitinv schema` refuses to write from it: its problem is the fix to show."""
    kept.write(FIELDS, "rack:\n  type: strin\n")
    kept.commit("declare rack, misspelled")
    code, out = report(kept, "main", "HEAD")
    text = out.decode()
    assert code == 1 and text.startswith("## ❌ Inventory invalid: 1 problem in 1 file\n"), text
    assert "generated" not in text and "(did you mean `string`?)" in text
