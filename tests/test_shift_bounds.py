"""What a cockpit left open for a shift keeps is bounded: each store's cap, by design.

Pure tests (no IO): each feeds one store far past its cap and checks it holds no more."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from todotui.actions.journal import Journal
from todotui.alerts.diagnosis import Cause, CauseKind, Diagnosis
from todotui.alerts.feed import AlertFeed
from todotui.alerts.model import Alert, AlertSource, Severity
from todotui.config import Settings
from todotui.core.clock import ManualClock
from todotui.core.cockpit import Cockpit
from todotui.core.timeline import MAX_CLOSED_CAUSES

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


async def test_a_flapping_cause_keeps_at_most_the_cap_of_cleared_spans(tmp_path):
    core = Cockpit(Settings(), clock=ManualClock(T0), journal=Journal(tmp_path / "j.jsonl"))
    recorder = core.timeline
    cause = Cause(CauseKind.DYNAMODB_THROTTLING, 0.6, "30 throttled", "dynamodb-capacity", "t")
    flaps = MAX_CLOSED_CAUSES + 50
    for n in range(flaps):
        recorder.note_diagnosis(Diagnosis((cause,)), at(2 * n))
        recorder.note_diagnosis(Diagnosis(unclear="every figure normal"), at(2 * n + 1))
    spans = recorder.causes
    assert len(spans) == MAX_CLOSED_CAUSES
    # The oldest went first: the newest flap is still there.
    assert max(s.cleared for s in spans if s.cleared) == at(2 * flaps - 1)
    assert min(s.first_seen for s in spans) == at(2 * (flaps - MAX_CLOSED_CAUSES))
    await core.aclose()


def test_the_feed_forgets_the_arrival_order_of_what_it_dropped():
    feed = AlertFeed(limit=3)
    for n in range(50):
        feed.add(Alert(f"k{n}", AlertSource.BREACH, Severity.WARN, "t", "b", at(n), at(n)))
    assert [a.key for a in feed.entries] == ["k49", "k48", "k47"]
    assert len(feed._arrivals) == 3  # the ranking's bookkeeping is bounded with the entries


async def test_routing_changes_keep_at_most_the_cap(tmp_path):
    from todotui.core.timeline import MAX_ROUTING_CHANGES
    from todotui.reports.timeline import EventKind
    from todotui.telemetry.versions import AliasRouting

    clock = ManualClock(T0)
    core = Cockpit(Settings(), clock=clock, journal=Journal(tmp_path / "j.jsonl"))
    moves = MAX_ROUTING_CHANGES + 30
    for n in range(moves + 1):  # the first read is no change: `moves` changes follow
        clock.now = at(n)
        core.monitor.alias = AliasRouting("todo-handler", "PROD", str(n + 1))
        core.monitor.alias_read_at = at(n)
        core.timeline._note_routing(at(n))
    routed = [e for e in core.timeline.events() if e.kind is EventKind.DEPLOY]
    assert len(routed) == MAX_ROUTING_CHANGES
    assert max(e.at for e in routed) == at(moves)
    await core.aclose()


async def test_the_recorders_impact_series_stay_within_a_day_over_a_longer_shift(tmp_path):
    """30 simulated hours of one-minute refreshes: every kept series holds at most a day of
    periods (the newest among them), and the store's arrays stop growing once a day is full
    (the slots of forgotten periods are reused)."""
    from todotui.core.timeline import SERIES_KEPT
    from todotui.reports.timeline import IMPACT_SERIES

    clock = ManualClock(T0)
    core = Cockpit(Settings(), clock=clock, journal=Journal(tmp_path / "j.jsonl"))
    recorder, store = core.timeline, core.monitor._store
    fetched = {spec.id for spec in core.monitor.specs}
    series = [sid for sid in IMPACT_SERIES if sid in fetched]
    assert series  # the catalogue fetches the impact series: the store has something to keep
    day = int(SERIES_KEPT.total_seconds() // 60)
    minutes = day + 6 * 60
    for n in range(minutes):
        clock.now = now = at(n + 1)
        # One new period a refresh, each series' timestamp a distinct object (as parsed).
        store.merge({sid: [(at(n), float(n))] for sid in series}, now=now)
        recorder._keep_series(now)
    kept = recorder._series
    assert set(kept) == set(series)
    for sid in series:
        assert len(kept[sid]) <= day + 1
        assert kept[sid][at(minutes - 1)] == float(minutes - 1)
        assert min(kept[sid]) >= at(minutes) - SERIES_KEPT
    assert kept.periods <= day + 1
    assert kept._size <= day + 1  # slots reused: no array grew past a day
    assert at(minutes - day - 2) not in kept[series[0]]  # forgotten, not just hidden
    await core.aclose()


async def test_the_feeds_render_caches_stay_bounded_while_its_alerts_keep_changing():
    """Every change of a cell makes the DataTable's cached renders stale (they are keyed by
    its update count); the feed bounds those caches, so a shift of changes cannot fill them."""
    from textual.app import App, ComposeResult

    from todotui.ui.widgets import AlertFeedView
    from todotui.ui.widgets.alert_feed import RENDER_CACHE_BOUNDS

    class FeedApp(App[None]):
        def compose(self) -> ComposeResult:
            yield AlertFeedView(id="feed")

    feed = AlertFeed()
    async with FeedApp().run_test(size=(120, 30)) as pilot:
        view = pilot.app.query_one(AlertFeedView)
        for n in range(12):
            feed.add(Alert(f"k{n}", AlertSource.BREACH, Severity.WARN, f"t{n}", "b", at(n), at(n)))
        for n in range(150):  # a breach comes back: its count moves, its row is redrawn
            key = f"k{n % 12}"
            feed.add(Alert(key, AlertSource.BREACH, Severity.WARN, key, "b", at(n), at(n + 12)))
            view.sync(feed)
            await pilot.pause()
        assert any(a.count > 1 for a in view.alerts)  # the rows did change and were drawn
        for name, bound in RENDER_CACHE_BOUNDS.items():
            assert len(getattr(view, name)) <= bound, name
