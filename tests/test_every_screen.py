"""Every screen of the cockpit, opened and closed through its keys on the sandbox.

One app, one pass, as an operator would go: each screen must show what a user knows it by
(its title and its own content, not only that some screen was pushed), escape must bring
back the dashboard, and the dashboard must still be live afterwards (a refresh asked for
with `r` lands and is drawn). Speed is measured in bench/bench_keypress.py, never here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from textual.color import Color
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, OptionList, Static

from support import Clock, Seconds, shows_last_refresh, until
from todotui.alerts.model import AlertSource
from todotui.config import Settings
from todotui.core.cockpit import Cockpit
from todotui.ui.actions import ActionDialog, ActionMenuScreen, DialogStage, JournalScreen
from todotui.ui.app import TodoTuiApp, make_app
from todotui.ui.rollout import RolloutScreen
from todotui.ui.screens import AlertDetailScreen, HelpScreen, TimelineScreen
from todotui.ui.screens.check import CheckScreen
from todotui.ui.screens.fleet import FleetScreen
from todotui.ui.screens.investigate import LogLinesScreen
from todotui.ui.screens.review import ReviewScreen
from todotui.ui.widgets import AlertFeedView
from todotui.ui.widgets.spinner import Spinner
from ui_traffic import push_error_log, push_metrics, steady

pytestmark = pytest.mark.sandbox

MESSAGE = "ERROR every-screen test: Task timed out after 3.00 seconds (request 5c2e)"


def words(screen: Screen) -> str:
    """What a user reads on `screen`: every border title and every label's text."""
    parts: list[str] = []
    for widget in screen.query(Widget):
        if widget.border_title:
            parts.append(str(widget.border_title))
        if isinstance(widget, Static):
            parts.append(str(widget.render()))
    return "\n".join(parts)


def cockpit(sandbox, clock: Clock) -> TodoTuiApp:
    settings = Settings().with_overrides(
        aws={"endpoint_url": sandbox.endpoint, "region": sandbox.region},
        cadence={"period_seconds": 60, "refresh_seconds": 600, "window_seconds": 900},
    )
    return make_app(Cockpit(settings, clock=clock), demo_label="sandbox", close_core=True)


@pytest.fixture
def base_time(sandbox, monkeypatch):
    """A period boundary of this test's own, four weeks back (other tests use hours back),
    with steady traffic before it and one error line in the stack's log group."""
    for name, value in sandbox.env.items():
        monkeypatch.setenv(name, value)
    wall = datetime.now(UTC).replace(second=0, microsecond=0)
    base = wall - timedelta(days=9, hours=5)
    push_metrics(sandbox, end=base, periods=15, shape=steady)
    push_error_log(sandbox, at=base - timedelta(seconds=90), message=MESSAGE)
    return base


async def back_on_a_live_dashboard(pilot: Pilot, app: TodoTuiApp, name: str) -> None:
    """Escape was pressed: the dashboard is the screen again, and a refresh asked for now
    is made and drawn there."""
    await until(pilot, lambda: app.screen is app.screen_stack[0], f"the dashboard after {name}")
    assert len(app.screen_stack) == 1, f"{name} left {app.screen_stack!r}"
    before = app.refreshes
    await pilot.press("r")
    await until(
        pilot,
        lambda: app.refreshes > before and shows_last_refresh(app),
        f"a refresh drawn on the dashboard after {name}",
    )


async def opened(
    pilot: Pilot, app: TodoTuiApp, kind: type[Screen], ready: Callable[[Screen], bool], name: str
) -> Screen:
    await until(pilot, lambda: isinstance(app.screen, kind) and ready(app.screen), name)
    return app.screen


async def test_every_screen_opens_through_its_key_and_escape_returns_to_a_live_dashboard(
    sandbox, base_time
):
    app = cockpit(sandbox, Clock(base_time))
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.refreshes >= 1 and shows_last_refresh(app), "first data")

        async def visit(
            key: str, kind: type[Screen], ready: Callable[[Screen], bool], name: str
        ) -> str:
            """Open with `key`, wait for `ready`, close with escape; what the screen said."""
            await pilot.press(key)
            text = words(await opened(pilot, app, kind, ready, name))
            await pilot.press("escape")
            await back_on_a_live_dashboard(pilot, app, name)
            return text

        help_words = await visit(
            "question_mark", HelpScreen, lambda s: "todotui · help" in words(s), "help"
        )
        assert "Keys" in help_words and "Refresh now" in help_words and "no data" in help_words

        journal = await visit(
            "j", JournalScreen, lambda s: "Action journal · this session" in words(s), "journal"
        )
        assert "No actions yet in this session" in journal

        rollout = await visit(
            "b", RolloutScreen, lambda s: "Stable vs candidate" in words(s), "the rollout view"
        )
        assert f"λ {app.settings.stack.function_name}:{app.settings.stack.alias}" in rollout

        await visit(
            "c", CheckScreen, lambda s: "Morning health check · last 24 h" in words(s), "check"
        )

        await visit(
            "W",
            ReviewScreen,
            lambda s: "Weekly review" in words(s) and "→" in words(s),
            "the weekly review (loaded)",
        )

        await visit(
            "t",
            TimelineScreen,
            lambda s: "Incident timeline" in words(s) and bool(s.query(DataTable)),
            "the timeline",
        )

        stack = app.settings.stack

        def ranked(screen: Screen) -> bool:
            """The fleet's rows are in, the configured stack's function and table among them."""
            if "members" not in words(screen):
                return False
            table = screen.query_one(DataTable)
            names = " ".join(str(table.get_row_at(i)[2]) for i in range(table.row_count))
            return stack.function_name in names and stack.table_name in names

        await visit("F", FleetScreen, ranked, "the fleet view, ranked")

        # a offers the highlighted alert's actions where the feed has focus, else every action.
        def offers_actions(screen: Screen) -> bool:
            said = words(screen)
            titled = "Runbook actions for this alert" in said or "Actions · every runbook" in said
            return titled and bool(screen.picks)

        await visit("a", ActionMenuScreen, offers_actions, "the action menu")

        await pilot.press("a")
        menu = await opened(pilot, app, ActionMenuScreen, lambda s: True, "the action menu")
        assert isinstance(menu, ActionMenuScreen)
        # The digits count the diagnosis's fixes first: the rollback's own row, whatever is above.
        number = [(p.action_id, p.suggestion) for p in menu.picks].index(("rollback", None)) + 1
        menu.action_pick(number)
        box = await opened(
            pilot,
            app,
            ActionDialog,
            lambda s: isinstance(s, ActionDialog) and s.stage is not DialogStage.LOADING,
            "the rollback dialog with its fields",
        )
        assert "Roll back" in words(box) and "Plan · live state" in words(box)
        await pilot.press("escape")
        await back_on_a_live_dashboard(pilot, app, "the action dialog")

        # The alert's detail (f, enter on its row), an investigation over it, and back.
        feed = app.query_one(AlertFeedView)
        logged = [a for a in feed.alerts if a.source is AlertSource.LOG and MESSAGE in a.body]
        assert len(logged) == 1
        await pilot.press("f")
        feed.move_cursor(row=feed.alerts.index(logged[0]))
        await pilot.press("enter")
        detail = await opened(
            pilot, app, AlertDetailScreen, lambda s: MESSAGE in words(s), "the alert's detail"
        )
        assert "log alert" in words(detail) and "Investigate:" in words(detail)
        await pilot.press("l")
        await opened(
            pilot,
            app,
            LogLinesScreen,
            lambda s: "Log lines around the alert" in words(s),
            "the log lines investigation",
        )
        await pilot.press("escape")
        await opened(pilot, app, AlertDetailScreen, lambda s: True, "the detail again")
        await pilot.press("escape")
        await back_on_a_live_dashboard(pilot, app, "the alert's detail")

        # Opened again, the menu and the rollout view are the screens built the first time
        # (installed), with this time's content: the menu now answers the highlighted alert.
        await pilot.press("a")
        again = await opened(pilot, app, ActionMenuScreen, lambda s: True, "the alert's menu")
        assert again is menu and again.alert == logged[0]
        said = words(again)
        assert "Runbook actions for this alert" in said and logged[0].title in said
        listed = [o for o in again.query_one(OptionList).options if not o.disabled]
        assert len(listed) == len(again.picks)
        assert again.query_one(OptionList).highlighted == 0
        await pilot.press("escape")
        await back_on_a_live_dashboard(pilot, app, "the alert's menu")

        listeners = len(app.core.poller._listeners)
        await pilot.press("b")
        view = await opened(
            pilot, app, RolloutScreen, lambda s: "Stable vs candidate" in words(s), "rollout"
        )
        assert app.is_screen_installed(view) and len(app.core.poller._listeners) == listeners + 1
        await pilot.press("escape")
        await back_on_a_live_dashboard(pilot, app, "the rollout view again")
        assert len(app.core.poller._listeners) == listeners  # it listens only while open

        # Every kept screen is closed and has its answer: no loading indicator still ticks
        # (each would wake the event loop 16 times a second for the rest of the shift).
        kept = [s for s in app._installed_screens.values() if isinstance(s, Screen)]
        spinners = [spinner for screen in kept for spinner in screen.query(Spinner)]
        assert len(spinners) >= 6  # the review's four, the check's, the action dialog's
        assert not [s for s in spinners if s.animating]


async def test_check_review_and_timeline_reopened_are_the_installed_screens_with_new_content(
    sandbox, base_time
):
    """c, W and t build their screen once: opened again, it is the same screen, and it shows
    this opening's content (the check run again once its minute has ended, the review fetched
    again after five minutes, the timeline with the recorder's events as they are now and
    every kind shown), nothing of the last one."""
    app = cockpit(sandbox, Clock(base_time))
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.refreshes >= 1 and shows_last_refresh(app), "first data")

        async def close(name: str) -> None:
            await pilot.press("escape")
            await until(pilot, lambda: app.screen is app.screen_stack[0], f"back from {name}")

        def checked(screen: Screen) -> bool:
            return isinstance(screen, CheckScreen) and screen.report is not None

        await pilot.press("c")
        check = await opened(pilot, app, CheckScreen, checked, "the check")
        assert isinstance(check, CheckScreen)
        first_report = check.report
        await close("the check")
        # At once again: the check just made, as it is (a new one would say the same).
        asked = dict(app.monitor.clients.requests)
        await pilot.press("c")
        assert app.screen is check and check.report is first_report
        await pilot.pause(0.2)
        assert dict(app.monitor.clients.requests) == asked
        await close("the check")
        # A minute on: run again, for the windows ending then.
        app.clock.advance(60)  # type: ignore[attr-defined]
        await pilot.press("c")
        assert app.screen is check
        await opened(
            pilot,
            app,
            CheckScreen,
            lambda s: checked(s) and s.report is not first_report,
            "the check run again",
        )
        assert check.query_one("#check-figures", DataTable).row_count == len(
            check.report.lines  # type: ignore[union-attr]
        )
        await close("the check")

        def reviewed(screen: Screen) -> bool:
            return isinstance(screen, ReviewScreen) and not any(
                s.loading_now for s in screen.sections()
            )

        # Closed as soon as its sections are asked for: the answers still land, on the closed
        # screen, and W at once shows them, nothing asked again.
        await pilot.press("W")
        review = await opened(
            pilot, app, ReviewScreen, lambda s: s._fetched is s.review, "the review asked for"
        )
        assert isinstance(review, ReviewScreen)
        first_review = review.review
        await close("the review")
        await until(pilot, lambda: reviewed(review), "the answers, on the closed review")
        asked = dict(app.monitor.clients.requests)
        await pilot.press("W")
        assert app.screen is review and review.review is first_review and reviewed(review)
        await pilot.pause(0.3)
        assert dict(app.monitor.clients.requests) == asked
        await close("the review")
        # Five minutes on: fetched again, for the window ending now.
        app.clock.advance(300)  # type: ignore[attr-defined]
        await pilot.press("W")
        assert app.screen is review and review.review is not first_review
        await opened(pilot, app, ReviewScreen, reviewed, "the review fetched again")
        assert review.review.end > first_review.end  # type: ignore[union-attr]
        await close("the review")

        await pilot.press("t")
        timeline = await opened(
            pilot, app, TimelineScreen, lambda s: bool(s.query(DataTable)), "the timeline"
        )
        assert isinstance(timeline, TimelineScreen)
        await pilot.press("3")  # hide a kind
        assert timeline.hidden
        await close("the timeline")
        before = app.refreshes
        await pilot.press("r")  # a refresh while it is closed: what it records shows on reopen
        await until(pilot, lambda: app.refreshes > before, "a refresh")
        recorded = app.core.timeline.events()
        await pilot.press("t")
        assert app.screen is timeline
        await opened(
            pilot,
            app,
            TimelineScreen,
            lambda s: not s.hidden and len(s.events) == len(recorded),
            "the timeline with every kind and the new events",
        )
        table = timeline.query_one(DataTable)
        assert table.row_count == len(recorded)
        assert timeline.query_one(DataTable).cursor_row == table.row_count - 1
        await close("the timeline")


async def test_a_screen_shown_again_keeps_its_styles_until_the_theme_changes(
    sandbox, base_time, monkeypatch
):
    """Opened again, an installed screen is not restyled node by node (Textual does that on
    every push; for the action dialog and the review it was most of an open's cost); after a
    theme change it is, and shows the new theme's colours."""
    app = cockpit(sandbox, Clock(base_time))
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.refreshes >= 1 and shows_last_refresh(app), "first data")
        await pilot.press("question_mark")
        help_screen = await opened(pilot, app, HelpScreen, lambda s: True, "help")
        box = help_screen.query_one("#help")
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is app.screen_stack[0], "back from help")

        restyled: list[object] = []
        apply = app.stylesheet.apply

        def counted(node, *args, **kwargs):
            restyled.append(node)
            return apply(node, *args, **kwargs)

        monkeypatch.setattr(app.stylesheet, "apply", counted)
        await pilot.press("question_mark")
        await opened(pilot, app, HelpScreen, lambda s: s is help_screen, "help again")
        await pilot.pause()
        assert box not in restyled and help_screen not in restyled
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is app.screen_stack[0], "back from help")

        before = box.styles.background
        app.theme = "textual-light" if app.theme != "textual-light" else "nord"
        await pilot.pause()
        await pilot.press("question_mark")
        await opened(pilot, app, HelpScreen, lambda s: s is help_screen, "help after a theme")
        await pilot.pause()
        assert box in restyled
        assert box.styles.background != before
        assert box.styles.background == Color.parse(app.current_theme.surface)


async def test_after_the_first_refresh_start_up_objects_are_out_of_the_collectors_way(
    sandbox, base_time
):
    """Once the first refresh is shown, what start-up made is frozen (no full collection
    scans it again), young collections come every 10,000 allocations, and every collection
    is made by the app between keys, not inside a frame: with CPython's defaults a full
    collection stopped the cockpit 150-200 ms every second or two, and a key pressed then
    waited (bench_keypress: help open p99 168 -> 26 ms). Cycles are still collected, and the
    automatic collector is back once the app has gone."""
    import gc
    import weakref

    from todotui.ui.collector import FIRST_GENERATION_THRESHOLD

    class Cycle:
        def __init__(self) -> None:
            self.me = self

    app = cockpit(sandbox, Clock(base_time))
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.refreshes >= 1 and shows_last_refresh(app), "first data")
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[0] == FIRST_GENERATION_THRESHOLD
        assert not gc.isenabled()  # collections are the app's to place
        garbage = Cycle()
        gone = weakref.ref(garbage)
        del garbage
        await pilot.press("p")
        await until(pilot, lambda: gone() is None, "the cycle collected between keys")
        assert sum(app.collector.collections) > 0
    assert gc.isenabled()


async def test_a_refresh_that_lands_as_a_key_comes_is_drawn_once_the_keys_pause(sandbox, base_time):
    """A refresh that lands within 20 ms of a key waits, so the key's own frame is drawn
    first (bench_keypress --fleet 100: the fleet view's close 55.9 -> 27.1 p99 with this and
    collections between keys); it is drawn once the keys pause, and nothing is lost."""
    import time

    from todotui.ui.pacing import KEY_PAUSE

    keys_clock = Seconds(time.monotonic())  # the key pause's clock, moved by the test
    app = cockpit(sandbox, Clock(base_time))
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.refreshes >= 1 and shows_last_refresh(app), "first data")
        app.key_pause.clock = keys_clock
        drawn = app.refreshes
        app.key_pause.key_seen()  # as the driver reports a key it has just read
        app.core.poller.request_refresh()
        await until(pilot, lambda: app.held.deferred == 1, "the refresh landed and was held")
        await pilot.pause(0.1)
        assert app.refreshes == drawn  # not drawn while the key's frame may still be coming
        keys_clock.now += KEY_PAUSE
        await until(pilot, lambda: app.refreshes == drawn + 1, "drawn once the keys paused")
        assert shows_last_refresh(app)
