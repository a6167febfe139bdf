"""`gitinv ip next` and `request add --set ip=next`: the lowest free addresses, skipping
main's servers and what open requests (unmerged branches) claim."""

from __future__ import annotations

import fcntl
import ipaddress
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from gitinv import cli, ipnext
from gitinv.commands import ip, request
from gitinv.errors import GitinvError
from tests.conftest import server

from .conftest import Hub, identity


def _next(hub: Hub, target: str, count: int = 1) -> list[str]:
    return ipnext.next_free(
        hub.requester.path, target, count, ipnext.Main.current(hub.requester.path)
    ).addresses


def _add(hub: Hub, name: str, dc: str = "fra1", push: bool = False) -> int:
    return request.run(
        repo=hub.requester.path,
        action="add",
        target=name,
        group="platform",
        sets=(
            "component=nginx",
            "ip=next",
            f"dc={dc}",
            "environment=production",
            "state=planned",
        ),
        comment="More capacity",
        push=push,
    )


def _ip_on(hub: Hub, branch: str, path: str) -> str:
    text = hub.requester.git("show", f"{branch}:{path}")
    (line,) = [line for line in text.splitlines() if line.startswith("ip: ")]
    return line.removeprefix("ip: ").strip("\"'")


def _push_catalog(hub: Hub, name: str, text: str) -> None:
    """A change on main made elsewhere (the moderator's clone), pushed to the remote."""
    mod = hub.moderator
    mod.git("pull", "-q", "origin", "main")
    mod.write(f"inventory/{name}", text)
    mod.commit_all(f"Change {name}")
    mod.git("push", "-q", "origin", "HEAD:main")


# --- the arithmetic ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("network", "first", "last"),
    [
        ("10.0.0.0/24", "10.0.0.1", "10.0.0.254"),
        ("10.0.0.0/30", "10.0.0.1", "10.0.0.2"),
        ("10.0.0.0/31", "10.0.0.0", "10.0.0.1"),
        ("10.0.0.7/32", "10.0.0.7", "10.0.0.7"),
        ("2001:db8::/64", "2001:db8::1", "2001:db8::ffff:ffff:ffff:ffff"),
        ("2001:db8::/126", "2001:db8::1", "2001:db8::3"),
        ("2001:db8::/127", "2001:db8::", "2001:db8::1"),
        ("2001:db8::5/128", "2001:db8::5", "2001:db8::5"),
    ],
)
def test_usable(network: str, first: str, last: str) -> None:
    net = ipaddress.ip_network(network)
    assert ipnext.usable(net) == (int(ipaddress.ip_address(first)), int(ipaddress.ip_address(last)))


def key(address: str) -> tuple[int, int]:
    value = ipaddress.ip_address(address)
    return value.version, int(value)


def test_free_skips_what_is_taken_across_prefixes() -> None:
    nets = [
        ipaddress.ip_network("2001:db8::/120"),
        ipaddress.ip_network("10.0.1.0/30"),
        ipaddress.ip_network("10.0.0.0/30"),
        ipaddress.ip_network("10.0.0.0/29"),  # overlaps 10.0.0.0/30: nothing twice
    ]
    taken = {key("10.0.0.1"), key("10.0.1.2"), key("2001:db8::1"), key("10.0.0.5")}
    assert ipnext.free(nets, taken, 7) == [
        "10.0.0.2",
        "10.0.0.3",  # the /30's broadcast address, but usable in the /29
        "10.0.0.4",
        "10.0.0.6",
        "10.0.1.1",
        "2001:db8::2",
        "2001:db8::3",
    ]
    assert ipnext.free(nets, taken, 2) == ["10.0.0.2", "10.0.0.3"]
    assert ipnext.free([ipaddress.ip_network("10.0.0.0/30")], taken, 5) == ["10.0.0.2"]
    # Taken addresses of the other family, or outside the network, change nothing.
    assert ipnext.free([ipaddress.ip_network("10.0.2.0/24")], taken, 1) == ["10.0.2.1"]


# --- ip next against a repository ------------------------------------------------------


def test_next_free_skips_main_and_the_network_address(hub: Hub) -> None:
    # main: 10.1.0.1, 10.1.0.2 (platform), 10.1.0.10 (data)
    assert _next(hub, "fra1") == ["10.1.0.3"]
    assert _next(hub, "fra1", 9) == [f"10.1.0.{n}" for n in (3, 4, 5, 6, 7, 8, 9, 11, 12)]
    assert _next(hub, "ams1", 2) == ["10.2.0.1", "10.2.0.2"]
    assert _next(hub, "192.168.7.0/24") == ["192.168.7.1"]


def test_a_full_prefix_is_an_error(hub: Hub) -> None:
    with pytest.raises(GitinvError) as caught:
        _next(hub, "10.1.0.0/30")  # .1 and .2 are web01 and web02
    assert caught.value.exit_code == 1
    assert caught.value.message == (
        "no address(es) free in 10.1.0.0/30, 1 asked (2 usable, 2 used on the main branch "
        "or claimed by an open request)"
    )
    # .3 to .6 are free; .0 and .7 are the network and broadcast addresses.
    assert _next(hub, "10.1.0.0/29", 4) == ["10.1.0.3", "10.1.0.4", "10.1.0.5", "10.1.0.6"]
    with pytest.raises(GitinvError, match=r"^4 address\(es\) free in 10\.1\.0\.0/29, 5 asked"):
        _next(hub, "10.1.0.0/29", 5)
    _push_catalog(hub, "datacenters.yaml", "fra1:\n  prefixes:\n    - 10.1.0.0/28\n")
    assert len(_next(hub, "fra1", 11)) == 11  # 14 usable, 3 used
    with pytest.raises(GitinvError, match=r"^11 address\(es\) free in 10\.1\.0\.0/28, 12 asked"):
        _next(hub, "fra1", 12)


def test_ipv6(hub: Hub) -> None:
    _push_catalog(
        hub,
        "datacenters.yaml",
        "fra1:\n  prefixes:\n    - 2001:db8:10::/64\n    - 10.1.0.0/28\n"
        "ams1:\n  prefixes:\n    - 10.2.0.0/16\n",
    )
    mod = hub.moderator
    mod.write("inventory/servers/data/db02.yaml", server("2001:db8:10::1", component="postgres"))
    mod.write("inventory/servers/data/db03.yaml", server("2001:db8:10:0:0:0:0:3"))
    mod.commit_all("Two IPv6 servers")
    mod.git("push", "-q", "origin", "HEAD:main")
    # IPv4 first (11 free in the /28), then IPv6: the subnet-router anycast address
    # 2001:db8:10:: is skipped, ::1 and ::3 are used.
    found = _next(hub, "fra1", 14)
    assert found[:11] == [f"10.1.0.{n}" for n in (3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14)]
    assert found[11:] == ["2001:db8:10::2", "2001:db8:10::4", "2001:db8:10::5"]
    assert _next(hub, "2001:db8:10::/127", 1) == ["2001:db8:10::"]  # RFC 6164: both usable
    with pytest.raises(GitinvError, match=r"2 asked \(2 usable, 1 used"):
        _next(hub, "2001:db8:10::/127", 2)


def test_addresses_claimed_by_open_branches(hub: Hub) -> None:
    # Someone else's request, pushed and not merged yet.
    mod = hub.moderator
    mod.git("checkout", "-q", "-b", "request/add/cache01")
    mod.write("inventory/servers/data/cache01.yaml", server("10.1.0.3"))
    mod.write("inventory/servers/data/cache02.yaml", server("10.1.0.5"))
    mod.commit_all("Add server cache01")
    mod.git("push", "-q", "origin", "request/add/cache01")
    main = ipnext.Main.current(hub.requester.path)
    claims = ipnext.claimed_by_open_requests(hub.requester.path, main)
    assert claims == {
        (4, int(ipaddress.ip_address("10.1.0.3"))): "request/add/cache01",
        (4, int(ipaddress.ip_address("10.1.0.5"))): "request/add/cache01",
    }
    assert _next(hub, "fra1", 3) == ["10.1.0.4", "10.1.0.6", "10.1.0.7"]
    # A branch that moves a server to a new address claims the new one; the old one
    # stays taken by main until the change is merged.
    mod.git("checkout", "-q", "-b", "request/update/web01", "origin/main")
    mod.write("inventory/servers/platform/web01.yaml", server("10.1.0.4"))
    mod.commit_all("Update server web01: ip")
    mod.git("push", "-q", "origin", "request/update/web01")
    assert _next(hub, "fra1", 2) == ["10.1.0.6", "10.1.0.7"]
    # Merged: on main now, still taken. Closed without merging: free again.
    hub.merge("request/add/cache01")
    mod.git("push", "-q", "origin", "--delete", "request/update/web01")
    assert _next(hub, "fra1", 2) == ["10.1.0.4", "10.1.0.6"]


def test_request_add_takes_the_next_free_address(
    hub: Hub, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _add(hub, "web03") == 0
    assert "ip: 10.1.0.3" in capsys.readouterr().out
    assert _ip_on(hub, "request/add/web03", "inventory/servers/platform/web03.yaml") == "10.1.0.3"
    # The first request is a local branch, not pushed yet: it still claims its address.
    assert _add(hub, "web04", push=True) == 0
    assert _ip_on(hub, "request/add/web04", "inventory/servers/platform/web04.yaml") == "10.1.0.4"
    assert _next(hub, "fra1") == ["10.1.0.5"]
    assert _add(hub, "web05", dc="ams1") == 0
    assert _ip_on(hub, "request/add/web05", "inventory/servers/platform/web05.yaml") == "10.2.0.1"


def test_request_ip_next_needs_add_and_a_dc(hub: Hub) -> None:
    base = {"repo": hub.requester.path, "comment": "x"}
    with pytest.raises(GitinvError, match=r"--set ip=next .* use it with `request add`"):
        request.run(**base, action="update", target="web01", sets=("ip=next",))  # type: ignore[arg-type]
    with pytest.raises(GitinvError, match="--set dc=DC"):
        request.run(  # type: ignore[arg-type]
            **base, action="add", target="web09", group="platform", sets=("ip=next",)
        )
    with pytest.raises(GitinvError, match="no datacenter `nowhere`"):
        request.run(  # type: ignore[arg-type]
            **base,
            action="add",
            target="web09",
            group="platform",
            sets=("ip=next", "dc=nowhere"),
        )
    assert hub.requester.git("branch", "--list", "request/*") == ""


def test_racing_requests_get_distinct_addresses(hub: Hub) -> None:
    """Two `request add --set ip=next` started at the same moment in one clone."""
    env = {**os.environ, **identity("requester")}
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gitinv",
                "-C",
                str(hub.requester.path),
                "request",
                "add",
                name,
                "--group",
                "platform",
                "--set",
                "component=nginx",
                "--set",
                "ip=next",
                "--set",
                "dc=fra1",
                "--set",
                "environment=production",
                "--set",
                "state=planned",
                "--comment",
                "Race",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for name in ("race-a", "race-b")
    ]
    results = [(p.wait(), *p.communicate()) for p in procs]
    addresses = set()
    for (code, out, err), name in zip(results, ("race-a", "race-b"), strict=True):
        if code == 0:
            path = f"inventory/servers/platform/{name}.yaml"
            addresses.add(_ip_on(hub, f"request/add/{name}", path))
        else:  # the only acceptable failure is a clear refusal
            assert code == 1 and err.startswith("gitinv: request refused: "), (code, out, err)
    created = sum(1 for code, _, _ in results if code == 0)
    assert created >= 1
    assert len(addresses) == created  # never the same address twice
    assert addresses <= {"10.1.0.3", "10.1.0.4"}


def test_main_must_be_valid(hub: Hub) -> None:
    mod = hub.moderator
    mod.write("inventory/servers/platform/broken.yaml", "state: [\n")
    mod.commit_all("A broken file")
    mod.git("push", "-q", "origin", "HEAD:main")
    with pytest.raises(
        GitinvError, match=r"the main branch \(refs/remotes/origin/main\) is invalid"
    ):
        _next(hub, "fra1")


def test_usage_errors(hub: Hub) -> None:
    with pytest.raises(GitinvError, match="no datacenter `nope`") as caught:
        _next(hub, "nope")
    assert caught.value.exit_code == 2
    with pytest.raises(GitinvError, match="has host bits set"):
        _next(hub, "10.1.0.1/24")
    with pytest.raises(GitinvError, match="not a network in CIDR form"):
        _next(hub, "10.1.0.0/33")
    _push_catalog(hub, "datacenters.yaml", "fra1: {}\nams1:\n  prefixes:\n    - 10.2.0.0/16\n")
    with pytest.raises(GitinvError, match="datacenter `fra1` has no prefixes") as caught:
        _next(hub, "fra1")
    assert caught.value.exit_code == 1


def test_command_line(hub: Hub, capsys: pytest.CaptureFixture[str]) -> None:
    assert ip.run(repo=hub.requester.path, target="fra1", count=2) == 0
    assert capsys.readouterr().out == "10.1.0.3\n10.1.0.4\n"
    result = CliRunner().invoke(
        cli.cli,
        ["-C", str(hub.requester.path), "ip", "next", "ams1", "--count", "2", "--format", "json"],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "target": "ams1",
        "networks": ["10.2.0.0/16"],
        "addresses": ["10.2.0.1", "10.2.0.2"],
    }
    result = CliRunner().invoke(
        cli.cli, ["-C", str(hub.requester.path), "ip", "next", "fra1", "--count", "0"]
    )
    assert result.exit_code == 2


def test_without_a_remote(tmp_path: Path, hub: Hub) -> None:
    """No remote: main is the local branch, open requests the local request/* branches."""
    repo = hub.requester.path
    hub.requester.git("remote", "remove", "origin")
    hub.requester.git("branch", "-q", "request/add/x", "main")
    assert _next(hub, "fra1") == ["10.1.0.3"]
    assert _add(hub, "web03") == 0
    assert ipnext.Main.current(repo).remote is None
    assert _next(hub, "fra1") == ["10.1.0.4"]


def test_a_branch_with_a_bad_address_claims_nothing(hub: Hub) -> None:
    mod = hub.moderator
    mod.git("checkout", "-q", "-b", "request/add/odd")
    mod.write("inventory/servers/data/odd.yaml", server("10.1.0.3.7"))
    mod.write("inventory/servers/data/odd2.yaml", server("10.1.0.4"))
    mod.commit_all("Add two servers, one with an address that is not one")
    mod.git("push", "-q", "origin", "request/add/odd")
    main = ipnext.Main.current(hub.requester.path)
    claims = ipnext.claimed_by_open_requests(hub.requester.path, main)
    assert claims == {key("10.1.0.4"): "request/add/odd"}


def test_a_second_request_waits_for_the_first(hub: Hub, capsys: pytest.CaptureFixture[str]) -> None:
    """The lock is held by another process (here: another open file); the request says
    it waits, and takes its address once the lock is free."""
    path = Path(hub.requester.git("rev-parse", "--absolute-git-dir")) / ipnext.LOCK
    path.parent.mkdir(parents=True, exist_ok=True)
    holder = open(path, "a+b")  # noqa: SIM115 - released by the timer below
    fcntl.flock(holder, fcntl.LOCK_EX)
    timer = threading.Timer(0.5, holder.close)
    timer.start()
    try:
        assert _add(hub, "web03") == 0
    finally:
        timer.join()
    captured = capsys.readouterr()
    assert "gitinv: waiting for another request taking an address\n" in captured.err
    assert _ip_on(hub, "request/add/web03", "inventory/servers/platform/web03.yaml") == "10.1.0.3"
