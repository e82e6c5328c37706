"""DescribeAlarms for the configured alarm names, typed. Interpretation lives in alerts/."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from todotui.telemetry.aws_types import MetricAlarm


async def fetch_alarms(cloudwatch: Any, names: Sequence[str]) -> dict[str, MetricAlarm]:
    """The named metric alarms that exist, by name (one paginated call). AWS errors propagate."""
    found: dict[str, MetricAlarm] = {}
    pages = cloudwatch.get_paginator("describe_alarms").paginate(
        AlarmNames=list(names), AlarmTypes=["MetricAlarm"]
    )
    async for page in pages:
        for alarm in page.get("MetricAlarms", []):
            found[alarm["AlarmName"]] = alarm
    return found
