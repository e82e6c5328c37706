"""How figures, ages and cadences are written on screen (pure; no Textual)."""

from __future__ import annotations

import math
from datetime import datetime

#: Where a unit is written tightly after the number ("12%", "840ms") rather than spaced.
_TIGHT_UNITS = {"%", "ms", "s"}


def number(value: float) -> str:
    """A figure with as many digits as are useful: 0.42, 12.5, 840, 12400, 1.2M."""
    if math.isnan(value):
        return "?"
    magnitude = abs(value)
    if magnitude >= 1_000_000:
        return f"{value / 1_000_000:.1f}M"
    if magnitude >= 10_000:
        return f"{value:.0f}"
    if magnitude >= 100:
        return f"{value:.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    if magnitude == 0:
        return "0"
    return f"{value:.2f}"


def with_unit(value: float, unit: str) -> str:
    """`number(value)` followed by its unit: "12.5%", "840ms", "3 /min"."""
    text = number(value)
    if not unit:
        return text
    return f"{text}{unit}" if unit in _TIGHT_UNITS else f"{text} {unit}"


def duration(seconds: float) -> str:
    """A short span: 45s, 12m, 3h, 2d."""
    seconds = max(0, int(seconds))
    if seconds < 90:
        return f"{seconds}s"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)}m"
    if seconds < 48 * 3600:
        return f"{round(seconds / 3600)}h"
    return f"{round(seconds / 86400)}d"


def age(then: datetime | None, now: datetime, *, step: int = 1) -> str:
    """How old a timestamp is, for a human: "12s ago", or "never" when there is none.

    `step` rounds ages under a minute down to whole steps, so a label that shows it is
    redrawn every few seconds rather than every second.
    """
    if then is None:
        return "never"
    seconds = (now - then).total_seconds()
    if 0 <= seconds < 60 and step > 1:
        seconds -= seconds % step
    return f"{duration(seconds)} ago"


def window(seconds: int) -> str:
    """A time window as an operator says it: 15 min, 1 h, 3 h."""
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    if seconds % 60 == 0:
        return f"{seconds // 60} min"
    return f"{seconds} s"


def cadence(seconds: float) -> str:
    """A refresh cadence: every 5 s, every 0.5 s."""
    return f"every {seconds:g} s"
