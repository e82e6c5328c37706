"""The fleet demo's first minute: how soon the fleet has data, and what refreshes take meanwhile.

    .venv/bin/python bench/bench_fleet_start.py [--fleet 100] [--seconds 60]

Starts the sandbox as `todotui --demo --fleet N` does (auto mode, 5 s periods, its default
backfill and hourly history), then, as soon as it is ready for the core, runs side by side
what the demo does: a dashboard refresh (the Monitor's one GetMetricData call and its reads)
every second, and the fleet view's refresh (discovery, then at most two GetMetricData calls)
back to back. Prints the start's stages, the time to the first dashboard and fleet data, and
refresh latencies in 10 s buckets of the first `--seconds`. Nothing is asserted; nothing
touches AWS.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from todotui.aws.session import AwsClients, StaticCredentials
from todotui.config import AwsTarget, Settings
from todotui.core.clock import SystemClock
from todotui.core.fleet import FleetWatch
from todotui.core.monitor import Monitor
from todotui.demo import DEMO_PERIOD, demo_settings
from todotui.sandbox import DUMMY_ACCESS_KEY_ID, DUMMY_SECRET_ACCESS_KEY
from todotui.sandbox.controller import Sandbox

Sample = tuple[float, float, bool]
"""(seconds since launch when it ended, its latency in seconds, whether it brought data)."""


async def watch(sandbox: Sandbox, launched: float, seconds: float) -> dict[str, list[Sample]]:
    settings = demo_settings(Settings(), fleet=sandbox.fleet)
    clients = AwsClients(
        AwsTarget(endpoint_url=sandbox.endpoint, region=sandbox.region),
        credentials=StaticCredentials(DUMMY_ACCESS_KEY_ID, DUMMY_SECRET_ACCESS_KEY),
    )
    clock = SystemClock()
    samples: dict[str, list[Sample]] = {"dashboard": [], "fleet": []}
    stop = time.perf_counter() + seconds
    async with clients:
        monitor = Monitor(settings, clients=clients, clock=clock)
        fleet = FleetWatch(settings, clients, clock)

        async def dashboard() -> None:
            while time.perf_counter() < stop:
                t0 = time.perf_counter()
                refresh = await monitor.refresh()
                t1 = time.perf_counter()
                ok = refresh.ok and any(
                    v is not None for p in refresh.panes.values() for v in p.history
                )
                samples["dashboard"].append((t1 - launched, t1 - t0, ok))
                await asyncio.sleep(max(0.0, 1.0 - (t1 - t0)))

        async def fleet_view() -> None:
            while time.perf_counter() < stop:
                t0 = time.perf_counter()
                result = await fleet.refresh()
                t1 = time.perf_counter()
                ok = result.error is None and any(row.spark for row in result.rows)
                samples["fleet"].append((t1 - launched, t1 - t0, ok))
                await asyncio.sleep(0.5)

        await asyncio.gather(dashboard(), fleet_view())
    return samples


def report(name: str, samples: list[Sample], seconds: float, ready: float) -> None:
    first = next((at for at, _, ok in samples if ok), None)
    failed = sum(1 for _, _, ok in samples if not ok)
    said = f"{first:.1f} s" if first is not None else "never"
    print(
        f"{name}: first data {said} after launch; {len(samples)} refreshes, {failed} without data"
    )
    print(f"  {'from s':>6} {'to s':>5} {'n':>3} {'p50 ms':>8} {'max ms':>8}")
    start = ready
    while start < ready + seconds:
        bucket = [lat * 1000 for at, lat, _ in samples if start <= at < start + 10]
        if bucket:
            print(
                f"  {start:6.0f} {start + 10:5.0f} {len(bucket):3d} "
                f"{statistics.median(bucket):8.0f} {max(bucket):8.0f}"
            )
        start += 10


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fleet", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    launched = time.perf_counter()
    with Sandbox(period=DEMO_PERIOD, fleet=args.fleet) as sandbox:
        up = time.perf_counter() - launched
        sandbox.wait_for_history()
        ready = time.perf_counter() - launched
        samples = asyncio.run(watch(sandbox, launched, args.seconds))
        status = sandbox.status()
    print(
        f"--fleet {args.fleet}: sandbox up (stack and fleet provisioned) {up:.1f} s, "
        f"backfill done {ready:.1f} s after launch; hourly history "
        f"{status['history']['hourly_datapoints']} datapoints, "
        f"{status['history']['pending_days']} days pending at the end"
    )
    for name, got in samples.items():
        report(name, got, args.seconds, ready)


if __name__ == "__main__":
    main()
