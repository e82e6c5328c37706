"""An action's outcome as the alert feed shows it: one entry per journal record.

Pure: the core puts these into its alert store, whoever ran the action (a dialog, undo,
verify again, later the rollout controller).
"""

from __future__ import annotations

from datetime import datetime

from todotui.actions.model import Outcome, OutcomeStatus, Plan
from todotui.alerts.model import Alert, AlertSource, Severity

_SEVERITY = {
    OutcomeStatus.FAILED: Severity.CRIT,
    OutcomeStatus.UNKNOWN: Severity.WARN,
    OutcomeStatus.REFUSED: Severity.INFO,
}


def outcome_words(outcome: Outcome) -> str:
    if outcome.read_back:  # AWS's answer was unclear: the read-back decided
        return "applied (read back)" if outcome.ok else "not applied (read back)"
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
    title = (
        f"{plan.title}: {outcome_words(outcome)} ({plan.target}{' → ' + change if change else ''})"
    )
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
        key=f"action:{outcome.record_id or plan.action_id + ':' + plan.target}",
        source=AlertSource.ACTION,
        severity=severity,
        title=title,
        body="\n".join(lines),
        first_seen=now,
        last_seen=now,
    )
