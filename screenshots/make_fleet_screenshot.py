"""The fleet view (`F`) on a sandbox fleet of 100 functions and 20 tables, and one member.

    .venv/bin/python screenshots/make_fleet_screenshot.py

Starts a manual sandbox with `--fleet 100` (incidents on fleet-fn-007, -023, -042 and
fleet-table-03), simulates 15 minutes, opens the cockpit with `[fleet] tag = "fleet=sandbox"`,
presses F (fleet.svg), then enter on the worst member (fleet-member.svg).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from make_action_screenshots import SimClock, render_pngs, save, wait

from todotui.aws.session import StaticCredentials
from todotui.config import Settings
from todotui.core.cockpit import Cockpit
from todotui.sandbox import DUMMY_ACCESS_KEY_ID, DUMMY_SECRET_ACCESS_KEY
from todotui.sandbox.controller import Sandbox
from todotui.ui.app import make_app
from todotui.ui.screens.fleet import FleetScreen, MemberScreen

HERE = Path(__file__).resolve().parent
SIZE = (160, 48)


async def shoot(sandbox: Sandbox) -> list[Path]:
    settings = Settings().with_overrides(
        aws={"endpoint_url": sandbox.endpoint, "region": sandbox.region},
        cadence={"period_seconds": 60, "refresh_seconds": 600},
        fleet={"tag": "fleet=sandbox"},
    )
    core = Cockpit(
        settings,
        clock=SimClock(sandbox.status()),
        credentials=StaticCredentials(DUMMY_ACCESS_KEY_ID, DUMMY_SECRET_ACCESS_KEY),
    )
    app = make_app(core, demo_label="sandbox (fleet of 100)", close_core=True)
    saved = []
    async with app.run_test(size=SIZE) as pilot:
        await wait(pilot, lambda: app.refreshes >= 1)
        await pilot.press("F")
        await wait(pilot, lambda: isinstance(app.screen, FleetScreen) and app.screen.refreshes >= 1)
        await pilot.pause(0.3)
        saved.append(save(app, "fleet", HERE, ""))
        await pilot.press("enter")
        await wait(
            pilot, lambda: isinstance(app.screen, MemberScreen) and app.screen.refreshes >= 1
        )
        await pilot.pause(0.3)
        saved.append(save(app, "fleet-member", HERE, ""))
    return saved


def main() -> None:
    with Sandbox(manual=True, period=60, seed=3, backfill=0, fleet=100) as sandbox:
        sandbox.tick(15)
        saved = asyncio.run(shoot(sandbox))
    render_pngs(saved)


if __name__ == "__main__":
    main()
