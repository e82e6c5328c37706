"""Regenerate the README's screenshots: the cockpit on a sandbox during a traffic spike.

    .venv/bin/python screenshots/make_screenshots.py

Starts a sandbox (manual time, fixed seed), plays steady traffic then the spike scenario,
opens the cockpit on it with the sandbox's simulated clock, and saves SVGs here; PNGs too
when `rsvg-convert` is installed (apt-get install librsvg2-bin).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

from todotui.config import Settings
from todotui.sandbox.controller import Sandbox
from todotui.ui.app import make_app

HERE = Path(__file__).resolve().parent
SIZE = (160, 48)
PERIOD = 60


class SimClock:
    """The sandbox's simulated time, so ages read as they would live."""

    def __init__(self, status: dict) -> None:
        self.now = datetime.fromisoformat(status["sim_time"])

    def __call__(self) -> datetime:
        return self.now


async def shoot(sandbox: Sandbox, clock: SimClock) -> list[Path]:
    settings = Settings().with_overrides(
        aws={"endpoint_url": sandbox.endpoint, "region": sandbox.region},
        cadence={"period_seconds": PERIOD, "refresh_seconds": 60, "window_seconds": 900},
    )
    app = make_app(settings, clock=clock, demo_label="sandbox (spike)")
    saved = []
    async with app.run_test(size=SIZE) as pilot:
        while app.refreshes < 1 or app.refreshing:
            await pilot.pause(0.1)
        await pilot.pause(0.5)
        saved.append(Path(app.save_screenshot("cockpit-spike.svg", path=str(HERE))))
        await pilot.press("f", "enter")
        await pilot.pause(0.3)
        saved.append(Path(app.save_screenshot("alert-detail.svg", path=str(HERE))))
        await pilot.press("escape", "question_mark")
        await pilot.pause(0.3)
        saved.append(Path(app.save_screenshot("help.svg", path=str(HERE))))
    return saved


def main() -> None:
    with Sandbox(manual=True, period=PERIOD, backfill=0, seed=7, scenario="steady") as sandbox:
        os.environ.update(sandbox.env)
        sandbox.tick(10)
        sandbox.set_scenario("spike")
        clock = SimClock(sandbox.tick(6))
        saved = asyncio.run(shoot(sandbox, clock))
    render = shutil.which("rsvg-convert")
    for svg in saved:
        print(svg)
        if render:
            png = svg.with_suffix(".png")
            subprocess.run([render, "-w", "1400", "-o", str(png), str(svg)], check=True)
            print(png)
    if not render:
        print("rsvg-convert not found: SVGs only (apt-get install librsvg2-bin for PNGs)")


if __name__ == "__main__":
    main()
