"""Diagnosis on the sandbox's own telemetry: what the cockpit would say is wrong.

The rules are unit-tested on hand-built figures in test_diagnosis.py; here the evidence is
what the Monitor really holds after a few refreshes of an incident.
"""

from __future__ import annotations

import pytest

from support import SimClock
from todotui.actions import Journal
from todotui.alerts.diagnosis import diagnose
from todotui.config import Settings
from todotui.core.cockpit import Cockpit
from todotui.sandbox.controller import Sandbox

pytestmark = pytest.mark.sandbox


@pytest.fixture
def fresh_box(sandbox_tier, monkeypatch):
    with Sandbox(manual=True, period=60, seed=3, backfill=0) as box:
        for name, value in box.env.items():
            monkeypatch.setenv(name, value)
        yield box


async def diagnosis_after(box: Sandbox, scenario: str, tmp_path, refreshes: int = 5):
    box.set_scenario(scenario)
    box.tick(2)
    clock = SimClock(box)
    settings = Settings().with_overrides(
        aws={"endpoint_url": box.endpoint, "region": box.region},
        cadence={"period_seconds": 60, "refresh_seconds": 60, "window_seconds": 900},
    )
    async with Cockpit(settings, clock=clock, journal=Journal(tmp_path / "j.jsonl")) as core:
        for _ in range(refreshes):
            clock.tick()
            await core.poller.refresh_once()
        return diagnose(core.monitor.evidence(clock()))


async def test_a_spike_is_diagnosed_as_dynamodb_throttling_with_its_demand(fresh_box, tmp_path):
    steady = await diagnosis_after(fresh_box, "steady", tmp_path)
    assert steady.summary().startswith("no clear cause")
    spike = await diagnosis_after(fresh_box, "spike", tmp_path)
    top = spike.causes[0]
    assert top.action_id == "dynamodb-capacity" and top.target == "todos-table"
    assert "ProvisionedThroughputExceededException" in top.line and "demand" in top.line


async def test_an_auth_attack_is_one_feed_entry_for_its_user_and_diagnosed(fresh_box, tmp_path):
    """The failed sign-ins reach the feed (their own FilterLogEvents, a JSON pattern), one
    entry per user with its count, and the diagnosis names the attacker."""
    from todotui.alerts.diagnosis import CauseKind
    from todotui.alerts.model import Topic

    box = fresh_box
    box.set_scenario("auth-attack")
    box.tick(2)
    clock = SimClock(box)
    settings = Settings().with_overrides(
        aws={"endpoint_url": box.endpoint, "region": box.region},
        cadence={"period_seconds": 60, "refresh_seconds": 60, "window_seconds": 900},
    )
    async with Cockpit(settings, clock=clock, journal=Journal(tmp_path / "j.jsonl")) as core:
        for _ in range(5):
            clock.tick()
            result = await core.poller.refresh_once()
        entries = {a.title: a for a in core.alerts.entries}
        attacker = entries.get("Failed sign-in · mallory@example.com")
        assert attacker is not None, sorted(entries)
        assert attacker.count > 10 and attacker.topic is Topic.AUTH
        sign_ins = [a for a in core.alerts.entries if a.title.startswith("Failed sign-in")]
        assert len(sign_ins) == len({a.title for a in sign_ins})  # one entry per user
        assert not [a for a in core.alerts.entries if "SUCCEEDED" in a.body]
        assert not result.problems
        diagnosis = diagnose(core.monitor.evidence(clock()))
    top = diagnosis.causes[0]
    assert top.kind is CauseKind.ATTACKER and top.target == "mallory@example.com"


async def test_steady_shows_no_successful_sign_in(fresh_box, tmp_path):
    """Legitimate users sign in all day; only a failure would show (one per user at most
    folds with its count), a success never."""
    box = fresh_box
    box.set_scenario("steady")
    box.tick(2)
    clock = SimClock(box)
    settings = Settings().with_overrides(
        aws={"endpoint_url": box.endpoint, "region": box.region},
        cadence={"period_seconds": 60, "refresh_seconds": 60, "window_seconds": 900},
    )
    async with Cockpit(settings, clock=clock, journal=Journal(tmp_path / "j.jsonl")) as core:
        for _ in range(4):
            clock.tick()
            await core.poller.refresh_once()
        entries = core.alerts.entries
    sign_ins = [a for a in entries if a.title.startswith("Failed sign-in")]
    assert all('"result": "FAILED"' in a.body for a in sign_ins)
    assert "mallory@example.com" not in {a.title.split(" · ")[-1] for a in sign_ins}
    assert not [a for a in entries if "SUCCEEDED" in a.body]
    assert len(sign_ins) == len({a.title for a in sign_ins})
