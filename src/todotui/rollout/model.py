"""A rollout as it is persisted and shown: who, what, where it stands, and what happened.

One `Rollout` per function alias. It is written beside the journal after every change
(`rollout.store`), so a restarted cockpit, another cockpit, or `todotui rollout status`
find it and pick it up from the alias's real routing. Pure data: no IO.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from todotui.rollout.steps import Step, StepKind, parse_step
from todotui.telemetry.versions import AliasRouting


class Phase(StrEnum):
    IDLE = "idle"
    """No rollout on this alias (shown when there is none, never stored)."""
    PROGRESSING = "progressing"
    PAUSED = "paused"
    """Waiting for a person: a "pause until promoted" step, the operator's pause, or a hand-over."""
    ANALYSING = "analysing"
    """At a gate, waiting for a passing analysis."""
    PROMOTED = "promoted"
    ABORTED = "aborted"
    """Traffic back on stable, weights cleared (verified)."""
    DEGRADED = "degraded"
    """Stopped with the alias not where the rollout put it: a change from outside, or a write
    that failed. The operator decides (abort restores stable)."""

    @property
    def finished(self) -> bool:
        return self in (Phase.PROMOTED, Phase.ABORTED)

    @property
    def active(self) -> bool:
        """The controller still acts on its own (degraded waits for a person, but is not over)."""
        return self in (Phase.PROGRESSING, Phase.ANALYSING, Phase.PAUSED)


class EventKind(StrEnum):
    START = "start"
    STEP = "step"
    VERDICT = "verdict"
    OPERATOR = "operator"
    CONTROLLER = "controller"
    ALARM = "alarm"
    PROBLEM = "problem"
    END = "end"


@dataclass(frozen=True, slots=True)
class Event:
    """One timeline marker: a step, a verdict, an alarm, an action of a person or the controller."""

    at: datetime
    kind: EventKind
    text: str


@dataclass(frozen=True, slots=True)
class Sample:
    """The timeline's figures at one analysis: the weight and both versions' health."""

    at: datetime
    weight: float
    candidate_error_pct: float | None
    stable_error_pct: float | None
    candidate_latency_ms: float | None
    stable_latency_ms: float | None
    verdict: str
    """The analysis's overall verdict ("pass", "fail", "inconclusive")."""


@dataclass(frozen=True, slots=True)
class PendingAbort:
    """An automatic abort counting down on screen; one key cancels it (`hold`)."""

    due_at: datetime
    reason: str


MAX_EVENTS = 400
MAX_SAMPLES = 720


@dataclass(slots=True)
class Rollout:
    """One rollout of `candidate` onto `function:alias`, replacing `stable`."""

    id: str
    function: str
    alias: str
    stable: str
    candidate: str
    strategy: str
    steps: tuple[Step, ...]
    started_at: datetime
    started_by: str
    phase: Phase = Phase.PROGRESSING
    step_index: int = 0
    """The step being worked on (== len(steps) once promoted)."""
    step_started_at: datetime | None = None
    weight: float = 0.0
    """The candidate's share as last written and verified by this rollout."""
    first_shift_at: datetime | None = None
    """When the candidate first got traffic: no analysis looks further back."""
    weight_set_at: datetime | None = None
    """When the current weight was written and verified (observed shares count from then)."""
    revision_id: str | None = None
    """The alias's RevisionId after this rollout's last verified write."""
    failures: int = 0
    """Failed analyses so far (cumulative; a critical failure spends the whole budget)."""
    inconclusive_streak: int = 0
    stale_since: datetime | None = None
    last_analysis_at: datetime | None = None
    last_pass_at: datetime | None = None
    pending_abort: PendingAbort | None = None
    held: bool = False
    """The operator paused it or held it instead of an abort: nothing moves on its own."""
    reason: str = ""
    """Why it is paused, degraded, aborted or promoted, in one line."""
    ended_at: datetime | None = None
    owner: str = ""
    """The process that moves the rollout on its own (host:pid:session); others only show it."""
    owner_seen_at: datetime | None = None
    """When the owner last ticked: a lease that runs out lets another process take over."""
    events: list[Event] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)

    # -- what the view shows ---------------------------------------------------------------

    @property
    def step(self) -> Step | None:
        return self.steps[self.step_index] if self.step_index < len(self.steps) else None

    @property
    def step_label(self) -> str:
        """ "2/3" (steps are counted from 1; "3/3" once promoted)."""
        return f"{min(self.step_index + 1, len(self.steps))}/{len(self.steps)}"

    def pause_left(self, now: datetime) -> float | None:
        """Seconds left in the current timed pause (None when not in one)."""
        step = self.step
        if step is None or step.kind is not StepKind.PAUSE or self.step_started_at is None:
            return None
        assert step.seconds is not None
        return max(0.0, step.seconds - (now - self.step_started_at).total_seconds())

    def expected_routing(self) -> tuple[str, str | None, float]:
        """(primary, additional, weight) the alias should show if nobody else touched it."""
        if self.phase is Phase.PROMOTED:
            return self.candidate, None, 0.0
        if self.phase is Phase.ABORTED or self.weight <= 0:
            return self.stable, None, 0.0
        return self.stable, self.candidate, self.weight

    def matches(self, routing: AliasRouting) -> bool:
        return routing.routes_like(*self.expected_routing())

    def note(self, at: datetime, kind: EventKind, text: str) -> None:
        self.events.append(Event(at, kind, text))
        del self.events[:-MAX_EVENTS]

    def add_sample(self, sample: Sample) -> None:
        self.samples.append(sample)
        del self.samples[:-MAX_SAMPLES]

    # -- persistence -----------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        def when(moment: datetime | None) -> str | None:
            return moment.isoformat() if moment else None

        return {
            "id": self.id,
            "function": self.function,
            "alias": self.alias,
            "stable": self.stable,
            "candidate": self.candidate,
            "strategy": self.strategy,
            "steps": [s.word for s in self.steps],
            "started_at": when(self.started_at),
            "started_by": self.started_by,
            "phase": self.phase.value,
            "step_index": self.step_index,
            "step_started_at": when(self.step_started_at),
            "weight": self.weight,
            "first_shift_at": when(self.first_shift_at),
            "weight_set_at": when(self.weight_set_at),
            "revision_id": self.revision_id,
            "failures": self.failures,
            "inconclusive_streak": self.inconclusive_streak,
            "stale_since": when(self.stale_since),
            "last_analysis_at": when(self.last_analysis_at),
            "last_pass_at": when(self.last_pass_at),
            "pending_abort": (
                {"due_at": when(self.pending_abort.due_at), "reason": self.pending_abort.reason}
                if self.pending_abort
                else None
            ),
            "held": self.held,
            "reason": self.reason,
            "ended_at": when(self.ended_at),
            "owner": self.owner,
            "owner_seen_at": when(self.owner_seen_at),
            "events": [[when(e.at), e.kind.value, e.text] for e in self.events],
            "samples": [
                [
                    when(s.at),
                    s.weight,
                    s.candidate_error_pct,
                    s.stable_error_pct,
                    s.candidate_latency_ms,
                    s.stable_latency_ms,
                    s.verdict,
                ]
                for s in self.samples
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Rollout:
        """The rollout `to_json` wrote; raises KeyError/ValueError on a damaged record."""

        def when(text: str | None) -> datetime | None:
            return datetime.fromisoformat(text) if text else None

        pending = data.get("pending_abort")
        started = when(data["started_at"])
        assert started is not None
        return cls(
            id=data["id"],
            function=data["function"],
            alias=data["alias"],
            stable=data["stable"],
            candidate=data["candidate"],
            strategy=data["strategy"],
            steps=tuple(parse_step(w) for w in data["steps"]),
            started_at=started,
            started_by=data.get("started_by", ""),
            phase=Phase(data["phase"]),
            step_index=int(data["step_index"]),
            step_started_at=when(data.get("step_started_at")),
            weight=float(data.get("weight", 0.0)),
            first_shift_at=when(data.get("first_shift_at")),
            weight_set_at=when(data.get("weight_set_at")),
            revision_id=data.get("revision_id"),
            failures=int(data.get("failures", 0)),
            inconclusive_streak=int(data.get("inconclusive_streak", 0)),
            stale_since=when(data.get("stale_since")),
            last_analysis_at=when(data.get("last_analysis_at")),
            last_pass_at=when(data.get("last_pass_at")),
            pending_abort=(
                PendingAbort(when(pending["due_at"]) or started, pending["reason"])
                if pending
                else None
            ),
            held=bool(data.get("held", False)),
            reason=data.get("reason", ""),
            ended_at=when(data.get("ended_at")),
            owner=data.get("owner", ""),
            owner_seen_at=when(data.get("owner_seen_at")),
            events=[
                Event(when(at) or started, EventKind(kind), text)
                for at, kind, text in data.get("events", [])
            ],
            samples=[Sample(when(row[0]) or started, *row[1:]) for row in data.get("samples", [])],
        )
