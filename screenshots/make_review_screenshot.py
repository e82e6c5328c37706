"""The weekly review screen (`W`) on a sandbox with a week worth reviewing.

    .venv/bin/python screenshots/make_review_screenshot.py

Starts a sandbox (manual time, fixed seed), changes the function's memory as an operator
would, plays an attack on sign-ins and a slow dependency, then opens the cockpit on the
sandbox's simulated clock, presses W and saves weekly-review.svg (and .png with
rsvg-convert) here once every section has loaded.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import boto3
from make_action_screenshots import SimClock, render_pngs, save, wait

from todotui.aws.session import StaticCredentials
from todotui.config import Settings
from todotui.core.cockpit import Cockpit
from todotui.sandbox.controller import Sandbox
from todotui.ui.app import make_app
from todotui.ui.screens.review import ReviewScreen, ReviewSection

HERE = Path(__file__).resolve().parent
SIZE = (180, 98)
"""Tall enough for all four sections at once."""


def play_a_week(sandbox: Sandbox) -> None:
    lam = boto3.client(
        "lambda",
        endpoint_url=sandbox.endpoint,
        region_name=sandbox.region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    lam.update_function_configuration(FunctionName=sandbox.names.function_name, MemorySize=256)
    sandbox.tick(3)
    sandbox.set_scenario("auth-attack")
    sandbox.tick(4)
    sandbox.set_scenario("slow-dependency")
    sandbox.tick(5)
    sandbox.set_scenario("steady")
    sandbox.tick(1)


async def shoot(sandbox: Sandbox) -> list[Path]:
    settings = Settings().with_overrides(
        aws={"endpoint_url": sandbox.endpoint, "region": sandbox.region},
        cadence={"period_seconds": 60, "refresh_seconds": 600, "window_seconds": 900},
    )
    core = Cockpit(
        settings,
        clock=SimClock(sandbox.status()),
        credentials=StaticCredentials("testing", "testing"),
    )
    app = make_app(core, demo_label="sandbox", close_core=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait(pilot, lambda: app.refreshes >= 1 and not app.refreshing)
        await pilot.press("W")
        await wait(pilot, lambda: isinstance(app.screen, ReviewScreen))
        await wait(pilot, lambda: all(not v.loading_now for v in app.screen.query(ReviewSection)))
        await pilot.pause(0.5)
        return [save(app, "weekly-review", HERE, "")]


def main() -> None:
    with Sandbox(manual=True, period=60, backfill=0, seed=7) as sandbox:
        play_a_week(sandbox)
        saved = asyncio.run(shoot(sandbox))
    render_pngs(saved)


if __name__ == "__main__":
    main()
