"""A recording's size per hour at the default cadence, and what replaying it costs.

    PYTHONPATH=src .venv/bin/python bench/bench_recording.py [--minutes 60] [--scenario steady]

Runs the real cockpit core with `--record` on a manual sandbox whose ticks are 5 simulated
seconds, at the default cadence (a refresh every 5 s, 60-s periods, a 15-min window, resource
facts every 60 s): one tick, one refresh, for an hour of simulated time (no wall-clock
waiting). Prints the file's size (gzip'd, as written, flushed after every refresh) against
the same JSON uncompressed, per hour and per refresh, and the first refresh (the whole
window) apart. Then replays the file through the same core code and says how many refreshes
rebuilt panes that differ from those recorded (by digest; 0 is the point), and the wall time
of seeking back from the end (state is built again from the first refresh: the worst case).
Nothing is asserted; nothing touches AWS.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from todotui.actions import Journal  # noqa: E402
from todotui.config import Settings  # noqa: E402
from todotui.core.clock import ManualClock  # noqa: E402
from todotui.core.cockpit import Cockpit  # noqa: E402
from todotui.core.recording import Recorder  # noqa: E402
from todotui.core.replay import Player, Recording, replay_cockpit  # noqa: E402
from todotui.sandbox.controller import Sandbox  # noqa: E402

TICK_SECONDS = 5.0
"""Simulated seconds per sandbox tick: the default refresh cadence."""


class SandboxClock(ManualClock):
    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        super().__init__(datetime.fromisoformat(sandbox.status()["sim_time"]))

    def tick(self) -> None:
        status = self.sandbox.tick(1)
        self.now = datetime.fromisoformat(status["sim_time"])


async def record(sandbox: Sandbox, path: Path, refreshes: int, work: Path) -> dict[str, Any]:
    clock = SandboxClock(sandbox)
    settings = Settings().with_overrides(
        aws={"endpoint_url": sandbox.endpoint, "region": sandbox.region},
        cadence={"refresh_seconds": TICK_SECONDS},  # the defaults otherwise: 60 s, 15 min
    )
    started = time.perf_counter()
    async with Cockpit(settings, clock=clock, journal=Journal(work / "j.jsonl")) as core:
        recorder = Recorder(path, settings, created=clock())
        recorder.attach(core.monitor, core.poller.subscribe)
        first_compressed = first_raw = 0
        for n in range(refreshes):
            clock.tick()
            await core.poller.refresh_once()
            if n == 0:
                first_raw, first_compressed = (
                    recorder.writer.raw_bytes,
                    recorder.writer.compressed_bytes,
                )
        recorder.close()
        return {
            "raw": recorder.writer.raw_bytes,
            "first_raw": first_raw,
            "first_compressed": first_compressed,
            "frames": recorder.frames,
            "requests": sum(core.clients.requests.values()),
            "seconds": time.perf_counter() - started,
            "settings": settings,
        }


async def replay(path: Path, work: Path) -> dict[str, Any]:
    started = time.perf_counter()
    recording = Recording.load(path)
    loaded = time.perf_counter() - started
    async with replay_cockpit(recording, data_dir=work / "replay") as core:
        player = Player(core, recording)
        started = time.perf_counter()
        for _ in recording.frames:  # each refresh's panes checked against the recorded digest
            await player.step()
        play = time.perf_counter() - started
        # seeking back rebuilds from the first refresh: the worst case, from the end
        started = time.perf_counter()
        await player.seek(recording.frames[-2].finished)
        seek = time.perf_counter() - started
        return {
            "load": loaded,
            "play": play,
            "seek": seek,
            "frames": len(recording.frames),
            "mismatches": len(player.mismatches),
            "divergences": len(player.divergences),
            "requests": sum(core.clients.requests.values()),
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0, help="simulated minutes")
    parser.add_argument("--scenario", default="steady")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", type=Path, help="copy the recording here (to replay it)")
    args = parser.parse_args()
    refreshes = max(2, int(args.minutes * 60 / TICK_SECONDS))
    with tempfile.TemporaryDirectory(prefix="bench-recording-") as tmp:
        work = Path(tmp)
        with Sandbox(
            manual=True, period=TICK_SECONDS, seed=args.seed, backfill=180, scenario=args.scenario
        ) as sandbox:
            for name, value in sandbox.env.items():
                os.environ[name] = value
            path = work / "hour.rec.gz"
            rec = asyncio.run(record(sandbox, path, refreshes, work))
            rec["compressed"] = path.stat().st_size
            if args.keep:
                shutil.copyfile(path, args.keep)
        played = asyncio.run(replay(path, work))

    hours = refreshes * TICK_SECONDS / 3600
    cadence = rec["settings"].cadence
    steady_raw = (rec["raw"] - rec["first_raw"]) / max(1, refreshes - 1)
    steady_compressed = (rec["compressed"] - rec["first_compressed"]) / max(1, refreshes - 1)
    print(
        f"todotui recording bench: {refreshes} refreshes = {hours * 60:.0f} simulated min"
        f" (scenario {args.scenario}; refresh every {cadence.refresh_seconds:g} s,"
        f" {cadence.period_seconds} s periods, {cadence.window_seconds // 60} min window,"
        f" resources every {cadence.resource_refresh_seconds:g} s)"
    )
    print(
        f"  recorded in {rec['seconds']:.1f} s wall, {rec['requests']} AWS requests to the sandbox"
    )
    print(f"  {'':24}{'raw JSON':>14}{'gzip (file)':>14}{'ratio':>8}")
    rows = [
        ("whole recording", rec["raw"], rec["compressed"]),
        ("per hour", rec["raw"] / hours, rec["compressed"] / hours),
        ("first refresh (window)", rec["first_raw"], rec["first_compressed"]),
        ("each refresh after it", steady_raw, steady_compressed),
    ]
    for label, raw, packed in rows:
        print(f"  {label:24}{raw / 1024:>11.1f} kB{packed / 1024:>11.1f} kB{raw / packed:>7.1f}x")
    print(
        f"  replay: loaded in {played['load'] * 1000:.0f} ms; stepped through all"
        f" {played['frames']} refreshes in {played['play']:.2f} s, refreshes whose panes differ"
        f" from the recorded ones: {played['mismatches']}, unrecorded reads:"
        f" {played['divergences']}, AWS requests: {played['requests']}"
    )
    print(
        f"  seek back from the end (rebuilds {played['frames'] - 1} refreshes from the start):"
        f" {played['seek']:.2f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
