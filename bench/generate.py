"""A synthetic inventory with a history, for `make bench`.

The data set every benchmark here runs on: 12 datacenters with an IPv4 /12 each
and an IPv6 lab, 60 components, 4 environments, 4 types, 40 tags, 20 groups; N
servers named srv000000, srv000001, ..., each with every field, spread over the
groups, and unique IPs inside their datacenter's prefix. Then C commits on main,
each updating, adding or deleting one server, with GitHub's squash-merge subject
(`update srv000042 (#7)`). Every file is valid and in canonical form.

The repository is written through one `git fast-import` stream (seconds for
20,000 commits, where a commit per `git add` takes hours), and the same
arguments and seed always give the same commits.

    python -m bench.generate OUT --servers 1000 --commits 100
"""

from __future__ import annotations

import argparse
import ipaddress
import random
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from gitinv.canonical import scalar
from gitinv.models import STATES

ROOT = Path(__file__).resolve().parent.parent
FORMAT = "bench-inventory 2"  # the marker's first line: a change here regenerates
DATACENTERS = 12
EVERY_V6 = 50  # every 50th server lives in the IPv6 lab
WORKLOADS = ("api", "web", "db", "cache", "batch")
START = 1_700_000_000  # the first commit's time; one commit an hour after it


def catalogs() -> dict[str, dict[str, dict[str, Any]]]:
    datacenters: dict[str, dict[str, Any]] = {
        f"dc{i:02d}": {
            "description": f"Datacenter {i}",
            "location": f"Site {i}",
            "prefixes": [f"10.{i * 16}.0.0/12"],
        }
        for i in range(DATACENTERS)
    }
    datacenters["v6lab"] = {"description": "IPv6 lab", "prefixes": ["2001:db8::/32"]}
    return {
        "components": {f"comp{i:03d}": {"description": f"Component {i}"} for i in range(60)},
        "datacenters": datacenters,
        "environments": {
            e: {"description": e.capitalize()} for e in ("production", "staging", "qa", "dev")
        },
        "types": {t: {"description": t} for t in ("vm", "baremetal", "container", "appliance")},
        "tags": {f"tag{i:02d}": {"description": f"Tag {i}"} for i in range(40)},
        "groups": {
            f"team{i:02d}": {
                "description": f"Team {i}",
                "moderators": [f"@acme/team{i:02d}-leads"],
            }
            for i in range(20)
        },
    }


def yaml_text(value: dict[str, Any], indent: str = "") -> str:
    """Canonical YAML of the simple shapes here: mappings, lists of strings, strings."""
    lines = []
    for key, item in value.items():
        if isinstance(item, dict):
            lines.append(f"{indent}{key}:\n{yaml_text(item, indent + '  ')}")
        elif isinstance(item, list) and not item:
            lines.append(f"{indent}{key}: []")
        elif isinstance(item, list):
            lines.append(f"{indent}{key}:" + "".join(f"\n{indent}  - {scalar(v)}" for v in item))
        else:
            lines.append(f"{indent}{key}: {scalar(str(item))}")
    return "\n".join(lines) + ("\n" if not indent else "")


@dataclass
class Generator:
    """Servers and changes drawn from one seeded random sequence."""

    seed: int
    cat: dict[str, dict[str, dict[str, Any]]] = field(default_factory=catalogs)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.v4 = sorted(d for d in self.cat["datacenters"] if d != "v6lab")
        self.lists = {name: sorted(entries) for name, entries in self.cat.items()}

    def server(self, number: int) -> tuple[str, str, dict[str, Any]]:
        """(name, group, fields) of server `number`; its IP follows from the number."""
        rng = self.rng
        if number % EVERY_V6 == 0:
            dc, ip = "v6lab", ipaddress.ip_address("2001:db8::") + number + 1
        else:
            dc = rng.choice(self.v4)
            net = ipaddress.ip_network(self.cat["datacenters"][dc]["prefixes"][0])
            ip = net.network_address + 256 + number
        fields = {
            "component": rng.choice(self.lists["components"]),
            "ip": str(ip),
            "dc": dc,
            "environment": rng.choice(self.lists["environments"]),
            "type": rng.choice(self.lists["types"]),
            "state": rng.choice(STATES),
            "tags": sorted(rng.sample(self.lists["tags"], rng.randint(0, 4))),
            "description": f"Server {number} serving {rng.choice(WORKLOADS)} traffic",
        }
        return f"srv{number:06d}", rng.choice(self.lists["groups"]), fields


class Live:
    """The servers on main: a random one in constant time, for 20,000 changes on 100,000."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.where: dict[str, tuple[int, str]] = {}  # name -> (index in names, group)

    def add(self, name: str, group: str) -> None:
        self.where[name] = (len(self.names), group)
        self.names.append(name)

    def pick(self, rng: random.Random) -> tuple[str, str]:
        name = self.names[rng.randrange(len(self.names))]
        return name, self.where[name][1]

    def remove(self, name: str) -> None:
        index, _ = self.where.pop(name)
        last = self.names.pop()
        if last != name:
            self.names[index] = last
            self.where[last] = (index, self.where[last][1])


def changes(gen: Generator, servers: int, commits: int) -> Iterator[tuple[str, str, str | None]]:
    """The history as (commit message, path, new text or None for a deletion)."""
    live = Live()
    for number in range(servers):
        name, group, fields = gen.server(number)
        live.add(name, group)
        yield "", f"inventory/servers/{group}/{name}.yaml", yaml_text(fields)
    following = servers
    for count in range(1, commits + 1):
        kind = gen.rng.choice(("update", "update", "add", "delete"))
        if kind == "add" or not live.names:
            kind = "add"
            name, group, fields = gen.server(following)
            following += 1
            live.add(name, group)
            text: str | None = yaml_text(fields)
        elif kind == "update":
            name, group = live.pick(gen.rng)
            _, _, fields = gen.server(int(name[3:]))
            fields["state"] = gen.rng.choice(STATES)
            fields["description"] = f"Changed in commit {count}"
            text = yaml_text(fields)
        else:
            name, group = live.pick(gen.rng)
            live.remove(name)
            text = None
        yield f"{kind} {name} (#{count})", f"inventory/servers/{group}/{name}.yaml", text


def _commit(out: IO[bytes], when: int, message: str) -> None:
    # fast-import continues a branch from its tip: no `from` line needed.
    data = message.encode()
    who = f"Gen <gen@example.com> {when} +0000\n".encode()
    out.write(b"commit refs/heads/main\nauthor " + who + b"committer " + who)
    out.write(f"data {len(data)}\n".encode() + data + b"\n")


def _file(out: IO[bytes], path: str, text: str | None) -> None:
    if text is None:
        out.write(f"D {path}\n".encode())
        return
    data = text.encode()
    out.write(f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n")


def generate(out_dir: Path, servers: int, commits: int, seed: int = 1) -> Path:
    """Write the repository once; later calls reuse it while its marker matches."""
    marker = out_dir / ".complete"
    expected = f"{FORMAT}\n{servers} {commits} {seed}\n"
    if marker.is_file() and marker.read_text() == expected:
        return out_dir
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(out_dir)], check=True)
    proc = subprocess.Popen(
        ["git", "-C", str(out_dir), "fast-import", "--quiet"], stdin=subprocess.PIPE
    )
    assert proc.stdin is not None
    gen = Generator(seed)
    when = START
    _commit(proc.stdin, when, "Initial inventory")
    for name, entries in gen.cat.items():
        _file(proc.stdin, f"inventory/{name}.yaml", yaml_text(dict(sorted(entries.items()))))
    for message, path, text in changes(gen, servers, commits):
        if message:  # the first `servers` files all belong to the initial commit
            proc.stdin.write(b"\n")
            when += 3600
            _commit(proc.stdin, when, message)
        _file(proc.stdin, path, text)
    proc.stdin.write(b"\n")
    proc.stdin.close()
    if proc.wait() != 0:
        sys.exit("bench: git fast-import failed")
    subprocess.run(["git", "-C", str(out_dir), "checkout", "-q", "-f", "main"], check=True)
    marker.write_text(expected)
    return out_dir


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--servers", type=int, default=1000)
    parser.add_argument("--commits", type=int, default=0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(generate(args.out, args.servers, args.commits, args.seed))


if __name__ == "__main__":
    main()
