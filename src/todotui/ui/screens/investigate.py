"""Investigations opened from an alert's detail: log lines, traces, the user's trail, a sign-in.

Each screen asks the core's `Investigator` in a worker (a loading indicator meanwhile),
shows AWS's refusal in its own words, and closes with escape. Nothing here calls AWS.
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Label, Select, Static

from todotui.actions.model import Secret
from todotui.alerts.model import Alert
from todotui.core.investigate import (
    Investigator,
    LogsResult,
    TracesResult,
    TrailResult,
)
from todotui.reports.investigation import (
    DEFAULT_MINUTES,
    MAX_MINUTES,
    LogLine,
    SignInOutcome,
    Waterfall,
    Window,
    bar,
)

MESSAGE_WIDTH = 96
"""Characters of a log line shown in the list (the whole line is shown below it)."""
TRAIL_HOURS = 24
"""The runbook's CloudTrail look-back: the last 24 hours."""


def _minutes(text: str, default: float) -> float | None:
    """The window's half-width typed by the operator, or None when it is not a number in range."""
    try:
        value = float(text.strip() or default)
    except ValueError:
        return None
    return value if 1 <= value <= MAX_MINUTES else None


class _InvestigationScreen(ModalScreen[None]):
    """The frame every investigation shares: a title, a body, a status line, a CLI line."""

    BINDINGS = [Binding("escape", "close", "Close")]

    DEFAULT_CSS = """
    _InvestigationScreen {
        align: center middle;
        #investigation {
            width: 96%;
            max-width: 180;
            height: 92%;
            border: round $primary;
            background: $surface;
            padding: 0 1;
        }
        .facts { color: $text-muted; width: 1fr; }
        .controls { height: auto; margin: 1 0 0 0; }
        .controls Label { padding: 1 1 0 0; }
        .controls Input { width: 1fr; }
        .controls #minutes, .controls #hours { width: 10; }
        .controls Select { width: 1fr; }
        .status { width: 1fr; margin: 1 0 0 0; }
        .status.-error { color: $error; }
        DataTable { height: 1fr; min-height: 5; }
        DataTable.-list { height: auto; max-height: 13; }
        #waterfall-box { height: 1fr; max-height: 100%; margin: 1 0 0 0; }
        .detail { height: auto; max-height: 14; background: $boost; padding: 0 1; }
        .cli { color: $text-muted; width: 1fr; height: auto; }
        .hint { color: $text-muted; width: 1fr; }
    }
    """

    title_text = ""

    def __init__(self, investigator: Investigator, alert: Alert | None) -> None:
        super().__init__()
        self.investigator = investigator
        self.alert = alert

    def compose(self) -> ComposeResult:
        with Vertical(id="investigation") as box:
            box.border_title = self.title_text
            if self.alert is not None:
                yield Label(
                    f"[b]Alert[/] {escape(self.alert.title)} · first seen "
                    f"{self.alert.first_seen:%Y-%m-%d %H:%M:%S}",
                    classes="facts",
                )
            yield from self.body()
            yield Label("", id="status", classes="status")
            yield Static("", id="cli", classes="cli", markup=False)
            yield Label(self.hint_text(), classes="hint")

    def body(self) -> ComposeResult:
        raise NotImplementedError
        yield  # a generator

    def hint_text(self) -> str:
        return "[b]enter[/] run   [b]tab[/] next field   [b]esc[/] close"

    def action_close(self) -> None:
        self.workers.cancel_group(self, "investigate")
        self.dismiss(None)

    def say(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#status", Label)
        status.update(text)
        status.set_class(error, "-error")

    def show_cli(self, *lines: str) -> None:
        cli = self.query_one("#cli", Static)
        cli.update("\n".join(f"$ {line}" for line in lines if line))

    def busy(self, on: bool) -> None:
        self.query_one("#results").loading = on


# -- log lines ------------------------------------------------------------------------------------


class LogLinesScreen(_InvestigationScreen):
    """FilterLogEvents around the alert: a pattern (suggested from the alert), a window."""

    title_text = "Log lines around the alert"

    def __init__(self, investigator: Investigator, alert: Alert) -> None:
        super().__init__(investigator, alert)
        self.suggestions = investigator.suggestions(alert)
        self.lines: tuple[LogLine, ...] = ()
        self.result: LogsResult | None = None

    def body(self) -> ComposeResult:
        with Horizontal(classes="controls"):
            yield Label("Pattern")
            yield Input(self.suggestions[0].pattern, id="pattern", max_length=2048)
            yield Label("± min")
            yield Input(str(DEFAULT_MINUTES), id="minutes", type="number")
        with Horizontal(classes="controls"):
            yield Label("Suggested")
            yield Select(
                [(f"{s.why}: {s.pattern}", s.pattern) for s in self.suggestions],
                value=self.suggestions[0].pattern,
                allow_blank=False,
                id="suggested",
            )
        table: DataTable[str | Text] = DataTable(
            id="results", cursor_type="row", zebra_stripes=True
        )
        yield table
        with VerticalScroll(classes="detail"):
            yield Static("", id="line-detail", markup=False)

    def on_mount(self) -> None:
        table = self.query_one("#results", DataTable)
        table.add_column("Time (UTC)", key="time", width=12)
        table.add_column("Stream", key="stream", width=24)
        table.add_column("Message", key="message")
        self.query_one("#pattern", Input).focus()
        self.run_query()

    @on(Select.Changed, "#suggested")
    def _suggested(self, event: Select.Changed) -> None:
        pattern = self.query_one("#pattern", Input)
        if isinstance(event.value, str) and event.value != pattern.value:
            pattern.value = event.value
            self.run_query()

    @on(Input.Submitted)
    def _submitted(self, _event: Input.Submitted) -> None:
        self.run_query()

    def run_query(self) -> None:
        minutes = _minutes(self.query_one("#minutes", Input).value, DEFAULT_MINUTES)
        if minutes is None:
            self.say(f"± minutes: a number from 1 to {MAX_MINUTES}", error=True)
            return
        assert self.alert is not None
        window = self.investigator.window(self.alert, minutes)
        self._fetch(window, self.query_one("#pattern", Input).value)

    @work(exclusive=True, group="investigate", exit_on_error=False, name="investigate:logs")
    async def _fetch(self, window: Window, pattern: str) -> None:
        self.busy(True)
        self.say(f"Reading {self.investigator.settings.stack.log_group} · {window.describe()}…")
        try:
            result = await self.investigator.log_lines(window, pattern)
        finally:
            self.busy(False)
        self.show(result)

    def show(self, result: LogsResult) -> None:
        self.result = result
        self.show_cli(result.cli)
        table = self.query_one("#results", DataTable)
        table.clear()
        self.lines = result.lines
        detail = self.query_one("#line-detail", Static)
        if result.error is not None:
            where = "not sent" if not result.sent else "CloudWatch Logs refused it"
            self.say(f"✗ {where}: {result.error}", error=True)
            detail.update("")
            return
        for i, line in enumerate(result.lines):
            summary = line.summary()
            message = Text(summary[:MESSAGE_WIDTH] + ("…" if len(summary) > MESSAGE_WIDTH else ""))
            if (
                (line.fields and str(line.fields.get("level", "")).upper() == "ERROR")
                or "ERROR" in line.message
                or "Task timed out" in line.message
            ):
                message.stylize("bold red")
            table.add_row(
                f"{line.at:%H:%M:%S}.{line.at.microsecond // 1000:03d}",
                _short_stream(line.stream),
                message,
                key=str(i),
            )
        more = " (more match: narrow the window or the pattern)" if result.truncated else ""
        count = len(result.lines)
        self.say(
            f"{count} line{'s' if count != 1 else ''} matching · {result.window.describe()}{more}"
            if count
            else f"no line matches in {result.window.describe()}"
        )
        if result.lines:
            self._detail(0)
        else:
            detail.update("")

    @on(DataTable.RowHighlighted, "#results")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None:
            self._detail(int(event.row_key.value))

    def _detail(self, index: int) -> None:
        if 0 <= index < len(self.lines):
            line = self.lines[index]
            self.query_one("#line-detail", Static).update(
                f"{line.at:%Y-%m-%d %H:%M:%S.%f}"[:-3] + f" UTC · {line.stream}\n{line.readable()}"
            )


def _short_stream(stream: str) -> str:
    """`2026/12/02/[3]0123abcd…` keeps its date, version and the id's start."""
    return stream if len(stream) <= 24 else stream[:23] + "…"


# -- traces ---------------------------------------------------------------------------------------


class TracesScreen(_InvestigationScreen):
    """The slowest and failing X-Ray traces in the alert's window, each as a waterfall."""

    title_text = "X-Ray traces around the alert"

    def __init__(self, investigator: Investigator, alert: Alert) -> None:
        super().__init__(investigator, alert)
        self.result: TracesResult | None = None
        self._order: list[str] = []

    def body(self) -> ComposeResult:
        with Horizontal(classes="controls"):
            yield Label("± min")
            yield Input(str(DEFAULT_MINUTES), id="minutes", type="number")
            yield Label("", id="how", classes="facts")
        table: DataTable[str | Text] = DataTable(
            id="results", cursor_type="row", zebra_stripes=True
        )
        yield table
        with VerticalScroll(classes="detail", id="waterfall-box"):
            yield Static("", id="waterfall")

    def on_mount(self) -> None:
        table = self.query_one("#results", DataTable)
        for label, key, width in (
            ("Why listed", "why", 10),
            ("Start (UTC)", "start", 12),
            ("Duration", "duration", 9),
            ("Request", "request", 28),
            ("Status", "status", 6),
            ("Outcome", "outcome", 10),
            ("Where the time went", "verdict", None),
        ):
            table.add_column(label, key=key, width=width)
        table.focus()
        self.run_query()

    @on(Input.Submitted)
    def _submitted(self, _event: Input.Submitted) -> None:
        self.run_query()

    def run_query(self) -> None:
        minutes = _minutes(self.query_one("#minutes", Input).value, DEFAULT_MINUTES)
        if minutes is None:
            self.say(f"± minutes: a number from 1 to {MAX_MINUTES}", error=True)
            return
        assert self.alert is not None
        self._fetch(self.investigator.window(self.alert, minutes))

    @work(exclusive=True, group="investigate", exit_on_error=False, name="investigate:traces")
    async def _fetch(self, window: Window) -> None:
        self.busy(True)
        self.say(f"Reading X-Ray traces · {window.describe()}…")
        try:
            result = await self.investigator.traces(window)
        finally:
            self.busy(False)
        self.show(result)

    def show(self, result: TracesResult) -> None:
        self.result = result
        self.show_cli(*result.cli)
        table = self.query_one("#results", DataTable)
        table.clear()
        self._order = []
        if result.error is not None:
            self.say(f"✗ X-Ray did not answer: {result.error}", error=True)
            self.query_one("#waterfall", Static).update("")
            return
        self.query_one("#how", Label).update(escape(result.how))
        listed = [("slowest", r) for r in result.slowest]
        shown = {r.trace_id for _, r in listed}
        listed += [("failing", r) for r in result.failing if r.trace_id not in shown]
        for why, row in listed:
            fall = result.waterfalls.get(row.trace_id)
            outcome = Text(row.outcome, style="bold red" if row.failed else "green")
            table.add_row(
                why,
                f"{row.start:%H:%M:%S}" if row.start else "?",
                f"{row.duration_s:.2f} s" if row.duration_s is not None else "no data",
                f"{row.method} {row.path}"[:28],
                str(row.status) if row.status is not None else "?",
                outcome,
                fall.brief() if fall else "segments not returned",
                key=row.trace_id,
            )
            self._order.append(row.trace_id)
        table.styles.height = max(2, len(listed) + 1)  # the rows, not more
        failing = len(result.failing)
        self.say(
            f"{len(result.slowest)} slowest and {failing} failing trace"
            f"{'s' if failing != 1 else ''} · {result.window.describe()}"
            if listed
            else f"no traces in {result.window.describe()} (is X-Ray tracing on for the stage"
            " and the function?)"
        )
        if self._order:
            self._draw(self._order[0])
        else:
            self.query_one("#waterfall", Static).update("")

    @on(DataTable.RowHighlighted, "#results")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None:
            self._draw(event.row_key.value)

    def _draw(self, trace_id: str) -> None:
        fall = self.result.waterfalls.get(trace_id) if self.result else None
        target = self.query_one("#waterfall", Static)
        if fall is None:
            target.update(Text(f"{trace_id}: BatchGetTraces returned no segments"))
            return
        width = max(20, self.query_one("#waterfall-box").size.width - LABEL_WIDTH - 14)
        target.update(render_waterfall(fall, width))


LABEL_WIDTH = 46
_KINDS = {
    "AWS::ApiGateway::Stage": "API Gateway",
    "AWS::Lambda": "Lambda service",
    "AWS::Lambda::Function": "function",
}


def render_waterfall(fall: Waterfall, width: int) -> Text:
    """The trace's rows: name (indented by depth), a bar on the trace's time axis, the time."""
    out = Text()
    out.append(f"Trace {fall.trace_id}\n", style="dim")
    out.append(f"{fall.verdict()}\n", style="bold")
    end = _ms(fall.total_ms)
    axis = "0" + " " * max(1, width - 1 - len(end)) + end
    out.append(" " * (LABEL_WIDTH + 1) + axis + "\n", style="dim")
    culprit = fall.culprit
    origins = set(fall.failures[:1])
    for row in fall.rows:
        kind = _KINDS.get(row.kind)
        name = f"{row.name} ({kind})" if kind else row.label
        label = ("  " * row.depth + name)[:LABEL_WIDTH].ljust(LABEL_WIDTH)
        first, length = bar(row.offset_ms, row.duration_ms, fall.total_ms, width)
        style = "cyan"
        if row.fault or row.error or row.throttle:
            style = "red"
        if row is culprit:
            style = "bold yellow"
        took = "running" if row.duration_ms is None else _ms(row.duration_ms)
        out.append(label + " ")
        out.append(" " * first)
        out.append("█" * length, style=style)
        out.append(" " * (width - first - length))
        out.append(f" {took:>9}", style=style if row is culprit else "")
        if row in origins and row.cause:
            out.append(f"  ✗ {row.cause.split(':', 1)[0]}", style="red")
        elif row.throttle:
            out.append("  ✗ throttled", style="red")
        out.append("\n")
    return out


def _ms(ms: float) -> str:
    return f"{ms / 1000:.2f} s" if ms >= 1000 else f"{ms:.1f} ms"


# -- CloudTrail by user ---------------------------------------------------------------------------


class UserActivityScreen(_InvestigationScreen):
    """CloudTrail LookupEvents by Username over the last hours (the runbook's investigation)."""

    title_text = "CloudTrail: the user's activity"

    def body(self) -> ComposeResult:
        user = (self.investigator.user_of(self.alert) if self.alert else None) or ""
        with Horizontal(classes="controls"):
            yield Label("Username")
            yield Input(user, id="username", placeholder="the user to look up")
            yield Label("hours back")
            yield Input(str(TRAIL_HOURS), id="hours", type="integer")
        table: DataTable[str | Text] = DataTable(
            id="results", cursor_type="row", zebra_stripes=True
        )
        yield table

    def on_mount(self) -> None:
        table = self.query_one("#results", DataTable)
        for label, key in (
            ("Time (UTC)", "time"),
            ("Event", "event"),
            ("Service", "source"),
            ("User", "user"),
            ("Source IP", "ip"),
            ("Resources", "resources"),
            ("Error", "error"),
        ):
            table.add_column(label, key=key)
        self.query_one("#username", Input).focus()
        if self.query_one("#username", Input).value:
            self.run_query()
        else:
            self.say("Type the username to look up, then enter.")

    @on(Input.Submitted)
    def _submitted(self, _event: Input.Submitted) -> None:
        self.run_query()

    def run_query(self) -> None:
        from datetime import timedelta

        try:
            hours = int(self.query_one("#hours", Input).value or TRAIL_HOURS)
        except ValueError:
            hours = 0
        if not 1 <= hours <= 24 * 90:
            self.say("hours back: 1 to 2160 (CloudTrail keeps 90 days of events)", error=True)
            return
        now = self.investigator.clock()
        window = Window(now - timedelta(hours=hours), now)
        self._fetch(self.query_one("#username", Input).value, window)

    @work(exclusive=True, group="investigate", exit_on_error=False, name="investigate:trail")
    async def _fetch(self, username: str, window: Window) -> None:
        self.busy(True)
        self.say(f"Looking up {username} in CloudTrail · {window.describe()}…")
        try:
            result = await self.investigator.user_activity(username, window)
        finally:
            self.busy(False)
        self.show(result)

    def show(self, result: TrailResult) -> None:
        self.show_cli(result.cli)
        table = self.query_one("#results", DataTable)
        table.clear()
        if result.error is not None:
            self.say(
                f"✗ CloudTrail LookupEvents did not answer for {result.username}: {result.error}",
                error=True,
            )
            return
        for i, row in enumerate(result.rows):
            table.add_row(
                f"{row.at:%m-%d %H:%M:%S}" if row.at else "?",
                row.name,
                row.source,
                row.user,
                row.source_ip,
                row.resources,
                Text(row.error, style="red") if row.error else "",
                key=str(i),
            )
        more = " (more not read)" if result.truncated else ""
        count = len(result.rows)
        self.say(
            f"{count} event{'s' if count != 1 else ''} by {result.username} · "
            f"{result.window.describe()}{more}"
            if count
            else f"no CloudTrail events by {result.username} in {result.window.describe()}"
        )


# -- the test sign-in -----------------------------------------------------------------------------


class SignInTestScreen(_InvestigationScreen):
    """The runbook's "Test Authentication Flow": AdminInitiateAuth, the password masked."""

    title_text = "Test authentication flow"

    DEFAULT_CSS = """
    SignInTestScreen {
        #investigation { height: auto; padding: 0 1 1 1; }
        #results { margin: 1 0 0 0; height: auto; }
    }
    """

    def __init__(self, investigator: Investigator, alert: Alert | None) -> None:
        super().__init__(investigator, alert)
        self.outcome: SignInOutcome | None = None

    def body(self) -> ComposeResult:
        with Horizontal(classes="controls"):
            yield Label("Username")
            yield Input("test@example.com", id="username")
        with Horizontal(classes="controls"):
            yield Label("Password")
            yield Input("", id="password", password=True, placeholder="masked; never shown or kept")
        with Vertical(id="results", classes="detail"):
            yield Static("", id="outcome")

    def hint_text(self) -> str:
        return (
            "[b]enter[/] sign in   [b]tab[/] next field   [b]esc[/] close   · the password "
            "goes to the one AWS call only: never shown, logged or journaled"
        )

    def on_mount(self) -> None:
        inv = self.investigator
        if inv.read_only:
            self.say(
                "Read-only mode: a test sign-in makes Cognito issue tokens, so it will not be sent.",
                error=True,
            )
        else:
            self.say(
                f"Signs in to {inv.settings.stack.user_pool_name} with the app client "
                f"{inv.settings.stack.user_pool_client_name} (AdminInitiateAuth)."
            )
        self.show_cli(*inv.sign_in_cli("test@example.com"))
        self.query_one("#password", Input).focus()

    @on(Input.Submitted)
    def _submitted(self, _event: Input.Submitted) -> None:
        username = self.query_one("#username", Input).value
        box = self.query_one("#password", Input)
        password = Secret(box.value)
        box.value = ""  # the widget keeps no copy once the attempt is on its way
        self._sign_in(username, password)

    @work(exclusive=True, group="investigate", exit_on_error=False, name="investigate:sign-in")
    async def _sign_in(self, username: str, password: Secret) -> None:
        self.busy(True)
        self.say(f"Signing in as {username}…")
        try:
            outcome = await self.investigator.test_sign_in(username, password)
        finally:
            self.busy(False)
        self.show(outcome)

    def show(self, outcome: SignInOutcome) -> None:
        self.outcome = outcome
        self.show_cli(*self.investigator.sign_in_cli(outcome.username))
        took = f"{outcome.elapsed_ms:.0f} ms" if outcome.elapsed_ms is not None else "not sent"
        text = Text()
        text.append("✓ " if outcome.ok else "✗ ", style="bold green" if outcome.ok else "bold red")
        text.append(outcome.words + "\n")
        text.append(f"user {outcome.username}", style="dim")
        if outcome.flow:
            text.append(f" · flow {outcome.flow}", style="dim")
        text.append(f" · took {took}", style="dim")
        self.query_one("#outcome", Static).update(text)
        self.say(
            "Signed in."
            if outcome.ok and not outcome.challenge
            else f"Challenge: {outcome.challenge}."
            if outcome.challenge
            else "The sign-in failed."
            if outcome.sent
            else "Nothing was sent.",
            error=not outcome.ok,
        )


def screen_for(kind: str, investigator: Investigator, alert: Alert) -> ModalScreen[None]:
    """The investigation `kind` ("logs", "traces", "user", "sign_in") of `alert`."""
    screens: dict[str, type[_InvestigationScreen]] = {
        "logs": LogLinesScreen,
        "traces": TracesScreen,
        "user": UserActivityScreen,
        "sign_in": SignInTestScreen,
    }
    return screens[kind](investigator, alert)
