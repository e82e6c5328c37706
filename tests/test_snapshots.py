"""How the cockpit looks, on fixed data: steady, during a spike, and an alert opened.

A sandbox of its own (never ticked, so no simulator or alarm evaluation moves anything)
holds figures pushed at fixed timestamps; the clock is fixed to match, so every age and
time on screen is the same on every run. Update with `pytest --snapshot-update`.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from support import shows_last_refresh, until
from todotui.config import Settings
from todotui.core.clock import ManualClock
from todotui.core.cockpit import Cockpit
from todotui.sandbox.controller import Sandbox
from todotui.ui.app import make_app
from ui_traffic import T0, push_metrics, spike, steady

pytestmark = pytest.mark.sandbox

SIZE = (160, 48)
STEADY_END = T0
SPIKE_END = T0 + timedelta(days=1)


@pytest.fixture(scope="module")
def quiet_sandbox(sandbox_tier):
    with Sandbox(manual=True, period=60, backfill=0, seed=11) as running:
        push_metrics(running, end=STEADY_END, periods=15, shape=steady)
        push_metrics(running, end=SPIKE_END, periods=15, shape=spike)
        yield running


def cockpit(sandbox, now, monkeypatch):
    for name, value in sandbox.env.items():
        monkeypatch.setenv(name, value)
    settings = Settings().with_overrides(
        aws={"endpoint_url": sandbox.endpoint, "region": sandbox.region},
        cadence={"period_seconds": 60, "refresh_seconds": 600, "window_seconds": 900},
    )
    return make_app(
        Cockpit(settings, clock=ManualClock(now)), demo_label="sandbox", close_core=True
    )


FIRST_REFRESH_TIMEOUT = 60.0  # seconds; only ends a hang, no timing is asserted


async def first_refresh(pilot) -> None:
    app = pilot.app
    try:
        await until(
            pilot,
            lambda: shows_last_refresh(app),
            "the first refresh to finish and show",
            timeout=FIRST_REFRESH_TIMEOUT,
        )
    except BaseException:
        # snap_compare runs the app with this as its auto-pilot: an app left running would hang
        # the test instead of failing it, so end the app and let the failure through.
        app.exit()
        raise
    await pilot.pause(0.2)


def test_dashboard_steady(snap_compare, quiet_sandbox, monkeypatch):
    app = cockpit(quiet_sandbox, STEADY_END + timedelta(seconds=30), monkeypatch)
    assert snap_compare(app, terminal_size=SIZE, run_before=first_refresh)


def test_dashboard_during_a_spike(snap_compare, quiet_sandbox, monkeypatch):
    app = cockpit(quiet_sandbox, SPIKE_END + timedelta(seconds=30), monkeypatch)
    assert snap_compare(app, terminal_size=SIZE, run_before=first_refresh)


def test_alert_detail(snap_compare, quiet_sandbox, monkeypatch):
    app = cockpit(quiet_sandbox, SPIKE_END + timedelta(seconds=30), monkeypatch)

    async def open_newest_alert(pilot) -> None:
        await first_refresh(pilot)
        await pilot.press("f", "enter")
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=SIZE, run_before=open_newest_alert)


def test_dashboard_at_80x24(snap_compare, quiet_sandbox, monkeypatch):
    """The compact layout: all five panes' values, key figures and a one-line chart, and
    the feed below, on the classic terminal size."""
    app = cockpit(quiet_sandbox, SPIKE_END + timedelta(seconds=30), monkeypatch)
    assert snap_compare(app, terminal_size=(80, 24), run_before=first_refresh)
