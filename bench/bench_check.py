"""`todotui check` against the runbook's daily check, side by side, on the same sandbox.

    PYTHONPATH=src .venv/bin/python bench/bench_check.py [--rounds 5]

The runbook's "Morning Health Check" is three `aws cloudwatch get-metric-statistics`
commands (Lambda invocations, API Gateway requests, Lambda errors over 24 h), pasted one after
another: three processes, three requests, three figures (with its `date --iso-8601` fixed to
a full timestamp; as written it asks for midnight to midnight). `todotui check` is one process:
one GetMetricData for 14 series over three windows, DescribeAlarms and DescribeTable.

Both run as fresh processes (what a person or a cron job does), against one manual-mode
sandbox with nine days of hourly history, started here and stopped at the end. Wall time is
the median of `--rounds`; CPU is the children's rusage. The runbook side uses the `aws` CLI
when it is installed, else three `python -c` boto3 processes (the output says which).
Nothing here touches AWS; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

from todotui.sandbox.controller import Sandbox

RUNBOOK = (
    ("AWS/Lambda", "Invocations", "FunctionName", "todo-handler"),
    ("AWS/ApiGateway", "Count", "ApiName", "todo-api"),
    ("AWS/Lambda", "Errors", "FunctionName", "todo-handler"),
)

BOTO3 = """
import sys, boto3, datetime as d
cw = boto3.client("cloudwatch")
cw.get_metric_statistics(Namespace=sys.argv[1], MetricName=sys.argv[2],
    Dimensions=[{"Name": sys.argv[3], "Value": sys.argv[4]}],
    StartTime=d.datetime.fromisoformat(sys.argv[5]), EndTime=d.datetime.fromisoformat(sys.argv[6]),
    Period=86400, Statistics=["Sum"])
"""


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def aws_cli() -> str | None:
    """The aws CLI outside this virtualenv (it needs its own botocore)."""
    for candidate in ("/root/.pyenv/versions/3.11.7/bin/aws", shutil.which("aws")):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


def runbook_commands(cli: str | None) -> tuple[str, list[list[str]]]:
    end = datetime.now(UTC).replace(second=0, microsecond=0)
    start = end - timedelta(hours=24)
    stamps = [start.strftime("%Y-%m-%dT%H:%M:%SZ"), end.strftime("%Y-%m-%dT%H:%M:%SZ")]
    commands = []
    for namespace, metric, dim, value in RUNBOOK:
        if cli:
            commands.append(
                [
                    cli,
                    "cloudwatch",
                    "get-metric-statistics",
                    "--namespace",
                    namespace,
                    "--metric-name",
                    metric,
                    "--dimensions",
                    f"Name={dim},Value={value}",
                    "--start-time",
                    stamps[0],
                    "--end-time",
                    stamps[1],
                    "--period",
                    "86400",
                    "--statistics",
                    "Sum",
                ]
            )
        else:
            commands.append(
                [
                    sys.executable,
                    "-c",
                    BOTO3,
                    namespace,
                    metric,
                    dim,
                    value,
                    start.isoformat(),
                    end.isoformat(),
                ]
            )
    return ("aws CLI" if cli else "boto3 in a fresh python"), commands


def timed(commands: list[list[str]], env: dict[str, str]) -> tuple[float, float, str]:
    cpu0, wall0 = children_cpu(), time.perf_counter()
    out = ""
    for command in commands:
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        out = done.stdout
    return time.perf_counter() - wall0, children_cpu() - cpu0, out


async def in_process(sandbox: Sandbox, rounds: int) -> float:
    """Median wall time of the check from clients already made (what `c` costs the cockpit)."""
    from todotui.aws.session import AwsClients, StaticCredentials
    from todotui.config import AwsTarget, Settings
    from todotui.core.check import run_check
    from todotui.sandbox import DUMMY_ACCESS_KEY_ID, DUMMY_SECRET_ACCESS_KEY

    target = AwsTarget(endpoint_url=sandbox.endpoint, region=sandbox.region)
    keys = StaticCredentials(DUMMY_ACCESS_KEY_ID, DUMMY_SECRET_ACCESS_KEY)
    times = []
    async with AwsClients(target, credentials=keys) as clients:
        for _ in range(rounds + 1):
            start = time.perf_counter()
            await run_check(clients, Settings(), since_seconds=86400, now=datetime.now(UTC))
            times.append(time.perf_counter() - start)
    return statistics.median(times[1:])  # the first makes the clients


def main(args: argparse.Namespace) -> None:
    todotui = [sys.executable, "-m", "todotui", "check", "--json"]
    with Sandbox(manual=True, period=60, seed=3, backfill=0, history_days=9) as sandbox:
        sandbox.tick(3)  # alarms evaluated once; the windows are read on the wall clock
        env = {**os.environ, **sandbox.env}
        how, runbook = runbook_commands(aws_cli())
        ours, theirs = [], []
        report: dict = {}
        for _ in range(args.rounds):
            wall, cpu, out = timed([todotui], env)
            report = json.loads(out)
            ours.append((wall, cpu))
            theirs.append(timed(runbook, env)[:2])
        o_wall = statistics.median(w for w, _ in ours)
        o_cpu = statistics.median(c for _, c in ours)
        t_wall = statistics.median(w for w, _ in theirs)
        t_cpu = statistics.median(c for _, c in theirs)
        requests = report["requests"]
        figures = sum(
            line[key] is not None
            for line in report["lines"]
            for key in ("value", "day_before", "week_before")
        ) + len(report["alarms"])
        warm = asyncio.run(in_process(sandbox, args.rounds))
        print(f"sandbox {sandbox.endpoint}; {args.rounds} rounds, medians")
        print(
            f"todotui check:  wall {o_wall * 1000:7.0f} ms  CPU {o_cpu * 1000:7.0f} ms  "
            f"1 process, {requests['total']} requests {requests['by_operation']}, "
            f"{report['metrics_requested']} metrics, {figures} figures with data "
            f"(3 windows x {len(report['lines'])} lines, p99 has none here, "
            f"+ {len(report['alarms'])} alarms), verdict {report['verdict']}"
        )
        print(f"  the same check in a running process (the cockpit's c): wall {warm * 1000:.0f} ms")
        print(
            f"runbook check:  wall {t_wall * 1000:7.0f} ms  CPU {t_cpu * 1000:7.0f} ms  "
            f"{len(runbook)} processes ({how}), {len(runbook)} requests, 3 figures (one window)"
        )
        print(
            f"ratio (runbook / todotui): wall x{t_wall / o_wall:.2f}  CPU x{t_cpu / o_cpu:.2f}; "
            f"requests {len(runbook)} vs {requests['total']}; figures 3 vs {figures}"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    main(parser.parse_args())
