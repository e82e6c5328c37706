"""Redraws of landed figures give way to the operator's keys (ui/pacing.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from support import Seconds
from todotui.ui.pacing import KEY_PAUSE, MOST_HELD, HeldUpdates, KeyPause


class Timers:
    """`set_timer` as Textual's: a callback after a delay; here fired when the test says."""

    def __init__(self, clock: Seconds) -> None:
        self.clock = clock
        self.pending: list[tuple[float, Callable[[], None]]] = []

    def __call__(self, delay: float, callback: Callable[[], None]) -> None:
        self.pending.append((self.clock.now + delay, callback))

    def run_until(self, when: float) -> None:
        while self.pending and min(at for at, _ in self.pending) <= when:
            self.pending.sort(key=lambda p: p[0])
            at, callback = self.pending.pop(0)
            self.clock.now = at
            callback()
        self.clock.now = when


@pytest.fixture
def paced() -> tuple[Seconds, KeyPause, HeldUpdates, Timers, list[str]]:
    clock = Seconds()
    pause = KeyPause(clock)
    timers = Timers(clock)
    return clock, pause, HeldUpdates(pause, timers), timers, []


def test_with_no_key_near_a_landed_refresh_is_drawn_at_once(paced):
    clock, pause, held, timers, drawn = paced
    held.hold("dashboard", lambda: drawn.append("first"))  # no key yet this session
    pause.key_seen()
    clock.now += KEY_PAUSE * 2
    held.hold("dashboard", lambda: drawn.append("second"))
    assert drawn == ["first", "second"] and not timers.pending and held.deferred == 0


def test_a_refresh_landing_just_after_a_key_waits_for_the_pause_and_only_the_newest_is_drawn(
    paced,
):
    clock, pause, held, timers, drawn = paced
    pause.key_seen()
    clock.now += KEY_PAUSE / 4
    held.hold("fleet", lambda: drawn.append("fleet 1"))
    held.hold("dashboard", lambda: drawn.append("dashboard"))
    held.hold("fleet", lambda: drawn.append("fleet 2"))  # a newer read landed meanwhile
    assert drawn == []  # the key's own frame comes first
    timers.run_until(clock.now + KEY_PAUSE)
    assert sorted(drawn) == ["dashboard", "fleet 2"]  # the older read is never drawn
    assert held.deferred == 1 and not timers.pending


def test_keys_that_keep_coming_hold_a_redraw_for_at_most_a_second(paced):
    clock, pause, held, timers, drawn = paced
    pause.key_seen()
    start = clock.now
    held.hold("dashboard", lambda: drawn.append(clock.now - start))
    gap = KEY_PAUSE / 2  # keys closer together than the pause (a fast key repeat, a paste)
    while clock.now - start < 3 * MOST_HELD and not drawn:
        timers.run_until(clock.now + gap)
        pause.key_seen()
    assert drawn and drawn[0] == pytest.approx(MOST_HELD, abs=gap)
