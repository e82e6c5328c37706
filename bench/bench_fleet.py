"""What a fleet refresh costs at 1, 10 and 100 functions, on a sandbox fleet.

    .venv/bin/python bench/bench_fleet.py [--sizes 1,10,100] [--rounds 5]

For each size: a manual sandbox with `--fleet N` (N functions with a PROD alias and
max(1, min(20, N // 5)) tables, tagged fleet=sandbox), 15 simulated minutes of traffic, then
the fleet discovered by the tag (plus the configured stack's function, table and API) and
refreshed `--rounds` times. Prints members, GetMetricData calls and metrics per refresh, the
price an hour at the fleet's default cadence (30 s), and the refresh's CPU in this process
(fetch parsing plus ranking) and wall time (the sandbox's answer included). Nothing is
asserted; nothing touches AWS.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from datetime import UTC, datetime

from todotui.aws.session import AwsClients, StaticCredentials
from todotui.config import AwsTarget, Settings
from todotui.core.fleet import FleetWatch
from todotui.sandbox import DUMMY_ACCESS_KEY_ID, DUMMY_SECRET_ACCESS_KEY
from todotui.sandbox.controller import Sandbox


class SandboxClock:
    def __init__(self, sandbox: Sandbox) -> None:
        self.now = datetime.fromisoformat(sandbox.status()["sim_time"]).astimezone(UTC)

    def __call__(self) -> datetime:
        return self.now


async def measure(sandbox: Sandbox, rounds: int) -> dict[str, float]:
    settings = Settings().with_overrides(
        fleet={"tag": "fleet=sandbox"}, cadence={"period_seconds": 60}
    )
    clients = AwsClients(
        AwsTarget(endpoint_url=sandbox.endpoint, region=sandbox.region),
        credentials=StaticCredentials(DUMMY_ACCESS_KEY_ID, DUMMY_SECRET_ACCESS_KEY),
    )
    async with clients:
        watch = FleetWatch(settings, clients, SandboxClock(sandbox))
        t0 = time.perf_counter()
        await watch.discover()
        discover_s = time.perf_counter() - t0
        await watch.refresh()  # warm: clients made, models loaded
        cpu, wall = [], []
        before = clients.requests["cloudwatch.GetMetricData"]
        for _ in range(rounds):
            c0, w0 = time.process_time(), time.perf_counter()
            result = await watch.refresh()
            cpu.append(time.process_time() - c0)
            wall.append(time.perf_counter() - w0)
        calls = (clients.requests["cloudwatch.GetMetricData"] - before) / rounds
    return {
        "members": len(watch.members),
        "calls": calls,
        "metrics": result.metrics,
        "usd_per_hour": result.usd_per_hour,
        "cpu_ms": statistics.median(cpu) * 1000,
        "wall_ms": statistics.median(wall) * 1000,
        "discover_ms": discover_s * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1,10,100")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(
        f"{'functions':>9} {'members':>7} {'calls/refresh':>13} {'metrics/refresh':>15} "
        f"{'$/h @30s':>8} {'CPU ms':>7} {'wall ms':>8} {'discover ms':>11} {'start s':>7}"
    )
    for size in (int(s) for s in args.sizes.split(",")):
        t0 = time.perf_counter()
        with Sandbox(manual=True, period=60, backfill=0, fleet=size) as sandbox:
            sandbox.tick(15)
            started = time.perf_counter() - t0
            figures = asyncio.run(measure(sandbox, args.rounds))
        print(
            f"{size:>9} {figures['members']:>7} {figures['calls']:>13g} "
            f"{figures['metrics']:>15} {figures['usd_per_hour']:>8.2f} "
            f"{figures['cpu_ms']:>7.1f} {figures['wall_ms']:>8.1f} "
            f"{figures['discover_ms']:>11.1f} {started:>7.1f}"
        )


if __name__ == "__main__":
    main()
