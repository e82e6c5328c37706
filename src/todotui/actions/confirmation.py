"""Confirmation that matches risk: which plans confirm with a key and which want a typed name.

One key: restoring a known-good state (an undo, a rollback to the version the evidence shows
healthy) and reversible changes aimed at exactly the resource the evidence names with the
values it suggested (raise its capacity, raise its memory, disable the user it names), and
anything low-risk. Typed: whatever spends something that cannot be given back (a capacity
decrease, a restore), and every other destructive, security or implausibly sized change,
including one the operator aimed elsewhere than the evidence. The reason is always shown.
"""

from __future__ import annotations

from todotui.actions.model import Confirmation, ConfirmBy, Plan, Risk
from todotui.alerts.remedy import Suggestion

_RISK_WORDS = {
    Risk.HIGH: "high risk (an unusual size)",
    Risk.DESTRUCTIVE: "destructive (it changes what serves traffic or what exists)",
    Risk.SECURITY: "a security change",
}


def matches(plan: Plan, suggestion: Suggestion) -> str | None:
    """None when `plan` is exactly `suggestion` (same action, resource and suggested values);
    else what differs, in words."""
    if plan.action_id != suggestion.action_id:
        return f"another action than the suggested {suggestion.action_id}"
    if plan.confirm_text != suggestion.resource:
        return f"aimed at {plan.confirm_text}, not {suggestion.resource}, which the evidence names"
    typed = dict(plan.values)
    changed = [
        name
        for name, value in suggestion.values.items()
        if typed.get(name, "").strip() != value.strip()
    ]
    if changed:
        return f"{', '.join(changed)} changed from the suggested value"
    return None


def confirmation_for(
    plan: Plan, *, suggestion: Suggestion | None = None, undo: bool = False
) -> Confirmation:
    """How `plan` is confirmed, and why (the dialog shows the reason)."""
    if plan.irreversible:
        return Confirmation(ConfirmBy.TYPED, f"irreversible: {plan.irreversible}")
    if undo:
        return Confirmation(
            ConfirmBy.KEY, "restores a known-good state: the one journaled before the action"
        )
    if suggestion is not None:
        differs = matches(plan, suggestion)
        if differs is None and suggestion.restores:
            return Confirmation(
                ConfirmBy.KEY, f"restores a known-good state: {suggestion.arithmetic[0]}"
            )
        if differs is None and plan.undo_possible:
            sized = (
                "; its size is unusual, but the evidence sizes it (see where the values come from)"
                if plan.risk is Risk.HIGH
                else ""
            )
            return Confirmation(
                ConfirmBy.KEY,
                f"a reversible change to {plan.confirm_text}, the resource the evidence names, "
                f"with the value it suggests{sized}",
            )
        if differs is not None and plan.risk is not Risk.LOW:
            return Confirmation(
                ConfirmBy.TYPED, f"{_RISK_WORDS[plan.risk]}, and {differs}: type the name"
            )
    if plan.risk is Risk.LOW:
        return Confirmation(ConfirmBy.KEY, "low risk: reversible, of the usual size")
    return Confirmation(ConfirmBy.TYPED, f"{_RISK_WORDS[plan.risk]}: type the name")
