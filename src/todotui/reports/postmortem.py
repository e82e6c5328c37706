"""The post-mortem draft: the runbook's "Post-Incident" steps (document the root cause, update
the thresholds, review the runbook) started for the operator, as Markdown.

Pure: `render` writes text from a `PostMortemInput` the core gathers; the core writes the
file. Every time is UTC; a figure without data says so; the actions' commands are the
journal's, whose secrets were already replaced (a shell variable, or "********").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from todotui.alerts.model import Severity
from todotui.reports.timeline import (
    ActionTaken,
    CauseSpan,
    EventKind,
    Figure,
    Impact,
    TimelineEvent,
)


@dataclass(frozen=True, slots=True)
class PostMortemInput:
    """What the draft is written from (the core gathers it at export)."""

    generated_at: datetime
    session_started: datetime
    """When this cockpit began watching: nothing earlier was seen."""
    target: str
    """Where the cockpit watched (account, region, endpoint), in one line."""
    resources: tuple[tuple[str, str], ...]
    """(what, name) of the monitored resources."""
    events: tuple[TimelineEvent, ...]
    impact: Impact
    actions: tuple[ActionTaken, ...]
    causes: tuple[CauseSpan, ...]
    diagnosis_now: str
    """The diagnosis's one-line summary at export."""
    diagnosis_notes: tuple[str, ...] = ()
    alarms: tuple[tuple[str, str], ...] = ()
    """(alarm name, its definition in a few lines) of each configured alarm known."""
    routing: str = ""
    """The alias's routing at export ("version 3"), when known."""
    period_seconds: int = 60


SEVERITY_WORD = {
    Severity.CRIT: "CRIT",
    Severity.WARN: "WARN",
    Severity.INFO: "info",
    Severity.OK: "ok",
}


def _t(moment: datetime | None) -> str:
    return f"{moment:%H:%M:%S}" if moment else "unknown"


def _dt(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC" if moment else "unknown"


def _span(delta: timedelta | None) -> str:
    if delta is None:
        return "unknown"
    seconds = int(delta.total_seconds())
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs:02d} s" if secs else f"{minutes} min"
    return f"{secs} s"


#: Characters of an event's title a timeline row keeps (the cockpit shows it whole).
CELL_LIMIT = 180


def _cell(text: str, limit: int = 0) -> str:
    """One Markdown table cell: a single line, pipes escaped, cut at `limit` when given."""
    line = " ".join(text.split())
    if limit and len(line) > limit:
        line = line[: limit - 1] + "…"
    return line.replace("|", "\\|")


def _figure_value(figure: Figure) -> str:
    if figure.value is None:
        return f"no data ({figure.missing})" if figure.missing else "no data"
    value = figure.value
    if figure.unit == "%":
        text = f"{value:.1f} %"
    elif figure.unit == "ms":
        text = f"{value:,.0f} ms"
    elif value == int(value):
        text = f"{int(value):,}"
    else:
        text = f"{value:,.1f}"
    return text


def _heading(data: PostMortemInput) -> str:
    impact = data.impact
    if impact.start is not None:
        return f"Post-mortem draft: incident of {impact.start:%Y-%m-%d %H:%M} UTC"
    return f"Post-mortem draft: session of {data.session_started:%Y-%m-%d %H:%M} UTC"


def render(data: PostMortemInput) -> str:
    """The whole draft as Markdown."""
    parts = [
        f"# {_heading(data)}",
        "",
        f"> Draft started by todotui at {_dt(data.generated_at)} from what one cockpit session "
        f"saw (watching since {_dt(data.session_started)}). Check every line and fill in the "
        'placeholders: this is the runbook\'s "Document root cause" step, started for you.',
        "",
        *_summary(data),
        *_impact(data),
        *_timeline(data.events),
        *_diagnosis(data),
        *_actions(data.actions),
        *_questions(data),
        "## Root cause",
        "",
        "_To be written once confirmed: what failed, why, and why now._",
        "",
    ]
    return "\n".join(parts)


def _summary(data: PostMortemInput) -> list[str]:
    impact = data.impact
    if impact.start is None:
        span = "no pane breached a threshold during the session"
    elif impact.ongoing:
        span = (
            f"from {_t(impact.start)} UTC, **still ongoing** at {_t(data.generated_at)} UTC "
            f"({_span(data.generated_at - impact.start)} so far)"
        )
    else:
        span = f"from {_t(impact.start)} to {_t(impact.end)} UTC ({_span(impact.duration)})"
    top = max(data.causes, key=lambda c: _LEVELS.get(c.confidence, 0), default=None)
    verified = sum(1 for a in data.actions if a.result == "succeeded" and a.verified)
    lines = [
        "## Summary",
        "",
        "_To be written: what happened, who was affected, how it was resolved (two or three "
        "sentences)._",
        "",
        f"- **Impact:** {span}",
    ]
    if impact.breached:
        lines.append(f"- **Panes in breach:** {', '.join(impact.breached)}")
    lines.append(
        f"- **Cause named by the diagnosis:** {top.cause} ({top.confidence} confidence)"
        if top
        else "- **Cause named by the diagnosis:** none"
    )
    lines.append(
        f"- **Actions taken:** {len(data.actions)} ({verified} verified)"
        if data.actions
        else "- **Actions taken:** none journaled in this session"
    )
    lines.append(f"- **Watched:** {data.target}")
    if data.resources:
        lines.append(
            "- **Resources:** " + ", ".join(f"{what} `{name}`" for what, name in data.resources)
        )
    if data.routing:
        lines.append(f"- **Alias routing at export:** {data.routing}")
    return [*lines, ""]


_LEVELS = {"low": 1, "medium": 2, "high": 3}


def _impact(data: PostMortemInput) -> list[str]:
    impact = data.impact
    lines = ["## Impact", ""]
    if impact.start is not None:
        end = (
            f"still ongoing at {_t(data.generated_at)} UTC"
            if impact.ongoing
            else f"recovered {_t(impact.end)} UTC"
        )
        duration = (
            _span(data.generated_at - impact.start) + " so far"
            if impact.ongoing
            else _span(impact.duration)
        )
        lines += [
            f"Duration of impact: **{duration}** (first breach {_t(impact.start)} UTC, {end}).",
            "",
        ]
    lines += ["| Figure | Value | Period / source |", "|---|---|---|"]
    for figure in impact.figures:
        where = f"{_t(figure.at)} UTC; " if figure.at else ""
        lines.append(
            f"| {_cell(figure.label)} | {_cell(_figure_value(figure))} | {_cell(where + figure.how)} |"
        )
    lines.append("")
    if impact.measured_from is not None and impact.measured_to is not None:
        periods = int((impact.measured_to - impact.measured_from).total_seconds()) // max(
            data.period_seconds, 1
        )
        lines.append(
            f"Measured over the CloudWatch periods from {_t(impact.measured_from)} to "
            f"{_t(impact.measured_to)} UTC ({periods} period{'' if periods == 1 else 's'} of "
            f"{data.period_seconds} s), "
            "as the cockpit last read them."
        )
    for note in impact.notes:
        lines.append(f"{note}")
    return [*lines, ""]


def _timeline(events: tuple[TimelineEvent, ...]) -> list[str]:
    rows = [
        f"| {e.at:%H:%M:%S} | {e.kind.value} | {SEVERITY_WORD[e.severity]} | {_cell(e.title, CELL_LIMIT)} |"
        for e in events
    ]
    lines = ["## Timeline (UTC)", ""]
    if not rows:
        return [*lines, "_Nothing happened while the cockpit watched._", ""]
    days = sorted({f"{e.at:%Y-%m-%d}" for e in events})
    on = days[0] if len(days) == 1 else f"{days[0]} to {days[-1]}"
    lines += [f"Times are UTC, on {on}.", ""]
    return [*lines, "| Time | Kind | Level | Event |", "|---|---|---|---|", *rows, ""]


def _diagnosis(data: PostMortemInput) -> list[str]:
    lines = ["## Diagnosis at the time", ""]
    if not data.causes:
        lines.append("The diagnosis named no cause while the cockpit watched.")
    for span in data.causes:
        until = f"until {_t(span.cleared)}" if span.cleared else "and still at export"
        lines.append(
            f"- **{span.cause}** ({span.confidence} confidence at its highest), named from "
            f"{_t(span.first_seen)} UTC {until}: {span.line}"
        )
        if span.first_line and span.first_line != span.line:
            lines.append(f"  - when first named: {span.first_line}")
        lines.append(f"  - the runbook's answer: `{span.action_id}` on {span.target}")
    lines += ["", f"At export: {data.diagnosis_now}"]
    lines += [f"- {note}" for note in data.diagnosis_notes]
    return [*lines, ""]


def _actions(actions: tuple[ActionTaken, ...]) -> list[str]:
    lines = ["## Actions taken", ""]
    if not actions:
        return [*lines, "_No action was journaled in this session._", ""]
    for action in actions:
        lines += [
            f"### {action.at:%H:%M:%S} UTC — {action.title} ({action.target})",
            "",
            f"- By: {action.actor}" + (f" — {action.reason}" if action.reason else ""),
            f"- Outcome: {action.outcome}",
        ]
        changes = _changes(action)
        if changes:
            lines.append(f"- Change: {changes}")
        if action.error:
            lines.append(f"- AWS said: {action.error}")
        if action.request_ids:
            lines.append("- Request ids: " + ", ".join(f"`{r}`" for r in action.request_ids))
        if action.undo_of:
            lines.append(f"- Undoes journal record `{action.undo_of}`")
        lines.append(f"- Journal record: `{action.record_id}`")
        if action.cli:
            lines += ["", "Equivalent `aws` CLI:", "", "```sh", *action.cli, "```"]
        lines.append("")
    return lines


def _changes(action: ActionTaken) -> str:
    before = dict(action.before)
    parts = []
    for label, after in action.after:
        was = before.get(label)
        parts.append(f"{label} {was} → {after}" if was is not None else f"{label} {after}")
    return "; ".join(parts)


def _questions(data: PostMortemInput) -> list[str]:
    impact = data.impact
    lines = ["## Open questions", ""]
    top = max(data.causes, key=lambda c: _LEVELS.get(c.confidence, 0), default=None)
    if top is not None:
        lines.append(
            f"- [ ] **Root cause to confirm.** The diagnosis named {top.cause} "
            f"({top.confidence} confidence): {top.line}. Is that the root cause, or a symptom? "
            "What changed to make it happen now?"
        )
    else:
        lines.append(
            "- [ ] **Root cause to find.** The diagnosis named no cause: read the logs and "
            "traces of the impact's window."
        )
    lines.append(f"- [ ] **Why alerting fired when it did.** {_alerting(data)}")
    for action in data.actions:
        if action.result == "succeeded" and not action.undo_of:
            lines.append(
                f'- [ ] **Follow-up:** carry "{action.title}" on {action.target} into the '
                "infrastructure code (or undo it), so the next deploy does not revert it "
                "silently."
            )
        elif action.result != "succeeded":
            lines.append(
                f'- [ ] **Follow-up:** "{action.title}" on {action.target} ended '
                f"{action.outcome}: read its state back and decide."
            )
    if impact.ongoing:
        lines.append(
            "- [ ] **Still ongoing at export:** update this draft once the panes are back "
            "to normal."
        )
    if impact.start is not None and not data.actions:
        lines.append("- [ ] **No action was taken:** did it recover on its own, and why?")
    lines += [
        "- [ ] **Thresholds:** do the alarm and cockpit thresholds need changing after this? "
        '(runbook: "Update monitoring thresholds if needed")',
        "- [ ] **Runbook:** what in the runbook was missing or wrong for this incident? "
        '(runbook: "Review and update this runbook")',
        "",
    ]
    if data.alarms:
        lines += ["### The alarms as defined at export", ""]
        for name, definition in data.alarms:
            lines += [f"**{name}**", "", "```", definition, "```", ""]
    return lines


def _alerting(data: PostMortemInput) -> str:
    impact = data.impact
    alarms = [e for e in data.events if e.kind is EventKind.ALARM and e.severity is Severity.CRIT]
    if impact.start is not None:
        alarms = [e for e in alarms if e.at >= impact.start - timedelta(minutes=15)]
    first_alarm = alarms[0] if alarms else None
    if impact.start is None:
        if first_alarm is None:
            return "Nothing breached and no alarm fired: was anything wrong at all?"
        return (
            f"{first_alarm.title} at {_t(first_alarm.at)} UTC, yet no cockpit threshold "
            "was breached: is the alarm too sensitive, or a cockpit threshold too loose?"
        )
    if first_alarm is None:
        return (
            f"The first threshold breach was at {_t(impact.start)} UTC, and no CloudWatch "
            "alarm went to ALARM while the cockpit watched: do the alarms cover this failure, "
            "and would anyone have been paged? (their definitions are below)"
        )
    lag = first_alarm.at - impact.start
    seen = f"The first alarm ({first_alarm.title}) was seen at {_t(first_alarm.at)} UTC"
    if lag.total_seconds() > 0:
        return (
            f"{seen}, {_span(lag)} after the first threshold breach ({_t(impact.start)} UTC). "
            "Is that delay acceptable (the alarm's period and evaluation periods, below), and "
            "was the page acted on in time?"
        )
    return (
        f"{seen}, no later than the first threshold breach ({_t(impact.start)} UTC): the "
        "cockpit polls alarms and metrics together, so the alarm may have fired earlier. "
        "When did the page (SNS) reach a person, and when did they start?"
    )
