"""The rollout view's own widgets: the timeline plot, and the two small modals it asks with."""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult, RenderResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Label, Static

from todotui.rollout.model import Rollout
from todotui.ui.rollout.view import timeline_lines


class TimelinePlot(Widget):
    """Weight, error % and latency of both versions over the rollout, with event markers."""

    DEFAULT_CSS = """
    TimelinePlot { height: 1fr; min-height: 8; width: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rollout: Rollout | None = None
        self.now: datetime | None = None
        self.interval_seconds = 60.0
        self.limits = (5.0, 2000.0)
        """Full height of the error % and latency rows (the analysis's own limits)."""
        self._key: object = None

    def show(
        self,
        rollout: Rollout | None,
        now: datetime,
        interval_seconds: float,
        limits: tuple[float, float] = (5.0, 2000.0),
    ) -> None:
        """Redraw only when what the plot shows moved (events, samples, the minute)."""
        key = (
            None
            if rollout is None
            else (
                rollout.id,
                rollout.phase,
                rollout.weight,
                len(rollout.events),
                len(rollout.samples),
                rollout.samples[-1].at if rollout.samples else None,
                None
                if rollout.ended_at
                else now.replace(second=now.second // 5 * 5, microsecond=0),
            )
        )
        self.rollout, self.now, self.interval_seconds = rollout, now, interval_seconds
        self.limits = limits
        if key != self._key:
            self._key = key
            self.refresh()

    def render(self) -> RenderResult:
        if self.rollout is None or self.now is None:
            return Content.from_markup("[$text-muted]No rollout yet: nothing to plot.[/]")
        lines = timeline_lines(
            self.rollout,
            self.now,
            self.size.width,
            interval_seconds=self.interval_seconds,
            max_error_pct=self.limits[0],
            max_latency_ms=self.limits[1],
            rows=max(1, min(2, (self.size.height - 3) // 5)),
        )
        return Content.from_markup("\n".join(lines))


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question one key answers: y or enter says yes, n or escape says no."""

    BINDINGS = [
        Binding("y,enter", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    DEFAULT_CSS = """
    ConfirmScreen {
        align: center middle;
        #confirm-box {
            width: 84;
            max-width: 95%;
            height: auto;
            border: thick $warning;
            border-title-style: bold;
            border-title-color: $text;
            background: $surface;
            padding: 1 2;
        }
        #confirm-box.-danger { border: thick $error; }
        .question { text-style: bold; width: 1fr; }
        .body { width: 1fr; margin: 1 0; }
        .keys { color: $text-muted; width: 1fr; }
    }
    """

    def __init__(
        self, title: str, question: str, body: str, *, yes: str, no: str, danger: bool = False
    ) -> None:
        super().__init__()
        self.title_text = title
        self.question = question
        self.body = body
        self.yes = yes
        self.no = no
        self.danger = danger

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box", classes="-danger" if self.danger else "") as box:
            box.border_title = self.title_text
            yield Label(self.question, classes="question")
            yield Static(self.body, classes="body")
            yield Label(
                f"[b reverse] y [/] or [b reverse] enter [/] {self.yes}    "
                f"[b reverse] n [/] or [b reverse] esc [/] {self.no}",
                classes="keys",
            )

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
