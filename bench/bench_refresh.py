"""What one cockpit refresh costs, against the runbook's way, on the same sandbox.

    .venv/bin/python bench/bench_refresh.py [--rounds 5] [--hour-ticks 60] [--rss 1000,10000]

1. CPU and wall time of one cockpit refresh (Monitor.refresh: one GetMetricData for every
   series on screen, plus alarms and logs) versus one refresh the runbook's way: one
   `aws cloudwatch get-metric-statistics` process per series, the same series, the same
   sandbox. CPU of the aws processes is read from the children's rusage. Reported as a ratio.
2. Requests and metrics requested per refresh over an hour of simulated refreshes (the
   sandbox ticks one minute between refreshes): the cost must stay flat.
3. RSS of this process after N refreshes at full speed (growth must stay small).

Nothing here touches AWS: everything goes to a sandbox on 127.0.0.1 started here and
stopped at the end. Figures are printed; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import shutil
import statistics
import subprocess
import time
from datetime import datetime, timedelta

from todotui.config import Settings
from todotui.core.monitor import Monitor
from todotui.sandbox.controller import Sandbox

PERIOD = 60


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def aws_cli() -> str | None:
    """The aws CLI outside this virtualenv (it needs its own botocore)."""
    for candidate in ("/root/.pyenv/versions/3.11.7/bin/aws", shutil.which("aws")):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


def runbook_commands(monitor: Monitor, now: datetime, window: int) -> list[list[str]]:
    start = (now - timedelta(seconds=window)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    commands = []
    for spec in monitor.specs:
        dims = [f"Name={name},Value={value}" for name, value in spec.dimensions]
        commands.append(
            [
                "cloudwatch",
                "get-metric-statistics",
                "--namespace",
                spec.namespace,
                "--metric-name",
                spec.metric,
                "--dimensions",
                *dims,
                "--start-time",
                start,
                "--end-time",
                end,
                "--period",
                str(PERIOD),
                "--statistics",
                spec.stat,
            ]
        )
    return commands


def runbook_refresh(
    cli: str, commands: list[list[str]], env: dict[str, str]
) -> tuple[float, float]:
    cpu0, wall0 = children_cpu(), time.perf_counter()
    for args in commands:
        subprocess.run([cli, *args], env=env, check=True, stdout=subprocess.DEVNULL)
    return children_cpu() - cpu0, time.perf_counter() - wall0


async def main(args: argparse.Namespace) -> None:
    with Sandbox(manual=True, period=PERIOD, backfill=60, seed=1) as sandbox:

        def sim_now() -> datetime:
            return datetime.fromisoformat(sandbox.status()["sim_time"])

        settings = Settings().with_overrides(
            aws={"endpoint_url": sandbox.endpoint, "region": sandbox.region},
            cadence={"period_seconds": PERIOD},
        )
        os.environ.update(
            {k: v for k, v in sandbox.env.items() if k.startswith("AWS_") and "ENDPOINT" not in k}
        )
        clock_value = sim_now()
        async with Monitor(settings, clock=lambda: clock_value) as monitor:
            monitor.window_seconds = 3600
            await monitor.refresh()  # first fill of the window, then steady-state refreshes

            # 1. one refresh, cockpit vs runbook
            cockpit = []
            for _ in range(args.rounds):
                cpu0, wall0 = time.process_time(), time.perf_counter()
                await monitor.refresh()
                cockpit.append((time.process_time() - cpu0, time.perf_counter() - wall0))
            cli = aws_cli()
            runbook = []
            if cli:
                env = {**os.environ, **sandbox.env}
                commands = runbook_commands(monitor, clock_value, 900)
                for _ in range(args.rounds):
                    runbook.append(runbook_refresh(cli, commands, env))
            c_cpu = statistics.median(c for c, _ in cockpit)
            c_wall = statistics.median(w for _, w in cockpit)
            print(f"series per refresh: {len(monitor.specs)}")
            print(
                f"cockpit refresh:  CPU {c_cpu * 1000:8.1f} ms   wall {c_wall * 1000:8.1f} ms (median of {args.rounds})"
            )
            if runbook:
                r_cpu = statistics.median(c for c, _ in runbook)
                r_wall = statistics.median(w for _, w in runbook)
                print(
                    f"runbook refresh:  CPU {r_cpu * 1000:8.1f} ms   wall {r_wall * 1000:8.1f} ms "
                    f"({len(commands)} aws processes)"
                )
                print(
                    f"ratio (runbook / cockpit): CPU x{r_cpu / c_cpu:,.0f}   wall x{r_wall / c_wall:,.0f}"
                )
            else:
                print("runbook refresh: skipped (no aws CLI found)")

            # 2. an hour of refreshes, one per simulated minute
            per_refresh = []
            for _ in range(args.hour_ticks):
                sandbox.tick()
                clock_value = sim_now()
                result = await monitor.refresh()
                per_refresh.append((result.requests, result.metrics_requested))
            first, last = (
                per_refresh[1] if len(per_refresh) > 1 else per_refresh[0],
                per_refresh[-1],
            )
            print(
                f"hour of refreshes ({args.hour_ticks}): requests/refresh first {first[0]} last {last[0]}, "
                f"metrics/refresh first {first[1]} last {last[1]}, max metrics {max(m for _, m in per_refresh)}"
            )
            print(f"cost meter: {monitor.cost}")

            # 3. memory over many refreshes at full speed (no ticks: the data does not grow)
            marks = sorted(int(n) for n in args.rss.split(","))
            base = rss_mb()
            done = 0
            for mark in marks:
                while done < mark:
                    await monitor.refresh()
                    done += 1
                print(
                    f"RSS after {mark:>6} refreshes: {rss_mb():7.1f} MB (growth {rss_mb() - base:+.1f} MB)"
                )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--hour-ticks", type=int, default=60)
    parser.add_argument("--rss", default="1000,10000", help="comma-separated refresh counts")
    asyncio.run(main(parser.parse_args()))
