"""Remediation: validate -> plan -> confirm -> execute -> verify -> journal -> undo. No Textual.

The dialog layer needs only what is exported here.
"""

from todotui.actions.guard import ReadOnlyGuard, ReadOnlyViolation
from todotui.actions.journal import Journal, JournalEntry
from todotui.actions.model import (
    FORM,
    CheckReport,
    CheckRow,
    Field,
    FieldKind,
    InvalidInput,
    Outcome,
    OutcomeStatus,
    Plan,
    Progress,
    Refusal,
    Risk,
    Secret,
    Step,
    UnknownAction,
)
from todotui.actions.registry import ActionInfo, ActionKind, actions_for_topic, catalog
from todotui.actions.runner import ActionRunner, PlanError, UndoUnavailable

__all__ = [
    "FORM",
    "ActionInfo",
    "ActionKind",
    "ActionRunner",
    "CheckReport",
    "CheckRow",
    "Field",
    "FieldKind",
    "InvalidInput",
    "Journal",
    "JournalEntry",
    "Outcome",
    "OutcomeStatus",
    "Plan",
    "PlanError",
    "Progress",
    "ReadOnlyGuard",
    "ReadOnlyViolation",
    "Refusal",
    "Risk",
    "Secret",
    "Step",
    "UndoUnavailable",
    "UnknownAction",
    "actions_for_topic",
    "catalog",
]
