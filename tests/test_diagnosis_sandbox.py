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
