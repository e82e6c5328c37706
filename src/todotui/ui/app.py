"""The cockpit application: layout and keys, rendering what the core holds.

The core (`todotui.core.cockpit.Cockpit`) fetches, polls, stores alerts and runs actions;
this module runs its poll loop in a worker, turns its events into messages and hands them
to widgets. Build the app with `make_app(core)`.

Importing this module loads Textual and the cockpit's skeleton only (no core, pydantic or
AWS SDK): `make_app(opening=...)` draws the skeleton first (panes saying "loading", keys
dimmed) and builds the core after that first frame (`todotui --demo` starts so).
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar, cast

from textual import events, on, work
from textual.app import App, ComposeResult
from textual.containers import Grid, Vertical
from textual.geometry import Size
from textual.reactive import var
from textual.screen import Screen
from textual.widgets import Label
from textual.worker import Worker, WorkerState

from todotui.core import cadence
from todotui.core.clock import SystemClock
from todotui.startup_trace import mark
from todotui.ui.collector import LOOK_EVERY, SafePointCollector
from todotui.ui.keys import COCKPIT_KEYS
from todotui.ui.messages import AlertsChanged, Connected, IdentityFailed, RefreshFinished
from todotui.ui.pacing import HeldUpdates, KeyPause
from todotui.ui.widgets import AlertFeedView, DiagnosisLine, MetricPane, StatusBar
from todotui.ui.widgets.footer import CockpitFooter
from todotui.ui.widgets.layout import LayoutPlan, plan_layout

if TYPE_CHECKING:
    from textual.command import Provider
    from textual.driver import Driver

    from todotui.alerts.model import Alert
    from todotui.config import Settings
    from todotui.core.clock import Clock
    from todotui.core.cockpit import Cockpit
    from todotui.core.investigate import Investigator
    from todotui.core.monitor import Identity, Monitor
    from todotui.core.poller import PollEvent
    from todotui.telemetry.model import PaneSnapshot
    from todotui.ui.actions import ActionDesk, ActionDialog

CoreOpener = Callable[[], Awaitable["Cockpit"]]
"""Builds the core once the skeleton is on screen (raises with the one-line reason if it
cannot: bad settings, say)."""

WITH_THE_CORE = (
    "todotui.ui.actions",
    "todotui.ui.commands",
    "todotui.ui.screens",
    "todotui.alerts.diagnosis",
)
"""The UI modules that need the core's own (the action registry, the diagnosis): imported
in a thread beside the core's, so the loop keeps drawing and taking keys meanwhile."""

STARTING_ACTIONS = frozenset({"quit", "help", "focus_feed"})
"""The cockpit keys that work while the core is still being built (the rest show dimmed)."""
_COCKPIT_ACTIONS = frozenset(key.action for key in COCKPIT_KEYS)

LINUX_DRIVER = "textual.drivers.linux_driver:LinuxDriver"
"""Textual's terminal driver on Linux and macOS, which the cockpit replaces with its own."""

POLL_RESTART_SECONDS = 2.0
"""How soon a poll loop that died is started again (on the same core: nothing is lost)."""

#: The panes in screen order, with the title shown before the first refresh names them.
PANES: tuple[tuple[str, str], ...] = (
    ("concurrency", "Lambda concurrency"),
    ("errors", "Error rate"),
    ("latency", "Latency"),
    ("dynamodb", "DynamoDB throttling"),
    ("traffic", "Traffic"),
)

ScreenT = TypeVar("ScreenT", bound=Screen)


def _cockpit_commands() -> type[Provider]:
    """The palette's key commands, imported when the palette first opens."""
    from todotui.ui.commands import CockpitCommands

    return CockpitCommands


def _action_commands() -> type[Provider]:
    from todotui.ui.actions import ActionCommands

    return ActionCommands


class TodoTuiApp(App[None]):
    """The live cockpit: status bar, metric panes, alert feed."""

    CSS_PATH = "cockpit.tcss"
    TITLE = "todotui"
    BINDINGS = [key.binding() for key in COCKPIT_KEYS]
    COMMANDS = App.COMMANDS | {_cockpit_commands, _action_commands}
    asks_aws = True
    """False where the data is not live (a replay): then nothing offers to ask AWS now."""

    # `var`, not `reactive`: a reactive on the App repaints the whole screen when it changes
    # (every second for `now`); the widgets bound to these redraw what they show themselves.
    paused: var[bool] = var(False)
    refresh_seconds: var[float] = var(5.0)
    window_seconds: var[int] = var(900)
    now: var[datetime | None] = var(None)

    core: Cockpit
    settings: Settings
    desk: ActionDesk
    """Action dialogs, undo and the journal, on the core's one action runner."""

    def __init__(
        self,
        core: Cockpit | None,
        *,
        demo_label: str | None = None,
        close_core: bool = False,
        opening: CoreOpener | None = None,
    ) -> None:
        """`core`, or `opening` to build it after the first frame (then `core` is None)."""
        super().__init__()
        if (core is None) == (opening is None):
            raise ValueError("give the app either a core or a way to open one")
        self._close_core = close_core
        self._opening = opening
        self.ready = False
        """The core is here: every key works (until then the skeleton is on screen)."""
        self.startup_error: Exception | None = None
        """Why `opening` failed (the app then exits at once; the caller reports it)."""
        self.clock: Clock = SystemClock()
        self.demo_label = demo_label
        if core is not None:
            self._take(core)
            self.set_reactive(TodoTuiApp.paused, core.poller.paused)
            self.set_reactive(TodoTuiApp.refresh_seconds, core.poller.refresh_seconds)
            self.set_reactive(TodoTuiApp.window_seconds, core.monitor.window_seconds)
        self.refreshes = 0
        """Refreshes whose results are on screen (counted when drawn, so tests never race)."""
        self.key_pause = KeyPause()
        """When the last key came (the input driver tells it first: `todotui.ui.driver`)."""
        self.collector = SafePointCollector(self.key_pause)
        """Garbage collections, made between keys instead of inside a frame (collector.py)."""
        self.held = HeldUpdates(self.key_pause, self.set_timer)
        """Redraws of landed figures, drawn once the keys pause (pacing.py)."""
        self.layout_plan: LayoutPlan | None = None
        """What the terminal's size lets the screen show (see `todotui.ui.widgets.layout`)."""
        self._feed_only = False
        """f was pressed where the feed did not fit: it takes the panes' place."""
        self._investigator: Investigator | None = None

    def _take(self, core: Cockpit) -> None:
        from todotui.ui.actions import ActionDesk

        self.core = core
        self.settings = core.settings
        self.clock = core.clock
        self.desk = ActionDesk(self, core)
        self.ready = True

    def get_driver_class(self) -> type[Driver]:
        """Textual's driver, except on Linux/macOS terminals: there one whose escape key is
        handled when due, not at the input thread's next 100 ms tick (`todotui.ui.driver`)."""
        driver_class = super().get_driver_class()
        if f"{driver_class.__module__}:{driver_class.__name__}" == LINUX_DRIVER:
            from todotui.ui.driver import PromptEscapeDriver

            return PromptEscapeDriver
        return driver_class

    @property
    def monitor(self) -> Monitor:
        return self.core.monitor

    @property
    def investigator(self) -> Investigator:
        """The alert investigations' reads, on the core's clients (made on first use)."""
        if self._investigator is None:
            from todotui.core.investigate import Investigator

            self._investigator = Investigator.of(self.core)
        return self._investigator

    @property
    def refreshing(self) -> bool:
        """True while a refresh is in flight (at most one ever is)."""
        return self.core.poller.refreshing

    def _resources(self) -> str:
        """What the status bar says is watched ("" until the settings are read)."""
        if not self.ready:
            return ""
        stack = self.settings.stack
        return (
            f"λ {stack.function_name}:{stack.alias} · API {stack.api_name}/{stack.stage_name}"
            f" · DynamoDB {stack.table_name}"
        )

    def compose(self) -> ComposeResult:
        yield StatusBar(self._resources(), id="status").data_bind(
            TodoTuiApp.paused, TodoTuiApp.refresh_seconds, TodoTuiApp.window_seconds, TodoTuiApp.now
        )
        yield DiagnosisLine(
            "[$text-muted]Diagnosis: waiting for the first figures…[/]", id="diagnosis"
        )
        with Grid(id="panes"):
            for key, title in PANES:
                yield MetricPane(key, title).data_bind(TodoTuiApp.now)
        yield Label("", id="layout-notice")
        with Vertical(id="feed-box") as feed_box:
            feed_box.border_title = "Alerts · newest first"
            yield AlertFeedView(id="feed")
        yield CockpitFooter()

    def on_mount(self) -> None:
        self._fit_layout()
        self.now = self.clock()
        self.set_interval(1, self._tick)
        self.set_interval(LOOK_EVERY, self.collector.look)
        self.call_after_refresh(mark, "first frame")
        if self.ready:
            self._start()
        else:
            self.call_after_refresh(self._open)  # once the skeleton is drawn

    def _start(self) -> None:
        """Listen to the core and start its poll loop (the core is here)."""
        self.core.poller.subscribe(self._poll_event)
        self.core.alerts.subscribe(self._alerts_changed)
        self.query_one(AlertFeedView).sync(self.core.alerts)
        self.poll()

    @work(group="open", name="opening the core", exit_on_error=False)
    async def _open(self) -> None:
        """Build the core (the opener's imports run in a thread) and fill in the skeleton;
        if it cannot be built, exit at once with the reason in `startup_error`."""
        assert self._opening is not None
        try:
            core = await self._opening()
            await asyncio.to_thread(lambda: [importlib.import_module(m) for m in WITH_THE_CORE])
        except Exception as exc:  # the caller says why, once the terminal is restored
            self.startup_error = exc
            self.exit(return_code=1)
            return
        self._take(core)
        self.query_one(StatusBar).show_resources(self._resources())
        self.paused = core.poller.paused
        self.refresh_seconds = core.poller.refresh_seconds
        self.window_seconds = core.monitor.window_seconds
        self.now = self.clock()
        self._start()
        self.refresh_bindings()  # the dimmed keys light up
        mark("core attached")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Until the core is here, its keys are shown dimmed and do nothing."""
        if self.ready or action in STARTING_ACTIONS or action not in _COCKPIT_ACTIONS:
            return True
        return None

    async def on_unmount(self) -> None:
        self.collector.stop()
        if self._close_core and self.ready:
            await self.core.aclose()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown)):
            self.key_pause.key_seen()  # collections and redraws of landed figures wait for a pause
        await super().on_event(event)

    def _tick(self) -> None:
        """Once a second: ages move on, and while no refresh lands panes turn stale on time."""
        self.now = self.clock()
        if not self.ready:
            return
        poller = self.core.poller
        paused = poller.paused and not poller.refreshing
        if (paused or poller.overdue(self.now)) and poller.refreshes:
            self._show_panes(self.core.monitor.snapshot(self.now))

    # Layout: what fits the terminal --------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        self._fit_layout(event.size)  # handled before App's own: self.size is the old size

    def _fit_layout(self, size: Size | None = None) -> None:
        """Lay the cockpit out for the terminal's size: the regular layout, or the compact
        one, which says on screen what it had to leave out (`plan_layout` decides)."""
        width, height = size or self.size
        plan = plan_layout(width, height, PANES, feed_only=self._feed_only)
        if plan.feed and not plan.feed_only:
            self._feed_only = False  # the feed fits beside the panes again
        if plan == self.layout_plan or not self.screen_stack:
            return
        screen = self.screen_stack[0]
        if not screen.query("#panes"):
            return  # not composed yet: on_mount lays it out
        self.layout_plan = plan
        screen.set_class(plan.compact, "-compact")
        for columns in (1, 2):
            screen.set_class(plan.compact and plan.columns == columns, f"-columns-{columns}")
        screen.set_class(plan.compact and not plan.details, "-no-details")
        for lines in range(4):
            screen.set_class(plan.compact and plan.chart_lines == lines, f"-chart-{lines}")
        for pane in screen.query(MetricPane):
            pane.display = pane.key in plan.shown
        screen.query_one("#panes").display = bool(plan.shown)
        feed = screen.query_one(AlertFeedView)
        screen.query_one("#feed-box").display = plan.feed
        if not plan.feed and screen.focused is feed:
            screen.set_focus(None)  # keys must not act on a feed that is not on screen
        notice = screen.query_one("#layout-notice", Label)
        notice.update(f"⚠ {plan.notice}" if plan.notice else "")
        notice.display = bool(plan.notice)

    # The poll loop (the core's; run here so it ends with the app) ------------------

    @work(exclusive=True, group="poll", name="poll", exit_on_error=False)
    async def poll(self) -> None:
        """Run the core's poll loop; if it dies, `_on_worker_state` starts it again."""
        await self.core.poller.run()

    def _poll_event(self, event: PollEvent) -> None:
        from todotui.core.poller import Connected as CoreConnected
        from todotui.core.poller import IdentityFailed as CoreIdentityFailed
        from todotui.core.poller import Refreshed

        if isinstance(event, Refreshed):
            self.post_message(RefreshFinished(event.refresh, event.cost))
        elif isinstance(event, CoreConnected):
            self.post_message(Connected(event.identity))
        elif isinstance(event, CoreIdentityFailed):
            self.post_message(IdentityFailed(event.error))

    def _alerts_changed(self, _updated: list[Alert]) -> None:
        self.post_message(AlertsChanged())

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
            self.set_timer(min(self.refresh_seconds, POLL_RESTART_SECONDS), self.poll)

    # What the loop reports ------------------------------------------------------

    def on_connected(self, message: Connected) -> None:
        target = describe_target(message.identity, self.demo_label)
        if self.settings.aws.effective_read_only:
            target += " · READ-ONLY (plans only)"
        self.query_one(StatusBar).target = target

    def on_identity_failed(self, message: IdentityFailed) -> None:
        self.query_one(StatusBar).target = f"not connected: {message.error}"

    def on_refresh_finished(self, message: RefreshFinished) -> None:
        self.held.hold("dashboard", lambda: self._draw_refresh(message))

    def _draw_refresh(self, message: RefreshFinished) -> None:
        refresh = message.refresh
        lines = self.screen_stack[0].query(DiagnosisLine) if self.screen_stack else None
        if not lines:
            return  # the app is closing: its dashboard is gone, this refresh has nowhere to go
        self._show_panes(refresh.panes)  # the feed was redrawn by AlertsChanged, posted before
        lines.first().show(*self.core.diagnose())
        status = self.query_one(StatusBar)
        status.cost = message.cost.plus(self.core.fleet.cost())  # the fleet view's calls too
        status.failing = "" if refresh.ok else (refresh.error or "refresh failed")
        if refresh.ok:
            status.last_good = refresh.finished_at
            self.collector.start()  # the first good refresh: start-up's objects are all made
        self.now = self.clock()
        self.refreshes += 1

    def on_alerts_changed(self, _message: AlertsChanged) -> None:
        self.query_one(AlertFeedView).sync(self.core.alerts)

    def _show_panes(self, panes: Mapping[str, PaneSnapshot]) -> None:
        for pane in self.query(MetricPane):
            snapshot = panes.get(pane.key)
            if (
                snapshot is not None and snapshot != pane.snapshot
            ):  # an unchanged pane costs no redraw
                pane.snapshot = snapshot

    @on(AlertFeedView.Chosen)
    def _open_alert(self, event: AlertFeedView.Chosen) -> None:
        from todotui.actions import actions_for_topic
        from todotui.ui.screens import AlertDetailScreen

        alert = event.alert
        suggestions = tuple(info.title for info in actions_for_topic(alert.topic))
        diagnosis, _ = self.core.diagnose(alert)

        def then(wants_actions: bool | None) -> None:
            if wants_actions:
                self.desk.open_menu(alert)

        summary = diagnosis.summary()
        investigator = self.investigator if self.asks_aws else None
        screen = self._installed("alert", lambda: AlertDetailScreen(alert))
        if screen in self.screen_stack:
            return  # open already, under an investigation of its own
        screen.reopen(alert, suggestions=suggestions, diagnosis=summary, investigator=investigator)
        self.push_screen(screen, then)

    # Keys ------------------------------------------------------------------------

    def action_toggle_pause(self) -> None:
        self.paused = self.core.poller.paused = not self.paused  # the status bar says PAUSED / LIVE

    def action_refresh_now(self) -> None:
        self.core.poller.request_refresh()

    def action_faster(self) -> None:
        self.refresh_seconds = self.core.poller.refresh_seconds = cadence.faster(
            self.refresh_seconds
        )

    def action_slower(self) -> None:
        self.refresh_seconds = self.core.poller.refresh_seconds = cadence.slower(
            self.refresh_seconds
        )

    def action_cycle_window(self) -> None:
        self.window_seconds = cadence.next_window(self.window_seconds)
        self.core.poller.set_window(self.window_seconds)

    def action_focus_feed(self) -> None:
        """Focus the feed, and bring it into view first if the terminal is too small for it
        beside the panes (pressed again there: the panes come back)."""
        plan = self.layout_plan
        if plan is not None and plan.feed_only:
            self._feed_only = False
            self._fit_layout()
            self.set_focus(None)
            return
        if plan is not None and not plan.feed:
            self._feed_only = True
            self._fit_layout()
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

    def action_rollout(self) -> None:
        """The rollout view of the alias (escape comes back here)."""
        from todotui.ui.rollout import RolloutScreen

        if isinstance(self.screen, RolloutScreen):
            return
        screen = self.desk.rollout_screen()
        if screen in self.screen_stack:  # under a dialog of its own: a fresh one, as before
            screen = RolloutScreen(self.core, self.desk, target=self.desk.target())
        self.push_screen(screen)

    def action_review(self) -> None:
        """The weekly review (escape comes back here)."""
        from todotui.ui.screens.review import ReviewScreen

        if not isinstance(self.screen, ReviewScreen):
            screen = self._installed("review", lambda: ReviewScreen(self.core))
            screen.reopen()
            self.push_screen(screen)

    def action_check(self) -> None:
        """The morning health check over the last 24 h (escape comes back here)."""
        from todotui.ui.screens.check import CheckScreen

        if not isinstance(self.screen, CheckScreen):
            screen = self._installed("check", lambda: CheckScreen(self.core))
            screen.reopen()
            self.push_screen(screen)

    def on_action_dialog_finished(self, event: ActionDialog.Finished) -> None:
        self.core.report(event.plan, event.outcome)

    def action_timeline(self) -> None:
        """The incident timeline (escape comes back here; e there writes the post-mortem)."""
        from todotui.ui.screens import TimelineScreen

        if not isinstance(self.screen, TimelineScreen):
            screen = self._installed("timeline", lambda: TimelineScreen(self.core))
            screen.reopen()
            self.push_screen(screen)

    def action_fleet(self) -> None:
        """The fleet view (escape comes back here; enter there opens one member's panes)."""
        from todotui.ui.screens.fleet import FleetScreen

        if not isinstance(self.screen, FleetScreen):
            screen = self._installed("fleet", lambda: FleetScreen(self.core))
            if screen in self.screen_stack:  # under a member's screen: back to it
                while self.screen is not screen:
                    self.pop_screen()
                return
            screen.reopen()
            self.push_screen(screen)

    def _installed(self, name: str, build: Callable[[], ScreenT]) -> ScreenT:
        """The screen installed as `name`, built (composed and styled) on its first open only:
        each later open pushes the same one, which refills itself in its `reopen`."""
        if not self.is_screen_installed(name):
            self.install_screen(build(), name)
        return cast("ScreenT", self.get_screen(name))

    def action_help(self) -> None:
        from todotui.ui.screens.help import HelpScreen

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
    core: Cockpit | None = None,
    *,
    demo_label: str | None = None,
    close_core: bool = False,
    opening: CoreOpener | None = None,
) -> TodoTuiApp:
    """The cockpit on `core`. The caller closes the core (the CLI does, crash included), or
    passes `close_core` when the app's own run owns the event loop (snapshots, tests);
    `demo_label` names the sandbox in the status bar. With `opening` instead of a core, the
    skeleton is drawn first and `opening()` builds the core after it (see the module's doc)."""
    return TodoTuiApp(core, demo_label=demo_label, close_core=close_core, opening=opening)
