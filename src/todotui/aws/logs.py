"""FilterLogEvents on one log group, typed. Cursors and summaries live in alerts/logs.py."""

from __future__ import annotations

from typing import Any

from todotui.telemetry.aws_types import LogEvent


async def fetch_log_events(
    logs: Any, log_group: str, *, pattern: str, start_ms: int, limit: int
) -> list[LogEvent]:
    """Matching events from `start_ms` on (paginated), stopping after about `limit` events."""
    events: list[LogEvent] = []
    pages = logs.get_paginator("filter_log_events").paginate(
        logGroupName=log_group, filterPattern=pattern, startTime=start_ms
    )
    async for page in pages:
        events += page.get("events", [])
        if len(events) >= limit:
            break
    return events
