"""CloudTrail LookupEvents for one user over a time range (the runbook's security investigation).

The narrow interface the investigation needs: `TrailLookup(clients).lookup_events(username,
start, end)` (the core's `TrailSource`). botocore's paginator pages through (LookupEvents
answers 50 events a page, 2 calls a second per account and region).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from todotui.aws.session import AwsClients
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


class TrailLookup:
    """`lookup_events(username, start, end)` on the clients' CloudTrail client."""

    def __init__(self, clients: AwsClients, *, limit: int = MAX_EVENTS) -> None:
        self._clients = clients
        self._limit = limit

    async def lookup_events(
        self, username: str, start: datetime, end: datetime
    ) -> tuple[list[LookupEvent], bool]:
        trail = await self._clients.client("cloudtrail")
        return await lookup_events(trail, username, start, end, limit=self._limit)
