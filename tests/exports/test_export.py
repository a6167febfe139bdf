"""CSV, JSON and Ansible exports of tests/exports/fixture, the Ansible one read by
ansible-inventory."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gitinv import inventory
from gitinv.commands import export
from gitinv.errors import GitinvError
from gitinv.exports import ansible as ansible_export
from gitinv.exports import tables
from tests.exports.exportfixtures import ALL, DECOMMISSIONED_GROUPS, GROUPS

ROOT = Path(__file__).resolve().parents[2]

EXPECTED_CSV = (
    "name,group,component,ip,dc,environment,type,state,tags,description\r\n"
    "cache-old,data,redis,10.1.0.31,fra1,staging,vm,decommissioned,,\r\n"
    "db01,data,postgres,10.1.0.21,fra1,production,baremetal,active,"
    '"backup,gdpr,pci","Primary database, EU customers"\r\n'
    "db02,data,postgres,10.2.0.21,ams-2,production,baremetal,offline,backup,"
    "'@replica of db01\r\n"
    "proxy-ams,web,nginx,2001:db8:2::5,ams-2,production,vm,maintenance,,"
    '"\'=HYPERLINK(""http://example.com"")"\r\n'
    "web01,web,nginx,10.1.0.11,fra1,production,vm,active,"
    '"frontend,pci",Public web frontend\r\n'
    "web02,web,nginx,10.1.0.12,fra1,staging,,planned,frontend,Staging WEB frontend\r\n"
)


@pytest.fixture
def inv(eco_repo: Path) -> inventory.Inventory:
    loaded = inventory.load(eco_repo)
    assert loaded.ok, loaded.findings
    return loaded


def test_csv(inv: inventory.Inventory) -> None:
    assert tables.servers_csv(inv) == EXPECTED_CSV


def test_json(inv: inventory.Inventory) -> None:
    servers = tables.servers_json(inv)
    assert [s["name"] for s in servers] == ALL
    assert all(list(s) == list(tables.COLUMNS) for s in servers)
    assert servers[0] == {
        "name": "cache-old",
        "group": "data",
        "component": "redis",
        "ip": "10.1.0.31",
        "dc": "fra1",
        "environment": "staging",
        "type": "vm",
        "state": "decommissioned",
        "tags": [],
        "description": None,
    }
    # JSON keeps values as they are: no spreadsheet escaping
    assert servers[3]["description"] == '=HYPERLINK("http://example.com")'


NEUTRALISE = [
    ("=1+2", "'=1+2"),
    ("+31 20 123", "'+31 20 123"),
    ("-1", "'-1"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"),
    ("\rx", "'\rx"),
    ("'=x", "''=x"),
    ("''@x", "'''@x"),
    ("'quoted'", "'quoted'"),
    ("a=b", "a=b"),
    ("", ""),
]


@pytest.mark.parametrize(("cell", "escaped"), NEUTRALISE)
def test_neutralise_reversibly(cell: str, escaped: str) -> None:
    assert tables.neutralise(cell) == escaped
    assert tables.unneutralise(escaped) == cell


def test_ansible_dict(inv: inventory.Inventory) -> None:
    data = ansible_export.ansible_inventory(inv)
    assert data["all"] == {"children": sorted(GROUPS)}
    assert {k: v["hosts"] for k, v in data.items() if k not in ("_meta", "all")} == GROUPS
    assert sorted(data["_meta"]["hostvars"]) == ["db01", "db02", "proxy-ams", "web01", "web02"]
    assert data["_meta"]["hostvars"]["web02"] == {
        "ansible_host": "10.1.0.12",
        "gitinv_group": "web",
        "gitinv_component": "nginx",
        "gitinv_ip": "10.1.0.12",
        "gitinv_dc": "fra1",
        "gitinv_environment": "staging",
        "gitinv_type": None,
        "gitinv_state": "planned",
        "gitinv_tags": ["frontend"],
        "gitinv_description": "Staging WEB frontend",
    }
    full = ansible_export.ansible_inventory(inv, include_decommissioned=True)
    assert {k: v["hosts"] for k, v in full.items() if k not in ("_meta", "all")} == (
        GROUPS | DECOMMISSIONED_GROUPS
    )
    assert full["_meta"]["hostvars"]["cache-old"]["ansible_host"] == "10.1.0.31"


def add_entry_and_use(repo: Path, catalog: str, field: str, uses: dict[str, str]) -> None:
    """Add entries to a catalog and set `field` of servers to them."""
    path = repo / f"inventory/{catalog}.yaml"
    path.write_text(path.read_text() + "".join(f"{v}: {{}}\n" for v in sorted(set(uses.values()))))
    for name, value in uses.items():
        server = next(repo.glob(f"inventory/servers/*/{name}.yaml"))
        text = server.read_text()
        if field == "tags":
            text = text.replace("tags:\n", f"tags:\n  - {value}\n")
        else:
            text = re.sub(rf"^{field}: .*$", f"{field}: {value}", text, flags=re.M)
        server.write_text(text)


@pytest.mark.parametrize(
    ("catalog", "field", "group", "message"),
    [
        (
            "components",
            "component",
            "component_web_app",
            "component `web-app` and component `web_app` both become the Ansible group "
            "`component_web_app`",
        ),
        ("tags", "tags", "tag_web_app", "tags `web-app` and tags `web_app`"),
    ],
)
def test_ansible_group_names_that_collide_are_an_error(
    eco_repo: Path,
    capsys: pytest.CaptureFixture[str],
    catalog: str,
    field: str,
    group: str,
    message: str,
) -> None:
    add_entry_and_use(eco_repo, catalog, field, {"web01": "web-app", "db01": "web_app"})
    loaded = inventory.load(eco_repo)
    assert loaded.ok, loaded.findings
    with pytest.raises(GitinvError) as caught:
        ansible_export.ansible_inventory(loaded)
    assert message in caught.value.message
    assert f"inventory/{catalog}.yaml" in caught.value.message
    assert caught.value.exit_code == 1
    for fmt in ("json", "yaml"):
        with pytest.raises(GitinvError, match=group):
            export.run(repo=eco_repo, kind="ansible", fmt=fmt)
    assert capsys.readouterr().out == ""


def test_ansible_entries_that_collide_but_only_one_is_used(eco_repo: Path) -> None:
    add_entry_and_use(eco_repo, "components", "component", {"web01": "web-app"})
    (eco_repo / "inventory/components.yaml").write_text(
        (eco_repo / "inventory/components.yaml").read_text() + "web_app: {}\n"
    )
    loaded = inventory.load(eco_repo)
    assert loaded.ok, loaded.findings
    assert ansible_export.ansible_inventory(loaded)["component_web_app"] == {"hosts": ["web01"]}


def test_export_command(eco_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert export.run(repo=eco_repo, kind="csv") == 0
    assert capsys.readouterr().out == EXPECTED_CSV
    assert export.run(repo=eco_repo, kind="json") == 0
    assert json.loads(capsys.readouterr().out)["count"] == 6
    out = eco_repo / "ansible.json"
    assert export.run(repo=eco_repo, kind="ansible", output=out) == 0
    assert json.loads(out.read_text())["state_planned"] == {"hosts": ["web02"]}


def test_export_refuses_invalid_inventory(
    eco_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (eco_repo / "inventory/servers/web/web02.yaml").write_text("state: [\n")
    assert export.run(repo=eco_repo, kind="ansible") == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "inventory/servers/web/web02.yaml:" in captured.err
    assert "nothing exported" in captured.err


def ansible(
    tool: str, repo: Path, tmp_path: Path, *args: str, **env: str
) -> subprocess.CompletedProcess[str]:
    """Runs a real ansible-core tool on the repository's inventory script."""
    script = repo / "tools" / "ansible_inventory.py"
    script.parent.mkdir(exist_ok=True)
    shutil.copy2(ROOT / "tools" / "ansible_inventory.py", script)
    bindir = Path(sys.executable).parent
    environ = {
        "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(tmp_path),
        "ANSIBLE_HOME": str(tmp_path / "ansible"),
        "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-tmp"),
        "LC_ALL": "C.UTF-8",
        **env,
    }
    return subprocess.run(
        [str(bindir / tool), "-i", str(script), *args],
        capture_output=True,
        text=True,
        env=environ,
        cwd=repo,
        check=False,
    )


def test_ansible_inventory_list(eco_repo: Path, tmp_path: Path) -> None:
    proc = ansible("ansible-inventory", eco_repo, tmp_path, "--list")
    assert proc.returncode == 0, proc.stderr
    assert "WARNING" not in proc.stderr  # no reserved variable names, no bad group names
    data: dict[str, Any] = json.loads(proc.stdout)
    for group, hosts in GROUPS.items():
        assert data[group]["hosts"] == hosts
    assert "cache-old" not in data["_meta"]["hostvars"]
    assert data["_meta"]["hostvars"]["proxy-ams"]["ansible_host"] == "2001:db8:2::5"
    assert data["_meta"]["hostvars"]["db01"]["gitinv_tags"] == ["backup", "gdpr", "pci"]
    assert set(data["all"]["children"]) >= set(GROUPS)


def test_ansible_inventory_graph(eco_repo: Path, tmp_path: Path) -> None:
    proc = ansible(
        "ansible-inventory", eco_repo, tmp_path, "--graph", GITINV_INCLUDE_DECOMMISSIONED="1"
    )
    assert proc.returncode == 0, proc.stderr
    graph = proc.stdout
    assert "@all:" in graph
    assert "  |--@state_decommissioned:\n  |  |--cache-old\n" in graph
    assert "  |--@tag_pci:\n  |  |--db01\n  |  |--web01\n" in graph


def test_ansible_host_pattern(eco_repo: Path, tmp_path: Path) -> None:
    proc = ansible("ansible", eco_repo, tmp_path, "env_production:&tag_pci", "--list-hosts")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["hosts", "(2):", "db01", "web01"]


def test_ansible_inventory_script_on_invalid_inventory(eco_repo: Path, tmp_path: Path) -> None:
    (eco_repo / "inventory/servers/web/web02.yaml").write_text("state: [\n")
    proc = ansible("ansible-inventory", eco_repo, tmp_path, "--list")
    assert "web02.yaml:2:1: yaml-syntax" in proc.stderr
    assert "nothing exported" in proc.stderr
