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
    Risk,
    Secret,
    UnknownAction,
)
from todotui.actions.registry import ActionInfo, actions_for_topic, catalog
from todotui.actions.runner import ActionRunner, PlanError, UndoUnavailable

__all__ = [
    "FORM",
    "ActionInfo",
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
    "ReadOnlyGuard",
    "ReadOnlyViolation",
    "Risk",
    "Secret",
    "UndoUnavailable",
    "UnknownAction",
    "actions_for_topic",
    "catalog",
]
