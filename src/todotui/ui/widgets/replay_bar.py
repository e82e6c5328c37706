"""The replay's bar at the bottom: where in the recording, how fast, paused or playing, keys."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from textual.markup import escape
from textual.widgets import Static


@dataclass(frozen=True, slots=True)
class ReplayState:
    """What the bar shows (the player's state, read by the app after each change)."""

    position_seconds: float
    duration_seconds: float
    at: datetime
    speed: float
    paused: bool
    ended: bool
    refresh: int
    refreshes: int
    note: str = ""
    """A problem to keep in view (a truncated file, a replay that diverged)."""


def clock_text(seconds: float) -> str:
    """Seconds as H:MM:SS, or M:SS under an hour."""
    whole = max(0, int(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def describe(state: ReplayState) -> str:
    """The bar's markup: mode, position / duration, the recorded time, speed, refresh, keys."""
    mode = "END" if state.ended else "PAUSED" if state.paused else "PLAYING"
    parts = [
        f"[b]REPLAY · {mode}[/]",
        f"{clock_text(state.position_seconds)} / {clock_text(state.duration_seconds)}",
        f"{state.at:%Y-%m-%d %H:%M:%S} UTC",
        f"{state.speed:g}×",
        f"refresh {state.refresh}/{state.refreshes}",
    ]
    keys = "[dim]" + escape("space pause · , . step · + - speed · [ ] -/+ 1 min · g go to") + "[/]"
    text = "  ".join(parts) + "  " + keys
    if state.note:
        text += f"  [b]⚠ {escape(state.note)}[/]"
    return text


class ReplayBar(Static):
    """One line, above the footer."""

    DEFAULT_CSS = """
    ReplayBar {
        height: 1;
        padding: 0 1;
        background: $accent-darken-2;
        color: $text;
        text-wrap: nowrap;
        text-overflow: ellipsis;
        &.-paused { background: $warning-darken-3; }
    }
    """

    def show(self, state: ReplayState) -> None:
        self.set_class(state.paused or state.ended, "-paused")
        self.update(describe(state))
