"""Where opening a screen goes, by pyinstrument: a Pilot loop that opens and closes the action
menu (`a`), an action dialog (`a` then `1`), the rollout view (`b`), the check (`c`), the
weekly review (`W`) and the timeline (`t`) on the demo sandbox.

    PYTHONPATH=src .venv/bin/python bench/profile_screens.py [--opens 12] [--only menu,rollout]

Needs pyinstrument (`pip install pyinstrument`; not a dependency of todotui). Writes one
text profile per screen to --out (default /tmp/todotui-profiles: menu.txt, ...) and prints
each open's (or with --closes each escape's) p50 and max as Pilot saw it (in-process, no terminal: for finding the cost,
not for the figures, which bench_keypress.py measures through tmux). The first two opens of
each screen are left out of the profile (they pay the one-time stylesheet and imports).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot
from textual.screen import Screen

from todotui.config import Settings
from todotui.core.cockpit import Cockpit
from todotui.demo import StartingSandbox, demo_settings
from todotui.ui.actions import ActionDialog, ActionMenuScreen
from todotui.ui.app import make_app
from todotui.ui.rollout import RolloutScreen
from todotui.ui.screens import TimelineScreen
from todotui.ui.screens.check import CheckScreen
from todotui.ui.screens.review import ReviewScreen

SCREENS: dict[str, tuple[str, type[Screen], tuple[str, ...]]] = {
    "menu": ("a", ActionMenuScreen, ()),
    "dialog": ("1", ActionDialog, ("a",)),
    "rollout": ("b", RolloutScreen, ()),
    "check": ("c", CheckScreen, ()),
    "review": ("W", ReviewScreen, ()),
    "timeline": ("t", TimelineScreen, ()),
}
"""name: (the key that opens it, its screen, the keys pressed before it, untimed)."""


async def until(pilot: Pilot, condition: Callable[[], bool], seconds: float = 60.0) -> None:
    end = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > end:
            raise TimeoutError("the screen did not come")
        await pilot.pause(0.01)


async def profile(opens: int, only: list[str], out: Path, closes: bool = False) -> None:
    from pyinstrument import Profiler

    settings = demo_settings(Settings())
    starting = StartingSandbox("error-burst", read_only=settings.aws.effective_read_only)
    try:
        async with Cockpit(settings, connect=starting.target) as core:
            app = make_app(core, demo_label="sandbox")
            async with app.run_test(size=(160, 48)) as pilot:
                await until(pilot, lambda: app.refreshes > 0, 120)
                await pilot.pause(2)
                for name in only:
                    key, kind, before = SCREENS[name]
                    profiler = Profiler(interval=0.0005, async_mode="disabled")
                    times: list[float] = []
                    for index in range(opens):
                        for early in before:
                            await pilot.press(early)
                            await until(pilot, lambda: app.screen is not app.screen_stack[0])
                            await pilot.pause(0.05)
                        timed = index >= 2 and not closes
                        if timed:
                            profiler.start()
                        start = time.perf_counter()
                        await pilot.press(key)
                        await until(pilot, lambda kind=kind: isinstance(app.screen, kind))
                        await pilot.pause()
                        if timed:
                            times.append(time.perf_counter() - start)
                            profiler.stop()
                        await pilot.pause(0.3)
                        timed = index >= 2 and closes
                        if timed:
                            profiler.start()
                        start = time.perf_counter()
                        await pilot.press("escape")
                        await until(pilot, lambda: app.screen is app.screen_stack[0])
                        await pilot.pause()
                        if timed:
                            times.append(time.perf_counter() - start)
                            profiler.stop()
                        await pilot.pause(0.1)
                    times.sort()
                    p50, worst = times[len(times) // 2] * 1000, times[-1] * 1000
                    what = "closes" if closes else "opens"
                    print(f"{name}: p50 {p50:.1f} ms, max {worst:.1f} ms ({len(times)} {what})")
                    (out / f"{name}.txt").write_text(
                        profiler.output_text(unicode=True, color=False, show_all=True)
                    )
    finally:
        starting.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--opens", type=int, default=12)
    parser.add_argument("--only", default=",".join(SCREENS))
    parser.add_argument("--out", type=Path, default=Path("/tmp/todotui-profiles"))
    parser.add_argument("--closes", action="store_true", help="profile the escape, not the open")
    args = parser.parse_args()
    only = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = [name for name in only if name not in SCREENS]
    if unknown:
        parser.error(f"--only: no screen {', '.join(unknown)} (choose from {', '.join(SCREENS)})")
    args.out.mkdir(parents=True, exist_ok=True)
    asyncio.run(profile(args.opens, only, args.out, args.closes))


if __name__ == "__main__":
    main()
