"""CloudTrail LookupEvents: one lookup attribute per call (AWS's rule), paginated.

IAM and console sign-in are global services: their events are in us-east-1's event
history, so those lookups go there; the stack's resources are looked up in its region.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from todotui.aws.session import AwsClients
from todotui.reports.trail_types import TrailEvent, trail_event

GLOBAL_REGION = "us-east-1"
MAX_EVENTS_PER_LOOKUP = 500
"""Events read per lookup at most (10 pages of 50): a busy account's history is capped."""


def lookup_command(key: str, value: str, start: datetime, end: datetime, region: str) -> str:
    """The `aws cloudtrail lookup-events` command for one lookup."""
    return (
        f"aws cloudtrail lookup-events --region {region} "
        f"--lookup-attributes AttributeKey={key},AttributeValue={value} "
        f"--start-time {start.isoformat(timespec='seconds')} "
        f"--end-time {end.isoformat(timespec='seconds')}"
    )


async def lookup_events(
    clients: AwsClients,
    key: str,
    value: str,
    start: datetime,
    end: datetime,
    *,
    region: str | None = None,
) -> tuple[list[TrailEvent], bool]:
    """Events matching one attribute, newest first, and whether the cap cut them short."""
    trail = await clients.client("cloudtrail", region=region)
    paginator = trail.get_paginator("lookup_events")
    params: dict[str, Any] = {
        "LookupAttributes": [{"AttributeKey": key, "AttributeValue": value}],
        "StartTime": start,
        "EndTime": end,
        "PaginationConfig": {"PageSize": 50},
    }
    events: list[TrailEvent] = []
    async for page in paginator.paginate(**params):
        events += [trail_event(e) for e in page.get("Events", [])]
        if len(events) >= MAX_EVENTS_PER_LOOKUP:
            return events[:MAX_EVENTS_PER_LOOKUP], True
    return events, False
