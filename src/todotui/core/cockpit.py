"""What lives as long as the process: clients, monitor, poller, alert store, runner, journal.

The CLI builds one `Cockpit` (for the cockpit, for `--demo` around its sandbox, for headless
verbs) and closes it on the way out, crash included. The UI renders its state and asks it
to act; nothing here imports Textual. A failing poll loop never rebuilds any of it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from types import TracebackType

from todotui import locations
from todotui.actions.journal import Journal
from todotui.actions.model import Outcome, OutcomeStatus, Plan
from todotui.actions.report import outcome_alert
from todotui.actions.runner import ActionRunner
from todotui.alerts.diagnosis import Diagnosis, diagnose
from todotui.alerts.feed import AlertFeed
from todotui.alerts.model import Alert
from todotui.alerts.remedy import Finding, findings
from todotui.aws.session import AwsClients, StaticCredentials
from todotui.config import AwsTarget, Settings
from todotui.core.check import run_check
from todotui.core.clock import Clock, SystemClock
from todotui.core.fleet import FleetWatch, member_settings
from todotui.core.monitor import Monitor
from todotui.core.poller import Poller, PollEvent, Refreshed
from todotui.core.rollouts import RolloutDriver
from todotui.core.timeline import IncidentRecorder
from todotui.reports.check import CheckReport
from todotui.rollout.store import RolloutStore
from todotui.telemetry.fleet import Member

Connect = Callable[[], Awaitable[tuple[AwsTarget, StaticCredentials | None]]]
"""Finds out where to send calls once it is known (the demo: when its sandbox is up)."""


class Cockpit:
    """One AWS target watched and acted on. Use as `async with Cockpit(settings) as core:`."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        journal: Journal | None = None,
        credentials: StaticCredentials | None = None,
        connect: Connect | None = None,
        verify_poll_interval: float = 2.0,
        export_dir: Path | None = None,
        rollout_grace_seconds: float | None = None,
    ) -> None:
        """`connect` given: no call leaves until it has said where calls go.

        `rollout_grace_seconds` overrides the settings' abort countdown (headless: 0)."""
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        self.clients = AwsClients(None if connect else settings.aws, credentials=credentials)
        self.alerts = AlertFeed()
        """The one alert store: refreshes and action outcomes alike; the feed renders it."""
        self.journal = journal or Journal()
        self.export_dir = export_dir or locations.data_dir() / "exports"
        """Where files the operator asks for go (exports, the post-mortem draft)."""
        self.monitor = Monitor(settings, clients=self.clients, clock=self.clock, alerts=self.alerts)
        self.runner = ActionRunner(
            settings,
            self.clients,
            journal=self.journal,
            poll_interval=verify_poll_interval,
            export_dir=self.export_dir,
            now=self.clock,
        )
        self._connect = connect
        self.poller = Poller(
            self.monitor, self.clock, connect=self._point_clients if connect else None
        )
        self.plans: dict[str, Plan] = {}
        """This session's plans by journal record id: what "verify again" needs."""
        self._diagnosed: tuple[_Held, tuple[Diagnosis, tuple[Finding, ...]]] | None = None
        """The last diagnosis and what it was made from: the timeline's recorder and the
        diagnosis line both ask after each refresh, and nothing held has changed between."""
        self.rollouts = RolloutDriver(
            settings,
            monitor=self.monitor,
            runner=self.runner,
            alerts=self.alerts,
            store=RolloutStore(self.journal.path.parent / "rollouts.json"),
            clock=self.clock,
            stale_reason=self.stale_reason,
            report=self.report,
            grace_seconds=rollout_grace_seconds,
        )
        """The alias's rollout: ticked after every refresh, acted on by keys and verbs."""
        self.poller.subscribe(self._after_poll)
        self.timeline = IncidentRecorder(
            settings,
            monitor=self.monitor,
            poller=self.poller,
            alerts=self.alerts,
            journal=self.journal,
            rollouts=self.rollouts,
            diagnose=lambda: self.diagnose()[0],
            clock=self.clock,
            export_dir=self.export_dir,
        )
        """This session's incident timeline; `timeline.export()` writes the post-mortem draft."""
        self.fleet = FleetWatch(settings, self.clients, self.clock)
        """The fleet's members and last ranked refresh (the `F` view refreshes it)."""

    # -- lifetime -----------------------------------------------------------------------------

    async def __aenter__(self) -> Cockpit:
        await self.clients.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Stop the rollout driver's tick, close every AWS client; safe to call more than once."""
        await self.rollouts.aclose()
        await self.clients.__aexit__(None, None, None)

    def _after_poll(self, event: PollEvent) -> None:
        if isinstance(event, Refreshed):
            self.rollouts.after_refresh()

    async def _point_clients(self) -> None:
        assert self._connect is not None
        target, credentials = await self._connect()
        self.clients.point_at(target, credentials)

    def member_monitor(self, member: Member) -> Monitor:
        """A Monitor of one fleet member on the core's clients (its own alert store: the
        member's view is read-only, and its alerts stay out of the cockpit's feed)."""
        return Monitor(
            member_settings(self.settings, member),
            clients=self.clients,
            clock=self.clock,
            alerts=AlertFeed(),
        )

    # -- outcomes -----------------------------------------------------------------------------

    def report(self, plan: Plan, outcome: Outcome) -> Alert | None:
        """An action's outcome into the store (refusals sent nothing and stay where asked)."""
        if outcome.status is OutcomeStatus.REFUSED:
            return None
        if outcome.record_id:
            self.plans[outcome.record_id] = plan
        now = self.clock()
        (alert,) = self.alerts.extend([outcome_alert(plan, outcome, now)])
        self.timeline.note_action(outcome, now)
        return alert

    # -- diagnosis ----------------------------------------------------------------------------

    def diagnose(self, alert: Alert | None = None) -> tuple[Diagnosis, tuple[Finding, ...]]:
        """What is wrong now, from what is held (no IO; the last refresh's panes, not rebuilt),
        and each cause's fix sized from the evidence; for `alert`, the causes that explain it
        first."""
        monitor = self.monitor
        rollout = self.rollouts.rollout
        candidate = rollout.candidate if rollout is not None and rollout.phase.active else None
        held = (monitor.panes, self.alerts.revision, candidate)
        cached = self._diagnosed
        if alert is None and cached is not None and _same_held(cached[0], held):
            return cached[1]
        evidence = monitor.evidence(self.clock(), panes=monitor.panes or None)
        diagnosis = diagnose(evidence)
        if alert is not None:
            diagnosis = diagnosis.for_alert(alert)
        found = findings(
            diagnosis, evidence, self.settings.suggestions, rollout_candidate=candidate
        )
        if alert is None:
            self._diagnosed = (held, (diagnosis, found))
        return diagnosis, found

    # -- the morning check ----------------------------------------------------------------------

    async def check(self, since_seconds: int = 86400) -> CheckReport:
        """The morning health check over the last `since_seconds` (one GetMetricData call)."""
        return await run_check(
            self.clients, self.settings, since_seconds=since_seconds, now=self.clock()
        )

    def stale_reason(self) -> str | None:
        """Why the telemetry is too old to act on now, or None when it is fresh."""
        return self.poller.stale_reason(self.clock())


_Held = tuple[object, int, str | None]
"""What a diagnosis is made from: the last refresh's panes, the feed's revision, the
rollout's candidate."""


def _same_held(a: _Held, b: _Held) -> bool:
    """The same panes object (held by the cache, so its id cannot be reused), the same
    feed revision and candidate."""
    return a[0] is b[0] and a[1:] == b[1:]
