"""Health against the configured thresholds, and staleness against the refresh cadence."""

from __future__ import annotations

from datetime import datetime, timedelta

from todotui.telemetry.model import Health

_RANK = {Health.UNKNOWN: 0, Health.OK: 1, Health.WARN: 2, Health.CRIT: 3}

#: Data older than this many refresh intervals is stale.
STALE_AFTER_REFRESHES = 2


def level(value: float | None, *, warn: float | None = None, crit: float | None = None) -> Health:
    """OK below warn, WARN from warn, CRIT from crit; UNKNOWN without a value."""
    if value is None:
        return Health.UNKNOWN
    if crit is not None and value >= crit:
        return Health.CRIT
    if warn is not None and value >= warn:
        return Health.WARN
    return Health.OK


def worst(*healths: Health) -> Health:
    """The most serious of several healths (UNKNOWN only if nothing is known)."""
    return max(healths, key=_RANK.__getitem__, default=Health.UNKNOWN)


def is_stale(fetched_at: datetime | None, now: datetime, refresh_seconds: float) -> bool:
    """True when the last good fetch is older than two refreshes."""
    if fetched_at is None:
        return False
    return now - fetched_at > timedelta(seconds=STALE_AFTER_REFRESHES * refresh_seconds)
