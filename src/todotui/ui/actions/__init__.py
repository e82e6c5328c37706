"""The action dialogs: plan, confirm, run, verify, journal and undo, on top of `todotui.actions`."""

from __future__ import annotations

from todotui.ui.actions.check_view import CheckScreen
from todotui.ui.actions.commands import ActionCommands
from todotui.ui.actions.desk import ActionDesk
from todotui.ui.actions.dialog import ActionDialog, DialogStage
from todotui.ui.actions.form import ActionForm, FieldRow
from todotui.ui.actions.journal_view import JournalAsk, JournalRequest, JournalScreen
from todotui.ui.actions.menu import ActionMenuScreen
from todotui.ui.actions.plan_view import PlanView

__all__ = [
    "ActionCommands",
    "ActionDesk",
    "ActionDialog",
    "ActionForm",
    "ActionMenuScreen",
    "CheckScreen",
    "DialogStage",
    "FieldRow",
    "JournalAsk",
    "JournalRequest",
    "JournalScreen",
    "PlanView",
]
