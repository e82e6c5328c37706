"""Regenerate every screenshot in this folder: the cockpit during a spike, rollouts, actions.

    .venv/bin/python screenshots/make_screenshots.py

Starts a sandbox (manual time, fixed seed), plays steady traffic then the spike scenario,
opens the cockpit on it with the sandbox's simulated clock (the diagnosis line, its menu and
the suggested fix's pre-filled dialog too), and saves SVGs here; PNGs too
when `rsvg-convert` is installed (apt-get install librsvg2-bin). Then, on a sandbox of its
own, a rollout started with the keys: a healthy canary mid-way, then a bad deploy's
automatic abort counting down. Then runs make_action_screenshots.py (alert -> actions,
plan, outcome, typed confirmation, journal).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path

import make_action_screenshots as actions
from make_action_screenshots import SimClock, render_pngs, save, wait

from todotui.actions import Journal
from todotui.config import Settings
from todotui.core.cockpit import Cockpit
from todotui.rollout.model import Phase
from todotui.sandbox.controller import Sandbox
from todotui.ui.actions import ActionDialog
from todotui.ui.app import TodoTuiApp, make_app
from todotui.ui.rollout import RolloutScreen, StartRolloutScreen

HERE = Path(__file__).resolve().parent
SIZE = (160, 48)
PERIOD = 60


async def shoot(sandbox: Sandbox, clock: SimClock) -> list[Path]:
    settings = Settings().with_overrides(
        aws={"endpoint_url": sandbox.endpoint, "region": sandbox.region},
        cadence={"period_seconds": PERIOD, "refresh_seconds": 60, "window_seconds": 900},
    )
    app = make_app(Cockpit(settings, clock=clock), demo_label="sandbox (spike)", close_core=True)
    saved = []
    async with app.run_test(size=SIZE) as pilot:
        while app.refreshes < 1 or app.refreshing:
            await pilot.pause(0.1)
        await pilot.pause(0.5)
        saved.append(save(app, "cockpit-spike", HERE, ""))
        # The diagnosis's fix: the menu, then its dialog arriving pre-filled with the arithmetic.
        await pilot.press("a")
        await pilot.pause(0.5)
        saved.append(save(app, "diagnosis-menu", HERE, ""))
        await pilot.press("enter")
        await wait(
            pilot,
            lambda: isinstance(app.screen, ActionDialog) and app.screen.plan is not None,
        )
        await pilot.pause(0.5)
        saved.append(save(app, "action-suggested", HERE, ""))
        await pilot.press("escape")
        await pilot.pause(0.3)
        await pilot.press("f", "enter")
        await pilot.pause(0.3)
        saved.append(save(app, "alert-detail", HERE, ""))
        await pilot.press("escape", "question_mark")
        await pilot.pause(0.3)
        saved.append(save(app, "help", HERE, ""))
    return saved


# -- rollouts ------------------------------------------------------------------------------------


def route_all_to(sandbox: Sandbox, version: str) -> None:
    """All traffic to `version`, weights cleared (a scenario that split the alias, undone)."""
    sandbox.client("lambda").update_alias(
        FunctionName=sandbox.names.function_name,
        Name=sandbox.names.alias,
        FunctionVersion=version,
        RoutingConfig={"AdditionalVersionWeights": {}},
    )


async def tick(sandbox: Sandbox, clock: SimClock, pilot, app: TodoTuiApp, count: int = 1) -> None:
    """`count` simulated periods, then one refresh (and the rollout driver's tick after it)."""
    status = sandbox.tick(count)
    clock.now = datetime.fromisoformat(status["sim_time"])
    before = app.refreshes
    app.core.poller.request_refresh()
    await wait(pilot, lambda: app.refreshes > before and not app.refreshing)
    await app.core.rollouts.idle()
    await pilot.pause(0.3)


async def start_canary(pilot, app: TodoTuiApp) -> None:
    """s, the default version (the newest that is not serving), the default strategy, Start."""
    await pilot.press("s")
    await wait(pilot, lambda: isinstance(app.screen, StartRolloutScreen))
    screen = app.screen
    assert isinstance(screen, StartRolloutScreen)
    await wait(pilot, lambda: screen.versions is not None)
    await pilot.pause(0.3)
    await pilot.press("enter", "enter")
    await pilot.pause(0.2)
    await pilot.press("enter")
    await wait(pilot, lambda: isinstance(app.screen, RolloutScreen) and not app.screen.busy)


async def shoot_rollouts(sandbox: Sandbox, clock: SimClock, journal: Path) -> list[Path]:
    settings = Settings().with_overrides(
        aws={"endpoint_url": sandbox.endpoint, "region": sandbox.region},
        cadence={"period_seconds": PERIOD, "refresh_seconds": 600, "window_seconds": 900},
    )
    core = Cockpit(settings, clock=clock, journal=Journal(journal), verify_poll_interval=0.2)
    app = make_app(core, demo_label="sandbox", close_core=True)
    saved = []
    async with app.run_test(size=SIZE) as pilot:
        await wait(pilot, lambda: app.refreshes >= 1 and core.rollouts.routing is not None)
        primary = core.rollouts.routing.primary if core.rollouts.routing else "1"
        await pilot.press("b")
        await wait(pilot, lambda: isinstance(app.screen, RolloutScreen) and app.screen.published)
        await pilot.pause(0.3)
        saved.append(save(app, "rollout-idle", HERE, ""))
        await pilot.press("s")
        await wait(pilot, lambda: isinstance(app.screen, StartRolloutScreen))
        await wait(pilot, lambda: app.screen.versions is not None)
        await pilot.pause(0.3)
        saved.append(save(app, "rollout-start", HERE, ""))
        await pilot.press("escape")

        # A healthy candidate, three minutes into its five-minute pause.
        await start_canary(pilot, app)
        await tick(sandbox, clock, pilot, app, 2)
        await tick(sandbox, clock, pilot, app, 1)
        saved.append(save(app, "rollout-canary", HERE, ""))
        await pilot.press("x", "y")
        await wait(pilot, lambda: core.rollouts.rollout.phase is Phase.ABORTED)

        # A bad deploy: the first failing analysis spends the budget; the abort counts down.
        sandbox.set_scenario("bad-deploy")
        await tick(sandbox, clock, pilot, app, 1)
        route_all_to(sandbox, primary)  # in case the scenario split the alias itself
        await tick(sandbox, clock, pilot, app, 1)
        await start_canary(pilot, app)
        await tick(sandbox, clock, pilot, app, 1)
        clock.now = clock.now.replace(second=6)  # six seconds into the 20 s countdown
        await pilot.pause(1.2)
        saved.append(save(app, "rollout-abort-countdown", HERE, ""))
        await pilot.press("h")
        await pilot.pause(0.5)
        await pilot.press("x", "y")
        await wait(pilot, lambda: core.rollouts.rollout.phase is Phase.ABORTED)
        await pilot.pause(0.5)
        saved.append(save(app, "rollout-aborted", HERE, ""))
    return saved


def main() -> None:
    with Sandbox(manual=True, period=PERIOD, backfill=0, seed=7, scenario="steady") as sandbox:
        os.environ.update(sandbox.env)
        sandbox.tick(10)
        sandbox.set_scenario("spike")
        clock = SimClock(sandbox.tick(6))
        saved = asyncio.run(shoot(sandbox, clock))
    with (
        tempfile.TemporaryDirectory() as scratch,
        Sandbox(manual=True, period=PERIOD, backfill=0, seed=7, scenario="steady") as sandbox,
    ):
        os.environ.update(sandbox.env)
        clock = SimClock(sandbox.tick(10))
        saved += asyncio.run(shoot_rollouts(sandbox, clock, Path(scratch) / "journal.jsonl"))
    render_pngs(saved)
    actions.main([])
    # The other screens' scripts, each in a fresh interpreter (each starts its own sandbox).
    for script in OTHER_SCRIPTS:
        subprocess.run([sys.executable, str(HERE / script)], check=True)


OTHER_SCRIPTS = (
    "make_check_screenshots.py",
    "make_review_screenshot.py",
    "make_investigate_screenshots.py",
    "make_timeline_screenshots.py",
    "make_replay_screenshot.py",
    "make_fleet_screenshot.py",
)


if __name__ == "__main__":
    main()
