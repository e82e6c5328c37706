"""Where the cockpit's keys meet the action layer: menus, dialogs, undo, journal, the feed.

The app owns one `ActionDesk`. It holds the `ActionRunner` while the Monitor's AWS
clients are open (the same clients, so one request count and one read-only guard), keeps
the plans of this session's actions so any of them can be verified again, and turns every
outcome into an alert in the feed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from textual.app import App

from todotui.actions import (
    ActionKind,
    ActionRunner,
    InvalidInput,
    Journal,
    Outcome,
    OutcomeStatus,
    Plan,
    PlanError,
    UndoUnavailable,
    actions_for_topic,
    catalog,
)
from todotui.alerts.model import Alert, AlertSource, Severity
from todotui.aws.session import AwsClients
from todotui.config import Settings
from todotui.ui import format as fmt
from todotui.ui.actions.check_view import CheckScreen
from todotui.ui.actions.dialog import ActionDialog
from todotui.ui.actions.journal_view import JournalAsk, JournalRequest, JournalScreen
from todotui.ui.actions.menu import ActionMenuScreen

_SEVERITY = {
    OutcomeStatus.FAILED: Severity.CRIT,
    OutcomeStatus.UNKNOWN: Severity.WARN,
    OutcomeStatus.REFUSED: Severity.INFO,
}


def outcome_words(outcome: Outcome) -> str:
    if outcome.status is OutcomeStatus.SUCCEEDED:
        return "done, verified" if outcome.verified else "sent, not verified yet"
    return {
        OutcomeStatus.FAILED: "refused by AWS",
        OutcomeStatus.UNKNOWN: "outcome unknown, verify again",
        OutcomeStatus.REFUSED: "not sent",
    }[outcome.status]


def outcome_alert(plan: Plan, outcome: Outcome, now: datetime) -> Alert:
    """The feed line for an action's outcome (one per journal record, updated on re-verify)."""
    if outcome.status is OutcomeStatus.SUCCEEDED:
        severity = Severity.OK if outcome.verified else Severity.WARN
    else:
        severity = _SEVERITY[outcome.status]
    change = ", ".join(f"{label} {after}" for label, after in plan.after[:2])
    title = f"{plan.title}: {outcome_words(outcome)} ({plan.target}{' → ' + change if change else ''})"
    lines = [title, ""]
    lines += [f"Before  {label}: {value}" for label, value in plan.before]
    lines += [f"Planned {label}: {value}" for label, value in plan.after]
    lines += [f"Read back {label}: {value}" for label, value in outcome.observed]
    if outcome.message:
        lines.append(outcome.message)
    if outcome.error:
        lines.append(f"AWS said: {outcome.error}")
    if outcome.request_ids:
        lines.append("Request ids: " + ", ".join(outcome.request_ids))
    if outcome.record_id:
        lines.append(f"Journal record: {outcome.record_id}")
    lines += ["", "Equivalent aws CLI:", *plan.cli]
    return Alert(
        key=f"action:{outcome.record_id or id(plan)}",
        source=AlertSource.ACTION,
        severity=severity,
        title=title,
        body="\n".join(lines),
        first_seen=now,
        last_seen=now,
        topic=plan.action_id,
    )


class ActionDesk:
    """Opens action dialogs, runs undo and re-verify, reports outcomes to the alert feed."""

    def __init__(self, app: App, settings: Settings, *, journal: Journal | None = None,
                 clock: Callable[[], datetime]) -> None:
        self.app = app
        self.settings = settings
        self.journal = journal or Journal()
        """One journal (one session id) for the app's life, whatever happens to the clients."""
        self.clock = clock
        self.runner: ActionRunner | None = None
        self.plans: dict[str, Plan] = {}
        """This session's plans by journal record id: what "verify again" needs."""
        self.poll_interval = 1.0

    # -- the runner follows the Monitor's clients ------------------------------------------------

    def attach(self, clients: AwsClients) -> ActionRunner:
        self.runner = ActionRunner(
            self.settings, clients, journal=self.journal, poll_interval=self.poll_interval, now=self.clock
        )
        return self.runner

    def detach(self) -> None:
        self.runner = None

    def _runner(self) -> ActionRunner | None:
        if self.runner is None:
            self.app.notify("Not connected yet: actions open once the first refresh has started.",
                            severity="warning", timeout=3)
        return self.runner

    # -- staleness ---------------------------------------------------------------------------

    def stale_warning(self) -> str | None:
        """Why the telemetry on screen is too old to act on, or None. Same rule as the panes."""
        from todotui.ui.widgets import StatusBar

        status = self.app.query_one(StatusBar)
        now = self.clock()
        if status.failing:
            return f"Telemetry is stale: the last refresh failed ({status.failing})"
        if status.last_good is None:
            return "Telemetry is stale: nothing has been fetched yet"
        age = (now - status.last_good).total_seconds()
        limit = 2 * float(getattr(self.app, "refresh_seconds", self.settings.cadence.refresh_seconds))
        if age > limit:
            return f"Telemetry is stale: the last good refresh was {fmt.duration(age)} ago"
        return None

    # -- opening things ----------------------------------------------------------------------

    def open_menu(self, alert: Alert | None = None) -> None:
        """Every action, or the runbook's answers to `alert` (most likely fix first)."""
        others: list = []
        if alert is not None:
            actions = actions_for_topic(alert.topic)
            paired = {a.id for a in actions}
            others = [i for i in catalog() if i.id not in paired]
            title = "Runbook actions for this alert"
        else:
            actions = catalog()
            title = "Actions · every runbook remediation and check"

        def chosen(action_id: str | None) -> None:
            if action_id:
                self.open(action_id, alert=alert)

        self.app.push_screen(ActionMenuScreen(actions, title=title, alert=alert, others=others), chosen)

    def open(self, action_id: str, *, alert: Alert | None = None, values: dict[str, str] | None = None) -> None:
        runner = self._runner()
        if runner is None:
            return
        info = next((i for i in catalog() if i.id == action_id), None)
        if info is None:
            self.app.notify(f"No action {action_id!r}", severity="error")
            return
        if info.kind is ActionKind.CHECK:
            self.app.push_screen(CheckScreen(runner, info))
            return
        reason = f"Offered for: {alert.title}" if alert is not None else ""
        self.app.push_screen(
            ActionDialog(runner, info, stale_check=self.stale_warning, values=values, reason=reason)
        )

    def _open_plan(self, runner: ActionRunner, plan: Plan, reason: str) -> None:
        info = next(i for i in catalog() if i.id == plan.action_id)
        self.app.push_screen(ActionDialog(runner, info, stale_check=self.stale_warning, plan=plan, reason=reason))

    # -- undo and verify ---------------------------------------------------------------------

    def undo_last(self) -> None:
        runner = self._runner()
        if runner is None:
            return
        entry = runner.last_undoable()
        if entry is None:
            self.app.notify("Nothing to undo in this session.", timeout=3)
            return
        self.undo(entry.record_id)

    def undo(self, record_id: str) -> None:
        runner = self._runner()
        if runner is None:
            return

        async def prepare() -> None:
            try:
                plan = await runner.undo_plan(record_id)
            except (UndoUnavailable, PlanError) as exc:
                self.app.notify(str(exc), title="Cannot undo", severity="warning", timeout=5)
                return
            except InvalidInput as exc:
                self.app.notify("; ".join(exc.errors.values()), title="Cannot undo", severity="warning", timeout=5)
                return
            entry = runner.journal.entry(record_id)
            when = entry.time if entry else record_id
            self._open_plan(runner, plan, f"The inverse of the action journaled at {when}; confirm it like any other.")

        self.app.run_worker(prepare(), name="action:undo-plan", group="actions", exit_on_error=False)

    def verify(self, record_id: str) -> None:
        runner = self._runner()
        plan = self.plans.get(record_id)
        if runner is None or plan is None:
            return

        async def verify() -> None:
            outcome = await runner.verify(plan, record_id)
            self.report(plan, outcome)
            self.app.notify(outcome.message, title=f"{plan.title}: verify", timeout=5,
                            severity="information" if outcome.verified else "warning")

        self.app.run_worker(verify(), name="action:verify", group="actions", exit_on_error=False)

    def show_journal(self) -> None:
        runner = self._runner()
        if runner is None:
            return
        entries = runner.history()
        mine = {e.record_id for e in entries}
        entries += [e for e in runner.journal.unfinished() if e.record_id not in mine]

        def requested(request: JournalRequest | None) -> None:
            if request is None:
                return
            if request.asked is JournalAsk.UNDO:
                self.undo(request.record_id)
            else:
                self.verify(request.record_id)

        screen = JournalScreen(entries, session_id=runner.journal.session_id, journal_path=str(runner.journal.path),
                               can_verify=lambda rid: rid in self.plans)
        self.app.push_screen(screen, requested)

    # -- outcomes ----------------------------------------------------------------------------

    def report(self, plan: Plan, outcome: Outcome) -> Alert | None:
        """Put the outcome in the alert feed (refusals sent nothing and stay in their dialog)."""
        if outcome.status is OutcomeStatus.REFUSED:
            return None
        if outcome.record_id:
            self.plans[outcome.record_id] = plan
        from todotui.ui.widgets import AlertFeedView

        alert = outcome_alert(plan, outcome, self.clock())
        self.app.query_one(AlertFeedView).show([alert])
        return alert

