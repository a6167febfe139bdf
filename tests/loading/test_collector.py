"""The cyclic collector held off while a command loads: nothing owed, nothing leaked.

Each case runs in a fresh interpreter: the collector's state is the process's, and
other tests (query, export) freeze what they made.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

_PAUSE = """
import gc, sys, weakref
from gitinv import collector

class Node:
    other = None

(gc.enable if sys.argv[1] == "on" else gc.disable)()
assert gc.get_freeze_count() == 0
with collector.paused():
    assert not gc.isenabled()
    kept = [[i] for i in range(50_000)]  # long-lived, as a load's records
    a, b = Node(), Node()
    a.other, b.other = b, a  # a cycle, garbage once the names go
    gone = weakref.ref(a)
    del a, b
    assert gc.get_count()[0] > 10_000
assert gc.isenabled() == (sys.argv[1] == "on")
assert gc.get_count()[0] < 100, gc.get_count()  # the new objects are not all owed a pass
assert gc.get_freeze_count() == 0  # and none is left out of later ones
assert gone() is not None
gc.collect()
assert gone() is None  # the cycle is still found by a full collection
assert len(kept) == 50_000
print("ok")
"""

_FROZEN = """
import gc
from gitinv import collector

gc.freeze()
frozen = gc.get_freeze_count()
assert frozen > 0
with collector.paused():
    made = [[i] for i in range(1_000)]
assert gc.get_freeze_count() == frozen, (gc.get_freeze_count(), frozen)
print("ok")
"""


def _run(code: str, *args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stdout.strip()) == (0, "ok"), done.stderr


@pytest.mark.parametrize("enabled", ["on", "off"])
def test_paused_owes_no_pass_and_leaks_no_cycle(enabled: str) -> None:
    _run(_PAUSE, enabled)


def test_a_callers_frozen_objects_stay_frozen() -> None:
    _run(_FROZEN)
