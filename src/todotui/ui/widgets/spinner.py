"""A loading indicator that animates only while it is meant to show.

Textual's `LoadingIndicator` starts a 1/16 s timer when it is mounted and keeps it for as
long as it exists, hidden or not (each tick only skips the redraw when off screen). The
cockpit keeps its screens, and those screens keep their indicators: six of them woke the
event loop about a hundred times a second all session, between the operator's keys.

Textual's `Show` and `Hide` events are no switch for the timer: they come from a layout
pass, which a screen that is not on top never has, and answers land on closed screens.
"""

from __future__ import annotations

from time import time

from textual import events
from textual.widget import Widget
from textual.widgets import LoadingIndicator

FRAME_SECONDS = 1 / 16
"""Textual's own animation step for the indicator."""


class Spinner(LoadingIndicator):
    """`LoadingIndicator` shown and animated together: set `spinning`, not `display`."""

    def __init__(self, *, spinning: bool = True, id: str | None = None) -> None:
        super().__init__(id=id)
        self._spinning = spinning
        self._timer_ready = False
        self.display = spinning

    def _on_mount(self, event: events.Mount) -> None:
        # Stop LoadingIndicator's own mount handler, which would start the timer for good.
        event.prevent_default()
        Widget._on_mount(self, event)
        self._start_time = time()
        self._timer_ready = True
        self.spinning = self._spinning

    @property
    def spinning(self) -> bool:
        """Shown, with its timer running."""
        return self._spinning

    @spinning.setter
    def spinning(self, spinning: bool) -> None:
        self._spinning = spinning
        self.display = spinning
        if not self._timer_ready:
            return  # mounting starts it
        if not spinning:
            self.auto_refresh = None
        elif self.auto_refresh is None:
            self.auto_refresh = FRAME_SECONDS

    @property
    def animating(self) -> bool:
        """True while the indicator's timer runs."""
        return self.auto_refresh is not None
