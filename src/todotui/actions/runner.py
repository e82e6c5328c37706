"""The one life cycle every action goes through: plan, confirm, execute, verify, journal, undo.

The dialog layer calls `fields` (inputs with live defaults), `prepare` (a `Plan`, or
`InvalidInput` with a message per field), `run` (after the operator confirmed) and,
later, `verify`, `undo_plan` and `history`. Nothing here imports Textual.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from botocore.exceptions import ParamValidationError

from todotui import locations
from todotui.actions.base import (
    Action,
    ActionContext,
    CallLog,
    Observation,
    StackResolver,
    UndoSpec,
)
from todotui.actions.confirmation import confirmation_for, matches
from todotui.actions.guard import ReadOnlyGuard, ReadOnlyViolation
from todotui.actions.journal import Journal, JournalEntry
from todotui.actions.model import (
    Actor,
    CheckReport,
    Field,
    InvalidInput,
    Outcome,
    OutcomeStatus,
    PartialFailure,
    Plan,
    Progress,
    Refusal,
    Risk,
    Secret,
    Step,
    UnknownAction,
)
from todotui.actions.redaction import scrub, secrets_in_flight
from todotui.actions.registry import CHECKS, ActionInfo, actions_for_topic, catalog
from todotui.actions.registry import action as find_action
from todotui.alerts.model import Topic
from todotui.alerts.remedy import Suggestion
from todotui.aws.errors import (
    AWS_ERRORS,
    describe_error,
    error_code,
    http_status,
    outcome_uncertain,
)
from todotui.aws.session import AwsClients
from todotui.config import Settings

log = logging.getLogger(__name__)

OnProgress = Callable[[Progress], None]
"""Told each step of a run or verify as it starts (and each reading while verify waits)."""


def _ignore(_event: Progress) -> None:
    pass


class PlanError(Exception):
    """Live state could not be read to build a plan (AWS's words in the message); nothing was sent."""


class UndoUnavailable(Exception):
    """This record has no inverse (or it no longer applies); the message says why."""


def _secrets(plan: Plan) -> set[str]:
    return {v.reveal() for v in plan.params.values() if isinstance(v, Secret)}


class ActionRunner:
    """Runs actions against one AWS target, journaled, guarded, one at a time per resource."""

    def __init__(
        self,
        settings: Settings,
        clients: AwsClients,
        *,
        journal: Journal | None = None,
        read_only: bool | None = None,
        verify_timeout: float | None = None,
        poll_interval: float = 2.0,
        export_dir: Path | None = None,
        now: Callable[[], datetime] | None = None,
    ):
        self.settings = settings
        self.clients = clients
        self.journal = journal or Journal()
        self.read_only = settings.aws.effective_read_only if read_only is None else read_only
        self.guard = ReadOnlyGuard(self.read_only).install(clients)
        self.verify_timeout = verify_timeout
        """Caps every action's own verify timeout (tests make it short)."""
        self.poll_interval = poll_interval
        self._ctx = ActionContext(
            settings=settings,
            clients=clients,
            resolver=StackResolver(settings, clients),
            export_dir=export_dir or locations.data_dir() / "exports",
            now=now or (lambda: datetime.now(UTC)),
        )
        self._busy: set[str] = set()
        self._caller: str | None = None
        self._results: dict[str, dict[str, Any]] = {}
        """What each journal record's `execute` returned (ids verify needs), by record id."""
        self._status: dict[str, OutcomeStatus] = {}
        self._refusals: dict[str, Refusal] = {}
        """Records whose call the read-only guard stopped (status REFUSED), by record id."""

    # -- what there is ---------------------------------------------------------------------

    def catalog(self) -> list[ActionInfo]:
        return catalog()

    def actions_for_topic(self, topic: Topic | None) -> list[ActionInfo]:
        return actions_for_topic(topic)

    def is_busy(self, target: str) -> bool:
        return target in self._busy

    async def fields(self, action_id: str) -> list[Field]:
        """The dialog's inputs, defaults read from live state. Raises PlanError if AWS cannot be read."""
        action = find_action(action_id)
        try:
            return await action.fields(self._ctx)
        except (*AWS_ERRORS, LookupError) as exc:
            raise PlanError(_describe(exc)) from None

    # -- plan ---------------------------------------------------------------------------------

    async def prepare(
        self,
        action_id: str,
        values: dict[str, str],
        *,
        suggestion: Suggestion | None = None,
        undo: bool = False,
    ) -> Plan:
        """Validate `values` and read live state into a Plan. Sends no mutation, ever.

        `suggestion` is the diagnosis's fix the values came from: the plan carries its evidence
        and arithmetic (`basis`), and it decides with `undo` how the plan is confirmed
        (`actions.confirmation`). Raises InvalidInput ({field: message}; key "_form" for the
        whole form) or PlanError.
        """
        action = find_action(action_id)
        text = {k: "" if v is None else str(v) for k, v in values.items()}
        try:
            plan = await action.plan(self._ctx, text)
        except InvalidInput:
            raise
        except (*AWS_ERRORS, LookupError) as exc:
            raise PlanError(_describe(exc)) from None
        kept = tuple((k, v) for k, v in text.items() if not isinstance(plan.params.get(k), Secret))
        plan = replace(plan, values=kept)
        basis: tuple[str, ...] = ()
        if suggestion is not None:
            differs = matches(plan, suggestion)
            basis = (
                f"evidence: {suggestion.why}" if suggestion.why else "",
                *suggestion.arithmetic,
                f"not the suggestion: {differs}" if differs else "",
            )
        return replace(
            plan,
            basis=tuple(line for line in basis if line),
            confirmation=confirmation_for(plan, suggestion=suggestion, undo=undo),
        )

    # -- run ------------------------------------------------------------------------------------

    async def run(
        self,
        plan: Plan,
        *,
        typed_confirmation: str | None = None,
        stale_override: bool = False,
        on_progress: OnProgress | None = None,
        actor: Actor = Actor.OPERATOR,
        reason: str = "",
    ) -> Outcome:
        """Execute a confirmed plan, journal it, verify it. Never raises for AWS or network errors.

        A refused outcome (nothing sent) says why in `refusal`. Anything journaled carries its
        `record_id`, which `verify` and `undo_plan` take. `actor` and `reason` go in the
        journal: who made the change (a person or the rollout controller) and why."""
        action = find_action(plan.action_id)
        progress = on_progress or _ignore

        def refused(refusal: Refusal, message: str) -> Outcome:
            return Outcome(
                plan.action_id, plan.target, OutcomeStatus.REFUSED, message=message, refusal=refusal
            )

        if self.read_only and action.mutates_aws:
            return refused(
                Refusal.READ_ONLY,
                "read-only mode: nothing was sent (the plan and the CLI command are shown for reference)",
            )
        if (
            plan.needs_typed_confirmation
            and (typed_confirmation or "").strip() != plan.confirm_text
        ):
            return refused(
                Refusal.NOT_CONFIRMED, f"type {plan.confirm_text!r} to confirm; nothing was sent"
            )
        if plan.stale_warning and not stale_override:
            return refused(
                Refusal.STALE,
                f"{plan.stale_warning}: confirm again with the override to act on old data",
            )
        if plan.target in self._busy:
            return refused(
                Refusal.BUSY, f"an action on {plan.target} is already running; wait for its outcome"
            )
        self._busy.add(plan.target)
        try:
            return await self._run(action, plan, stale_override, progress, actor, reason)
        finally:
            self._busy.discard(plan.target)

    async def _run(
        self,
        action: Action,
        plan: Plan,
        stale_override: bool,
        progress: OnProgress,
        actor: Actor,
        reason: str,
    ) -> Outcome:
        secrets = _secrets(plan)
        progress(Progress(Step.REREAD, "re-reading live state"))
        changed = await self._changed_since_plan(plan)
        if changed and not stale_override:
            return Outcome(
                plan.action_id,
                plan.target,
                OutcomeStatus.REFUSED,
                message=changed,
                refusal=Refusal.CHANGED,
            )
        caller = await self.caller_identity()
        record_id = self.journal.new_record_id()
        # The journal's append+fsync runs in a thread; awaited, so the intent is on disk
        # before the call goes out and the outcome before it is reported.
        await asyncio.to_thread(
            self.journal.write_intent,
            record_id,
            caller=caller,
            action=plan.action_id,
            title=plan.title,
            target=plan.target,
            parameters=plan.params,
            before=list(plan.before),
            planned_after=list(plan.after),
            cli=list(plan.cli),
            undo_of=plan.undo_of,
            plan_state=plan.state,
            actor=actor.value,
            reason=reason,
        )
        calls = CallLog(self.clients)
        progress(Progress(Step.SEND, "sending"))
        status: OutcomeStatus = OutcomeStatus.SUCCEEDED
        error: str | None = None
        message = ""
        refusal: Refusal | None = None
        code: str | None = None
        result: dict[str, Any] = {}
        with secrets_in_flight(secrets):
            try:
                result = await action.execute(self._ctx, plan, calls)
            except ReadOnlyViolation as exc:
                status, error, refusal = OutcomeStatus.REFUSED, str(exc), Refusal.READ_ONLY
            except PartialFailure as exc:
                status, error = OutcomeStatus.FAILED, str(exc)
            except (*AWS_ERRORS, ParamValidationError, LookupError) as exc:
                error = _describe(exc)
                if isinstance(exc, LookupError) or outcome_uncertain(exc):
                    # A 5XX, a timeout or a broken connection: AWS may have applied it.
                    status = OutcomeStatus.UNKNOWN
                    http = http_status(exc)
                    answer = f"AWS answered HTTP {http}" if http else "no answer came back"
                    message = f"{answer}: the change may or may not have happened; reading it back"
                else:
                    status = OutcomeStatus.FAILED  # AWS refused it (4XX): its words in `error`
                    code = error_code(exc)
        if error is not None:
            error = scrub(error, secrets)
        self._results[record_id] = result
        self._status[record_id] = status
        if refusal is not None:
            self._refusals[record_id] = refusal
        undo = None
        if status in (OutcomeStatus.SUCCEEDED, OutcomeStatus.UNKNOWN):
            # Kept for an unknown outcome too: it applies once the read-back shows the change.
            with contextlib.suppress(LookupError):
                undo = action.undo(plan, result)
        await asyncio.to_thread(
            self.journal.write_outcome,
            record_id,
            result=status.value,
            verified=False,
            after=[],
            request_ids=calls.request_ids,
            error=error,
            message=message,
            state={
                "result": result,
                "undo": {"action": undo.action_id, "values": undo.values} if undo else None,
            },
        )
        if status not in (OutcomeStatus.SUCCEEDED, OutcomeStatus.UNKNOWN):
            log.info("action %s on %s: %s", plan.action_id, plan.target, status.value)
            return Outcome(
                plan.action_id,
                plan.target,
                status,
                request_ids=tuple(calls.request_ids),
                error=error,
                message=message,
                record_id=record_id,
                refusal=refusal,
                error_code=code,
            )
        progress(Progress(Step.VERIFY, "verifying"))
        verified = await self._verify(plan, record_id, progress)
        return replace(
            verified,
            request_ids=tuple(calls.request_ids),
            error=verified.error or error,
        )

    async def _changed_since_plan(self, plan: Plan) -> str | None:
        """Why the plan no longer describes the resource, or None if it still does."""
        values = dict(plan.values)
        values.update({k: v.reveal() for k, v in plan.params.items() if isinstance(v, Secret)})
        try:
            fresh = await find_action(plan.action_id).plan(self._ctx, values)
        except InvalidInput as exc:
            return "the resource changed since the plan: " + "; ".join(exc.errors.values())
        except (*AWS_ERRORS, LookupError):
            return None  # cannot re-read: let the call itself meet the same fault and say so
        if fresh.before != plan.before:
            now = ", ".join(f"{k}: {v}" for k, v in fresh.before)
            return f"the resource changed since the plan (now {now}); prepare the plan again"
        return None

    # -- verify ---------------------------------------------------------------------------------

    async def verify(
        self, plan: Plan, record_id: str, *, on_progress: OnProgress | None = None
    ) -> Outcome:
        """Read the state back until it matches the plan or the timeout; re-runnable at any time.

        `record_id` is the journal record of the run (`Outcome.record_id`); the reading is journaled there."""
        return await self._verify(plan, record_id, on_progress or _ignore)

    def journal_plan(self, record_id: str) -> Plan:
        """The Plan of a journaled action, rebuilt from its intent (any session), for verify.

        Not planned again: after the change the form no longer validates ("already 512 MB").
        What `observe` reads comes from the intent: parameters, planned after, plan state;
        `execute`'s result and the status come from the outcome (and later readings).
        Raises LookupError when there is no such record or its action is not known."""
        entry = self.journal.entry(record_id)
        if entry is None:
            raise LookupError(f"no journal record {record_id}")
        find_action(entry.action_id)  # raises UnknownAction (a LookupError) for an unknown id
        intent = entry.intent

        def pairs(key: str) -> tuple[tuple[str, str], ...]:
            return tuple((str(k), str(v)) for k, v in intent.get(key) or [])

        if record_id not in self._status:
            state = (entry.outcome or {}).get("state") or {}
            self._results[record_id] = dict(state.get("result") or {})
            try:
                self._status[record_id] = OutcomeStatus(entry.result)
            except ValueError:  # "unfinished": no outcome was written
                self._status[record_id] = OutcomeStatus.UNKNOWN
        return Plan(
            action_id=entry.action_id,
            title=entry.title,
            target=entry.target,
            params=dict(intent.get("parameters") or {}),
            before=pairs("before"),
            after=pairs("planned_after"),
            effects=(),
            cli=tuple(intent.get("cli") or ()),
            risk=Risk.LOW,
            confirm_text="",
            undo_possible=False,
            undo_of=intent.get("undo_of"),
            state=dict(intent.get("plan_state") or {}),
        )

    async def verify_record(
        self, record_id: str, *, on_progress: OnProgress | None = None
    ) -> Outcome:
        """Verify again from the journal record alone (an earlier session's, or one whose app
        was killed mid-call); the reading is journaled. Raises LookupError (no such record)."""
        plan = self.journal_plan(record_id)
        return await self._verify(plan, record_id, on_progress or _ignore)

    def can_verify(self, record_id: str) -> bool:
        """True when `verify_record` can rebuild the record's plan: it is in the journal and
        its action is known. Only asks; `journal_plan` is what loads the record's state."""
        entry = self.journal.entry(record_id)
        if entry is None:
            return False
        try:
            find_action(entry.action_id)
        except LookupError:
            return False
        return True

    async def _verify(self, plan: Plan, record_id: str, progress: OnProgress) -> Outcome:
        action = find_action(plan.action_id)
        timeout = (
            action.verify_timeout
            if self.verify_timeout is None
            else min(self.verify_timeout, action.verify_timeout)
        )
        result = self._results.get(record_id, {})
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        observation: Observation | None = None
        error: str | None = None
        while True:
            try:
                observation = await action.observe(self._ctx, plan, result)
                error = None
            except (*AWS_ERRORS, LookupError) as exc:
                error = describe_error(exc)
            if observation and (observation.matches or observation.final):
                break
            if loop.time() >= deadline:
                break
            detail = (
                observation.message
                if observation and observation.message
                else "waiting for AWS to settle"
            )
            progress(Progress(Step.VERIFY, detail))
            await asyncio.sleep(self.poll_interval)
        matches = bool(observation and observation.matches)
        pairs = observation.pairs if observation else ()
        status = self._status.get(record_id, OutcomeStatus.SUCCEEDED)
        seen = ", ".join(f"{k} {v}" for k, v in pairs)
        read_back = status is OutcomeStatus.UNKNOWN and observation is not None
        if status is OutcomeStatus.UNKNOWN:
            # The call had no clear answer: the read-back is what says what happened.
            if matches:
                status, message = OutcomeStatus.SUCCEEDED, "applied (read back): " + seen
            elif observation is not None:
                status = OutcomeStatus.FAILED
                message = f"not applied (read back after {timeout:g} s: {seen})"
            else:
                message = f"still unknown: could not read the state back ({error}); verify again"
            self._status[record_id] = status
        elif matches:
            message = "verified: the resource now matches the plan"
        elif observation and observation.final:
            message = f"did not take effect: {observation.message}"
        elif error:
            message = f"could not read the state back ({error}); run verify again"
        else:
            message = f"not settled after {timeout:g} s ({observation.message if observation else 'no reading'}); run verify again"
        await asyncio.to_thread(
            self.journal.write_verification,
            record_id,
            verified=matches,
            after=list(pairs),
            message=message,
            result=status.value,
        )
        return Outcome(
            plan.action_id,
            plan.target,
            status,
            verified=matches,
            observed=pairs,
            error=error,
            message=message,
            record_id=record_id,
            refusal=self._refusals.get(record_id),
            read_back=read_back,
        )

    # -- undo and history -------------------------------------------------------------------------

    async def undo_plan(self, record_id: str) -> Plan:
        """The inverse of a journaled action as a new Plan, to be confirmed and `run` like any other.

        Raises UndoUnavailable (no inverse, or it failed/unknown), InvalidInput (the inverse no
        longer applies, e.g. the state is already back), or PlanError.
        """
        entry = self.journal.entry(record_id)
        if entry is None:
            raise UndoUnavailable(f"no journal record {record_id}")
        if entry.outcome is None or entry.result != OutcomeStatus.SUCCEEDED.value:
            # `result` is the latest reading's: an unknown outcome read back as applied counts
            raise UndoUnavailable(
                f"{entry.title} {entry.result}: only an action that succeeded can be undone"
            )
        spec = (entry.outcome.get("state") or {}).get("undo")
        if not spec:
            raise UndoUnavailable(f"{entry.title} cannot be undone")
        undo = UndoSpec(spec["action"], dict(spec["values"]))
        plan = await self.prepare(undo.action_id, undo.values, undo=True)
        return replace(plan, title=f"Undo: {entry.title}", undo_of=record_id)

    def history(self) -> list[JournalEntry]:
        """This session's actions, oldest first (intent, outcome and verifications of each)."""
        return self.journal.entries(session_only=True)

    def last_undoable(self) -> JournalEntry | None:
        """The most recent action of this session that can be undone ("undo last action")."""
        for entry in reversed(self.history()):
            if entry.result == "succeeded" and (entry.outcome or {}).get("state", {}).get("undo"):
                return entry
        return None

    # -- checks and identity ----------------------------------------------------------------------

    async def check(self, check_id: str) -> CheckReport:
        """Run a read-only check; AWS errors come back inside the report."""
        item = CHECKS.get(check_id)
        if item is None:
            raise UnknownAction(check_id)
        calls = CallLog(self.clients)
        try:
            return await item.run(self._ctx, calls)
        except (*AWS_ERRORS, LookupError) as exc:
            return CheckReport(
                check_id, item.title, (), (), (_describe(exc),), tuple(calls.request_ids)
            )

    async def caller_identity(self) -> str:
        """The ARN AWS sees us as (STS), for the journal; read once."""
        if self._caller is None:
            try:
                sts = await self.clients.client("sts")
                self._caller = (await sts.get_caller_identity())["Arn"]
            except AWS_ERRORS as exc:
                return f"unknown ({describe_error(exc)})"
        return self._caller


def _describe(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, LookupError) else describe_error(exc)
