"""The alert feed, and the alerts the app raises itself (threshold breaches, connectivity).

Pure: no IO. Alerts with the same key fold into one entry with a count and first/last
seen, so a flood of identical log lines or a flapping threshold stays readable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import datetime

from todotui.alerts.model import Alert, AlertSource, Severity, Topic
from todotui.telemetry.model import Health, PaneSnapshot


class AlertFeed:
    """The alert store: newest first, folded by key, bounded to `limit` entries (the oldest
    go first). Listeners hear of every change, whoever made it (a refresh, an action)."""

    def __init__(self, limit: int = 500) -> None:
        self.limit = limit
        self._entries: dict[str, Alert] = {}
        self._arrivals: dict[str, int] = {}
        """When each entry last changed, as a count, for ordering entries seen at the same time."""
        self._changes = 0
        self._revision = 0
        self._listeners: list[Callable[[list[Alert]], None]] = []

    def subscribe(self, listener: Callable[[list[Alert]], None]) -> None:
        """Call `listener` with the entries each `extend` added or updated."""
        self._listeners.append(listener)

    def __len__(self) -> int:
        return len(self._entries)

    def add(self, alert: Alert) -> Alert:
        """Fold `alert` into the feed; returns the entry as it now stands."""
        known = self._entries.pop(alert.key, None)
        if known is not None:
            newer = alert.last_seen >= known.last_seen
            latest = alert if newer else known
            alert = replace(
                latest,
                first_seen=min(known.first_seen, alert.first_seen),
                last_seen=max(known.last_seen, alert.last_seen),
                count=known.count + alert.count,
            )
        self._entries[alert.key] = alert
        self._changes += 1
        self._revision += 1
        self._arrivals[alert.key] = self._changes
        if len(self._entries) > self.limit:
            oldest = min(self._entries.values(), key=self.rank)
            del self._entries[oldest.key]
            del self._arrivals[oldest.key]
        return alert

    @property
    def revision(self) -> int:
        """Grows with every change, a clear included: equal revisions, equal contents."""
        return self._revision

    def rank(self, alert: Alert) -> tuple[datetime, int]:
        """Where an entry sorts (higher is newer): by last seen; entries seen at the same
        moment keep the order they arrived in (a refresh's breaches in pane order)."""
        return alert.last_seen, -self._arrivals.get(alert.key, 0)

    def extend(self, alerts: Iterable[Alert]) -> list[Alert]:
        """Fold each alert in; returns the entries as they now stand, and tells the listeners."""
        updated = [self.add(alert) for alert in alerts]
        if updated:
            for listener in list(self._listeners):
                listener(updated)
        return updated

    @property
    def entries(self) -> tuple[Alert, ...]:
        """Newest first (by last seen); ties keep the order they arrived in."""
        return tuple(sorted(self._entries.values(), key=self.rank, reverse=True))

    def get(self, key: str) -> Alert | None:
        return self._entries.get(key)

    def clear(self) -> None:
        """Forget every entry (a replay seeking back starts again); listeners hear of it."""
        self._entries.clear()
        self._arrivals.clear()
        self._changes = 0
        self._revision += 1
        for listener in list(self._listeners):
            listener([])


_TOPICS = {
    "concurrency": Topic.CONCURRENCY,
    "errors": Topic.ERRORS,
    "latency": Topic.LATENCY,
    "dynamodb": Topic.THROTTLING,
    "traffic": Topic.TRAFFIC,
}


class BreachDetector:
    """Raises one alert per health transition of a pane, not one per refresh."""

    def __init__(self) -> None:
        self._last: dict[str, Health] = {}

    def check(self, panes: Mapping[str, PaneSnapshot], now: datetime) -> list[Alert]:
        alerts = []
        for key, pane in panes.items():
            health = pane.primary.health
            before = self._last.get(key, Health.UNKNOWN)
            if health is Health.UNKNOWN or health is before:
                continue  # unknown says nothing new; keep the last known health
            self._last[key] = health
            if health is Health.OK and before is Health.UNKNOWN:
                continue
            alerts.append(_breach_alert(pane, before, health, now))
        return alerts


def _breach_alert(pane: PaneSnapshot, before: Health, health: Health, now: datetime) -> Alert:
    figures = _figures(pane)
    if health is Health.OK:
        severity, title = Severity.OK, f"{pane.title} back to normal ({figures})"
    else:
        severity = Severity.CRIT if health is Health.CRIT else Severity.WARN
        title = f"{pane.title} {health.value}: {figures}"
    lines = [title, "", f"Health went from {before.value} to {health.value}."]
    lines += [
        f"{label}: {_figure(reading.value, reading.unit)}" for label, reading in pane.secondary
    ]
    if pane.primary.as_of:
        lines.append(f"Period: {pane.primary.as_of:%Y-%m-%d %H:%M:%S} UTC")
    return Alert(
        key=f"breach:{pane.key}:{health.value}",
        source=AlertSource.BREACH,
        severity=severity,
        title=title,
        body="\n".join(lines),
        first_seen=now,
        last_seen=now,
        topic=_TOPICS.get(pane.key),
    )


def _figures(pane: PaneSnapshot) -> str:
    text = _figure(pane.primary.value, pane.primary.unit)
    worst = [
        f"{label} {_figure(r.value, r.unit)}"
        for label, r in pane.secondary
        if r.health in (Health.WARN, Health.CRIT)
    ]
    return ", ".join([text, *worst])


def _figure(value: float | None, unit: str) -> str:
    if value is None:
        return "no data"
    number = f"{value:.1f}" if abs(value) < 100 else f"{value:.0f}"
    return f"{number}{unit}" if unit in ("%", "ms", "/min", "") else f"{number} {unit}"


class ConnectionWatch:
    """One alert when fetching starts failing, one when it recovers (not one per refresh)."""

    def __init__(self, target: str | Callable[[], str]) -> None:
        self._target = target
        self._failing_since: datetime | None = None
        self._error: str | None = None

    @property
    def target(self) -> str:
        """What is being watched, as the alert names it (resolved when it is written)."""
        return self._target if isinstance(self._target, str) else self._target()

    @property
    def failing(self) -> bool:
        return self._failing_since is not None

    def failed(self, error: str, now: datetime) -> Alert | None:
        if self._failing_since is not None:
            return None
        self._failing_since, self._error = now, error
        return Alert(
            key="connection:failed",
            source=AlertSource.CONNECTION,
            severity=Severity.CRIT,
            title=f"Fetch failed: {error}",
            body=f"Fetching telemetry from {self.target} failed at {now:%H:%M:%S} UTC.\n\n{error}\n\n"
            "Panes keep their last values, marked as error and then stale; fetching continues.",
            first_seen=now,
            last_seen=now,
        )

    def succeeded(self, now: datetime, *, last_good: datetime | None = None) -> Alert | None:
        """Recovery, counted from the last good data (`last_good`), not from the first failure:
        the operator went without fresh figures for that long."""
        if self._failing_since is None:
            return None
        since, error = self._failing_since, self._error
        self._failing_since = self._error = None
        without_data_since = min(since, last_good) if last_good is not None else since
        outage = int((now - without_data_since).total_seconds())
        return Alert(
            key="connection:recovered",
            source=AlertSource.CONNECTION,
            severity=Severity.OK,
            title=f"Connection restored after {outage}s without fresh data",
            body=(
                f"Fetching from {self.target} works again. The last good data was from "
                f"{without_data_since:%H:%M:%S} UTC; fetches failed from {since:%H:%M:%S} UTC: {error}."
            ),
            first_seen=now,
            last_seen=now,
        )
