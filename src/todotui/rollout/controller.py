"""The rollout controller: from what the cockpit sees, decide the next alias change (or none).

Pure: it never calls AWS. The core's driver (`core.rollouts`) feeds it an `Observation`
after every refresh, carries out the `AliasCommand` it returns through the same guarded
action path a person uses (plan, execute once, verify, journal), and reports back with
`applied`. Operator keys (promote, pause, resume, hold, abort, retry) are methods here too,
so a person and the controller change the same record by the same rules:

- analysis every `analysis_interval_seconds` while the candidate has traffic; a failure
  spends one of `failure_budget` (a critical one, an absolute limit, spends it all); when the
  budget is spent an abort counts down `abort_grace_seconds`, which `hold` cancels;
- a timed pause, an "analyse" step, ends only on a passing analysis made during it:
  inconclusive holds (never passes), and `inconclusive_limit` in a row hands over to a person;
- stale telemetry holds everything but an abort; `stale_limit` intervals of it hand over;
- the alias not where this rollout left it stops the rollout (degraded) and says what changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from todotui.config import Rollouts
from todotui.rollout.analysis import AnalysisRun, Verdict, analyse
from todotui.rollout.model import EventKind, PendingAbort, Phase, Rollout, Sample
from todotui.rollout.steps import StepKind, duration_words
from todotui.telemetry.versions import AliasRouting, VersionSamples


class CommandKind(StrEnum):
    SHIFT = "shift"
    """Stable stays primary; the candidate gets `weight`."""
    PROMOTE = "promote"
    """The candidate becomes primary with all traffic; weights cleared."""
    ABORT = "abort"
    """Stable gets all traffic back; weights cleared."""


@dataclass(frozen=True, slots=True)
class AliasCommand:
    """One alias write the driver must make, and why (the journal's reason)."""

    kind: CommandKind
    weight: float
    reason: str
    by_operator: bool = False

    def describe(self, rollout: Rollout) -> str:
        if self.kind is CommandKind.SHIFT:
            return f"shift {self.weight * 100:g}% to version {rollout.candidate}"
        if self.kind is CommandKind.PROMOTE:
            return f"promote version {rollout.candidate} (100%, weights cleared)"
        return f"abort: all traffic back to version {rollout.stable}, weights cleared"


@dataclass(frozen=True, slots=True)
class Observation:
    """What the cockpit knows right now, for one controller tick."""

    now: datetime
    routing: AliasRouting | None
    """The alias as last read (None when it could not be read)."""
    fresh: bool
    """False when the telemetry is stale: nothing but an abort may happen on old data."""
    candidate: VersionSamples
    stable: VersionSamples
    """Both versions' complete periods since `analysis_since(now)`."""
    stale_reason: str = ""


@dataclass(frozen=True, slots=True)
class CommandResult:
    """How the driver's alias write went."""

    ok: bool
    """Sent once and verified by reading the alias back."""
    routing: AliasRouting | None = None
    """The alias as read back (or as read when the write was refused)."""
    error: str = ""
    """AWS's words, or the runner's, when not ok."""
    conflict: bool = False
    """Someone else changed the alias (412 on a stale RevisionId, or changed since the plan)."""


class RolloutController:
    """Decides one rollout's alias changes. Mutates `rollout`; the driver persists it."""

    def __init__(self, rollout: Rollout, settings: Rollouts, *, grace_seconds: float | None = None):
        self.rollout = rollout
        self.settings = settings
        self.grace_seconds = (
            settings.abort_grace_seconds if grace_seconds is None else grace_seconds
        )
        """Headless runs have nobody to press the key: they abort at once (0)."""
        self.last_run: AnalysisRun | None = None
        """The latest analysis (kept in memory; its summary is in the events)."""

    @property
    def interval(self) -> timedelta:
        return timedelta(seconds=self.settings.analysis_interval_seconds)

    def analysis_since(self, now: datetime) -> datetime:
        """Where the next analysis's window starts: never before the candidate got traffic."""
        window = now - timedelta(seconds=self.settings.analysis_window_seconds)
        first = self.rollout.first_shift_at
        return max(first, window) if first else window

    # -- the tick ------------------------------------------------------------------------------

    def observe(self, obs: Observation) -> AliasCommand | None:
        """One tick: judge, count down, check the alias; the command to carry out, if any."""
        r = self.rollout
        if not r.phase.active:
            return None
        if obs.routing is not None and not r.matches(obs.routing):
            self._degrade(obs.now, self._outside_change(obs.routing))
            return None
        if r.pending_abort and obs.now >= r.pending_abort.due_at:
            return AliasCommand(CommandKind.ABORT, 0.0, r.pending_abort.reason)
        if not obs.fresh:
            self._hold_for_stale(obs)
            return None
        if r.stale_since is not None:
            r.note(obs.now, EventKind.CONTROLLER, "telemetry fresh again: the rollout goes on")
            r.stale_since = None
        if self._analysis_due(obs.now):
            command = self._judge(obs)
            if command:
                return command
        if r.held or r.phase is Phase.PAUSED:
            return None
        return self._advance(obs.now)

    def _analysis_due(self, now: datetime) -> bool:
        r = self.rollout
        if r.weight <= 0 or r.first_shift_at is None:
            return False
        last = r.last_analysis_at or r.first_shift_at
        return now - last >= self.interval

    def _judge(self, obs: Observation) -> AliasCommand | None:
        r, s = self.rollout, self.settings
        run = analyse(
            obs.candidate,
            obs.stable,
            s,
            at=obs.now,
            window_start=self.analysis_since(obs.now),
            window_end=obs.now,
        )
        self.last_run = run
        r.last_analysis_at = obs.now
        latency = "p99" if obs.candidate.duration_p99 is not None else "avg"
        r.add_sample(
            Sample(
                obs.now,
                r.weight,
                obs.candidate.error_pct,
                obs.stable.error_pct,
                obs.candidate.duration_p99 if latency == "p99" else obs.candidate.duration_avg,
                obs.stable.duration_p99 if latency == "p99" else obs.stable.duration_avg,
                run.verdict.value,
            )
        )
        if run.verdict is Verdict.PASS:
            r.last_pass_at = obs.now
            r.inconclusive_streak = 0
        elif run.verdict is Verdict.INCONCLUSIVE:
            r.inconclusive_streak += 1
        else:
            r.inconclusive_streak = 0
            r.failures = s.failure_budget if run.critical else r.failures + 1
        r.note(obs.now, EventKind.VERDICT, run.summary())
        if run.verdict is Verdict.FAIL and r.failures >= s.failure_budget and not r.held:
            reason = f"failure budget spent ({r.failures}/{s.failure_budget}): {run.summary()}"
            if r.pending_abort is None:
                if self.grace_seconds <= 0:
                    return AliasCommand(CommandKind.ABORT, 0.0, reason)
                due = obs.now + timedelta(seconds=self.grace_seconds)
                r.pending_abort = PendingAbort(due, reason)
                r.note(
                    obs.now,
                    EventKind.CONTROLLER,
                    f"aborting in {duration_words(self.grace_seconds)} unless held: {reason}",
                )
        return None

    def _hold_for_stale(self, obs: Observation) -> None:
        r = self.rollout
        if r.stale_since is None:
            r.stale_since = obs.now
            r.note(
                obs.now,
                EventKind.CONTROLLER,
                f"holding: telemetry is stale ({obs.stale_reason or 'no fresh data'}); "
                "nothing is promoted on old data",
            )
            return
        limit = self.interval * self.settings.stale_limit
        if obs.now - r.stale_since >= limit and r.phase is not Phase.PAUSED:
            self._pause(
                obs.now,
                f"telemetry stale for {duration_words(limit.total_seconds())}: handed over to "
                "you (promote, resume or abort)",
                EventKind.CONTROLLER,
            )

    def _advance(self, now: datetime) -> AliasCommand | None:
        r = self.rollout
        step = r.step
        if step is None:
            return None
        if r.step_started_at is None:
            r.step_started_at = now
        if step.kind is StepKind.WEIGHT:
            assert step.weight is not None
            if step.weight >= 1:
                return AliasCommand(CommandKind.PROMOTE, 1.0, f"step {r.step_label}: promote")
            return AliasCommand(
                CommandKind.SHIFT, step.weight, f"step {r.step_label}: {step.describe()}"
            )
        if step.kind is StepKind.WAIT:
            self._pause(now, f"step {r.step_label}: waiting for you to promote", EventKind.STEP)
            return None
        if step.kind is StepKind.PAUSE and (r.pause_left(now) or 0) > 0:
            r.phase = Phase.PROGRESSING
            return None
        # A pause that has run its time, or an analyse step: the gate wants a fresh pass.
        if r.last_pass_at is not None and r.last_pass_at >= r.step_started_at:
            r.note(now, EventKind.STEP, f"step {r.step_label} done: {step.describe()} passed")
            self._next_step(now)
            return self._advance(now)
        r.phase = Phase.ANALYSING
        if r.inconclusive_streak >= self.settings.inconclusive_limit:
            self._pause(
                now,
                f"analysis inconclusive {r.inconclusive_streak} times in a row: handed over to "
                "you (promote or abort)",
                EventKind.CONTROLLER,
            )
        return None

    def _next_step(self, now: datetime) -> None:
        r = self.rollout
        r.step_index += 1
        r.step_started_at = now
        r.inconclusive_streak = 0
        if r.phase is Phase.ANALYSING:
            r.phase = Phase.PROGRESSING

    # -- after a write ------------------------------------------------------------------------

    def applied(self, command: AliasCommand, result: CommandResult, now: datetime) -> None:
        """The driver's write went (or did not); move the record on accordingly."""
        r = self.rollout
        who = "you" if command.by_operator else "the controller"
        if not result.ok:
            what = command.describe(r)
            if result.conflict:
                now_text = result.routing.describe() if result.routing else "unknown"
                self._degrade(
                    now,
                    f"stopped: the alias changed outside this rollout ({result.error}); it is now "
                    f"{now_text}. Nothing more is sent; abort restores version {r.stable}",
                )
            else:
                self._degrade(now, f"{what} failed: {result.error}")
            return
        if result.routing is not None:
            r.revision_id = result.routing.revision_id
        if command.kind is CommandKind.ABORT:
            r.phase, r.weight, r.pending_abort = Phase.ABORTED, 0.0, None
            r.reason = command.reason
            r.ended_at = now
            why = "" if command.by_operator else f": {command.reason}"
            r.note(now, EventKind.END, f"aborted by {who}{why}")
            return
        if command.kind is CommandKind.PROMOTE:
            r.phase, r.weight, r.step_index = Phase.PROMOTED, 1.0, len(r.steps)
            r.reason = f"version {r.candidate} serves all traffic"
            r.ended_at = now
            r.note(now, EventKind.END, f"promoted by {who}: {r.reason}")
            return
        if r.first_shift_at is None:
            r.first_shift_at = now
        r.weight, r.weight_set_at = command.weight, now
        r.note(now, EventKind.STEP, f"{command.describe(r)} ({who})")
        step = r.step
        if step is not None and step.kind is StepKind.WEIGHT and step.weight == command.weight:
            self._next_step(now)

    # -- operator keys ------------------------------------------------------------------------

    def promote(self, now: datetime, *, full: bool = False) -> AliasCommand | None:
        """Skip the current pause or gate (or, `full`, every step left): a person's decision."""
        r = self.rollout
        if not r.phase.active:
            return None
        r.held, r.pending_abort = False, None
        if full:
            r.note(now, EventKind.OPERATOR, "full promotion asked: the remaining steps are skipped")
            return AliasCommand(CommandKind.PROMOTE, 1.0, "promoted fully by the operator", True)
        step = r.step
        if step is not None and step.kind is not StepKind.WEIGHT:
            r.note(
                now, EventKind.OPERATOR, f"promoted past step {r.step_label} ({step.describe()})"
            )
            self._next_step(now)
        r.phase = Phase.PROGRESSING
        command = self._advance(now)
        return command and AliasCommand(command.kind, command.weight, command.reason, True)

    def pause(self, now: datetime) -> None:
        r = self.rollout
        if r.phase.active and not r.held:
            self._pause(now, "paused by the operator", EventKind.OPERATOR)

    def resume(self, now: datetime) -> None:
        r = self.rollout
        if r.phase is not Phase.PAUSED:
            return
        r.held, r.phase, r.reason = False, Phase.PROGRESSING, ""
        r.stale_since, r.inconclusive_streak = None, 0
        if r.step is not None and r.step.kind is StepKind.WAIT:
            self._next_step(now)
        r.note(now, EventKind.OPERATOR, "resumed by the operator")

    def hold(self, now: datetime) -> bool:
        """Cancel a counting-down abort: the rollout waits for a person instead. True if one was."""
        r = self.rollout
        if r.pending_abort is None:
            return False
        r.pending_abort = None
        self._pause(
            now,
            f"automatic abort held by the operator ({r.failures}/{self.settings.failure_budget} "
            "failures): promote, resume or abort",
            EventKind.OPERATOR,
        )
        return True

    def abort(self, now: datetime, reason: str = "aborted by the operator") -> AliasCommand | None:
        r = self.rollout
        if r.phase.finished:
            return None
        r.note(now, EventKind.OPERATOR, reason)
        return AliasCommand(CommandKind.ABORT, 0.0, reason, True)

    def retry(self, now: datetime) -> AliasCommand | None:
        """After an abort: start the same plan again from its first step, budget refilled."""
        r = self.rollout
        if r.phase is not Phase.ABORTED:
            return None
        r.phase, r.step_index, r.step_started_at = Phase.PROGRESSING, 0, None
        r.failures = r.inconclusive_streak = 0
        r.first_shift_at = r.last_analysis_at = r.last_pass_at = r.ended_at = None
        r.weight_set_at = None
        r.pending_abort, r.held, r.reason = None, False, ""
        self.last_run = None  # it judged the attempt before: it says nothing about this one
        r.note(now, EventKind.OPERATOR, "retried by the operator from step 1")
        command = self._advance(now)
        return command and AliasCommand(command.kind, command.weight, command.reason, True)

    # -- states ---------------------------------------------------------------------------------

    def _pause(self, now: datetime, reason: str, kind: EventKind) -> None:
        r = self.rollout
        r.phase, r.held, r.reason = Phase.PAUSED, True, reason
        r.note(now, kind, reason)

    def _degrade(self, now: datetime, reason: str) -> None:
        r = self.rollout
        r.phase, r.reason, r.pending_abort = Phase.DEGRADED, reason, None
        r.note(now, EventKind.PROBLEM, reason)

    def _outside_change(self, routing: AliasRouting) -> str:
        r = self.rollout
        primary, additional, weight = r.expected_routing()
        expected = AliasRouting(r.function, r.alias, primary, additional, weight).describe()
        return (
            f"stopped: the alias was changed outside this rollout: it is now "
            f"{routing.describe()}, the rollout left it at {expected}. Nothing more is sent; "
            f"abort restores version {r.stable}"
        )
