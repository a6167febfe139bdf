"""Run every benchmark on one generated inventory and print ratios measured in this run.

The machine is shared and noisy: compare the ratios, not the absolute seconds.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
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
    browser_runs: int = 3
    rounds: int = 3  # runs of each command compared best against best
    validate_seconds: float = 0.0
    last_peak_mib: float = 0.0
    failures: list[str] = field(default_factory=list)
    peaks: dict[str, float] = field(default_factory=dict)

    def time(
        self,
        cmd: Sequence[str | Path],
        *,
        cwd: Path | None = None,
        env: dict[str, str] | None = None,
    ) -> float:
        """Run a command once (output discarded); wall seconds. A failure stops the bench.

        The command's peak memory is kept in `last_peak_mib`: the largest resident set of
        the process or of any child it waited for (forked workers included), from wait4."""
        start = time.perf_counter()
        with tempfile.TemporaryFile("w+") as errors:
            proc = subprocess.Popen(
                [str(c) for c in cmd],
                cwd=cwd or self.repo,
                stdout=subprocess.DEVNULL,
                stderr=errors,
                env={**os.environ, **env} if env else None,
            )
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
            elapsed = time.perf_counter() - start
            if proc.returncode not in (0, 1):
                errors.seek(0)
                command = " ".join(map(str, cmd))
                sys.exit(f"bench: {command} failed ({proc.returncode}):\n{errors.read()}")
        self.last_peak_mib = usage.ru_maxrss / 1024  # KiB on Linux
        return elapsed

    def peak(self, name: str, mib: float | None = None) -> None:
        """Keep the peak memory of `name` (the last command's unless given) for the summary."""
        value = self.last_peak_mib if mib is None else mib
        self.peaks[name] = max(self.peaks.get(name, 0.0), value)

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

    def cold_validate(self) -> list[str]:
        """validate reading every file, its cache left alone."""
        return self.gitinv("validate", "--no-cache")

    def filling_validate(self) -> list[str]:
        """validate as a first run: every file read, its results written into the cache
        (point $GITINV_CACHE_DIR at an empty folder)."""
        return self.gitinv("validate")


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
    print(f"== validate: {ctx.servers:,} servers, {ctx.commits:,} commits", flush=True)
    ctx.time(ctx.cold_validate())  # warm the file cache for both sides alike
    floor = _floor_seconds(ctx.repo)
    with tempfile.TemporaryDirectory(prefix="gitinv-bench-cache-") as folder:
        # Cold: an empty cache, which this run fills (what a first run costs).
        env = {"GITINV_CACHE_DIR": folder}
        ctx.validate_seconds = ctx.time(ctx.filling_validate(), env=env)
        ctx.peak("validate, cold")
        cold_peak = ctx.last_peak_mib
        warm = _warm_after_one_change(ctx, env)
    print(
        f"   parse floor {floor:.2f}s, cold validate {ctx.validate_seconds:.2f}s, "
        f"warm after one changed file {warm:.2f}s",
        flush=True,
    )
    ctx.report("validate / parse floor (CSafeLoader read+parse)", ctx.validate_seconds / floor, 1.0)
    # The target is set at 100,000 servers; elsewhere the figure is shown beside it.
    warm_target = 0.1 if ctx.servers == 100_000 else None
    ctx.report("warm validate, one file changed / parse floor", warm / floor, warm_target)
    ctx.report("validate peak memory (MiB)", cold_peak, 1024, unit=" MiB")
    _peer(ctx)


def _warm_after_one_change(ctx: Context, env: dict[str, str]) -> float:
    """validate with the cache the cold run filled, after one server file changed (put
    back afterwards, so the benches after this one see the inventory as generated)."""
    path = min((ctx.repo / "inventory" / "servers").rglob("*.yaml"))
    text = path.read_bytes()
    path.write_bytes(text + b"# changed\n")
    try:
        # Best of the rounds: each run reads the one file again (too few changed to rewrite).
        best = float("inf")
        for _ in range(ctx.rounds):
            best = min(best, ctx.time(ctx.gitinv("validate"), env=env))
            ctx.peak("validate, warm (one file changed)")
        return best
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
    parser.add_argument(
        "--commits",
        type=int,
        help="commits of history (default: one for every five servers, at most 20,000)",
    )
    parser.add_argument("--only", help="run only bench_<NAME> (and the core)")
    parser.add_argument(
        "--browser-runs", type=int, default=3, help="page loads measured (medians reported)"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        help="runs of each command, the best counting (default 3; 2 above 100,000 servers)",
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=os.environ.get("GITINV_BENCH_DATA") or ROOT / ".bench",
        help="where generated inventories are kept and reused ($GITINV_BENCH_DATA)",
    )
    args = parser.parse_args()
    # History costs grow with commits times the size of a group's folder (each commit's
    # diff reads it): past 100,000 servers the history stays at 20,000 commits, so that
    # a larger run measures the servers' growth and fits in half an hour.
    commits = min(args.servers // 5, 20_000) if args.commits is None else args.commits
    where = args.data / f"inv-{args.servers}-{commits}"
    print(f"generating {where} (reused on later runs)...", flush=True)
    start = time.perf_counter()
    repo = generate(where, args.servers, commits)
    rounds = args.rounds or (3 if args.servers <= 100_000 else 2)
    ctx = Context(
        repo=repo,
        servers=args.servers,
        commits=commits,
        browser_runs=args.browser_runs,
        rounds=rounds,
    )
    os.environ.setdefault("GIT_CONFIG_NOSYSTEM", "1")
    bench_start = time.perf_counter()
    print(f"   {bench_start - start:.0f} s", flush=True)
    core(ctx)
    import bench

    for info in sorted(pkgutil.iter_modules(bench.__path__), key=lambda m: m.name):
        if info.name.startswith("bench_") and (not args.only or info.name == f"bench_{args.only}"):
            print(f"== {info.name.removeprefix('bench_')}", flush=True)
            importlib.import_module(f"bench.{info.name}").run(ctx)
    print("== peak memory: the largest process of each command (forked workers included)")
    for name, mib in ctx.peaks.items():
        print(f"{name:<58} {mib:10.0f} MiB")
    print(f"bench time, generation aside: {(time.perf_counter() - bench_start) / 60:.1f} min")
    print("targets missed: " + (", ".join(ctx.failures) if ctx.failures else "none"))


if __name__ == "__main__":
    main()
