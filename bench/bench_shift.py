"""A shift in one run: the whole app's memory over many refreshes, and its idle CPU.

    .venv/bin/python bench/bench_shift.py [--marks 1000,10000] [--tick-every 2]
        [--scenario-every 500] [--idle-seconds 60] [--fps 60] [--trace] [--census]

1. Memory. The real Textual app (`make_app(Cockpit(...))`, headless through `App.run_test`,
   160x48) with every part a session has (widgets, alert feed, incident timeline recorder,
   rollout driver, diagnosis line, journal) against a sandbox on 127.0.0.1 on a manual clock.
   Each refresh is asked for (`r`'s path: `poller.request_refresh`) and waited for on screen;
   the sandbox ticks one simulated minute every `--tick-every` refreshes (in a thread, while
   that refresh runs; the app's clock moves when the tick answers) and changes scenario
   every `--scenario-every` (so breaches, alarms, diagnoses and timeline causes come and go,
   and simulated days pass). RSS (VmRSS of this process; the sandbox is a child process and
   is not counted) after a warm-up of 200 refreshes, then at each mark. `--trace` adds the
   tracemalloc top growth between warm-up and the last mark (much slower; for finding leaks);
   `--census` the live objects grown by type over the same span (gc; cheap).
2. Idle CPU. `todotui --demo` in a detached tmux pane at its default cadence, measured for
   `--idle-seconds` after it has shown data: utime+stime of the todotui process alone from
   /proc/<pid>/stat (the demo's sandbox is its own child process and is excluded), over wall
   time, as a percentage of one core.

Nothing here touches AWS. Figures are printed; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from datetime import datetime
from pathlib import Path

from bench_refresh import rss_mb  # the same reader, so the two benches' figures compare

from todotui.actions.journal import Journal
from todotui.config import Settings
from todotui.core.clock import ManualClock
from todotui.core.cockpit import Cockpit
from todotui.sandbox.controller import Sandbox
from todotui.ui.app import make_app

PERIOD = 60
WARM_UP = 200
SCENARIOS = ("spike", "error-burst", "slow-dependency", "auth-attack", "steady")


async def shift(args: argparse.Namespace) -> list[str]:
    marks = sorted(int(n) for n in args.marks.split(","))
    lines: list[str] = []
    with (
        tempfile.TemporaryDirectory() as tmp,
        Sandbox(manual=True, period=PERIOD, backfill=0, seed=1) as sandbox,
    ):
        os.environ.update(sandbox.env)
        clock = ManualClock(datetime.fromisoformat(sandbox.status()["sim_time"]))
        settings = Settings().with_overrides(
            aws={"endpoint_url": sandbox.endpoint, "region": sandbox.region},
            cadence={"period_seconds": PERIOD, "refresh_seconds": 600, "window_seconds": 900},
        )
        journal = Journal(Path(tmp) / "journal.jsonl")
        core = Cockpit(settings, clock=clock, journal=journal, export_dir=Path(tmp) / "exports")
        app = make_app(core, demo_label="sandbox", close_core=True)
        done = 0
        scenario = 0

        async def refreshes(count: int, pilot) -> None:
            nonlocal done, scenario
            for _ in range(count):
                if args.scenario_every and done % args.scenario_every == 0:
                    sandbox.set_scenario(SCENARIOS[scenario % len(SCENARIOS)])
                    scenario += 1
                # The sandbox's minute is simulated in a thread while the app refreshes (as
                # a real account moves on while the cockpit reads it): the two processes
                # use both cores, and the event loop is never blocked on the control call.
                ticking = (
                    asyncio.create_task(asyncio.to_thread(sandbox.tick))
                    if done % args.tick_every == 0
                    else None
                )
                seen = app.refreshes
                core.poller.request_refresh()
                # `app.refreshes` counts what was drawn (no event to await); a 2 ms poll costs
                # less than `pilot.pause` in a loop, which settles the screen once after.
                while app.refreshes == seen:  # noqa: ASYNC110
                    await asyncio.sleep(0.002)
                await pilot.pause(0)
                if ticking is not None:
                    clock.now = datetime.fromisoformat((await ticking)["sim_time"])
                done += 1

        async with app.run_test(size=(160, 48)) as pilot:
            started = time.perf_counter()
            await refreshes(WARM_UP, pilot)
            gc.collect()
            base = rss_mb()
            lines.append(f"RSS after warm-up ({WARM_UP} refreshes): {base:7.1f} MB")
            census = _census() if args.census else None
            if args.trace:
                tracemalloc.start(25)  # deep: a dataclass's `<string>:1` to its owner
                before = tracemalloc.take_snapshot()
            for mark in marks:
                await refreshes(mark - done, pilot)
                gc.collect()
                now = rss_mb()
                lines.append(
                    f"RSS after {mark:>6} refreshes: {now:7.1f} MB (growth {now - base:+.1f} MB)"
                    f"  [{time.perf_counter() - started:.0f} s, {scenario} scenario changes,"
                    f" sim {clock.now:%Y-%m-%d %H:%M}]"
                )
                print(lines[-1], flush=True)
            core.poller.paused = True  # no refresh lands while the app is torn down
            while core.poller.refreshing:
                await pilot.pause(0.05)
            await pilot.pause(0.2)
            feed, timeline = core.alerts, core.timeline
            lines.append(
                f"held at the end: feed {len(feed.entries)} alerts, timeline"
                f" {len(timeline.events())} events, {timeline.changes} changes recorded"
            )
            if census is not None:
                grown = (_census() - census).most_common(15)
                lines.append("objects grown since warm-up, by type (gc census):")
                lines += [f"  {n:+8d}  {name}" for name, n in grown]
            if args.trace:
                after = tracemalloc.take_snapshot()
                tracemalloc.stop()
                lines.append("tracemalloc top growth since warm-up:")
                for stat in after.compare_to(before, "lineno")[:12]:
                    frame = stat.traceback[-1]
                    lines.append(
                        f"  {stat.size_diff / 1024:+9.1f} KiB {stat.count_diff:+7d} blocks"
                        f"  {frame.filename}:{frame.lineno}"
                    )
                lines.append("top growth by whole traceback (our frames, innermost first):")
                for stat in after.compare_to(before, "traceback")[:8]:
                    ours = [f for f in reversed(stat.traceback) if "todotui" in f.filename]
                    where = " < ".join(f"{Path(f.filename).name}:{f.lineno}" for f in ours[:4])
                    frame = stat.traceback[-1]
                    lines.append(
                        f"  {stat.size_diff / 1024:+9.1f} KiB {stat.count_diff:+7d} blocks"
                        f"  {Path(frame.filename).name}:{frame.lineno}  [{where or 'library'}]"
                    )
    return lines


def _census() -> Counter[str]:
    """Live objects by type (module.qualname): cheap enough for a whole shift, unlike tracing."""
    gc.collect()
    return Counter(f"{type(o).__module__}.{type(o).__qualname__}" for o in gc.get_objects())


def proc_cpu_seconds(pid: int) -> float:
    """utime + stime of `pid` alone (children not included until reaped)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def idle_cpu(seconds: float, fps: int | None = None) -> list[str]:
    if shutil.which("tmux") is None:
        return ["idle CPU: skipped (no tmux)"]
    session = f"bench-idle-{os.getpid()}"
    todotui = str(Path(sys.executable).with_name("todotui"))
    env = f"PYTHONPATH={os.environ.get('PYTHONPATH', '')}"
    if fps:
        env += f" TEXTUAL_FPS={fps}"
    subprocess.run(
        [
            "tmux",
            "new",
            "-d",
            "-s",
            session,
            "-x",
            "160",
            "-y",
            "48",
            f"exec env {env} {todotui} --demo",
        ],
        check=True,
    )
    try:
        pid = int(
            subprocess.run(
                ["tmux", "list-panes", "-t", session, "-F", "#{pane_pid}"],
                check=True,
                capture_output=True,
                text=True,
            ).stdout.split()[0]
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # shown data: the status bar has an age, no "loading"
            pane = subprocess.run(
                ["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True
            ).stdout
            if "loading" not in pane and "account" in pane:
                break
            time.sleep(0.5)
        time.sleep(10)  # past the first refreshes and the first backfill
        cpu0, wall0 = proc_cpu_seconds(pid), time.monotonic()
        time.sleep(seconds)
        cpu, wall = proc_cpu_seconds(pid) - cpu0, time.monotonic() - wall0
        return [
            f"idle CPU of todotui --demo (default cadence, {fps or 'its own'} frames a second at"
            f" most, {wall:.0f} s wall, todotui process"
            f" only, sandbox child excluded): {cpu:.2f} s CPU = {100 * cpu / wall:.2f}% of one core"
        ]
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], check=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--marks",
        default="1000,10000",
        help="comma-separated refresh counts (empty: idle CPU only)",
    )
    parser.add_argument("--tick-every", type=int, default=2)
    parser.add_argument("--scenario-every", type=int, default=500)
    parser.add_argument("--idle-seconds", type=float, default=60)
    parser.add_argument(
        "--fps", type=int, help="idle CPU with TEXTUAL_FPS=N (default: the cockpit's own cap)"
    )
    parser.add_argument("--trace", action="store_true")
    parser.add_argument("--census", action="store_true", help="objects grown, by type")
    args = parser.parse_args()
    lines = asyncio.run(shift(args)) if args.marks else []
    if args.idle_seconds > 0:
        lines += idle_cpu(args.idle_seconds, args.fps)
    print("\n".join(["", "== shift ==", *lines]))


if __name__ == "__main__":
    main()
