"""Declared fields: the cost of six fields of fields.yaml on every server.

A micro benchmark in this process, on records generated in memory (not the
inventory on disk): the per-file stage `validate` runs for every server file --
parsing (decode, the strict loader's fast path) and checking (the Server model,
the declared fields' checks) -- and the rule across files (`unique`), for N
servers with the six fields of the README's example against the same servers
without them. What validate adds around it (listing and reading the files, the
workers, handing the records back) is left out there. Then the target itself: cold
`gitinv validate` on two inventories of N servers written for the purpose, with
and without the six fields, in CPU seconds (the machine is shared: wall time says
more about the neighbours). Run alone with `python -m bench.bench_fields [N]`.
"""

from __future__ import annotations

import gc
import multiprocessing
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from bench.generate import Generator, catalogs, yaml_text
from gitinv import fields
from gitinv.loader import Document, decode, fast_load, load_text

FIELDS_YAML = b"""\
owner:   {type: string, pattern: "^[a-z][a-z0-9.-]*$", description: Team mailbox}
cpu:     {type: integer, min: 1, max: 1024}
memory_gb: {type: integer, min: 1}
os:      {type: enum, values: [debian12, debian13, rhel9, windows2022], required: true}
eol:     {type: date, description: End of vendor support}
rack:    {type: string, unique: true}
"""
OS = ("debian12", "debian13", "rhel9", "windows2022")
ROUNDS = 3  # in process
# Cold validates of each side, the figure with the target: on a shared machine a run
# takes 10% to 40% longer than the quietest one, and the best of each side counts.
VALIDATE_ROUNDS = 7
TARGET = 1.2


def records(count: int, declared: bool) -> list[tuple[str, bytes]]:
    """(path, bytes) of `count` server files, with the six declared fields or without."""
    gen = Generator(seed=7)
    out = []
    for number in range(count):
        name, group, values = gen.server(number)
        text = yaml_text(values)
        if declared:
            # As a person writes them: numbers and dates plain, not quoted.
            text += (
                f"owner: team{number % 20:02d}.ops\n"
                f"cpu: {number % 64 + 1}\n"
                f"memory_gb: {2 ** (number % 8)}\n"
                f"os: {OS[number % 4]}\n"
                f"eol: 20{27 + number % 5}-0{number % 9 + 1}-1{number % 9}\n"
                f"rack: r{number:06d}\n"
            )
        out.append((f"inventory/servers/{group}/{name}.yaml", text.encode()))
    return out


def parse_all(files: list[tuple[str, bytes]]) -> list[Document]:
    out = []
    for path, data in files:
        text = decode(path, data)
        out.append(fast_load(path, text) or load_text(path, text))
    return out


def libyaml_all(files: list[tuple[str, bytes]]) -> None:
    for _, data in files:
        yaml.load(data, Loader=yaml.CSafeLoader)


def check_all(docs: list[Document], declared: fields.FieldSet) -> int:
    """What `validate` does for each parsed file and across them; the problems found."""
    problems = 0
    valid: list[tuple[str, dict[str, Any]]] = []
    for doc in docs:
        values, found = declared.validate_server(doc)
        problems += len(found)
        if values is not None:
            valid.append((doc.path, values))
    problems += len(declared.duplicates(valid, lambda path, name: (1, 1)))
    return problems


def cpu_seconds(work: Callable[[], object]) -> float:
    """CPU seconds of `work` (the machine is shared: wall time says more about the
    neighbours), with the cyclic collector held off as inventory.load does."""
    gc.collect()
    gc.disable()
    try:
        start = time.process_time()
        work()
        return time.process_time() - start
    finally:
        gc.enable()


def measure(count: int) -> dict[str, tuple[float, float]]:
    """Best CPU seconds (without, with the six fields) of parsing, of checking (the
    model, the declared fields, `unique`), and of both."""
    with_fields, found = fields.parse(FIELDS_YAML)
    assert not found, found
    plain_files, declared_files = records(count, False), records(count, True)
    plain_docs, declared_docs = parse_all(plain_files), parse_all(declared_files)
    assert check_all(plain_docs, fields.BUILTIN) == 0
    assert check_all(declared_docs, with_fields) == 0
    best: dict[str, list[float]] = {
        "parse": [9e9, 9e9],
        "check": [9e9, 9e9],
        "libyaml floor": [9e9, 9e9],
    }
    # Alternate the two, so a busy moment of the machine falls on both alike.
    for _ in range(ROUNDS):
        for side, files, docs, declared in (
            (0, plain_files, plain_docs, fields.BUILTIN),
            (1, declared_files, declared_docs, with_fields),
        ):
            floor = cpu_seconds(lambda files=files: libyaml_all(files))
            best["libyaml floor"][side] = min(best["libyaml floor"][side], floor)
            parse = cpu_seconds(lambda files=files: parse_all(files))
            check = cpu_seconds(lambda docs=docs, declared=declared: check_all(docs, declared))
            best["parse"][side] = min(best["parse"][side], parse)
            best["check"][side] = min(best["check"][side], check)
    out = {name: (pair[0], pair[1]) for name, pair in best.items()}
    out["both"] = (out["parse"][0] + out["check"][0], out["parse"][1] + out["check"][1])
    # What the six lines cost libyaml itself on the same files, for comparison.
    out["libyaml floor"] = out.pop("libyaml floor")
    return out


def _lines(count: int, found: dict[str, tuple[float, float]]) -> list[str]:
    return [
        f"{name}: {plain:.2f}s without, {declared:.2f}s with ({declared / plain:.2f}x)"
        for name, (plain, declared) in found.items()
    ]


def write_inventory(root: Path, count: int, declared: bool) -> Path:
    """An inventory of `count` servers on disk (the bench catalogs), with fields.yaml
    and the six fields on every server when `declared`."""
    inventory = root / "inventory"
    inventory.mkdir(parents=True)
    for stem, entries in catalogs().items():
        (inventory / f"{stem}.yaml").write_text(yaml_text(entries))
    if declared:
        (inventory / "fields.yaml").write_bytes(FIELDS_YAML)
    folders: set[Path] = set()
    for path, data in records(count, declared):
        target = root / path
        if target.parent not in folders:
            target.parent.mkdir(parents=True, exist_ok=True)
            folders.add(target.parent)
        target.write_bytes(data)
    return root


def validate_cpu(root: Path) -> float:
    """CPU seconds of one `gitinv validate` (its workers included); it must pass."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        [str(Path(sys.executable).parent / "gitinv"), "-C", str(root), "validate", "--no-cache"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"bench: validate of {root} failed:\n{done.stderr}")
    return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def cold_validate(count: int) -> tuple[list[float], list[float]]:
    """CPU seconds of each round of `gitinv validate` without and with the six fields
    (the two alternate, each first in turn), on two inventories written to a tmpfs
    where there is one (the disk's noise left out)."""
    shm = Path("/dev/shm")
    with tempfile.TemporaryDirectory(
        prefix="gitinv-fields-", dir=shm if shm.is_dir() else None
    ) as tmp:
        plain = write_inventory(Path(tmp) / "plain", count, False)
        declared = write_inventory(Path(tmp) / "declared", count, True)
        times: tuple[list[float], list[float]] = ([], [])
        for n in range(VALIDATE_ROUNDS):
            # Without then with, then with then without: a drift of the machine's load
            # over the rounds falls on both sides alike.
            for side in (0, 1) if n % 2 == 0 else (1, 0):
                times[side].append(validate_cpu(declared if side else plain))
    return times


def _measure_apart(count: int) -> dict[str, tuple[float, float]]:
    """`measure` in a process of its own: the records it makes would stay in this one
    (Python keeps the memory), and every command started later would inherit their
    peak, which the bench's peak-memory figures would then show."""
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(measure, (count,))


def _rounds(times: list[float]) -> str:
    return " ".join(f"{t:.2f}" for t in times)


def run(ctx: Any) -> None:
    for line in _lines(ctx.servers, _measure_apart(ctx.servers)):
        print(f"   in process, {line}", flush=True)
    plain, declared = cold_validate(ctx.servers)
    # Every round is shown: the spread says how near the target the noise alone comes.
    print(
        f"   cold validate, CPU: {min(plain):.2f}s without, {min(declared):.2f}s with six "
        f"declared fields on every server (rounds: {_rounds(plain)} without; "
        f"{_rounds(declared)} with)",
        flush=True,
    )
    ctx.report(
        f"validate, six declared fields / none (CPU, best of {VALIDATE_ROUNDS})",
        min(declared) / min(plain),
        TARGET,
    )


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    print(f"{count:,} servers, best CPU seconds of {ROUNDS}:")
    for line in _lines(count, measure(count)):
        print(f"  in process, {line}")
    plain, declared = cold_validate(count)
    print(
        f"  cold validate: {min(plain):.2f}s without, {min(declared):.2f}s with "
        f"({min(declared) / min(plain):.2f}x; rounds: {_rounds(plain)} without, "
        f"{_rounds(declared)} with)"
    )
    print(f"target: cold validate within {TARGET}x")


if __name__ == "__main__":
    main()
