"""A read-only check (the runbook's investigation commands) as a report: rows, CLI, errors."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from todotui.actions import ActionInfo, ActionRunner, CheckReport


def report_markup(report: CheckReport) -> str:
    width = max((len(row.label) for row in report.rows), default=0)
    lines = []
    for row in report.rows:
        mark = {True: "[$success]✓[/]", False: "[b $error]✗[/]", None: "[$text-muted]·[/]"}[row.ok]
        lines.append(f"{mark} {escape(row.label.ljust(width))}  {escape(row.value)}")
    lines += [f"[b $error]✗ {escape(error)}[/]" for error in report.errors]
    if report.cli:
        lines += ["", "[b $accent]Equivalent aws CLI[/]", *(escape(line) for line in report.cli)]
    return "\n".join(lines) or "(nothing to report)"


class CheckScreen(ModalScreen[None]):
    """Runs one check when opened (reads only) and shows its report."""

    BINDINGS = [
        Binding("escape,q,enter", "dismiss_none", "Close"),
        Binding("r", "run_check", "Run again"),
    ]

    DEFAULT_CSS = """
    CheckScreen {
        align: center middle;
        #check {
            width: 110;
            max-width: 95%;
            height: auto;
            max-height: 90%;
            border: thick $accent;
            border-title-style: bold;
            background: $surface;
            padding: 1 2;
        }
        .summary { color: $text-muted; margin: 0 0 1 0; }
        .hint { color: $text-muted; margin: 1 0 0 0; }
    }
    """

    def __init__(self, runner: ActionRunner, info: ActionInfo) -> None:
        super().__init__()
        self.runner = runner
        self.info = info
        self.report: CheckReport | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="check") as box:
            box.border_title = self.info.title
            yield Label(escape(self.info.summary), classes="summary")
            yield Static("Reading…", id="report")
            yield Label("[b]r[/] run again · [b]esc[/] close", classes="hint")

    def on_mount(self) -> None:
        self.action_run_check()

    def action_run_check(self) -> None:
        self.query_one("#report", Static).update("Reading…")
        self._run()

    @work(exclusive=True, group="check", exit_on_error=False, name="check:run")
    async def _run(self) -> None:
        self.report = await self.runner.check(self.info.id)
        self.query_one("#report", Static).update(report_markup(self.report))

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
