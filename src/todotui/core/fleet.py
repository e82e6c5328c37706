"""The fleet watch: who is in the fleet, one batched fetch a refresh, the ranked rows.

Owned by the cockpit core (its clients and clock); the fleet view asks it to refresh while
it is open. Nothing here blocks the dashboard's own poll: a fleet refresh is its own
GetMetricData calls (two at most), counted and priced separately.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from todotui.aws.errors import AWS_ERRORS, describe_error
from todotui.aws.fleet import discover_tagged
from todotui.aws.metrics import fetch_metrics_blocking
from todotui.aws.session import AwsClients
from todotui.config import Settings
from todotui.core.clock import Clock
from todotui.core.monitor import COST_WINDOW, CostMeter
from todotui.telemetry.fleet import (
    Member,
    MemberHealth,
    fleet_specs,
    merge_members,
    named_members,
    rank,
    within_budget,
)
from todotui.telemetry.series import align_down

USD_PER_1000_METRICS = 0.01
"""GetMetricData's list price (us-east-1): every query in every call is a metric."""


@dataclass(frozen=True, slots=True)
class FleetRefresh:
    """One fleet refresh: the ranked rows and what it cost."""

    rows: tuple[MemberHealth, ...]
    at: datetime
    calls: int
    """GetMetricData requests sent."""
    metrics: int
    """Queries sent (what AWS bills)."""
    usd_per_hour: float
    """At the fleet's cadence, what this refresh's metrics cost an hour."""
    error: str | None = None
    """Why the fetch failed, in AWS's words (the rows are then the last good ones)."""
    notes: tuple[str, ...] = field(default=())
    """What the operator should know: members left out, discovery that failed."""


class FleetWatch:
    """Members (named, then discovered) and their last ranked refresh."""

    def __init__(self, settings: Settings, clients: AwsClients, clock: Clock) -> None:
        self.settings = settings
        self._clients = clients
        self._clock = clock
        self.members: tuple[Member, ...] = named_members(settings.fleet, settings.stack)
        self.discovered = settings.fleet.tag is None
        self.notes: tuple[str, ...] = ()
        self.last: FleetRefresh | None = None
        self._usage: deque[tuple[datetime, int, int]] = deque()
        """(when, GetMetricData calls, metrics) of each refresh in the cost window."""

    async def discover(self) -> None:
        """Add the members the tag finds (once; again when asked). A failure is a note."""
        fleet = self.settings.fleet
        named = named_members(fleet, self.settings.stack)
        notes: list[str] = []
        found: tuple[Member, ...] = ()
        tag = fleet.tag_filter
        if tag is not None:
            try:
                tagging = await self._clients.client("resourcegroupstaggingapi")
                found = (await discover_tagged(tagging, *tag, fleet.default_alias)).members
            except AWS_ERRORS as exc:
                notes.append(f"discovery by tag {fleet.tag} failed: {describe_error(exc)}")
        kept, left = within_budget(merge_members(named, found))
        if left:
            notes.append(
                f"{len(left)} members left out ({', '.join(m.name for m in left[:3])}…): "
                "two GetMetricData calls hold 1,000 queries"
            )
        self.members, self.notes, self.discovered = kept, tuple(notes), True

    async def refresh(self) -> FleetRefresh:
        """Every member's series in at most two calls, ranked worst first."""
        if not self.discovered:
            await self.discover()
        period = self.settings.cadence.period_seconds
        now = self._clock()
        end = align_down(now, period)
        start = end - timedelta(seconds=period * self.settings.fleet.window_periods)
        specs = fleet_specs(self.members)
        error: str | None = None
        rows = self.last.rows if self.last is not None else ()
        calls = metrics = 0
        if specs:
            try:
                cloudwatch = await self._clients.bulk_read_client("cloudwatch")
                # Every member's series in at most two calls (500 queries each), in a thread:
                # 735 queries are built, signed and parsed in 12-24 ms steps.
                fetch = await asyncio.to_thread(
                    fetch_metrics_blocking,
                    cloudwatch,
                    specs,
                    start=start,
                    end=end,
                    period_seconds=period,
                )
            except AWS_ERRORS as exc:
                error = describe_error(exc)
            else:
                calls, metrics = fetch.calls, fetch.metrics_requested
                results = {sid: r.points for sid, r in fetch.results.items()}
                # pure and ~20 ms for 123 members: off the event loop, where keys wait
                rows = await asyncio.to_thread(
                    rank, self.members, results, self.settings.thresholds, period
                )
        self._usage.append((now, calls, metrics))
        while self._usage and self._usage[0][0] < now - COST_WINDOW:
            self._usage.popleft()
        per_hour = 3600 / self.settings.fleet.refresh_seconds
        self.last = FleetRefresh(
            rows=rows,
            at=now,
            calls=calls,
            metrics=metrics,
            usd_per_hour=metrics * per_hour * USD_PER_1000_METRICS / 1000,
            error=error,
            notes=self.notes,
        )
        return self.last

    def fresh(self) -> bool:
        """The last refresh is as new as a read now would be: it did not fail, no period has
        ended since, and the fleet's cadence has not come round. Opening the view again then
        shows it as it is: a read would send every member's queries again (735 at 100
        functions, billed) for the same periods."""
        last = self.last
        if last is None or last.error is not None:
            return False
        now = self._clock()
        period = self.settings.cadence.period_seconds
        return (
            align_down(now, period) == align_down(last.at, period)
            and (now - last.at).total_seconds() < self.settings.fleet.refresh_seconds
        )

    def cost(self) -> CostMeter:
        """What the fleet's refreshes cost, over the last five minutes (zero once the view
        has been closed that long): one refresh is priced at the fleet's cadence until a
        cadence has passed, then the refreshes are divided by the time since the first, so
        a closed view's cost falls away."""
        now = self._clock()
        recent = [u for u in self._usage if u[0] >= now - COST_WINDOW]
        if not recent:
            return CostMeter(0.0, 0.0, 0.0)
        cadence = self.settings.fleet.refresh_seconds
        span = (now - recent[0][0]).total_seconds()
        if len(recent) == 1 or span < cadence:
            counted, minutes = recent, max(span, len(recent) * cadence) / 60
        else:
            counted, minutes = recent[1:], span / 60
        calls = sum(c for _, c, _ in counted) / minutes
        metrics = sum(m for _, _, m in counted) / minutes
        return CostMeter(calls, metrics, metrics * 60 * USD_PER_1000_METRICS / 1000)


def member_settings(settings: Settings, member: Member) -> Settings:
    """The settings with the stack re-pointed at `member` (its function and log group, its
    table, or its API); the other names stay the configured stack's."""
    stack = settings.stack
    if member.kind == "function":
        stack = stack.replace(
            function_name=member.name,
            alias=member.alias or settings.fleet.default_alias,
            log_group=f"/aws/lambda/{member.name}",
        )
    elif member.kind == "table":
        stack = stack.replace(table_name=member.name)
    else:
        stack = stack.replace(api_name=member.name)
    return settings.model_copy(update={"stack": stack})
