"""The collector's policy (ui/collector.py): full collections wait for the operator to pause."""

from __future__ import annotations

import gc

from todotui.ui.collector import COLLECTING_EVERY, IDLE_BEFORE_COLLECTING, IdleCollection


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def promoted() -> None:
    """Something in the oldest generation's count, as a running cockpit always has."""
    gc.collect(1)


def test_a_full_collection_waits_for_a_pause_in_the_keys_and_comes_at_most_every_15_s():
    clock = Clock()
    collection = IdleCollection(clock)
    clock.now += COLLECTING_EVERY
    for _ in range(30):  # a key every 0.3 s: never collected under the operator's fingers
        collection.input_seen()
        clock.now += 0.3
        promoted()
        assert collection.collect_if_idle() is False
    clock.now += IDLE_BEFORE_COLLECTING
    promoted()
    assert collection.collect_if_idle() is True
    assert gc.get_count()[2] == 0  # it was a full collection
    clock.now += COLLECTING_EVERY / 2
    promoted()
    assert collection.collect_if_idle() is False  # not again so soon
    clock.now += COLLECTING_EVERY
    promoted()
    assert collection.collect_if_idle() is True
    assert collection.collections == 2
