"""The plain data an action dialog shows and hands back: fields, plans, outcomes.

Nothing here does IO. A `Plan` carries everything `ActionRunner.run` needs, so the
dialog only shows it, collects a confirmation and passes it back unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any, NoReturn

REDACTED = "********"
FORM = "_form"
"""The key of an `InvalidInput` message about the whole form rather than one field."""


class Risk(Enum):
    """How the operator confirms: LOW with a key, the others by typing the resource's name."""

    LOW = "low"
    HIGH = "high"
    """Harmless in kind but implausible in size (capacity x10 above live, a large hourly cost,
    an alarm threshold that can hardly fire): the plan's warnings say why."""
    DESTRUCTIVE = "destructive"
    SECURITY = "security"

    @property
    def needs_typed_confirmation(self) -> bool:
        return self is not Risk.LOW


class ConfirmBy(Enum):
    """How a plan is confirmed: one key, or the resource's name typed."""

    KEY = "key"
    TYPED = "typed"


@dataclass(frozen=True, slots=True)
class Confirmation:
    """The confirmation a plan asks for, and the class of change that earns it (shown)."""

    by: ConfirmBy
    why: str

    @property
    def typed(self) -> bool:
        return self.by is ConfirmBy.TYPED


class FieldKind(Enum):
    INT = "int"
    FLOAT = "float"
    TEXT = "text"
    CHOICE = "choice"
    SECRET = "secret"
    """Masked input; the value is wrapped in `Secret` and never written anywhere."""
    BOOL = "bool"


@dataclass(frozen=True, slots=True)
class Field:
    """One input of an action dialog. `default` is read from live state where it can be."""

    name: str
    label: str
    kind: FieldKind
    help: str = ""
    choices: tuple[str, ...] = ()
    default: str = ""
    required: bool = True


class Secret:
    """A value that must never be shown, logged or journaled: every rendering is redacted."""

    __slots__ = ("_value",)

    def __init__(self, value: str):
        self._value = value

    def reveal(self) -> str:
        """The real value, only for the one AWS call that needs it."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret({REDACTED})"

    def __str__(self) -> str:
        return REDACTED

    def __format__(self, spec: str) -> str:
        return REDACTED

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(Secret)

    def __reduce__(self) -> NoReturn:
        raise TypeError("a Secret cannot be pickled")


Pairs = tuple[tuple[str, str], ...]
"""Ordered (label, value) rows, as the dialog shows them."""

FormValues = tuple[tuple[str, str], ...]
"""A form's text as the operator typed it: ordered (field name, text) pairs."""


@dataclass(frozen=True, slots=True)
class Plan:
    """What will be done, to what, with what effect; shown before anything is sent."""

    action_id: str
    title: str
    target: str
    """The resource acted on, as a person names it (e.g. "lambda todo-handler:PROD")."""
    params: dict[str, Any]
    """Validated parameters (secrets wrapped in `Secret`)."""
    before: Pairs
    after: Pairs
    effects: tuple[str, ...]
    """Blast radius, cost and side effects, one sentence each."""
    cli: tuple[str, ...]
    """The equivalent `aws` CLI v1 commands, shell-quoted, secrets replaced by a variable."""
    risk: Risk
    confirm_text: str
    """What the operator must type when `needs_typed_confirmation` (the resource's name)."""
    undo_possible: bool
    undo_note: str = ""
    context: Pairs = ()
    """Live facts that help decide (recent duration, consumed capacity, decreases today)."""
    warnings: tuple[str, ...] = ()
    """Things that deserve a second look (a capacity decrease, a cache resize flushing it)."""
    stale_warning: str | None = None
    """Set by the UI when its telemetry is old; `run` then wants `stale_override=True`."""
    undo_of: str | None = None
    """The journal record this plan undoes, if it is an undo."""
    state: dict[str, Any] = field(default_factory=dict, repr=False)
    """The action's own live facts read at plan time that execute/verify/undo need (ids, previous values)."""
    values: FormValues = ()
    """The form text this plan was built from, secret fields left out; set by `ActionRunner.prepare`,
    which plans again from it just before sending to see whether the resource changed."""
    irreversible: str = ""
    """What the change spends that cannot be given back (a capacity decrease uses one of the
    day's allowance; a restore makes a table): such a plan is always confirmed by typing."""
    basis: tuple[str, ...] = ()
    """Where the values came from when a diagnosis suggested them: the evidence, then the
    arithmetic, one line each."""
    confirmation: Confirmation | None = None
    """Set by `ActionRunner.prepare` (`actions.confirmation`); None: by `risk` alone."""

    @property
    def needs_typed_confirmation(self) -> bool:
        if self.confirmation is not None:
            return self.confirmation.typed
        return self.risk.needs_typed_confirmation

    def with_stale_warning(self, text: str | None) -> Plan:
        return replace(self, stale_warning=text)


class OutcomeStatus(Enum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    """AWS refused; `error` holds AWS's own words."""
    UNKNOWN = "unknown"
    """The endpoint went away mid-call: it may or may not have happened; run verify again."""
    REFUSED = "refused"
    """Nothing was sent: `Outcome.refusal` says why."""


class Refusal(Enum):
    """Why a run was refused with nothing sent (`OutcomeStatus.REFUSED`)."""

    READ_ONLY = "read-only"
    """Read-only mode: the runner refused, or the guard on the clients stopped the call."""
    NOT_CONFIRMED = "not-confirmed"
    """The typed confirmation did not match the resource's name."""
    STALE = "stale"
    """The telemetry was stale and the operator did not override."""
    BUSY = "busy"
    """Another action on the same target was still running."""
    CHANGED = "changed"
    """The resource changed since the plan was built: prepare it again."""


class Actor(Enum):
    """Who made a change: the journal says whether a person or the rollout controller did."""

    OPERATOR = "operator"
    CONTROLLER = "rollout controller"


class Step(Enum):
    """Where a run is in its life cycle, as reported to `ActionRunner.run`'s `on_progress`."""

    REREAD = "reread"
    """Re-reading the live state to check the plan still describes it."""
    SEND = "send"
    """Making the AWS calls."""
    VERIFY = "verify"
    """Reading the state back until it matches the plan (each reading is one event)."""


@dataclass(frozen=True, slots=True)
class Progress:
    """One progress event of a run or a verify: the step, and what is happening, in words."""

    step: Step
    detail: str


@dataclass(frozen=True, slots=True)
class Outcome:
    action_id: str
    target: str
    status: OutcomeStatus
    verified: bool = False
    observed: Pairs = ()
    """The after-state as read back from AWS."""
    request_ids: tuple[str, ...] = ()
    error: str | None = None
    message: str = ""
    record_id: str | None = None
    refusal: Refusal | None = None
    read_back: bool = False
    """AWS's answer was unclear (a 5XX, a timeout): the status was decided by reading the
    resource back, not by the answer."""
    error_code: str | None = None
    """AWS's error code when it refused (e.g. PreconditionFailedException), for callers that
    must tell one refusal from another without reading `error`'s words."""

    def __post_init__(self) -> None:
        if (self.refusal is None) == (self.status is OutcomeStatus.REFUSED):
            raise ValueError(
                f"Outcome(status={self.status.name}, refusal={self.refusal}): a refusal reason goes with REFUSED only"
            )

    @property
    def ok(self) -> bool:
        return self.status is OutcomeStatus.SUCCEEDED

    @property
    def outcome_unknown(self) -> bool:
        return self.status is OutcomeStatus.UNKNOWN


class InvalidInput(Exception):
    """Some fields are wrong; nothing was sent. `errors` maps field name -> message."""

    def __init__(self, errors: dict[str, str]):
        self.errors = dict(errors)
        super().__init__("; ".join(f"{name}: {msg}" for name, msg in self.errors.items()))


class UnknownAction(KeyError):
    pass


class PartialFailure(Exception):
    """The first of two calls succeeded and the second did not: say exactly which."""


@dataclass(frozen=True, slots=True)
class CheckRow:
    label: str
    value: str
    ok: bool | None = None
    """True fine, False a problem, None just information."""


@dataclass(frozen=True, slots=True)
class CheckReport:
    """The result of a read-only check (e.g. the runbook's authentication checks)."""

    check_id: str
    title: str
    rows: tuple[CheckRow, ...]
    cli: tuple[str, ...]
    errors: tuple[str, ...] = ()
    request_ids: tuple[str, ...] = ()
