"""The CloudWatch series on screen, and the one GetMetricData call that fetches them all.

The catalogue names what real AWS publishes for a Lambda + API Gateway + DynamoDB stack
(namespaces, metric names, dimensions, statistics), built from the configured resource
names. Derived figures (error rate, utilisation) are computed in Python from these raw
series, so they work on endpoints without metric math (moto has none).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from todotui.config import StackNames

#: GetMetricData accepts at most this many queries per call.
MAX_QUERIES_PER_CALL = 500

#: The DynamoDB operations whose ThrottledRequests and latency we watch (summed in Python).
TABLE_OPERATIONS = ("GetItem", "Query", "PutItem", "UpdateItem", "DeleteItem")


@dataclass(frozen=True, slots=True)
class MetricSpec:
    """One series: a metric, its dimensions and the statistic asked for."""

    id: str
    """GetMetricData query id (lower-case first letter, letters, digits, underscores)."""
    namespace: str
    metric: str
    dimensions: tuple[tuple[str, str], ...]
    stat: str
    unit: str
    """The unit the value is shown in ("Count", "Milliseconds", ...)."""

    def query(self, period_seconds: int) -> dict[str, Any]:
        return {
            "Id": self.id,
            "MetricStat": {
                "Metric": {
                    "Namespace": self.namespace,
                    "MetricName": self.metric,
                    "Dimensions": [{"Name": n, "Value": v} for n, v in self.dimensions],
                },
                "Period": period_seconds,
                "Stat": self.stat,
            },
            "ReturnData": True,
        }


def catalogue(stack: StackNames, *, percentiles: bool = False) -> tuple[MetricSpec, ...]:
    """Every series the panes need. `percentiles` adds Duration p99 (not every endpoint has it)."""
    fn = (("FunctionName", stack.function_name),)
    table = (("TableName", stack.table_name),)
    api = (("ApiName", stack.api_name),)
    specs = [
        MetricSpec("lambda_invocations", "AWS/Lambda", "Invocations", fn, "Sum", "Count"),
        MetricSpec("lambda_errors", "AWS/Lambda", "Errors", fn, "Sum", "Count"),
        MetricSpec("lambda_throttles", "AWS/Lambda", "Throttles", fn, "Sum", "Count"),
        MetricSpec("lambda_duration_avg", "AWS/Lambda", "Duration", fn, "Average", "Milliseconds"),
        MetricSpec("lambda_duration_max", "AWS/Lambda", "Duration", fn, "Maximum", "Milliseconds"),
        MetricSpec("lambda_concurrency", "AWS/Lambda", "ConcurrentExecutions", fn, "Maximum", "Count"),
        MetricSpec("ddb_consumed_rcu", "AWS/DynamoDB", "ConsumedReadCapacityUnits", table, "Sum", "Count"),
        MetricSpec("ddb_consumed_wcu", "AWS/DynamoDB", "ConsumedWriteCapacityUnits", table, "Sum", "Count"),
        MetricSpec("ddb_read_throttles", "AWS/DynamoDB", "ReadThrottleEvents", table, "Sum", "Count"),
        MetricSpec("ddb_write_throttles", "AWS/DynamoDB", "WriteThrottleEvents", table, "Sum", "Count"),
    ]
    if percentiles:
        specs.append(MetricSpec("lambda_duration_p99", "AWS/Lambda", "Duration", fn, "p99", "Milliseconds"))
    for op in TABLE_OPERATIONS:
        dims = table + (("Operation", op),)
        specs.append(
            MetricSpec(f"ddb_throttled_{op.lower()}", "AWS/DynamoDB", "ThrottledRequests", dims, "Sum", "Count")
        )
        specs.append(
            MetricSpec(
                f"ddb_latency_{op.lower()}", "AWS/DynamoDB", "SuccessfulRequestLatency", dims, "Average", "Milliseconds"
            )
        )
    specs += [
        MetricSpec("api_count", "AWS/ApiGateway", "Count", api, "Sum", "Count"),
        MetricSpec("api_5xx", "AWS/ApiGateway", "5XXError", api, "Sum", "Count"),
        MetricSpec("api_4xx", "AWS/ApiGateway", "4XXError", api, "Sum", "Count"),
        MetricSpec("api_latency", "AWS/ApiGateway", "Latency", api, "Average", "Milliseconds"),
    ]
    return tuple(specs)


@dataclass(frozen=True, slots=True)
class SeriesResult:
    """What CloudWatch answered for one query: (timestamp, value) pairs, oldest first."""

    id: str
    points: tuple[tuple[datetime, float], ...]
    status: str
    """Complete, PartialData, InternalError or Forbidden."""
    messages: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MetricFetch:
    """The outcome of one refresh's metric fetch."""

    start: datetime
    end: datetime
    results: dict[str, SeriesResult]
    calls: int
    """GetMetricData requests sent (pages included)."""
    metrics_requested: int
    """Queries sent across those requests: what AWS bills for."""
    messages: tuple[str, ...] = field(default=())


async def fetch_metrics(
    cloudwatch: Any, specs: tuple[MetricSpec, ...], *, start: datetime, end: datetime, period_seconds: int
) -> MetricFetch:
    """Fetch every spec between `start` and `end` (both aligned) in as few calls as possible.

    One GetMetricData call per 500 queries; NextToken pages are followed with botocore's
    paginator. AWS errors propagate to the caller (which turns them into a failed Refresh).
    """
    paginator = cloudwatch.get_paginator("get_metric_data")
    points: dict[str, list[tuple[datetime, float]]] = {spec.id: [] for spec in specs}
    status: dict[str, str] = {}
    messages: dict[str, list[str]] = {spec.id: [] for spec in specs}
    call_messages: list[str] = []
    calls = 0
    metrics_requested = 0
    for offset in range(0, len(specs), MAX_QUERIES_PER_CALL):
        batch = specs[offset : offset + MAX_QUERIES_PER_CALL]
        pages = paginator.paginate(
            MetricDataQueries=[spec.query(period_seconds) for spec in batch],
            StartTime=start,
            EndTime=end,
            ScanBy="TimestampAscending",
        )
        async for page in pages:
            calls += 1
            metrics_requested += len(batch)
            call_messages += [m.get("Value", "") for m in page.get("Messages", [])]
            for result in page.get("MetricDataResults", []):
                sid = result["Id"]
                points.setdefault(sid, []).extend(zip(result.get("Timestamps", []), result.get("Values", [])))
                # A later page's status wins: PartialData on page 1 becomes Complete on the last.
                status[sid] = result.get("StatusCode", "Complete")
                messages.setdefault(sid, []).extend(
                    m.get("Value", "") for m in result.get("Messages", []) if m.get("Value")
                )
    results = {
        sid: SeriesResult(
            id=sid,
            points=tuple(sorted((_utc(t), float(v)) for t, v in pts)),
            status=status.get(sid, "Complete"),
            messages=tuple(messages.get(sid, ())),
        )
        for sid, pts in points.items()
    }
    return MetricFetch(
        start=start,
        end=end,
        results=results,
        calls=calls,
        metrics_requested=metrics_requested,
        messages=tuple(m for m in call_messages if m),
    )


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)
