"""Drills: the operator's keys from the first alert to a confirmed fix, counted, per incident.

Each drill starts the cockpit on a steady sandbox, starts an incident, refreshes tick by
tick until the first alert reaches the feed, then presses what a person would press: `f`
(the feed, newest alert highlighted), `a` (its actions, the diagnosis's fix first), `enter`
(the fix's dialog, pre-filled, its plan ready) and the confirmation. Every key is counted
(a typed confirmation would count one per character). The fix is then confirmed in the
sandbox's own state, read back with boto3, and in the traffic that follows.

Target (issue 10): at most 6 keys in every scenario. Each drill prints its key path.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from support import SimClock, shows_last_refresh, until
from test_ui_actions import busy, outcome_of
from todotui.actions import Journal
from todotui.alerts.model import Alert, Severity
from todotui.config import Settings
from todotui.core.cockpit import Cockpit
from todotui.rollout.model import Phase
from todotui.sandbox.controller import Sandbox
from todotui.ui.actions import ActionDialog, ActionMenuScreen
from todotui.ui.app import TodoTuiApp, make_app
from todotui.ui.rollout.widgets import ConfirmScreen
from todotui.ui.widgets import AlertFeedView

pytestmark = pytest.mark.sandbox

SIZE = (160, 48)
PERIOD = 60
MAX_KEYS = 6
MAX_TICKS = 8
"""Ticks (simulated minutes) an incident gets to raise its first alert."""


@pytest.fixture(scope="module")
def box(sandbox_tier):
    with Sandbox(manual=True, period=PERIOD, seed=5, backfill=0) as running:
        yield running


@pytest.fixture
def world(box, monkeypatch):
    for name, value in box.env.items():
        monkeypatch.setenv(name, value)
    box.set_scenario("steady")
    box.tick(2)
    yield box
    box.set_scenario("steady")


REPORT = os.environ.get("TODOTUI_DRILL_REPORT")
"""A file each drill appends its figures to, as a JSON line (bench/bench_drills.py reads it)."""


@dataclass
class Operator:
    """Presses keys on the cockpit and counts them (and the time from the first to the fix)."""

    pilot: Pilot
    ticks_to_alert: int = 0
    ticks_waited: int = 0
    keys: list[str] = field(default_factory=list)
    started: float | None = None

    async def press(self, *keys: str) -> None:
        if self.started is None:
            self.started = time.perf_counter()
        self.keys.extend(keys)
        await self.pilot.press(*keys)

    def report(self, scenario: str) -> str:
        line = (
            f"drill {scenario}: {len(self.keys)} keys from the first alert: {' '.join(self.keys)}"
        )
        print(line)
        if REPORT:
            took = time.perf_counter() - (self.started or time.perf_counter())
            record = {
                "scenario": scenario,
                "keys": len(self.keys),
                "key_path": self.keys,
                "seconds_to_first_alert": self.ticks_to_alert * PERIOD,
                "seconds_waiting_for_a_cause": self.ticks_waited * PERIOD,
                "wall_seconds_to_verified_fix": round(took, 2),
            }
            with open(REPORT, "a", encoding="utf-8") as out:
                out.write(json.dumps(record) + "\n")
        return line


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
        rollout_grace_seconds=600,  # the operator acts, not the countdown
    )
    return make_app(core, demo_label="sandbox", close_core=True)


async def refresh(pilot: Pilot, app: TodoTuiApp) -> None:
    await until(pilot, lambda: app.refreshes >= 1 and not app.refreshing, "the refresh in flight")
    before = app.refreshes
    app.core.poller.request_refresh()
    await until(pilot, lambda: app.refreshes > before and not app.refreshing, "the refresh")
    await until(pilot, lambda: shows_last_refresh(app), "the refresh on screen")


def alerts(app: TodoTuiApp) -> list[Alert]:
    return list(app.query_one(AlertFeedView).alerts)


@dataclass(frozen=True)
class FirstAlert:
    alert: Alert
    figures: dict[str, Any]
    """The sandbox's figures of the tick that raised it."""
    ticks: int
    """Ticks (periods) from the incident's start."""
    waited: int
    """Ticks after it before the diagnosis named a cause (the operator waits that long)."""


async def first_alert(pilot: Pilot, app: TodoTuiApp, clock: SimClock) -> FirstAlert:
    """Tick and refresh until an alert (warning or worse) the incident raised is in the feed."""
    seen = {a.key for a in alerts(app)}
    ticks = 0
    for _ in range(MAX_TICKS):
        figures = clock.tick()
        ticks += 1
        await refresh(pilot, app)
        await app.core.rollouts.idle()
        new = [
            a
            for a in alerts(app)
            if a.key not in seen and a.severity in (Severity.WARN, Severity.CRIT)
        ]
        if new:
            break
    else:
        raise AssertionError(f"no alert within {MAX_TICKS} ticks")
    # The first alert may come before its cause shows (a background error line, a ramp's
    # first minute): the operator reads the diagnosis line and waits, pressing nothing.
    waited = 0
    while app.core.diagnose()[0].top is None:
        assert waited < MAX_TICKS, "the diagnosis never named a cause"
        figures = clock.tick()
        await refresh(pilot, app)
        await app.core.rollouts.idle()
        waited += 1
    return FirstAlert(new[0], figures, ticks, waited)


async def start(pilot: Pilot, app: TodoTuiApp) -> None:
    await until(pilot, lambda: app.refreshes >= 1 and not app.refreshing, "the first refresh")
    await refresh(pilot, app)


async def fix_from_the_feed(op: Operator, app: TodoTuiApp) -> ActionDialog:
    """f, a, enter: the newest alert's actions, the diagnosis's fix first, its dialog ready."""
    await op.press("f")
    feed = app.query_one(AlertFeedView)
    assert feed.cursor_row == 0  # the newest alert, highlighted
    await op.press("a")
    await until(op.pilot, lambda: isinstance(app.screen, ActionMenuScreen), "the actions")
    menu = app.screen
    assert isinstance(menu, ActionMenuScreen) and menu.picks[0].suggestion is not None
    await op.press("enter")
    await until(
        op.pilot,
        lambda: (
            isinstance(app.screen, ActionDialog)
            and not busy(app.screen)
            and app.screen.plan is not None
        ),
        "the pre-filled dialog with its plan",
    )
    dialog = app.screen
    assert isinstance(dialog, ActionDialog)
    return dialog


async def confirm(op: Operator, dialog: ActionDialog) -> None:
    plan = dialog.plan
    assert plan is not None and plan.basis, "a suggested plan shows where its values come from"
    assert plan.confirmation is not None and not plan.confirmation.typed, plan.confirmation
    await op.press("y")
    await outcome_of(op.pilot, dialog)
    assert dialog.outcome is not None and dialog.outcome.ok and dialog.outcome.verified


async def test_spike_drill(world, tmp_path):
    box, names = world, world.names
    clock = SimClock(box)
    app = cockpit(box, clock, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        box.set_scenario("spike")
        first = await first_alert(pilot, app, clock)
        op = Operator(pilot, ticks_to_alert=first.ticks, ticks_waited=first.waited)
        dialog = await fix_from_the_feed(op, app)
        assert dialog.info.id == "dynamodb-capacity"
        suggested = int(dict(dialog.plan.values)["read"])
        print("\n".join(dialog.plan.basis))
        await confirm(op, dialog)
        assert len(op.keys) <= MAX_KEYS, op.report("spike")
        op.report("spike")

        table = box.client("dynamodb").describe_table(TableName=names.table_name)["Table"]
        assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == suggested > 5
        after = [clock.tick() for _ in range(4)]
        print([(a["dynamodb_throttled"], a["table_capacity"], a["request_rate"]) for a in after])
        assert after[-1]["dynamodb_throttled"] == 0, "the suggested capacity covers the demand"


async def test_error_burst_drill(world, tmp_path):
    box, names = world, world.names
    lam = box.client("lambda")
    clock = SimClock(box)
    app = cockpit(box, clock, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        stable = lam.get_alias(FunctionName=names.function_name, Name=names.alias)[
            "FunctionVersion"
        ]
        box.set_scenario("error-burst")
        first = await first_alert(pilot, app, clock)
        op = Operator(pilot, ticks_to_alert=first.ticks, ticks_waited=first.waited)
        dialog = await fix_from_the_feed(op, app)
        assert dialog.info.id == "rollback"
        assert dialog.plan.params["version"] == stable
        await confirm(op, dialog)
        assert len(op.keys) <= MAX_KEYS, op.report("error-burst")
        op.report("error-burst")

        alias = lam.get_alias(FunctionName=names.function_name, Name=names.alias)
        assert alias["FunctionVersion"] == stable and not alias.get("RoutingConfig", {}).get(
            "AdditionalVersionWeights"
        )
        after = [clock.tick() for _ in range(2)]
        assert after[-1]["errors"] / after[-1]["invocations"] < 0.01


async def test_slow_dependency_drill(world, tmp_path):
    box, names = world, world.names
    clock = SimClock(box)
    app = cockpit(box, clock, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        box.set_scenario("slow-dependency")
        first = await first_alert(pilot, app, clock)
        before = first.figures
        op = Operator(pilot, ticks_to_alert=first.ticks, ticks_waited=first.waited)
        dialog = await fix_from_the_feed(op, app)
        assert dialog.info.id == "api-cache"
        await confirm(op, dialog)
        assert len(op.keys) <= MAX_KEYS, op.report("slow-dependency")
        op.report("slow-dependency")

        apigw = box.client("apigateway")
        api_id = next(
            a["id"] for a in apigw.get_rest_apis()["items"] if a["name"] == names.api_name
        )
        stage = apigw.get_stage(restApiId=api_id, stageName=names.stage_name)
        assert stage["cacheClusterEnabled"]
        after = [clock.tick() for _ in range(2)]
        # Cached GETs skip the slow function: fewer invocations reach it for the same traffic.
        assert after[-1]["invocations"] < 0.8 * before["invocations"]


async def test_bad_deploy_drill_with_a_rollout_in_progress(world, tmp_path):
    box, names = world, world.names
    lam = box.client("lambda")
    clock = SimClock(box)
    app = cockpit(box, clock, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        bad = box.set_scenario("bad-deploy")["stack"]["candidate_version"]
        stable = lam.get_alias(FunctionName=names.function_name, Name=names.alias)[
            "FunctionVersion"
        ]
        clock.tick()
        await refresh(pilot, app)
        started = await app.core.rollouts.start(bad, strategy="linear10-every-3m")
        assert started.ok, started.message
        first = await first_alert(pilot, app, clock)
        op = Operator(pilot, ticks_to_alert=first.ticks, ticks_waited=first.waited)
        await op.press("f", "a")
        await until(pilot, lambda: isinstance(app.screen, ActionMenuScreen), "the actions")
        menu = app.screen
        assert isinstance(menu, ActionMenuScreen)
        assert menu.picks[0].action_id == "rollout-abort", menu.picks[0]
        await op.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the abort question")
        await op.press("y")
        await until(
            pilot,
            lambda: (r := app.core.rollouts.rollout) is not None and r.phase is Phase.ABORTED,
            "the abort, verified",
        )
        assert len(op.keys) <= MAX_KEYS, op.report("bad-deploy")
        op.report("bad-deploy")

        alias = lam.get_alias(FunctionName=names.function_name, Name=names.alias)
        assert alias["FunctionVersion"] == stable
        assert not alias.get("RoutingConfig", {}).get("AdditionalVersionWeights")
        after = clock.tick()
        assert set(after["routing"]) == {stable}


async def test_auth_attack_drill(world, tmp_path):
    box, names = world, world.names
    clock = SimClock(box)
    app = cockpit(box, clock, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        box.set_scenario("auth-attack")
        first = await first_alert(pilot, app, clock)
        during = first.figures
        op = Operator(pilot, ticks_to_alert=first.ticks, ticks_waited=first.waited)
        dialog = await fix_from_the_feed(op, app)
        assert dialog.info.id == "cognito-disable-user"
        user = dict(dialog.plan.values)["username"]
        await confirm(op, dialog)
        assert len(op.keys) <= MAX_KEYS, op.report("auth-attack")
        op.report("auth-attack")

        idp = box.client("cognito-idp")
        pool = next(
            p["Id"]
            for p in idp.list_user_pools(MaxResults=60)["UserPools"]
            if p["Name"] == names.user_pool_name
        )
        assert idp.admin_get_user(UserPoolId=pool, Username=user)["Enabled"] is False
        after = [clock.tick() for _ in range(2)]
        assert after[-1]["api_4xx"] < 0.2 * during["api_4xx"], "the attacker's sign-ins stop"
