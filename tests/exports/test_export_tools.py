"""Prometheus, ssh-config, hosts and octoDNS exports of tests/exports/fixture, each read by
the real consumer: promtool, ssh -G, octodns-validate."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from gitinv import cli, inventory
from gitinv.commands import export
from gitinv.errors import GitinvError
from gitinv.exports import dns, hostfiles, prometheus
from tests.conftest import required_tool
from tests.exports.exportfixtures import git, readme_block, run, tool_environ, venv_tool

# The fixture's servers that are neither decommissioned (cache-old) nor left out otherwise.
LIVE_IPS = {
    "db01": "10.1.0.21",
    "db02": "10.2.0.21",
    "proxy-ams": "2001:db8:2::5",
    "web01": "10.1.0.11",
    "web02": "10.1.0.12",
}


def exported(repo: Path, capsys: pytest.CaptureFixture[str], kind: str, **options: Any) -> str:
    assert export.run(repo=repo, kind=kind, **options) == 0
    captured = capsys.readouterr()
    return captured.out


# --- Prometheus ------------------------------------------------------------------------


def test_prometheus_file_sd(eco_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = exported(eco_repo, capsys, "prometheus")
    assert json.loads(text) == [
        {
            "targets": ["10.1.0.21:9100"],
            "labels": {
                "name": "db01",
                "group": "data",
                "dc": "fra1",
                "environment": "production",
                "component": "postgres",
                "type": "baremetal",
                "state": "active",
                "tags": ",backup,gdpr,pci,",
            },
        },
        {
            "targets": ["10.1.0.11:9100"],
            "labels": {
                "name": "web01",
                "group": "web",
                "dc": "fra1",
                "environment": "production",
                "component": "nginx",
                "type": "vm",
                "state": "active",
                "tags": ",frontend,pci,",
            },
        },
    ]
    assert len(text.splitlines()) == 4  # one target group a line


def test_prometheus_states_and_port(eco_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = exported(eco_repo, capsys, "prometheus", states=("planned", "maintenance"), port=9200)
    groups = json.loads(text)
    assert [g["targets"] for g in groups] == [["[2001:db8:2::5]:9200"], ["10.1.0.12:9200"]]
    assert "type" not in groups[1]["labels"]  # web02 has none: no empty label
    assert "tags" not in groups[0]["labels"]


def test_prometheus_port_from_settings(eco_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = eco_repo / "inventory/settings.yaml"
    settings.write_text("exports:\n  prometheus:\n    port: 9300\n")
    assert {g["targets"][0] for g in json.loads(exported(eco_repo, capsys, "prometheus"))} == {
        "10.1.0.21:9300",
        "10.1.0.11:9300",
    }
    port = json.loads(exported(eco_repo, capsys, "prometheus", port=9100))[0]["targets"][0]
    assert port == "10.1.0.21:9100"  # --port wins
    settings.write_text("exports:\n  prometheus:\n    port: 0\n")
    assert export.run(repo=eco_repo, kind="prometheus") == 1
    assert "inventory/settings.yaml:3:11: bad-value" in capsys.readouterr().err


def test_prometheus_without_servers(eco_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert exported(eco_repo, capsys, "prometheus", states=("offline",)).count("\n") == 3
    for path in (eco_repo / "inventory/servers").glob("*/*.yaml"):
        path.unlink()
    assert exported(eco_repo, capsys, "prometheus") == "[]\n"


def prometheus_config(tmp_path: Path, targets: Path) -> Path:
    """The README's prometheus.yml, pointed at the exported file (nothing is fetched)."""
    text = readme_block("# prometheus.yml")
    assert "/etc/prometheus/targets/gitinv.json" in text and "http_sd_configs" in text
    config = tmp_path / "prometheus.yml"
    config.write_text(text.replace("/etc/prometheus/targets/gitinv.json", str(targets)))
    return config


def test_promtool_checks_the_export(eco_repo: Path, tmp_path: Path) -> None:
    promtool = required_tool("promtool", "prometheus")
    targets = tmp_path / "targets" / "gitinv.json"
    targets.parent.mkdir()
    states = ("active", "maintenance", "planned", "offline")
    assert export.run(repo=eco_repo, kind="prometheus", states=states, output=targets) == 0
    config = prometheus_config(tmp_path, targets)
    proc = run(promtool, "check", "config", str(config), env=tool_environ(tmp_path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "SUCCESS" in proc.stdout
    # promtool reads the targets file itself: a label name Prometheus refuses fails the check.
    broken = targets.read_text().replace('"dc":', '"data-center":', 1)
    targets.write_text(broken)
    proc = run(promtool, "check", "config", str(config), env=tool_environ(tmp_path))
    assert proc.returncode == 1
    assert '"data-center" is not a valid label name' in proc.stdout + proc.stderr


def test_prometheus_discovers_the_targets(eco_repo: Path, tmp_path: Path) -> None:
    """promtool's service discovery reads the file as Prometheus does, offline."""
    promtool = required_tool("promtool", "prometheus")
    targets = tmp_path / "gitinv.json"
    states = ("active", "maintenance")
    assert export.run(repo=eco_repo, kind="prometheus", states=states, output=targets) == 0
    config = tmp_path / "prometheus.yml"
    config.write_text(
        f"scrape_configs:\n  - job_name: node\n    file_sd_configs:\n      - files: ['{targets}']\n"
    )
    proc = run(
        promtool,
        "check",
        "service-discovery",
        "--timeout=2s",
        str(config),
        "node",
        env=tool_environ(tmp_path),
    )
    assert proc.returncode == 0, proc.stderr
    found = {t["labels"]["instance"]: t["labels"] for t in json.loads(proc.stdout)}
    assert sorted(found) == ["10.1.0.11:9100", "10.1.0.21:9100", "[2001:db8:2::5]:9100"]
    proxy = found["[2001:db8:2::5]:9100"]
    assert (proxy["name"], proxy["dc"], proxy["state"]) == ("proxy-ams", "ams-2", "maintenance")
    assert found["10.1.0.21:9100"]["tags"] == ",backup,gdpr,pci,"


# --- ssh-config ------------------------------------------------------------------------

EXPECTED_SSH = """\
# OpenSSH client configuration written by `gitinv export ssh-config`

Host db01
    HostName 10.1.0.21

Host db02
    HostName 10.2.0.21

Host proxy-ams
    HostName 2001:db8:2::5

Host web01
    HostName 10.1.0.11

Host web02
    HostName 10.1.0.12
"""


def ssh_hostname(ssh: str, config: Path, name: str, tmp_path: Path) -> str:
    proc = run(ssh, "-G", "-F", str(config), name, env=tool_environ(tmp_path))
    assert proc.returncode == 0, proc.stderr
    (line,) = [line for line in proc.stdout.splitlines() if line.startswith("hostname ")]
    return line.split(" ", 1)[1]


def test_ssh_config(eco_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert exported(eco_repo, capsys, "ssh-config") == EXPECTED_SSH
    full = exported(eco_repo, capsys, "ssh-config", include_decommissioned=True)
    assert "Host cache-old\n    HostName 10.1.0.31\n" in full


def test_ssh_resolves_each_host(eco_repo: Path, tmp_path: Path) -> None:
    ssh = required_tool("ssh", "openssh-client")
    config = tmp_path / "inventory.conf"
    assert export.run(repo=eco_repo, kind="ssh-config", output=config) == 0
    for name, ip in LIVE_IPS.items():
        assert ssh_hostname(ssh, config, name, tmp_path) == ip
    # Decommissioned servers are not in the file: ssh keeps the name as it is.
    assert ssh_hostname(ssh, config, "cache-old", tmp_path) == "cache-old"
    # As the README suggests: an Include from one's own configuration.
    main = tmp_path / "config"
    main.write_text(f"Include {config}\n\nHost *\n    User deploy\n")
    assert ssh_hostname(ssh, main, "proxy-ams", tmp_path) == "2001:db8:2::5"


@pytest.mark.parametrize(
    ("name", "ip"),
    [
        ("web* ProxyCommand", "10.0.0.1"),
        ("web01", "10.0.0.1\n    ProxyCommand sh"),
        ("!web01", "10.0.0.1"),
        ("web01", "%h"),
    ],
)
def test_ssh_config_cannot_gain_a_keyword(
    eco_repo: Path, monkeypatch: pytest.MonkeyPatch, name: str, ip: str
) -> None:
    """Names are DNS names and addresses are checked by validate; the export checks again."""
    inv = inventory.load(eco_repo)
    record = inv.servers["web01"]
    monkeypatch.setattr(record, "name", name)
    monkeypatch.setitem(record.fields, "ip", ip)
    for write in (hostfiles.ssh_config, hostfiles.hosts):
        with pytest.raises(GitinvError, match="cannot be written safely"):
            write(inv)


# --- hosts -----------------------------------------------------------------------------


def test_hosts(eco_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = exported(eco_repo, capsys, "hosts").splitlines()
    assert lines[0].startswith("# ")
    assert lines[1:] == [f"{ip}\t{name}" for name, ip in LIVE_IPS.items()]
    lines = exported(eco_repo, capsys, "hosts", domain="Example.COM.").splitlines()
    assert lines[1:] == [f"{ip}\t{name}\t{name}.example.com" for name, ip in LIVE_IPS.items()]


@pytest.mark.parametrize("domain", ["exa mple.com", "-example.com", "example..com", ""])
def test_hosts_refuses_a_bad_domain(eco_repo: Path, domain: str) -> None:
    with pytest.raises(GitinvError, match="is not a DNS name") as caught:
        export.run(repo=eco_repo, kind="hosts", domain=domain)
    assert caught.value.exit_code == 2


# --- octoDNS ---------------------------------------------------------------------------

EXPECTED_ZONE = """\
# octoDNS zone written by `gitinv export octodns`
---
db01:
  type: A
  value: 10.1.0.21
db02:
  type: A
  value: 10.2.0.21
proxy-ams:
  type: AAAA
  value: "2001:db8:2::5"
web01:
  type: A
  value: 10.1.0.11
web02:
  type: A
  value: 10.1.0.12
"""


def add_servers(repo: Path, names: dict[str, str]) -> None:
    """More web servers like web02 (fra1), under these names and addresses (ams-2 for
    an address outside fra1's 10.1.0.0/16)."""
    template = (repo / "inventory/servers/web/web02.yaml").read_text()
    for name, ip in names.items():
        text = template.replace("10.1.0.12", ip)
        if not ip.startswith("10.1."):
            text = text.replace("dc: fra1", "dc: ams-2")
        (repo / f"inventory/servers/web/{name}.yaml").write_text(text)


def test_octodns_zone(eco_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert exported(eco_repo, capsys, "octodns", zone="example.com") == EXPECTED_ZONE


def test_octodns_names_inside_and_outside_the_zone(
    eco_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add_servers(
        eco_repo,
        {
            "api.example.com": "10.1.0.40",
            "example.com": "10.1.0.41",
            "db.ams.example.com": "2001:db8:2::1:1",
            "mail.example.org": "10.1.0.42",
            "example.com.evil.org": "10.1.0.43",
        },
    )
    assert export.run(repo=eco_repo, kind="octodns", zone="example.com.") == 0
    captured = capsys.readouterr()
    records = list(re.findall(r"^(\S.*):$", captured.out, re.M))
    # natsort's order, as octoDNS wants it: "db" and 1 come before "db.ams"
    assert records == ['""', "api", "db01", "db02", "db.ams", "proxy-ams", "web01", "web02"]
    assert "10.1.0.41" in captured.out.split('"":\n', 1)[1].split("\n", 3)[1]
    assert captured.err == (
        "gitinv: left out 2 server(s) whose names lie outside example.com: "
        "example.com.evil.org, mail.example.org\n"
    )


def test_natural_key_is_natsorts() -> None:
    """octoDNS checks record order with natsort: the export orders records the same way."""
    from natsort import natsort_keygen

    names = [
        "web10", "web2", "web02", "web1", "web", "web-2", "web1a", "10.0", "2.0", "2.10",
        "1.0.0", "a.b.0.1", "a.b.0.10", "a.b.0.9", "", "db.ams", "db", "db01.x", "x9y10z",
        "x9y9z", "f.e.d.c.b.a.9.8.7.6.5.4.3.2.1.0",
    ]  # fmt: skip
    natsort_key = natsort_keygen()
    ours = sorted(names, key=dns.natural_key)
    assert ours == sorted(ours, key=natsort_key)


def test_the_readmes_octodns_config(eco_repo: Path, tmp_path: Path) -> None:
    """The README's octodns.yaml, without its Route 53 target (not installed here)."""
    config = yaml.safe_load(readme_block("# octodns.yaml"))
    assert config["zones"]["*"]["targets"] == ["route53"]
    del config["providers"]["route53"], config["zones"]["*"]["targets"]
    zones = tmp_path / "zones"
    config["providers"]["gitinv"]["directory"] = str(zones)
    path = tmp_path / "octodns.yaml"
    path.write_text(yaml.safe_dump(config))
    assert (
        export.run(repo=eco_repo, kind="octodns", zone="example.com", reverse=True, output=zones)
        == 0
    )
    code, output = octodns_validate(path, tmp_path)
    assert code == 0, output


def octodns_config(tmp_path: Path, zones: Path, names: list[str] | None = None) -> Path:
    """The README's octoDNS configuration: every zone file of the folder, or these zones."""
    config = tmp_path / "octodns.yaml"
    listed = "".join(f"  {n}:\n    sources:\n      - gitinv\n" for n in names or ["'*'"])
    config.write_text(
        "providers:\n"
        "  gitinv:\n"
        "    class: octodns.provider.yaml.YamlProvider\n"
        f"    directory: {zones}\n"
        "    default_ttl: 3600\n"
        "zones:\n" + listed
    )
    return config


def octodns_validate(config: Path, tmp_path: Path) -> tuple[int, str]:
    proc = run(
        venv_tool("octodns-validate"), "--config-file", str(config), env=tool_environ(tmp_path)
    )
    return proc.returncode, proc.stdout + proc.stderr


def test_octodns_validate_reads_every_zone(
    eco_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add_servers(
        eco_repo,
        {
            "web10": "10.1.0.110",
            "web9": "10.1.0.109",
            "v6-10": "2001:db8:2::10",
            "v6-9": "2001:db8:2::9",
            "mapped": "::ffff:10.2.0.7",
            "numeric": "2001:db8:2:0:0:0:1:2",
        },
    )
    # A datacenter without prefixes has no reverse zone: its servers get no PTR record.
    datacenters = eco_repo / "inventory/datacenters.yaml"
    datacenters.write_text(datacenters.read_text() + "lab: {}\n")
    add_servers(eco_repo, {"lab01": "172.16.0.1"})
    lab01 = eco_repo / "inventory/servers/web/lab01.yaml"
    lab01.write_text(lab01.read_text().replace("dc: ams-2", "dc: lab"))
    zones = tmp_path / "zones"
    assert (
        export.run(repo=eco_repo, kind="octodns", zone="example.com", reverse=True, output=zones)
        == 0
    )
    expected = {
        "example.com.yaml",
        "1.10.in-addr.arpa.yaml",
        "2.10.in-addr.arpa.yaml",
        "2.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.yaml",
    }
    assert {p.name for p in zones.iterdir()} == expected
    written = capsys.readouterr().out.splitlines()
    assert sorted(written) == sorted(f"wrote {zones / name}" for name in expected)
    reverse4 = (zones / "2.10.in-addr.arpa.yaml").read_text()
    assert '"21.0":\n  type: PTR\n  value: db02.example.com.\n' in reverse4
    assert '"7.0":\n  type: PTR\n  value: mapped.example.com.\n' in reverse4
    reverse6 = (zones / "2.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.yaml").read_text()
    assert "5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0:\n  type: PTR\n" in reverse6
    forward = (zones / "example.com.yaml").read_text()
    assert "lab01:\n  type: A\n  value: 172.16.0.1\n" in forward
    assert not any("lab01" in p.read_text() for p in zones.glob("*.arpa.yaml"))
    assert 'numeric:\n  type: AAAA\n  value: "2001:db8:2::1:2"\n' in forward
    assert "mapped:\n  type: A\n  value: 10.2.0.7\n" in forward
    for names in (None, [z.removesuffix("yaml") for z in sorted(expected)]):
        code, output = octodns_validate(octodns_config(tmp_path, zones, names), tmp_path)
        assert code == 0, output
    # The validator does read our files: records out of natsort's order fail it.
    shuffled = forward.replace("web10:", "web0:", 1)
    (zones / "example.com.yaml").write_text(shuffled)
    code, output = octodns_validate(octodns_config(tmp_path, zones), tmp_path)
    assert code != 0
    assert "keys out of order" in output


def test_octodns_reverse_zones_of_prefixes(eco_repo: Path, tmp_path: Path) -> None:
    datacenters = eco_repo / "inventory/datacenters.yaml"
    datacenters.write_text(
        "fra1:\n  prefixes:\n    - 10.1.0.0/20\n    - 10.1.16.0/20\n    - 10.0.0.0/8\n"
        "ams-2:\n  prefixes:\n    - 10.2.0.0/16\n    - 192.0.2.128/25\n"
        "    - 2001:db8:2::/50\n    - 2001:db8:3:8000::/49\n"
    )
    inv = inventory.load(eco_repo)
    assert inv.ok, inv.findings
    assert [dns.reverse_zone_name(n) for n in dns.reverse_networks(inv)] == [
        "10.in-addr.arpa.",  # holds 10.1.0.0/16 and 10.2.0.0/16
        "2.0.192.in-addr.arpa.",  # a /25 is written into its /24
        "2.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.",  # a /50 into its /48
        "3.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.",  # a /49 into its /48
    ]
    zones = dns.reverse(inv, "example.com")
    assert "\n21.0.1:\n  type: PTR\n  value: db01.example.com.\n" in zones.files["10.in-addr.arpa."]
    assert zones.files["2.0.192.in-addr.arpa."].endswith("--- {}\n")  # no server there
    folder = tmp_path / "zones"
    assert (
        export.run(repo=eco_repo, kind="octodns", zone="example.com", reverse=True, output=folder)
        == 0
    )
    assert len(list(folder.iterdir())) == 5
    code, output = octodns_validate(octodns_config(tmp_path, folder), tmp_path)
    assert code == 0, output


def test_octodns_reverse_refuses_a_very_wide_prefix(eco_repo: Path) -> None:
    datacenters = eco_repo / "inventory/datacenters.yaml"
    datacenters.write_text(datacenters.read_text().replace("10.1.0.0/16", "0.0.0.0/4"))
    with pytest.raises(GitinvError, match=r"prefix 0\.0\.0\.0/4 is wider than /8"):
        export.run(repo=eco_repo, kind="octodns", zone="example.com", reverse=True, output=eco_repo)


# --- what every export shares ---------------------------------------------------------

EVERY_KIND: dict[str, dict[str, Any]] = {
    "ansible": {},
    "csv": {},
    "json": {},
    "prometheus": {},
    "ssh-config": {},
    "hosts": {},
    "octodns": {"zone": "example.com"},
}


def test_every_kind_is_covered_and_named_in_the_help() -> None:
    assert set(EVERY_KIND) == set(export.KINDS)
    result = CliRunner().invoke(cli.cli, ["export", "--help"], terminal_width=200)
    listed = result.output.split("KIND is one of:", 1)[1].split("Example:", 1)[0]
    for kind in export.KINDS:
        assert re.search(rf"\s{re.escape(kind)}[\s,(]", listed), kind


@pytest.mark.parametrize("kind", EVERY_KIND)
def test_every_export_refuses_an_invalid_inventory(
    eco_repo: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    out = eco_repo.parent / "out"
    out.write_text("the previous export\n")
    (eco_repo / "inventory/servers/web/web02.yaml").write_text("state: [\n")
    assert export.run(repo=eco_repo, kind=kind, output=out, **EVERY_KIND[kind]) == 1
    captured = capsys.readouterr()
    assert "inventory/servers/web/web02.yaml:2:1: yaml-syntax" in captured.err
    assert "nothing exported" in captured.err
    assert out.read_text() == "the previous export\n"


@pytest.mark.parametrize("kind", EVERY_KIND)
def test_every_export_reads_a_revision(
    eco_repo: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    options = EVERY_KIND[kind]
    before = exported(eco_repo, capsys, kind, **options)
    web01 = eco_repo / "inventory/servers/web/web01.yaml"
    web01.write_text(web01.read_text().replace("10.1.0.11", "10.1.0.99"))
    git(eco_repo, "commit", "-qam", "Renumber web01")
    after = exported(eco_repo, capsys, kind, **options)
    assert "10.1.0.99" in after and after != before
    assert exported(eco_repo, capsys, kind, rev="HEAD~1", **options) == before
    web01.unlink()  # the working tree is not read with --rev
    assert exported(eco_repo, capsys, kind, rev="HEAD", **options) == after


@pytest.mark.parametrize(
    ("kind", "options", "message"),
    [
        (
            "csv",
            {"port": 9100},
            "--port does not apply to `export csv` (only to `export prometheus`)",
        ),
        ("ssh-config", {"states": ("active",)}, "--state does not apply to `export ssh-config`"),
        ("prometheus", {"include_decommissioned": True}, "--include-decommissioned does not apply"),
        ("prometheus", {"states": ("retired",)}, "--state retired: choose from planned, active"),
        ("ansible", {"domain": "example.com"}, "--domain does not apply to `export ansible`"),
        ("hosts", {"zone": "example.com"}, "--zone does not apply"),
        ("octodns", {}, "export octodns needs --zone ZONE"),
        ("octodns", {"zone": "example.com", "reverse": True}, "--reverse writes one file a zone"),
        ("octodns", {"zone": "bad_zone"}, "--zone 'bad_zone' is not a DNS name"),
        ("csv", {"fmt": "yaml"}, "--format yaml does not apply to `export csv`; it writes csv"),
        ("ansible", {"fmt": "text"}, "it writes json or yaml"),
        ("nope", {}, "unknown export `nope`"),
        ("prometheus", {"output": Path("/")}, "--output '/' is a directory; give a file name"),
    ],
)
def test_options_that_do_not_apply_are_usage_errors(
    eco_repo: Path, kind: str, options: dict[str, Any], message: str
) -> None:
    with pytest.raises(GitinvError) as caught:
        export.run(repo=eco_repo, kind=kind, **options)
    assert message in caught.value.message
    assert caught.value.exit_code == 2


def test_command_line(eco_repo: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        cli.cli,
        ["-C", str(eco_repo), "export", "prometheus", "--port", "9200", "--state", "maintenance"],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)[0]["targets"] == ["[2001:db8:2::5]:9200"]
    result = runner.invoke(cli.cli, ["-C", str(eco_repo), "export", "prometheus", "--port", "0"])
    assert result.exit_code == 2
    zones = tmp_path / "zones"
    zones.mkdir()
    args = ["-C", str(eco_repo), "export", "octodns", "--zone", "example.com", "-o", str(zones)]
    result = runner.invoke(cli.cli, args)  # an existing folder: the zone file goes in it
    assert result.exit_code == 0, result.output
    assert (zones / "example.com.yaml").read_text() == EXPECTED_ZONE
    assert [p.name for p in zones.iterdir()] == ["example.com.yaml"]


def test_the_site_publishes_the_same_targets(eco_repo: Path, tmp_path: Path) -> None:
    from gitinv.site.build import build

    (eco_repo / "inventory/settings.yaml").write_text("exports:\n  prometheus:\n    port: 9400\n")
    git(eco_repo, "add", "-A")
    git(eco_repo, "commit", "-qm", "Node exporter on 9400")
    build(eco_repo, "main", tmp_path / "_site")
    published = json.loads((tmp_path / "_site/api/v1/prometheus.json").read_text())
    inv = inventory.load(eco_repo)
    assert published == prometheus.target_groups(inv, 9400)
    assert [g["targets"] for g in published] == [["10.1.0.21:9400"], ["10.1.0.11:9400"]]


def test_the_site_refuses_colliding_ansible_groups(eco_repo: Path, tmp_path: Path) -> None:
    from gitinv.site.build import build

    site = tmp_path / "_site"
    build(eco_repo, "main", site)
    before = sorted(p.relative_to(site) for p in site.rglob("*"))
    components = eco_repo / "inventory/components.yaml"
    components.write_text(components.read_text() + "web-app: {}\nweb_app: {}\n")
    for name, component in (("web01", "web-app"), ("db01", "web_app")):
        path = next(eco_repo.glob(f"inventory/servers/*/{name}.yaml"))
        path.write_text(
            re.sub(r"^component: .*$", f"component: {component}", path.read_text(), flags=re.M)
        )
    git(eco_repo, "commit", "-qam", "Two components that Ansible cannot tell apart")
    with pytest.raises(GitinvError, match="`component_web_app`"):
        build(eco_repo, "main", site)
    assert sorted(p.relative_to(site) for p in site.rglob("*")) == before
    shutil.rmtree(site)
