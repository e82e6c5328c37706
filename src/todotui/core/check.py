"""The morning check, orchestrated: plan the windows, read them, judge them.

Shared by `todotui check` (verbs/check.py) and the cockpit's check screen (through
`Cockpit.check`), so both say the same thing about the same data.
"""

from __future__ import annotations

import contextlib
from datetime import datetime

from todotui.aws.check import fetch_check
from todotui.aws.errors import AWS_ERRORS
from todotui.aws.session import AwsClients
from todotui.config import Settings
from todotui.reports.check import CheckReport, judge, plan_check


def wants_percentiles(clients: AwsClients) -> bool:
    """Ask for p99 only from AWS itself (no endpoint URL), as the monitor does: moto answers a
    percentile query with HTTP 500, and the check makes one call, not a second without it."""
    return clients.target.endpoint_url is None


async def run_check(
    clients: AwsClients,
    settings: Settings,
    *,
    since_seconds: int,
    now: datetime,
    percentiles: bool | None = None,
) -> CheckReport:
    """One check over the `since_seconds` before `now` (and the same a day and a week earlier).

    Never raises on an AWS or network error: a failed read is no data, and the report says so.
    """
    with contextlib.suppress(*AWS_ERRORS):  # waits until the target is known (the demo's sandbox)
        await clients.client("cloudwatch")  # a failure here is the metric read's to report
    if percentiles is None:
        percentiles = wants_percentiles(clients)
    plan = plan_check(settings.stack, since_seconds=since_seconds, now=now, percentiles=percentiles)
    reads = await fetch_check(clients, settings.stack, plan)
    return judge(
        plan, reads, thresholds=settings.thresholds, stack=settings.stack, generated_at=now
    )
