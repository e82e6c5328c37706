"""Where the cockpit's keys meet the action layer: menus, dialogs, undo, journal.

The app owns one `ActionDesk`. It opens screens on the core's one `ActionRunner` (the same
clients as the Monitor, so one request count and one read-only guard), asks the core
whether the telemetry is stale, and hands every outcome to the core's alert store.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.app import App

from todotui.actions import (
    ActionInfo,
    ActionKind,
    ActionRunner,
    InvalidInput,
    Journal,
    Outcome,
    Plan,
    PlanError,
    UndoUnavailable,
    actions_for_topic,
    catalog,
)
from todotui.alerts.model import Alert
from todotui.alerts.remedy import ROLLOUT_ABORT, Suggestion
from todotui.ui.actions.check_view import CheckScreen
from todotui.ui.actions.dialog import ActionDialog
from todotui.ui.actions.journal_view import JournalAsk, JournalRequest, JournalScreen
from todotui.ui.actions.menu import ActionMenuScreen, MenuPick
from todotui.ui.widgets import StatusBar

if TYPE_CHECKING:
    from todotui.core.cockpit import Cockpit
    from todotui.ui.rollout import RolloutScreen


class ActionDesk:
    """Opens action dialogs, runs undo and re-verify, reports outcomes to the alert feed."""

    def __init__(self, app: App[None], core: Cockpit) -> None:
        self.app = app
        self.core = core
        self._menu: ActionMenuScreen | None = None
        """Built once and installed: each `a` refills it instead of composing a new screen."""
        self._rollout: RolloutScreen | None = None
        self._journal: JournalScreen | None = None
        self._dialogs: dict[str, ActionDialog] = {}
        """One dialog per action id, installed on its first open and started clean on each."""
        self._status: StatusBar | None = None
        """The dashboard's status bar, found once (a query walks the whole dashboard)."""

    @property
    def runner(self) -> ActionRunner:
        return self.core.runner

    @property
    def journal(self) -> Journal:
        return self.core.journal

    @property
    def plans(self) -> dict[str, Plan]:
        """This session's plans by journal record id: what "verify again" needs."""
        return self.core.plans

    def stale_warning(self) -> str | None:
        """Why the telemetry on screen is too old to act on, or None (the core's rule)."""
        return self.core.stale_reason()

    # -- opening things ----------------------------------------------------------------------

    def open_menu(self, alert: Alert | None = None) -> None:
        """The diagnosis's fixes first (pre-filled), then every action, or the runbook's
        answers to `alert` (most likely fix first) and the rest."""
        others: list = []
        if alert is not None:
            actions = actions_for_topic(alert.topic)
            paired = {a.id for a in actions}
            others = [i for i in catalog() if i.id not in paired]
            title = "Runbook actions for this alert"
        else:
            actions = catalog()
            title = "Actions · every runbook remediation and check"
        diagnosis, findings = self.core.diagnose(alert)

        def chosen(pick: MenuPick | None) -> None:
            if pick is None:
                return
            if pick.action_id == ROLLOUT_ABORT:
                self.abort_rollout()
            else:
                self.open(pick.action_id, alert=alert, suggestion=pick.suggestion)

        menu = self._menu
        if menu is not None and menu in self.app.screen_stack:
            return  # already open (its own keys answer)
        if menu is None:
            menu = self._menu = ActionMenuScreen()
            self.app.install_screen(menu, "action-menu")
        menu.show(
            actions,
            title=title,
            alert=alert,
            others=others,
            findings=findings,
            unclear=diagnosis.unclear,
            titles={i.id: i.title for i in catalog()},
        )
        self.app.push_screen(menu, chosen)

    def abort_rollout(self) -> None:
        """The rollout view, with its abort asked at once (y confirms: stable is known-good)."""
        screen = self.rollout_screen()
        if screen is self.app.screen:
            pass  # the menu was opened over it: ask there
        elif screen in self.app.screen_stack:
            from todotui.ui.rollout import RolloutScreen

            screen = RolloutScreen(self.core, self, target=self.target())
            self.app.push_screen(screen)
        else:
            self.app.push_screen(screen)
        screen.call_after_refresh(screen.action_abort)

    def rollout_screen(self) -> RolloutScreen:
        """The rollout view, built once and installed: each `b` pushes it again, composing and
        styling nothing (it listens and ticks only while open)."""
        from todotui.ui.rollout import RolloutScreen

        screen = self._rollout
        if screen is None:
            screen = self._rollout = RolloutScreen(self.core, self, target=self.target())
            self.app.install_screen(screen, "rollout")
        else:
            screen.target = self.target()
        return screen

    def target(self) -> str:
        """Where calls go, as the status bar says it (account, region, sandbox or endpoint)."""
        if self._status is None or not self._status.is_attached:
            found = self.app.screen_stack[0].query(StatusBar)
            self._status = found.first() if found else None
        return str(self._status.target) if self._status is not None else ""

    def open(
        self,
        action_id: str,
        *,
        alert: Alert | None = None,
        values: dict[str, str] | None = None,
        suggestion: Suggestion | None = None,
        on_close: Callable[[Outcome | None], None] | None = None,
    ) -> None:
        """The action's dialog, prefilled with `values` (or `suggestion`'s, with its evidence
        and arithmetic in the plan); `on_close` gets its last outcome."""
        runner = self.runner
        info = next((i for i in catalog() if i.id == action_id), None)
        if info is None:
            self.app.notify(f"No action {action_id!r}", severity="error")
            return
        if info.kind is ActionKind.CHECK:
            self.app.push_screen(CheckScreen(runner, info))
            return
        reason = f"Offered for: {alert.title}" if alert is not None else ""
        if suggestion is not None:
            reason = f"Suggested by the diagnosis: {suggestion.why}"
        dialog = self._dialog(info)
        dialog.reopen(
            stale_check=self.stale_warning,
            values=dict(suggestion.values) if suggestion is not None else values,
            reason=reason,
            suggestion=suggestion,
            where=self.target(),
        )
        self.app.push_screen(dialog, on_close)

    def _dialog(self, info: ActionInfo) -> ActionDialog:
        """This action's dialog, built and installed on its first open only: later opens push
        the same one, which `reopen` starts clean (a new one where it is already showing)."""
        dialog = self._dialogs.get(info.id)
        if dialog is not None and dialog in self.app.screen_stack:
            return ActionDialog(self.runner, info)
        if dialog is None:
            dialog = self._dialogs[info.id] = ActionDialog(self.runner, info)
            self.app.install_screen(dialog, f"action-dialog:{info.id}")
        return dialog

    def _open_plan(self, runner: ActionRunner, plan: Plan, reason: str) -> None:
        info = next(i for i in catalog() if i.id == plan.action_id)
        self.app.push_screen(
            ActionDialog(
                runner,
                info,
                stale_check=self.stale_warning,
                plan=plan,
                reason=reason,
                where=self.target(),
            )
        )

    # -- undo and verify ---------------------------------------------------------------------

    def undo_last(self) -> None:
        runner = self.runner
        entry = runner.last_undoable()
        if entry is None:
            self.app.notify("Nothing to undo in this session.", timeout=3)
            return
        self.undo(entry.record_id)

    def undo(self, record_id: str) -> None:
        runner = self.runner

        async def prepare() -> None:
            try:
                plan = await runner.undo_plan(record_id)
            except (UndoUnavailable, PlanError) as exc:
                self.app.notify(str(exc), title="Cannot undo", severity="warning", timeout=5)
                return
            except InvalidInput as exc:
                self.app.notify(
                    "; ".join(exc.errors.values()),
                    title="Cannot undo",
                    severity="warning",
                    timeout=5,
                )
                return
            entry = runner.journal.entry(record_id)
            when = entry.time if entry else record_id
            self._open_plan(
                runner,
                plan,
                f"The inverse of the action journaled at {when}; confirm it like any other.",
            )

        self.app.run_worker(
            prepare(), name="action:undo-plan", group="actions", exit_on_error=False
        )

    def verify(self, record_id: str) -> None:
        """Read back again: this session's plan if there is one, else the journal record's
        (an earlier session's, or one the app was killed on)."""
        runner = self.runner
        plan = self.plans.get(record_id)
        if plan is None:
            try:
                plan = runner.journal_plan(record_id)
            except LookupError as exc:
                self.app.notify(str(exc), title="Cannot verify", severity="warning", timeout=5)
                return
        checked = plan

        async def verify() -> None:
            outcome = await runner.verify(checked, record_id)
            self.report(checked, outcome)
            self.app.notify(
                outcome.message,
                title=f"{checked.title}: verify",
                timeout=5,
                severity="information" if outcome.verified else "warning",
            )

        self.app.run_worker(verify(), name="action:verify", group="actions", exit_on_error=False)

    def show_journal(self) -> None:
        runner = self.runner
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

        screen = self._journal
        if screen is not None and screen in self.app.screen_stack:
            return  # open already (under a dialog of its own)
        if screen is None:  # built once, installed; each j after that refills it
            screen = self._journal = JournalScreen(
                entries,
                session_id=runner.journal.session_id,
                journal_path=str(runner.journal.path),
                can_verify=runner.can_verify,  # this session's records are in the journal too
            )
            self.app.install_screen(screen, "journal")
        else:
            screen.reopen(entries)
        self.app.push_screen(screen, requested)

    # -- outcomes ----------------------------------------------------------------------------

    def report(self, plan: Plan, outcome: Outcome) -> Alert | None:
        """Put the outcome in the core's alert store (refusals stay in their dialog)."""
        return self.core.report(plan, outcome)
