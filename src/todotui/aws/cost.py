"""Cost Explorer GetCostAndUsage: USD by service per day (the runbook's weekly cost review).

Cost Explorer answers in us-east-1 only, whatever region the stack is in: the client is
asked for there. It has no botocore paginator; NextPageToken is followed by hand.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from todotui.aws.session import AwsClients
from todotui.reports.cost_types import CostSeries, cost_days

CE_REGION = "us-east-1"
METRIC = "BlendedCost"
MAX_PAGES = 20


def cost_request(start: date, end: date, metric: str = METRIC) -> dict[str, Any]:
    """The GetCostAndUsage parameters: DAILY, grouped by SERVICE, End exclusive."""
    return {
        "TimePeriod": {"Start": start.isoformat(), "End": end.isoformat()},
        "Granularity": "DAILY",
        "Metrics": [metric],
        "GroupBy": [{"Type": "DIMENSION", "Key": "SERVICE"}],
    }


def cost_command(start: date, end: date, metric: str = METRIC) -> str:
    """The same call as the runbook's `aws ce` command."""
    return (
        f"aws ce get-cost-and-usage --region {CE_REGION} "
        f"--time-period Start={start.isoformat()},End={end.isoformat()} "
        f"--granularity DAILY --metrics {metric} --group-by Type=DIMENSION,Key=SERVICE"
    )


async def fetch_costs(clients: AwsClients, start: date, end: date) -> CostSeries:
    """Days from `start` up to (not including) `end`; AWS errors propagate."""
    ce = await clients.client("ce", region=CE_REGION)
    request = cost_request(start, end)
    results: list[dict[str, Any]] = []
    for _ in range(MAX_PAGES):
        answer = await ce.get_cost_and_usage(**request)
        results += answer.get("ResultsByTime", [])
        token = answer.get("NextPageToken")
        if not token:
            break
        request["NextPageToken"] = token
    return CostSeries(METRIC, cost_days(results, METRIC))
