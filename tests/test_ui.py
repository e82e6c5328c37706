"""The cockpit, as a user drives it: widgets on hand-made data, then the whole app on a sandbox.

App tests run against a real sandbox (moto on 127.0.0.1) with figures the test pushed at
fixed timestamps and a clock set to match, so what the screen must say is known exactly.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from textual.app import App, ComposeResult
from textual.color import Color
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Digits, Footer, Label, Static

from support import Clock, Forwarder, shows_last_refresh, until
from todotui import format as fmt
from todotui.actions import FORM, Field, FieldKind
from todotui.alerts.feed import AlertFeed
from todotui.alerts.model import Alert, AlertSource, Severity
from todotui.config import Settings
from todotui.core.cockpit import Cockpit
from todotui.telemetry.model import DataState, Health, PaneSnapshot, Reading
from todotui.ui.actions.form import ActionForm
from todotui.ui.app import PANES, TodoTuiApp, make_app
from todotui.ui.screens import AlertDetailScreen, HelpScreen
from todotui.ui.widgets import AlertFeedView, MetricPane, StatusBar
from todotui.ui.widgets.history_chart import GAP, column_values
from todotui.ui.widgets.layout import FEED_MIN, plan_layout, row_sizes
from ui_traffic import push_error_log, push_metrics, steady


def spike_now(index: int, name: str) -> float:
    """Ten times the steady figures: what a half-filled period must not pass for."""
    return 10 * steady(index, name)


NOW = datetime(2025, 3, 4, 12, 0, tzinfo=UTC)

# -- widgets on hand-made data ------------------------------------------------------------


class Host(App[None]):
    def compose(self) -> ComposeResult:
        yield MetricPane("errors", "Error rate")
        yield AlertFeedView(id="feed")


def pane(primary: Reading, **kwargs) -> PaneSnapshot:
    return PaneSnapshot(key="errors", title="Error rate", primary=primary, **kwargs)


def headline(metric: MetricPane) -> str:
    """What the big line of a pane says: the digits, or the words standing in for them."""
    digits = metric.query(Digits)  # none before the first snapshot: the pane is its words
    if digits and digits.first().display:
        return digits.first().value
    return str(metric.query_one(".message", Label).render())


def test_columns_keep_gaps_apart_from_zero():
    assert column_values([0.0, None, 2.0], 3) == [0.0, None, 2.0]
    # Several periods per column: the maximum of what is there; only all-missing is a gap.
    assert column_values([None, None, 1.0, None], 2) == [None, 1.0]
    # Fewer periods than columns: each period is stretched.
    assert column_values([None, 5.0], 4) == [None, None, 5.0, 5.0]


async def test_missing_values_are_words_never_zero():
    app = Host()
    async with app.run_test(size=(80, 30)) as pilot:
        metric = app.query_one(MetricPane)
        assert headline(metric) == "loading…"

        metric.snapshot = pane(Reading(None, "%", DataState.NO_DATA))
        await pilot.pause()
        assert headline(metric) == "no data"

        metric.snapshot = pane(
            Reading(None, "%", DataState.ERROR, detail="AccessDeniedException: not authorized")
        )
        await pilot.pause()
        assert headline(metric) == "error: AccessDeniedException: not authorized"
        assert metric.has_class("-state-error")

        metric.snapshot = pane(
            Reading(7.5, "%", DataState.OK, Health.CRIT, as_of=NOW - timedelta(seconds=12)),
            secondary=(("5XX", Reading(None, "%", DataState.NO_DATA)),),
            history=(1.0, None, 7.5),
        )
        metric.now = NOW
        await pilot.pause()
        assert headline(metric) == "7.50"
        assert metric.has_class("-crit")
        assert "5XX no data" in str(metric.query_one(".secondary", Static).render())
        assert metric.border_subtitle == "as of 10s ago"  # ages move in 5 s steps


async def test_stale_pane_says_how_stale():
    app = Host()
    async with app.run_test(size=(80, 30)) as pilot:
        metric = app.query_one(MetricPane)
        metric.now = NOW
        metric.snapshot = pane(
            Reading(3.0, "%", DataState.STALE, Health.OK, as_of=NOW - timedelta(seconds=60)),
            fetched_at=NOW - timedelta(seconds=43),
        )
        await pilot.pause()
        assert str(metric.query_one(".badge", Label).render()) == "stale (43s)"
        metric.now = NOW + timedelta(seconds=10)
        await pilot.pause()
        assert str(metric.query_one(".badge", Label).render()) == "stale (53s)"


async def test_a_refresh_landing_as_the_app_quits_does_not_crash_it():
    """Quitting removes a pane's labels before the pane; a refresh or a tick that lands in
    between used to raise NoMatches out of the pane (a traceback on the way out)."""
    app = Host()
    async with app.run_test(size=(80, 30)) as pilot:
        metric = app.query_one(MetricPane)
        metric.now = NOW
        reading = Reading(3.0, "%", DataState.OK, Health.OK, as_of=NOW - timedelta(seconds=10))
        metric.snapshot = pane(reading)
        await pilot.pause()
        await metric.query_one(".headline").remove()  # the labels go first, as on quit
        metric._pruning = True  # ... and the pane is marked as going, as Textual's prune does
        metric.snapshot = pane(Reading(4.0, "%", DataState.OK, Health.OK, as_of=NOW))
        metric.now = NOW + timedelta(seconds=30)
        await pilot.pause()
    assert app.return_code in (None, 0)  # run_test re-raises what crashed the app


async def test_a_pane_restated_unchanged_is_not_repainted_and_a_new_title_shows():
    """Each refresh re-states every pane; Textual repaints a box on every title assignment,
    so a pane given the same figures must not repaint (five such repaints a refresh were
    most of a refresh's drawing). A new title must still show."""
    app = Host()
    async with app.run_test(size=(80, 30)) as pilot:
        metric = app.query_one(MetricPane)
        metric.now = NOW
        reading = Reading(3.0, "%", DataState.OK, Health.OK, as_of=NOW - timedelta(seconds=10))
        metric.snapshot = pane(reading)
        await pilot.pause()
        repaints: list[object] = []
        real_refresh = metric.refresh
        metric.refresh = lambda *a, **k: repaints.append(a) or real_refresh(*a, **k)  # type: ignore[method-assign]
        metric.snapshot = pane(reading)  # an equal snapshot, a new object: as a refresh gives
        await pilot.pause()
        assert repaints == []
        metric.snapshot = PaneSnapshot(key="errors", title="Error rate · 5XX", primary=reading)
        await pilot.pause()
        assert metric.border_title == "Error rate · 5XX"
        assert repaints


async def test_history_chart_draws_gaps_as_dots():
    app = Host()
    async with app.run_test(size=(80, 30)) as pilot:
        metric = app.query_one(MetricPane)
        metric.snapshot = pane(Reading(0.0, "%", DataState.OK, Health.OK), history=(0.0, None))
        await pilot.pause()
        chart = app.query_one("HistoryChart")
        bottom = chart.render_lines(chart.region.reset_offset)[-1].text
        half = len(bottom) // 2
        # Left half: a zero draws the floor bar; right half: the gap draws dots.
        assert set(bottom[:half]) == {"▁"}
        assert set(bottom[half:]) == {GAP}


def alert(key: str, minute: int, count: int = 1, severity: Severity = Severity.WARN) -> Alert:
    at = NOW + timedelta(minutes=minute)
    return Alert(key, AlertSource.LOG, severity, f"title {key}", f"body {key}", at, at, count)


async def test_feed_is_newest_first_and_folds_in_place():
    app = Host()
    async with app.run_test(size=(100, 30)) as pilot:
        feed = app.query_one(AlertFeedView)
        store = AlertFeed(limit=2)
        store.extend([alert("a", 1), alert("b", 2)])
        feed.sync(store)
        await pilot.pause()
        assert [a.key for a in feed.alerts] == ["b", "a"]

        store.extend([alert("a", 3, count=4)])
        feed.sync(store)
        await pilot.pause()
        assert [a.key for a in feed.alerts] == ["a", "b"]
        assert feed.row_count == 2
        assert str(feed.get_cell("a", "count")) == "×5"  # the store folded 1 + 4 repeats

        store.extend([alert("c", 4)])  # over the store's limit: the oldest entry goes
        feed.sync(store)
        await pilot.pause()
        assert [a.key for a in feed.alerts] == ["c", "a"]


# -- the whole cockpit on a sandbox ------------------------------------------------------


_hours_back = iter(range(1, 10_000))


@pytest.fixture
def base_time(sandbox, monkeypatch) -> datetime:
    """A period boundary of its own for each test (so pushed data never mixes), with 15
    periods of steady traffic before it, and this process's AWS settings on the sandbox.

    Hours before the wall clock: recent enough for log events (AWS keeps 14 days), and before
    the shared sandbox's simulated time, which starts at the wall clock and only moves on."""
    for name, value in sandbox.env.items():
        monkeypatch.setenv(name, value)
    wall = datetime.now(UTC).replace(second=0, microsecond=0)
    base = wall - timedelta(hours=2 * next(_hours_back))
    push_metrics(sandbox, end=base, periods=15, shape=steady)
    return base


def cockpit(
    sandbox, clock: Clock, *, refresh: float = 600, endpoint: str | None = None
) -> TodoTuiApp:
    settings = Settings().with_overrides(
        aws={"endpoint_url": endpoint or sandbox.endpoint, "region": sandbox.region},
        cadence={"period_seconds": 60, "refresh_seconds": refresh, "window_seconds": 900},
    )
    return make_app(Cockpit(settings, clock=clock), demo_label="sandbox", close_core=True)


def requests_sent(app: TodoTuiApp) -> int:
    assert app.monitor is not None
    return sum(app.monitor.clients.requests.values())


def status_text(app: TodoTuiApp) -> str:
    bar = app.query_one(StatusBar)
    return " ".join(str(label.render()) for label in bar.query(Label))


async def test_panes_show_the_pushed_figures(sandbox, base_time):
    clock = Clock(base_time + timedelta(seconds=30))
    app = cockpit(sandbox, clock)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.refreshes >= 1, "the first refresh")
        await until(pilot, lambda: shows_last_refresh(app), "the refresh on screen")
        concurrency = app.query_one("#pane-concurrency", MetricPane)
        # The newest complete period is the 15th pushed (index 14).
        expected = steady(14, "ConcurrentExecutions")
        assert concurrency.snapshot is not None
        assert concurrency.snapshot.primary.value == pytest.approx(expected)
        assert headline(concurrency) == (f"{expected:.1f}" if expected < 100 else f"{expected:.0f}")
        traffic = app.query_one("#pane-traffic", MetricPane)
        assert traffic.snapshot.primary.value == pytest.approx(steady(14, "Invocations"))
        assert "account 123456789012" in status_text(app)
        assert "LIVE" in status_text(app)
        # The history holds the window's periods, the pushed ones as numbers.
        history = concurrency.snapshot.history
        assert [v for v in history if v is not None][-1] == pytest.approx(expected)


async def test_pause_stops_requests_and_resume_restarts_them(sandbox, base_time):
    clock = Clock(base_time)
    app = cockpit(sandbox, clock, refresh=1)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.refreshes >= 1, "the first refresh")
        clock.advance(1)  # the cadence is due: the poll loop refreshes on the test's time
        await until(pilot, lambda: app.refreshes >= 2, "the refresh the cadence made due")
        await pilot.press("p")
        await until(pilot, lambda: not app.refreshing, "the refresh in flight to end")
        sent, refreshes = requests_sent(app), app.refreshes
        assert "PAUSED" in status_text(app)
        assert mode_colour(app) == "warning"  # the mode turns amber, not only its words
        clock.advance(2.5)  # more than two cadences
        await pilot.pause(0.3)
        assert requests_sent(app) == sent
        assert app.refreshes == refreshes

        await pilot.press("p")
        await until(pilot, lambda: app.refreshes > refreshes, "a refresh after resuming")
        assert requests_sent(app) > sent
        assert "LIVE" in status_text(app)
        assert mode_colour(app) == "success"


def mode_colour(app: TodoTuiApp) -> str:
    """Which of the theme's colours the status bar's mode is drawn on."""
    background = app.query_one(StatusBar).query_one(".mode", Label).styles.background
    names = ("success", "warning", "error")
    found = [n for n in names if Color.parse(app.theme_variables[n]) == background]
    return found[0] if found else str(background)


async def test_refresh_now_makes_exactly_one_refresh(sandbox, base_time):
    app = cockpit(sandbox, Clock(base_time))
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.refreshes >= 1 and not app.refreshing, "the first refresh")
        assert app.monitor is not None
        metric_calls = app.monitor.clients.requests_matching("GetMetricData")
        await pilot.press("r")
        await until(
            pilot, lambda: app.refreshes >= 2 and not app.refreshing, "the asked-for refresh"
        )
        await pilot.pause(0.5)
        assert app.refreshes == 2
        assert app.monitor.clients.requests_matching("GetMetricData") == metric_calls + 1


async def test_cadence_and_window_keys(sandbox, base_time):
    app = cockpit(sandbox, Clock(base_time), refresh=5)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.refreshes >= 1, "the first refresh")
        await pilot.press("minus")
        assert app.refresh_seconds == 10
        assert "every 10 s" in status_text(app)
        await pilot.press("plus", "plus")
        assert app.refresh_seconds == 2

        await pilot.press("p")  # keep the cadence out of the refresh count below
        await until(pilot, lambda: not app.refreshing, "the refresh in flight to end")
        before = app.refreshes
        await pilot.press("w")
        assert app.window_seconds == 3600
        assert app.monitor is not None and app.monitor.window_seconds == 3600
        assert "1 h window" in status_text(app)
        await until(pilot, lambda: app.refreshes > before, "the refresh for the wider window")
        await pilot.pause()
        history = app.query_one("#pane-concurrency", MetricPane).snapshot.history
        assert len(history) == 3600 // 60
        await pilot.press("w", "w")
        assert app.window_seconds == 300
        assert "5 min window" in status_text(app)
        await pilot.press("w")
        assert app.window_seconds == 900
        assert "15 min window" in status_text(app)


async def test_help_feed_detail_and_quit(sandbox, base_time):
    message = "ERROR Task timed out after 3.00 seconds (request 0c1d)"
    push_error_log(sandbox, at=base_time - timedelta(seconds=90), message=message)
    other = "ERROR ValidationException: Item size has exceeded the maximum (request 0c1e)"
    push_error_log(sandbox, at=base_time - timedelta(seconds=80), message=other)
    app = cockpit(sandbox, Clock(base_time))
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.refreshes >= 1, "the first refresh")
        await until(pilot, lambda: shows_last_refresh(app), "the refresh on screen")

        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)

        feed = app.query_one(AlertFeedView)
        # Other tests share the sandbox's log group: this line must be there exactly once.
        logged = [a for a in feed.alerts if a.source is AlertSource.LOG and message in a.body]
        assert len(logged) == 1
        await pilot.press("f")
        assert app.focused is feed
        feed.move_cursor(row=feed.alerts.index(logged[0]))
        await pilot.press("enter")
        assert isinstance(app.screen, AlertDetailScreen)
        detail = app.screen
        body = detail.query_one(".body", Static)
        assert message in str(body.render())
        await pilot.press("escape")
        assert not isinstance(app.screen, AlertDetailScreen)

        # Another alert: the same (kept) screen, showing that alert and nothing of the first.
        second = next(a for a in feed.alerts if a.source is AlertSource.LOG and other in a.body)
        feed.move_cursor(row=feed.alerts.index(second))
        await pilot.press("enter")
        assert app.screen is detail
        assert other in str(body.render()) and message not in str(body.render())
        assert second.title in str(detail.query_one(".title").render())
        await pilot.press("escape")
        feed.move_cursor(row=feed.alerts.index(logged[0]))

        # From an alert's detail, `a` offers the runbook's actions for it (an error line: rollback first).
        await pilot.press("enter")
        assert "runbook actions: Roll back" in str(app.screen.query_one(".hint").render())
        await pilot.press("a")
        await pilot.pause()
        assert type(app.screen).__name__ == "ActionMenuScreen"
        await pilot.press("escape")
        await pilot.pause()

        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


async def test_lost_endpoint_turns_panes_stale_and_the_app_recovers(sandbox, base_time):
    relay = Forwarder(int(sandbox.endpoint.rsplit(":", 1)[1]))
    await relay.start()
    clock = Clock(base_time)
    app = cockpit(sandbox, clock, endpoint=relay.url)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.refreshes >= 1 and not app.refreshing, "the first refresh")
        await until(pilot, lambda: shows_last_refresh(app), "the refresh on screen")
        concurrency = app.query_one("#pane-concurrency", MetricPane)
        value = concurrency.snapshot.primary.value
        assert value is not None and concurrency.snapshot.state is DataState.OK

        await relay.stop()
        clock.now += timedelta(minutes=3)  # more than two refreshes' worth of time
        await pilot.press("r")
        await until(pilot, lambda: app.refreshes >= 2 and not app.refreshing, "the failing refresh")
        await until(pilot, lambda: shows_last_refresh(app), "the refresh on screen")
        assert concurrency.snapshot.state in (DataState.STALE, DataState.ERROR)
        assert concurrency.snapshot.primary.value in (None, value)  # never a made-up zero
        assert "FAILING" in status_text(app)
        lost = [
            a for a in app.query_one(AlertFeedView).alerts if a.source is AlertSource.CONNECTION
        ]
        assert any(a.severity in (Severity.WARN, Severity.CRIT) for a in lost)

        await relay.start()
        await pilot.press("r")
        await until(
            pilot, lambda: app.refreshes >= 3 and not app.refreshing, "the refresh after recovery"
        )
        await until(pilot, lambda: shows_last_refresh(app), "the refresh on screen")
        assert "LIVE" in status_text(app)
        assert app.query_one(StatusBar).failing == ""
        restored = [a for a in app.query_one(AlertFeedView).alerts if a.severity is Severity.OK]
        assert restored, "the feed says the connection came back"
    await relay.stop()


async def test_a_frozen_endpoint_is_stale_on_time_and_the_figures_hold_still(sandbox, base_time):
    """While one refresh hangs on a frozen endpoint, the cockpit says STALE once the data is
    older than two cadences (not when retries give up), and a minute boundary passing does
    not turn the half-filled period of the last fetch into "the latest complete" figure."""
    push_metrics(sandbox, end=base_time + timedelta(minutes=1), periods=1, shape=spike_now)
    relay = Forwarder(int(sandbox.endpoint.rsplit(":", 1)[1]))
    await relay.start()
    clock = Clock(base_time + timedelta(seconds=30))  # the period being pushed is still filling
    app = cockpit(sandbox, clock, refresh=5, endpoint=relay.url)
    try:
        async with app.run_test(size=(160, 48)) as pilot:
            await until(pilot, lambda: shows_last_refresh(app), "the first refresh")
            traffic = app.query_one("#pane-traffic", MetricPane)
            shown = traffic.snapshot.primary.value
            assert shown is not None and "LIVE" in status_text(app)

            relay.freeze()
            clock.advance(5)  # the cadence is due: a refresh starts and hangs
            await until(pilot, lambda: app.refreshing, "the refresh to go out")
            clock.advance(40)  # data 45 s old (stale after 10 s), and a minute boundary passed
            await until(pilot, lambda: "STALE" in status_text(app), "the status to say STALE")
            assert app.refreshing, "judged stale while the refresh is still in flight"
            assert traffic.snapshot.state is DataState.STALE
            assert traffic.snapshot.primary.value == shown  # nothing changes without new data
    finally:
        relay.thaw()
        await relay.stop()


# -- small terminals: the compact layout ---------------------------------------------------

ALL_PANES = tuple(key for key, _ in PANES)


def screen_lines(app: App) -> list[str]:
    """The screen as text, one string a line (what a terminal of that size shows)."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def fully_on_screen(app: App, widget: Widget) -> bool:
    """Drawn, and inside the screen above the footer (nothing cut at the bottom edge)."""
    footer = app.query_one(Footer)
    region = widget.region
    return (
        widget.display
        and bool(region)
        and app.screen.region.contains_region(region)
        and region.bottom <= footer.region.y
    )


def assert_values_on_screen(app: App) -> None:
    """Each pane's current value is written on the screen, inside its own pane."""
    lines = screen_lines(app)
    for pane in app.query(MetricPane):
        assert pane.snapshot is not None and pane.snapshot.primary.value is not None
        assert fully_on_screen(app, pane), f"{pane.key} is not on screen"
        value = fmt.number(pane.snapshot.primary.value)
        inside = [line[pane.region.x : pane.region.right] for line in lines[pane.region.y :]]
        assert any(value in line for line in inside[: pane.region.height]), (pane.key, value)


CHART_GLYPHS = set("▁▂▃▄▅▆▇█")
"""What a chart draws, and also what a scrollbar's thumb is drawn with."""


def assert_no_stray_chart_glyphs(app: App) -> None:
    """Chart-like glyphs only inside the panes and the feed (whose table may scroll): the
    screen itself never scrolls, so no scrollbar thumb stands at its edge like a chart."""
    assert not app.screen.show_vertical_scrollbar and not app.screen.show_horizontal_scrollbar
    boxes = [pane.region for pane in app.query(MetricPane) if pane.display]
    boxes += [box.region for box in app.query("#feed-box") if box.display]
    for y, line in enumerate(screen_lines(app)):
        for x, char in enumerate(line):
            if char in CHART_GLYPHS:
                assert any(box.contains(x, y) for box in boxes), f"stray {char!r} at {x},{y}"


@pytest.mark.parametrize("width", range(20, 121, 10))
@pytest.mark.parametrize("height", range(6, 50, 4))
def test_every_size_has_a_plan_that_fits_and_says_what_it_leaves_out(width, height):
    plan = plan_layout(width, height, PANES)
    assert set(plan.shown) | set(plan.hidden) == set(ALL_PANES)
    assert not set(plan.shown) & set(plan.hidden)
    if width >= 80 and height >= 30:
        assert not plan.compact
    if width >= 80 and height >= 24:
        assert plan.shown == ALL_PANES and plan.feed and not plan.notice
        return
    assert plan.compact
    rows = len(row_sizes(len(plan.shown), plan.columns)) if plan.shown else 0
    used = 3 + rows * plan.pane_height + (FEED_MIN if plan.feed else 0) + bool(plan.notice)
    assert used <= max(height, 3 + 3 + 1)  # the smallest pane row, at the least
    if not plan.notice:  # nothing left out: all of what 80x24 shows
        assert plan.shown == ALL_PANES and plan.feed and plan.details and plan.chart_lines
    for key in plan.hidden:
        assert dict(PANES)[key] in plan.notice
    if not plan.feed:
        assert "press f" in plan.notice
        asked = plan_layout(width, height, PANES, feed_only=True)
        assert asked.feed and asked.feed_only and "f again" in asked.notice


def test_the_regular_layout_from_80x30_and_the_compact_one_at_80x24():
    assert not plan_layout(160, 48, PANES).compact
    assert not plan_layout(80, 30, PANES).compact
    compact = plan_layout(80, 24, PANES)
    assert compact.compact and compact.shown == ALL_PANES and compact.feed
    assert compact.details and compact.chart_lines == 1 and not compact.notice
    assert plan_layout(60, 20, PANES).notice == "Charts hidden · enlarge to 80×24 to see them"
    short = plan_layout(60, 13, PANES)
    assert short.hidden == ("dynamodb", "traffic") and short.feed
    assert short.notice.startswith("2 panes hidden · enlarge to 80×24, or press f for the feed")


class StatusHost(App[None]):
    def compose(self) -> ComposeResult:
        yield StatusBar("λ todo-handler:PROD · API todo-api/prod · DynamoDB todos-table")


@pytest.mark.parametrize("width", [160, 80, 60, 40])
async def test_the_status_bar_keeps_the_mode_and_the_last_good_age(width):
    app = StatusHost()
    async with app.run_test(size=(width, 4)) as pilot:
        bar = app.query_one(StatusBar)
        bar.target = "sandbox · account 123456789012 · us-west-2"
        bar.now = NOW
        bar.last_good = NOW - timedelta(seconds=4)  # fresh: LIVE
        await pilot.pause()
        top = screen_lines(app)[0]
        assert "● LIVE" in top
        assert top.rstrip().endswith("last good 4s ago")
        if width >= 160:
            assert "every 5 s · 15 min window · last good 4s ago" in top
            assert "todotui" in top
        if width <= 60:
            assert "every 5 s" not in top  # the cadence gave way first
        bar.paused = True
        await pilot.pause()
        assert "PAUSED" in screen_lines(app)[0]


async def test_field_messages_wrap_instead_of_being_cut():
    message = (
        "5000 is more than the account's unreserved concurrency of 900: lower it, or raise"
        " the account's limit first"
    )

    class FormHost(App[None]):
        CSS = "#box { width: 44; height: 1fr; }"

        def compose(self) -> ComposeResult:
            with Vertical(id="box"):
                yield ActionForm([Field("count", "Provisioned concurrency", FieldKind.INT)])

    app = FormHost()
    async with app.run_test(size=(80, 24)) as pilot:
        app.query_one(ActionForm).show_errors({"count": message, FORM: message})
        await pilot.pause()
        shown = " ".join(line.strip() for line in screen_lines(app))
        assert f"✗ {message}" in shown  # the field's message, every word of it
        assert shown.count(message) == 2  # and the form's, above the fields


async def test_at_80x24_every_pane_and_the_feed_are_on_screen(sandbox, base_time):
    app = cockpit(sandbox, Clock(base_time + timedelta(seconds=30)))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: shows_last_refresh(app), "the first refresh on screen")
        await pilot.pause()
        assert_values_on_screen(app)
        lines = screen_lines(app)
        for pane in app.query(MetricPane):  # each pane's key figures, under its value
            first_label = pane.snapshot.secondary[0][0]
            assert first_label in lines[pane.region.y + 2][pane.region.x : pane.region.right]
        feed_box = app.query_one("#feed-box")
        assert fully_on_screen(app, feed_box) and feed_box.region.height >= 8
        assert not app.query_one("#layout-notice").display  # nothing is left out
        assert app.screen.max_scroll_y == 0  # and nothing lies below the bottom edge
        assert_no_stray_chart_glyphs(app)
        assert "LIVE" in lines[0] and "last good" in lines[0]

        feed = app.query_one(AlertFeedView)
        app.set_focus(None)
        await pilot.press("f")
        assert app.focused is feed


async def test_below_80x24_the_screen_says_what_is_hidden_and_f_brings_the_feed(sandbox, base_time):
    app = cockpit(sandbox, Clock(base_time + timedelta(seconds=30)))
    async with app.run_test(size=(60, 20)) as pilot:
        await until(pilot, lambda: shows_last_refresh(app), "the first refresh on screen")
        await pilot.pause()
        bar = app.query_one(StatusBar)
        top = screen_lines(app)[0]
        assert "LIVE" in top
        assert f"last good {fmt.age(bar.last_good, bar.now)}" in top  # never cut
        assert_values_on_screen(app)
        notice = app.query_one("#layout-notice", Label)
        assert fully_on_screen(app, notice)
        assert "Charts hidden · enlarge to 80×24" in " ".join(screen_lines(app))
        assert_no_stray_chart_glyphs(app)
        feed, feed_box = app.query_one(AlertFeedView), app.query_one("#feed-box")
        assert fully_on_screen(app, feed_box)
        app.set_focus(None)
        await pilot.press("f")
        assert app.focused is feed

        # Too short for the feed beside the panes: the notice says so, and f brings it.
        await pilot.resize_terminal(60, 10)
        await pilot.pause()
        assert not feed_box.display and app.focused is not feed
        assert "Alert feed hidden · press f for the feed" in " ".join(screen_lines(app))
        assert_no_stray_chart_glyphs(app)
        await pilot.press("f")
        await pilot.pause()
        assert fully_on_screen(app, feed_box) and app.focused is feed
        assert "Feed only, 5 panes hidden · f again for the panes" in " ".join(screen_lines(app))
        await pilot.press("f")
        await pilot.pause()
        assert not feed_box.display and fully_on_screen(app, app.query_one(MetricPane))

        await pilot.resize_terminal(80, 24)  # room again: everything back, no notice
        await pilot.pause()
        assert_values_on_screen(app)
        assert fully_on_screen(app, feed_box) and not notice.display


async def test_a_throttled_metric_fetch_marks_the_panes_in_that_same_refresh(sandbox, base_time):
    """CloudWatch answers 400 ThrottlingException: the refresh that met it already says so on
    every pane (in AWS's words) and in the status bar; the last value is kept, never a zero."""
    from fault_proxy import FaultProxy

    async with FaultProxy(int(sandbox.endpoint.rsplit(":", 1)[1])) as proxy:
        app = cockpit(sandbox, Clock(base_time + timedelta(seconds=30)), endpoint=proxy.url)
        async with app.run_test(size=(160, 48)) as pilot:
            await until(pilot, lambda: shows_last_refresh(app), "the first refresh")
            errors = app.query_one("#pane-errors", MetricPane)
            shown = errors.snapshot.primary.value
            proxy.throttle("GetMetricData")
            await pilot.press("r")
            await until(pilot, lambda: app.refreshes >= 2, "the throttled refresh")
            primary = errors.snapshot.primary
            assert primary.state is DataState.ERROR and "ThrottlingException" in primary.detail
            assert primary.value == shown
            assert "FAILING" in status_text(app)
            assert proxy.sent("GetMetricData") >= 2  # reads are still retried


async def test_a_refresh_landing_while_the_app_closes_is_dropped(sandbox, base_time):
    """Closing tears the dashboard down while a refresh may still be queued: that refresh
    must be dropped, not raise `NoMatches` (the app would end on a traceback)."""
    from todotui.ui.messages import RefreshFinished
    from todotui.ui.widgets import DiagnosisLine

    clock = Clock(base_time + timedelta(seconds=30))
    app = cockpit(sandbox, clock)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.refreshes >= 1, "the first refresh")
        refresh = app.core.poller.last
        assert refresh is not None
        # As during teardown: the dashboard's widgets are gone, a refresh is still queued.
        await app.screen_stack[0].query_one(DiagnosisLine).remove()
        app.post_message(RefreshFinished(refresh, app.core.monitor.cost))
        await pilot.pause()
        assert app.refreshes == 1  # dropped, not counted
