"""Bounded per-series buffers that incremental fetches merge into.

Each refresh re-reads the newest few periods (the latest minute on AWS is incomplete and
revised), so a merge replaces values it already holds, appends new periods, and drops
periods older than the retention. Memory stays flat however long the app runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta


def align_down(moment: datetime, period_seconds: float) -> datetime:
    """The start of the period that contains `moment` (periods count from the Unix epoch).

    CloudWatch buckets, the fetch window and the sandbox's clock all use this one grid.
    """
    seconds = moment.timestamp()
    return datetime.fromtimestamp(seconds - seconds % period_seconds, UTC)


class SeriesBuffer:
    """One series' datapoints keyed by period start."""

    __slots__ = ("_points",)

    def __init__(self) -> None:
        self._points: dict[datetime, float] = {}

    def __len__(self) -> int:
        return len(self._points)

    def merge(self, points: Iterable[tuple[datetime, float]]) -> None:
        """Revised values replace what was there; new periods are added."""
        for timestamp, value in points:
            self._points[timestamp] = value

    def drop_before(self, cutoff: datetime) -> None:
        for timestamp in [t for t in self._points if t < cutoff]:
            del self._points[timestamp]

    def get(self, timestamp: datetime) -> float | None:
        return self._points.get(timestamp)

    def timestamps(self) -> list[datetime]:
        """The period starts held, oldest first."""
        return sorted(self._points)

    def on_grid(self, grid: Iterable[datetime]) -> list[float | None]:
        """The value for each period of `grid`; None where CloudWatch had no datapoint."""
        return [self._points.get(t) for t in grid]

    def latest(self) -> tuple[datetime, float] | None:
        if not self._points:
            return None
        newest = max(self._points)
        return newest, self._points[newest]


class SeriesStore:
    """Every series on screen, with CloudWatch's StatusCode for each from its last fetch."""

    def __init__(self, retention_seconds: int) -> None:
        self.retention = timedelta(seconds=retention_seconds)
        self._buffers: dict[str, SeriesBuffer] = {}
        self.status: dict[str, str] = {}
        """Series id -> StatusCode of the last answer (Complete, PartialData, ...)."""
        self.messages: dict[str, tuple[str, ...]] = {}

    def merge(
        self,
        points: Mapping[str, Iterable[tuple[datetime, float]]],
        *,
        now: datetime,
        status: Mapping[str, str] | None = None,
        messages: Mapping[str, tuple[str, ...]] | None = None,
    ) -> None:
        """Fold one fetch's answers in, then forget what fell out of the retention window."""
        for series_id, series_points in points.items():
            self.buffer(series_id).merge(series_points)
        self.status.update(status or {})
        self.messages.update(messages or {})
        self.prune(now)

    def prune(self, now: datetime) -> None:
        cutoff = now - self.retention
        for buffer in self._buffers.values():
            buffer.drop_before(cutoff)

    def buffer(self, series_id: str) -> SeriesBuffer:
        if series_id not in self._buffers:
            self._buffers[series_id] = SeriesBuffer()
        return self._buffers[series_id]

    def held(self, series_id: str) -> SeriesBuffer:
        """The buffer of `series_id` if anything was ever merged into it, else an empty one
        (reading never adds a series to the store)."""
        return self._buffers.get(series_id) or SeriesBuffer()

    def on_grid(self, series_id: str, grid: list[datetime]) -> list[float | None]:
        return self.buffer(series_id).on_grid(grid)

    def point_count(self) -> int:
        return sum(len(b) for b in self._buffers.values())

    def clear(self) -> None:
        self._buffers.clear()
        self.status.clear()
        self.messages.clear()


def period_grid(now: datetime, window_seconds: int, period_seconds: int) -> list[datetime]:
    """Period starts across the window, oldest first, ending with the period containing `now`."""
    epoch = int(now.timestamp())
    newest = now - timedelta(seconds=epoch % period_seconds, microseconds=now.microsecond)
    count = max(1, window_seconds // period_seconds)
    step = timedelta(seconds=period_seconds)
    return [newest - step * (count - 1 - i) for i in range(count)]
