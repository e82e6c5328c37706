"""Start the cockpit: on real AWS after checking who we are, or on a fresh sandbox with --demo.

Startup problems (no credentials, no region, endpoint unreachable) are one line and exit
status 2, raised as UsageError for cli.py to print; nothing here prints a traceback.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from typing import TYPE_CHECKING

from todotui.cli import UsageError
from todotui.config import AwsTarget, Settings
from todotui.sandbox import SANDBOX_REGION

if TYPE_CHECKING:
    from todotui.monitor import Monitor

DEMO_PERIOD = 5.0
"""Seconds each sandbox tick stands for in the demo: the panes move while you watch."""
DEMO_WINDOW = 300
"""The demo opens on 5 minutes: the sandbox's backfill fills it (w cycles to longer ones)."""


def launch(settings: Settings, *, demo: bool, scenario: str | None) -> int:
    """Run the cockpit until the user quits; returns the process exit status."""
    if scenario is not None and not demo:
        raise UsageError("--scenario needs --demo (it picks the sandbox's traffic scenario)")
    if demo:
        return _launch_demo(settings, scenario or "steady")
    check_identity(settings)
    from todotui.ui.app import make_app

    make_app(settings).run()
    return 0


def check_identity(settings: Settings) -> None:
    """Ask STS who we are before drawing anything; a failure becomes one clear line."""
    from todotui.monitor import Monitor, MonitorError

    async def ask() -> None:
        async with Monitor(settings) as monitor:
            await monitor.identity()

    try:
        asyncio.run(ask())
    except MonitorError as exc:
        raise UsageError(str(exc)) from None


def _launch_demo(settings: Settings, scenario: str) -> int:
    """Open the cockpit at once; the sandbox starts behind it and the panes fill when it is up."""
    from todotui.sandbox.scenarios import scenario_named
    from todotui.ui.app import make_app

    try:
        scenario_named(scenario)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    demo_settings = settings.model_copy(
        update={
            # The sandbox, and nothing from the user's profile, whatever the flags said.
            "aws": AwsTarget(region=SANDBOX_REGION, read_only=settings.aws.effective_read_only),
            "cadence": settings.cadence.model_copy(
                update={
                    "period_seconds": int(DEMO_PERIOD),
                    "refresh_seconds": float(DEMO_PERIOD),
                    "window_seconds": DEMO_WINDOW,
                }
            ),
        }
    )
    starting = StartingSandbox(scenario)  # in a thread, while Textual loads and draws
    try:
        app = make_app(
            demo_settings,
            monitor_factory=starting.monitor,
            demo_label=f"sandbox ({scenario})",
        )
        app.run()
    finally:
        starting.stop()
    return app.return_code or 0


class StartingSandbox:
    """The demo's sandbox: started at once in a thread, so its few seconds of provisioning
    and backfill overlap the cockpit's own start; stopped when the cockpit exits (the child
    also exits by itself if this process dies)."""

    def __init__(self, scenario: str) -> None:
        from todotui.sandbox.controller import Sandbox

        self.sandbox = Sandbox(scenario=scenario, period=DEMO_PERIOD)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._start, name="sandbox-start", daemon=True)
        self._thread.start()

    def _start(self) -> None:
        try:
            self.sandbox.start()
            self.sandbox.wait_for_history()
        except BaseException as exc:  # handed to the poll worker, which reports it
            self._error = exc

    @asynccontextmanager
    async def monitor(self, settings: Settings) -> AsyncIterator[Monitor]:
        """A Monitor on the sandbox, once it is up (the poll worker's Monitor factory)."""
        from todotui.monitor import Monitor

        await asyncio.to_thread(self._thread.join)
        if self._error is not None:
            raise self._error
        target = AwsTarget(
            endpoint_url=self.sandbox.endpoint,
            region=self.sandbox.region,
            read_only=settings.aws.effective_read_only,
        )
        with _environment(self.sandbox.env):
            async with Monitor(settings.model_copy(update={"aws": target})) as monitor:
                yield monitor

    def stop(self) -> None:
        self.sandbox.stop()
        self._thread.join(timeout=30)  # a start still under way ends once its child is gone
        self.sandbox.stop()


@contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    """Dummy credentials and region for this process only, restored afterwards."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
