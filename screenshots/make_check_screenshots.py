"""Screenshots of the morning check: `todotui check` in a terminal, and the cockpit's `c` screen.

    PYTHONPATH=src .venv/bin/python screenshots/make_check_screenshots.py

Starts a sandbox (manual time, fixed seed, nine days of hourly history), plays steady traffic,
records the check's rich table as SVG (`check.svg`), switches to the spike and records it
again (`check-spike.svg`), then opens the cockpit on the spike and presses `c`
(`check-screen.svg`). PNGs beside them when `rsvg-convert` is installed.
"""

from __future__ import annotations

import asyncio
import io
import os
from pathlib import Path

from make_action_screenshots import SimClock, render_pngs, save, wait
from rich.console import Console

from todotui.aws.session import AwsClients
from todotui.config import AwsTarget, Settings
from todotui.core.check import run_check
from todotui.core.cockpit import Cockpit
from todotui.reports.check import CheckReport
from todotui.sandbox.controller import Sandbox
from todotui.ui.app import make_app
from todotui.ui.screens.check import CheckScreen
from todotui.ui.text.check import print_check

HERE = Path(__file__).resolve().parent
SIZE = (160, 48)


async def report_at(sandbox: Sandbox, clock: SimClock) -> CheckReport:
    target = AwsTarget(endpoint_url=sandbox.endpoint, region=sandbox.region)
    async with AwsClients(target) as clients:
        return await run_check(clients, Settings(), since_seconds=86400, now=clock.now)


def record(report: CheckReport, name: str) -> Path:
    console = Console(record=True, width=112, file=io.StringIO(), force_terminal=True)
    console.print("[bold]$ todotui check[/]")
    print_check(report, io.StringIO(), console=console)
    console.print(f"[dim]$ echo $?[/]\n{report.exit_code}")
    path = HERE / f"{name}.svg"
    console.save_svg(str(path), title="todotui check")
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("<svg class=", '<svg xml:space="preserve" class=', 1))
    return path


async def shoot_screen(sandbox: Sandbox, clock: SimClock) -> Path:
    settings = Settings().with_overrides(
        aws={"endpoint_url": sandbox.endpoint, "region": sandbox.region},
        cadence={"period_seconds": 60, "refresh_seconds": 600, "window_seconds": 900},
    )
    app = make_app(Cockpit(settings, clock=clock), demo_label="sandbox (spike)", close_core=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait(pilot, lambda: app.refreshes >= 1 and not app.refreshing)
        await pilot.press("c")
        await wait(pilot, lambda: isinstance(app.screen, CheckScreen))
        screen = app.screen
        assert isinstance(screen, CheckScreen)
        await wait(pilot, lambda: screen.report is not None)
        await pilot.pause(0.5)
        return save(app, "check-screen", HERE, "")


def main() -> None:
    with Sandbox(manual=True, period=60, seed=11, backfill=0, history_days=9) as sandbox:
        os.environ.update(sandbox.env)
        clock = SimClock(sandbox.tick(10))
        saved = [record(asyncio.run(report_at(sandbox, clock)), "check")]
        sandbox.set_scenario("spike")
        clock = SimClock(sandbox.tick(12))
        saved.append(record(asyncio.run(report_at(sandbox, clock)), "check-spike"))
        saved.append(asyncio.run(shoot_screen(sandbox, clock)))
    render_pngs(saved)


if __name__ == "__main__":
    main()
