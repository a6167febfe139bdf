"""fmt keeps every comment and value or refuses; schema files match the models."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest
import yaml

from gitinv.commands import fmt, schema
from tests.conftest import CASES, ROOT, build_case


def test_example_inventory_is_canonical(capsys: pytest.CaptureFixture[str]) -> None:
    assert fmt.run(repo=ROOT, files=[], check=True) == 0


MESSY = """\
# yaml-language-server: $schema=../../../schema/server.schema.json
state: active   # live since March
ip: "10.0.0.1"
tags: [frontend, backup]  # two tags
# why nginx
component: 'nginx'
dc: dc4
environment: production
description: "it's #1: the \\"main\\" one"
# footer
"""

CANONICAL = """\
# yaml-language-server: $schema=../../../schema/server.schema.json
# why nginx
component: nginx
ip: 10.0.0.1
dc: dc4
environment: production
state: active  # live since March
tags:  # two tags
  - backup
  - frontend
description: "it's #1: the \\"main\\" one"
# footer
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = build_case(CASES / "base", tmp_path)
    (root / "inventory/tags.yaml").write_text("backup: {}\nfrontend: {}\n")
    return root


def test_rewrite_keeps_comments_and_values(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = repo / "inventory/servers/web/web01.yaml"
    path.write_text(MESSY)
    assert fmt.run(repo=repo, files=[], check=True) == 1
    assert "web01.yaml:2:1: not-canonical" in capsys.readouterr().out
    assert path.read_text() == MESSY  # --check changes nothing
    assert fmt.run(repo=repo, files=[], check=False) == 0
    assert path.read_text() == CANONICAL
    assert yaml.safe_load(CANONICAL) == {**yaml.safe_load(MESSY), "tags": ["backup", "frontend"]}
    assert fmt.run(repo=repo, files=[], check=True) == 0


def test_catalog_entries_sorted_and_quoted(repo: Path) -> None:
    path = repo / "inventory/groups.yaml"
    path.write_text(
        "web:\n  moderators: ['@acme/web']\n  description: Web team\n"
        "data:  # the data people\n  moderators:\n  - '@dana'\n"
    )
    assert fmt.run(repo=repo, files=[path], check=False) == 0
    assert path.read_text() == (
        'data:  # the data people\n  moderators:\n    - "@dana"\n'
        'web:\n  description: Web team\n  moderators:\n    - "@acme/web"\n'
    )


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        # An override that shows "invoiceexe.pdf", raw or escaped: escaped either way.
        ("invoice\u202efdp.exe", '"invoice\\u202efdp.exe"'),
        ('"invoice\\u202efdp.exe"', '"invoice\\u202efdp.exe"'),
        # A zero-width space and a tag character, which show as nothing.
        ("web\u200b01", '"web\\u200b01"'),
        ('"x\\U000e0041y"', '"x\\U000e0041y"'),
        # A variation selector Python calls printable, and a joiner: still escaped.
        ("love \u2764\ufe0f", '"love \u2764\\ufe0f"'),
        ("r1\u200d", '"r1\\u200d"'),
    ],
)
def test_characters_that_do_not_show_are_written_escaped(
    repo: Path, written: str, canonical: str
) -> None:
    """A file shows what it holds in an editor and in a diff: fmt never writes a
    character that reorders the text or shows as nothing raw, and it reads back as the
    same value."""
    path = repo / "inventory/servers/web/web01.yaml"
    head = "component: nginx\nip: 10.0.0.1\ndc: dc4\nenvironment: production\nstate: active\n"
    path.write_text(f"{head}description: {written}\n")
    value = yaml.safe_load(path.read_text())["description"]
    assert fmt.run(repo=repo, files=[path], check=False) == 0
    assert path.read_text() == f"{head}description: {canonical}\n"
    assert yaml.safe_load(path.read_text())["description"] == value
    assert fmt.run(repo=repo, files=[path], check=True) == 0


def test_refuses_a_comment_it_cannot_place(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = repo / "inventory/servers/web/web01.yaml"
    text = (
        "component: nginx\nip: 10.0.0.1\ndc: dc4\nenvironment: production\nstate: active\n"
        'description: "a long\n  text"  # on a continuation line\n'
    )
    path.write_text(text)
    assert fmt.run(repo=repo, files=[path], check=False) == 1
    assert "cannot rewrite safely" in capsys.readouterr().out
    assert path.read_text() == text


def test_refuses_a_canonical_form_over_the_size_limit(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A flow list of 4,200 prefixes fits in 64 KiB; written one a line, it does not:
    the file is said to be beyond rewriting, and left as it is."""
    path = repo / "inventory/datacenters.yaml"
    prefixes = ", ".join(f"11.{n // 256}.{n % 256}.0/24" for n in range(4200))
    text = path.read_text().replace(
        "  prefixes:\n    - 10.0.0.0/16\n", f"  prefixes: [10.0.0.0/16, {prefixes}]\n"
    )
    assert 60_000 < len(text) < 64 * 1024
    path.write_text(text)
    assert fmt.run(repo=repo, files=[path], check=True) == 1
    out = capsys.readouterr().out
    assert "datacenters.yaml:1:1: not-canonical: cannot rewrite: the canonical form takes" in out
    assert "over the 64 KiB a file may hold" in out
    assert path.read_text() == text


def test_refuses_an_invalid_file(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = repo / "inventory/servers/web/web01.yaml"
    path.write_text("component: nginx\nip: 10\n")
    assert fmt.run(repo=repo, files=[path], check=False) == 1
    out = capsys.readouterr().out
    assert "bad-type" in out and "missing-field" in out
    assert path.read_text() == "component: nginx\nip: 10\n"


def test_scalar_quoting() -> None:
    from gitinv.canonical import scalar

    assert scalar("nginx") == "nginx"
    assert scalar("2001:db8::1") == "2001:db8::1"
    assert scalar("::1") == '"::1"'
    for word in (
        "no",
        "yes",
        "on",
        "null",
        "010",
        "1.5",
        "2024-01-02",
        "@acme/x",
        "a: b",
        "a #b",
        "",
        " x",
    ):
        assert yaml.safe_load(f"k: {scalar(word)}") == {"k": word}, word
        assert scalar(word).startswith('"'), word


def test_schema_is_current_and_validates_the_example() -> None:
    assert schema.run(repo=ROOT, check=True) == 0
    server = json.loads((ROOT / "schema/server.schema.json").read_text())
    jsonschema.Draft7Validator.check_schema(server)
    for path in sorted((ROOT / "inventory/servers").rglob("*.yaml"))[:10]:
        jsonschema.validate(yaml.safe_load(path.read_text()), server)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(
            {"component": "x", "ip": "1.2.3.4", "dc": "d", "environment": "e", "state": "gone"},
            server,
        )
    for stem in ("components", "datacenters", "environments", "types", "tags", "groups"):
        doc = json.loads((ROOT / f"schema/{stem}.schema.json").read_text())
        jsonschema.validate(
            yaml.safe_load((ROOT / f"inventory/{stem}.yaml").read_text()) or {}, doc
        )


def test_schema_check_finds_drift(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "inventory").mkdir()
    shutil.copytree(ROOT / "schema", tmp_path / "schema")
    (tmp_path / "schema/server.schema.json").write_text("{}\n")
    (tmp_path / "schema/old.schema.json").write_text("{}\n")
    assert schema.run(repo=tmp_path, check=True) == 1
    out = capsys.readouterr().out
    assert "server.schema.json: out of date" in out and "old.schema.json: not generated" in out
    assert schema.run(repo=tmp_path, check=False) == 0
    assert schema.run(repo=tmp_path, check=True) == 0
