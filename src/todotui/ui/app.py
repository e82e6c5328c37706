"""The cockpit application: layout, keys, and one poll loop that never overlaps itself.

The Monitor does all fetching; this module only schedules it and hands results to
widgets. Build the app with `make_app`, which lets tests inject the Monitor and clock.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import App, ComposeResult
from textual.containers import Grid, Vertical
from textual.reactive import var
from textual.widgets import Footer
from textual.worker import Worker, WorkerState

from todotui.config import Settings
from todotui.telemetry.model import PaneSnapshot
from todotui.ui import cadence
from todotui.ui.actions import ActionCommands, ActionDesk, ActionDialog
from todotui.ui.commands import CockpitCommands
from todotui.ui.keys import COCKPIT_KEYS
from todotui.ui.messages import Connected, IdentityFailed, RefreshFinished
from todotui.ui.screens import AlertDetailScreen, HelpScreen
from todotui.ui.widgets import AlertFeedView, MetricPane, StatusBar

if TYPE_CHECKING:
    from todotui.actions import Journal
    from todotui.monitor import Identity, Monitor

Clock = Callable[[], datetime]
MonitorFactory = Callable[[Settings], AbstractAsyncContextManager["Monitor"]]

#: The panes in screen order, with the title shown before the first refresh names them.
PANES: tuple[tuple[str, str], ...] = (
    ("concurrency", "Lambda concurrency"),
    ("errors", "Error rate"),
    ("latency", "Latency"),
    ("dynamodb", "DynamoDB throttling"),
    ("traffic", "Traffic"),
)


def utc_now() -> datetime:
    return datetime.now(UTC)


class TodoTuiApp(App[None]):
    """The live cockpit: status bar, metric panes, alert feed."""

    CSS_PATH = "cockpit.tcss"
    TITLE = "todotui"
    BINDINGS = [key.binding() for key in COCKPIT_KEYS]
    COMMANDS = App.COMMANDS | {CockpitCommands, ActionCommands}

    # `var`, not `reactive`: a reactive on the App repaints the whole screen when it changes
    # (every second for `now`); the widgets bound to these redraw what they show themselves.
    paused: var[bool] = var(False)
    refresh_seconds: var[float] = var(5.0)
    window_seconds: var[int] = var(900)
    now: var[datetime | None] = var(None)

    def __init__(
        self,
        settings: Settings,
        *,
        monitor_factory: MonitorFactory,
        clock: Clock = utc_now,
        demo_label: str | None = None,
        journal: Journal | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.clock = clock
        self.demo_label = demo_label
        self.desk = ActionDesk(self, settings, journal=journal, clock=clock)
        """Action dialogs, undo and the journal; its runner shares the Monitor's AWS clients."""
        self._monitor_factory = monitor_factory
        self.monitor: Monitor | None = None
        """The live Monitor while the poll loop runs (tests read its request counts)."""
        self.refreshes = 0
        """Refreshes finished since start, successful or not."""
        self.refreshing = False
        """True while a refresh is in flight (at most one ever is)."""
        self._last_refresh_at = time.monotonic()
        self._wake = asyncio.Event()
        self._refresh_requested = False
        self._failures = 0
        """Refreshes that failed in a row: the wait before the next one doubles with each."""
        self.set_reactive(TodoTuiApp.refresh_seconds, settings.cadence.refresh_seconds)
        self.set_reactive(TodoTuiApp.window_seconds, settings.cadence.window_seconds)

    def compose(self) -> ComposeResult:
        stack = self.settings.stack
        resources = (
            f"λ {stack.function_name}:{stack.alias} · API {stack.api_name}/{stack.stage_name}"
            f" · DynamoDB {stack.table_name}"
        )
        yield StatusBar(resources, id="status").data_bind(
            TodoTuiApp.paused, TodoTuiApp.refresh_seconds, TodoTuiApp.window_seconds, TodoTuiApp.now
        )
        with Grid(id="panes"):
            for key, title in PANES:
                yield MetricPane(key, title).data_bind(TodoTuiApp.now)
        with Vertical(id="feed-box") as feed_box:
            feed_box.border_title = "Alerts · newest first"
            yield AlertFeedView(id="feed")
        yield Footer()

    def on_mount(self) -> None:
        self.now = self.clock()
        self.set_interval(1, self._tick)
        self.poll()

    def _tick(self) -> None:
        """Once a second: ages move on, and while no refresh lands panes turn stale on time."""
        self.now = self.clock()
        overdue = time.monotonic() - self._last_refresh_at > 2 * self.refresh_seconds
        if self.monitor is not None and (self.paused or overdue) and not self.refreshing:
            self._show_panes(self.monitor.snapshot(self.now))

    # The poll loop -------------------------------------------------------------

    @work(exclusive=True, group="poll", name="poll", exit_on_error=False)
    async def poll(self) -> None:
        """Refresh, report, wait for the cadence (or a key), repeat; paused = no requests."""
        async with self._monitor_factory(self.settings) as monitor:
            # The factory may have resolved the target (the demo's sandbox endpoint).
            self.settings = self.desk.settings = monitor.settings
            self.monitor = monitor
            self.desk.attach(monitor.clients)
            monitor.window_seconds = self.window_seconds
            identified = False
            try:
                while True:
                    if not self.paused or self._refresh_requested:
                        self._refresh_requested = False
                        if not identified:
                            identified = await self._identify(monitor)
                        self.refreshing = True
                        try:
                            refresh = await monitor.refresh()
                        finally:
                            self.refreshing = False
                        self.refreshes += 1
                        self._failures = 0 if refresh.ok else self._failures + 1
                        self._last_refresh_at = time.monotonic()
                        self.post_message(RefreshFinished(refresh, monitor.cost))
                    await self._wait_for_next_turn()
            finally:
                self.monitor = None
                self.desk.detach()

    async def _identify(self, monitor: Monitor) -> bool:
        from todotui.monitor import MonitorError

        try:
            identity = await monitor.identity()
        except MonitorError as exc:
            self.post_message(IdentityFailed(str(exc)))
            return False
        self.post_message(Connected(identity))
        return True

    async def _wait_for_next_turn(self) -> None:
        """Sleep until the cadence is due, a refresh is asked for, or polling resumes."""
        due = time.monotonic() + cadence.backoff(self.refresh_seconds, self._failures)
        while not self._refresh_requested:
            self._wake.clear()
            timeout = None if self.paused else due - time.monotonic()
            if timeout is not None and timeout <= 0:
                return
            try:
                await asyncio.wait_for(self._wake.wait(), timeout)
            except TimeoutError:
                return
            if not self.paused and time.monotonic() >= due:
                return

    def _nudge(self, *, refresh: bool = False) -> None:
        self._refresh_requested = self._refresh_requested or refresh
        self._wake.set()

    @on(Worker.StateChanged)
    def _on_worker_state(self, event: Worker.StateChanged) -> None:
        """The one place worker failures land: say so, and start polling again later."""
        if event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        title = "Polling failed" if event.worker.name == "poll" else f"{event.worker.name} failed"
        self.notify(f"{type(error).__name__}: {error}", title=title, severity="error")
        if event.worker.name == "poll":
            self.query_one(StatusBar).failing = str(error)
            self.set_timer(self.refresh_seconds, self.poll)

    # What the loop reports ------------------------------------------------------

    def on_connected(self, message: Connected) -> None:
        target = describe_target(message.identity, self.demo_label)
        if self.settings.aws.effective_read_only:
            target += " · READ-ONLY (plans only)"
        self.query_one(StatusBar).target = target

    def on_identity_failed(self, message: IdentityFailed) -> None:
        self.query_one(StatusBar).target = f"not connected: {message.error}"

    def on_refresh_finished(self, message: RefreshFinished) -> None:
        refresh = message.refresh
        self._show_panes(refresh.panes)
        self.query_one(AlertFeedView).show(refresh.alerts)
        status = self.query_one(StatusBar)
        status.cost = message.cost
        status.failing = "" if refresh.ok else (refresh.error or "refresh failed")
        if refresh.ok:
            status.last_good = refresh.finished_at
        self.now = self.clock()

    def _show_panes(self, panes: Mapping[str, PaneSnapshot]) -> None:
        for pane in self.query(MetricPane):
            snapshot = panes.get(pane.key)
            if snapshot is not None and snapshot != pane.snapshot:  # an unchanged pane costs no redraw
                pane.snapshot = snapshot

    @on(AlertFeedView.Chosen)
    def _open_alert(self, event: AlertFeedView.Chosen) -> None:
        from todotui.actions import actions_for_topic

        alert = event.alert
        suggestions = tuple(info.title for info in actions_for_topic(alert.topic))

        def then(wants_actions: bool | None) -> None:
            if wants_actions:
                self.desk.open_menu(alert)

        self.push_screen(AlertDetailScreen(alert, suggestions=suggestions), then)

    # Keys ------------------------------------------------------------------------

    def action_toggle_pause(self) -> None:
        self.paused = not self.paused  # the status bar says PAUSED / LIVE
        self._nudge()

    def action_refresh_now(self) -> None:
        self._nudge(refresh=True)

    def action_faster(self) -> None:
        self.refresh_seconds = cadence.faster(self.refresh_seconds)
        self._nudge()

    def action_slower(self) -> None:
        self.refresh_seconds = cadence.slower(self.refresh_seconds)
        self._nudge()

    def action_cycle_window(self) -> None:
        self.window_seconds = cadence.next_window(self.window_seconds)
        if self.monitor is not None:
            self.monitor.window_seconds = self.window_seconds
        self._nudge(refresh=True)

    def action_focus_feed(self) -> None:
        self.query_one(AlertFeedView).focus()

    def action_actions(self) -> None:
        """On a highlighted alert in the focused feed: its runbook actions; elsewhere: all of them."""
        feed = self.query_one(AlertFeedView)
        alert = None
        if self.focused is feed and feed.row_count:
            alert = feed.alert_at(feed.coordinate_to_cell_key(feed.cursor_coordinate).row_key)
        self.desk.open_menu(alert)

    def action_undo_last(self) -> None:
        self.desk.undo_last()

    def action_journal(self) -> None:
        self.desk.show_journal()

    @on(ActionDialog.Finished)
    def _action_finished(self, event: ActionDialog.Finished) -> None:
        self.desk.report(event.plan, event.outcome)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            # Installed once: opening help again costs no compose of its content.
            if not self.is_screen_installed("help"):
                self.install_screen(HelpScreen(), "help")
            self.push_screen("help")


def describe_target(identity: Identity, demo_label: str | None) -> str:
    """Account, region, and profile or endpoint; the demo says "sandbox" instead of a URL."""
    parts = [demo_label] if demo_label else []
    parts += [f"account {identity.account}", identity.region or "(no region)"]
    if not demo_label:
        if identity.profile:
            parts.append(f"profile {identity.profile}")
        if identity.endpoint_url:
            parts.append(identity.endpoint_url)
    return " · ".join(parts)


def make_app(
    settings: Settings,
    *,
    monitor_factory: MonitorFactory | None = None,
    clock: Clock = utc_now,
    demo_label: str | None = None,
    journal: Journal | None = None,
) -> TodoTuiApp:
    """The cockpit for `settings`; tests pass a Monitor factory (e.g. on a sandbox) and a clock."""
    if monitor_factory is None:
        from todotui.monitor import Monitor

        def monitor_factory(settings: Settings) -> AbstractAsyncContextManager[Monitor]:
            return Monitor(settings, clock=clock)

    return TodoTuiApp(settings, monitor_factory=monitor_factory, clock=clock, demo_label=demo_label, journal=journal)
