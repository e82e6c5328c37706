"""The check's reads: one GetMetricData for every window, DescribeAlarms, DescribeTable.

All three run concurrently; each fails on its own (a `Read` with AWS's words), so a missing
table never hides the metrics. What they mean is judged in `reports.check`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from typing import Any

from todotui.aws.alarms import fetch_alarms
from todotui.aws.errors import AWS_ERRORS, describe_error, error_code
from todotui.aws.metrics import fetch_metrics
from todotui.aws.session import AwsClients
from todotui.reports.check import CheckPlan, CheckReads, SeriesPoints
from todotui.stack_names import StackNames
from todotui.telemetry.aws_types import Read


async def fetch_check(clients: AwsClients, stack: StackNames, plan: CheckPlan) -> CheckReads:
    """Read what `plan` asks for; counts the requests this check sent (by operation)."""
    before = Counter(clients.requests)
    for service in ("cloudwatch", "dynamodb"):  # client creation is not re-entrant: one at a time
        with contextlib.suppress(*AWS_ERRORS):  # the read that needs it says why, in AWS's words
            await clients.client(service)
    metrics, alarms, table = await asyncio.gather(
        _metrics(clients, plan), _alarms(clients, stack), _table(clients, stack)
    )
    read, requested = metrics
    sent = Counter(clients.requests)
    sent.subtract(before)
    try:
        target = clients.target.describe()
    except RuntimeError:
        target = "(not connected)"
    return CheckReads(
        metrics=read,
        alarms=alarms,
        table=table,
        requests={k: n for k, n in sorted(sent.items()) if n},
        metrics_requested=requested,
        target=target,
    )


async def _metrics(clients: AwsClients, plan: CheckPlan) -> tuple[Read[Any], int]:
    try:
        cloudwatch = await clients.client("cloudwatch")
        fetched = await fetch_metrics(
            cloudwatch,
            plan.specs,
            start=plan.start,
            end=plan.end,
            period_seconds=plan.period_seconds,
        )
    except AWS_ERRORS as exc:
        return Read(error_code=error_code(exc), error=describe_error(exc)), 0
    series = {
        sid: SeriesPoints(r.points, r.status, r.messages) for sid, r in fetched.results.items()
    }
    return Read(answer=series), fetched.metrics_requested


async def _alarms(clients: AwsClients, stack: StackNames) -> Read[Any]:
    try:
        cloudwatch = await clients.client("cloudwatch")
        return Read(answer=await fetch_alarms(cloudwatch, stack.alarm_names))
    except AWS_ERRORS as exc:
        return Read(error_code=error_code(exc), error=describe_error(exc))


async def _table(clients: AwsClients, stack: StackNames) -> Read[Any]:
    try:
        dynamodb = await clients.client("dynamodb")
        answer = await dynamodb.describe_table(TableName=stack.table_name)
    except AWS_ERRORS as exc:
        return Read(error_code=error_code(exc), error=describe_error(exc))
    return Read(answer=answer.get("Table", {}))
