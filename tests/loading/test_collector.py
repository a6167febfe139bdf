"""The cyclic collector held off while a command loads: nothing owed, nothing leaked."""

from __future__ import annotations

import gc
import weakref

import pytest

from gitinv import collector


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


@pytest.mark.parametrize("enabled", [True, False])
def test_paused_owes_no_pass_and_leaks_no_cycle(enabled: bool) -> None:
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        with collector.paused():
            assert not gc.isenabled()
            kept = [[i] for i in range(50_000)]  # long-lived, as a load's records
            a, b = Node(), Node()
            a.other, b.other = b, a  # a cycle, garbage once the names go
            gone = weakref.ref(a)
            del a, b
            assert gc.get_count()[0] > 10_000
        assert gc.isenabled() == enabled
        assert gc.get_count()[0] < 100  # the new objects are not all owed a pass
        assert gc.get_freeze_count() == 0  # and none is left out of later ones
        assert gone() is not None
        gc.collect()
        assert gone() is None  # the cycle is still found by a full collection
        assert len(kept) == 50_000
    finally:
        (gc.enable if was else gc.disable)()


def test_a_callers_frozen_objects_stay_frozen() -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        assert frozen > 0
        with collector.paused():
            made = [[i] for i in range(1_000)]
        assert gc.get_freeze_count() == frozen
        assert len(made) == 1_000
    finally:
        gc.unfreeze()
