"""Time, from one place: what time it is, and waiting for a moment or a nudge.

The poller, the monitor, the action runner and the UI all read time through a `Clock`, so
a test (or a replay) can drive time instead of sleeping on the wall clock: with a
`ManualClock`, a refresh that is due in ten minutes happens when the test moves the clock.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Calling a clock tells the time (aware, UTC); `wait` sleeps on it."""

    def __call__(self) -> datetime: ...

    async def wait(self, seconds: float | None, wake: asyncio.Event) -> None:
        """Return after `seconds` of this clock's time (None: never), or once `wake` is set."""
        ...


def utc_now() -> datetime:
    return datetime.now(UTC)


class SystemClock:
    """The wall clock; waits are asyncio timeouts."""

    def __call__(self) -> datetime:
        return utc_now()

    async def wait(self, seconds: float | None, wake: asyncio.Event) -> None:
        if seconds is not None and seconds <= 0:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), seconds)


class ManualClock:
    """A clock that moves only when told to (`advance`, or setting `now`); waits end when
    the clock passes their deadline, so tests drive the poll loop without sleeping."""

    def __init__(self, now: datetime) -> None:
        self._now = now
        self._moved: set[asyncio.Event] = set()

    def __call__(self) -> datetime:
        return self._now

    @property
    def now(self) -> datetime:
        return self._now

    @now.setter
    def now(self, moment: datetime) -> None:
        self._now = moment
        for moved in self._moved:
            moved.set()

    def advance(self, seconds: float) -> datetime:
        self.now = self._now + timedelta(seconds=seconds)
        return self._now

    async def wait(self, seconds: float | None, wake: asyncio.Event) -> None:
        deadline = None if seconds is None else self._now + timedelta(seconds=seconds)
        while not wake.is_set() and (deadline is None or self._now < deadline):
            moved = asyncio.Event()
            self._moved.add(moved)
            waits = [asyncio.ensure_future(wake.wait()), asyncio.ensure_future(moved.wait())]
            try:
                await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            finally:
                self._moved.discard(moved)
                for waiting in waits:
                    waiting.cancel()
