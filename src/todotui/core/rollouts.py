"""The rollout driver: runs the controller on every refresh and carries out its alias changes.

The controller (`rollout.controller`) decides; this module acts, through the same path a
person's dialog takes: `ActionRunner.prepare` (validated, live state read, RevisionId
taken), `run` (sent once, verified by reading the alias back, journaled with who acted and
why), and the outcome into the alert feed. The record lives in `RolloutStore` beside the
journal and is re-read before every tick, so a cockpit, another cockpit and
`todotui rollout ...` share one rollout; only the holder of its lease moves it on its own.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from todotui.actions.model import Actor, InvalidInput, Outcome, Plan, Refusal
from todotui.actions.runner import ActionRunner, PlanError
from todotui.alerts.feed import AlertFeed
from todotui.alerts.model import Alert, AlertSource, Severity
from todotui.aws.versions import fetch_alias, fetch_alias_provisioned, fetch_version_info
from todotui.config import Settings
from todotui.core.clock import Clock
from todotui.core.monitor import Monitor
from todotui.rollout.analysis import AnalysisRun
from todotui.rollout.controller import (
    AliasCommand,
    CommandKind,
    CommandResult,
    Observation,
    RolloutController,
)
from todotui.rollout.drift import Drift, find_drift
from todotui.rollout.model import EventKind, Phase, Rollout
from todotui.rollout.steps import Step, StepError, check_steps, strategies
from todotui.rollout.store import RolloutStore
from todotui.telemetry.series import align_down
from todotui.telemetry.versions import AliasRouting, VersionInfo, VersionSamples

log = logging.getLogger(__name__)

PROVISIONED_RECHECK = timedelta(seconds=60)
"""How often a split alias's provisioned concurrency is read (weights block changing it)."""
LEASE_SECONDS = 30.0
"""A driver that has not been seen for this long (or three refreshes) may be taken over."""


class RolloutRefused(Exception):
    """A rollout command that cannot be carried out; the message says why (nothing was sent)."""


@dataclass(frozen=True, slots=True)
class ActResult:
    """What an operator's rollout key did, for the view or the headless verb to say."""

    ok: bool
    message: str


Listener = Callable[[], None]


class RolloutDriver:
    """One alias's rollout, driven from this process."""

    def __init__(
        self,
        settings: Settings,
        *,
        monitor: Monitor,
        runner: ActionRunner,
        alerts: AlertFeed,
        store: RolloutStore,
        clock: Clock,
        stale_reason: Callable[[], str | None],
        report: Callable[[Plan, Outcome], Alert | None],
        grace_seconds: float | None = None,
        owner: str | None = None,
    ) -> None:
        self.settings = settings
        self.monitor = monitor
        self.runner = runner
        self.alerts = alerts
        self.store = store
        self.clock = clock
        self._stale_reason = stale_reason
        self._report = report
        self.grace_seconds = grace_seconds
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.autodrive = True
        """Tick after every refresh (the cockpit, `--watch`); a one-off status query does not."""
        self.controller: RolloutController | None = None
        self.drift: tuple[Drift, ...] = ()
        self.problem: str | None = None
        """Why the rollout record cannot be read or written, in one line (shown on screen)."""
        self._listeners: list[Listener] = []
        self._lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()
        self._seen_alarms: set[str] = set()
        self._reported_drift: set[str] = set()
        self._provisioned: tuple[datetime, int | None] | None = None
        self._infos: dict[str, VersionInfo] = {}
        self._countdown_due: datetime | None = None
        self._timers: dict[asyncio.Task[None], datetime] = {}

    # -- what the view reads -------------------------------------------------------------------

    @property
    def stack(self) -> tuple[str, str]:
        return self.settings.stack.function_name, self.settings.stack.alias

    @property
    def rollout(self) -> Rollout | None:
        return self.controller.rollout if self.controller else None

    @property
    def last_run(self) -> AnalysisRun | None:
        return self.controller.last_run if self.controller else None

    @property
    def routing(self) -> AliasRouting | None:
        return self.monitor.alias

    @property
    def driving(self) -> bool:
        """True when this process moves the rollout on its own (it holds the lease)."""
        r = self.rollout
        return r is not None and r.owner == self.owner

    def strategies(self) -> dict[str, tuple[Step, ...]]:
        return strategies(self.settings.rollouts.custom)

    def samples(self, version: str, *, since: datetime | None = None) -> VersionSamples:
        return self.monitor.version_samples(version, since=since)

    def version_info(self, version: str) -> VersionInfo | None:
        """What is known of a published version: the Monitor's, else one read for the view."""
        return self.monitor.version_info(version) or self._infos.get(version)

    async def describe_versions(self, versions: list[str]) -> dict[str, VersionInfo]:
        """Description, CodeSha256 and publish time of each version (the start dialog lists
        versions the Monitor does not watch): GetFunctionConfiguration once per version, since
        a published version never changes; a failed read is tried again next time."""
        wanted = [v for v in versions if self.version_info(v) is None]
        stack = self.settings.stack
        reads = await asyncio.gather(
            *(fetch_version_info(self.monitor.clients, stack, v) for v in wanted)
        )
        for version, read in zip(wanted, reads, strict=True):
            if read.answer is not None:
                self._infos[version] = read.answer
        return {v: info for v in versions if (info := self.version_info(v)) is not None}

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _changed(self) -> None:
        for listener in list(self._listeners):
            listener()

    # -- the tick ------------------------------------------------------------------------------

    def after_refresh(self) -> None:
        """The poller's listener calls this; the tick runs beside the poll loop, never in it."""
        if not self.autodrive or self._lock.locked():
            return  # a tick (or an alias write) is under way: the next refresh ticks again
        task = asyncio.get_running_loop().create_task(self.tick())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def idle(self) -> None:
        """Wait for the ticks under way (a test's, or `--watch`'s, way to let the driver finish)."""
        while True:
            now = self.clock()
            due = [timer for timer, at in self._timers.items() if at <= now]
            if not self._tasks and not due:
                return
            await asyncio.gather(*self._tasks, *due, return_exceptions=True)

    async def aclose(self) -> None:
        """Stop ticking and hand the lease back, so the next cockpit drives at once."""
        for task in [*self._tasks, *self._timers]:
            task.cancel()
        await asyncio.gather(*self._tasks, *self._timers, return_exceptions=True)
        r = self.rollout
        if r is not None and r.owner == self.owner and r.phase.active:
            async with self._lock:
                await self._reload()
                r = self.rollout
                if r is not None and r.owner == self.owner:
                    r.owner, r.owner_seen_at = "", None
                    r.note(self.clock(), EventKind.CONTROLLER, "the driving cockpit closed")
                    await self._save(r)

    async def tick(self, *, drive: bool = True) -> None:
        """Reload the record, judge, act if this process drives, save. Never raises.

        `drive=False` only looks (a status query); a read-only core never drives."""
        async with self._lock:
            try:
                await self._tick(drive and not self.runner.read_only)
            except Exception as exc:  # a bug must not kill the poll loop's listener
                log.exception("rollout tick failed")
                self.problem = f"rollout controller error: {exc}"
            self._changed()

    async def _tick(self, drive: bool) -> None:
        await self._reload()
        now = self.clock()
        routing = self.monitor.alias
        provisioned = await self._alias_provisioned(routing, now)
        self.drift = find_drift(routing, self.rollout, alias_provisioned=provisioned)
        self._report_drift(now)
        controller = self.controller
        if controller is None:
            return
        r = controller.rollout
        # A finished rollout's candidate costs metrics every refresh for nothing: let it go.
        self.monitor.watch_versions(() if r.phase.finished else (r.stable, r.candidate))
        if not r.phase.active or not drive:
            return
        if not self._take_lease(r, now):
            return  # another process drives it; this one shows it
        self._note_alarms(r, now)
        command = controller.observe(self._observation(controller, now))
        if command is not None:
            await self._carry_out(controller, command)
        await self._save(r)
        if r.pending_abort is not None:
            self._abort_on_time(r.pending_abort.due_at)

    def _abort_on_time(self, due: datetime) -> None:
        """Tick again the moment a countdown ends, not at the next refresh."""
        if self._countdown_due == due:
            return
        self._countdown_due = due

        async def when_due() -> None:
            seconds = (due - self.clock()).total_seconds()
            await self.clock.wait(max(seconds, 0.0), asyncio.Event())
            if self._countdown_due == due:
                await self.tick()

        timer = asyncio.get_running_loop().create_task(when_due())
        self._timers[timer] = due  # `idle` waits for it only once it is due
        timer.add_done_callback(lambda done: self._timers.pop(done, None))

    def _observation(self, controller: RolloutController, now: datetime) -> Observation:
        r = controller.rollout
        # From the start of the period the window opens in: a version's ExecutedVersion figures
        # hold only its own calls, so the period the candidate got its first traffic counts.
        since = align_down(controller.analysis_since(now), self.settings.cadence.period_seconds)
        stale = self._stale_reason()
        return Observation(
            now=now,
            routing=self.monitor.alias,
            fresh=stale is None and self.monitor.alias_error is None,
            candidate=self.monitor.version_samples(r.candidate, since=since),
            stable=self.monitor.version_samples(r.stable, since=since),
            stale_reason=stale or self.monitor.alias_error or "",
        )

    async def _alias_provisioned(self, routing: AliasRouting | None, now: datetime) -> int | None:
        """Provisioned concurrency on the alias, read only while it is split, once a minute."""
        if routing is None or not routing.split:
            self._provisioned = None
            return None
        due = self._provisioned is None or now - self._provisioned[0] >= PROVISIONED_RECHECK
        if due:
            read = await fetch_alias_provisioned(self.monitor.clients, self.settings.stack)
            self._provisioned = (now, read.answer)
        return self._provisioned[1] if self._provisioned else None

    def _report_drift(self, now: datetime) -> None:
        """Each drift once in the alert feed (the rollout view shows it with its fix)."""
        for drift in self.drift:
            key = f"drift:{drift.kind.value}:{drift.text}"
            if key in self._reported_drift:
                continue
            self._reported_drift.add(key)
            self.alerts.extend(
                [
                    Alert(
                        key=key,
                        source=AlertSource.ROLLOUT,
                        severity=Severity.WARN,
                        title=drift.text[:200],
                        body=f"{drift.text}\n\nFix: {drift.fix_words} (b opens the rollout "
                        "view; f there applies the fix, previewed and confirmed).",
                        first_seen=now,
                        last_seen=now,
                    )
                ]
            )
        self._reported_drift &= {f"drift:{d.kind.value}:{d.text}" for d in self.drift}

    def _take_lease(self, r: Rollout, now: datetime) -> bool:
        lease = timedelta(seconds=max(LEASE_SECONDS, 3 * self.monitor.refresh_seconds))
        if r.owner and r.owner != self.owner and r.owner_seen_at and now - r.owner_seen_at < lease:
            return False
        if r.owner != self.owner:
            r.note(now, EventKind.CONTROLLER, f"driven from {self.owner.rsplit(':', 1)[0]}")
        r.owner, r.owner_seen_at = self.owner, now
        return True

    def _note_alarms(self, r: Rollout, now: datetime) -> None:
        """Alarm transitions become timeline markers while the rollout runs."""
        for alert in self.alerts.entries:
            if alert.source is AlertSource.ALARM and alert.key not in self._seen_alarms:
                self._seen_alarms.add(alert.key)
                if alert.first_seen >= r.started_at:
                    r.note(alert.first_seen, EventKind.ALARM, alert.title)

    # -- carrying out ---------------------------------------------------------------------------

    async def _carry_out(self, controller: RolloutController, command: AliasCommand) -> None:
        r = controller.rollout
        result = await self._write_alias(r, command)
        controller.applied(command, result, self.clock())
        if r.phase is Phase.ABORTED and not command.by_operator:
            self._announce(r, Severity.CRIT, f"rollout aborted: {command.reason}")
        elif r.phase is Phase.PROMOTED:
            self._announce(r, Severity.INFO, f"rollout promoted: {r.reason}")
        elif r.phase is Phase.DEGRADED:
            self._announce(r, Severity.CRIT, f"rollout stopped: {r.reason}")

    async def _write_alias(self, r: Rollout, command: AliasCommand) -> CommandResult:
        target: tuple[str, str | None, float]
        if command.kind is CommandKind.SHIFT:
            target = (r.stable, r.candidate, command.weight)
            action = "alias-route"
            values = {
                "version": r.stable,
                "additional_version": r.candidate,
                "weight": repr(command.weight),
            }
        elif command.kind is CommandKind.PROMOTE:
            target = (r.candidate, None, 0.0)
            action = "alias-route"
            values = {"version": r.candidate, "additional_version": "", "weight": ""}
        else:
            target = (r.stable, None, 0.0)
            action, values = "rollback", {"version": r.stable}
        actor = Actor.OPERATOR if command.by_operator else Actor.CONTROLLER
        reason = f"rollout {r.id[:8]} ({r.strategy}): {command.reason}"
        try:
            plan = await self.runner.prepare(action, values)
        except InvalidInput as exc:
            routing = await self._read_alias()
            if routing is not None and routing.routes_like(*target):
                return CommandResult(True, routing)  # already there (a restart mid-write)
            return CommandResult(False, routing, "; ".join(exc.errors.values()))
        except PlanError as exc:
            return CommandResult(False, None, str(exc))
        outcome = await self.runner.run(
            plan, typed_confirmation=plan.confirm_text, actor=actor, reason=reason
        )
        self._report(plan, outcome)
        routing = await self._read_alias()
        if outcome.ok and outcome.verified:
            return CommandResult(True, routing)
        conflict = (
            outcome.error_code == "PreconditionFailedException"
            or outcome.refusal is Refusal.CHANGED
        )
        words = outcome.error or outcome.message or outcome.status.value
        return CommandResult(False, routing, words, conflict=conflict)

    async def _read_alias(self) -> AliasRouting | None:
        """GetAlias now; the answer is also the Monitor's (it is newer than its last refresh)."""
        read = await fetch_alias(self.monitor.clients, self.settings.stack)
        if read.answer is not None:
            self.monitor.note_alias(read.answer)
        return read.answer

    def _announce(self, r: Rollout, severity: Severity, text: str) -> None:
        now = self.clock()
        self.alerts.extend(
            [
                Alert(
                    key=f"rollout:{r.id}:{r.phase.value}:{len(r.events)}",
                    source=AlertSource.ROLLOUT,
                    severity=severity,
                    title=text[:200],
                    body=f"{text}\n\nRollout of version {r.candidate} onto "
                    f"{r.function}:{r.alias} ({r.strategy}). Press b for the rollout view.",
                    first_seen=now,
                    last_seen=now,
                )
            ]
        )

    # -- the record ----------------------------------------------------------------------------

    async def _reload(self) -> None:
        function, alias = self.stack
        scope = await self._scope()
        try:
            stored = await asyncio.to_thread(self.store.load, scope, function, alias)
        except (OSError, ValueError) as exc:
            self.problem = f"cannot read the rollout record: {exc}"
            return
        self.problem = None
        if stored is None:
            self.controller = None
            return
        if self.controller is not None and self.controller.rollout.id == stored.id:
            last_run = self.controller.last_run
            self.controller = self._controller_for(stored)
            self.controller.last_run = last_run
        else:
            self.controller = self._controller_for(stored)

    def _controller_for(self, rollout: Rollout) -> RolloutController:
        return RolloutController(rollout, self.settings.rollouts, grace_seconds=self.grace_seconds)

    async def _scope(self) -> str:
        """Which AWS world the record belongs to: account (STS, read once), region, endpoint."""
        caller = await self.runner.caller_identity()
        parts = caller.split(":")
        account = parts[4] if caller.startswith("arn:") and len(parts) > 4 else "unknown-account"
        target = self.monitor.clients.target
        return f"{account}/{target.region or '-'}/{target.endpoint_url or 'aws'}"

    async def _save(self, r: Rollout) -> None:
        scope = await self._scope()
        try:
            await asyncio.to_thread(self.store.save, scope, r)
        except OSError as exc:
            self.problem = f"cannot save the rollout record ({exc.strerror}): progress may be lost"

    # -- operator keys ---------------------------------------------------------------------------

    async def start(
        self, candidate: str, *, strategy: str, steps: tuple[Step, ...] | None = None
    ) -> ActResult:
        """Start rolling `candidate` out: validated, the first step carried out at once."""
        async with self._lock:
            try:
                result = await self._start(candidate, strategy, steps)
            except RolloutRefused as exc:
                result = ActResult(False, str(exc))
            self._changed()
            return result

    async def _start(
        self, candidate: str, strategy: str, steps: tuple[Step, ...] | None
    ) -> ActResult:
        function, alias = self.stack
        await self._reload()
        current = self.rollout
        if current is not None and not current.phase.finished:
            raise RolloutRefused(
                f"a rollout of version {current.candidate} is {current.phase.value}: "
                "promote or abort it first"
            )
        if self.runner.read_only:
            raise RolloutRefused("read-only mode: a rollout changes the alias; nothing was sent")
        if steps is None:
            plans = self.strategies()
            if strategy not in plans:
                raise RolloutRefused(
                    f"unknown strategy {strategy!r}: choose one of {', '.join(plans)}"
                )
            steps = plans[strategy]
        try:
            steps = check_steps(steps)
        except StepError as exc:
            raise RolloutRefused(str(exc)) from None
        routing = await self._read_alias()
        if routing is None:
            raise RolloutRefused(
                f"cannot read alias {function}:{alias}: {self.monitor.alias_error or 'no answer'}"
            )
        if routing.split:
            raise RolloutRefused(
                f"{function}:{alias} is already split ({routing.describe()}): restore one "
                "version first (the drift warning's fix)"
            )
        text = candidate.strip()
        if text.upper() == "$LATEST":
            raise RolloutRefused(
                "a rollout needs a published version, never $LATEST: publish it first"
            )
        if not text.isdigit():
            raise RolloutRefused(f"{text!r} is not a version number")
        if text == routing.primary:
            raise RolloutRefused(f"version {text} already serves all of {alias}'s traffic")
        if routing.primary == "$LATEST":
            raise RolloutRefused(f"{alias} points at $LATEST: there is no stable version to keep")
        now = self.clock()
        rollout = Rollout(
            id=uuid.uuid4().hex,
            function=function,
            alias=alias,
            stable=routing.primary,
            candidate=text,
            strategy=strategy,
            steps=steps,
            started_at=now,
            started_by=await self.runner.caller_identity(),
            revision_id=routing.revision_id,
            owner=self.owner,
            owner_seen_at=now,
        )
        rollout.note(
            now,
            EventKind.START,
            f"started: version {routing.primary} -> {text}, {strategy} "
            f"({', '.join(s.describe() for s in steps)})",
        )
        self.controller = self._controller_for(rollout)
        self.monitor.watch_versions((rollout.stable, rollout.candidate))
        command = self.controller.observe(self._observation(self.controller, now))
        if command is not None:
            command = AliasCommand(command.kind, command.weight, command.reason, True)
            await self._carry_out(self.controller, command)
        await self._save(rollout)
        if rollout.phase is Phase.DEGRADED:
            return ActResult(False, rollout.reason)
        return ActResult(True, f"rollout started: {rollout.events[-1].text}")

    async def promote(self, *, full: bool = False) -> ActResult:
        return await self._operator(lambda c, now: c.promote(now, full=full), "promoted")

    async def abort(self) -> ActResult:
        return await self._operator(lambda c, now: c.abort(now), "aborted")

    async def retry(self) -> ActResult:
        return await self._operator(lambda c, now: c.retry(now), "retried")

    async def pause(self) -> ActResult:
        return await self._operator(lambda c, now: c.pause(now), "paused")

    async def resume(self) -> ActResult:
        return await self._operator(lambda c, now: c.resume(now), "resumed")

    async def hold(self) -> ActResult:
        """Cancel the automatic abort's countdown."""

        def hold(controller: RolloutController, now: datetime) -> None:
            controller.hold(now)

        return await self._operator(hold, "held")

    async def _operator(
        self,
        act: Callable[[RolloutController, datetime], AliasCommand | None],
        verb: str,
    ) -> ActResult:
        async with self._lock:
            try:
                await self._reload()
                controller = self.controller
                if controller is None:
                    return ActResult(False, "no rollout on this alias")
                r = controller.rollout
                before = (r.phase, r.step_index, r.held, r.pending_abort)
                if self.runner.read_only and verb not in ("paused", "held"):
                    return ActResult(False, "read-only mode: the alias is not changed")
                command = act(controller, self.clock())
                if command is not None:
                    await self._carry_out(controller, command)
                elif (r.phase, r.step_index, r.held, r.pending_abort) == before:
                    return ActResult(False, f"nothing to do: the rollout is {r.phase.value}")
                await self._save(r)
                ok = r.phase is not Phase.DEGRADED
                return ActResult(ok, f"rollout {verb}: {r.events[-1].text}" if ok else r.reason)
            finally:
                self._changed()
