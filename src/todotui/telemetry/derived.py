"""Figures computed in Python from raw series, so they work without CloudWatch metric math.

A derived figure is None when an input is missing, with a reason; it is never 0 for lack
of data. Zero invocations give no error rate ("no traffic"), not 0 %.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

Grid = Sequence[float | None]


@dataclass(frozen=True, slots=True)
class Derived:
    """A computed figure, or None and why."""

    value: float | None
    reason: str = ""
    """Why value is None: "no traffic", "no Invocations data", ..."""


def percent(part: float | None, whole: float | None, *, part_name: str, whole_name: str) -> Derived:
    """part / whole * 100, refusing to invent a figure from missing or zero traffic."""
    if whole is None:
        return Derived(None, f"no {whole_name} data")
    if whole == 0:
        return Derived(None, f"no traffic (0 {whole_name})")
    if part is None:
        return Derived(None, f"no {part_name} data")
    return Derived(part / whole * 100.0)


def percent_series(parts: Grid, wholes: Grid) -> list[float | None]:
    """Per-period percentages; a gap wherever a period has no traffic or no data."""
    out: list[float | None] = []
    for part, whole in zip(parts, wholes, strict=True):
        out.append(None if part is None or not whole else part / whole * 100.0)
    return out


def sum_series(*grids: Grid) -> list[float | None]:
    """Element-wise sum; None only where every input is None (a missing operation adds nothing)."""
    out: list[float | None] = []
    for values in zip(*grids, strict=True):
        present = [v for v in values if v is not None]
        out.append(sum(present) if present else None)
    return out


def max_series(*grids: Grid) -> list[float | None]:
    """Element-wise maximum, ignoring gaps."""
    out: list[float | None] = []
    for values in zip(*grids, strict=True):
        present = [v for v in values if v is not None]
        out.append(max(present) if present else None)
    return out


def per_minute(period_sum: float | None, period_seconds: int) -> float | None:
    """A period's Sum expressed per minute (a 5 s period of 10 requests is 120 /min)."""
    return None if period_sum is None else period_sum * 60.0 / period_seconds


def per_minute_series(grid: Grid, period_seconds: int) -> list[float | None]:
    return [per_minute(v, period_seconds) for v in grid]


def capacity_per_second(consumed_sum: float | None, period_seconds: int) -> float | None:
    """DynamoDB consumed capacity (Sum over the period) as units per second, comparable to RCU/WCU."""
    return None if consumed_sum is None else consumed_sum / period_seconds


def utilisation(used: float | None, limit: float | None, *, limit_name: str) -> Derived:
    """used / limit as a ratio (0.8 = 80 %); None when either side is unknown."""
    if used is None:
        return Derived(None, "no usage data")
    if limit is None:
        return Derived(None, f"{limit_name} unknown")
    if limit <= 0:
        return Derived(None, f"{limit_name} is {limit:g}")
    return Derived(used / limit)


def window_max(grid: Grid) -> float | None:
    present = [v for v in grid if v is not None]
    return max(present) if present else None


def window_mean(grid: Grid) -> float | None:
    present = [v for v in grid if v is not None]
    return sum(present) / len(present) if present else None
