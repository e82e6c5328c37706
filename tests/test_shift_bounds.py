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
