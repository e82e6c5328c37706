"""A loading indicator that animates only while it is on screen.

Textual's `LoadingIndicator` starts a 1/16 s timer when it is mounted and keeps it for as
long as it exists, hidden or not (each tick only skips the redraw when off screen). The
cockpit keeps its screens, and those screens keep their indicators: six of them woke the
event loop about a hundred times a second all session, between the operator's keys.
"""

from __future__ import annotations

from time import time

from textual import events
from textual.widget import Widget
from textual.widgets import LoadingIndicator

FRAME_SECONDS = 1 / 16
"""Textual's own animation step for the indicator."""


class Spinner(LoadingIndicator):
    """`LoadingIndicator` whose timer runs from `Show` to `Hide` (set by the compositor)."""

    def _on_mount(self, event: events.Mount) -> None:
        # Stop LoadingIndicator's own mount handler, which would start the timer for good.
        event.prevent_default()
        Widget._on_mount(self, event)
        self._start_time = time()

    def _on_show(self, event: events.Show) -> None:
        if self.auto_refresh is None:
            self.auto_refresh = FRAME_SECONDS

    def _on_hide(self, event: events.Hide) -> None:
        self.auto_refresh = None

    @property
    def animating(self) -> bool:
        """True while the indicator's timer runs."""
        return self.auto_refresh is not None
