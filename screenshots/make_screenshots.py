"""Regenerate every screenshot in this folder: the cockpit during a spike, then the actions.

    .venv/bin/python screenshots/make_screenshots.py

Starts a sandbox (manual time, fixed seed), plays steady traffic then the spike scenario,
opens the cockpit on it with the sandbox's simulated clock, and saves SVGs here; PNGs too
when `rsvg-convert` is installed (apt-get install librsvg2-bin). Then runs
make_action_screenshots.py (alert -> actions, plan, outcome, typed confirmation, journal).
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import make_action_screenshots as actions
from make_action_screenshots import SimClock, render_pngs, save

from todotui.config import Settings
from todotui.core.cockpit import Cockpit
from todotui.sandbox.controller import Sandbox
from todotui.ui.app import make_app

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
        await pilot.press("f", "enter")
        await pilot.pause(0.3)
        saved.append(save(app, "alert-detail", HERE, ""))
        await pilot.press("escape", "question_mark")
        await pilot.pause(0.3)
        saved.append(save(app, "help", HERE, ""))
    return saved


def main() -> None:
    with Sandbox(manual=True, period=PERIOD, backfill=0, seed=7, scenario="steady") as sandbox:
        os.environ.update(sandbox.env)
        sandbox.tick(10)
        sandbox.set_scenario("spike")
        clock = SimClock(sandbox.tick(6))
        saved = asyncio.run(shoot(sandbox, clock))
    render_pngs(saved)
    actions.main([])


if __name__ == "__main__":
    main()
