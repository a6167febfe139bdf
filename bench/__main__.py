"""Run every benchmark on one generated inventory and print ratios measured in this run.

The machine is shared and noisy: compare the ratios, not the absolute seconds.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.generate import ROOT, generate

BIN = Path(sys.executable).parent


@dataclass
class Context:
    repo: Path
    servers: int
    commits: int
    validate_seconds: float = 0.0
    failures: list[str] = field(default_factory=list)

    def time(
        self,
        cmd: Sequence[str | Path],
        *,
        cwd: Path | None = None,
        env: dict[str, str] | None = None,
    ) -> float:
        """Run a command once (output discarded); wall seconds. A failure stops the bench."""
        start = time.perf_counter()
        proc = subprocess.run(
            [str(c) for c in cmd],
            cwd=cwd or self.repo,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **env} if env else None,
        )
        elapsed = time.perf_counter() - start
        if proc.returncode not in (0, 1):
            sys.exit(f"bench: {' '.join(map(str, cmd))} failed ({proc.returncode}):\n{proc.stderr}")
        return elapsed

    def report(self, name: str, value: float, target: float | None = None, unit: str = "x") -> None:
        """One line; a ratio over its target is marked and counted."""
        verdict = ""
        if target is not None:
            ok = value <= target
            verdict = f"  (target <= {target:g}{unit}: {'ok' if ok else 'MISSED'})"
            if not ok:
                self.failures.append(name)
        print(f"{name:<58} {value:10.2f}{unit}{verdict}", flush=True)

    def gitinv(self, *args: str) -> list[str]:
        return [str(BIN / "gitinv"), "-C", str(self.repo), *args]


def _floor_seconds(repo: Path) -> float:
    """The parse floor: read and parse every server file with libyaml in one process."""
    code = (
        "import os, sys, yaml\n"
        "L = yaml.CSafeLoader\n"
        "for d, _, fs in os.walk(sys.argv[1]):\n"
        "    for f in fs:\n"
        "        with open(os.path.join(d, f), 'rb') as h:\n"
        "            yaml.load(h.read(), Loader=L)\n"
    )
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, str(repo / "inventory" / "servers")], check=True)
    return time.perf_counter() - start


def core(ctx: Context) -> None:
    print(f"== validate: {ctx.servers:,} servers", flush=True)
    ctx.time(ctx.gitinv("validate", "--no-cache"))  # warm the file cache for both sides alike
    floor = _floor_seconds(ctx.repo)
    with tempfile.TemporaryDirectory(prefix="gitinv-bench-cache-") as folder:
        # Cold: an empty cache, which this run fills (what a first run costs).
        env = {"GITINV_CACHE_DIR": folder}
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        ctx.validate_seconds = ctx.time(ctx.gitinv("validate"), env=env)
        peak_mib = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
        warm = _warm_after_one_change(ctx, env)
    print(
        f"   parse floor {floor:.2f}s, cold validate {ctx.validate_seconds:.2f}s, "
        f"warm after one changed file {warm:.2f}s",
        flush=True,
    )
    ctx.report("validate / parse floor (CSafeLoader read+parse)", ctx.validate_seconds / floor, 1.0)
    ctx.report("warm validate, one file changed / parse floor", warm / floor, 0.1)
    ctx.report("validate peak memory (MiB)", peak_mib, 1024, unit=" MiB")
    _peer(ctx)


def _warm_after_one_change(ctx: Context, env: dict[str, str]) -> float:
    """validate with the cache the cold run filled, after one server file changed (put
    back afterwards, so the benches after this one see the inventory as generated)."""
    path = min((ctx.repo / "inventory" / "servers").rglob("*.yaml"))
    text = path.read_bytes()
    path.write_bytes(text + b"# changed\n")
    try:
        # Best of three: each run reads the one file again (too few changed to rewrite).
        return min(ctx.time(ctx.gitinv("validate"), env=env) for _ in range(3))
    finally:
        path.write_bytes(text)


def _peer(ctx: Context, subset: int = 300) -> None:
    """check-jsonschema (schema only) per file, against gitinv per file on the whole inventory."""
    files = sorted((ctx.repo / "inventory" / "servers").rglob("*.yaml"))[:subset]
    schema = ROOT / "schema" / "server.schema.json"
    peer = ctx.time([BIN / "check-jsonschema", "--schemafile", schema, *files])
    per_peer = peer / len(files)
    per_ours = ctx.validate_seconds / ctx.servers
    print(
        f"   check-jsonschema {per_peer * 1e3:.2f} ms/file ({len(files)} files), "
        f"gitinv {per_ours * 1e3:.3f} ms/file",
        flush=True,
    )
    ctx.report("check-jsonschema per file / gitinv per file (want >= 10)", per_peer / per_ours)
    if per_peer / per_ours < 10:
        ctx.failures.append("per-file speed against check-jsonschema")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--servers", type=int, default=100_000)
    parser.add_argument("--commits", type=int, default=20_000)
    parser.add_argument("--only", help="run only bench_<NAME> (and the core)")
    args = parser.parse_args()
    where = ROOT / ".bench" / f"inv-{args.servers}-{args.commits}"
    print(f"generating {where} (reused on later runs)...", flush=True)
    repo = generate(where, args.servers, args.commits)
    ctx = Context(repo=repo, servers=args.servers, commits=args.commits)
    os.environ.setdefault("GIT_CONFIG_NOSYSTEM", "1")
    core(ctx)
    import bench

    for info in sorted(pkgutil.iter_modules(bench.__path__), key=lambda m: m.name):
        if info.name.startswith("bench_") and (not args.only or info.name == f"bench_{args.only}"):
            print(f"== {info.name.removeprefix('bench_')}", flush=True)
            importlib.import_module(f"bench.{info.name}").run(ctx)
    print("targets missed: " + (", ".join(ctx.failures) if ctx.failures else "none"))


if __name__ == "__main__":
    main()
