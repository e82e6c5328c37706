"""One live figure: big current value, related figures, history, and how old it all is.

Loading, no data, partial, error and stale are each drawn in words; a missing
value is never drawn as a number.
"""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.markup import escape
from textual.reactive import var
from textual.widgets import Digits, Label, Static

from todotui import format as fmt
from todotui.telemetry.model import DataState, Health, PaneSnapshot, Reading
from todotui.ui.lifecycle import going_away
from todotui.ui.widgets.history_chart import HistoryChart
from todotui.ui.widgets.redraw import set_border_title, update_if_changed

_HEALTH_CLASSES = {health: f"-{health.value}" for health in Health}
_STATE_CLASSES = {state: f"-state-{state.name.lower()}" for state in DataState}

AGE_STEP = 5
"""Seconds a pane's age moves by: a redraw of every pane each second would slow key presses."""

#: Glyphs Digits can draw; anything else (a thousands separator) would come out blank.
_DIGIT_CHARS = set("0123456789.-+")


def state_badge(pane: PaneSnapshot, now: datetime | None) -> str:
    """The words that say why the figure is not simply live: "stale (43s)", "partial", ..."""
    state = pane.primary.state
    if state is DataState.STALE:
        since = pane.fetched_at or pane.primary.as_of
        if since is not None and now is not None:
            return f"stale ({fmt.duration((now - since).total_seconds())})"
        return "stale"
    if state in (DataState.PARTIAL,):
        return "partial"
    if state is DataState.ERROR and pane.primary.value is not None:
        return "error"
    return ""


def headline_message(reading: Reading) -> str:
    """What stands in for the value when there is none to draw."""
    if reading.state is DataState.LOADING:
        return "loading…"
    if reading.state is DataState.ERROR:
        return f"error: {reading.detail}" if reading.detail else "error"
    if reading.state is DataState.NO_DATA:
        return "no data"
    if reading.state is DataState.STALE:
        return "stale: no data yet"
    return "no data"


def secondary_text(pairs: tuple[tuple[str, Reading], ...]) -> str:
    """Related figures on one line (Textual markup), each coloured by its own health.

    A missing figure is written as its state ("no data", "error"), never as a number.
    """
    parts = []
    for label, reading in pairs:
        if reading.value is None:
            words = "—" if reading.state is DataState.LOADING else reading.state.value
            figure = f"[i $text-muted]{escape(words)}[/]"
        else:
            style = {Health.WARN: "b $warning", Health.CRIT: "b $error"}.get(reading.health, "b")
            figure = f"[{style}]{escape(fmt.with_unit(reading.value, reading.unit))}[/]"
        parts.append(f"[$text-muted]{escape(label)}[/] {figure}")
    return "  ".join(parts)


class MetricPane(Vertical):
    """A bordered pane for one `PaneSnapshot`; set `snapshot` and bind `now` for ages."""

    DEFAULT_CSS = """
    MetricPane {
        border: round $foreground 25%;
        border-title-color: $text;
        border-title-style: bold;
        border-subtitle-color: $text-muted;
        padding: 0 1;
        height: 1fr;
        min-height: 8;
        &.-ok { border: round $success 60%; }
        &.-warn { border: round $warning; border-title-color: $warning; }
        &.-crit { border: round $error; border-title-color: $error; background: $error 6%; }
        &:focus-within { border: round $accent; }

        .headline { height: 3; }
        /* The value is drawn as big Digits, or (compact layout) as .compact-value text;
           .message stands in for it when there is none (-valued tells which). */
        .value, .unit, .compact-value { display: none; }
        &.-valued .value, &.-valued .unit { display: block; }
        &.-valued .message { display: none; }
        Digits { width: auto; color: $text-muted; text-style: bold; }
        &.-ok Digits { color: $success; }
        &.-warn Digits { color: $warning; }
        &.-crit Digits { color: $error; }
        &.-state-stale Digits, &.-state-error Digits { color: $text-muted 60%; }
        .unit { height: 3; content-align: left bottom; padding: 0 0 0 1; color: $text-muted; }
        .badge {
            height: 1; margin: 0 0 0 2; padding: 0 1;
            background: $warning 20%; color: $warning; text-style: bold;
        }
        .badge.-empty { display: none; }
        &.-state-error .badge { background: $error 20%; color: $error; }
        .message { height: 3; content-align: left middle; color: $text-muted; text-style: italic; width: 1fr; }
        &.-state-error .message { color: $error; text-style: none; }
        .secondary { height: auto; max-height: 2; color: $text; }
        HistoryChart { height: 1fr; min-height: 1; margin: 1 0 0 0; }
        &.-ok HistoryChart > .sparkline--max-color { color: $success; }
        &.-ok HistoryChart > .sparkline--min-color { color: $success 40%; }
        &.-warn HistoryChart > .sparkline--max-color { color: $warning; }
        &.-warn HistoryChart > .sparkline--min-color { color: $success 50%; }
        &.-crit HistoryChart > .sparkline--max-color { color: $error; }
        &.-crit HistoryChart > .sparkline--min-color { color: $warning 60%; }
        .caption { height: 1; color: $text-muted; text-style: dim; }
    }
    """

    snapshot: var[PaneSnapshot | None] = var(None, always_update=True)
    """What to draw; None until the first refresh."""
    now: var[datetime | None] = var(None)
    """The app's clock, for ages and staleness."""

    def __init__(self, key: str, title: str, *, id: str | None = None) -> None:
        # Classes as `_show(None)` would set them: mounting restyles nothing.
        super().__init__(id=id or f"pane-{key}", classes=_STATE_CLASSES[DataState.LOADING])
        self.key = key
        self.border_title = title
        self.border_subtitle = "waiting for the first refresh"
        self._filled = False
        """The figures' widgets are mounted (with the first snapshot; see `compose`)."""

    def compose(self) -> ComposeResult:
        """Until the first snapshot a pane is its "loading…" line: the value's digits, the
        chart and the figures' labels of five panes were ~0.1 s of the first frame; they are
        mounted with the first snapshot (`_fill`), in the same places."""
        with Horizontal(classes="headline"):
            yield Label("loading…", classes="message")

    def _fill(self) -> None:
        self._filled = True
        self.query_one(".headline", Horizontal).mount(
            Digits("", classes="value"),
            Label("", classes="compact-value"),
            Label("", classes="unit"),
            Label("", classes="badge -empty"),
        )
        self.mount(Static("", classes="secondary"), HistoryChart([]), Label("", classes="caption"))

    def on_mount(self) -> None:
        self._show(None)

    def watch_snapshot(self, pane: PaneSnapshot | None) -> None:
        try:
            self._show(pane)
        except NoMatches:
            if not going_away(self):
                raise
            # A refresh that lands as the app quits: the pane's labels are already removed.

    def watch_now(self, now: datetime | None) -> None:
        if self.snapshot is None:
            return
        try:
            self._show_age(self.snapshot, now)
        except NoMatches:
            if not going_away(self):
                raise

    def _show(self, pane: PaneSnapshot | None) -> None:
        if not self.children:  # not composed yet; on_mount draws
            return
        reading = pane.primary if pane else Reading(None)
        for health, css_class in _HEALTH_CLASSES.items():
            self.set_class(pane is not None and pane.health is health, css_class)
        for state, css_class in _STATE_CLASSES.items():
            self.set_class(reading.state is state, css_class)
        message = self.query_one(".message", Label)
        if pane is None and not self._filled:
            update_if_changed(message, headline_message(reading))
            return
        if not self._filled:
            self._fill()

        value, unit = self.query_one(".value", Digits), self.query_one(".unit", Label)
        shown = fmt.number(reading.value) if reading.value is not None else ""
        has_value = bool(shown) and set(shown) <= _DIGIT_CHARS
        self.set_class(has_value, "-valued")  # which of value or message shows: the CSS's
        if has_value:
            update_if_changed(value, shown)
            update_if_changed(self.query_one(".compact-value", Label), shown)
            update_if_changed(unit, reading.unit)
        elif reading.value is not None:
            update_if_changed(message, fmt.with_unit(reading.value, reading.unit))
        else:
            update_if_changed(message, headline_message(reading))

        if pane is None:
            return
        set_border_title(self, pane.title)
        update_if_changed(self.query_one(".secondary", Static), secondary_text(pane.secondary))
        chart = self.query_one(HistoryChart)
        if chart.data != pane.history:
            chart.data = pane.history
        update_if_changed(self.query_one(".caption", Label), pane.history_label)
        self._show_age(pane, self.now)

    _shown_age: tuple[str, str] | None = None

    def _show_age(self, pane: PaneSnapshot, now: datetime | None) -> None:
        """The badge and the age under the border; on the 1 s tick most seconds change
        neither (ages move in `AGE_STEP`s), and then nothing is touched."""
        words = state_badge(pane, now)
        if now is None:
            subtitle = ""
        elif pane.primary.as_of is not None:
            subtitle = f"as of {fmt.age(pane.primary.as_of, now, step=AGE_STEP)}"
        elif pane.fetched_at is not None:
            subtitle = f"checked {fmt.age(pane.fetched_at, now, step=AGE_STEP)}"
        else:
            subtitle = "not fetched yet"
        if (words, subtitle) == self._shown_age:
            return
        self._shown_age = (words, subtitle)
        badge = self.query_one(".badge", Label)
        update_if_changed(badge, words)
        badge.set_class(not words, "-empty")
        if subtitle != self.border_subtitle:
            self.border_subtitle = subtitle
