"""The weekly review as rich tables (for `todotui review` and the cockpit's review screen)."""

from __future__ import annotations

import re
from typing import TextIO

from rich import box
from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from todotui.reports.review import (
    AuthReview,
    CostReview,
    Finding,
    Review,
    Section,
    SlowReview,
    TrailReview,
)

NO_DATA = "no data"
PIPED_WIDTH = 160
ALARMING = ("console sign-in without MFA", "console sign-in failed", "IAM policy change")
_ATTRIBUTE_VALUE = re.compile(r"AttributeValue=(\S+)")


def money(value: float | None) -> str:
    if value is None:
        return NO_DATA
    return f"${value:,.2f}" if abs(value) >= 0.01 or value == 0 else f"${value:.4f}"


def change(value: float | None) -> Text:
    if value is None:
        return Text(NO_DATA, style="dim")
    style = "red" if value > 10 else "green" if value < -10 else ""
    return Text(f"{value:+.1f}%", style=style)


def cost_table(data: CostReview) -> Table:
    table = Table(
        box=box.SIMPLE_HEAD,
        expand=False,
        show_footer=True,
        header_style="bold",
        footer_style="bold",
        pad_edge=False,
    )
    table.add_column("Service", footer="Total")
    for i, day in enumerate(data.days):
        mark = "*" if day in data.estimated_days else ""
        table.add_column(
            day.strftime("%a %d") + mark, justify="right", footer=money(data.daily_totals[i])
        )
    table.add_column("Week", justify="right", footer=money(data.week_total))
    table.add_column("Week before", justify="right", footer=money(data.previous_week_total))
    table.add_column("Change", justify="right", footer=change(data.change_pct))
    for row in data.services:
        table.add_row(
            row.service,
            *(money(v) for v in row.daily),
            money(row.week_total),
            money(row.previous_week_total),
            change(row.change_pct),
        )
    return table


def _when(finding: Finding) -> str:
    last = finding.event.time
    first = finding.first
    if first is None or f"{first:%a %d %H:%M}" == f"{last:%a %d %H:%M}":
        return f"{last:%a %d %H:%M}"
    if first.date() == last.date():
        return f"{first:%a %d %H:%M}–{last:%H:%M}"
    return f"{first:%a %d %H:%M} – {last:%a %d %H:%M}"


def _findings_table(findings: tuple[Finding, ...], *, with_kind: bool) -> Table:
    table = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False, expand=False)
    columns = ["When (UTC)", *(["What"] if with_kind else []), "Event", "Who", "From", "Detail"]
    for name in columns:
        table.add_column(name, overflow="fold")
    for f in findings:
        style = "bold red" if f.kind in ALARMING else ""
        event = f.event.name + (f" ×{f.count}" if f.count > 1 else "")
        row: list[RenderableType] = [
            _when(f),
            *([Text(f.kind, style=style)] if with_kind else []),
            event,
            f.event.username or "(not named)",
            f.event.source_ip or "",
            f.detail,
        ]
        table.add_row(*row)
    return table


def trail_table(data: TrailReview) -> RenderableType:
    parts: list[RenderableType] = [Text("Identity and sign-in", style="bold underline")]
    if data.security:
        parts.append(_findings_table(data.security, with_kind=True))
    else:
        parts.append(
            Text("No user or key created, no IAM policy change, no console sign-in without MFA.")
        )
    parts.append(Text("Changes to the stack's resources", style="bold underline"))
    if data.stack_changes:
        parts.append(_findings_table(data.stack_changes, with_kind=False))
    else:
        parts.append(Text("No write to the function, alias, table, API or user pool."))
    return Group(*parts)


def slow_table(data: SlowReview) -> RenderableType:
    if not data.rows:
        return Text(f"No request took longer than {data.threshold_ms:g} ms in the window.")
    table = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False)
    table.add_column("When")
    table.add_column("Request id")
    table.add_column("Duration", justify="right")
    for row in data.rows:
        table.add_row(row.time, row.request_id or "(none)", f"{row.duration_ms:,.0f} ms")
    return table


def auth_table(data: AuthReview) -> RenderableType:
    if not data.users:
        return Text(
            f"No failed sign-in in the window ({data.events_read} lines matched the pattern)."
        )
    table = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False)
    table.add_column("User")
    table.add_column("Failures", justify="right")
    table.add_column("From")
    table.add_column("Last (UTC)")
    for user in data.users:
        table.add_row(
            user.user,
            f"{user.failures:,}" + ("+" if data.truncated else ""),
            ", ".join(user.source_ips) or "",
            user.last.strftime("%a %d %H:%M"),
        )
    return table


def section_body(section: Section) -> RenderableType:
    if section.status == "failed":
        return Text(f"Failed: {section.error}", style="bold red")
    data = section.data
    if isinstance(data, CostReview):
        return cost_table(data)
    if isinstance(data, TrailReview):
        return trail_table(data)
    if isinstance(data, SlowReview):
        return slow_table(data)
    if isinstance(data, AuthReview):
        return auth_table(data)
    return Text(NO_DATA)


def compact_queries(queries: tuple[str, ...]) -> list[str]:
    """Lookups that differ only in their AttributeValue, as one line each with the values."""
    out: list[str] = []
    groups: dict[str, list[str]] = {}
    for query in queries:
        match = _ATTRIBUTE_VALUE.search(query)
        if match is None:
            out.append(query)
            continue
        template = query[: match.start(1)] + "{VALUE}" + query[match.end(1) :]
        if template not in groups:
            groups[template] = []
            out.append(template)
        groups[template].append(match.group(1))
    return [
        f"{line}   for VALUE in: {', '.join(groups[line])}" if line in groups else line
        for line in out
    ]


def section_footer(section: Section) -> Text:
    text = Text()
    text.append("Source: ", style="bold")
    text.append(section.source + "\n")
    for query in compact_queries(section.queries):
        text.append("$ " if query.startswith("aws ") else "» ", style="dim")
        text.append(query + "\n", style="dim")
    for note in section.notes:
        text.append(note + "\n", style="italic")
    text.rstrip()
    return text


def section_panel(section: Section) -> Panel:
    return Panel(
        Group(section_body(section), Text(""), section_footer(section)),
        title=f"[bold]{section.title}[/]",
        title_align="left",
        subtitle=section_summary(section),
        subtitle_align="right",
        border_style="red" if section.status == "failed" else "blue",
    )


def print_review(review: Review, out: TextIO, *, width: int | None = None) -> None:
    if width is None and not (hasattr(out, "isatty") and out.isatty()):
        width = PIPED_WIDTH  # a file or a pipe: wide enough for a week of days
    console = Console(file=out, width=width, soft_wrap=False)
    console.print(
        f"[bold]Weekly review[/] {review.start:%Y-%m-%d %H:%M} → {review.end:%Y-%m-%d %H:%M} UTC "
        f"({review.days} days)"
    )
    for section in review.sections:
        console.print(section_panel(section))


def section_summary(section: Section) -> str:
    """One line for a section's border: what it found, or that it failed."""
    if section.status == "failed":
        return "failed"
    data = section.data
    if isinstance(data, CostReview):
        shift = "" if data.change_pct is None else f" ({data.change_pct:+.1f}% on the week before)"
        return f"week {money(data.week_total)}{shift}"
    if isinstance(data, TrailReview):
        return (
            f"{len(data.security)} identity and sign-in · {len(data.stack_changes)} stack changes"
        )
    if isinstance(data, SlowReview):
        return f"{len(data.rows)} over {data.threshold_ms:g} ms"
    if isinstance(data, AuthReview):
        total = sum(u.failures for u in data.users)
        return f"{total} failures · {len(data.users)} users"
    return NO_DATA
