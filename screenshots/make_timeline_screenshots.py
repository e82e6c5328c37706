"""Regenerate the incident timeline's screenshots: after a spike drill, the timeline and an event.

    .venv/bin/python screenshots/make_timeline_screenshots.py

Starts a sandbox (manual time, fixed seed), opens the cockpit on steady traffic, starts the
spike, refreshes period by period until the diagnosis names its cause, applies the suggested
fix the way an operator would (f, a, enter, y), then lets the sandbox recover. Opens the
timeline (t), writes the post-mortem draft (e) and saves `timeline.svg`; then the detail of
the action (`timeline-detail.svg`), and the draft itself as `postmortem-example.md`. PNGs too
when `rsvg-convert` is installed.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from datetime import datetime
from pathlib import Path

from make_action_screenshots import SimClock, render_pngs, save, wait

from todotui.actions import Journal
from todotui.config import Settings
from todotui.core.cockpit import Cockpit
from todotui.reports.timeline import EventKind
from todotui.sandbox.controller import Sandbox
from todotui.ui.actions import ActionDialog, ActionMenuScreen
from todotui.ui.app import TodoTuiApp, make_app
from todotui.ui.screens import TimelineScreen
from todotui.ui.screens.timeline import TimelineTable

HERE = Path(__file__).resolve().parent
SIZE = (160, 48)
PERIOD = 60


async def tick(sandbox: Sandbox, clock: SimClock, pilot, app: TodoTuiApp) -> None:
    clock.now = datetime.fromisoformat(sandbox.tick(1)["sim_time"])
    before = app.refreshes
    app.core.poller.request_refresh()
    await wait(pilot, lambda: app.refreshes > before and not app.refreshing)
    await app.core.rollouts.idle()
    await pilot.pause(0.2)


async def shoot(sandbox: Sandbox, clock: SimClock, scratch: Path) -> list[Path]:
    settings = Settings().with_overrides(
        aws={"endpoint_url": sandbox.endpoint, "region": sandbox.region},
        cadence={"period_seconds": PERIOD, "refresh_seconds": 600, "window_seconds": 900},
    )
    core = Cockpit(
        settings,
        clock=clock,
        journal=Journal(scratch / "journal.jsonl"),
        verify_poll_interval=0.05,
        export_dir=scratch / "exports",
    )
    app = make_app(core, demo_label="sandbox (spike drill)", close_core=True)
    saved = []
    async with app.run_test(size=SIZE) as pilot:
        await wait(pilot, lambda: app.refreshes >= 1 and not app.refreshing)
        for _ in range(3):
            await tick(sandbox, clock, pilot, app)
        sandbox.set_scenario("spike")
        for _ in range(8):
            await tick(sandbox, clock, pilot, app)
            if app.core.diagnose()[0].top is not None:
                break
        await tick(sandbox, clock, pilot, app)
        await pilot.press("f", "a")
        await wait(pilot, lambda: isinstance(app.screen, ActionMenuScreen))
        await pilot.press("enter")
        await wait(
            pilot, lambda: isinstance(app.screen, ActionDialog) and app.screen.plan is not None
        )
        dialog = app.screen
        assert isinstance(dialog, ActionDialog)
        await pilot.pause(0.3)
        await pilot.press("y")
        await wait(pilot, lambda: dialog.outcome is not None)
        await pilot.press("escape")
        await wait(pilot, lambda: len(app.screen_stack) == 1)
        for _ in range(8):
            await tick(sandbox, clock, pilot, app)
            recorder = app.core.timeline
            if recorder.health.recovered_at and all(s.cleared for s in recorder.causes):
                break
        for _ in range(2):
            await tick(sandbox, clock, pilot, app)
        await pilot.press("t")
        await wait(pilot, lambda: isinstance(app.screen, TimelineScreen))
        screen = app.screen
        assert isinstance(screen, TimelineScreen)
        # Logs are the noisiest kind: shown, but the action is what the cursor rests on.
        table = screen.query_one(TimelineTable)
        action = next(i for i, e in enumerate(screen.events) if e.kind is EventKind.ACTION)
        table.move_cursor(row=action)
        await pilot.press("e")
        await wait(pilot, lambda: screen.exported is not None)
        await pilot.pause(0.5)
        saved.append(save(app, "timeline", HERE, ""))
        await pilot.press("enter")
        await pilot.pause(0.5)
        saved.append(save(app, "timeline-detail", HERE, ""))
        exported = screen.exported
    # The draft beside the screenshots, as an example of what `e` writes.
    example = HERE / "postmortem-example.md"
    example.write_text(Path(exported or "").read_text(encoding="utf-8"), encoding="utf-8")  # noqa: ASYNC240
    print(example)
    return saved


def main() -> None:
    with (
        tempfile.TemporaryDirectory(prefix="todotui-") as scratch,
        Sandbox(manual=True, period=PERIOD, backfill=0, seed=5, scenario="steady") as sandbox,
    ):
        os.environ.update(sandbox.env)
        clock = SimClock(sandbox.tick(2))
        saved = asyncio.run(shoot(sandbox, clock, Path(scratch)))
    render_pngs(saved)


if __name__ == "__main__":
    main()
