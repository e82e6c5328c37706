"""Start the cockpit: on real AWS after checking who we are, or on a fresh sandbox with --demo.

Startup problems (no credentials, no region, endpoint unreachable) are one line and exit
status 2, raised as UsageError for cli.py to print; nothing here prints a traceback.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from todotui.cli import UsageError
from todotui.config import AwsTarget, Settings


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
    from todotui.sandbox import SANDBOX_REGION
    from todotui.sandbox.controller import Sandbox
    from todotui.sandbox.scenarios import scenario_named
    from todotui.ui.app import make_app

    try:
        scenario_named(scenario)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    print(f"todotui: starting the sandbox ({scenario})…", flush=True)
    with Sandbox(scenario=scenario) as sandbox:
        period = sandbox.period
        demo_settings = settings.model_copy(
            update={
                # The sandbox, and nothing from the user's profile, whatever the flags said.
                "aws": AwsTarget(
                    endpoint_url=sandbox.endpoint,
                    region=SANDBOX_REGION,
                    read_only=settings.aws.read_only,
                ),
                "cadence": settings.cadence.model_copy(
                    update={"period_seconds": int(period), "refresh_seconds": float(period)}
                ),
            }
        )
        with _environment(sandbox.env):
            app = make_app(demo_settings, demo_label=f"sandbox ({scenario})")
            app.run()
    return app.return_code or 0


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
