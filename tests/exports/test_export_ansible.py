"""The static YAML Ansible inventory read by ansible-inventory and ansible, and the
inventory script under a Python that cannot import gitinv."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitinv import inventory
from gitinv.commands import export
from gitinv.exports import ansible, yamltext
from tests.exports.exportfixtures import (
    DECOMMISSIONED_GROUPS,
    GROUPS,
    readme_block,
    run,
    tool_environ,
    venv_tool,
)

ROOT = Path(__file__).resolve().parents[2]


def yaml_inventory(repo: Path, name: str = "inventory.yml", **options: Any) -> Path:
    out = repo.parent / name
    assert export.run(repo=repo, kind="ansible", output=out, **options) == 0
    return out


def listed(source: Path, tmp_path: Path, **env: str) -> dict[str, Any]:
    proc = run(
        venv_tool("ansible-inventory"),
        "-i",
        str(source),
        "--list",
        env=tool_environ(tmp_path, ANSIBLE_INVENTORY_UNPARSED_FAILED="1", **env),
    )
    assert proc.returncode == 0, proc.stderr
    assert "WARNING" not in proc.stderr  # no reserved names, no bad group names, no parse fallback
    data: dict[str, Any] = json.loads(proc.stdout)
    return data


def test_yaml_is_the_default_for_a_yml_file(eco_repo: Path) -> None:
    text = yaml_inventory(eco_repo).read_text()
    assert text.startswith("# Ansible inventory written by `gitinv export ansible --format yaml`\n")
    assert "\nall:\n  children:\n" in text
    assert yaml_inventory(eco_repo, "inventory.yaml").read_text() == text
    assert json.loads(yaml_inventory(eco_repo, "inventory.json").read_text())["_meta"]


def test_ansible_inventory_list_reads_the_yaml_file(eco_repo: Path, tmp_path: Path) -> None:
    data = listed(yaml_inventory(eco_repo), tmp_path)
    for group, hosts in GROUPS.items():
        assert data[group]["hosts"] == hosts
    assert set(data["all"]["children"]) == {*GROUPS, "ungrouped"}
    hostvars = data["_meta"]["hostvars"]
    assert sorted(hostvars) == ["db01", "db02", "proxy-ams", "web01", "web02"]
    assert hostvars["proxy-ams"]["ansible_host"] == "2001:db8:2::5"
    assert hostvars["db01"]["gitinv_tags"] == ["backup", "gdpr", "pci"]
    assert hostvars["web02"]["gitinv_type"] is None
    assert hostvars["db02"]["gitinv_description"] == "@replica of db01"


def test_the_yaml_file_and_the_script_give_ansible_the_same_inventory(
    eco_repo: Path, tmp_path: Path
) -> None:
    script = eco_repo / "tools" / "ansible_inventory.py"
    script.parent.mkdir()
    shutil.copy2(ROOT / "tools" / "ansible_inventory.py", script)
    for decommissioned in (False, True):
        env = {"GITINV_INCLUDE_DECOMMISSIONED": "1"} if decommissioned else {}
        from_yaml = listed(
            yaml_inventory(eco_repo, include_decommissioned=decommissioned), tmp_path
        )
        assert listed(script, tmp_path, **env) == from_yaml
    assert "cache-old" in from_yaml["_meta"]["hostvars"]


def test_declared_fields_are_host_variables_ansible_reads(eco_repo: Path, tmp_path: Path) -> None:
    """Fields of fields.yaml are `gitinv_<field>` host variables of their own types, in the
    YAML file and from the script alike."""
    (eco_repo / "inventory/fields.yaml").write_text(
        "owner: {type: string}\ncpu: {type: integer}\nbackup: {type: boolean}\n"
        "eol: {type: date}\nroles: {type: list}\n"
    )
    web01 = eco_repo / "inventory/servers/web/web01.yaml"
    web01.write_text(
        web01.read_text()
        + "owner: web.team\ncpu: 4\nbackup: false\neol: 2027-01-31\nroles: [edge, web]\n"
    )
    script = eco_repo / "tools" / "ansible_inventory.py"
    script.parent.mkdir()
    shutil.copy2(ROOT / "tools" / "ansible_inventory.py", script)
    from_yaml = listed(yaml_inventory(eco_repo), tmp_path)
    hostvars = from_yaml["_meta"]["hostvars"]
    assert {k: v for k, v in hostvars["web01"].items() if k[7:] in ("owner", "cpu")} == {
        "gitinv_owner": "web.team",
        "gitinv_cpu": 4,
    }
    assert hostvars["web01"]["gitinv_backup"] is False
    assert hostvars["web01"]["gitinv_eol"] == "2027-01-31"
    assert hostvars["web01"]["gitinv_roles"] == ["edge", "web"]
    assert hostvars["web02"]["gitinv_owner"] is None and hostvars["web02"]["gitinv_roles"] == []
    assert hostvars["web01"]["gitinv_state"] == "active"  # the built-in names stay
    assert listed(script, tmp_path) == from_yaml


def test_ansible_inventory_graph_of_the_yaml_file(eco_repo: Path, tmp_path: Path) -> None:
    source = yaml_inventory(eco_repo, include_decommissioned=True)
    proc = run(
        venv_tool("ansible-inventory"), "-i", str(source), "--graph", env=tool_environ(tmp_path)
    )
    assert proc.returncode == 0, proc.stderr
    for group, hosts in (GROUPS | DECOMMISSIONED_GROUPS).items():
        assert f"  |--@{group}:\n" + "".join(f"  |  |--{h}\n" for h in hosts) in proc.stdout


@pytest.mark.parametrize(
    ("pattern", "hosts"),
    [
        ("env_production:&tag_pci", ["db01", "web01"]),
        ("dc_fra1:!state_planned", ["db01", "web01"]),
        ("proxy-ams", ["proxy-ams"]),
    ],
)
def test_host_patterns_on_the_yaml_file(
    eco_repo: Path, tmp_path: Path, pattern: str, hosts: list[str]
) -> None:
    source = yaml_inventory(eco_repo)
    proc = run(
        venv_tool("ansible"),
        "-i",
        str(source),
        pattern,
        "--list-hosts",
        env=tool_environ(tmp_path),
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["hosts", f"({len(hosts)}):", *hosts]


@pytest.fixture(scope="module")
def bare_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Python without gitinv or its dependencies: a fresh venv of the base interpreter."""
    venv = tmp_path_factory.mktemp("bare") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    return venv / "bin"


def test_script_without_gitinv_says_so_in_one_line(
    eco_repo: Path, tmp_path: Path, bare_python: Path
) -> None:
    script = ROOT / "tools" / "ansible_inventory.py"
    proc = run(str(bare_python / "python3"), str(script), "--list", env=tool_environ(tmp_path))
    assert proc.returncode == 1
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("ansible_inventory.py: error: cannot import gitinv with ")
    assert str(bare_python) in lines[0]
    assert "No module named" in lines[0]
    assert "project's venv" in lines[0]


def test_ansible_fails_on_the_script_without_gitinv(
    eco_repo: Path, tmp_path: Path, bare_python: Path
) -> None:
    """ansible-inventory from the venv runs the script with the `python3` found first on
    PATH (its `#!/usr/bin/env python3`): here, one without gitinv."""
    script = eco_repo / "tools" / "ansible_inventory.py"
    script.parent.mkdir()
    shutil.copy2(ROOT / "tools" / "ansible_inventory.py", script)
    env = tool_environ(tmp_path)
    env["PATH"] = f"{bare_python}:{env['PATH']}"
    # What the README's ANSIBLE_INVENTORY_UNPARSED_FAILED=1 is for: without it, Ansible
    # warns and goes on with no hosts at all.
    proc = run(venv_tool("ansible-inventory"), "-i", str(script), "--list", env=env)
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["_meta"]["hostvars"] == {}
    env["ANSIBLE_INVENTORY_UNPARSED_FAILED"] = "1"
    proc = run(venv_tool("ansible-inventory"), "-i", str(script), "--list", env=env)
    assert proc.returncode != 0
    assert "cannot import gitinv" in proc.stderr
    assert "Traceback" not in proc.stderr


TRICKY = [
    "plain",
    "",
    "yes",
    "no",
    "null",
    "~",
    "1",
    "010",
    "1:2:3:4:5:6:7:8",
    "2001:db8::5",
    "1e3",
    ".inf",
    "2026-01-02",
    "a: b",
    "a #b",
    "- item",
    "[x]",
    "{x}",
    "*alias",
    "&anchor",
    "!tag",
    "%directive",
    "@at",
    "`tick",
    "'single'",
    '"double"',
    "line\nbreak",
    "tab\there",
    "trailing ",
    " leading",
    "{{ lookup('pipe', 'id') }}",
    "ünïcødé",
    "emoji 😀",
    "nel\x85ls\u2028ps\u2029",
    "a, b",
    "back\\slash",
]


@pytest.mark.parametrize("text", TRICKY)
def test_yaml_scalars_read_back_as_written(text: str) -> None:
    assert yaml.safe_load(f"key: {yamltext.scalar(text)}\n") == {"key": text}
    assert yaml.safe_load(f"key: {yamltext.flow_list([text, 'x'])}\n") == {"key": [text, "x"]}
    assert yaml.safe_load(f"{yamltext.scalar(text)}: 1\n") == {text: 1}


def test_the_yaml_file_holds_what_the_json_holds(eco_repo: Path) -> None:
    """A server for each string YAML could misread, in its description and its tag."""
    template = (eco_repo / "inventory/servers/web/web02.yaml").read_text()
    for i, text in enumerate(TRICKY):
        body = template.replace("10.1.0.12", f"10.1.1.{i + 1}")
        line = yaml.safe_dump(
            {"description": text}, default_style='"', allow_unicode=True, width=1000
        ).strip()
        body = re.sub(r"(?m)^description: .*$", lambda _, line=line: line, body)
        (eco_repo / f"inventory/servers/web/t{i:02}.yaml").write_text(body)
    inv = inventory.load(eco_repo)
    assert inv.ok, inv.findings
    assert {r.fields.get("description") for r in inv.servers.values()} >= set(TRICKY) - {""}
    for decommissioned in (False, True):
        data = ansible.ansible_inventory(inv, decommissioned)
        loaded = yaml.safe_load(ansible.ansible_yaml(inv, decommissioned))["all"]
        assert loaded["hosts"] == data["_meta"]["hostvars"]
        groups = {g: {"hosts": list(v["hosts"])} for g, v in loaded["children"].items()}
        assert groups == {g: v for g, v in data.items() if g not in ("_meta", "all")}


def test_the_readmes_ansible_cfg(eco_repo: Path, tmp_path: Path) -> None:
    """The README's ansible.cfg: the YAML export as the inventory, a missing one an error."""
    playbooks = tmp_path / "playbooks"
    playbooks.mkdir()
    (playbooks / "ansible.cfg").write_text(readme_block("# ansible.cfg of a playbook repository"))
    env = tool_environ(tmp_path, ANSIBLE_CONFIG=str(playbooks / "ansible.cfg"))
    tool = venv_tool("ansible-inventory")
    proc = run(tool, "--list", env=env, cwd=playbooks)
    assert proc.returncode != 0  # no inventory.yml yet: a failure, not an empty inventory
    assert "inventory.yml" in proc.stderr
    assert export.run(repo=eco_repo, kind="ansible", output=playbooks / "inventory.yml") == 0
    proc = run(tool, "--list", env=env, cwd=playbooks)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["tag_pci"]["hosts"] == ["db01", "web01"]


def test_an_inventory_without_servers(eco_repo: Path, tmp_path: Path) -> None:
    for path in (eco_repo / "inventory/servers").glob("*/*.yaml"):
        path.unlink()
    source = yaml_inventory(eco_repo)
    assert source.read_text().endswith("\nall: {}\n")
    data = listed(source, tmp_path)
    assert data["_meta"]["hostvars"] == {}
    assert data["all"]["children"] == ["ungrouped"]
