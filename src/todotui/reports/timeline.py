"""The incident timeline: alarms, breaches, log alerts, diagnoses, actions, rollout steps and
deploys on one time axis, and the impact they add up to.

Pure: no IO, no Textual. The core turns its own objects into the typed inputs here
(`ActionTaken`, `CauseSpan`, `RoutingChange`, `RolloutNote`, feed `Alert`s) and this module
turns those into `TimelineEvent`s, merges them in time order and measures the impact from
the metric series (`impact_figures`). Nothing is read back out of another module's prose:
every figure comes from a typed field or a series.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from todotui.alerts.model import Alert, AlertSource, Severity
from todotui.telemetry.model import Health
from todotui.telemetry.series import align_down
from todotui.telemetry.versions import AliasRouting, VersionInfo


class EventKind(StrEnum):
    """What an event is; the order is the order of events at the same moment (a breach is
    seen before the alarm it trips, the diagnosis reads both, a rollout decides, an action
    answers, and the alias read after it shows the move)."""

    CONNECTION = "connection"
    BREACH = "breach"
    ALARM = "alarm"
    LOG = "log"
    DIAGNOSIS = "diagnosis"
    ROLLOUT = "rollout"
    ACTION = "action"
    DEPLOY = "deploy"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {kind: i for i, kind in enumerate(EventKind)}


@dataclass(frozen=True, slots=True)
class TimelineEvent:
    """One moment of the incident: when, what kind, how bad, one line, the full text."""

    at: datetime
    kind: EventKind
    severity: Severity
    title: str
    detail: str = ""
    source: str = ""
    """Where it came from, as a person would look it up (an alarm's name, a journal record)."""
    key: str = ""
    """Unique within a timeline: the same happening from two reads is kept once."""
    subject: str = ""
    """What it is about, machine-readable: a cause's kind, an action's id, an alarm's name."""

    @property
    def recovery(self) -> bool:
        """A return to normal (an alarm back to OK, a pane back to normal, a cause cleared)."""
        return self.severity is Severity.OK and self.kind is not EventKind.ACTION


def merge(*streams: Iterable[TimelineEvent]) -> tuple[TimelineEvent, ...]:
    """Every stream's events, oldest first; the same `key` kept once (its first occurrence).

    Events at the same moment go by kind (`EventKind` order), then in the order each stream
    gave them (the sort is stable)."""
    seen: set[str] = set()
    events: list[TimelineEvent] = []
    for stream in streams:
        for event in stream:
            if event.key:
                if event.key in seen:
                    continue
                seen.add(event.key)
            events.append(event)
    events.sort(key=lambda e: (e.at, e.kind.rank))
    return tuple(events)


def only(
    events: Iterable[TimelineEvent], kinds: Collection[EventKind]
) -> tuple[TimelineEvent, ...]:
    """The events of `kinds`, in the order given."""
    return tuple(e for e in events if e.kind in kinds)


# -- typed inputs and their events ---------------------------------------------------------------

_ALERT_KINDS = {
    AlertSource.ALARM: EventKind.ALARM,
    AlertSource.BREACH: EventKind.BREACH,
    AlertSource.LOG: EventKind.LOG,
    AlertSource.CONNECTION: EventKind.CONNECTION,
}


def alert_event(
    alert: Alert, at: datetime | None = None, *, source: str = ""
) -> TimelineEvent | None:
    """One feed alert at `at` (default: when it was last seen) as an event; None for the
    sources the timeline reads elsewhere (actions from the journal, rollouts from their record)."""
    kind = _ALERT_KINDS.get(alert.source)
    if kind is None:
        return None
    at = at or alert.last_seen
    title = alert.title
    if kind is EventKind.LOG and alert.count > 1:
        title = f"{title} (×{alert.count}, last {alert.last_seen:%H:%M:%S})"
    return TimelineEvent(
        at=at,
        kind=kind,
        severity=alert.severity,
        title=title,
        detail=alert.body,
        source=source or _ALERT_SOURCES[kind],
        key=f"{alert.key}@{at.isoformat()}",
        subject=alert.topic.value if alert.topic else "",
    )


_ALERT_SOURCES = {
    EventKind.ALARM: "CloudWatch alarm (DescribeAlarms)",
    EventKind.BREACH: "cockpit threshold (settings)",
    EventKind.LOG: "CloudWatch Logs (FilterLogEvents)",
    EventKind.CONNECTION: "cockpit fetch",
}


@dataclass(frozen=True, slots=True)
class ActionTaken:
    """One journaled action: who did what to what, how it ended, and the `aws` CLI for it."""

    at: datetime
    record_id: str
    action_id: str
    title: str
    target: str
    actor: str
    """ "operator" or "rollout controller"."""
    result: str
    """succeeded, failed, unknown, or unfinished (the journal's words)."""
    verified: bool
    cli: tuple[str, ...]
    """As journaled: shell-quoted, secrets replaced by a shell variable or "********"."""
    reason: str = ""
    before: tuple[tuple[str, str], ...] = ()
    after: tuple[tuple[str, str], ...] = ()
    """The state read back after it (or the plan's, when nothing was read back)."""
    error: str = ""
    request_ids: tuple[str, ...] = ()
    undo_of: str = ""

    @property
    def outcome(self) -> str:
        """The result in words: "succeeded, verified", "failed", "unknown (verify again)"."""
        if self.result == "succeeded":
            return "succeeded, verified" if self.verified else "succeeded, not verified"
        if self.result == "unknown":
            return "outcome unknown (verify again)"
        return self.result


_ACTION_SEVERITY = {"succeeded": Severity.OK, "failed": Severity.CRIT}


def action_event(action: ActionTaken) -> TimelineEvent:
    severity = _ACTION_SEVERITY.get(action.result, Severity.WARN)
    if action.result == "succeeded" and not action.verified:
        severity = Severity.WARN
    change = ", ".join(f"{label} {value}" for label, value in action.after[:2])
    title = f"{action.title}: {action.outcome} ({action.target}{' → ' + change if change else ''})"
    lines = [
        title,
        "",
        f"By: {action.actor}" + (f" — {action.reason}" if action.reason else ""),
        f"Target: {action.target}",
    ]
    lines += [f"Before  {label}: {value}" for label, value in action.before]
    lines += [f"After   {label}: {value}" for label, value in action.after]
    if action.error:
        lines.append(f"AWS said: {action.error}")
    if action.request_ids:
        lines.append("Request ids: " + ", ".join(action.request_ids))
    if action.undo_of:
        lines.append(f"Undoes journal record {action.undo_of}")
    lines += ["", "Equivalent aws CLI:", *action.cli]
    return TimelineEvent(
        at=action.at,
        kind=EventKind.ACTION,
        severity=severity,
        title=title,
        detail="\n".join(lines),
        source=f"journal record {action.record_id}",
        key=f"action:{action.record_id}",
        subject=action.action_id,
    )


@dataclass(frozen=True, slots=True)
class CauseSpan:
    """One cause the diagnosis named: from when, until when, and what it cited at its surest."""

    cause: str
    """The cause's name (`CauseKind.value`)."""
    first_seen: datetime
    line: str
    """The evidence line when its confidence was highest."""
    confidence: str
    """The highest level it reached ("high", "medium", "low")."""
    action_id: str
    target: str
    cleared: datetime | None = None
    """When a refresh first no longer named it; None while it still does."""
    first_line: str = ""
    """The evidence line when it first appeared."""
    first_confidence: str = ""
    """The level it first appeared at."""
    rises: tuple[tuple[datetime, str, str], ...] = ()
    """(when, level, line) each time its confidence rose after it first appeared."""


def cause_events(span: CauseSpan) -> list[TimelineEvent]:
    """The cause's appearance, each rise in confidence, and its clearing, as events."""
    opened = span.first_line or span.line
    key = f"diagnosis:{span.cause}:{span.first_seen.isoformat()}"
    events = [
        TimelineEvent(
            at=span.first_seen,
            kind=EventKind.DIAGNOSIS,
            severity=Severity.WARN,
            title=f"Diagnosis names {span.cause} ({span.first_confidence or span.confidence}): {opened}",
            detail=_cause_detail(span),
            source="cockpit diagnosis (evidence held at the refresh)",
            key=key,
            subject=span.cause,
        )
    ]
    for at, level, line in span.rises:
        events.append(
            TimelineEvent(
                at=at,
                kind=EventKind.DIAGNOSIS,
                severity=Severity.WARN,
                title=f"Diagnosis: {span.cause} now {level} confidence: {line}",
                detail=_cause_detail(span),
                source="cockpit diagnosis (evidence held at the refresh)",
                key=f"{key}:rise:{at.isoformat()}",
                subject=span.cause,
            )
        )
    if span.cleared is not None:
        events.append(
            TimelineEvent(
                at=span.cleared,
                kind=EventKind.DIAGNOSIS,
                severity=Severity.OK,
                title=f"Diagnosis no longer names {span.cause}",
                detail=_cause_detail(span),
                source="cockpit diagnosis (evidence held at the refresh)",
                key=f"{key}:cleared",
                subject=span.cause,
            )
        )
    return events


def _cause_detail(span: CauseSpan) -> str:
    lines = [
        f"Cause: {span.cause} (highest confidence: {span.confidence})",
        f"First named: {span.first_seen:%Y-%m-%d %H:%M:%S} UTC",
        "Cleared: " + (f"{span.cleared:%Y-%m-%d %H:%M:%S} UTC" if span.cleared else "still named"),
        "",
        f"Evidence when first named: {span.first_line or span.line}",
        f"Evidence at its surest: {span.line}",
        "",
        f"Resource: {span.target}",
        f"The runbook's answer: {span.action_id}",
    ]
    return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class RoutingChange:
    """The alias's routing moved between two refreshes (a deploy, a shift, a rollback)."""

    at: datetime
    before: AliasRouting
    after: AliasRouting
    versions: Mapping[str, VersionInfo] = field(default_factory=dict)
    """What GetFunctionConfiguration said of the versions named, when known."""


def routing_event(change: RoutingChange) -> TimelineEvent:
    before, after = change.before, change.after
    moved = before.primary != after.primary
    what = "deploy" if moved else "weights changed"
    title = f"{after.alias}: {before.describe()} → {after.describe()} ({what})"
    lines = [
        title,
        "",
        f"Alias {after.function}:{after.alias}",
        f"Before: {before.describe()} (revision {before.revision_id or 'unknown'})",
        f"After:  {after.describe()} (revision {after.revision_id or 'unknown'})",
    ]
    for version in sorted({v for r in (before, after) for v in (r.primary, r.additional) if v}):
        info = change.versions.get(version)
        if info is not None:
            described = info.description or "no description"
            lines.append(
                f"Version {version}: {described}; published {info.last_modified or 'unknown'}"
                f"; code {info.code_sha256[:12] or 'unknown'}"
            )
    return TimelineEvent(
        at=change.at,
        kind=EventKind.DEPLOY,
        severity=Severity.WARN if moved else Severity.INFO,
        title=title,
        detail="\n".join(lines),
        source=f"GetAlias {after.function}:{after.alias}",
        key=f"deploy:{after.revision_id or after.describe()}:{change.at.isoformat()}",
        subject=after.primary,
    )


@dataclass(frozen=True, slots=True)
class RolloutNote:
    """One entry of a rollout's own record (a step, a verdict, an abort)."""

    at: datetime
    rollout_id: str
    what: str
    """The rollout event's kind ("start", "step", "verdict", "end", ...)."""
    text: str
    candidate: str
    stable: str
    severity: Severity = Severity.INFO


def rollout_event(note: RolloutNote, index: int) -> TimelineEvent:
    return TimelineEvent(
        at=note.at,
        kind=EventKind.ROLLOUT,
        severity=note.severity,
        title=f"Rollout {note.what}: {note.text}",
        detail=(
            f"{note.text}\n\nRollout {note.rollout_id}: version {note.candidate} replacing "
            f"version {note.stable}. Its full record is on the rollout view (b)."
        ),
        source=f"rollout record {note.rollout_id}",
        key=f"rollout:{note.rollout_id}:{index}",
        subject=note.what,
    )


# -- impact -------------------------------------------------------------------------------------


class HealthSpans:
    """When the impact began and ended, from each refresh's pane health: it begins at the first
    refresh with a pane in warn or critical, and ends at the first refresh after which every
    pane is back to ok. Unknown health (no data, stale) keeps a pane's last known health."""

    def __init__(self) -> None:
        self._health: dict[str, Health] = {}
        self.first_breach: datetime | None = None
        self.recovered_at: datetime | None = None
        """None while a pane is still in breach (or none ever was)."""
        self.breaching: frozenset[str] = frozenset()
        """The panes in warn or critical as of the last observation."""
        self.worst: dict[str, Health] = {}
        """The worst health each pane reached."""

    def observe(self, at: datetime, health: Mapping[str, Health]) -> None:
        for pane, value in health.items():
            if value is not Health.UNKNOWN:
                self._health[pane] = value
                if _SEVERITY_OF[value] > _SEVERITY_OF[self.worst.get(pane, Health.OK)]:
                    self.worst[pane] = value
        breaching = frozenset(p for p, h in self._health.items() if h in (Health.WARN, Health.CRIT))
        if breaching and self.first_breach is None:
            self.first_breach = at
        if breaching:
            self.recovered_at = None
        elif self.breaching and self.recovered_at is None:
            self.recovered_at = at
        self.breaching = breaching

    @property
    def ongoing(self) -> bool:
        return bool(self.breaching)


_SEVERITY_OF = {Health.UNKNOWN: 0, Health.OK: 0, Health.WARN: 1, Health.CRIT: 2}


Series = Mapping[datetime, float]
"""One metric's datapoints by period start (no entry: CloudWatch had no datapoint)."""


@dataclass(frozen=True, slots=True)
class Figure:
    """One impact figure, or None and why (never a zero for lack of data)."""

    label: str
    value: float | None
    unit: str = ""
    at: datetime | None = None
    """The period of a peak."""
    missing: str = ""
    """Why `value` is None."""
    how: str = ""
    """Which series it was computed from."""


@dataclass(frozen=True, slots=True)
class Impact:
    """The impact over [start, end): its span and the figures the metrics give for it."""

    start: datetime | None
    end: datetime | None
    ongoing: bool
    figures: tuple[Figure, ...]
    measured_from: datetime | None
    """The span the figures cover (the impact's periods, or all held when there was none)."""
    measured_to: datetime | None
    breached: tuple[str, ...] = ()
    """The panes that went to warn or critical, worst first (keys; the core gives titles)."""
    notes: tuple[str, ...] = ()

    @property
    def duration(self) -> timedelta | None:
        if self.start is None or self.end is None:
            return None
        return self.end - self.start


#: Catalogue series the impact figures read.
IMPACT_SERIES = (
    "lambda_invocations",
    "lambda_errors",
    "lambda_throttles",
    "lambda_duration_max",
    "lambda_duration_p99",
    "lambda_concurrency",
    "api_count",
    "api_5xx",
    "ddb_read_throttles",
    "ddb_write_throttles",
    "ddb_throttled_getitem",
    "ddb_throttled_query",
    "ddb_throttled_putitem",
    "ddb_throttled_updateitem",
    "ddb_throttled_deleteitem",
)

_DDB_THROTTLED = tuple(s for s in IMPACT_SERIES if s.startswith("ddb_throttled_"))


def impact_figures(
    series: Mapping[str, Series],
    spans: HealthSpans,
    *,
    period_seconds: int,
    now: datetime,
) -> Impact:
    """The impact's figures from the held series, over the periods from the first breach to
    the recovery (or `now` while it lasts); over every period held when nothing breached.

    A series never fetched (absent from `series`) says so; one without datapoints in the span
    says "no datapoints"; a sum over a span with some datapoints counts only those."""
    start, end = spans.first_breach, spans.recovered_at
    ongoing = spans.ongoing
    held = sorted({t for s in series.values() for t in s})
    step = timedelta(seconds=period_seconds)
    span_from: datetime | None
    span_to: datetime | None
    if start is not None:
        # A refresh judges the newest complete period, the one before the period it ran in:
        # the impact's periods run from the one the first breach read to the one before the
        # period the recovery read (that one was healthy).
        span_from = align_down(start, period_seconds) - step
        span_to = align_down(end, period_seconds) - step if end else now
        periods = (
            [t for t in held if span_from <= t < span_to]
            if end
            else [t for t in held if t >= span_from]
        )
    else:
        periods = held
        span_from = held[0] if held else None
        span_to = held[-1] + step if held else None
    notes: list[str] = []
    if start is None:
        notes.append("No pane breached a threshold: the figures cover every period held.")
    if not held:
        notes.append("No metric data was held: every figure is unknown.")

    def values(sid: str) -> list[tuple[datetime, float]]:
        got = series.get(sid, {})
        return [(t, got[t]) for t in periods if t in got]

    def missing(sid: str) -> str:
        if sid not in series:
            return "not fetched from this endpoint"
        return "no datapoints in the span"

    def peak(label: str, sid: str, unit: str) -> Figure:
        got = values(sid)
        if not got:
            return Figure(label, None, unit, missing=missing(sid), how=sid)
        at, value = max(got, key=lambda p: p[1])
        return Figure(label, value, unit, at=at, how=f"{sid}, highest period")

    def total(label: str, sids: Sequence[str], how: str) -> Figure:
        got = [v for sid in sids for _, v in values(sid)]
        if not got:
            return Figure(
                label,
                None,
                missing=missing(sids[0]) if len(sids) == 1 else "no datapoints in the span",
                how=how,
            )
        return Figure(label, sum(got), how=how)

    inv = dict(values("lambda_invocations"))
    errs = dict(values("lambda_errors"))
    rates = [(t, errs[t] / inv[t] * 100.0) for t in inv if inv[t] > 0 and t in errs]
    if rates:
        at, rate = max(rates, key=lambda p: p[1])
        error_rate = Figure(
            "Peak Lambda error rate", rate, "%", at=at, how="Errors / Invocations per period"
        )
    else:
        why = "no periods with both Invocations and Errors datapoints"
        error_rate = Figure("Peak Lambda error rate", None, "%", missing=why)
    count = dict(values("api_count"))
    five = dict(values("api_5xx"))
    api_rates = [(t, five[t] / count[t] * 100.0) for t in count if count[t] > 0 and t in five]
    if api_rates:
        at, rate = max(api_rates, key=lambda p: p[1])
        api_rate = Figure("Peak API 5XX rate", rate, "%", at=at, how="5XXError / Count per period")
    else:
        api_rate = Figure(
            "Peak API 5XX rate", None, "%", missing="no periods with both Count and 5XXError"
        )
    figures = (
        error_rate,
        total("Lambda errors", ["lambda_errors"], "lambda_errors, sum"),
        api_rate,
        total("API 5XX responses", ["api_5xx"], "api_5xx, sum"),
        total("API requests", ["api_count"], "api_count, sum"),
        total(
            "DynamoDB throttled requests",
            _DDB_THROTTLED,
            "ThrottledRequests, sum over the table's operations",
        ),
        total("Lambda throttles", ["lambda_throttles"], "lambda_throttles, sum"),
        peak("Peak p99 latency", "lambda_duration_p99", "ms"),
        peak("Peak maximum duration", "lambda_duration_max", "ms"),
        peak("Peak concurrency", "lambda_concurrency", ""),
    )
    order = {Health.CRIT: 0, Health.WARN: 1}
    breached = tuple(
        sorted(
            (p for p, h in spans.worst.items() if h in order),
            key=lambda p: order[spans.worst[p]],
        )
    )
    return Impact(
        start=start,
        end=end if start is not None else None,
        ongoing=ongoing,
        figures=figures,
        measured_from=periods[0] if periods else span_from,
        measured_to=(periods[-1] + timedelta(seconds=period_seconds)) if periods else span_to,
        breached=breached,
        notes=tuple(notes),
    )
