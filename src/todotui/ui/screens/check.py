"""The morning health check, one key (c) from the dashboard: the same check as `todotui check`.

It loads in a worker (one GetMetricData call, DescribeAlarms, DescribeTable), so the cockpit
keeps polling behind it; each line is coloured by its status; r runs it again, escape closes
(a check under way still lands). `c` again within the same minute shows the last report.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label

from todotui.reports.check import CheckReport, Status, Verdict
from todotui.ui.lifecycle import going_away, working
from todotui.ui.restyle import KeepStylesWhenShownAgain
from todotui.ui.text.check import change, figure
from todotui.ui.widgets.spinner import Spinner

if TYPE_CHECKING:
    from todotui.core.cockpit import Cockpit

_STATUS_VARIABLE = {Status.OK: "success", Status.BREACHED: "error", Status.NO_DATA: "warning"}
_VERDICT_VARIABLE = {
    Verdict.HEALTHY: "success",
    Verdict.DEGRADED: "error",
    Verdict.UNKNOWN: "warning",
}

_CHECKING = "Checking: one GetMetricData call for every window…"

_Row = tuple[str, tuple[Text, ...]]
"""A table row: its key and its cells."""


class CheckScreen(KeepStylesWhenShownAgain, ModalScreen[None]):
    """The check's figures against their thresholds, a day and a week earlier, and the alarms."""

    BINDINGS = [
        Binding("escape,c,q", "dismiss", "Close"),
        Binding("r", "run_again", "Run again"),
    ]

    DEFAULT_CSS = """
    CheckScreen {
        align: center middle;
        background: $background 60%;
        #check {
            width: 124;
            max-width: 98%;
            height: auto;
            max-height: 95%;
            border: round $accent;
            border-title-color: $accent;
            padding: 0 1;
            background: $surface;
        }
        #check-figures { height: auto; }
        #check-notes { color: $text-muted; }
        #check-alarms { height: auto; margin-top: 1; }
        #check-loading { height: 3; }
        #check-summary { margin-top: 1; text-style: bold; width: 100%; }
        #check-requests { color: $text-muted; }
    }
    """

    def __init__(self, core: Cockpit, *, since_seconds: int = 86400) -> None:
        super().__init__()
        self.core = core
        self.since_seconds = since_seconds
        self.report: CheckReport | None = None
        """The last check shown (None while the first one loads)."""
        self._rows_held: dict[str, list[_Row]] = {}
        """What each table holds, by its id."""

    def compose(self) -> ComposeResult:
        with Vertical(id="check") as box:
            box.border_title = f"Morning health check · last {self.since_seconds // 3600} h"
            box.border_subtitle = "r run again · esc close"
            yield Spinner(id="check-loading")
            figures: DataTable[Text] = DataTable(id="check-figures", cursor_type="none")
            for label, width in (
                ("figure", 28),
                ("now", 12),
                ("threshold", 10),
                ("status", 22),
                ("a day earlier", 16),
                ("a week earlier", 16),
            ):
                figures.add_column(label, width=width, key=label)
            figures.display = False  # until the check answers
            yield figures
            yield Label("", id="check-notes")
            alarms: DataTable[Text] = DataTable(id="check-alarms", cursor_type="none")
            for label, width in (("alarm", 28), ("state", 8), ("why", 74)):
                alarms.add_column(label, width=width, key=label)
            alarms.display = False
            yield alarms
            yield Label("", id="check-requests")
            yield Label(_CHECKING, id="check-summary")

    def on_mount(self) -> None:
        self.run_check()

    def reopen(self) -> None:
        """Opened again (the app installs this screen once): start as a new one would, with
        the last report's rows hidden and the check run again in its worker. Not sent again:
        a check still under way (closed before it answered) is this opening's, and the last
        report is shown as it is while a new one would say the same (`current_at`: the same
        minute, within the cockpit's cadence, no problem). `r` always runs it again."""
        if not self.is_mounted or working(self, "check"):
            return  # the first open: on_mount runs the check; or the last one is coming
        report = self.report
        if report is not None and report.current_at(
            self.core.clock(), self.core.poller.refresh_seconds
        ):
            return
        self.report = None
        self.query_one("#check-figures", DataTable).display = False
        self.query_one("#check-alarms", DataTable).display = False
        self.query_one("#check-notes", Label).update("")
        self.query_one("#check-requests", Label).update("")
        self.query_one("#check-summary", Label).update(_CHECKING)
        self.run_check()

    def action_run_again(self) -> None:
        self.run_check()

    @work(exclusive=True, exit_on_error=False, group="check", name="morning check")
    async def run_check(self) -> None:
        """Not cancelled on close: its three requests are answered in a moment, and the next
        `c` then has no reason to send them again; its answer lands here, open or closed."""
        self.query_one("#check-loading", Spinner).spinning = True
        report = await self.core.check(self.since_seconds)
        if not going_away(self):
            self.show(report)

    def _color(self, status: Status) -> str:
        return self.app.theme_variables.get(_STATUS_VARIABLE[status], "")

    def _fill(self, table_id: str, rows: list[_Row]) -> None:
        """Show `rows` in the table, rebuilt only when they differ from the rows it holds (a
        check run again within a period finds the same figures, and rebuilding a table drops
        its caches and lays the screen out again while the operator's next key may come)."""
        table: DataTable[Text] = self.query_one(table_id, DataTable)
        if self._rows_held.get(table_id) != rows:
            table.clear()
            for key, cells in rows:
                table.add_row(*cells, key=key)
            self._rows_held[table_id] = rows
        table.display = True

    def _figure_rows(self, report: CheckReport) -> list[_Row]:
        rows: list[_Row] = []
        for line in report.lines:
            style = self._color(line.status) if line.judged else "dim"
            status = Text(line.status.value, style=style)
            if line.status is Status.BREACHED:
                status.append(f" {line.reason}", style="dim")
            elif line.status is Status.NO_DATA:
                status.append("*", style="dim")
            marked = line.status is not Status.OK
            cells = (
                Text(line.name, style=style if line.status is Status.BREACHED else ""),
                Text(figure(line.value, line.unit), style=style if marked else ""),
                Text(line.threshold_text or "—", style="dim"),
                status,
                change(line.day_before, line.change_day_pct, line.unit),
                change(line.week_before, line.change_week_pct, line.unit),
            )
            rows.append((line.key, cells))
        return rows

    def _alarm_rows(self, report: CheckReport) -> list[_Row]:
        return [
            (
                alarm.name,
                (
                    Text(alarm.name),
                    Text(alarm.state or "no data", style=self._color(alarm.status)),
                    Text(
                        alarm.reason if len(alarm.reason) < 74 else alarm.reason[:73] + "…",
                        style="dim",
                    ),
                ),
            )
            for alarm in report.alarms
        ]

    def show(self, report: CheckReport) -> None:
        self.report = report
        self.query_one("#check-loading", Spinner).spinning = False
        self._fill("#check-figures", self._figure_rows(report))
        notes = [
            f"* {line.name}: {line.reason}"
            for line in report.lines
            if line.status is Status.NO_DATA and line.reason
        ]
        if len(notes) > 3 and len({note.split(": ", 1)[1] for note in notes}) == 1:
            notes = [f"* every figure: {report.lines[0].reason}"]
        self.query_one("#check-notes", Label).update(Text("\n".join(notes)))
        self._fill("#check-alarms", self._alarm_rows(report))
        requests = ", ".join(f"{op.split('.', 1)[-1]} {n}" for op, n in report.requests.items())
        window = report.plan.now
        self.query_one("#check-requests", Label).update(
            Text(
                f"{window.start:%Y-%m-%d %H:%M} – {window.end:%Y-%m-%d %H:%M} UTC · "
                f"{report.requests_total} AWS requests ({requests or 'none'})"
            )
        )
        verdict = report.verdict
        summary = self.query_one("#check-summary", Label)
        summary.update(
            Text(
                f"{report.summary} (exit {report.exit_code})",
                style=self.app.theme_variables.get(_VERDICT_VARIABLE[verdict], ""),
            )
        )
