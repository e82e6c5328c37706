"""Cost Explorer's GetCostAndUsage answer, typed: USD by service per day.

Pure (no SDK): `aws.cost` fetches, `reports.review` reads. A service with no line on a day
is absent from that day (no data), never a zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True, slots=True)
class CostDay:
    """One day of ResultsByTime, grouped by SERVICE."""

    day: date
    by_service: dict[str, float]
    """USD of the metric asked for, by service name as Cost Explorer names it."""
    estimated: bool
    """Cost Explorer's Estimated flag: the day's figures may still change."""

    @property
    def total(self) -> float:
        return sum(self.by_service.values())


@dataclass(frozen=True, slots=True)
class CostSeries:
    """Days in order, as Cost Explorer answered them, and the metric they show."""

    metric: str
    days: tuple[CostDay, ...]
    unit: str = "USD"


def cost_days(results_by_time: list[dict[str, Any]], metric: str) -> tuple[CostDay, ...]:
    """ResultsByTime (DAILY, grouped by SERVICE) as CostDays; amounts in another unit than
    USD are refused (ValueError) rather than added up."""
    days = []
    for result in results_by_time:
        by_service: dict[str, float] = {}
        for group in result.get("Groups", []):
            value = group.get("Metrics", {}).get(metric)
            if value is None:
                continue
            if value.get("Unit", "USD") != "USD":
                raise ValueError(f"{metric} came in {value.get('Unit')}, not USD")
            by_service[str(group["Keys"][0])] = float(value["Amount"])
        start = date.fromisoformat(result["TimePeriod"]["Start"])
        days.append(CostDay(start, by_service, bool(result.get("Estimated", False))))
    return tuple(days)
