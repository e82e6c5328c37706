"""X-Ray reads: trace summaries in a time range (paginated) and whole traces (BatchGetTraces)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from todotui.reports.investigation import Trace, TraceSummary

BATCH_SIZE = 5
"""Trace ids per BatchGetTraces call (AWS's limit)."""


async def trace_summaries(
    xray: Any,
    start: datetime,
    end: datetime,
    *,
    filter_expression: str | None = None,
    limit: int = 500,
) -> tuple[list[TraceSummary], bool]:
    """Summaries of traces that started in [start, end] (by trace id, AWS's default), matching
    `filter_expression` if given; (summaries, True when `limit` cut the listing short)."""
    params: dict[str, Any] = {"StartTime": start, "EndTime": end, "TimeRangeType": "TraceId"}
    if filter_expression:
        params["FilterExpression"] = filter_expression
    out: list[TraceSummary] = []
    async for page in xray.get_paginator("get_trace_summaries").paginate(**params):
        out += page.get("TraceSummaries", [])
        if len(out) >= limit:
            return out[:limit], True
    return out, False


async def batch_get_traces(xray: Any, trace_ids: list[str]) -> list[Trace]:
    """The traces named (their segment documents), in the order asked, five to a call."""
    found: dict[str, Trace] = {}
    for i in range(0, len(trace_ids), BATCH_SIZE):
        pages = xray.get_paginator("batch_get_traces").paginate(
            TraceIds=trace_ids[i : i + BATCH_SIZE]
        )
        async for page in pages:
            for trace in page.get("Traces", []):
                found[trace.get("Id", "")] = trace
    return [found[t] for t in trace_ids if t in found]
