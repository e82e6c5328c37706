"""A bare Textual app of the cockpit's shape, the yardstick for `bench_keypress.py`.

Status line, five bordered panes, a feed box and a footer; `p` flips the status line in
place, `?` pushes a `ModalScreen` (Textual's default see-through background) and escape
pops it; a 1 s interval updates a clock, as the cockpit's tick does. Nothing else runs.
"""

from __future__ import annotations

import time
from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Label, Static


class BareModal(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss", "Close")]
    DEFAULT_CSS = """
    BareModal { align: center middle; }
    BareModal > Vertical { width: 80; height: auto; border: round $accent; background: $surface; }
    """

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "bare · modal"
            yield Static("\n".join(f"line {n}" for n in range(20)))

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)


class BareApp(App[None]):
    CSS = """
    #panes { grid-size: 3; height: 2fr; }
    #panes > Static { border: round $accent; height: 1fr; }
    #feed { border: round $accent; height: 1fr; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "flip", "Pause"),
        Binding("question_mark", "modal", "Help"),
    ]

    def compose(self) -> ComposeResult:
        yield Label("bare LIVE", id="status")
        yield Label("", id="clock")
        with Grid(id="panes"):
            for n in range(5):
                yield Static("\n".join(f"pane {n} row {r}" for r in range(8)))
        with Vertical(id="feed"):
            yield Static("feed")
        yield Footer()

    def on_mount(self) -> None:
        self.set_interval(1, self._tick)

    def _tick(self) -> None:
        self.query_one("#clock", Label).update(time.strftime("%H:%M:%S"))

    def action_flip(self) -> None:
        self.live = not getattr(self, "live", True)
        self.query_one("#status", Label).update("bare LIVE" if self.live else "bare PAUSED")

    def action_modal(self) -> None:
        self.push_screen(BareModal())


if __name__ == "__main__":
    BareApp().run()
