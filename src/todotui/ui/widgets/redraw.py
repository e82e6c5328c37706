"""Update a widget only when its text changed.

Every `update()` costs a redraw, and an auto-sized Label's update a layout pass of the
whole screen; the cockpit re-states most figures every refresh and every second, so
skipping unchanged ones keeps key presses responsive.
"""

from __future__ import annotations

from textual.widgets import Digits, Static


def update_if_changed(widget: Static | Digits, text: str) -> None:
    if getattr(widget, "_shown_text", None) != text:
        widget._shown_text = text  # type: ignore[union-attr]
        widget.update(text)
