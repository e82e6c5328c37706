"""FilterLogEvents on one log group, typed. Cursors and summaries live in alerts/logs.py."""

from __future__ import annotations

from typing import Any

from todotui.telemetry.aws_types import LogEvent


async def fetch_log_events(
    logs: Any,
    log_group: str,
    *,
    pattern: str,
    start_ms: int,
    limit: int,
    end_ms: int | None = None,
) -> list[LogEvent]:
    """Matching events from `start_ms` on (to `end_ms` if given; paginated), stopping after
    about `limit` events."""
    events: list[LogEvent] = []
    params: dict[str, Any] = {"logGroupName": log_group, "filterPattern": pattern}
    params["startTime"] = start_ms
    if end_ms is not None:
        params["endTime"] = end_ms
    pages = logs.get_paginator("filter_log_events").paginate(**params)
    async for page in pages:
        events += page.get("events", [])
        if len(events) >= limit:
            break
    return events
