"""CloudTrail LookupEvents for one user over a time range (the runbook's security investigation).

The narrow interface the investigation needs: `lookup_events(cloudtrail, username, start,
end)`. botocore's paginator pages through (LookupEvents answers 50 events a page, 2 calls a
second per account and region).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from todotui.reports.investigation import LookupEvent

MAX_EVENTS = 500


async def lookup_events(
    cloudtrail: Any, username: str, start: datetime, end: datetime, *, limit: int = MAX_EVENTS
) -> tuple[list[LookupEvent], bool]:
    """Events whose Username is `username` in [start, end], newest first (as CloudTrail sends
    them); (events, True when `limit` cut the listing short)."""
    pages = cloudtrail.get_paginator("lookup_events").paginate(
        LookupAttributes=[{"AttributeKey": "Username", "AttributeValue": username}],
        StartTime=start,
        EndTime=end,
    )
    events: list[LookupEvent] = []
    async for page in pages:
        events += page.get("Events", [])
        if len(events) >= limit:
            return events[:limit], True
    return events, False
