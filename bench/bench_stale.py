"""How soon the cockpit says its data is stale when the endpoint freezes, and whether the
figures hold still meanwhile (issue 8's probe, on the wall clock).

    .venv/bin/python bench/bench_stale.py [--frozen 40]

A live sandbox (period 5 s) behind a TCP relay on 127.0.0.1; the real app (Textual's
`run_test`, wall clock) refreshes every 5 s, so the stale threshold is 10 s. After the first
data the relay freezes: connections stay open, nothing moves (a hung endpoint). Reported:
seconds from the last good refresh to the status bar saying STALE (or FAILING), to the
traffic pane saying stale, how often the traffic figure changed while frozen, and what the
recovery alert says against the real gap. Nothing is asserted; nothing touches AWS.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from support import Forwarder
from todotui.aws.session import StaticCredentials
from todotui.config import Settings
from todotui.core.cockpit import Cockpit
from todotui.sandbox import DUMMY_ACCESS_KEY_ID, DUMMY_SECRET_ACCESS_KEY
from todotui.sandbox.controller import Sandbox
from todotui.telemetry.model import DataState
from todotui.ui.app import make_app
from todotui.ui.widgets import AlertFeedView, MetricPane, StatusBar

REFRESH = 5.0


def mode(app) -> str:
    return str(app.query_one(StatusBar).query_one(".mode").render())


async def probe(sandbox: Sandbox, frozen_for: float) -> None:
    relay = Forwarder(int(sandbox.endpoint.rsplit(":", 1)[1]))
    await relay.start()
    settings = Settings().with_overrides(
        aws={"endpoint_url": relay.url, "region": sandbox.region},
        cadence={"period_seconds": 5, "refresh_seconds": REFRESH, "window_seconds": 300},
    )
    credentials = StaticCredentials(DUMMY_ACCESS_KEY_ID, DUMMY_SECRET_ACCESS_KEY)
    app = make_app(
        Cockpit(settings, credentials=credentials), demo_label="sandbox", close_core=True
    )
    async with app.run_test(size=(160, 48)) as pilot:
        while app.refreshes < 2 or app.query_one("#pane-traffic", MetricPane).snapshot is None:
            await pilot.pause(0.1)
        print(f"connected: {mode(app)}", flush=True)
        traffic = app.query_one("#pane-traffic", MetricPane)
        last_good = time.monotonic()
        good_refreshes = app.refreshes
        while app.refreshes == good_refreshes:  # freeze just after a good refresh
            await pilot.pause(0.05)
        last_good = time.monotonic()
        relay.freeze()
        values, stale_at, pane_stale_at = [traffic.snapshot.primary.value], None, None
        while time.monotonic() - last_good < frozen_for:
            await pilot.pause(0.1)
            if stale_at is None and ("STALE" in mode(app) or "FAILING" in mode(app)):
                stale_at = time.monotonic() - last_good
            if pane_stale_at is None and traffic.snapshot.state is DataState.STALE:
                pane_stale_at = time.monotonic() - last_good
            if traffic.snapshot.primary.value != values[-1]:
                values.append(traffic.snapshot.primary.value)
        relay.thaw()
        gap = time.monotonic() - last_good
        before = app.refreshes
        deadline = time.monotonic() + 60
        while (app.refreshes <= before or "LIVE" not in mode(app)) and time.monotonic() < deadline:
            await pilot.pause(0.1)
        gap = time.monotonic() - last_good
        restored = [a.title for a in app.query_one(AlertFeedView).alerts if "restored" in a.title]
    await relay.stop()
    print(f"status says STALE/FAILING after {stale_at and round(stale_at, 1)} s (threshold 10 s)")
    print(f"traffic pane says stale after  {pane_stale_at and round(pane_stale_at, 1)} s")
    print(f"traffic figure changed {len(values) - 1} times while frozen ({frozen_for:g} s)")
    print(f"data came back after {gap:.0f} s; the feed says: {restored[:1] or 'nothing'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frozen", type=float, default=40.0, help="seconds the relay is frozen")
    args = parser.parse_args()
    with Sandbox(period=5.0, backfill=60) as sandbox:
        sandbox.wait_for_history()
        asyncio.run(probe(sandbox, args.frozen))


if __name__ == "__main__":
    main()
