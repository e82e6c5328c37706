"""The session's incident history, kept as it happens, and the post-mortem draft written from it.

`IncidentRecorder` listens to the poller (after every good refresh: the diagnosis's causes
appearing and clearing, the alias's routing moving, each pane's health, the metric series
beyond the window) and to the alert store (every alarm change, breach and fetch outage as it
arrives, not folded). Actions come from the journal (this session's records), rollout steps
from the rollout's own record. `events()` merges them on one axis (`reports.timeline`);
`export()` writes the Markdown draft (`reports.postmortem`) to the export directory.
"""

from __future__ import annotations

import asyncio
import math
import os
from array import array
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from todotui.actions.journal import Journal, JournalEntry
from todotui.actions.model import Outcome
from todotui.alerts.alarms import definition
from todotui.alerts.diagnosis import Cause, Diagnosis
from todotui.alerts.feed import AlertFeed
from todotui.alerts.model import Alert, AlertSource, Severity
from todotui.config import Settings
from todotui.core.clock import Clock
from todotui.core.monitor import Monitor
from todotui.core.poller import Poller, PollEvent, Refreshed
from todotui.reports.postmortem import PostMortemInput, render
from todotui.reports.timeline import (
    IMPACT_SERIES,
    ActionTaken,
    CauseSpan,
    HealthSpans,
    Impact,
    RolloutNote,
    RoutingChange,
    TimelineEvent,
    action_event,
    alert_event,
    cause_events,
    impact_figures,
    merge,
    rollout_event,
    routing_event,
)
from todotui.rollout.model import EventKind as RolloutEventKind
from todotui.rollout.model import Phase
from todotui.telemetry.versions import AliasRouting

if TYPE_CHECKING:
    from todotui.core.rollouts import RolloutDriver

#: How long the recorder keeps metric datapoints (the impact figures can look back this far).
SERIES_KEPT = timedelta(hours=24)

#: Arrivals kept (alarm changes, breaches, outages): the oldest go first.
MAX_OCCURRENCES = 2000

#: Cleared causes and alias routing changes kept: a shift sees a handful of each; a cap keeps
#: a cockpit left open for weeks (a flapping cause, a rollout every hour) flat, oldest first.
MAX_CLOSED_CAUSES = 500
MAX_ROUTING_CHANGES = 500

_LEVEL = {"low": 1, "medium": 2, "high": 3}

_ROLLOUT_SEVERITY = {
    RolloutEventKind.ALARM: Severity.WARN,
    RolloutEventKind.PROBLEM: Severity.WARN,
}


@dataclass(slots=True)
class _Open:
    """A cause the diagnosis names now: since when, and at its surest."""

    first_seen: datetime
    first_line: str
    first_level: str
    best: Cause
    rises: list[tuple[datetime, str, str]]

    def span(self, cleared: datetime | None = None) -> CauseSpan:
        return CauseSpan(
            cause=self.best.kind.value,
            first_seen=self.first_seen,
            line=self.best.line,
            confidence=self.best.level.value,
            action_id=self.best.action_id,
            target=self.best.target,
            cleared=cleared,
            first_line=self.first_line,
            first_confidence=self.first_level,
            rises=tuple(self.rises),
        )


class KeptSeries(Mapping[str, Mapping[datetime, float]]):
    """Many series over one axis of periods, compactly: what the recorder keeps for a day.

    A dict of floats per series held a day of 15 series in 2.7 MB (1.8 MB with one shared
    timestamp per period); here each period has one slot, and each series an array of
    doubles by slot (NaN where it has no datapoint), about 0.3 MB. Reads see each series as
    a `Mapping[datetime, float]` of the periods it has a value for, as `impact_figures`
    expects. Slots of forgotten periods are reused, so the arrays stop growing once full."""

    def __init__(self) -> None:
        self._slots: dict[datetime, int] = {}
        self._free: list[int] = []
        self._columns: dict[str, array[float]] = {}

    def put(self, sid: str, points: Mapping[datetime, float]) -> None:
        column = self._columns.setdefault(sid, array("d", [_NAN] * self._size))
        for t, value in points.items():
            slot = self._slots.get(t)
            if slot is None:
                slot = self._slots[t] = self._free.pop() if self._free else self._grow()
            column[slot] = value

    def _grow(self) -> int:
        slot = self._size
        for column in self._columns.values():
            column.append(_NAN)
        self._size += 1
        return slot

    _size = 0

    def forget_before(self, cutoff: datetime) -> None:
        for t in [t for t in self._slots if t < cutoff]:
            slot = self._slots.pop(t)
            for column in self._columns.values():
                column[slot] = _NAN
            self._free.append(slot)

    @property
    def periods(self) -> int:
        """Periods held (each series has at most this many datapoints)."""
        return len(self._slots)

    def __getitem__(self, sid: str) -> Mapping[datetime, float]:
        return _Column(self._slots, self._columns[sid])

    def __iter__(self) -> Iterator[str]:
        return iter(self._columns)

    def __len__(self) -> int:
        return len(self._columns)


_NAN = float("nan")


class _Column(Mapping[datetime, float]):
    """One kept series, read through the shared slots: the periods it has a value for."""

    def __init__(self, slots: dict[datetime, int], values: array[float]) -> None:
        self._slots, self._values = slots, values

    def __getitem__(self, t: datetime) -> float:
        value = self._values[self._slots[t]]
        if math.isnan(value):
            raise KeyError(t)
        return value

    def __iter__(self) -> Iterator[datetime]:
        values = self._values
        return (t for t, slot in self._slots.items() if not math.isnan(values[slot]))

    def __len__(self) -> int:
        return sum(1 for _ in self)


class IncidentRecorder:
    """What happened during this cockpit session, on one time axis."""

    def __init__(
        self,
        settings: Settings,
        *,
        monitor: Monitor,
        poller: Poller,
        alerts: AlertFeed,
        journal: Journal,
        rollouts: RolloutDriver,
        diagnose: Callable[[], Diagnosis],
        clock: Clock,
        export_dir: Path,
    ) -> None:
        self.settings = settings
        self.monitor = monitor
        self.poller = poller
        self.alerts = alerts
        self.journal = journal
        self.rollouts = rollouts
        self._diagnose = diagnose
        self.clock = clock
        self.export_dir = export_dir
        self.started_at = clock()
        """When this session began watching: nothing earlier was seen."""
        self.changes = 0
        """Counts up whenever something new was recorded (a view redraws when it moved)."""
        self.health = HealthSpans()
        self._pane_titles: dict[str, str] = {}
        self._occurrences: list[TimelineEvent] = []
        self._open: dict[str, _Open] = {}
        self._closed: list[CauseSpan] = []
        self._routing: list[RoutingChange] = []
        self._last_routing: AliasRouting | None = None
        self._series = KeptSeries()
        self._reported: dict[str, datetime] = {}
        """Journal record id -> when the cockpit's clock saw its outcome (first report)."""
        self._entries: list[JournalEntry] | None = None
        self._listeners: list[Callable[[], None]] = []
        poller.subscribe(self._after_poll)
        alerts.subscribe(self._alerts_changed)
        rollouts.subscribe(self._rollout_changed)

    def subscribe(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call `listener` whenever something new was recorded; returns the unsubscribe."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _changed(self) -> None:
        self.changes += 1
        for listener in list(self._listeners):
            listener()

    # -- what is recorded ----------------------------------------------------------------------

    def _alerts_changed(self, updated: list[Alert]) -> None:
        """Every arrival of an alarm change, a breach or an outage, at the time it arrived (the
        feed folds a breach that comes back into one entry; the timeline keeps each)."""
        added = False
        for alert in updated:
            if alert.source in (AlertSource.ALARM, AlertSource.BREACH, AlertSource.CONNECTION):
                event = alert_event(alert)
                if event is not None:
                    self._occurrences.append(event)
                    added = True
            elif alert.source is AlertSource.LOG:
                added = True
        del self._occurrences[:-MAX_OCCURRENCES]
        if added:
            self._changed()

    def note_action(self, outcome: Outcome, at: datetime) -> None:
        """An action's outcome reported by the cockpit: its time on the cockpit's clock (the
        journal's own stamp is the wall clock), and the journal to be read again."""
        if outcome.record_id:
            self._reported.setdefault(outcome.record_id, at)
        self._entries = None
        self._note_routing(at)
        self._changed()

    def _rollout_changed(self) -> None:
        """The rollout moved: its alias writes are read back at once (`Monitor.note_alias`),
        so a weight change is on the axis when it was made, not at the next refresh."""
        self._note_routing(self.clock())
        self._changed()

    def _after_poll(self, event: PollEvent) -> None:
        if not isinstance(event, Refreshed) or not event.refresh.ok:
            return  # a failed refresh's judgement is on old data: nothing to learn from it
        at = event.refresh.finished_at
        panes = event.refresh.panes
        self.health.observe(at, {k: p.primary.health for k, p in panes.items()})
        self._pane_titles.update({k: p.title for k, p in panes.items()})
        self._keep_series(at)
        self._note_routing(at)
        self.note_diagnosis(self._diagnose(), at)
        self._changed()

    def _keep_series(self, now: datetime) -> None:
        """The impact series beyond the window, for `SERIES_KEPT`: full after a day (1,440
        periods of a minute for each of the ~15 series), then flat (`KeptSeries`)."""
        fetched = {spec.id for spec in self.monitor.specs}
        for sid in IMPACT_SERIES:
            if sid in fetched or sid in self._series:
                self._series.put(sid, self.monitor.held_series(sid))
        self._series.forget_before(now - SERIES_KEPT)

    def _note_routing(self, at: datetime) -> None:
        """The alias's routing, if it moved since last seen: at when it was read."""
        routing = self.monitor.alias
        if routing is None:
            return
        before = self._last_routing
        self._last_routing = routing
        if before is None or before.routes_like(
            routing.primary, routing.additional, routing.weight
        ):
            return
        names = {v for r in (before, routing) for v in (r.primary, r.additional) if v}
        infos = {v: info for v in names if (info := self.monitor.version_info(v)) is not None}
        when = self.monitor.alias_read_at or at
        self._routing.append(RoutingChange(min(when, at), before, routing, infos))
        del self._routing[:-MAX_ROUTING_CHANGES]

    def note_diagnosis(self, diagnosis: Diagnosis, at: datetime) -> None:
        """A refresh's diagnosis: causes new to it open, a higher level is a rise, causes it no
        longer names close."""
        named = {cause.kind.value: cause for cause in diagnosis.causes}
        for name, cause in named.items():
            level = cause.level.value
            known = self._open.get(name)
            if known is None:
                self._open[name] = _Open(at, cause.line, level, cause, [])
            elif _LEVEL[level] > _LEVEL[known.best.level.value]:
                known.best = cause
                known.rises.append((at, level, cause.line))
        for name in [n for n in self._open if n not in named]:
            self._closed.append(self._open.pop(name).span(cleared=at))
        del self._closed[:-MAX_CLOSED_CAUSES]

    # -- what is read --------------------------------------------------------------------------

    @property
    def causes(self) -> tuple[CauseSpan, ...]:
        """Every cause named this session, in the order it first appeared (cleared or not)."""
        spans = [*self._closed, *(o.span() for o in self._open.values())]
        return tuple(sorted(spans, key=lambda s: s.first_seen))

    def actions(self, entries: list[JournalEntry] | None = None) -> tuple[ActionTaken, ...]:
        """This session's journaled actions, at the time the cockpit saw each outcome."""
        if entries is None:
            if self._entries is None:
                self._entries = self.journal.entries(session_only=True)
            entries = self._entries
        return tuple(sorted((self._action(e) for e in entries), key=lambda a: a.at))

    def _action(self, entry: JournalEntry) -> ActionTaken:
        return action_from_entry(
            entry, at=self._reported.get(entry.record_id), default=self.started_at
        )

    def _rollout_notes(self) -> list[RolloutNote]:
        r = self.rollouts.rollout
        if r is None:
            return []
        if r.phase.finished and (r.ended_at is None or r.ended_at < self.started_at):
            return []  # a rollout that was over before this session: not this incident's
        notes = []
        for event in r.events:
            severity = _ROLLOUT_SEVERITY.get(event.kind, Severity.INFO)
            if event.kind is RolloutEventKind.END:
                severity = Severity.OK if r.phase is Phase.PROMOTED else Severity.WARN
            notes.append(
                RolloutNote(
                    event.at, r.id, event.kind.value, event.text, r.candidate, r.stable, severity
                )
            )
        return notes

    def _log_events(self) -> list[TimelineEvent]:
        """The feed's log entries, once each (at its first line; the title gives the count)."""
        events = []
        for alert in self.alerts.entries:
            if alert.source is AlertSource.LOG and alert.last_seen >= self.started_at - _LOOKBACK:
                event = alert_event(alert, alert.first_seen)
                if event is not None:
                    events.append(replace(event, key=f"log:{alert.key}"))
        return events

    def events(self, entries: list[JournalEntry] | None = None) -> tuple[TimelineEvent, ...]:
        """Everything on one axis, oldest first."""
        return merge(
            self._occurrences,
            self._log_events(),
            (e for span in self.causes for e in cause_events(span)),
            (routing_event(c) for c in self._routing),
            (rollout_event(n, i) for i, n in enumerate(self._rollout_notes())),
            (action_event(a) for a in self.actions(entries)),
        )

    def impact(self) -> Impact:
        """The impact so far: its span from the panes' health, its figures from the series."""
        impact = impact_figures(
            self._series,
            self.health,
            period_seconds=self.settings.cadence.period_seconds,
            now=self.clock(),
        )
        titles = tuple(self._pane_titles.get(key, key) for key in impact.breached)
        return replace(impact, breached=titles)

    # -- the post-mortem -----------------------------------------------------------------------

    def postmortem(self, entries: list[JournalEntry] | None = None) -> PostMortemInput:
        """What the draft is written from, as of now."""
        stack = self.settings.stack
        diagnosis = self._diagnose()
        identity = self.poller.identity
        target = self.monitor.clients.target.describe()
        if identity is not None and identity.account:
            target = f"account {identity.account} · {target}"
        alarms = tuple(
            (name, definition(alarm)) for name, alarm in sorted(self.monitor.alarms.items())
        )
        routing = self.monitor.alias
        return PostMortemInput(
            generated_at=self.clock(),
            session_started=self.started_at,
            target=target,
            resources=(
                ("Lambda", f"{stack.function_name}:{stack.alias}"),
                ("API Gateway", f"{stack.api_name}/{stack.stage_name}"),
                ("DynamoDB", stack.table_name),
                ("Cognito", stack.user_pool_name),
            ),
            events=self.events(entries),
            impact=self.impact(),
            actions=self.actions(entries),
            causes=self.causes,
            diagnosis_now=diagnosis.summary(),
            diagnosis_notes=diagnosis.notes,
            alarms=alarms,
            routing=routing.describe() if routing else "",
            period_seconds=self.settings.cadence.period_seconds,
        )

    async def export(self) -> Path:
        """Write the post-mortem draft as a new Markdown file in the export directory (never
        over an existing one); returns its path. Raises OSError when it cannot be written."""
        entries = await asyncio.to_thread(self.journal.entries, session_only=True)
        self._entries = entries
        data = self.postmortem(entries)
        text = render(data)
        stamp = f"{data.generated_at.astimezone(UTC):%Y%m%dT%H%M%SZ}"
        return await asyncio.to_thread(_write_new, self.export_dir, f"postmortem-{stamp}", text)


_LOOKBACK = timedelta(minutes=15)
"""Log lines seen this long before the session began still count (the first fetch reads back)."""


def _write_new(directory: Path, stem: str, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for n in range(1, 100):
        path = directory / (f"{stem}.md" if n == 1 else f"{stem}-{n}.md")
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        return path
    raise FileExistsError(f"{directory / stem}.md and 98 numbered copies already exist")


def action_from_entry(
    entry: JournalEntry, *, at: datetime | None = None, default: datetime | None = None
) -> ActionTaken:
    """One journal entry as the timeline shows it: at `at` (the cockpit's clock when it saw
    the outcome) or the journal's own time; after-state as last read back."""
    outcome: dict[str, Any] = entry.outcome or {}
    after = outcome.get("after") or entry.intent.get("planned_after") or []
    if entry.verifications and entry.verifications[-1].get("after"):
        after = entry.verifications[-1]["after"]
    when = at or _parse_time(entry.time) or default or datetime.now(UTC)
    return ActionTaken(
        at=when,
        record_id=entry.record_id,
        action_id=entry.action_id,
        title=entry.title,
        target=entry.target,
        actor=entry.actor,
        result=entry.result,
        verified=entry.verified,
        cli=tuple(str(line) for line in entry.intent.get("cli") or ()),
        reason=entry.reason,
        before=_pairs(entry.intent.get("before")),
        after=_pairs(after),
        error=str(outcome.get("error") or ""),
        request_ids=tuple(str(r) for r in outcome.get("request_ids") or ()),
        undo_of=str(entry.intent.get("undo_of") or ""),
    )


def _parse_time(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _pairs(value: object) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, list):
        return ()
    return tuple(
        (str(p[0]), str(p[1])) for p in value if isinstance(p, (list, tuple)) and len(p) == 2
    )
