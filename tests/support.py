"""Helpers shared by the test files: waiting on a running app, and the clocks tests hand it.

Imported as a top-level module (`from support import until`), like `ui_traffic` and
`actions_support`: the rootdir conftest puts tests/ on sys.path.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from textual.pilot import Pilot

from todotui.core.clock import ManualClock


async def until(
    pilot: Pilot, condition: Callable[[], bool], what: str, timeout: float = 60
) -> None:
    """Let the app run until `condition` holds (no timing is asserted; the limit only ends a hang)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            pytest.fail(f"timed out after {timeout:g}s waiting for {what}")
        await pilot.pause(0.05)


def shows_last_refresh(app: Any) -> bool:
    """True once the cockpit's screen shows its Monitor's latest refresh.

    `app.refreshes` counts a refresh up before the app has handled its `RefreshFinished`;
    this holds once the panes and the alert feed say what the Monitor now holds."""
    from todotui.ui.widgets import AlertFeedView, MetricPane

    monitor = app.monitor
    if monitor is None or app.refreshes < 1 or app.refreshing:
        return False
    for pane in app.query(MetricPane):
        latest = monitor.panes.get(pane.key)
        if latest is not None and pane.snapshot != latest:
            return False
    shown = {alert.key: alert for alert in app.query_one(AlertFeedView).alerts}
    return all(shown.get(alert.key) == alert for alert in monitor.feed.entries)


Clock = ManualClock
"""A clock that moves only when the test says so (`clock.advance(s)`, `clock.now += ...`);
the cockpit's poll loop waits on it, so a refresh falls due when the test moves time."""


class Seconds:
    """A monotonic clock in seconds (as `time.monotonic`) that moves only when the test says
    so (`clock.now += ...`): for the key pause and the collector's policy."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class SimClock(ManualClock):
    """A sandbox's simulated time, advanced only by ticking the sandbox through it."""

    def __init__(self, sandbox: Any) -> None:
        self.sandbox = sandbox
        self.status = sandbox.status()
        super().__init__(datetime.fromisoformat(self.status["sim_time"]))

    def tick(self, count: int = 1) -> dict[str, Any]:
        """Tick the sandbox `count` times; returns the last tick's figures (it had no problems)."""
        self.status = self.sandbox.tick(count)
        self.now = datetime.fromisoformat(self.status["sim_time"])
        assert self.status["last_tick"]["problems"] == []
        return self.status["last_tick"]


class Forwarder:
    """A TCP relay in front of the sandbox that the test can take down and bring back, or
    freeze (connections stay open, nothing moves: an endpoint that stopped answering)."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._flowing = asyncio.Event()
        self._flowing.set()

    def freeze(self) -> None:
        self._flowing.clear()

    def thaw(self) -> None:
        self._flowing.set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(
            self._relay, "127.0.0.1", self.port, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.close()
        await self._server.wait_closed()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        self._writers |= {writer, up_writer}

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(ConnectionError, OSError):
                while data := await src.read(65536):
                    await self._flowing.wait()
                    dst.write(data)
                    await dst.drain()
            dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self._writers -= {writer, up_writer}
