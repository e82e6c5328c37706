"""The one GetMetricData call that fetches every series on screen.

Which series those are lives in `todotui.telemetry.catalogue` (shared with the sandbox, so
the two cannot drift); this module only talks to CloudWatch. Derived figures (error rate,
utilisation) are computed in Python from the raw series, so they work on endpoints without
metric math (moto has none).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from todotui.telemetry.catalogue import MetricSpec

#: GetMetricData accepts at most this many queries per call.
MAX_QUERIES_PER_CALL = 500


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
    cloudwatch: Any,
    specs: tuple[MetricSpec, ...],
    *,
    start: datetime,
    end: datetime,
    period_seconds: int,
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
                points.setdefault(sid, []).extend(
                    zip(result.get("Timestamps", []), result.get("Values", []), strict=False)
                )
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
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
