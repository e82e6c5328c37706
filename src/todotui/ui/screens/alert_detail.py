"""The full text of one alert: the whole log event, the alarm's reason, when and how often."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from todotui.alerts.model import Alert, Severity
from todotui.ui.keys import ALERT_KEYS
from todotui.ui.restyle import KeepStylesWhenShownAgain
from todotui.ui.widgets.alert_feed import SEVERITY_LABEL

if TYPE_CHECKING:
    from todotui.core.investigate import Investigator

_SEVERITY_STYLE = {
    Severity.CRIT: "$error",
    Severity.WARN: "$warning",
    Severity.INFO: "$primary",
    Severity.OK: "$success",
}


class AlertDetailScreen(KeepStylesWhenShownAgain, ModalScreen[bool]):
    """Detail of an alert; `a` asks for the runbook's actions for it (dismisses True);
    `l` `t` `u` `s` open its investigations (log lines, traces, the user's trail, a test
    sign-in) over it, when an investigator is given."""

    BINDINGS = [
        Binding("escape,q,enter", "dismiss", "Close"),
        *(key.binding() for key in ALERT_KEYS),
    ]

    DEFAULT_CSS = """
    AlertDetailScreen {
        align: center middle;
        #alert-detail {
            width: 80%;
            max-width: 120;
            height: auto;
            max-height: 80%;
            border: round $primary;
            background: $surface;
            padding: 1 2;
        }
        #alert-detail.-crit { border: round $error; }
        #alert-detail.-warn { border: round $warning; }
        #alert-detail.-ok { border: round $success; }
        .title { text-style: bold; width: 1fr; margin: 0 0 1 0; }
        .facts { color: $text-muted; margin: 0 0 1 0; max-width: 100%; }
        VerticalScroll { height: auto; max-height: 30; background: $boost; padding: 0 1; }
        .body { width: 1fr; }
        .hint { color: $text-muted; margin: 1 0 0 0; }
        .diagnosis { width: 1fr; margin: 1 0 0 0; }
        .investigate { color: $text-muted; width: 1fr; }
    }
    """

    def __init__(self, alert: Alert) -> None:
        """The screen for `alert`; `reopen` gives it the rest (and each later alert)."""
        super().__init__()
        self.reopen(alert)

    def compose(self) -> ComposeResult:
        with Vertical(id="alert-detail") as box:
            box.border_title = "alert"
            yield Label("", classes="title")
            yield Label("", classes="facts")
            with VerticalScroll():
                yield Static("", markup=False, classes="body")
            yield Label("", classes="diagnosis")
            yield Label("", classes="hint")
            yield Label(
                "Investigate: [b]l[/] log lines around it   [b]t[/] X-Ray traces   "
                "[b]u[/] user's CloudTrail activity   [b]s[/] test sign-in",
                classes="investigate",
            )

    def on_mount(self) -> None:
        self._fill()

    def reopen(
        self,
        alert: Alert,
        *,
        suggestions: tuple[str, ...] = (),
        diagnosis: str = "",
        investigator: Investigator | None = None,
    ) -> None:
        """Shown (again) for `alert` (the app keeps one): everything as a new screen for it
        would show (a new one was composed on each enter, and pruned on each close)."""
        self.alert = alert
        self.investigator = investigator
        """Where the investigations' reads go; None offers none."""
        self.diagnosis = diagnosis
        """The diagnosis's summary, its causes ranked for this alert."""
        self.suggestions = suggestions
        """Titles of the runbook actions paired with this alert, most likely fix first."""
        if self.is_mounted:
            self._fill()

    def _fill(self) -> None:
        alert = self.alert
        colour = _SEVERITY_STYLE[alert.severity]
        box = self.query_one("#alert-detail")
        box.border_title = f"{alert.source.value} alert"
        for severity in Severity:
            box.set_class(severity is alert.severity, f"-{severity.value}")
        self.query_one(".title", Label).update(
            f"[b {colour}]{SEVERITY_LABEL[alert.severity]}[/]  {escape(alert.title)}"
        )
        seen = f"first seen {alert.first_seen:%Y-%m-%d %H:%M:%S}"
        if alert.count > 1:
            seen += f" · last seen {alert.last_seen:%H:%M:%S} · {alert.count} times"
        topic = f" · about {alert.topic.value}" if alert.topic else ""
        self.query_one(".facts", Label).update(escape(seen + topic))
        self.query_one(".body", Static).update(alert.body or "(no further text)")
        self.query_one(VerticalScroll).scroll_home(animate=False)
        diagnosis = self.query_one(".diagnosis", Label)
        diagnosis.update(f"[b]Diagnosis[/] {escape(self.diagnosis)}" if self.diagnosis else "")
        diagnosis.display = bool(self.diagnosis)
        if self.suggestions:
            listed = ", ".join(self.suggestions[:3])
            more = f" and {len(self.suggestions) - 3} more" if len(self.suggestions) > 3 else ""
            hint = f"[b]a[/] runbook actions: {escape(listed)}{more}   [b]esc[/] close"
        else:
            hint = "[b]a[/] all actions   [b]esc[/] close"
        self.query_one(".hint", Label).update(hint)
        self.query_one(".investigate").display = self.investigator is not None

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(False)

    def action_actions(self) -> None:
        self.dismiss(True)

    def action_investigate(self, kind: str) -> None:
        if self.investigator is None:
            return
        from todotui.ui.screens.investigate import screen_for

        self.app.push_screen(screen_for(kind, self.investigator, self.alert))
