"""The poll loop: refresh, report, wait for the cadence (or a nudge), repeat; never overlapping.

It lives in the core, not in the UI: the UI runs `run()` in a worker and listens, and if
that worker dies the loop is started again on the same Monitor, so no state is lost.
Time comes from the injected clock, so tests move it instead of sleeping.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from todotui import format as fmt
from todotui.core import cadence
from todotui.core.clock import Clock
from todotui.core.monitor import CostMeter, Identity, Monitor, MonitorError, Refresh
from todotui.telemetry.health import is_stale


@dataclass(frozen=True, slots=True)
class Connected:
    """STS said who we are: the account, region and endpoint the cockpit watches."""

    identity: Identity


@dataclass(frozen=True, slots=True)
class IdentityFailed:
    """STS could not be asked (no credentials, endpoint down); `error` is one line."""

    error: str


@dataclass(frozen=True, slots=True)
class Refreshed:
    """One refresh ended, well or not; `cost` is the meter after it."""

    refresh: Refresh
    cost: CostMeter


PollEvent = Connected | IdentityFailed | Refreshed
Listener = Callable[[PollEvent], None]


class Poller:
    """Schedules the Monitor's refreshes at the cadence, backs off while they fail."""

    def __init__(
        self,
        monitor: Monitor,
        clock: Clock,
        *,
        connect: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.monitor = monitor
        self.clock = clock
        self._connect = connect
        """Awaited before the first refresh (the demo waits for its sandbox here)."""
        self._connected = connect is None
        self._paused = False
        self._refresh_seconds = monitor.refresh_seconds
        self._wake = asyncio.Event()
        self._refresh_requested = False
        self._running = False
        self._listeners: list[Listener] = []
        self.identity: Identity | None = None
        self.refreshes = 0
        """Refreshes finished since start, successful or not."""
        self.refreshing = False
        """True while a refresh is in flight (at most one ever is)."""
        self.failures = 0
        """Refreshes that failed in a row: the wait before the next one doubles with each."""
        self.last: Refresh | None = None
        self.last_good_at: datetime | None = None

    # -- who listens ---------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener` with every event; returns the function that stops it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _emit(self, event: PollEvent) -> None:
        for listener in list(self._listeners):
            listener(event)

    # -- what the operator controls ------------------------------------------------------

    @property
    def paused(self) -> bool:
        """Paused = no AWS requests at all, until resumed or a refresh is asked for."""
        return self._paused

    @paused.setter
    def paused(self, paused: bool) -> None:
        self._paused = paused
        self._wake.set()

    @property
    def refresh_seconds(self) -> float:
        return self._refresh_seconds

    @refresh_seconds.setter
    def refresh_seconds(self, seconds: float) -> None:
        self._refresh_seconds = self.monitor.refresh_seconds = seconds
        self._wake.set()

    def set_window(self, seconds: int) -> None:
        """A new time window; the next refresh (at once) fills it."""
        self.monitor.window_seconds = seconds
        self.request_refresh()

    def request_refresh(self) -> None:
        """Refresh now, paused or not."""
        self._refresh_requested = True
        self._wake.set()

    # -- what the rest of the core asks --------------------------------------------------

    @property
    def failing(self) -> str | None:
        """Why the last refresh failed, or None when it worked (or none has run yet)."""
        if self.last is None or self.last.ok:
            return None
        return self.last.error or "refresh failed"

    def overdue(self, now: datetime) -> bool:
        """The data on screen is older than the stale threshold (however the refresh in flight
        is going): the panes must be re-judged now, not when that refresh gives up."""
        return is_stale(self.last_good_at, now, self.refresh_seconds)

    def stale_reason(self, now: datetime) -> str | None:
        """Why the telemetry is too old to act on, or None (the same rule as the panes)."""
        if self.failing:
            return f"Telemetry is stale: the last refresh failed ({self.failing})"
        if self.last_good_at is None:
            return "Telemetry is stale: nothing has been fetched yet"
        if is_stale(self.last_good_at, now, self.refresh_seconds):
            age = (now - self.last_good_at).total_seconds()
            return f"Telemetry is stale: the last good refresh was {fmt.duration(age)} ago"
        return None

    # -- the loop ------------------------------------------------------------------------

    async def run(self) -> None:
        """Poll until cancelled. Only one run at a time; a new run continues where one died."""
        if self._running:
            raise RuntimeError("the poll loop is already running")
        self._running = True
        try:
            if not self._connected and self._connect is not None:
                await self._connect()
                self._connected = True
            while True:
                if not self._paused or self._refresh_requested:
                    self._refresh_requested = False
                    await self.refresh_once()
                await self._wait_for_next_turn()
        finally:
            self._running = False
            self.refreshing = False

    async def refresh_once(self) -> Refresh:
        """One refresh (asking STS first until it has answered), reported to listeners."""
        if self.identity is None:
            await self._identify()
        self.refreshing = True
        try:
            refresh = await self.monitor.refresh()
        finally:
            self.refreshing = False
        self.refreshes += 1
        self.failures = 0 if refresh.ok else self.failures + 1
        self.last = refresh
        if refresh.ok:
            self.last_good_at = refresh.finished_at
        self._emit(Refreshed(refresh, self.monitor.cost))
        return refresh

    async def _identify(self) -> None:
        try:
            self.identity = await self.monitor.identity()
        except MonitorError as exc:
            self._emit(IdentityFailed(str(exc)))
            return
        self._emit(Connected(self.identity))

    async def _wait_for_next_turn(self) -> None:
        """Sleep until the cadence is due, a refresh is asked for, or polling resumes."""
        started = self.clock()
        wait = cadence.backoff(self.refresh_seconds, self.failures)
        while not self._refresh_requested:
            self._wake.clear()
            elapsed = (self.clock() - started).total_seconds()
            if not self._paused and elapsed >= wait:
                return
            await self.clock.wait(None if self._paused else wait - elapsed, self._wake)
            elapsed = (self.clock() - started).total_seconds()
            if not self._paused and elapsed >= wait:
                return
            # woken by a key: a cadence change shortens or lengthens this wait
            wait = cadence.backoff(self.refresh_seconds, self.failures)
