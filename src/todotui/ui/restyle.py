"""Screens shown again keep their styles unless what styles them changed.

Textual restyles every node of a screen each time it is pushed (`ScreenResume` with
`refresh_styles=True`), because a screen that was not on the stack missed any theme change.
The cockpit installs its screens and shows them again and again; for the action dialog (about
40 widgets) and the weekly review (every section's rows) that restyle was the largest single
cost of opening them (pyinstrument, bench/profile_screens.py: 30-55 ms of each open). A node
whose classes change while its screen is hidden restyles itself at once (`DOMNode.add_class`),
so only a new stylesheet (a theme change or new CSS parses one: a new rules list), another
colour mode, or the terminal's focus (`App:blur`) calls for restyling the whole screen again.
"""

from __future__ import annotations

from typing import cast

from textual import events
from textual.screen import Screen


class KeepStylesWhenShownAgain:
    """Mix in before the Screen base: a push restyles the screen only when its styling changed.

    The first push always restyles (nothing is known of it yet); so does every push after a
    theme change, an ANSI colour switch or the terminal's focus changing."""

    _styled_for: tuple[object, bool | None, bool] | None = None

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        """Say whether Screen's own handler, which Textual calls next, restyles the screen.

        Not `super()`: Textual's dispatch calls every class's `_on_screen_resume` in MRO
        order by itself, so calling Screen's here too ran it twice on each push."""
        app = cast("Screen[object]", self).app
        styling = (app.stylesheet.rules, app.ansi_color, app.app_focus)
        last = self._styled_for
        if last is not None and last[0] is styling[0] and last[1:] == styling[1:]:
            event.refresh_styles = False
        self._styled_for = styling
