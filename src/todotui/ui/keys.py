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
    CockpitKey(
        "b",
        "rollout",
        "Rollout",
        "Rollout view: stable vs candidate; start, promote or abort a rollout",
        "b",
    ),
    CockpitKey(
        "c",
        "check",
        "Check",
        "Morning health check: 24 h vs thresholds, a day and a week earlier (one call)",
        "c",
    ),
    CockpitKey("question_mark", "help", "Help", "Show keys and what the pane states mean", "?"),
    CockpitKey("q", "quit", "Quit", "Quit todotui", "q"),
)


ROLLOUT_KEYS: tuple[CockpitKey, ...] = (
    CockpitKey("s", "start", "Start", "Rollout: start one (choose a version and a strategy)", "s"),
    CockpitKey("p", "promote", "Promote", "Rollout: promote to the next step now", "p"),
    CockpitKey(
        "P", "promote_full", "Promote all", "Rollout: promote fully, skip every step left", "P"
    ),
    CockpitKey("space", "pause_resume", "Pause", "Rollout: pause it, or resume it", "space"),
    CockpitKey(
        "h", "hold", "Hold", "Rollout: hold the automatic abort (wait for a person instead)", "h"
    ),
    CockpitKey("x", "abort", "Abort", "Rollout: abort (all traffic back to stable)", "x"),
    CockpitKey("r", "retry", "Retry", "Rollout: retry an aborted rollout from its first step", "r"),
    CockpitKey("f", "fix_drift", "Fix drift", "Rollout: fix the alias drift shown (one key)", "f"),
    CockpitKey("escape,b", "back", "Back", "Rollout: back to the dashboard", "esc"),
)
"""The rollout view's keys (they shadow the dashboard's p, r and f while it is open)."""
