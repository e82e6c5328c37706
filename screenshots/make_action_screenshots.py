"""Regenerate the screenshots of the action dialogs: alert -> actions, plan/confirm, journal.

    .venv/bin/python screenshots/make_action_screenshots.py [--size 100x30] [--out DIR]

Starts a sandbox (manual time, fixed seed), plays the spike scenario until the throttle
alarm fires, then drives the cockpit as an operator would: the alert's runbook actions,
the capacity plan, its outcome, a rollback waiting for its typed confirmation, and the
journal. Saves SVGs (and PNGs when `rsvg-convert` is installed).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import tempfile
from datetime import datetime
from pathlib import Path

from textual.widgets import Input

from todotui.actions import Journal
from todotui.alerts.model import AlertSource, Topic
from todotui.config import Settings
from todotui.core.clock import ManualClock
from todotui.core.cockpit import Cockpit
from todotui.sandbox.controller import Sandbox
from todotui.ui.actions import ActionDialog, ActionMenuScreen, DialogStage, JournalScreen
from todotui.ui.app import TodoTuiApp, make_app
from todotui.ui.widgets import AlertFeedView

HERE = Path(__file__).resolve().parent
PERIOD = 60


class SimClock(ManualClock):
    """The cockpit's clock at the sandbox's simulated time."""

    def __init__(self, status: dict) -> None:
        super().__init__(datetime.fromisoformat(status["sim_time"]))


async def wait(pilot, condition, limit: float = 60) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while not condition():
        if loop.time() > deadline:
            raise TimeoutError("the cockpit did not get there")
        await pilot.pause(0.1)


def idle(screen) -> bool:
    return not any(w.is_running for w in screen.app.workers if w.node is screen)


def save(app: TodoTuiApp, name: str, out: Path, suffix: str) -> Path:
    svg = Path(app.save_screenshot(f"{name}{suffix}.svg", path=str(out)))
    # Without this, SVG renderers drop the spaces at the start of each styled run.
    text = svg.read_text(encoding="utf-8").replace(
        "<svg class=", '<svg xml:space="preserve" class=', 1
    )
    svg.write_text(text, encoding="utf-8")
    return svg


async def shoot(
    sandbox: Sandbox, clock: SimClock, size: tuple[int, int], out: Path, journal: Path
) -> list[Path]:
    settings = Settings().with_overrides(
        aws={"endpoint_url": sandbox.endpoint, "region": sandbox.region},
        cadence={"period_seconds": PERIOD, "refresh_seconds": 600, "window_seconds": 900},
    )
    core = Cockpit(settings, clock=clock, journal=Journal(journal), verify_poll_interval=0.2)
    app = make_app(core, demo_label="sandbox (spike)", close_core=True)
    suffix = "" if size == (160, 48) else f"-{size[0]}x{size[1]}"
    saved = []
    async with app.run_test(size=size) as pilot:
        await wait(
            pilot, lambda: app.refreshes >= 1 and not app.refreshing and app.desk.runner is not None
        )
        feed = app.query_one(AlertFeedView)
        throttle = next(
            a for a in feed.alerts if a.topic is Topic.THROTTLING and a.source is AlertSource.ALARM
        )
        await pilot.press("f")
        feed.move_cursor(row=feed.alerts.index(throttle))
        await pilot.press("a")
        await wait(pilot, lambda: isinstance(app.screen, ActionMenuScreen))
        await pilot.pause(0.3)
        saved.append(save(app, "action-menu", out, suffix))

        await pilot.press("1")
        await wait(
            pilot,
            lambda: (
                isinstance(app.screen, ActionDialog) and app.screen.stage is not DialogStage.LOADING
            ),
        )
        dialog = app.screen
        for name in ("read", "write"):
            dialog.query_one(f"#input-{name}", Input).focus()
            await pilot.press("end", "ctrl+u", "5", "0")
        await pilot.pause(0.6)
        await wait(pilot, lambda: idle(dialog))
        await pilot.press("enter")
        await wait(pilot, lambda: idle(dialog))
        await pilot.pause(0.3)
        saved.append(save(app, "action-plan", out, suffix))

        await pilot.press("y")
        await wait(pilot, lambda: dialog.stage is DialogStage.DONE)
        await pilot.pause(0.3)
        saved.append(save(app, "action-outcome", out, suffix))
        await pilot.press("escape")

        await pilot.press("u")
        await wait(pilot, lambda: isinstance(app.screen, ActionDialog) and idle(app.screen))
        await pilot.press(*"todos")
        await pilot.pause(0.3)
        saved.append(save(app, "action-confirm-typed", out, suffix))
        undo = app.screen
        await pilot.press(*"-table", "enter")
        await wait(pilot, lambda: undo.stage is DialogStage.DONE)
        await pilot.press("escape")

        await pilot.press("j")
        await wait(pilot, lambda: isinstance(app.screen, JournalScreen))
        await pilot.pause(0.3)
        saved.append(save(app, "action-journal", out, suffix))
    return saved


def render_pngs(saved: list[Path]) -> None:
    """PNG beside each SVG, when rsvg-convert is installed (it renders Textual's SVG faithfully)."""
    render = shutil.which("rsvg-convert")
    for svg in saved:
        print(svg)
        if render:
            png = svg.with_suffix(".png")
            subprocess.run([render, "-w", "1400", "-o", str(png), str(svg)], check=True)
            print(png)
    if not render:
        print("rsvg-convert not found: SVGs only (apt-get install librsvg2-bin for PNGs)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="160x48", help="terminal size, COLSxROWS")
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args(argv)
    size = tuple(int(n) for n in args.size.lower().split("x"))
    with (
        tempfile.TemporaryDirectory() as scratch,
        Sandbox(manual=True, period=PERIOD, backfill=0, seed=7, scenario="steady") as sandbox,
    ):
        os.environ.update(sandbox.env)
        sandbox.tick(10)
        sandbox.set_scenario("spike")
        clock = SimClock(sandbox.tick(4))
        saved = asyncio.run(shoot(sandbox, clock, size, args.out, Path(scratch) / "journal.jsonl"))
    render_pngs(saved)


if __name__ == "__main__":
    main()
