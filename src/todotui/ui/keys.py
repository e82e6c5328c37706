"""The cockpit's keys: one table feeds the bindings, the footer, the palette and the help."""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding


@dataclass(frozen=True, slots=True)
class CockpitKey:
    key: str
    action: str
    label: str
    """Short, for the footer."""
    help: str
    """One line, for the command palette and the help screen."""
    display: str = ""

    def binding(self) -> Binding:
        return Binding(self.key, self.action, self.label, key_display=self.display or None)


COCKPIT_KEYS: tuple[CockpitKey, ...] = (
    CockpitKey(
        "p", "toggle_pause", "Pause", "Pause or resume polling (paused = no AWS requests)", "p"
    ),
    CockpitKey("r", "refresh_now", "Refresh", "Refresh now, without waiting for the cadence", "r"),
    CockpitKey("plus,equals_sign", "faster", "Faster", "Refresh more often", "+"),
    CockpitKey("minus", "slower", "Slower", "Refresh less often", "-"),
    CockpitKey(
        "w", "cycle_window", "Window", "Cycle the time window: 5 min / 15 min / 1 h / 3 h", "w"
    ),
    CockpitKey("f", "focus_feed", "Feed", "Focus the alert feed (enter opens an alert)", "f"),
    CockpitKey(
        "a",
        "actions",
        "Actions",
        "Actions: on a highlighted alert, the runbook's answers to it",
        "a",
    ),
    CockpitKey(
        "u", "undo_last", "Undo", "Undo the last action (shows its inverse plan to confirm)", "u"
    ),
    CockpitKey(
        "j", "journal", "Journal", "Action journal: this session's actions, undo, verify again", "j"
    ),
    CockpitKey("question_mark", "help", "Help", "Show keys and what the pane states mean", "?"),
    CockpitKey("q", "quit", "Quit", "Quit todotui", "q"),
)
