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
    pages = _Pages(specs)
    for queries, request in _requests(specs, start, end, period_seconds):
        async for page in paginator.paginate(**request):
            pages.add(page, queries)
    return pages.fetch(start, end)


def fetch_metrics_blocking(
    cloudwatch: Any,
    specs: tuple[MetricSpec, ...],
    *,
    start: datetime,
    end: datetime,
    period_seconds: int,
) -> MetricFetch:
    """`fetch_metrics` with a plain (blocking) botocore client, for a worker thread: a call
    of hundreds of queries is built, signed and parsed in steps of 12-24 ms, which on the
    event loop a key press waits behind; in a thread the loop takes the GIL back within
    Python's switch interval (5 ms)."""
    paginator = cloudwatch.get_paginator("get_metric_data")
    pages = _Pages(specs)
    for queries, request in _requests(specs, start, end, period_seconds):
        for page in paginator.paginate(**request):
            pages.add(page, queries)
    return pages.fetch(start, end)


def _requests(
    specs: tuple[MetricSpec, ...], start: datetime, end: datetime, period_seconds: int
) -> list[tuple[int, dict[str, Any]]]:
    """One GetMetricData request per 500 queries, with how many queries each carries."""
    batches = [
        specs[offset : offset + MAX_QUERIES_PER_CALL]
        for offset in range(0, len(specs), MAX_QUERIES_PER_CALL)
    ]
    return [
        (
            len(batch),
            {
                "MetricDataQueries": [spec.query(period_seconds) for spec in batch],
                "StartTime": start,
                "EndTime": end,
                "ScanBy": "TimestampAscending",
            },
        )
        for batch in batches
    ]


class _Pages:
    """What the pages of one fetch add up to."""

    def __init__(self, specs: tuple[MetricSpec, ...]) -> None:
        self.points: dict[str, list[tuple[datetime, float]]] = {spec.id: [] for spec in specs}
        self.status: dict[str, str] = {}
        self.messages: dict[str, list[str]] = {spec.id: [] for spec in specs}
        self.call_messages: list[str] = []
        self.calls = 0
        self.metrics_requested = 0

    def add(self, page: dict[str, Any], queries: int) -> None:
        self.calls += 1
        self.metrics_requested += queries
        self.call_messages += [m.get("Value", "") for m in page.get("Messages", [])]
        for result in page.get("MetricDataResults", []):
            sid = result["Id"]
            self.points.setdefault(sid, []).extend(
                zip(result.get("Timestamps", []), result.get("Values", []), strict=False)
            )
            # A later page's status wins: PartialData on page 1 becomes Complete on the last.
            self.status[sid] = result.get("StatusCode", "Complete")
            self.messages.setdefault(sid, []).extend(
                m.get("Value", "") for m in result.get("Messages", []) if m.get("Value")
            )

    def fetch(self, start: datetime, end: datetime) -> MetricFetch:
        results = {
            sid: SeriesResult(
                id=sid,
                points=tuple(sorted((_utc(t), float(v)) for t, v in pts)),
                status=self.status.get(sid, "Complete"),
                messages=tuple(self.messages.get(sid, ())),
            )
            for sid, pts in self.points.items()
        }
        return MetricFetch(
            start=start,
            end=end,
            results=results,
            calls=self.calls,
            metrics_requested=self.metrics_requested,
            messages=tuple(m for m in self.call_messages if m),
        )


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
