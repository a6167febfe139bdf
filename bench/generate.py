"""The generated inventory of shared/tools/gen_inventory.py, history included, made fast.

gen_inventory.py --git commits through one `git add -A` per change, hours for 20,000
commits on 100,000 files. This drives the very same generator functions and random
sequence, but writes the commits through one `git fast-import` stream.
"""

from __future__ import annotations

import importlib.util
import os
import random
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import IO

ROOT = Path(__file__).resolve().parent.parent
GEN = Path(os.environ.get("GEN_INVENTORY") or ROOT.parent / "shared" / "tools" / "gen_inventory.py")


def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_inventory", GEN)
    if spec is None or spec.loader is None or not GEN.exists():
        sys.exit(
            f"bench: {GEN} not found (the shared tools sit beside the project folder; "
            "GEN_INVENTORY=path names the script elsewhere)"
        )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _blob(out: IO[bytes], path: str, text: str) -> None:
    data = (text + "\n").encode()
    out.write(f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n")


def _commit(out: IO[bytes], when: int, message: str) -> None:
    # fast-import continues a branch from its tip: no `from` line needed.
    msg = message.encode()
    out.write(
        b"commit refs/heads/main\n"
        + f"author Gen <gen@example.com> {when} +0000\n".encode()
        + f"committer Gen <gen@example.com> {when} +0000\n".encode()
        + f"data {len(msg)}\n".encode()
        + msg
        + b"\n"
    )


def generate(out_dir: Path, servers: int, commits: int, seed: int = 1) -> Path:
    """Write the repository (once; reused while the marker file says it is complete)."""
    marker = out_dir / ".complete"
    if marker.exists():
        return out_dir
    gen = generator()
    if out_dir.exists():
        subprocess.run(["rm", "-rf", str(out_dir)], check=True)
    out_dir.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(out_dir)], check=True)
    proc = subprocess.Popen(
        ["git", "-C", str(out_dir), "fast-import", "--quiet"], stdin=subprocess.PIPE
    )
    assert proc.stdin is not None
    stream = proc.stdin
    rng = random.Random(seed)
    cat = gen.catalogs(rng)
    when = 1_700_000_000
    _commit(stream, when, "Initial inventory")
    for name, entries in cat.items():
        _blob(stream, f"inventory/{name}.yaml", gen.dump_yaml(entries))
    live: dict[str, str] = {}
    for i in range(servers):
        name, group, doc = gen.server(rng, cat, i)
        live[name] = group
        _blob(stream, f"inventory/servers/{group}/{name}.yaml", gen.dump_yaml(doc))
    stream.write(b"\n")
    nxt = servers
    for c in range(commits):
        when += 3600
        kind = rng.choice(["update", "update", "add", "delete"])
        if kind == "add" or not live:
            name, group, doc = gen.server(rng, cat, nxt)
            nxt += 1
            live[name] = group
            body = gen.dump_yaml(doc)
            _commit(stream, when, f"{kind} {name} (#{c + 1})")
            _blob(stream, f"inventory/servers/{group}/{name}.yaml", body)
        elif kind == "update":
            name = rng.choice(sorted(live))
            _, _, doc = gen.server(rng, cat, int(name[3:]))
            doc["state"] = rng.choice(gen.STATES)
            doc["description"] = f"Changed in commit {c}"
            _commit(stream, when, f"{kind} {name} (#{c + 1})")
            _blob(stream, f"inventory/servers/{live[name]}/{name}.yaml", gen.dump_yaml(doc))
        else:
            name = rng.choice(sorted(live))
            group = live.pop(name)
            _commit(stream, when, f"{kind} {name} (#{c + 1})")
            stream.write(f"D inventory/servers/{group}/{name}.yaml\n".encode())
        stream.write(b"\n")
    stream.close()
    if proc.wait() != 0:
        sys.exit("bench: git fast-import failed")
    subprocess.run(["git", "-C", str(out_dir), "checkout", "-q", "-f", "main"], check=True)
    marker.write_text(f"{servers} {commits} {seed}\n")
    os.utime(out_dir)
    return out_dir
