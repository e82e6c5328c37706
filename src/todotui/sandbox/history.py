"""The sandbox's long, coarse history: the last days as hourly datapoints, kept beside moto.

The simulator publishes one datapoint per series per period and keeps about three hours of
them (moto scans every datapoint on every query). The morning check asks for the last 24 h
and the same 24 h a day and a week earlier, so the sandbox also holds hourly datapoints:

- at start-up, `days` of them from the same traffic model (steady traffic, its daily shape),
  put in place in one step;
- afterwards, each hour of the simulator's own datapoints rolled up into one (as CloudWatch
  rolls fine data up into coarser), once that hour's fine datapoints are pruned, so no
  window ever counts an hour twice.

An hourly datapoint is stamped at the start of its hour. A pane at a 5 s or 60 s period would
show it as one huge point, so none is ever stamped inside the cockpit's longest window (3 h,
plus the periods a refresh re-reads): `CLEARANCE`. Below the simulator's retention and above
the rolled-up hours there may be a gap of missing data (at sub-minute periods, where the fine
data kept is only an hour): it is missing, never double.

The hourly datapoints live in moto's own metric-provider hook (`CloudWatchMetricProvider`),
so GetMetricData and GetMetricStatistics answer from them as from any datapoint, and moto's
pruning of the fine data (`prune_moto_metrics`) never touches them.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from todotui.telemetry.catalogue import API, API_STAGE, FN, TABLE, TABLE_OP, series_key
from todotui.telemetry.series import align_down

HOUR = timedelta(hours=1)
CLEARANCE = timedelta(hours=3, minutes=5)
"""No hourly datapoint is stamped later than this before now: the cockpit's longest window."""
DEFAULT_HISTORY_DAYS = 9
"""Enough for a 24 h check a week back (8 days), in auto mode; 0 with --manual."""
MAX_HISTORY_DAYS = 14
"""CloudWatch accepts datapoints up to two weeks old."""

_KEPT_DIMENSIONS = {tuple(sorted(d)) for d in (FN, TABLE, TABLE_OP, API, API_STAGE)}
"""The function, table and API series: not the alias's or versions' (which come and go)."""

Dims = tuple[tuple[str, str], ...]

_STORES: dict[tuple[str, str], list[Any]] = {}
_STORES_LOCK = threading.Lock()
_PROVIDERS: list[type] = []
"""Holds the provider class: moto finds providers by `__subclasses__()`, a weak reference."""


def _provider() -> None:
    """Register the hourly store with moto (once per process): moto adds every provider's
    datapoints to its own on every query."""
    from moto.core.common_models import CloudWatchMetricProvider

    if _PROVIDERS:
        return

    class _SandboxHistory(CloudWatchMetricProvider):
        @staticmethod
        def get_cloudwatch_metrics(account_id: str, region: str) -> Any:
            return _STORES.get((account_id, region), [])

    _PROVIDERS.append(_SandboxHistory)


def kept(namespace: str, metric: str, dimensions: Iterable[tuple[str, str]]) -> bool:
    """True for a series the long history holds."""
    return series_key(namespace, metric, (n for n, _ in dimensions))[2] in _KEPT_DIMENSIONS


def history_end(start: datetime) -> datetime:
    """Where the start-up history stops: its last hour is stamped `CLEARANCE` before `start`."""
    return align_down(start - CLEARANCE, HOUR.total_seconds()) + HOUR


@dataclass(slots=True)
class _Sums:
    count: float
    total: float
    minimum: float
    maximum: float


class LongHistory:
    """The hourly datapoints of one account and region, and the hours still being rolled up."""

    def __init__(self, account_id: str, region: str, *, start: datetime) -> None:
        _provider()
        with _STORES_LOCK:
            self._store = _STORES.setdefault((account_id, region), [])
        self.floor = history_end(start)
        """Hours from here on come from the simulator's own datapoints (rolled up)."""
        self._pending: dict[tuple[datetime, str, str, Dims, str | None], _Sums] = {}
        self.published = 0

    def start_hours(self, days: int) -> list[datetime]:
        """The hours the start-up history covers, oldest first."""
        first = self.floor - timedelta(days=days)
        return [first + HOUR * i for i in range(days * 24)]

    def add(self, items: Iterable[tuple[str, str, Dims, datetime, Any, str | None]]) -> int:
        """Hourly datapoints (namespace, metric, dims, hour, stat, unit) into the store at once."""
        data = [
            _datum(ns, metric, dims, at, _Sums(s.count, s.total, s.minimum, s.maximum), unit)
            for ns, metric, dims, at, s, unit in items
            if kept(ns, metric, dims)
        ]
        self._store.extend(data)
        self.published += len(data)
        return len(data)

    def note(
        self, namespace: str, metric: str, dims: Dims, at: datetime, stat: Any, unit: str | None
    ) -> None:
        """A fine datapoint just published: counted into its hour, rolled up later."""
        if at < self.floor or not kept(namespace, metric, dims):
            return
        key = (align_down(at, HOUR.total_seconds()), namespace, metric, dims, unit)
        sums = self._pending.get(key)
        if sums is None:
            self._pending[key] = _Sums(stat.count, stat.total, stat.minimum, stat.maximum)
        else:
            sums.count += stat.count
            sums.total += stat.total
            sums.minimum = min(sums.minimum, stat.minimum)
            sums.maximum = max(sums.maximum, stat.maximum)

    def fine_before(self, now: datetime, retention: timedelta) -> datetime:
        """Fine datapoints older than this may go: the simulator's `retention`, rounded down
        to a whole hour where it is long enough for an hour to be rolled up the moment its
        minutes go (no gap at all)."""
        before = now - retention
        if retention + HOUR >= CLEARANCE:
            return align_down(before, HOUR.total_seconds())
        return before

    def roll_up(self, now: datetime, fine_before: datetime) -> int:
        """Publish each hour whose fine datapoints are all gone (pruned before `fine_before`)
        and whose stamp is outside the cockpit's longest window; answers how many."""
        latest = min(fine_before - HOUR, now - CLEARANCE)
        due = [key for key in self._pending if key[0] <= latest]
        data = []
        for key in due:
            hour, ns, metric, dims, unit = key
            data.append(_datum(ns, metric, dims, hour, self._pending.pop(key), unit))
        self._store.extend(data)
        self.published += len(data)
        return len(data)


def _datum(ns: str, metric: str, dims: Dims, at: datetime, s: _Sums, unit: str | None) -> Any:
    from moto.cloudwatch.models import MetricAggregatedDatum

    return MetricAggregatedDatum(
        namespace=ns,
        name=metric,
        min_stat=float(s.minimum),
        max_stat=float(s.maximum),
        sample_count=float(s.count),
        sum_stat=float(s.total),
        dimensions=[{"Name": n, "Value": v} for n, v in dims],
        timestamp=at.astimezone(UTC).replace(tzinfo=None),  # moto keeps naive UTC
        unit=unit,
    )
