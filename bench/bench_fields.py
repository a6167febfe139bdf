"""Declared fields: the cost of six fields of fields.yaml on every server.

A micro benchmark in this process, on records generated in memory (not the
inventory on disk): the per-file stage `validate` runs for every server file
(decode, the strict loader's fast path, the Server model and the declared
fields' checks), then the rules across files (`unique`), for N servers with the
six fields of the README's example against the same servers without them. The
target is the issue's: within 1.2x. Run alone with `python -m bench.bench_fields`.
"""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Callable
from typing import Any

from bench.generate import Generator, yaml_text
from gitinv import fields
from gitinv.loader import decode, fast_load, load_text

FIELDS_YAML = b"""\
owner:   {type: string, pattern: "^[a-z][a-z0-9.-]*$", description: Team mailbox}
cpu:     {type: integer, min: 1, max: 1024}
memory_gb: {type: integer, min: 1}
os:      {type: enum, values: [debian12, debian13, rhel9, windows2022], required: true}
eol:     {type: date, description: End of vendor support}
rack:    {type: string, unique: true}
"""
OS = ("debian12", "debian13", "rhel9", "windows2022")
ROUNDS = 3
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


def check_all(files: list[tuple[str, bytes]], declared: fields.FieldSet) -> int:
    """What `validate` does for each file and across them; the number of problems."""
    problems = 0
    valid: list[tuple[str, dict[str, Any]]] = []
    for path, data in files:
        text = decode(path, data)
        doc = fast_load(path, text) or load_text(path, text)
        values, found = declared.validate_server(doc)
        problems += len(found)
        if values is not None:
            valid.append((path, values))
    problems += len(declared.duplicates(valid, lambda path, name: (1, 1)))
    return problems


def best(work: Callable[[], int], rounds: int = ROUNDS) -> float:
    times = []
    for _ in range(rounds):
        gc.collect()
        gc.disable()  # as inventory.load runs
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
        gc.enable()
    return min(times)


def measure(count: int) -> tuple[float, float]:
    """Best seconds without and with the declared fields."""
    with_fields, found = fields.parse(FIELDS_YAML)
    assert not found, found
    plain_files, declared_files = records(count, False), records(count, True)
    assert check_all(plain_files, fields.BUILTIN) == 0
    assert check_all(declared_files, with_fields) == 0
    # Alternate the two, so a busy moment of the machine falls on both alike.
    plain, declared = [], []
    for _ in range(ROUNDS):
        plain.append(best(lambda: check_all(plain_files, fields.BUILTIN), 1))
        declared.append(best(lambda: check_all(declared_files, with_fields), 1))
    return min(plain), min(declared)


def run(ctx: Any) -> None:
    plain, declared = measure(ctx.servers)
    print(
        f"   {ctx.servers:,} records: {plain:.2f}s without, {declared:.2f}s with six "
        "declared fields (per-file stage and unique, one process)",
        flush=True,
    )
    ctx.report("six declared fields / none (per-file stage)", declared / plain, TARGET)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    plain, declared = measure(count)
    print(f"{count:,} records: {plain:.2f}s without, {declared:.2f}s with six declared fields")
    print(f"ratio {declared / plain:.2f} (target <= {TARGET})")


if __name__ == "__main__":
    main()
