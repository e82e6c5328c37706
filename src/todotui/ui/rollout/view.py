"""What the rollout view says, worked out from the driver's state: markup lines, no widgets.

No IO and no widgets: every line the view shows is built here from the rollout record,
the last analysis, the alias routing and the per-version samples, so tests can read what
the screen must say without a screen. Colours are theme variables (`$error`), resolved
when a widget draws the markup. A missing figure is always a word ("no data"), never a
zero.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from textual.markup import escape

from todotui.rollout.analysis import (
    AnalysisRun,
    RuleVerdict,
    ShareEstimate,
    Verdict,
    observed_share,
)
from todotui.rollout.model import Event, EventKind, PendingAbort, Phase, Rollout
from todotui.rollout.steps import Step, StepKind, duration_words, promotion_seconds
from todotui.telemetry.versions import AliasRouting, VersionInfo, VersionSamples

PHASE_STYLE: dict[Phase, str] = {
    Phase.IDLE: "$text-muted",
    Phase.PROGRESSING: "$accent",
    Phase.PAUSED: "$warning",
    Phase.ANALYSING: "$primary",
    Phase.PROMOTED: "$success",
    Phase.ABORTED: "$error",
    Phase.DEGRADED: "$error",
}
"""The state's colour, from the theme (every built-in theme works)."""

VERDICT_STYLE: dict[Verdict, str] = {
    Verdict.PASS: "$success",
    Verdict.FAIL: "$error",
    Verdict.INCONCLUSIVE: "$warning",
}
VERDICT_MARK: dict[Verdict, str] = {Verdict.PASS: "✔", Verdict.FAIL: "✖", Verdict.INCONCLUSIVE: "?"}

EVENT_STYLE: dict[EventKind, tuple[str, str]] = {
    EventKind.START: ("▶", "$accent"),
    EventKind.STEP: ("▲", "$primary"),
    EventKind.VERDICT: ("◆", "$text-muted"),
    EventKind.OPERATOR: ("●", "$accent"),
    EventKind.CONTROLLER: ("■", "$warning"),
    EventKind.ALARM: ("!", "$error"),
    EventKind.PROBLEM: ("✖", "$error"),
    EventKind.END: ("◼", "$secondary"),
}
"""Each kind of timeline event: its marker on the plot and in the list, and its colour."""

NO_DATA = "no data"
NO_PERCENTILES = "n/a (endpoint has no percentiles)"


# -- small words ------------------------------------------------------------------------------


def when(moment: datetime | None) -> str:
    return f"{moment:%H:%M:%S}" if moment else "—"


def seconds_words(seconds: float) -> str:
    """A countdown or span to the second: 14s, 3m05s, 1h."""
    return duration_words(max(0.0, seconds))


def published(info: VersionInfo | None) -> str:
    """AWS's LastModified ("2025-03-04T11:58:02.123+0000") as "2025-03-04 11:58 UTC"."""
    text = info.last_modified if info else ""
    if len(text) < 16:
        return text or "publish time unknown"
    return f"{text[:10]} {text[11:16]} UTC"


def version_words(role: str, version: str | None, info: VersionInfo | None) -> str:
    """One header line: "stable     v1  stable release · sha d2GVPRkzZ2Hl · published …"."""
    if version is None:
        return f"[$text-muted]{role:<10} none[/]"
    colour = {"stable": "$primary", "serving": "$primary", "candidate": "$accent"}.get(
        role, "$text"
    )
    number = f"[b {colour}]{role:<10} v{escape(version):<4}[/]"
    if info is None:
        return f"{number} [$text-muted](description not read yet)[/]"
    description = escape(info.description) if info.description else "[i](no description)[/]"
    sha = info.code_sha256[:12] or "?"
    return (
        f"{number} {description}  [$text-muted]·[/] sha [b]{escape(sha)}[/]"
        f"  [$text-muted]·[/] published {published(info)}"
    )


def phase_of(rollout: Rollout | None) -> Phase:
    return rollout.phase if rollout is not None else Phase.IDLE


def phase_badge(phase: Phase, *, aborting: bool = False) -> str:
    """The state, coloured; a rollout whose abort counts down says so whatever its phase."""
    if aborting:
        return f"[b reverse $error] {phase.value.upper()} · ABORT PENDING [/]"
    return f"[b reverse {PHASE_STYLE[phase]}] {phase.value.upper()} [/]"


# -- the header's figures ---------------------------------------------------------------------


def weight_since(rollout: Rollout) -> datetime | None:
    """When the alias got its current weight (written and verified); records from before it
    was kept fall back to the first shift. Observed shares count only periods from then on."""
    return rollout.weight_set_at or rollout.first_shift_at


def share_estimate(
    rollout: Rollout, candidate: VersionSamples, stable: VersionSamples, configured: float
) -> ShareEstimate | None:
    """The candidate's observed share against the configured weight (None: nothing ran)."""
    if rollout.phase.finished or configured <= 0:
        return None
    return observed_share(candidate.invocations, stable.invocations, configured)


def share_words(rollout: Rollout | None, estimate: ShareEstimate | None, configured: float) -> str:
    if rollout is None or rollout.phase.finished:
        return ""
    set_words = f"weight set [b]{configured * 100:.3g}%[/]"
    if configured <= 0:
        return f"{set_words} [$text-muted](no traffic on the candidate yet)[/]"
    if estimate is None:
        return f"{set_words} · observed [$text-muted]no data yet (no complete period at this weight)[/]"
    text = (
        f"{set_words} · observed [b]{estimate.observed * 100:.1f}%[/]"
        f" [$text-muted]({estimate.low * 100:.1f}–{estimate.high * 100:.1f}%,"
        f" {estimate.confidence * 100:.3g}% CI, {estimate.invocations:,} calls)[/]"
    )
    if estimate.disagrees:
        text += "  [b reverse $warning] ⚠ disagrees with the setting [/]"
    return text


def eta_seconds(rollout: Rollout, now: datetime) -> float | None:
    """Seconds to full promotion if every gate passes on time; None when a person must act
    (a "pause until promoted" or an "analyse" step is ahead) or the rollout is over."""
    if not rollout.phase.active:
        return None
    left = rollout.pause_left(now)
    if left is not None:
        rest = promotion_seconds(rollout.steps, rollout.step_index + 1)
        return None if rest is None else rest + left
    return promotion_seconds(rollout.steps, rollout.step_index)


def rollback_seconds(failure_budget: int, interval_seconds: float, grace_seconds: float) -> float:
    """Worst case from a regression to stable again: the whole budget spent one analysis at a
    time, then the on-screen countdown (a critical failure spends the budget at once)."""
    return failure_budget * interval_seconds + grace_seconds


def timing_words(
    rollout: Rollout,
    now: datetime,
    *,
    failure_budget: int,
    interval_seconds: float,
    grace_seconds: float,
) -> str:
    parts: list[str] = []
    if rollout.phase is Phase.PAUSED or (rollout.held and rollout.phase.active):
        return (
            "[b $warning]held: nothing moves on its own[/] (no step, no automatic abort)  ·"
            "  [b]p[/] promotes  ·  [b]space[/] resumes  ·  [b]x[/] aborts"
        )
    left = rollout.pause_left(now)
    if left is not None and rollout.phase.active:
        parts.append(f"pause left [b]{seconds_words(left)}[/]")
    if rollout.phase.active:
        eta = eta_seconds(rollout, now)
        parts.append(
            f"full promotion in [b]{seconds_words(eta)}[/] [$text-muted](if every analysis passes)[/]"
            if eta is not None
            else "full promotion [b $warning]needs you[/] [$text-muted](a step waits for a person or a pass)[/]"
        )
        worst = rollback_seconds(failure_budget, interval_seconds, grace_seconds)
        parts.append(
            f"rollback ≤ [b]{seconds_words(worst)}[/] [$text-muted]after a regression"
            f" ({failure_budget} × {seconds_words(interval_seconds)} + {seconds_words(grace_seconds)}"
            " grace)[/]"
        )
    elif rollout.ended_at is not None:
        parts.append(
            f"ended {when(rollout.ended_at)} after {seconds_words((rollout.ended_at - rollout.started_at).total_seconds())}"
        )
    return "  [$text-muted]·[/]  ".join(parts)


def step_words(rollout: Rollout, now: datetime) -> str:
    step = rollout.step
    label = f"step [b]{rollout.step_label}[/]"
    if step is None:
        return f"{label} (all done)"
    return f"{label} {escape(step.describe())}"


def countdown_words(pending: PendingAbort, now: datetime) -> str:
    """The abort banner, ticking every second."""
    left = (pending.due_at - now).total_seconds()
    lead = f"ABORTING IN {seconds_words(left)}" if left > 0 else "ABORTING NOW"
    return (
        f"[b]⚠ {lead}[/]: {escape(pending.reason)}\n"
        "[b reverse] h [/] hold (wait for a person)   [b reverse] x [/] abort now"
    )


# -- stable vs candidate ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ComparisonRow:
    key: str
    label: str
    stable: str
    candidate: str
    difference: str
    verdict: Verdict | None
    """The worst verdict among the rules that judge this row (None: no rule does)."""


def _present(values: Iterable[float | None]) -> list[float]:
    return [v for v in values if v is not None]


def _total(samples: VersionSamples, attr: str) -> float | None:
    values = _present(getattr(p, attr) for p in samples.periods)
    return sum(values) if values else None


def count_words(value: float | None) -> str:
    return NO_DATA if value is None else f"{value:,.0f}"


def pct_words(value: float | None) -> str:
    return NO_DATA if value is None else f"{value:.2f}%"


def ms_words(value: float | None) -> str:
    if value is None:
        return NO_DATA
    return f"{value:,.0f}ms" if value >= 100 else f"{value:.1f}ms"


def worst_verdict(verdicts: Iterable[RuleVerdict]) -> Verdict | None:
    kinds = {v.verdict for v in verdicts}
    for kind in (Verdict.FAIL, Verdict.INCONCLUSIVE, Verdict.PASS):
        if kind in kinds:
            return kind
    return None


def _rules(run: AnalysisRun | None, *ids: str, metric: str = "") -> list[RuleVerdict]:
    if run is None:
        return []
    return [v for v in run.verdicts if v.rule in ids and metric in v.metric]


def _delta_ms(stable: float | None, candidate: float | None) -> str:
    if stable is None or candidate is None:
        return "—"
    change = candidate - stable
    relative = f" ({change / stable * 100:+.0f}%)" if stable else ""
    sign = "+" if change >= 0 else "−"
    return f"{sign}{ms_words(abs(change))}{relative}"


def comparison_rows(
    stable: VersionSamples, candidate: VersionSamples | None, run: AnalysisRun | None
) -> list[ComparisonRow]:
    """Invocations, errors, error %, throttles, duration avg, p99: both versions and the
    difference, each difference judged by the analysis rule that covers it."""
    cand = candidate or VersionSamples("")
    have_cand = candidate is not None
    calls_s = _total(stable, "invocations")
    calls_c = _total(cand, "invocations")
    share = "—"
    if calls_s is not None and calls_c is not None and calls_s + calls_c > 0:
        share = f"{calls_c / (calls_s + calls_c) * 100:.1f}% of calls"
    errors_s, errors_c = _total(stable, "errors"), _total(cand, "errors")
    pct_s, pct_c = stable.error_pct, cand.error_pct
    pct_diff = "—" if pct_s is None or pct_c is None else f"{pct_c - pct_s:+.2f} pts"
    avg_s, avg_c = stable.duration_avg, cand.duration_avg

    def p99(samples: VersionSamples) -> str:
        return ms_words(samples.duration_p99) if samples.percentiles else "n/a"

    p99_s, p99_c = stable.duration_p99, cand.duration_p99
    both_percentiles = stable.percentiles and (cand.percentiles or not have_cand)
    dash = "—"
    rows = [
        ComparisonRow(
            "invocations",
            "invocations",
            count_words(calls_s),
            count_words(calls_c) if have_cand else dash,
            share if have_cand else dash,
            None,
        ),
        ComparisonRow(
            "errors",
            "errors",
            count_words(errors_s),
            count_words(errors_c) if have_cand else dash,
            dash,
            None,
        ),
        ComparisonRow(
            "error_pct",
            "error %",
            pct_words(pct_s),
            pct_words(pct_c) if have_cand else dash,
            pct_diff if have_cand else dash,
            worst_verdict(_rules(run, "candidate-errors", "errors-vs-stable")),
        ),
        ComparisonRow(
            "throttles",
            "throttles",
            count_words(_total(stable, "throttles")),
            count_words(_total(cand, "throttles")) if have_cand else dash,
            dash,
            None,
        ),
        ComparisonRow(
            "duration_avg",
            "duration avg",
            ms_words(avg_s),
            ms_words(avg_c) if have_cand else dash,
            _delta_ms(avg_s, avg_c) if have_cand else dash,
            worst_verdict(
                _rules(run, "candidate-latency", metric="average")
                + _rules(run, "latency-vs-stable", metric="average")
            ),
        ),
        ComparisonRow(
            "duration_p99",
            "duration p99",
            p99(stable),
            (p99(cand) if have_cand else dash),
            (
                NO_PERCENTILES
                if not both_percentiles
                else _delta_ms(p99_s, p99_c)
                if have_cand
                else dash
            ),
            worst_verdict(
                _rules(run, "candidate-latency", metric="p99")
                + _rules(run, "latency-vs-stable", metric="p99")
            ),
        ),
    ]
    return rows


def verdict_markup(text: str, verdict: Verdict | None) -> str:
    if verdict is None:
        return f"[$text-muted]{escape(text)}[/]"
    return f"[b {VERDICT_STYLE[verdict]}]{VERDICT_MARK[verdict]} {escape(text)}[/]"


# -- the step plan ----------------------------------------------------------------------------


def plan_lines(rollout: Rollout, now: datetime, *, room: int = 99) -> list[str]:
    """Every step, the current one highlighted, done ones dimmed and ticked; a long plan
    (linear, 19 steps) is cut to a window around the current step within `room` lines."""
    current = rollout.step_index
    lines: list[str] = []
    for index, step in enumerate(rollout.steps):
        lines.append(_plan_line(rollout, index, step, current, now))
    if len(lines) <= room:
        return lines
    room = max(room, 3)
    body = room - 2  # a "⋮" line above and below
    start = max(0, min(current - body // 2, len(lines) - body))
    end = start + body
    if start == 0:
        end = room - 1
    elif end >= len(lines):
        start, end = len(lines) - (room - 1), len(lines)
    shown = lines[start:end]
    if start > 0:
        shown.insert(0, f"[$text-muted]  ⋮ {start} done above[/]")
    if end < len(lines):
        shown.append(f"[$text-muted]  ⋮ {len(lines) - end} more[/]")
    return shown


def _plan_line(rollout: Rollout, index: int, step: Step, current: int, now: datetime) -> str:
    number = f"{index + 1:>2}"
    words = escape(step.describe())
    phase = rollout.phase
    if index < current or phase is Phase.PROMOTED:
        return f"[$success]✔[/] [$text-muted]{number}  {words}[/]"
    if index == current:
        if phase is Phase.ABORTED:
            return f"[b $error]✖ {number}  {words}  (aborted here)[/]"
        if phase is Phase.DEGRADED:
            return f"[b $error]■ {number}  {words}  (stopped here)[/]"
        note = ""
        left = rollout.pause_left(now)
        if step.kind is StepKind.WAIT or phase is Phase.PAUSED:
            note = "  waiting for you (p promotes)"
        elif left is not None and left > 0:
            note = f"  {seconds_words(left)} left"
        elif step.kind in (StepKind.PAUSE, StepKind.ANALYSE) and phase is Phase.ANALYSING:
            note = "  waiting for a pass"
        return f"[b reverse {PHASE_STYLE[phase]}]▶ {number}  {words}{note} [/]"
    return f"[$text-muted]·[/] {number}  {words}"


# -- the analysis -----------------------------------------------------------------------------


def analysis_lines(run: AnalysisRun | None, rollout: Rollout | None) -> list[str]:
    """One line per rule: its mark, title and reason (metric, value, threshold, window)."""
    if run is None:
        if rollout is None:
            return ["[$text-muted]No rollout: nothing is being judged.[/]"]
        if rollout.first_shift_at is None:
            return ["[$text-muted]No analysis yet: the candidate has had no traffic.[/]"]
        return [
            "[$text-muted]No analysis in this session yet: the first runs one interval after the"
            " candidate got traffic (earlier verdicts are in the timeline).[/]"
        ]
    lines = []
    for rule in run.verdicts:
        style = VERDICT_STYLE[rule.verdict]
        critical = (
            " [b $error](critical)[/]" if rule.critical and rule.verdict is Verdict.FAIL else ""
        )
        lines.append(
            f"[b {style}]{VERDICT_MARK[rule.verdict]} {escape(rule.title)}[/]{critical}"
            f"  {escape(rule.reason)}"
        )
    return lines


def budget_words(
    run: AnalysisRun | None,
    rollout: Rollout | None,
    *,
    failure_budget: int,
    interval_seconds: float,
    now: datetime,
) -> str:
    if rollout is None:
        return ""
    spent = rollout.failures
    style = "$error" if spent >= failure_budget else "$warning" if spent else "$success"
    parts = [f"failure budget [b {style}]{spent}/{failure_budget}[/]"]
    if run is not None:
        parts.append(
            f"last verdict [b {VERDICT_STYLE[run.verdict]}]{run.verdict.value}[/] at {when(run.at)}"
            f" over {when(run.window_start)[:5]}–{when(run.window_end)[:5]}"
        )
    if rollout.phase.active and rollout.first_shift_at is not None:
        last = rollout.last_analysis_at or rollout.first_shift_at
        due = last + timedelta(seconds=interval_seconds)
        left = (due - now).total_seconds()
        parts.append(
            f"next analysis in {seconds_words(left)}" if left > 0 else "next analysis: due now"
        )
    if rollout.inconclusive_streak:
        parts.append(f"inconclusive {rollout.inconclusive_streak} in a row")
    return "  [$text-muted]·[/]  ".join(parts)


# -- the timeline -----------------------------------------------------------------------------


def sorted_events(events: Sequence[Event]) -> list[Event]:
    """Oldest first by time (alarms are noted when seen, with the time they began)."""
    return sorted(events, key=lambda e: e.at)


def event_lines(events: Sequence[Event], *, limit: int) -> list[str]:
    """The newest `limit` events, newest first: time, marker, words."""
    lines = []
    for event in reversed(sorted_events(events)[-limit:]):
        mark, style = EVENT_STYLE[event.kind]
        if event.kind is EventKind.VERDICT:
            style = _verdict_style(event.text)
        lines.append(f"[$text-muted]{when(event.at)}[/] [b {style}]{mark}[/] {escape(event.text)}")
    return lines


def routing_words(routing: AliasRouting | None, error: str | None) -> str:
    if routing is None:
        return f"[b $error]alias not read[/]: {escape(error)}" if error else "alias not read yet"
    return escape(routing.describe())


# -- a table as aligned markup ----------------------------------------------------------------


def cells(markup: str) -> int:
    """Cells the markup takes on screen."""
    from textual.content import Content

    return Content.from_markup(markup).cell_length


def pad(markup: str, width: int, *, right: bool = False) -> str:
    gap = " " * max(0, width - cells(markup))
    return gap + markup if right else markup + gap


def comparison_table(
    rows: Sequence[ComparisonRow], *, stable: str, candidate: str | None
) -> list[str]:
    """The side-by-side table: metric, stable, candidate, difference (coloured by verdict)."""
    heads = (
        "",
        f"[b $primary]stable v{escape(stable)}[/]",
        f"[b $accent]candidate v{escape(candidate)}[/]"
        if candidate
        else "[$text-muted]no candidate[/]",
        "[b]difference[/]",
    )
    body = [
        (
            row.label,
            row.stable,
            row.candidate,
            verdict_markup(row.difference, row.verdict)
            if row.difference not in ("—", NO_PERCENTILES)
            else f"[$text-muted]{escape(row.difference)}[/]",
        )
        for row in rows
    ]
    plain = [(escape(a), escape(b), escape(c), d) for a, b, c, d in body]
    widths = [max(cells(line[i]) for line in (heads, *plain)) for i in range(4)]
    lines = ["  ".join(pad(h, w) for h, w in zip(heads, widths, strict=True))]
    lines.append("[$text-muted]" + "  ".join("─" * w for w in widths) + "[/]")
    for a, b, c, d in plain:
        lines.append(
            "  ".join(
                (
                    pad(f"[$text-muted]{a}[/]", widths[0]),
                    pad(b, widths[1], right=True),
                    pad(c, widths[2], right=True),
                    d,
                )
            )
        )
    return lines


# -- the timeline plot --------------------------------------------------------------------------

BARS = "▁▂▃▄▅▆▇█"
GAP = "·"
LABEL_WIDTH = 16
VALUE_WIDTH = 10

_MARK_PRIORITY = (
    EventKind.PROBLEM,
    EventKind.ALARM,
    EventKind.END,
    EventKind.CONTROLLER,
    EventKind.OPERATOR,
    EventKind.STEP,
    EventKind.START,
    EventKind.VERDICT,
)


def _step_series(
    points: Sequence[tuple[datetime, float | None]], edges: Sequence[datetime]
) -> list[float | None]:
    """The value in force at the end of each column (carried forward; None before the first)."""
    values: list[float | None] = []
    index, current = 0, None
    ordered = sorted(points, key=lambda p: p[0])
    for edge in edges:
        while index < len(ordered) and ordered[index][0] <= edge:
            current = ordered[index][1]
            index += 1
        values.append(current)
    return values


def _window_series(
    points: Sequence[tuple[datetime, float | None]],
    edges: Sequence[datetime],
    since: datetime | None,
) -> list[float | None]:
    """Each analysis's figure drawn over the stretch it judged: from the one before it (or
    from `since`, the first shift) up to it. None (a gap) before `since` and after the last
    analysis: nothing judged those stretches yet."""
    ordered = sorted(points, key=lambda p: p[0])
    values: list[float | None] = []
    index = 0
    for edge in edges:
        while index < len(ordered) and ordered[index][0] < edge:
            index += 1
        if since is None or edge <= since or index >= len(ordered):
            values.append(None)
        else:
            values.append(ordered[index][1])
    return values


def _bar_rows(values: Sequence[float | None], scale: float, style: str, height: int) -> list[str]:
    """A sparkline `height` rows tall (eighths of a cell each), top row first; a zero still
    draws a floor, a period without data a faint dot (never a zero)."""
    steps = len(BARS) * height
    grid: list[list[tuple[str, bool]]] = [[] for _ in range(height)]
    for value in values:
        if value is None:
            for row in range(height):
                grid[row].append((GAP if row == height - 1 else " ", False))
            continue
        level = max(1, min(steps, round(value / scale * steps)))
        for row in range(height):
            fill = level - (height - 1 - row) * len(BARS)
            char = " " if fill <= 0 else "█" if fill >= len(BARS) else BARS[fill - 1]
            grid[row].append((char, True))
    lines = []
    for cells_ in grid:
        out, run, bar = [], "", None
        for char, is_bar in cells_:
            if bar is not None and is_bar != bar:
                out.append(f"[{style}]{run}[/]" if bar else f"[$text-muted]{run}[/]")
                run = ""
            run, bar = run + char, is_bar
        if run:
            out.append(f"[{style}]{run}[/]" if bar else f"[$text-muted]{run}[/]")
        lines.append("".join(out))
    return lines


def _verdict_style(text: str) -> str:
    for verdict, style in VERDICT_STYLE.items():
        if text.startswith(verdict.value):
            return style
    return "$text-muted"


def timeline_lines(
    rollout: Rollout,
    now: datetime,
    width: int,
    *,
    interval_seconds: float,
    max_error_pct: float = 5.0,
    max_latency_ms: float = 2000.0,
    rows: int = 1,
) -> list[str]:
    """Weight against both versions' error % and latency over the rollout, one character per
    time slice and `rows` lines per series, with a row of event markers on the same time
    axis. Full height is the analysis's limit (or the worst figure, if higher)."""
    plot = max(8, width - LABEL_WIDTH - VALUE_WIDTH - 1)
    start = rollout.started_at
    end = rollout.ended_at + timedelta(seconds=interval_seconds) if rollout.ended_at else now
    if end - start < timedelta(seconds=interval_seconds):
        end = start + timedelta(seconds=interval_seconds)
    span = end - start
    edges = [start + span * (i + 1) / plot for i in range(plot)]
    samples = rollout.samples
    weights: list[tuple[datetime, float | None]] = [(start, 0.0)]
    first = next((s.weight for s in rollout.steps if s.kind is StepKind.WEIGHT), None)
    if rollout.first_shift_at is not None and first is not None:
        weights.append((rollout.first_shift_at, first))
    weights += [(s.at, s.weight) for s in samples]
    weights.append((rollout.ended_at or now, rollout.weight))
    weight = _step_series(weights, edges)
    since = rollout.first_shift_at
    err_c = _window_series([(s.at, s.candidate_error_pct) for s in samples], edges, since)
    err_s = _window_series([(s.at, s.stable_error_pct) for s in samples], edges, since)
    lat_c = _window_series([(s.at, s.candidate_latency_ms) for s in samples], edges, since)
    lat_s = _window_series([(s.at, s.stable_latency_ms) for s in samples], edges, since)
    # Full height is the analysis's own limit (or the worst figure, if higher): a healthy
    # version stays low, one that breaks the limit hits the top.
    err_scale = max([max_error_pct, *_present(err_c), *_present(err_s)])
    lat_scale = max([max_latency_ms, *_present(lat_c), *_present(lat_s)])

    def last(values: Sequence[float | None]) -> float | None:
        present = _present(values)
        return present[-1] if present else None

    def series(
        label: str, values: list[float | None], scale: float, style: str, shown: str
    ) -> list[str]:
        bars = _bar_rows(values, scale, style, rows)
        # The label and figure sit on the bottom row, beside the bars' floor.
        return [" " * LABEL_WIDTH + line for line in bars[:-1]] + [
            pad(f"[$text-muted]{escape(label)}[/]", LABEL_WIDTH)
            + bars[-1]
            + " "
            + pad(shown, VALUE_WIDTH, right=True)
        ]

    def pct(value: float | None) -> str:
        return NO_DATA if value is None else f"{value:.1f}%"

    cand, stab = rollout.candidate, rollout.stable
    lines = [
        *series("weight v" + cand, weight, 1.0, "b $secondary", f"{rollout.weight * 100:.3g}%"),
        *series(f"error % v{cand}", err_c, err_scale, "$accent", pct(last(err_c))),
        *series(f"error % v{stab}", err_s, err_scale, "$primary", pct(last(err_s))),
        *series(f"latency v{cand}", lat_c, lat_scale, "$accent", ms_words(last(lat_c))),
        *series(f"latency v{stab}", lat_s, lat_scale, "$primary", ms_words(last(lat_s))),
    ]
    marks: list[Event | None] = [None] * plot
    for event in rollout.events:
        column = int((event.at - start) / span * plot)
        column = max(0, min(plot - 1, column))
        held = marks[column]
        if held is None or _MARK_PRIORITY.index(event.kind) < _MARK_PRIORITY.index(held.kind):
            marks[column] = event
    marker = []
    for marked in marks:
        if marked is None:
            marker.append(" ")
            continue
        mark, style = EVENT_STYLE[marked.kind]
        if marked.kind is EventKind.VERDICT:
            style = _verdict_style(marked.text)
        marker.append(f"[b {style}]{mark}[/]")
    lines.append(pad("[$text-muted]events[/]", LABEL_WIDTH) + "".join(marker))
    left, right = f"{start:%H:%M:%S}", f"{end:%H:%M:%S}"
    axis = left + " " * max(1, plot - len(left) - len(right)) + right
    lines.append(" " * LABEL_WIDTH + f"[$text-muted]{axis}[/]")
    at_limits = err_scale == max_error_pct and lat_scale == max_latency_ms
    lines.append(
        " " * LABEL_WIDTH + f"[$text-muted]row tops: 100% · {err_scale:.3g}% errors ·"
        f" {ms_words(lat_scale)}{' (the limits)' if at_limits else ''}[/]"
    )
    return lines
