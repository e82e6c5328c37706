"""One action, start to finish, in one modal: fields, live plan, confirmation, progress, outcome.

The plan is rebuilt (read-only calls) whenever a field changes, so what the operator
confirms is always what will be sent. Confirmation is a key for low-risk actions and the
resource's typed name for destructive or security ones; stale telemetry needs an explicit
override. The run itself happens in a worker of this screen: while it is out, nothing can
submit it again and the dialog cannot be closed. Every decision (read-only, confirmation,
staleness, single flight) is taken again by the action layer below: this screen only asks.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import Enum

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.markup import escape
from textual.message import Message
from textual.reactive import var
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Static
from textual.worker import Worker, WorkerState

from todotui.actions import (
    ActionInfo,
    ActionRunner,
    InvalidInput,
    Outcome,
    OutcomeStatus,
    Plan,
    PlanError,
    Progress,
    Refusal,
    Risk,
    Step,
)
from todotui.alerts.remedy import Suggestion
from todotui.ui.actions.form import ActionForm
from todotui.ui.actions.plan_view import RISK_LABEL, PlanView, outcome_markup
from todotui.ui.lifecycle import going_away
from todotui.ui.restyle import KeepStylesWhenShownAgain
from todotui.ui.widgets.spinner import Spinner

StaleCheck = Callable[[], str | None]
"""Says why the cockpit's telemetry is too old to act on, or None when it is fresh."""

RESET_AFTER_CLOSE = 0.3
"""Seconds after a close before the dialog is set back for its next opening (past the
close's own frame)."""
RISK_WORDS = {Risk.HIGH: "High-risk", Risk.DESTRUCTIVE: "Destructive", Risk.SECURITY: "Security"}
"""How the confirmation hint names a risk that needs the resource's name typed."""

READING = "Reading the live state…"
"""The plan box's placeholder while the fields and the live state are read."""

PLAN_DEBOUNCE = 0.35
"""Seconds of quiet typing before the plan is rebuilt (each rebuild reads AWS)."""

STEPS = ("plan", "confirm", "send", "verify", "journal")

STEP_SHOWN: dict[Step, int] = {
    Step.REREAD: STEPS.index("send"),
    Step.SEND: STEPS.index("send"),
    Step.VERIFY: STEPS.index("verify"),
}
"""Where each step the runner reports lands in `STEPS` (re-reading the state is part of sending)."""


class DialogStage(Enum):
    """loading -> editing <-> ready -> running -> done (or back to editing/ready)."""

    LOADING = "loading"
    """Reading the fields' live defaults."""
    EDITING = "editing"
    """No valid plan: the fields need fixing, or the live state could not be read."""
    READY = "ready"
    """A plan is shown and can be confirmed."""
    RUNNING = "running"
    """A run or a verify is out: nothing else can be sent and the dialog cannot close."""
    DONE = "done"
    """An outcome is shown; only verify again and close remain."""


def title_for(plan: Plan, where: str) -> str:
    """The dialog's title: what, on which resource, in which account (wrong-target protection)."""
    account = next((part for part in where.split(" · ") if part.startswith("account ")), "")
    return " · ".join(part for part in (plan.title, plan.target, account) if part)


def confirm_label(plan: Plan) -> str:
    """The border's subtitle: the risk and how this plan is confirmed."""
    label, _ = RISK_LABEL[plan.risk.value]
    if plan.confirmation is None:
        return label
    risk = label.split(" · ")[0]
    how = "typed name" if plan.confirmation.typed else "one key"
    return f"{risk} · confirm with {how}"


def steps_markup(done: int, active: int | None) -> str:
    parts: list[str] = []
    for index, name in enumerate(STEPS):
        if index < done:
            parts.append(f"[$success]✓ {name}[/]")
        elif index == active:
            parts.append(f"[b $accent]▸ {name}[/]")
        else:
            parts.append(f"[$text-muted]· {name}[/]")
    return "  ".join(parts)


class ActionDialog(KeepStylesWhenShownAgain, ModalScreen[Outcome | None]):
    """Plan, confirm, run, verify one action; posts `ActionDialog.Finished` for each outcome."""

    AUTO_FOCUS = ""
    """Nothing is focused on a push: the form's first field or the confirmation takes it once
    this opening's fields or plan are there. (Textual's auto focus would pick the last opening's
    form, still being removed, and a key sent to it is lost: an escape at once did nothing.)"""

    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("y", "execute", "Execute", show=False),
        Binding("v", "verify", "Verify again", show=False),
        Binding("r,ctrl+r", "retry_read", "Read the live state again", show=False),
    ]

    DEFAULT_CSS = """
    ActionDialog {
        align: center middle;
        #dialog {
            width: 96%;
            max-width: 150;
            height: 94%;
            max-height: 46;
            border: thick $accent;
            border-title-style: bold;
            border-title-color: $text;
            border-subtitle-color: $text;
            background: $surface;
            padding: 0 1;
        }
        #dialog.-risk-destructive, #dialog.-risk-security, #dialog.-risk-high { border: thick $error; }
        #dialog.-risk-low { border: thick $success; }
        .summary { color: $text-muted; width: 1fr; }
        .why { color: $accent; width: 1fr; }
        .readonly { background: $warning 20%; color: $warning; text-style: bold; width: 1fr; padding: 0 1; }
        #body { height: 1fr; margin: 1 0 0 0; }
        #form-box {
            width: 40%;
            max-width: 46;
            min-width: 28;
            height: 1fr;
            margin: 0 1 0 0;
            border: round $primary 60%;
            border-title-color: $text;
            padding: 0 1;
            &:focus-within { border: round $accent; }
        }
        #plan-box {
            width: 1fr;
            height: 1fr;
            border: round $primary 60%;
            border-title-color: $text;
        }
        #confirm {
            height: auto;
            border: round $primary 60%;
            border-title-color: $text;
            padding: 0 1;
            &.-typed { border: round $error; }
            &:focus-within { border: round $accent; }
        }
        #confirm-row { height: auto; }
        .confirm-hint { width: 1fr; }
        #confirm-input { width: 40; }
        #confirm-message { color: $error; text-style: bold; width: 1fr; padding: 1 0 0 2; }
        #execute { margin: 0 0 0 2; min-width: 16; }
        #stale-override { display: none; }
        #stale-override.-shown { display: block; }
        #progress { height: 1; display: none; }
        #progress.-shown { display: block; }
        #progress Spinner { width: 6; height: 1; min-height: 1; }
        #progress-text { width: 1fr; }
        #steps { height: 1; }
        #outcome { height: auto; max-height: 8; display: none; padding: 0 1; background: $boost; }
        #outcome.-shown { display: block; }
        .keys { color: $text-muted; height: 1; }
        /* Short terminals: one-line inputs and button, so the plan keeps its room. */
        #dialog.-small {
            #body { margin: 0; }
            Input { height: 1; border: none; padding: 0 1; background: $boost; }
            Input:focus { background: $accent 30%; }
            FieldRow { margin: 0; }
            FieldRow.-error > Input { border: none; background: $error 25%; }
            #confirm-input { width: 30; }
            #execute { height: 1; min-width: 12; border: none; }
            #confirm-message { padding: 0 0 0 2; }
        }
    }
    """

    stage: var[DialogStage] = var(DialogStage.LOADING)
    """loading -> editing <-> ready -> running -> done (or back to editing/ready). A `var`: its
    watcher redraws what changed (a `reactive` repainted the whole screen on each change of
    stage, three times an opening)."""

    @dataclass
    class Finished(Message):
        """An action reached an outcome worth reporting (sent, failed, unknown, verified again)."""

        plan: Plan
        outcome: Outcome

    def __init__(
        self,
        runner: ActionRunner,
        info: ActionInfo,
        *,
        stale_check: StaleCheck = lambda: None,
        plan: Plan | None = None,
        values: dict[str, str] | None = None,
        reason: str = "",
        suggestion: Suggestion | None = None,
        where: str = "",
    ) -> None:
        """`plan` given: show and confirm exactly it (an undo); else fields, then a live plan.

        `values` pre-fill fields; `reason` says why this dialog was offered (an alert);
        `suggestion` is the diagnosis's fix they came from (the plan shows its arithmetic and
        it decides the confirmation); `where` names the account the calls go to."""
        super().__init__()
        self.runner = runner
        self.info = info
        self._dropped_form: ActionForm | None = None
        self._confirm_shape = (False, False)
        """The confirmation row as last set: (typed confirmation, stale override shown)."""
        self._titles: tuple[str, str | None] = ("", None)
        """The frame's title and subtitle as last set (`_set_title`)."""
        self._titled_where: str | None = None
        """The account named by the last plan's title (None: no plan's title shown yet)."""
        self._start(stale_check, plan, values, reason, suggestion, where)

    def _start(
        self,
        stale_check: StaleCheck,
        plan: Plan | None,
        values: dict[str, str] | None,
        reason: str,
        suggestion: Suggestion | None,
        where: str,
    ) -> None:
        """Everything one opening owns, as a new dialog has it (the constructor and `reopen`)."""
        self.stale_check = stale_check
        self.plan: Plan | None = plan
        self.fixed_plan = plan is not None
        self.initial_values = dict(values or {})
        self.reason = reason
        self.suggestion = suggestion
        self.where = where
        self.outcome: Outcome | None = None
        self._plan_values: dict[str, str] | None = None
        self._touched = False
        self._step = 0
        self._read_error: str | None = None
        """Why the live state could not be read (AWS's words), shown until a read works."""

    def reopen(
        self,
        *,
        stale_check: StaleCheck = lambda: None,
        plan: Plan | None = None,
        values: dict[str, str] | None = None,
        reason: str = "",
        suggestion: Suggestion | None = None,
        where: str = "",
    ) -> None:
        """Opened again (the desk keeps one dialog per action): start exactly as a new dialog
        with these arguments would, so nothing of the last opening shows (its typed values,
        errors, plan, outcome, confirmation): the fields and the live state are read again.
        The frame, the plan box and the confirmation row stay; the form is blanked, and
        refilled with the fields read (built anew only if they are not the same fields)."""
        self.workers.cancel_node(self)
        self._start(stale_check, plan, values, reason, suggestion, where)
        if not self.is_mounted:
            return  # the first open: compose and on_mount do it
        form = self.form
        if form is not None:
            if plan is None:
                form.blank()
                self._focus_first_field(form)  # set so at the close already: no repaint here
            else:  # a fixed plan has no form: this one goes
                self._dropped_form = form
                form.remove()
        self.set_reactive(ActionDialog.stage, DialogStage.LOADING)
        self._fill()
        self.query_one(PlanView).show_placeholder(READING)
        self.query_one("#confirm-input", Input).value = ""
        self.query_one("#confirm-message", Label).update("")
        self.query_one("#stale-override", Checkbox).value = False
        self.query_one("#progress-text", Label).update("")
        self.query_one("#outcome", Static).update("")
        self.watch_stage(DialogStage.LOADING)
        self._begin()

    # -- layout -----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):  # its titles: `_fill`, on mount
            yield Label(escape(self.info.summary), classes="summary")
            yield Label("", classes="why")
            yield Label(
                "READ-ONLY MODE: the plan and the CLI are shown for reference; the action layer refuses to "
                "execute anything.",
                classes="readonly",
            )
            with Horizontal(id="body"):
                # not focusable itself: its inputs are, and a focused box between one form
                # and the next restyled the whole form twice on each open
                with VerticalScroll(id="form-box", can_focus=False) as form_box:
                    form_box.border_title = "Inputs"
                with Vertical(id="plan-box") as plan_box:
                    plan_box.border_title = "Plan · live state"
                    yield PlanView(id="plan")
            with Vertical(id="confirm") as confirm:
                confirm.border_title = "Confirm"
                yield Label("", classes="confirm-hint")
                with Horizontal(id="confirm-row"):
                    yield Input(placeholder="type the name shown above", id="confirm-input")
                    yield Button("Execute", id="execute", variant="primary")
                    yield Label("", id="confirm-message")
                yield Checkbox("Telemetry is stale: I know, act on it anyway", id="stale-override")
            yield Label(steps_markup(0, 0), id="steps")
            with Horizontal(id="progress"):
                yield Spinner(spinning=False)
                yield Label("", id="progress-text")
            yield Static("", id="outcome")
            yield Label("", classes="keys")

    def on_resize(self) -> None:
        self.query_one("#dialog").set_class(self.size.height < 40, "-small")

    def _fill(self) -> None:
        """The parts that depend on this opening's arguments: title, why, read-only, inputs."""
        if self.plan is not None or self._titled_where != self.where:
            # else the last plan's title stays until this opening's plan names its target
            # (the same account, and most often the same target: setting it redraws the frame)
            self._set_title(self.plan.title if self.plan else self.info.title)
        why = self.query_one(".why", Label)
        why.update(escape(self.reason))
        why.display = bool(self.reason)
        self.query_one(".readonly").display = self.runner.read_only
        self.query_one("#form-box").display = not self.fixed_plan

    def on_mount(self) -> None:
        self.query_one("#dialog").set_class(self.size.height < 40, "-small")
        self._fill()
        self._begin()

    def _begin(self) -> None:
        self._update_confirm()
        if self.plan is not None:
            self._show_plan(self.plan)
            self.stage = DialogStage.READY
            self._focus_confirm()
        else:
            self._load_fields()

    # -- fields and the live plan -------------------------------------------------------------

    @property
    def form(self) -> ActionForm | None:
        """This opening's form (not the last opening's, still being removed)."""
        found = [form for form in self.query(ActionForm) if form is not self._dropped_form]
        return found[0] if found else None

    @work(group="plan", exclusive=True, exit_on_error=False, name="action:fields")
    async def _load_fields(self) -> None:
        try:
            fields = await self.runner.fields(self.info.id)
        except PlanError as exc:
            self._read_error = str(exc)
            await self.query(ActionForm).remove()  # no fields to show, not the last opening's
            self.query_one(PlanView).show_placeholder(f"Could not read the live state: {exc}")
            self.stage = DialogStage.EDITING
            return
        self._read_error = None
        form = self.form
        typed_ahead = form.values_typed() if form is not None else {}
        if form is not None and form.same_shape(fields):
            form.refill(fields)
        else:
            form = ActionForm(fields, id="form")
            await self.query(ActionForm).remove()  # the last opening's
            self._dropped_form = None
            await self.query_one("#form-box").mount(form)
        form.set_values(self.initial_values)
        form.set_values(typed_ahead)  # typed while the fields were read: kept, not overwritten
        self._touched = bool(self.initial_values or typed_ahead)
        self.stage = DialogStage.EDITING
        if self.suggestion is None:
            self._focus_first_field(form)
        # A suggested fix arrives ready: its plan, then the focus on the confirmation (y).
        self._prepare(delay=0, then_confirm=self.suggestion is not None)

    @work(group="plan", exclusive=True, exit_on_error=False, name="action:plan")
    async def _prepare(self, delay: float = PLAN_DEBOUNCE, then_confirm: bool = False) -> None:
        """Validate and read the live state into a plan; sends no mutation, ever."""
        form = self.form
        if form is None or self.stage is DialogStage.RUNNING:
            return
        if delay:
            await asyncio.sleep(delay)
        values = form.values()
        self.plan, self._plan_values = None, None
        self._update_confirm()
        try:
            plan = await self.runner.prepare(self.info.id, values, suggestion=self.suggestion)
        except InvalidInput as exc:
            form.show_errors(exc.errors, as_notes=not self._touched)
            self.query_one(PlanView).show_placeholder(
                "Fix the marked field to see the plan."
                if self._touched
                else "The fields hold the live values. Change one to see its plan."
            )
            self.stage = DialogStage.EDITING
            self._update_confirm()
            return
        except PlanError as exc:
            form.clear_errors()
            self._read_error = str(exc)
            self.query_one(PlanView).show_placeholder(f"Could not read the live state: {exc}")
            self.stage = DialogStage.EDITING
            self._update_confirm()
            return
        self._read_error = None
        form.clear_errors()
        self._plan_values = values
        self._show_plan(plan)
        self.stage = DialogStage.READY
        if then_confirm:
            self._focus_confirm()

    def _set_title(self, title: str, subtitle: str | None = None) -> None:
        """The frame's title (and subtitle), set only when they change: setting one redraws
        the whole frame, same text or not."""
        box = self.query_one("#dialog")
        if (title, subtitle) != self._titles:
            self._titles = (title, subtitle)
            box.border_title = title
            if subtitle is not None:
                box.border_subtitle = subtitle

    def _focus_first_field(self, form: ActionForm) -> None:
        """The first field, focused (typing may start before the fields are read)."""
        first = form.query(Input)
        if first and self.focused is not first.first():
            self.set_focus(first.first())

    def _show_plan(self, plan: Plan) -> None:
        self.plan = plan.with_stale_warning(self.stale_check())
        self.query_one(PlanView).show_plan(self.plan)
        box = self.query_one("#dialog")
        for risk in (r.value for r in Risk):
            box.set_class(self.plan.risk.value == risk, f"-risk-{risk}")
        self._set_title(title_for(self.plan, self.where), confirm_label(self.plan))
        self._titled_where = self.where
        self._update_confirm()

    @on(Input.Changed)
    def _field_changed(self, event: Input.Changed) -> None:
        if event.input.id == "confirm-input":
            self.query_one("#confirm-message", Label).update("")
            return
        if self.fixed_plan or self.stage in (DialogStage.LOADING, DialogStage.RUNNING):
            return
        self._touched = True
        self.plan, self._plan_values = None, None
        self._update_confirm()
        self._prepare()

    @on(Input.Submitted)
    def _field_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "confirm-input":
            self.action_execute()
            return
        if self.stage in (DialogStage.LOADING, DialogStage.RUNNING):
            return
        self._touched = True
        if self.plan is not None and self._plan_values == self._values():
            self._focus_confirm()
        else:
            self._prepare(delay=0, then_confirm=True)

    def _values(self) -> dict[str, str] | None:
        form = self.form
        return form.values() if form is not None else None

    # -- confirmation ---------------------------------------------------------------------------

    def _update_confirm(self) -> None:
        plan = self.plan
        hint = self.query_one(".confirm-hint", Label)
        button = self.query_one("#execute", Button)
        keys = self.query_one(".keys", Label)
        needs_typing = plan is not None and plan.needs_typed_confirmation
        shape = (needs_typing, bool(plan and plan.stale_warning))
        if plan is None and self.stage is DialogStage.LOADING:
            # While the fields are read the row keeps the last plan's shape, which the next
            # plan of this action most often has: a class changed restyles the whole row.
            shape = self._confirm_shape
        self._set_confirm_row(
            needs_typing=shape[0],
            stale=shape[1],
            can_execute=plan is not None and self.stage is not DialogStage.RUNNING,
        )
        button.label = "Execute (read-only)" if self.runner.read_only else "Execute"
        if plan is None and self._read_error is not None:
            retry = "r" if self.form is None else "ctrl+r"
            hint.update(
                f"[b $error]Could not read the live state[/] ({escape(self._read_error)}). "
                f"Nothing was sent. Press [b]{retry}[/] to read it again."
            )
        elif plan is None:
            hint.update(
                "[$text-muted]No plan yet: nothing can be sent until the fields are valid.[/]"
            )
        elif needs_typing:
            why = plan.confirmation.why if plan.confirmation else RISK_WORDS.get(plan.risk, "")
            hint.update(
                f"[b $error]Typed confirmation[/] ({escape(why)}). Type "
                f"[b reverse] {escape(plan.confirm_text)} [/] and press enter to execute."
            )
        else:
            why = plan.confirmation.why if plan.confirmation else "low risk"
            hint.update(
                f"[b $success]One key[/] ({escape(why)}). Press [b]y[/] (or the button) to execute."
            )
        if self.stage is DialogStage.RUNNING:
            keys.update("running… the dialog stays open until the outcome is known")
        elif self.stage is DialogStage.DONE:
            keys.update("[b]esc[/] close · [b]v[/] verify again · the outcome is in the alert feed")
        else:
            keys.update(
                "[b]enter[/] plan & go to confirm · [b]tab[/] next field · "
                + ("[b]y[/] execute · " if not needs_typing else "")
                + "[b]esc[/] cancel (nothing is sent)"
            )

    def _focus_confirm(self) -> None:
        if self.plan is None:
            return
        if self.plan.needs_typed_confirmation:
            self.query_one("#confirm-input", Input).focus()
        else:
            self.query_one("#execute", Button).focus()

    @on(Button.Pressed, "#execute")
    def _execute_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_execute()

    def action_execute(self) -> None:
        """Run the shown plan, once: a second press while it runs is refused here and below."""
        message = self.query_one("#confirm-message", Label)
        if self.stage is DialogStage.RUNNING:
            self.notify("Already running: wait for the outcome.", severity="warning", timeout=3)
            return
        if self.stage is DialogStage.DONE:
            self.notify(
                "Done: esc closes, v verifies again. Open the action anew to change more.",
                timeout=3,
            )
            return
        plan = self.plan
        if plan is None:
            message.update("No valid plan yet: nothing was sent.")
            return
        if not self.fixed_plan and self._plan_values != self._values():
            message.update("The fields changed: the plan is being rebuilt; confirm again.")
            self._prepare(delay=0, then_confirm=True)
            return
        stale = self.stale_check()
        if stale != plan.stale_warning:
            self._show_plan(plan)
            plan = self.plan
            assert plan is not None
        typed = self.query_one("#confirm-input", Input).value
        override = self.query_one("#stale-override", Checkbox).value
        message.update("")
        self.stage = DialogStage.RUNNING
        self._run(plan, typed, override)

    # -- running and the outcome ---------------------------------------------------------------

    def watch_stage(self, stage: DialogStage) -> None:
        if not self.query("#steps"):
            return  # not composed yet; on_mount draws the first stage
        running = stage is DialogStage.RUNNING
        self.query_one("#progress").set_class(running, "-shown")
        self.query_one("#progress Spinner", Spinner).spinning = running
        form = self.form
        if form is not None:
            form.set_enabled(stage not in (DialogStage.RUNNING, DialogStage.DONE))
        self.query_one("#confirm-input", Input).disabled = running or stage is DialogStage.DONE
        self.query_one("#confirm").display = stage is not DialogStage.DONE
        if stage in (DialogStage.EDITING, DialogStage.LOADING):
            self.query_one("#steps", Label).update(steps_markup(0, 0))
        elif stage is DialogStage.READY:
            self.query_one("#steps", Label).update(steps_markup(1, 1))
        self._update_confirm()

    def _progress(self, event: Progress) -> None:
        self._step = max(self._step, STEP_SHOWN[event.step])
        self.query_one("#progress-text", Label).update(escape(event.detail) + "…")
        self.query_one("#steps", Label).update(steps_markup(self._step, self._step))

    @work(group="execute", exit_on_error=False, name="action:run")
    async def _run(self, plan: Plan, typed: str, override: bool) -> None:
        self._step = STEP_SHOWN[Step.SEND]
        self._progress(Progress(Step.SEND, "sending"))
        outcome = await self.runner.run(
            plan, typed_confirmation=typed, stale_override=override, on_progress=self._progress
        )
        self._show_outcome(plan, outcome)

    def _show_outcome(self, plan: Plan, outcome: Outcome) -> None:
        self.outcome = outcome
        if outcome.status is OutcomeStatus.REFUSED:
            self.query_one("#confirm-message", Label).update(escape(outcome.message))
            self.stage = DialogStage.READY
            if outcome.refusal is Refusal.CHANGED and not self.fixed_plan:
                self._prepare(delay=0)
            self._focus_confirm()
            return
        box = self.query_one("#outcome", Static)
        box.update(outcome_markup(outcome))
        box.add_class("-shown")
        self.post_message(self.Finished(plan, outcome))
        if outcome.status is OutcomeStatus.FAILED:
            # AWS said no: leave the dialog open to correct and try again.
            self.stage = DialogStage.EDITING if not self.fixed_plan else DialogStage.READY
            self.query_one("#steps", Label).update(
                steps_markup(2, None) + "  [b $error]✗ refused by AWS[/]"
            )
            return
        verified = outcome.status is OutcomeStatus.SUCCEEDED and outcome.verified
        self.query_one("#steps", Label).update(
            steps_markup(5, None)
            if verified
            else steps_markup(3, 3) + "  [b $warning]verify again with v[/]"
        )
        self.stage = DialogStage.DONE
        self.query_one("#dialog").focus()

    def action_retry_read(self) -> None:
        """After a failed read of the live state: read it again (fields, then the plan)."""
        if self._read_error is None or self.stage is DialogStage.RUNNING:
            return
        self.query_one(PlanView).show_placeholder("Reading the live state again…")
        if self.form is None:
            self._load_fields()
        else:
            self._prepare(delay=0)

    def action_verify(self) -> None:
        outcome = self.outcome
        if (
            self.stage is not DialogStage.DONE
            or outcome is None
            or outcome.record_id is None
            or self.plan is None
        ):
            return
        self.stage = DialogStage.RUNNING
        self._verify(self.plan, outcome.record_id)

    @work(group="execute", exit_on_error=False, name="action:verify")
    async def _verify(self, plan: Plan, record_id: str) -> None:
        self._step = STEP_SHOWN[Step.VERIFY]
        self._progress(Progress(Step.VERIFY, "verifying"))
        outcome = await self.runner.verify(plan, record_id, on_progress=self._progress)
        if self.outcome is not None and not outcome.request_ids and self.outcome.request_ids:
            outcome = replace(outcome, request_ids=self.outcome.request_ids)
        self._show_outcome(plan, outcome)

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        """A bug or an unexpected fault in a step: say so here, keep the dialog usable."""
        if event.state is not WorkerState.ERROR:
            return
        event.stop()
        error = event.worker.error
        self.query_one("#confirm-message", Label).update(escape(f"{type(error).__name__}: {error}"))
        if self.stage in (DialogStage.RUNNING, DialogStage.LOADING):
            self.stage = DialogStage.READY if self.plan is not None else DialogStage.EDITING

    def on_screen_suspend(self) -> None:
        """Closed (not merely under another screen): a plan still being read is for no one."""
        if self not in self.app.screen_stack:
            self.workers.cancel_group(self, "plan")
            self.set_timer(RESET_AFTER_CLOSE, self._look_as_a_new_opening)

    def _look_as_a_new_opening(self) -> None:
        """While closed: set the dialog as the next opening's first frame has it, so that
        opening changes as little as it can. The confirmation row keeps the last plan's shape
        with its button off (a class changed on open restyled the whole row on the key's
        critical path: pyinstrument, most of `reopen`); a focus moved repaints the whole screen
        (Textual's `Screen.focused` is a reactive), so the focus goes where the next opening
        wants it now."""
        if going_away(self) or self in self.app.screen_stack:
            return  # quitting (its widgets go in any order), or open again: it set what it needs
        needs_typing, stale = self._confirm_shape
        self._set_confirm_row(needs_typing=needs_typing, stale=stale, can_execute=False)
        self.query_one("#progress").set_class(False, "-shown")
        self.query_one("#progress Spinner", Spinner).spinning = False
        self.query_one("#confirm").display = True
        form = self.form
        if form is not None:  # where the next opening starts: a focus change repaints it all
            self._focus_first_field(form)
        self.query_one(PlanView).show_placeholder(READING)  # the plan's widgets hidden now

    def _set_confirm_row(self, *, needs_typing: bool, stale: bool, can_execute: bool) -> None:
        """The confirmation row's classes and widgets for a plan like that (or none)."""
        self._confirm_shape = (needs_typing, stale)
        self.query_one("#confirm").set_class(needs_typing, "-typed")
        self.query_one("#confirm-input", Input).display = needs_typing
        self.query_one("#stale-override", Checkbox).set_class(stale, "-shown")
        button = self.query_one("#execute", Button)
        button.disabled = not can_execute
        button.variant = "error" if needs_typing else "success"

    def action_close(self) -> None:
        if self.stage is DialogStage.RUNNING:
            self.notify(
                "An action is running: the dialog closes when its outcome is known.",
                severity="warning",
                timeout=3,
            )
            return
        self.dismiss(self.outcome)
