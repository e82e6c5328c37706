"""The top of the cockpit: what it watches, where, how often, how fresh, and what it costs."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.markup import escape
from textual.reactive import var
from textual.widgets import Label

from todotui import format as fmt
from todotui.telemetry.health import is_stale
from todotui.ui.widgets.redraw import update_if_changed

if TYPE_CHECKING:
    from todotui.core.monitor import CostMeter


MODE_WIDTH = 12
"""The mode's label, in cells (CSS `.mode { width: 12 }`)."""
TARGET_MIN = 24
"""Cells the target (account, region) keeps before the brand, window and cadence give way."""
RESOURCES_MIN = 36
"""Cells the watched resources keep before the cost shortens."""


def _cells(markup: str) -> int:
    """Cells the markup takes on screen."""
    return Content.from_markup(markup).cell_length


class StatusBar(Vertical):
    """Two lines: connection and cadence on top; resources and cost below.

    The state's classes (-paused, -failing, -stale, -no-brand) go on the one label they
    colour, not on the bar: a class on the bar restyles its nine nodes (9 ms a change in
    the cockpit's stylesheet, against 1 ms for one label), on every press of `p`."""

    DEFAULT_CSS = """
    StatusBar {
        height: 2;
        background: $panel;
        Horizontal { height: 1; }
        .mode { width: 12; padding: 0 1; text-style: bold; background: $success; color: $text; }
        .mode.-paused { background: $warning; color: $text; }
        .mode.-failing { background: $error; color: $text; }
        .mode.-stale { background: $warning; color: $text; }
        .brand { width: auto; padding: 0 1; color: $accent; text-style: bold; }
        .target.-no-brand { padding: 0 0 0 1; }
        .target { width: 1fr; color: $text; text-wrap: nowrap; text-overflow: ellipsis; }
        .timing { width: auto; padding: 0 1; color: $text; }
        .resources { width: 1fr; padding: 0 1; color: $text-muted; text-wrap: nowrap; text-overflow: ellipsis; }
        .cost { width: auto; padding: 0 1; color: $text-muted; }
    }
    """

    paused: var[bool] = var(False)
    refresh_seconds: var[float] = var(5.0)
    window_seconds: var[int] = var(900)
    now: var[datetime | None] = var(None)
    target: var[str] = var("connecting…")
    """Where the calls go: account, region, profile or endpoint (or "sandbox")."""
    last_good: var[datetime | None] = var(None)
    """When the last refresh that succeeded finished."""
    failing: var[str] = var("")
    """Why the last refresh failed, or "" when it did not."""
    cost: var[CostMeter | None] = var(None)

    def __init__(self, resources: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.resources = resources

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Label("● LIVE", classes="mode")
            yield Label("todotui", classes="brand")
            yield Label("", classes="target")
            yield Label("", classes="timing")
        with Horizontal(classes="second"):
            yield Label(self._watching(), classes="resources")
            yield Label("", classes="cost")

    def _watching(self) -> str:
        return f"watching {self.resources}" if self.resources else "reading the settings…"

    def show_resources(self, resources: str) -> None:
        """The resources watched, once the settings are read (the cockpit starts without)."""
        self.resources = resources
        if self.children:
            self.query_one(".resources", Label).update(self._watching())
            self._redraw()

    def on_mount(self) -> None:
        self._redraw()

    def _clock_shows(self) -> tuple[bool, str]:
        """What the clock decides on this bar: stale or not, and the last-good age's words."""
        # Stale by the panes' own rule, even while a slow refresh is still in flight.
        stale = self.now is not None and is_stale(self.last_good, self.now, self.refresh_seconds)
        return stale, fmt.age(self.last_good, self.now) if self.now else "—"

    def _redraw(self) -> None:
        if not self.children:  # not composed yet; on_mount draws
            return
        stale, updated = self._shown_clock = self._clock_shows()
        failing = bool(self.failing) and not self.paused
        mode_label = self.query_one(".mode", Label)
        mode_label.set_classes(
            {"mode"}
            | ({"-paused"} if self.paused else set())
            | ({"-failing"} if failing else set())
            | ({"-stale"} if stale and not failing and not self.paused else set())
        )
        if self.paused:
            mode = "❚❚ PAUSED"
        elif self.failing:
            mode = "● FAILING"
        else:
            mode = "◌ STALE" if stale else "● LIVE"
        update_if_changed(mode_label, mode)
        update_if_changed(self.query_one(".target", Label), escape(self.target))
        # The mode and the last-good age always show; on a narrow terminal the cadence, the
        # window and the brand give way first (the target shrinks to an ellipsis last).
        width = self.size.width
        sep = " [$text-muted]·[/] "
        cadence, window = (
            fmt.cadence(self.refresh_seconds),
            f"{fmt.window(self.window_seconds)} window",
        )
        last = f"last good [b]{updated}[/]"
        target_room = min(_cells(escape(self.target)), TARGET_MIN)
        fixed = MODE_WIDTH + target_room
        brand = _cells("todotui") + 2
        for parts, with_brand in (
            ((cadence, window, last), True),
            ((window, last), True),
            ((window, last), False),
            ((last,), True),
            ((last,), False),
        ):
            timing = sep.join(parts)
            if not width or fixed + (brand if with_brand else 1) + _cells(timing) + 2 <= width:
                break
        self.query_one(".brand", Label).display = with_brand
        self.query_one(".target", Label).set_class(not with_brand, "-no-brand")
        update_if_changed(self.query_one(".timing", Label), timing)
        # The cost shortens, then goes, before the resources watched are cut to nothing.
        cost = self.cost
        if cost is None:
            costs = ["CloudWatch cost: measuring…", "cost: measuring…", ""]
        else:
            usd = f"[b $accent]≈ ${cost.usd_per_hour:.3f}/h[/]"
            costs = [
                f"CloudWatch [b]{cost.requests_per_minute:.1f}[/] req/min · "
                f"[b]{cost.metrics_per_minute:.0f}[/] metrics/min · {usd}",
                f"CloudWatch {usd}",
                usd,
                "",
            ]
        resources_room = min(_cells(self._watching()), RESOURCES_MIN) + 2
        for text in costs:
            if not width or not text or resources_room + _cells(text) + 2 <= width:
                break
        cost_label = self.query_one(".cost", Label)
        cost_label.display = bool(text)
        update_if_changed(cost_label, text)

    def on_resize(self) -> None:
        self._redraw()

    def _watch_any(self) -> None:
        self._redraw()

    def watch_now(self) -> None:
        """Every second: nothing is redrawn unless the age's words or the staleness moved
        (a full redraw measures every part's cells, most seconds for nothing)."""
        if self._clock_shows() != self._shown_clock:
            self._redraw()

    _shown_clock: tuple[bool, str] | None = None

    watch_paused = watch_refresh_seconds = watch_window_seconds = _watch_any
    watch_target = watch_last_good = watch_failing = watch_cost = _watch_any
