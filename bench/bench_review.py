"""The weekly review: wall time and AWS requests of `WeeklyReview.run()` (all four sections
at once, as `todotui review` runs them) against the sandbox, versus the runbook's three
weekly `aws` commands run one process each.

    PYTHONPATH=src .venv/bin/python bench/bench_review.py [TICKS]

Starts a manual sandbox, ticks it TICKS times (default 60) in auth-attack then
slow-dependency, then times the review (median of 5, each on a fresh core) and the runbook's
`aws ce get-cost-and-usage`, `aws cloudtrail lookup-events`, `aws logs start-query` (one
run each; the last only starts the query, as the runbook's does). Nothing is asserted.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta

from todotui.aws.session import StaticCredentials
from todotui.config import Settings
from todotui.core.clock import ManualClock
from todotui.core.cockpit import Cockpit
from todotui.core.review import WeeklyReview
from todotui.sandbox.controller import Sandbox


async def one_review(box: Sandbox, now: datetime) -> tuple[float, int, list[str]]:
    settings = Settings().with_overrides(aws={"endpoint_url": box.endpoint, "region": box.region})
    core = Cockpit(settings, clock=ManualClock(now), credentials=StaticCredentials("t", "t"))
    async with core:
        began = time.perf_counter()
        review = await WeeklyReview(settings, core.clients, core.clock).run()
        wall = time.perf_counter() - began
        return wall, sum(core.clients.requests.values()), [s.key for s in review.failed]


def runbook(box: Sandbox, now: datetime) -> list[tuple[str, float]]:
    aws = shutil.which("aws")
    if aws is None:
        return []
    env = {**os.environ, **box.env}
    today = now.date()
    commands = {
        "aws ce get-cost-and-usage": [
            "ce", "get-cost-and-usage",
            "--time-period", f"Start={today - timedelta(days=7)},End={today}",
            "--granularity", "DAILY", "--metrics", "BlendedCost",
            "--group-by", "Type=DIMENSION,Key=SERVICE",
        ],
        "aws cloudtrail lookup-events": [
            "cloudtrail", "lookup-events",
            "--start-time", str(today - timedelta(days=7)),
            "--lookup-attributes", "AttributeKey=EventName,AttributeValue=CreateUser",
        ],
        "aws logs start-query": [
            "logs", "start-query", "--log-group-name", box.names.log_group,
            "--start-time", str(int((now - timedelta(days=7)).timestamp())),
            "--end-time", str(int(now.timestamp())),
            "--query-string",
            "fields @timestamp, @duration | filter @duration > 5000 | sort @duration desc",
        ],
    }  # fmt: skip
    out = []
    for name, args in commands.items():
        began = time.perf_counter()
        subprocess.run([aws, *args], env=env, capture_output=True, check=True)
        out.append((name, time.perf_counter() - began))
    return out


def main(ticks: int) -> None:
    with Sandbox(manual=True, period=60, seed=4, backfill=0, scenario="auth-attack") as box:
        box.tick(ticks // 2)
        box.set_scenario("slow-dependency")
        box.tick(ticks - ticks // 2)
        now = datetime.fromisoformat(box.status()["sim_time"])
        runs = [asyncio.run(one_review(box, now)) for _ in range(5)]
        walls = [wall for wall, _, _ in runs]
        print(
            f"review (4 sections, one core): median {statistics.median(walls) * 1000:.0f} ms,"
            f" min {min(walls) * 1000:.0f} ms, {runs[0][1]} requests, failed: {runs[0][2]}"
        )
        steps = runbook(box, now)
        for name, wall in steps:
            print(f"{name}: {wall * 1000:.0f} ms (one process)")
        if steps:
            print(f"runbook's three commands: {sum(w for _, w in steps) * 1000:.0f} ms in all")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 60)
