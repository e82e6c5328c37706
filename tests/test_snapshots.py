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


# -- the rollout view mid-canary ----------------------------------------------------------------
# Deterministic: the rollout record is written beside the journal at fixed times (the driver
# picks it up as its own, since it names this cockpit's driver as its owner, and finds nothing
# to do: no analysis is due and the pause has minutes left), and the two figures a sandbox
# cannot hold still are fixed: each version's description/CodeSha256/publish time (moto's are
# the wall clock's) and the per-version samples (the simulator's traffic is not in this
# never-ticked sandbox).

ROLLOUT_NOW = STEADY_END + timedelta(seconds=30)


def canary_record(owner: str):
    from todotui.rollout.model import Event, EventKind, Rollout, Sample
    from todotui.rollout.steps import PRESETS

    start = ROLLOUT_NOW - timedelta(minutes=4, seconds=30)
    minute = timedelta(minutes=1)
    return Rollout(
        id="5e1f0c2a9b7d4e6f8a0b1c2d3e4f5a6b",
        function="todo-handler",
        alias="PROD",
        stable="1",
        candidate="2",
        strategy="canary10-5m",
        steps=PRESETS["canary10-5m"],
        started_at=start,
        started_by="arn:aws:iam::123456789012:user/oncall",
        step_index=1,
        step_started_at=start,
        weight=0.1,
        first_shift_at=start,
        last_analysis_at=ROLLOUT_NOW,
        owner=owner,
        owner_seen_at=ROLLOUT_NOW,
        events=[
            Event(start, EventKind.START, "started: version 1 -> 2, canary10-5m"),
            Event(start, EventKind.STEP, "shift 10% to version 2 (you)"),
            *(
                Event(start + minute * n, EventKind.VERDICT, text)
                for n, text in (
                    (1, "inconclusive: candidate error % (61 of 20 invocations)"),
                    (2, "inconclusive: latency vs stable (Mann-Whitney U) (2 and 2 of 5 periods)"),
                    (3, "inconclusive: latency vs stable (Mann-Whitney U) (3 and 3 of 5 periods)"),
                    (4, "inconclusive: latency vs stable (Mann-Whitney U) (4 and 4 of 5 periods)"),
                )
            ),
        ],
        samples=[
            Sample(start + minute * n, 0.1, cand, stab, lat_c, lat_s, verdict)
            for n, cand, stab, lat_c, lat_s, verdict in (
                (1, 0.0, 0.4, 188.0, 181.0, "inconclusive"),
                (2, 0.8, 0.5, 192.0, 179.0, "inconclusive"),
                (3, 0.6, 0.5, 186.0, 183.0, "inconclusive"),
                (4, 0.4, 0.5, 189.0, 181.0, "inconclusive"),
            )
        ],
    )


def version_figures():
    from todotui.telemetry.versions import VersionInfo, VersionPeriod, VersionSamples

    infos = {
        "1": VersionInfo(
            "1",
            "stable release",
            "d2GVPRkzZ2HlJ+5hW3HX2SQkOli820e8co9owdjFU08=",
            "2025-03-03T16:20:41.000+0000",
        ),
        "2": VersionInfo(
            "2",
            "candidate release",
            "Qm9vbGVhbkNhbmFyeVJlbGVhc2UyMDI1MDMwNA==",
            "2025-03-04T11:48:02.000+0000",
        ),
    }
    start = ROLLOUT_NOW - timedelta(minutes=4, seconds=30)
    periods = {
        "1": [(1098, 4, 181.0), (1130, 6, 179.0), (1071, 5, 183.0), (1102, 6, 182.0)],
        "2": [(119, 0, 188.0), (127, 1, 192.0), (121, 1, 186.0), (118, 0, 190.0)],
    }
    samples = {
        version: VersionSamples(
            version,
            tuple(
                VersionPeriod(
                    start + timedelta(minutes=n), float(calls), float(errors), 0.0, avg, None
                )
                for n, (calls, errors, avg) in enumerate(rows)
            ),
        )
        for version, rows in periods.items()
    }
    return infos, samples


def rollout_app(sandbox, monkeypatch, tmp_path):
    from todotui.actions import Journal
    from todotui.rollout.analysis import analyse
    from todotui.rollout.store import RolloutStore
    from todotui.telemetry.versions import VersionSamples

    for name, value in sandbox.env.items():
        monkeypatch.setenv(name, value)
    settings = Settings().with_overrides(
        aws={"endpoint_url": sandbox.endpoint, "region": sandbox.region},
        cadence={"period_seconds": 60, "refresh_seconds": 600, "window_seconds": 900},
    )
    core = Cockpit(
        settings, clock=ManualClock(ROLLOUT_NOW), journal=Journal(tmp_path / "journal.jsonl")
    )
    record = canary_record(core.rollouts.owner)
    # The driver keeps records per AWS world (account/region/endpoint): this sandbox's.
    account = sandbox.client("sts").get_caller_identity()["Account"]
    scope = f"{account}/{sandbox.region}/{sandbox.endpoint}"
    RolloutStore(tmp_path / "rollouts.json").save(scope, record)
    infos, samples = version_figures()
    monkeypatch.setattr(core.monitor, "version_info", infos.get)
    monkeypatch.setattr(
        core.monitor,
        "version_samples",
        lambda version, since=None: samples.get(version, VersionSamples(version)),
    )
    run = analyse(
        samples["2"],
        samples["1"],
        settings.rollouts,
        at=ROLLOUT_NOW,
        window_start=record.first_shift_at,
        window_end=ROLLOUT_NOW,
    )
    return make_app(core, demo_label="sandbox", close_core=True), run


@pytest.fixture
def split_alias(quiet_sandbox):
    """The alias as the canary left it: version 1, and 10% to version 2."""
    lam, names = quiet_sandbox.client("lambda"), quiet_sandbox.names
    lam.update_alias(
        FunctionName=names.function_name,
        Name=names.alias,
        FunctionVersion="1",
        RoutingConfig={"AdditionalVersionWeights": {"2": 0.1}},
    )
    yield quiet_sandbox
    lam.update_alias(
        FunctionName=names.function_name,
        Name=names.alias,
        FunctionVersion="1",
        RoutingConfig={"AdditionalVersionWeights": {}},
    )


@pytest.mark.parametrize("size", [(160, 48), (100, 30)], ids=["160x48", "100x30"])
def test_rollout_view_mid_canary(snap_compare, split_alias, monkeypatch, tmp_path, size):
    app, run = rollout_app(split_alias, monkeypatch, tmp_path)

    async def open_rollout_view(pilot) -> None:
        await first_refresh(pilot)
        driver = app.core.rollouts
        await until(pilot, lambda: driver.controller is not None, "the rollout record")
        await driver.idle()
        driver.controller.last_run = run  # the analysis this record's last verdict came from
        await pilot.press("b")
        await pilot.pause(0.3)

    assert snap_compare(app, terminal_size=size, run_before=open_rollout_view)
