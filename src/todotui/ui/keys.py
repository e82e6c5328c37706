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
    footer: tuple[str, str] | None = ("", "")
    """The footer's (key, label) where it differs from `display` and `label`; None keeps
    the key out of the footer (the help and the palette still list it)."""

    def binding(self) -> Binding:
        if self.footer is None:
            return Binding(self.key, self.action, self.label, show=False)
        display, label = self.footer
        return Binding(
            self.key, self.action, label or self.label, key_display=display or self.display or None
        )


COCKPIT_KEYS: tuple[CockpitKey, ...] = (
    CockpitKey(
        "p", "toggle_pause", "Pause", "Pause or resume polling (paused = no AWS requests)", "p"
    ),
    CockpitKey("r", "refresh_now", "Refresh", "Refresh now, without waiting for the cadence", "r"),
    # One footer entry for the pair, so the footer keeps room for q Quit at 160 columns.
    CockpitKey(
        "plus,equals_sign", "faster", "Faster", "Refresh more often", "+", ("+-", "Cadence")
    ),
    CockpitKey("minus", "slower", "Slower", "Refresh less often", "-", None),
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
        "t",
        "timeline",
        "Timeline",
        "Incident timeline: alarms, breaches, diagnoses, actions, deploys; e exports a post-mortem",
        "t",
    ),
    CockpitKey(
        "W",
        "review",
        "Review",
        "Weekly review: cost, CloudTrail events, slow requests, sign-in failures",
        "W",
    ),
    CockpitKey(
        "c",
        "check",
        "Check",
        "Morning health check: 24 h vs thresholds, a day and a week earlier (one call)",
        "c",
    ),
    CockpitKey(
        "F",
        "fleet",
        "Fleet",
        "Fleet view: every function, table and API ranked by health; enter opens one",
        "F",
    ),
    CockpitKey("question_mark", "help", "Help", "Show keys and what the pane states mean", "?"),
    CockpitKey("q", "quit", "Quit", "Quit todotui", "q"),
)


ALERT_KEYS: tuple[CockpitKey, ...] = (
    CockpitKey("a", "actions", "Runbook actions", "The runbook's actions for this alert", "a"),
    CockpitKey(
        "l",
        "investigate('logs')",
        "Log lines",
        "Log lines around it: a filter pattern (JSON too) over a window you choose",
        "l",
    ),
    CockpitKey(
        "t",
        "investigate('traces')",
        "Traces",
        "X-Ray: the slowest and failing traces in its window, as waterfalls",
        "t",
    ),
    CockpitKey(
        "u",
        "investigate('user')",
        "User activity",
        "CloudTrail: what its user did (LookupEvents by username)",
        "u",
    ),
    CockpitKey(
        "s",
        "investigate('sign_in')",
        "Test sign-in",
        "Test the authentication flow (AdminInitiateAuth; the password is never shown)",
        "s",
    ),
)
"""On an alert's detail (enter on the feed)."""


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


TIMELINE_KEYS: tuple[CockpitKey, ...] = (
    CockpitKey("enter", "detail", "Detail", "Timeline: the highlighted event in full", "enter"),
    CockpitKey(
        "e", "export", "Export post-mortem", "Timeline: write the post-mortem draft (Markdown)", "e"
    ),
    CockpitKey("1,2,3,4,5,6,7,8", "toggle_kind", "Kinds", "Timeline: show or hide a kind", "1-8"),
    CockpitKey("0", "all_kinds", "All", "Timeline: show every kind again", "0"),
    CockpitKey("escape,t", "back", "Back", "Timeline: back to the dashboard", "esc"),
)
"""The timeline's keys: its bindings and help lines (the screen binds each digit to its kind)."""
