"""The report says what the `validate` job's `schema --check` and `codeowners --check`
say: a generated file the request leaves out of date, and the command that writes it."""

from __future__ import annotations

import pytest

from tests.changes.test_report import live_text, report
from tests.conftest import GitRepo, gitinv

SETTINGS = "inventory/settings.yaml"
FIELDS = "inventory/fields.yaml"
GROUPS = "inventory/groups.yaml"
ADMINS = 'admins:\n  - "@acme/inventory-admins"\n'


@pytest.fixture
def kept(inv_repo: GitRepo) -> GitRepo:
    """The base inventory with its schema/ and CODEOWNERS written and committed on main,
    and a branch to change it on."""
    inv_repo.write(SETTINGS, ADMINS)
    for command in ("schema", "codeowners"):
        done = gitinv("-C", str(inv_repo.path), command)
        assert done.returncode == 0, done.stderr
    inv_repo.commit("generated files")
    inv_repo.git("checkout", "-q", "-b", "change")
    return inv_repo


def _checks(repo: GitRepo) -> tuple[int, int]:
    """The exit statuses of `schema --check` and `codeowners --check`, as CI runs them."""
    return tuple(  # type: ignore[return-value]
        gitinv("-C", str(repo.path), command, "--check").returncode
        for command in ("schema", "codeowners")
    )


def _committed_and_reported(repo: GitRepo, message: str) -> tuple[int, str, tuple[int, int]]:
    """The change committed, then the report of main against it (its exit status and
    text) and the statuses of the two --check commands beside it."""
    repo.commit(message)
    code, out = report(repo, "main", "HEAD")
    return code, out.decode(), _checks(repo)


def test_a_declared_field_without_its_schema_is_reported_with_the_fix(kept: GitRepo) -> None:
    kept.write(FIELDS, "rack:\n  type: string\n")
    code, text, checks = _committed_and_reported(kept, "declare rack")
    assert code == 1 and checks == (1, 0)
    assert text.startswith("## ⚠️ Inventory valid; 1 generated file out of date\n")
    assert "fails until the generated files are written again" in text
    assert (
        "### Generated files out of date\n\n#### ` gitinv schema `\n\n"
        "Run it and commit what it writes (from gitinv's models and ` inventory/fields.yaml `):"
        "\n\n- ` schema/server.schema.json `: not as gitinv writes it\n" in text
    )

    assert gitinv("-C", str(kept.path), "schema").returncode == 0
    kept.commit("write the schema again")
    code, out = report(kept, "main", "HEAD")
    assert code == 0 and out.decode().startswith("## ✅ Inventory valid\n"), out.decode()


def test_new_moderators_without_codeowners_and_a_foreign_schema_file(kept: GitRepo) -> None:
    text = (kept.path / GROUPS).read_text()
    kept.write(GROUPS, text.replace('    - "@alice"\n', '    - "@alice"\n    - "@mallory"\n'))
    kept.write("schema/extra.schema.json", "{}\n")
    code, text, checks = _committed_and_reported(kept, "mallory moderates data")
    assert code == 1 and checks == (1, 1)
    assert text.startswith("## ⚠️ Inventory valid; 2 generated files out of date\n")
    assert "- ` schema/extra.schema.json `: not one gitinv writes; the command removes it\n" in text
    assert (
        "#### ` gitinv codeowners `\n\nRun it and commit what it writes (from "
        "` inventory/groups.yaml ` and ` inventory/settings.yaml `):\n\n"
        "- ` .github/CODEOWNERS `: not as gitinv writes it\n" in text
    )
    assert "@mallory" not in "".join(live_text(text).outside)  # named, never mentioned

    # The working tree is read as it is: written again, nothing is left to say.
    assert gitinv("-C", str(kept.path), "schema").returncode == 0
    assert gitinv("-C", str(kept.path), "codeowners").returncode == 0
    code, out = report(kept, "main")
    assert code == 0 and out.decode().startswith("## ✅ Inventory valid\n"), out.decode()


@pytest.mark.parametrize("settings", ["", "forge: gitlab\n"])
def test_codeowners_it_cannot_write_or_must_move_is_not_valid(kept: GitRepo, settings: str) -> None:
    """Without admins `codeowners` cannot write the file; moved to GitLab, the file it
    checks is `.gitlab/CODEOWNERS`, which is not there yet."""
    kept.write(
        SETTINGS,
        ADMINS + settings if settings else "repository: https://github.com/acme/inventory\n",
    )
    code, text, checks = _committed_and_reported(kept, "settings")
    assert code == 1 and checks == (0, 1)
    assert text.startswith("## ⚠️ Inventory valid; 1 generated file out of date\n"), text
    if settings:
        assert "- ` .gitlab/CODEOWNERS `: missing\n" in text
    else:
        assert (
            "- ` .github/CODEOWNERS `: cannot be written: `` inventory/settings.yaml has no" in text
        )


def test_a_schema_file_name_that_is_not_utf8_is_named_escaped(kept: GitRepo) -> None:
    (kept.path / "schema").joinpath(
        b"\xff.schema.json".decode("utf-8", "surrogateescape")
    ).write_text("{}\n")
    kept.commit("a foreign file")
    code, out = report(kept, "main", "HEAD")
    assert code == 1 and "- ` schema/\\xff.schema.json `: not one gitinv writes" in out.decode()


def test_a_broken_fields_yaml_is_a_problem_not_a_schema_to_write(kept: GitRepo) -> None:
    """`gitinv schema` refuses to write from it: its problem is the fix to show."""
    kept.write(FIELDS, "rack:\n  type: strin\n")
    kept.commit("declare rack, misspelled")
    code, out = report(kept, "main", "HEAD")
    text = out.decode()
    assert code == 1 and text.startswith("## ❌ Inventory invalid: 1 problem in 1 file\n"), text
    assert "generated" not in text and "(did you mean `string`?)" in text


def test_a_repository_keeping_no_generated_file_is_not_asked_for_one(inv_repo: GitRepo) -> None:
    inv_repo.git("checkout", "-q", "-b", "change")
    inv_repo.write(SETTINGS, ADMINS)
    inv_repo.write(FIELDS, "rack:\n  type: string\n")
    inv_repo.commit("declare rack")
    code, out = report(inv_repo, "main", "HEAD")
    assert code == 0 and out.decode().startswith("## ✅ Inventory valid\n"), out.decode()


def test_the_commands_meet_what_they_cannot_read_with_a_message(kept: GitRepo) -> None:
    """A CODEOWNERS that is not UTF-8 is out of date, and written again; a folder where a
    schema file would be is named, not removed, and no traceback reaches the user."""
    codeowners = kept.path / ".github/CODEOWNERS"
    codeowners.write_bytes(b"\xff\xfe not text\n")
    checked = gitinv("-C", str(kept.path), "codeowners", "--check")
    assert checked.returncode == 1 and "Traceback" not in checked.stderr, checked.stderr
    assert gitinv("-C", str(kept.path), "codeowners").returncode == 0
    assert gitinv("-C", str(kept.path), "codeowners", "--check").returncode == 0

    (kept.path / "schema/odd.schema.json").mkdir()
    (kept.path / "schema/odd.schema.json/inside").write_text("x\n")
    checked = gitinv("-C", str(kept.path), "schema", "--check")
    assert checked.returncode == 1 and "schema/odd.schema.json: not generated" in checked.stdout
    written = gitinv("-C", str(kept.path), "schema")
    assert written.returncode == 2 and "Traceback" not in written.stderr, written.stderr
    assert "cannot remove schema/odd.schema.json" in written.stderr
    assert (kept.path / "schema/odd.schema.json/inside").is_file()
