"""`todotui --demo`: the cockpit on a sandbox that this process starts, owns and stops.

The sandbox starts in a thread at once (this module imports no AWS SDK, so the child is
launched before the cockpit's own imports), so its few seconds of provisioning and backfill
overlap Textual's own start; the core waits for it before its first call (nothing is sent
anywhere before). Its dummy credentials reach the core's own AWS session, not os.environ.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import Future
from typing import TYPE_CHECKING

from todotui.errors import UsageError
from todotui.locations import cache_dir
from todotui.sandbox import (
    DUMMY_ACCESS_KEY_ID,
    DUMMY_SECRET_ACCESS_KEY,
    FLEET_TAG,
    MAX_FLEET,
    SANDBOX_REGION,
)
from todotui.startup_trace import mark, wait_for

if TYPE_CHECKING:  # pydantic and aiobotocore are imported after the sandbox child is started
    from todotui.aws.session import AwsClients, StaticCredentials
    from todotui.config import AwsTarget, Settings

DEMO_PERIOD = 5.0
"""Seconds each sandbox tick stands for in the demo: the panes move while you watch."""
DEMO_WINDOW = 300
"""The demo opens on 5 minutes: the sandbox's backfill fills it (w cycles to longer ones)."""
FIRST_REFRESH_SERVICES = ("sts", "cloudwatch", "logs", "lambda", "dynamodb")
"""The clients the first refresh makes (the identity, then `LiveReads.prepare`'s): their
models are parsed while the sandbox provisions, not after it."""
FIRST_FRAME_WAIT = 3.0
"""Seconds the SDK's loading waits for the first frame (it must not slow the drawing)."""


def demo_settings(settings: Settings, *, fleet: int = 0) -> Settings:
    """The sandbox, and nothing from the user's profile, whatever the flags said; with a
    `fleet`, the fleet view watches the sandbox's fleet (by its tag) beside the stack."""
    from todotui.config import AwsTarget, Fleet

    update = {"fleet": Fleet(tag="=".join(FLEET_TAG))} if fleet else {}
    return settings.model_copy(
        update={
            **update,
            "aws": AwsTarget(region=SANDBOX_REGION, read_only=settings.aws.effective_read_only),
            "cadence": settings.cadence.model_copy(
                update={
                    "period_seconds": int(DEMO_PERIOD),
                    "refresh_seconds": DEMO_PERIOD,
                    "window_seconds": DEMO_WINDOW,
                }
            ),
        }
    )


def check_scenario(name: str) -> None:
    from todotui.sandbox.scenarios import scenario_named

    try:
        scenario_named(name)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def check_fleet(size: int) -> None:
    """A `--fleet` the sandbox can run (refused here, before the cockpit opens)."""
    if not 0 <= size <= MAX_FLEET:
        raise UsageError(f"--fleet {size}: choose 0 to {MAX_FLEET} functions")


class StartingSandbox:
    """The demo's sandbox: started in a thread at once; stopped when the cockpit exits (the
    child also exits by itself if this process dies)."""

    def __init__(self, scenario: str, *, read_only: bool, fleet: int = 0) -> None:
        from todotui.sandbox.controller import Sandbox

        self.sandbox = Sandbox(
            scenario=scenario, period=DEMO_PERIOD, fleet=fleet, stack_cache=cache_dir() / "sandbox"
        )
        self.read_only = read_only
        # Plain futures, not `to_thread(join)`: a cockpit quit during start-up must not wait
        # for the sandbox to come up (asyncio.run joins its executor's threads on the way out)
        self._started: Future[None] = Future()
        self._preloaded: Future[None] | None = None
        self._thread = threading.Thread(target=self._start, name="sandbox-start", daemon=True)
        self._thread.start()

    def prepare(self, clients: AwsClients) -> None:
        """The core's clients: once the first frame is drawn, their SDK (aiobotocore, the
        services' models) is loaded in a thread while the sandbox provisions; the first
        refresh then makes its clients without parsing anything."""
        self._preloaded = preloaded = Future[None]()
        preloaded.set_running_or_notify_cancel()  # an awaiting task's cancel leaves it be
        threading.Thread(
            target=self._preload, args=(clients, preloaded), name="sdk-preload", daemon=True
        ).start()

    def _preload(self, clients: AwsClients, done: Future[None]) -> None:
        try:
            wait_for("first frame", FIRST_FRAME_WAIT)
            clients.preload(FIRST_REFRESH_SERVICES)
            mark("core's AWS SDK loaded")
        except Exception:  # nothing lost: the first refresh loads what it needs itself
            pass
        finally:
            done.set_result(None)

    def _start(self) -> None:
        self._started.set_running_or_notify_cancel()
        try:
            self.sandbox.start()
            mark("sandbox endpoint read")
            self.sandbox.wait_for_history(metrics_only=True)
        except BaseException as exc:  # handed to the poll loop, which reports it
            self._started.set_exception(exc)
        else:
            self._started.set_result(None)

    async def target(self) -> tuple[AwsTarget, StaticCredentials]:
        """Where the core's calls go, once the sandbox is up (the core's `connect`)."""
        await asyncio.wrap_future(self._started)  # raises what the start raised
        if self._preloaded is not None:  # never two threads creating the session at once
            await asyncio.wrap_future(self._preloaded)
        mark("sandbox ready for the core")
        from todotui.aws.session import StaticCredentials
        from todotui.config import AwsTarget

        target = AwsTarget(
            endpoint_url=self.sandbox.endpoint, region=self.sandbox.region, read_only=self.read_only
        )
        return target, StaticCredentials(DUMMY_ACCESS_KEY_ID, DUMMY_SECRET_ACCESS_KEY)

    def stop(self) -> None:
        self.sandbox.stop()
        self._thread.join(timeout=30)  # a start still under way ends once its child is gone
        self.sandbox.stop()
