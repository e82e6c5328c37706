"""The steps that +/- and w move through (pure; no Textual)."""

from __future__ import annotations

REFRESH_STEPS: tuple[float, ...] = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600)
"""Seconds between refreshes that faster/slower step through."""

WINDOWS: tuple[int, ...] = (300, 900, 3600, 10800)
"""Time windows that `w` cycles through: 5 min (the demo's), 15 min, 1 h, 3 h."""


def faster(seconds: float) -> float:
    """The next shorter refresh interval, or `seconds` when it is already the shortest."""
    shorter = [step for step in REFRESH_STEPS if step < seconds]
    return shorter[-1] if shorter else seconds


def slower(seconds: float) -> float:
    """The next longer refresh interval, or `seconds` when it is already the longest."""
    longer = [step for step in REFRESH_STEPS if step > seconds]
    return longer[0] if longer else seconds


def next_window(seconds: int) -> int:
    """The window after `seconds` in the cycle (the first one if `seconds` is not in it)."""
    later = [window for window in WINDOWS if window > seconds]
    return later[0] if later else WINDOWS[0]


MAX_BACKOFF_SECONDS = 60.0
"""The longest wait between refreshes while they keep failing (or the cadence, if longer)."""


def backoff(seconds: float, failures: int) -> float:
    """The wait before the next refresh: the cadence, doubled per consecutive failure, capped.

    A throttled or unreachable endpoint is not hammered; `r` still refreshes at once.
    """
    if failures <= 0:
        return seconds
    doubled: float = seconds * 2.0**failures
    return max(seconds, min(doubled, MAX_BACKOFF_SECONDS))
