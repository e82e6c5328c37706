"""Logs Insights in the sandbox: how long the runbook's slow-request query and a stats query
take over a few hours of simulated Lambda logs, against reading the same events with
FilterLogEvents.

    PYTHONPATH=src .venv/bin/python bench/bench_insights.py [TICKS]

Starts a manual sandbox (slow-dependency), ticks it TICKS times (default 120: two simulated
hours, about 2,000 log events), then times StartQuery + GetQueryResults (median of 5) for
each query, and one full paginated FilterLogEvents read. Nothing is asserted.
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import datetime

from todotui.sandbox.controller import Sandbox

QUERIES = (
    "fields @timestamp, @duration | filter @duration > 5000 | sort @duration desc",
    "stats count(*), avg(@duration), pct(@duration, 99) by bin(5m)",
)


def main(ticks: int) -> None:
    with Sandbox(manual=True, period=60, seed=4, backfill=0, scenario="slow-dependency") as box:
        box.tick(ticks)
        logs = box.client("logs")
        group = box.names.log_group
        now = int(datetime.fromisoformat(box.status()["sim_time"]).timestamp())
        for query in QUERIES:
            times = []
            for _ in range(5):
                began = time.perf_counter()
                query_id = logs.start_query(
                    logGroupName=group, startTime=now - 7 * 86400, endTime=now, queryString=query
                )["queryId"]
                answer = logs.get_query_results(queryId=query_id)
                times.append(time.perf_counter() - began)
            scanned = int(answer["statistics"]["recordsScanned"])
            print(
                f"{statistics.median(times) * 1000:7.1f} ms  {len(answer['results']):4d} rows "
                f"of {scanned} events  {query}"
            )
        began = time.perf_counter()
        pages = logs.get_paginator("filter_log_events").paginate(logGroupName=group)
        count = sum(len(page["events"]) for page in pages)
        elapsed = (time.perf_counter() - began) * 1000
        print(f"{elapsed:7.1f} ms  FilterLogEvents, every event ({count})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 120)
