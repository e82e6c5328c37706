"""Screenshots of the investigations from an alert: X-Ray traces, log lines, the test sign-in.

    .venv/bin/python screenshots/make_investigate_screenshots.py

A sandbox of its own (manual time, fixed seed): error-burst for the log lines (a JSON
pattern over the ERROR lines around a log alert), then slow-dependency for the traces (the
duration alarm's alert: the slowest traces and their waterfall), each opened with the keys
from the alert feed. PNGs beside the SVGs when rsvg-convert is installed.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path

from make_action_screenshots import SimClock, render_pngs, save, wait

from todotui.actions import Journal
from todotui.alerts.model import AlertSource
from todotui.config import Settings
from todotui.core.cockpit import Cockpit
from todotui.sandbox.controller import Sandbox
from todotui.ui.app import make_app
from todotui.ui.screens.alert_detail import AlertDetailScreen
from todotui.ui.screens.investigate import LogLinesScreen, SignInTestScreen, TracesScreen
from todotui.ui.widgets import AlertFeedView

HERE = Path(__file__).resolve().parent
SIZE = (160, 48)


def settings_for(sandbox: Sandbox) -> Settings:
    return Settings().with_overrides(
        aws={"endpoint_url": sandbox.endpoint, "region": sandbox.region},
        cadence={"period_seconds": 60, "refresh_seconds": 60, "window_seconds": 900},
    )


def restore_alias(sandbox: Sandbox) -> None:
    sandbox.client("lambda").update_alias(
        FunctionName=sandbox.names.function_name,
        Name=sandbox.names.alias,
        FunctionVersion=sandbox.stack.stable_version,
        RoutingConfig={"AdditionalVersionWeights": {}},
    )


def idle(screen) -> bool:
    return not any(w.is_running for w in screen.app.workers if w.node is screen)


async def open_alert(app, pilot, choose) -> None:
    await wait(pilot, lambda: app.refreshes >= 1 and not app.refreshing)
    feed = app.query_one(AlertFeedView)
    await wait(pilot, lambda: any(choose(a) for a in feed.alerts))
    await pilot.press("f")
    feed.move_cursor(row=next(i for i, a in enumerate(feed.alerts) if choose(a)))
    await pilot.press("enter")
    await wait(pilot, lambda: isinstance(app.screen, AlertDetailScreen))


async def logs_shot(sandbox: Sandbox, journal: Path) -> list[Path]:
    clock = SimClock(sandbox.tick(3))
    core = Cockpit(settings_for(sandbox), clock=clock, journal=Journal(journal))
    app = make_app(core, demo_label="sandbox (error-burst)", close_core=True)
    saved = []
    async with app.run_test(size=SIZE) as pilot:
        await open_alert(
            app, pilot, lambda a: a.source is AlertSource.LOG and "KeyError" in a.title
        )
        await pilot.press("l")
        await wait(pilot, lambda: isinstance(app.screen, LogLinesScreen))
        screen = app.screen
        await wait(pilot, lambda: screen.result is not None and idle(screen))
        pattern = screen.query_one("#pattern")
        pattern.value = '{ $.level = "ERROR" && $.statusCode >= 500 }'
        await pilot.press("enter")
        await pilot.pause(0.3)
        await wait(pilot, lambda: idle(screen) and screen.result.pattern == pattern.value)
        screen.query_one("#results").focus()
        await pilot.press("down")
        await pilot.pause(0.5)
        saved.append(save(app, "investigate-logs", HERE, ""))
        await pilot.press("escape")
        await pilot.press("s")
        await wait(pilot, lambda: isinstance(app.screen, SignInTestScreen))
        screen = app.screen
        await pilot.press(*"TestPassword123!")
        await pilot.press("enter")
        await wait(pilot, lambda: screen.outcome is not None and idle(screen))
        await pilot.pause(0.3)
        saved.append(save(app, "investigate-sign-in", HERE, ""))
    return saved


async def traces_shot(sandbox: Sandbox, journal: Path) -> list[Path]:
    clock = SimClock(sandbox.tick(4))
    core = Cockpit(settings_for(sandbox), clock=clock, journal=Journal(journal))
    app = make_app(core, demo_label="sandbox (slow-dependency)", close_core=True)
    saved = []
    async with app.run_test(size=SIZE) as pilot:
        await open_alert(app, pilot, lambda a: a.source is AlertSource.ALARM)
        await pilot.press("t")
        await wait(pilot, lambda: isinstance(app.screen, TracesScreen))
        screen = app.screen
        await wait(pilot, lambda: screen.result is not None and idle(screen))
        await pilot.pause(0.5)
        saved.append(save(app, "investigate-traces", HERE, ""))
    return saved


def main() -> None:
    with (
        tempfile.TemporaryDirectory() as tmp,
        Sandbox(manual=True, period=60, seed=7, backfill=15) as sandbox,
    ):
        os.environ.update(sandbox.env)
        journal = Path(tmp) / "journal.jsonl"
        sandbox.set_scenario("error-burst")
        saved = asyncio.run(logs_shot(sandbox, journal))
        restore_alias(sandbox)  # error-burst deployed its version to all traffic
        sandbox.set_scenario("slow-dependency")
        saved += asyncio.run(traces_shot(sandbox, journal))
    render_pngs(saved)


if __name__ == "__main__":
    main()
