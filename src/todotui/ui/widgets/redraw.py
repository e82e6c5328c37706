"""Update a widget only when its text changed, and lay out again only when its size may have.

Every `update()` costs a redraw, and by default a layout pass of the whole screen, which
then redraws everything. The cockpit re-states most figures every refresh and every
second; most changes only swap digits ("12s ago" -> "13s ago"), which cannot change a
widget's size, so those skip the layout and redraw just the widget. Border titles are
the same story: Textual repaints the whole box on every assignment, equal or not.
"""

from __future__ import annotations

import re

from textual.widget import Widget
from textual.widgets import Digits, Static

_DIGIT = re.compile(r"\d")


def _shape(text: str) -> str:
    """The text with every digit alike: equal shapes take the same cells on screen."""
    return _DIGIT.sub("0", text)


def update_if_changed(widget: Static | Digits, text: str, *, fixed_size: bool = False) -> None:
    """`fixed_size`: the widget's CSS fixes its size (one row, a set width), so no text can
    change it and it never needs a layout pass."""
    previous: str | None = getattr(widget, "_shown_text", None)
    if previous == text:
        return
    widget._shown_text = text  # type: ignore[union-attr]
    same_size = fixed_size or (previous is not None and _shape(previous) == _shape(text))
    if isinstance(widget, Digits):
        widget.update(text)  # Digits lays itself out only when its width changes
    else:
        widget.update(text, layout=not same_size)


def set_border_title(widget: Widget, title: str) -> None:
    """Textual repaints a box, border and all, on every `border_title =`, even of the same
    title; the panes re-state theirs each refresh, so assign only a change."""
    if getattr(widget, "_shown_border_title", None) != title:
        widget._shown_border_title = title  # type: ignore[attr-defined]
        widget.border_title = title
