"""A bare Textual app of the cockpit's shape, the yardstick for `bench_keypress.py`.

Status line, five bordered panes, a feed box and a footer; `p` flips the status line in
place; a 1 s interval updates a clock, as the cockpit's tick does. Nothing else runs.
Three ways to show a box over the dashboard, each closed by escape, so the bench measures
what each costs on the same machine in the same run:

- `?` pushes a fresh `ModalScreen` (Textual's default see-through background) and pops it;
- `i` pushes an installed, opaque `ModalScreen` (made once, reused) and pops it;
- `o` shows a box on an overlay layer of the same screen (`display` toggled; no push).
"""

from __future__ import annotations

import time
from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Label, Static

BOX_CSS = "width: 80; height: auto; border: round $accent; background: $surface;"


class BareModal(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss", "Close")]
    DEFAULT_CSS = f"""
    BareModal {{ align: center middle; }}
    BareModal > Vertical {{ {BOX_CSS} }}
    """
    box_title = "bare · modal"

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self.box_title
            yield Static("\n".join(f"line {n}" for n in range(20)))

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)


class BareOpaque(BareModal):
    """The same box on an opaque screen: nothing of the dashboard is drawn under it."""

    DEFAULT_CSS = "BareOpaque { background: $background; }"
    box_title = "bare · installed"


class BareOverlay(Vertical, can_focus=True):
    """The same box on the dashboard's own overlay layer, shown and hidden."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "close", "Close")]
    DEFAULT_CSS = f"""
    BareOverlay {{ layer: overlay; display: none; {BOX_CSS} }}
    """

    def compose(self) -> ComposeResult:
        yield Static("\n".join(f"line {n}" for n in range(20)))

    def action_close(self) -> None:
        self.display = False
        self.screen.set_focus(None)


class BareApp(App[None]):
    CSS = """
    Screen { layers: base overlay; align: center middle; }
    #panes { grid-size: 3; height: 2fr; }
    #panes > Static { border: round $accent; height: 1fr; }
    #feed { border: round $accent; height: 1fr; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "flip", "Pause"),
        Binding("question_mark", "modal", "Help"),
        Binding("i", "installed", "Installed"),
        Binding("o", "overlay", "Overlay"),
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
        overlay = BareOverlay()
        overlay.border_title = "bare · overlay"
        yield overlay

    def on_mount(self) -> None:
        self.set_interval(1, self._tick)
        self.install_screen(BareOpaque(), "opaque")

    def _tick(self) -> None:
        self.query_one("#clock", Label).update(time.strftime("%H:%M:%S"))

    def action_flip(self) -> None:
        self.live = not getattr(self, "live", True)
        self.query_one("#status", Label).update("bare LIVE" if self.live else "bare PAUSED")

    def action_modal(self) -> None:
        self.push_screen(BareModal())

    def action_installed(self) -> None:
        self.push_screen("opaque")

    def action_overlay(self) -> None:
        overlay = self.query_one(BareOverlay)
        overlay.display = True
        overlay.focus()


if __name__ == "__main__":
    BareApp().run()
