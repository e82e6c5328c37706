"""The cockpit replaying a recording: `replay.svg` (and `replay.png` with rsvg-convert).

    PYTHONPATH=src .venv/bin/python screenshots/make_replay_screenshot.py

Records a session on a manual sandbox (fixed seed): ten simulated minutes of steady traffic,
then the spike, a refresh a minute, with the real recorder; then opens `todotui replay` on
the file, goes to refresh 16 (six minutes into the spike) with the seek prompt, paused, and
saves the screen with the replay bar.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from datetime import datetime
from pathlib import Path

from make_action_screenshots import render_pngs, save, wait

from todotui.actions import Journal
from todotui.config import Settings
from todotui.core.clock import ManualClock
from todotui.core.cockpit import Cockpit
from todotui.core.recording import Recorder
from todotui.core.replay import Player, Recording, replay_cockpit
from todotui.sandbox.controller import Sandbox
from todotui.ui.replay_app import make_replay_app

HERE = Path(__file__).resolve().parent
SIZE = (160, 48)


async def record(sandbox: Sandbox, path: Path, work: Path) -> None:
    clock = ManualClock(datetime.fromisoformat(sandbox.status()["sim_time"]))
    settings = Settings().with_overrides(
        aws={"endpoint_url": sandbox.endpoint, "region": sandbox.region},
        cadence={"period_seconds": 60, "refresh_seconds": 60, "window_seconds": 900},
    )
    async with Cockpit(settings, clock=clock, journal=Journal(work / "j.jsonl")) as core:
        recorder = Recorder(path, settings, created=clock())
        recorder.attach(core.monitor, core.poller.subscribe)
        for n in range(20):
            if n == 10:
                sandbox.set_scenario("spike")
            clock.now = datetime.fromisoformat(sandbox.tick(1)["sim_time"])
            await core.poller.refresh_once()
        recorder.close()


async def shoot(path: Path, work: Path) -> list[Path]:
    recording = Recording.load(path)
    core = replay_cockpit(recording, data_dir=work / "replay")
    await core.__aenter__()
    player = Player(core, recording)
    player.paused = True
    player.speed = 10
    app = make_replay_app(core, player, label=f"replay {path.name}", close_core=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait(pilot, lambda: player.index == 1 and app.refreshes >= 1)
        await pilot.press("g", *"#16", "enter")
        await wait(pilot, lambda: player.index == 16)
        await pilot.pause(1.0)
        return [save(app, "replay", HERE, "")]


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="replay-shot-") as tmp:
        work = Path(tmp)
        with Sandbox(manual=True, period=60, seed=7, backfill=30) as sandbox:
            for name, value in sandbox.env.items():
                os.environ[name] = value
            path = work / "incident.rec.gz"
            asyncio.run(record(sandbox, path, work))
        render_pngs(asyncio.run(shoot(path, work)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
