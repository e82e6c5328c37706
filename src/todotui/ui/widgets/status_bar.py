"""The top of the cockpit: what it watches, where, how often, how fresh, and what it costs."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.markup import escape
from textual.reactive import var
from textual.widgets import Label

from todotui import format as fmt
from todotui.telemetry.health import is_stale
from todotui.ui.widgets.redraw import update_if_changed

if TYPE_CHECKING:
    from todotui.core.monitor import CostMeter


class StatusBar(Vertical):
    """Two lines: connection and cadence on top; resources and cost below."""

    DEFAULT_CSS = """
    StatusBar {
        height: 2;
        background: $panel;
        Horizontal { height: 1; }
        .mode { width: 12; padding: 0 1; text-style: bold; background: $success; color: $text; }
        &.-paused .mode { background: $warning; color: $text; }
        &.-failing .mode { background: $error; color: $text; }
        &.-stale .mode { background: $warning; color: $text; }
        .brand { width: auto; padding: 0 1; color: $accent; text-style: bold; }
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
        with Horizontal():
            yield Label(f"watching {self.resources}", classes="resources")
            yield Label("", classes="cost")

    def on_mount(self) -> None:
        self._redraw()

    def _redraw(self) -> None:
        if not self.children:  # not composed yet; on_mount draws
            return
        # Stale by the panes' own rule, even while a slow refresh is still in flight.
        stale = self.now is not None and is_stale(self.last_good, self.now, self.refresh_seconds)
        failing = bool(self.failing) and not self.paused
        self.set_class(self.paused, "-paused")
        self.set_class(failing, "-failing")
        self.set_class(stale and not failing and not self.paused, "-stale")
        if self.paused:
            mode = "❚❚ PAUSED"
        elif self.failing:
            mode = "● FAILING"
        else:
            mode = "◌ STALE" if stale else "● LIVE"
        update_if_changed(self.query_one(".mode", Label), mode)
        update_if_changed(self.query_one(".target", Label), escape(self.target))
        updated = fmt.age(self.last_good, self.now) if self.now else "—"
        update_if_changed(
            self.query_one(".timing", Label),
            f"{fmt.cadence(self.refresh_seconds)} [$text-muted]·[/] "
            f"{fmt.window(self.window_seconds)} window [$text-muted]·[/] "
            f"last good [b]{updated}[/]",
        )
        cost = self.cost
        if cost is None:
            update_if_changed(self.query_one(".cost", Label), "CloudWatch cost: measuring…")
        else:
            update_if_changed(
                self.query_one(".cost", Label),
                f"CloudWatch [b]{cost.requests_per_minute:.1f}[/] req/min · "
                f"[b]{cost.metrics_per_minute:.0f}[/] metrics/min · "
                f"[b $accent]≈ ${cost.usd_per_hour:.3f}/h[/]",
            )

    def _watch_any(self) -> None:
        self._redraw()

    watch_paused = watch_refresh_seconds = watch_window_seconds = _watch_any
    watch_now = watch_target = watch_last_good = watch_failing = watch_cost = _watch_any
