"""The collector's policy (ui/collector.py): collections wait for a pause in the keys, full
ones for the operator to stop; none is skipped for ever."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from support import Seconds
from todotui.ui.collector import (
    COLLECTING_EVERY,
    IDLE_BEFORE_COLLECTING,
    OVERDUE,
    SafePointCollector,
)
from todotui.ui.pacing import KEY_PAUSE, KeyPause


class Cycle:
    """Cyclic garbage, as Textual's strips make: only the collector frees it."""

    def __init__(self) -> None:
        self.me = self


def young_allocations(count: int) -> list[Cycle]:
    return [Cycle() for _ in range(count)]


@pytest.fixture
def collector() -> Iterator[tuple[Seconds, KeyPause, SafePointCollector]]:
    clock = Seconds()
    keys = KeyPause(clock)
    collector = SafePointCollector(keys)
    collector.start()
    try:
        yield clock, keys, collector
    finally:
        collector.stop()


def test_while_running_the_automatic_collector_is_off_and_on_again_after(collector):
    _clock, _keys, running = collector
    assert not gc.isenabled()
    running.stop()
    assert gc.isenabled()


def test_a_young_collection_waits_for_a_pause_in_the_keys(collector):
    clock, keys, running = collector
    clock.now += COLLECTING_EVERY / 2  # no full collection due
    first = gc.get_threshold()[0]
    kept = young_allocations(first)
    keys.key_seen()
    assert running.look() is None  # a key's frame is being drawn
    assert gc.get_count()[0] >= first
    clock.now += KEY_PAUSE
    assert running.look() in (0, 1)
    assert gc.get_count()[0] < first
    del kept


def test_keys_that_never_pause_still_get_their_garbage_collected(collector):
    clock, keys, running = collector
    clock.now += COLLECTING_EVERY / 2
    first = gc.get_threshold()[0]
    garbage = young_allocations(OVERDUE * first)
    del garbage  # cycles: freed only by a collection
    keys.key_seen()
    assert running.look() in (0, 1)  # overdue: collected under the keys


def test_a_full_collection_waits_for_the_operator_to_stop_and_comes_at_most_every_15_s(
    collector,
):
    clock, keys, running = collector
    clock.now += COLLECTING_EVERY
    for _ in range(30):  # a key every 0.3 s: no full collection under the operator's fingers
        keys.key_seen()
        clock.now += 0.3
        assert running.look() != 2
    gc.collect(1)  # something promoted, as a running cockpit always has
    clock.now += IDLE_BEFORE_COLLECTING
    assert running.look() == 2
    assert gc.get_count()[2] == 0
    clock.now += COLLECTING_EVERY / 2
    gc.collect(1)
    assert running.look() is None  # not again so soon
    clock.now += COLLECTING_EVERY
    gc.collect(1)
    assert running.look() == 2
    assert running.collections[2] == 2
