"""`todotui --demo`'s first frame is the cockpit's skeleton, drawn before the core exists.

The import check runs a fresh interpreter (this one has everything loaded already); the app
checks drive the real app with Pilot, its core built by an opener the test lets go on.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from contextlib import AsyncExitStack
from datetime import timedelta
from pathlib import Path

from support import Clock, shows_last_refresh, until
from test_ui import base_time, status_text  # noqa: F401 (base_time: the fixture)
from todotui.config import Settings
from todotui.core.cockpit import Cockpit
from todotui.errors import ConfigError
from todotui.ui.app import make_app
from todotui.ui.screens.help import HelpScreen
from todotui.ui.widgets import MetricPane

ROOT = Path(__file__).resolve().parent.parent


def test_the_first_frames_import_path_loads_no_pydantic_sdk_or_moto():
    """What `--demo` imports before its first frame: the CLI, the launcher and the app
    module with its skeleton widgets; pydantic, the AWS SDKs and moto come after."""
    code = (
        "import sys, todotui.cli, todotui.demo, todotui.ui.app; "
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    loaded = set(out.stdout.split())
    assert "textual" in loaded
    assert not loaded & {"pydantic", "botocore", "aiobotocore", "boto3", "moto"}


def _pane_lines(app) -> list[str]:
    return [str(pane.query_one(".message").render()) for pane in app.query(MetricPane)]


async def test_the_skeleton_comes_first_then_the_core_fills_it_in(sandbox, base_time):  # noqa: F811
    clock = Clock(base_time + timedelta(seconds=30))
    settings = Settings().with_overrides(
        aws={"endpoint_url": sandbox.endpoint, "region": sandbox.region},
        cadence={"period_seconds": 60, "refresh_seconds": 600, "window_seconds": 900},
    )
    let_go = asyncio.Event()
    async with AsyncExitStack() as opened:

        async def opening() -> Cockpit:
            await let_go.wait()
            return await opened.enter_async_context(Cockpit(settings, clock=clock))

        app = make_app(opening=opening, demo_label="sandbox")
        async with app.run_test(size=(160, 48)) as pilot:
            await pilot.pause()
            # The skeleton: every pane loading, the settings not read, the keys dimmed.
            assert not app.ready
            assert _pane_lines(app) == ["loading…"] * 5
            assert "reading the settings…" in status_text(app)
            await pilot.press("p")  # needs the core: nothing happens, nothing fails
            assert not app.paused
            await pilot.press("question_mark")  # help needs no core
            assert isinstance(app.screen, HelpScreen)
            await pilot.press("escape")
            assert not isinstance(app.screen, HelpScreen)

            let_go.set()
            await until(pilot, lambda: app.ready, "the core")
            await until(pilot, lambda: shows_last_refresh(app), "the first refresh on screen")
            assert all(pane.snapshot is not None for pane in app.query(MetricPane))
            assert "watching λ" in status_text(app) and "account" in status_text(app)
            await pilot.press("p")  # the keys work now
            assert app.paused
        assert app.startup_error is None


async def test_a_core_that_cannot_be_built_closes_the_skeleton_with_the_reason():
    async def opening() -> Cockpit:
        raise ConfigError("settings.toml: cadence.refresh_seconds: too small")

    app = make_app(opening=opening)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.startup_error is not None, "the failure")
    assert isinstance(app.startup_error, ConfigError)
    assert "refresh_seconds" in str(app.startup_error)
