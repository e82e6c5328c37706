"""One line under the status bar: what is wrong, by the diagnosis, and the key that fixes it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.markup import escape
from textual.widgets import Static

from todotui.ui.widgets.redraw import update_if_changed

if TYPE_CHECKING:  # the cockpit's first frame has this line, and no diagnosis yet
    from todotui.alerts.diagnosis import Diagnosis
    from todotui.alerts.remedy import Finding

_STYLE = {"high": "-high", "medium": "-medium", "low": "-low"}
"""A `Confidence`'s value -> the line's class."""


def diagnosis_markup(diagnosis: Diagnosis, findings: tuple[Finding, ...]) -> str:
    top = diagnosis.top
    if top is None:
        return f"[b]✓ No clear cause[/] [$text-muted]{escape(diagnosis.unclear)}[/]"
    fixable = next((f for f in findings if f.cause is top and f.fix is not None), None)
    more = (
        f" [$text-muted](+{len(diagnosis.causes) - 1} more)[/]" if len(diagnosis.causes) > 1 else ""
    )
    key = "[b reverse] a [/] fix it" if fixable is not None else "[b reverse] a [/] actions"
    kind = top.kind.value[:1].upper() + top.kind.value[1:]
    return f"{key} [b]▲ {escape(kind)}[/] ({top.level.value}){more}: {escape(top.line)}"


class DiagnosisLine(Static):
    """What is wrong now, redrawn after each refresh (the app asks the core)."""

    DEFAULT_CSS = """
    DiagnosisLine {
        height: 1;
        padding: 0 1;
        background: $panel;
        color: $text;
        text-wrap: nowrap;
        text-overflow: ellipsis;
        &.-high { background: $error 30%; }
        &.-medium { background: $warning 25%; }
        &.-low { background: $panel; }
    }
    """

    def show(self, diagnosis: Diagnosis, findings: tuple[Finding, ...]) -> None:
        """Re-stated after every refresh; redrawn only when the words changed, and never laid
        out again: the line is one row of fixed width, so no text can change its size (an
        `update()` with layout costs a layout pass of the whole screen, measured ~50 ms)."""
        top = diagnosis.top
        for level, name in _STYLE.items():
            self.set_class(top is not None and top.level.value == level, name)
        update_if_changed(self, diagnosis_markup(diagnosis, findings), fixed_size=True)
