"""The check's table for a terminal (rich): one row per figure, coloured by status."""

from __future__ import annotations

from typing import TextIO

from rich import box
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from todotui.format import number
from todotui.reports.check import CheckLine, CheckReport, Status, Verdict

STATUS_STYLE = {Status.OK: "green", Status.BREACHED: "bold red", Status.NO_DATA: "yellow"}
VERDICT_STYLE = {
    Verdict.HEALTHY: "bold green",
    Verdict.DEGRADED: "bold red",
    Verdict.UNKNOWN: "bold yellow",
}


def figure(value: float | None, unit: str) -> str:
    if value is None:
        return "no data"
    if unit == "count":
        return f"{value:,.0f}"
    return f"{number(value)} {unit}" if unit != "%" else f"{number(value)}%"


def change(value: float | None, pct: float | None, unit: str) -> Text:
    """The earlier figure and how far the current one moved from it."""
    if value is None:
        return Text("no data", style="dim")
    text = Text(figure(value, unit))
    if pct is not None:
        if round(abs(pct)) == 0:
            text.append(" ±0%", style="dim")
        else:
            text.append(f" {'▲' if pct > 0 else '▼'}{abs(pct):.0f}%", style="dim")
    return text


def check_table(report: CheckReport) -> Table:
    plan = report.plan
    table = Table(
        title=f"Morning health check · last {_span(plan.since_seconds)} "
        f"({plan.now.start:%Y-%m-%d %H:%M} – {plan.now.end:%Y-%m-%d %H:%M} UTC)",
        title_justify="left",
        expand=False,
        header_style="bold",
        box=box.SIMPLE_HEAD,
    )
    table.add_column("figure")
    table.add_column("now", justify="right")
    table.add_column("threshold", justify="right")
    table.add_column("status")
    table.add_column("a day earlier", justify="right")
    table.add_column("a week earlier", justify="right")
    for line in report.lines:
        table.add_row(*_row(line))
    return table


def _row(line: CheckLine) -> tuple[RenderableType, ...]:
    style = STATUS_STYLE[line.status] if line.judged else "dim"
    status = Text(line.status.value, style=style)
    if line.status is Status.BREACHED:
        status.append(f" ({line.reason})", style="dim")
    elif line.status is Status.NO_DATA:
        status.append("*", style="dim")
    value = Text(figure(line.value, line.unit), style=style if line.value is None else "")
    return (
        Text(line.name),
        value,
        Text(line.threshold_text or "—", style="dim" if not line.threshold_text else ""),
        status,
        change(line.day_before, line.change_day_pct, line.unit),
        change(line.week_before, line.change_week_pct, line.unit),
    )


def alarm_table(report: CheckReport) -> Table:
    table = Table(title="Alarms", title_justify="left", header_style="bold", box=box.SIMPLE_HEAD)
    table.add_column("alarm")
    table.add_column("state")
    table.add_column("why")
    for alarm in report.alarms:
        table.add_row(
            alarm.name,
            Text(alarm.state or "no data", style=STATUS_STYLE[alarm.status]),
            Text(_short(alarm.reason, 90), style="dim"),
        )
    return table


def check_renderable(report: CheckReport) -> Group:
    verdict = report.verdict
    requests = ", ".join(f"{op.split('.', 1)[-1]} {n}" for op, n in report.requests.items())
    parts: list[RenderableType] = [
        check_table(report),
        alarm_table(report),
        Text(
            f"{report.requests_total} AWS requests ({requests or 'none'}); "
            f"{report.metrics_requested} metrics requested · {report.target}",
            style="dim",
        ),
    ]
    notes = [
        f"* {line.name}: {line.reason}"
        for line in report.lines
        if line.status is Status.NO_DATA and line.reason
    ]
    if notes and len({n.split(": ", 1)[1] for n in notes}) == 1 and len(notes) > 3:
        notes = [f"* every figure: {report.lines[0].reason}"]
    parts[1:1] = [Text("\n".join(notes), style="dim")] if notes else []
    parts += [Text(f"problem: {p}", style="yellow") for p in report.problems]
    parts.append(Text(f"{report.summary} (exit {report.exit_code})", style=VERDICT_STYLE[verdict]))
    return Group(*parts)


def print_check(report: CheckReport, out: TextIO, *, console: Console | None = None) -> None:
    if console is None:
        wide = None if out.isatty() else 112  # a file or a pipe: no terminal to fit
        console = Console(file=out, highlight=False, soft_wrap=False, width=wide)
    console.print(check_renderable(report))


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _span(seconds: int) -> str:
    if seconds % 86400 == 0 and seconds > 86400:
        return f"{seconds // 86400}d"
    if seconds % 3600 == 0:
        return f"{seconds // 3600}h"
    return f"{seconds // 60}m"
