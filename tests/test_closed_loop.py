"""Alert -> confirmed fix -> recovery, through the cockpit's keys, on a sandbox driven tick by tick.

The sandbox's simulator reads the stack's live state every tick, so a fix made through
the dialog changes the traffic that follows: the test watches the incident end in the
sandbox's own figures (plain boto3) and in the alert feed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot

from support import SimClock, shows_last_refresh, until
from test_ui_actions import busy, fill, outcome_of, settle
from todotui.actions import Journal, OutcomeStatus
from todotui.alerts.model import Alert, AlertSource, Severity, Topic
from todotui.config import Settings
from todotui.core.cockpit import Cockpit
from todotui.sandbox.controller import Sandbox
from todotui.ui.actions import ActionDialog, ActionMenuScreen
from todotui.ui.app import TodoTuiApp, make_app
from todotui.ui.widgets import AlertFeedView

pytestmark = pytest.mark.sandbox

SIZE = (160, 48)
PERIOD = 60


@pytest.fixture(scope="module")
def box(sandbox_tier):
    # Started in bad-deploy, so the bad candidate is version 2, as on the runbook's page.
    with Sandbox(manual=True, period=PERIOD, seed=3, backfill=0, scenario="bad-deploy") as running:
        yield running


@pytest.fixture
def world(box, monkeypatch):
    for name, value in box.env.items():
        monkeypatch.setenv(name, value)
    box.set_scenario("steady")
    box.tick(2)
    yield box
    box.set_scenario("steady")


def cockpit(box: Sandbox, clock: SimClock, tmp_path: Path) -> TodoTuiApp:
    settings = Settings().with_overrides(
        aws={"endpoint_url": box.endpoint, "region": box.region},
        cadence={"period_seconds": PERIOD, "refresh_seconds": 600, "window_seconds": 900},
    )
    core = Cockpit(
        settings,
        clock=clock,
        journal=Journal(tmp_path / "journal.jsonl"),
        verify_poll_interval=0.05,
    )
    return make_app(core, demo_label="sandbox", close_core=True)


async def refresh(pilot: Pilot, app: TodoTuiApp) -> None:
    """One refresh now, as the operator's `r` asks for it."""
    await until(pilot, lambda: app.refreshes >= 1 and not app.refreshing, "the refresh in flight")
    before = app.refreshes
    await pilot.press("r")
    await until(
        pilot, lambda: app.refreshes > before and not app.refreshing, "the asked-for refresh"
    )
    await until(pilot, lambda: shows_last_refresh(app), "the refresh on screen")  # not just counted


def alarm_alerts(app: TodoTuiApp, alarm: str, state: str) -> list[Alert]:
    return [
        a
        for a in app.query_one(AlertFeedView).alerts
        if a.source is AlertSource.ALARM and a.title.startswith(alarm) and a.title.endswith(state)
    ]


def alarm_state(box: Sandbox, name: str) -> str:
    return box.client("cloudwatch").describe_alarms(AlarmNames=[name])["MetricAlarms"][0][
        "StateValue"
    ]


async def actions_for(pilot: Pilot, app: TodoTuiApp, alert: Alert) -> ActionMenuScreen:
    """f focuses the feed, the cursor goes to the alert, a offers its runbook actions."""
    await pilot.press("f")
    feed = app.query_one(AlertFeedView)
    feed.move_cursor(row=feed.alerts.index(alert))
    await pilot.press("a")
    await until(pilot, lambda: isinstance(app.screen, ActionMenuScreen), "the alert's actions")
    menu = app.screen
    assert isinstance(menu, ActionMenuScreen) and menu.alert == alert
    return menu


async def test_spike_throttling_fixed_from_the_alert(world, tmp_path):
    box, names = world, world.names
    clock = SimClock(box)
    app = cockpit(box, clock, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await until(
            pilot, lambda: app.refreshes >= 1 and app.desk.runner is not None, "the first refresh"
        )

        box.set_scenario("spike")
        spike = clock.tick(3)
        assert spike["dynamodb_throttled"] > 0
        await refresh(pilot, app)
        throttling = alarm_alerts(app, names.throttle_alarm, "ALARM")
        assert len(throttling) == 1 and throttling[0].topic is Topic.THROTTLING

        menu = await actions_for(pilot, app, throttling[0])
        assert menu.paired[0].id == "dynamodb-capacity"
        # The runbook's own answer, filled in by hand (the diagnosis's fix comes first).
        await pilot.press(str(len(menu.fixes) + 1))
        await until(
            pilot,
            lambda: isinstance(app.screen, ActionDialog) and not busy(app.screen),
            "the dialog",
        )
        dialog = app.screen
        assert isinstance(dialog, ActionDialog)
        assert "Offered for: " + throttling[0].title in str(dialog.query_one(".why").render())
        await fill(pilot, dialog, "read", "50")
        await fill(pilot, dialog, "write", "50")
        await pilot.press("enter", "y")
        await outcome_of(pilot, dialog)
        assert dialog.outcome.status is OutcomeStatus.SUCCEEDED and dialog.outcome.verified
        await pilot.press("escape")

        table = box.client("dynamodb").describe_table(TableName=names.table_name)["Table"]
        assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 50

        after = [clock.tick() for _ in range(2)]
        assert after[-1]["dynamodb_throttled"] == 0
        assert after[-1]["errors"] / after[-1]["invocations"] < 0.01
        assert alarm_state(box, names.throttle_alarm) == "OK"
        await refresh(pilot, app)
        recovered = alarm_alerts(app, names.throttle_alarm, "OK")
        assert recovered and recovered[0].severity is Severity.OK
        fixed = [a for a in app.query_one(AlertFeedView).alerts if a.source is AlertSource.ACTION]
        assert len(fixed) == 1 and "done, verified" in fixed[0].title


async def test_bad_deploy_rolled_back_from_the_alert(world, tmp_path):
    box, names = world, world.names
    lam = box.client("lambda")
    clock = SimClock(box)
    good = lam.get_alias(FunctionName=names.function_name, Name=names.alias)["FunctionVersion"]
    app = cockpit(box, clock, tmp_path)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await until(
                pilot,
                lambda: app.refreshes >= 1 and app.desk.runner is not None,
                "the first refresh",
            )
            bad = box.set_scenario("bad-deploy")["stack"]["candidate_version"]
            assert bad == "2"
            assert clock.tick()["routing"] == {good: 1.0}  # published, not routed: harmless
            # The runbook's shift: update-alias --routing-config AdditionalVersionWeights={2=0.2}
            lam.update_alias(
                FunctionName=names.function_name,
                Name=names.alias,
                RoutingConfig={"AdditionalVersionWeights": {bad: 0.2}},
            )
            deploy = clock.tick(3)
            assert deploy["routing"] == {good: pytest.approx(0.8), bad: pytest.approx(0.2)}
            assert deploy["versions"][bad]["errors"] > 0.25 * deploy["versions"][bad]["invocations"]
            await refresh(pilot, app)
            errors = alarm_alerts(app, names.error_alarm, "ALARM")
            assert len(errors) == 1 and errors[0].topic is Topic.ERRORS

            menu = await actions_for(pilot, app, errors[0])
            assert menu.paired[0].id == "rollback"
            await pilot.press(str(len(menu.fixes) + 1))  # the runbook's, not the suggested one
            await until(
                pilot,
                lambda: isinstance(app.screen, ActionDialog) and not busy(app.screen),
                "the dialog",
            )
            dialog = app.screen
            assert isinstance(dialog, ActionDialog)
            await settle(pilot, dialog)
            # The live routing is the before-state; the default target is the good version.
            assert dialog.plan is not None and dialog.plan.params == {
                "version": good,
                "weights": {},
            }  # all traffic, no split
            assert f"version {bad}" in dict(dialog.plan.before)["Alias routing"]
            await pilot.press("enter")  # to the typed confirmation: a rollback is destructive
            await pilot.press(*names.alias, "enter")
            await outcome_of(pilot, dialog)
            assert dialog.outcome.ok and dialog.outcome.verified
            await pilot.press("escape")

            alias = lam.get_alias(FunctionName=names.function_name, Name=names.alias)
            assert alias["FunctionVersion"] == good and not (alias.get("RoutingConfig") or {}).get(
                "AdditionalVersionWeights"
            )
            after = [clock.tick() for _ in range(2)]
            assert after[-1]["routing"] == {good: 1.0}
            assert after[-1]["errors"] / after[-1]["invocations"] < 0.01
            assert alarm_state(box, names.error_alarm) == "OK"
            await refresh(pilot, app)
            assert alarm_alerts(app, names.error_alarm, "OK")
    finally:
        lam.update_alias(
            FunctionName=names.function_name,
            Name=names.alias,
            FunctionVersion=good,
            RoutingConfig={"AdditionalVersionWeights": {}},
        )
