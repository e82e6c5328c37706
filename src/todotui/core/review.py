"""The weekly review, fetched section by section: cost, CloudTrail, slow requests, sign-ins.

Each section is fetched on its own (`WeeklyReview.section(key)`), so the cockpit shows each
as it arrives and a failing one (AWS's refusal, an endpoint that is down) never hides the
others; `run()` fetches all four at once for the headless verb. The pure assembly is in
`reports.review`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from todotui.aws.cloudtrail import GLOBAL_REGION, lookup_command, lookup_events
from todotui.aws.cost import CE_REGION, cost_command, fetch_costs
from todotui.aws.errors import AWS_ERRORS, describe_error
from todotui.aws.insights import run_query
from todotui.aws.logs import fetch_log_events
from todotui.aws.session import AwsClients
from todotui.config import Settings
from todotui.reports.review import (
    WATCHED_EVENTS,
    Review,
    Section,
    auth_review,
    cost_review,
    slow_review,
    trail_review,
)
from todotui.reports.trail_types import TrailEvent

SECTION_KEYS = ("cost", "cloudtrail", "slow_requests", "authentication")
TITLES = {
    "cost": "Cost by service",
    "cloudtrail": "CloudTrail events worth a look",
    "slow_requests": "Slowest requests",
    "authentication": "Sign-in failures by user",
}
MAX_AUTH_EVENTS = 5000
"""Failed sign-in lines read at most; past it the counts are lower bounds (said so)."""
LOOKUPS_AT_ONCE = 2
"""LookupEvents allows 2 requests a second per account and region."""
INSIGHTS_TIMEOUT = 30.0


def slow_query(threshold_ms: float, limit: int) -> str:
    """The runbook's slow-request query, with the request id and Lambda's REPORT lines only."""
    return (
        "fields @timestamp, @requestId, @duration"
        f' | filter @type = "REPORT" and @duration > {threshold_ms:g}'
        f" | sort @duration desc | limit {limit}"
    )


class WeeklyReview:
    """One review window (the `days` before now); sections fetched on demand."""

    def __init__(
        self,
        settings: Settings,
        clients: AwsClients,
        clock: Callable[[], datetime],
        *,
        days: int | None = None,
    ) -> None:
        self.settings = settings
        self.clients = clients
        self.days = days or settings.review.days
        self.end = clock().astimezone(UTC)
        self.start = self.end - timedelta(days=self.days)
        self.generated_at = self.end

    async def run(self) -> Review:
        sections = await asyncio.gather(*(self.section(key) for key in SECTION_KEYS))
        return Review(self.start, self.end, self.days, self.generated_at, tuple(sections))

    async def section(self, key: str) -> Section:
        """One section; a failure is a failed section in AWS's words, never an exception."""
        fetch: dict[str, Callable[[], Awaitable[Section]]] = {
            "cost": self._cost,
            "cloudtrail": self._cloudtrail,
            "slow_requests": self._slow_requests,
            "authentication": self._authentication,
        }
        return await fetch[key]()

    def _failed(
        self, key: str, source: str, queries: tuple[str, ...], exc: BaseException
    ) -> Section:
        return Section(key, TITLES[key], source, queries, "failed", error=describe_error(exc))

    # -- cost ---------------------------------------------------------------------------------

    async def _cost(self) -> Section:
        today = self.end.date()
        week_start = today - timedelta(days=self.days)
        first = week_start - timedelta(days=self.days)
        source = f"Cost Explorer GetCostAndUsage ({CE_REGION}), BlendedCost by SERVICE, DAILY"
        queries = (cost_command(first, today),)
        try:
            series = await fetch_costs(self.clients, first, today)
        except (*AWS_ERRORS, ValueError) as exc:
            return self._failed("cost", source, queries, exc)
        data = cost_review(series, week_start, self.days)
        notes = ["End is exclusive: today (incomplete) is not in the week."]
        if data.estimated_days:
            notes.append("Cost Explorer marks some days estimated: they may still change.")
        return Section("cost", TITLES["cost"], source, queries, "ok", data, notes=tuple(notes))

    # -- CloudTrail -----------------------------------------------------------------------------

    async def _cloudtrail(self) -> Section:
        try:  # where calls go is known once this returns (the demo's sandbox may be starting)
            await self.clients.client("cloudtrail")
        except AWS_ERRORS as exc:
            return self._failed("cloudtrail", "CloudTrail LookupEvents", (), exc)
        region = self.clients.target.region or GLOBAL_REGION
        monitored, notes = await self._monitored()
        lookups = [("EventName", name, GLOBAL_REGION) for name in WATCHED_EVENTS]
        lookups += [("ResourceName", name, region) for name in monitored]
        queries = tuple(lookup_command(k, v, self.start, self.end, r) for k, v, r in lookups)
        source = (
            f"CloudTrail LookupEvents: IAM and sign-in events in {GLOBAL_REGION}, "
            f"the stack's resources in {region}"
        )
        gate = asyncio.Semaphore(LOOKUPS_AT_ONCE)

        async def one(key: str, value: str, where: str) -> tuple[list[TrailEvent], bool]:
            async with gate:
                return await lookup_events(
                    self.clients, key, value, self.start, self.end, region=where
                )

        try:
            answers = await asyncio.gather(*(one(*lookup) for lookup in lookups))
        except AWS_ERRORS as exc:
            return self._failed("cloudtrail", source, queries, exc)
        events = [event for found, _ in answers for event in found]
        capped = [f"{k}={v}" for (k, v, _), (_, cut) in zip(lookups, answers, strict=True) if cut]
        if capped:
            notes.append("read capped (newest events only) for " + ", ".join(capped))
        data = trail_review(events, monitored, self.start, self.end)
        return Section(
            "cloudtrail", TITLES["cloudtrail"], source, queries, "ok", data, notes=tuple(notes)
        )

    async def _monitored(self) -> tuple[dict[str, str], list[str]]:
        """The stack's resources by the names CloudTrail gives them (the API and the user
        pool by their ids, looked up by name)."""
        stack = self.settings.stack
        monitored = {
            stack.function_name: f"function {stack.function_name}",
            f"{stack.function_name}:{stack.alias}": f"alias {stack.function_name}:{stack.alias}",
            stack.table_name: f"table {stack.table_name}",
        }
        notes: list[str] = []
        try:
            api = await self.clients.client("apigateway")
            async for page in api.get_paginator("get_rest_apis").paginate():
                for item in page.get("items", []):
                    if item.get("name") == stack.api_name:
                        monitored[str(item["id"])] = f"API {stack.api_name}"
        except AWS_ERRORS as exc:
            notes.append(f"the API's id could not be read: {describe_error(exc)}")
        try:
            idp = await self.clients.client("cognito-idp")
            pages = idp.get_paginator("list_user_pools").paginate(MaxResults=60)
            async for page in pages:
                for pool in page.get("UserPools", []):
                    if pool.get("Name") == stack.user_pool_name:
                        monitored[str(pool["Id"])] = f"user pool {stack.user_pool_name}"
        except AWS_ERRORS as exc:
            notes.append(f"the user pool's id could not be read: {describe_error(exc)}")
        return monitored, notes

    # -- slow requests ------------------------------------------------------------------------

    async def _slow_requests(self) -> Section:
        review = self.settings.review
        group = self.settings.stack.log_group
        query = slow_query(review.slow_request_ms, review.slow_request_limit)
        source = f"CloudWatch Logs Insights on {group}"
        queries = (query,)
        try:
            logs = await self.clients.client("logs")
            result = await run_query(
                logs, [group], query, self.start, self.end, timeout=INSIGHTS_TIMEOUT
            )
        except (*AWS_ERRORS, ValueError) as exc:
            return self._failed("slow_requests", source, queries, exc)
        if not result.complete:
            return Section(
                "slow_requests",
                TITLES["slow_requests"],
                source,
                queries,
                "failed",
                error=f"the query ended {result.status}"
                + (" (stopped after the timeout)" if result.stopped else ""),
            )
        data = slow_review(result.rows, review.slow_request_ms)
        return Section("slow_requests", TITLES["slow_requests"], source, queries, "ok", data)

    # -- authentication -------------------------------------------------------------------------

    async def _authentication(self) -> Section:
        pattern = self.settings.logs.failed_sign_ins
        group = self.settings.stack.log_group
        start_ms = int(self.start.timestamp() * 1000)
        source = f"CloudWatch Logs FilterLogEvents on {group}"
        queries = (
            f"aws logs filter-log-events --log-group-name {group} "
            f"--start-time {start_ms} --filter-pattern '{pattern}'",
        )
        try:
            logs = await self.clients.client("logs")
            events = await fetch_log_events(
                logs, group, pattern=pattern, start_ms=start_ms, limit=MAX_AUTH_EVENTS
            )
        except AWS_ERRORS as exc:
            return self._failed("authentication", source, queries, exc)
        truncated = len(events) >= MAX_AUTH_EVENTS
        data = auth_review(
            ((int(e.get("timestamp", 0)), str(e.get("message", ""))) for e in events),
            pattern,
            truncated=truncated,
        )
        notes = (
            (f"stopped after {MAX_AUTH_EVENTS} lines: counts are lower bounds",)
            if truncated
            else ()
        )
        return Section(
            "authentication", TITLES["authentication"], source, queries, "ok", data, notes=notes
        )
