"""The rollout view (`b`), as an operator drives it: on a sandbox ticked period by period.

The cockpit runs on the sandbox's simulated clock (`SimClock`), so a refresh happens when
the test asks for one and every analysis sees the periods the test ticked. What the alias
does is read back with plain boto3, never through the cockpit. The first tests are pure:
the words the view builds, on hand-made records.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from textual.command import CommandInput, CommandPalette
from textual.pilot import Pilot
from textual.widgets import Footer, Static

from support import SimClock, until
from test_ui_actions import palette_searched
from todotui.actions import Journal
from todotui.config import Settings
from todotui.core.cockpit import Cockpit
from todotui.rollout.analysis import AnalysisRun, RuleVerdict, Verdict
from todotui.rollout.model import Event, EventKind, PendingAbort, Phase, Rollout, Sample
from todotui.rollout.steps import PRESETS
from todotui.sandbox.controller import Sandbox
from todotui.telemetry.versions import VersionPeriod, VersionSamples
from todotui.ui.app import TodoTuiApp, make_app
from todotui.ui.keys import COCKPIT_KEYS, ROLLOUT_KEYS
from todotui.ui.rollout import ConfirmScreen, RolloutScreen, StartRolloutScreen
from todotui.ui.rollout.view import (
    NO_DATA,
    NO_PERCENTILES,
    comparison_rows,
    countdown_words,
    eta_seconds,
    plan_lines,
    rollback_seconds,
    timeline_lines,
)

SIZE = (160, 48)
PERIOD = 60
T0 = datetime(2025, 3, 4, 12, 0, tzinfo=UTC)


# -- the words, on hand-made records (pure) ---------------------------------------------------


def record(**changes) -> Rollout:
    rollout = Rollout(
        id="r1",
        function="todo-handler",
        alias="PROD",
        stable="1",
        candidate="2",
        strategy="canary10-5m",
        steps=PRESETS["canary10-5m"],
        started_at=T0,
        started_by="tester",
    )
    for name, value in changes.items():
        setattr(rollout, name, value)
    return rollout


def test_a_missing_figure_is_a_word_never_a_zero():
    stable = VersionSamples("1", (VersionPeriod(T0, invocations=100.0, errors=1.0),))
    candidate = VersionSamples("2")  # no period at all: it never ran
    rows = {row.key: row for row in comparison_rows(stable, candidate, None)}
    assert rows["invocations"].stable == "100" and rows["invocations"].candidate == NO_DATA
    assert rows["error_pct"].stable == "1.00%" and rows["error_pct"].candidate == NO_DATA
    assert rows["throttles"].stable == NO_DATA  # no Throttles datapoint: not "0"
    assert rows["duration_avg"].candidate == NO_DATA
    # The endpoint answers no percentiles: said so, not a number.
    assert rows["duration_p99"].difference == NO_PERCENTILES
    assert "0" not in rows["error_pct"].candidate


def test_the_difference_takes_the_verdict_of_the_rule_that_judges_it():
    stable = VersionSamples("1", (VersionPeriod(T0, 1000.0, 1.0, 0.0, 110.0),))
    candidate = VersionSamples("2", (VersionPeriod(T0, 100.0, 35.0, 0.0, 2600.0),))

    def rule(rule_id: str, metric: str, verdict: Verdict) -> RuleVerdict:
        return RuleVerdict(rule_id, rule_id, verdict, metric, 1.0, 1.0, "why")

    run = AnalysisRun(
        T0,
        T0,
        T0,
        (
            rule("candidate-errors", "error %", Verdict.FAIL),
            rule("candidate-latency", "average duration", Verdict.PASS),
            rule("errors-vs-stable", "error %", Verdict.PASS),
            rule("latency-vs-stable", "median average change %", Verdict.INCONCLUSIVE),
        ),
    )
    rows = {row.key: row for row in comparison_rows(stable, candidate, run)}
    assert rows["error_pct"].verdict is Verdict.FAIL  # the worst of the rules on error %
    assert rows["error_pct"].difference == "+34.90 pts"
    assert rows["duration_avg"].verdict is Verdict.INCONCLUSIVE
    assert rows["duration_avg"].difference == "+2,490ms (+2264%)"
    assert rows["invocations"].verdict is None and rows["invocations"].difference == "9.1% of calls"


def test_plan_eta_rollback_and_countdown_words():
    now = T0 + timedelta(minutes=3)
    r = record(step_index=1, step_started_at=T0 + timedelta(minutes=1), weight=0.1)
    assert r.pause_left(now) == 180
    assert eta_seconds(r, now) == 180  # the rest of the pause, then the promotion
    lines = plan_lines(r, now)
    assert "✔" in lines[0] and "set weight 10%" in lines[0]
    assert "▶" in lines[1] and "pause 5m" in lines[1] and "3m left" in lines[1]
    assert lines[2].startswith("[$text-muted]·[/]")
    assert eta_seconds(record(steps=(PRESETS["canary10-5m"][0], *PRESETS["all-at-once"])), now) == 0
    assert rollback_seconds(2, 60, 20) == 140

    banner = countdown_words(PendingAbort(now + timedelta(seconds=14), "budget spent"), now)
    assert "ABORTING IN 14s" in banner and "budget spent" in banner and "h [/] hold" in banner

    # A long plan is cut around its current step, with what is left out said.
    linear = record(steps=PRESETS["linear10-every-1m"], step_index=8)
    cut = plan_lines(linear, now, room=7)
    assert len(cut) == 7 and "done above" in cut[0] and "more" in cut[-1]
    assert any("▶" in line and "set weight 50%" in line for line in cut)


def test_the_timeline_marks_events_on_the_same_time_axis():
    r = record(
        weight=0.1,
        first_shift_at=T0,
        events=[
            Event(T0, EventKind.START, "started"),
            Event(T0 + timedelta(minutes=4), EventKind.ALARM, "alarm"),
        ],
        samples=[Sample(T0 + timedelta(minutes=2), 0.1, 30.0, 0.1, 2500.0, 110.0, "fail")],
    )
    lines = timeline_lines(r, T0 + timedelta(minutes=4), 80, interval_seconds=60)
    assert [line.split("[/]")[0].split("]")[-1].strip() for line in lines[:5]] == [
        "weight v2",
        "error % v2",
        "error % v1",
        "latency v2",
        "latency v1",
    ]
    assert "30.0%" in lines[1] and "2,500ms" in lines[3]
    markers = lines[5]
    assert markers.index("▶") < markers.index("!")  # the start left of the alarm


# -- the view on a sandbox, through the keys ------------------------------------------------


@pytest.fixture(scope="module")
def box(sandbox_tier):
    with Sandbox(manual=True, period=PERIOD, seed=5, backfill=0) as running:
        yield running


@pytest.fixture
def world(box, monkeypatch):
    """The module's sandbox with the alias on its stable version and a candidate published."""
    for name, value in box.env.items():
        monkeypatch.setenv(name, value)
    box.set_scenario("steady")
    lam, names = box.client("lambda"), box.names
    stable = restore_alias(box)
    versions = published_versions(box)
    if not [v for v in versions if int(v) > int(stable)]:
        lam.publish_version(FunctionName=names.function_name, Description="candidate release")
    box.tick(2)
    yield box
    box.set_scenario("steady")
    restore_alias(box, stable)


def published_versions(box: Sandbox) -> list[str]:
    lam = box.client("lambda")
    pages = lam.get_paginator("list_versions_by_function").paginate(
        FunctionName=box.names.function_name
    )
    return [v["Version"] for page in pages for v in page["Versions"] if v["Version"] != "$LATEST"]


def alias(box: Sandbox) -> dict:
    return box.client("lambda").get_alias(
        FunctionName=box.names.function_name, Name=box.names.alias
    )


def restore_alias(box: Sandbox, version: str | None = None) -> str:
    """All traffic to `version` (default: the alias's primary), weights cleared."""
    version = version or alias(box)["FunctionVersion"]
    box.client("lambda").update_alias(
        FunctionName=box.names.function_name,
        Name=box.names.alias,
        FunctionVersion=version,
        RoutingConfig={"AdditionalVersionWeights": {}},
    )
    return version


def weights(box: Sandbox) -> dict:
    return (alias(box).get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}


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


def current(app: TodoTuiApp) -> Rollout:
    """The rollout as the driver holds it now (it re-reads the record on every tick)."""
    r = app.core.rollouts.rollout
    assert r is not None
    return r


def text(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


def view(app: TodoTuiApp) -> RolloutScreen:
    assert isinstance(app.screen, RolloutScreen), f"expected the rollout view, got {app.screen!r}"
    return app.screen


async def first_refresh(pilot: Pilot, app: TodoTuiApp) -> None:
    await until(
        pilot,
        lambda: app.refreshes >= 1 and not app.refreshing and app.core.rollouts.routing is not None,
        "the first refresh",
    )


async def refresh(pilot: Pilot, app: TodoTuiApp) -> None:
    """One refresh that starts now (on the rollout view `r` retries, so ask the poller), the
    driver's tick after it, and both on screen."""
    poller, driver = app.core.poller, app.core.rollouts
    await until(pilot, lambda: not poller.refreshing, "the refresh in flight")
    await driver.idle()
    before = poller.refreshes
    poller.request_refresh()
    await until(pilot, lambda: poller.refreshes > before, "the refresh")
    await driver.idle()
    await until(pilot, lambda: app.refreshes >= poller.refreshes, "the refresh on screen")
    await pilot.pause(0.1)


async def start_with_keys(pilot: Pilot, app: TodoTuiApp) -> StartRolloutScreen:
    """s, then enter on the default version, enter on the default strategy, enter on Start."""
    await pilot.press("s")
    await until(pilot, lambda: isinstance(app.screen, StartRolloutScreen), "the start dialog")
    start = app.screen
    assert isinstance(start, StartRolloutScreen)
    await until(pilot, lambda: start.versions is not None, "the published versions")
    await pilot.press("enter", "enter")
    await until(pilot, lambda: app.focused is not None and app.focused.id == "go", "Start")
    await pilot.press("enter")
    await until(
        pilot,
        lambda: app.core.rollouts.rollout is not None and not view(app).busy,
        "the rollout to start",
    )
    return start


@pytest.mark.sandbox
async def test_canary_started_watched_and_aborted_with_the_keys(world, tmp_path):
    box = world
    clock = SimClock(box)
    stable = alias(box)["FunctionVersion"]
    app = cockpit(box, clock, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await first_refresh(pilot, app)
        await pilot.press("b")
        await until(pilot, lambda: isinstance(app.screen, RolloutScreen), "the rollout view")
        screen = view(app)
        await until(pilot, lambda: screen.published is not None, "the published versions")
        idle = text(screen, "#header")
        assert "No rollout on todo-handler:PROD" in idle
        assert f"alias routing   version {stable}" in idle and "s  start one" in idle
        assert "IDLE" in str(screen.query_one("#rollout-title").render())

        start = await start_with_keys(pilot, app)
        candidate = max((v for v in start.versions or [] if v != stable), key=int)
        assert start.candidate == candidate and start.strategy == "canary10-5m"
        r = current(app)
        assert (r.stable, r.candidate) == (stable, candidate)
        assert weights(box) == {candidate: pytest.approx(0.1)}  # the first step, at once
        assert "rollout started" in text(screen, "#rollout-status")

        for _ in range(3):
            clock.tick()
            await refresh(pilot, app)
        header = text(screen, "#header")
        assert f"stable     v{stable}" in header and f"candidate  v{candidate}" in header
        assert "weight set 10% · observed " in header and "95% CI" in header
        assert "rollback ≤ 2m20s" in header and "pause left" in header
        table = text(screen, "#compare")
        invocations = next(line for line in table.splitlines() if line.startswith("invocations"))
        assert NO_DATA not in invocations and "% of calls" in invocations
        assert "n/a (endpoint has no percentiles)" in table
        plan = text(screen, "#plan").splitlines()
        assert plan[0].startswith("✔") and "set weight 10%" in plan[0]
        assert plan[1].startswith("▶") and "pause 5m" in plan[1]
        assert "candidate error %" in text(screen, "#analysis")
        assert "failure budget 0/2" in text(screen, "#budget")
        events = text(screen, "#events")
        assert "shift 10% to version" in events and "started: version" in events

        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the abort question")
        await pilot.press("y")
        await until(
            pilot,
            lambda: current(app).phase is Phase.ABORTED and not view(app).busy,
            "the abort",
        )
        now = alias(box)
        assert now["FunctionVersion"] == stable and not weights(box)
        assert "ABORTED" in str(screen.query_one("#rollout-title").render())
        assert "rollout aborted" in text(screen, "#rollout-status")
        assert "✖" in text(screen, "#plan").splitlines()[1]

        await pilot.press("escape")
        assert not isinstance(app.screen, RolloutScreen)


@pytest.mark.sandbox
async def test_bad_deploy_counts_down_to_an_abort_that_h_holds_and_x_y_carries_out(world, tmp_path):
    box = world
    stable = alias(box)["FunctionVersion"]
    box.set_scenario("bad-deploy")
    tick = box.tick(1)["last_tick"]  # the scenario picks its bad version on its first tick
    bad = tick.get("bad_version") or max(published_versions(box), key=int)
    restore_alias(box, stable)  # if the scenario routed traffic to it itself: a rollout does
    clock = SimClock(box)
    app = cockpit(box, clock, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await first_refresh(pilot, app)
        await pilot.press("b")
        await until(pilot, lambda: isinstance(app.screen, RolloutScreen), "the rollout view")
        screen = view(app)
        start = await start_with_keys(pilot, app)
        assert start.candidate == bad

        clock.tick()
        await refresh(pilot, app)
        assert current(app).pending_abort is not None, current(app).events[-1]
        banner = screen.query_one("#abort-banner", Static)
        assert banner.display
        shown = str(banner.render())
        assert "ABORTING IN 20s: failure budget spent (2/2)" in shown
        assert "candidate error %" in shown and "h  hold" in shown and "x  abort now" in shown
        assert "ABORT PENDING" in str(screen.query_one("#rollout-title").render())
        assert "✖ candidate error % (critical)" in text(screen, "#analysis")

        await pilot.press("h")
        await until(
            pilot, lambda: current(app).pending_abort is None and not view(app).busy, "hold"
        )
        assert current(app).phase is Phase.PAUSED and not banner.display
        assert weights(box) == {bad: pytest.approx(0.1)}, "holding sends nothing"
        assert "rollout held" in text(screen, "#rollout-status")
        assert "held: nothing moves on its own" in text(screen, "#header")
        assert "waiting for you" in text(screen, "#plan")

        # Two keys restore stable: x, then enter.
        await pilot.press("x", "enter")
        await until(
            pilot, lambda: current(app).phase is Phase.ABORTED and not view(app).busy, "abort"
        )
        assert alias(box)["FunctionVersion"] == stable and not weights(box)

        await pilot.press("r")  # retry: the same plan from step 1
        await until(
            pilot, lambda: current(app).phase is Phase.PROGRESSING and not view(app).busy, "retry"
        )
        assert weights(box) == {bad: pytest.approx(0.1)}
        assert "rollout retried" in text(screen, "#rollout-status")
        await pilot.press("x", "y")
        await until(
            pilot, lambda: current(app).phase is Phase.ABORTED and not view(app).busy, "abort"
        )
        assert not weights(box)


@pytest.mark.sandbox
async def test_every_rollout_key_is_in_the_footer_and_the_palette(world, tmp_path):
    box = world
    app = cockpit(box, SimClock(box), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await first_refresh(pilot, app)
        assert "rollout" in {k.action for k in COCKPIT_KEYS}
        assert "b" in app.screen.active_bindings
        await pilot.press("b")
        await until(pilot, lambda: isinstance(app.screen, RolloutScreen), "the rollout view")
        footer_keys = {
            key
            for key, active in app.screen.active_bindings.items()
            if active.binding.show and active.node is app.screen
        }
        for key in ROLLOUT_KEYS:
            assert key.key.split(",")[0] in footer_keys, key
        assert app.screen.query_one(Footer)

        await pilot.press("ctrl+p")
        await until(
            pilot,
            lambda: (
                isinstance(app.screen, CommandPalette) and isinstance(app.focused, CommandInput)
            ),
            "the command palette",
        )
        await pilot.press(*"rollout: hold")
        await until(pilot, lambda: palette_searched(app, "rollout: hold"), "the palette's hits")
        await pilot.press("enter")
        await until(
            pilot,
            lambda: isinstance(app.screen, RolloutScreen) and view(app).last_result is not None,
            "the hold from the palette",
        )
        assert "no rollout" in view(app).last_result.message  # said, in the operator's words


@pytest.mark.sandbox
async def test_a_split_alias_is_drift_that_f_fixes_in_the_rollback_dialog(world, tmp_path):
    from todotui.ui.actions import ActionDialog

    box = world
    stable = alias(box)["FunctionVersion"]
    other = max((v for v in published_versions(box) if v != stable), key=int)
    box.client("lambda").update_alias(
        FunctionName=box.names.function_name,
        Name=box.names.alias,
        RoutingConfig={"AdditionalVersionWeights": {other: 0.3}},
    )
    app = cockpit(box, SimClock(box), tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await first_refresh(pilot, app)
        await pilot.press("b")
        await until(pilot, lambda: isinstance(app.screen, RolloutScreen), "the rollout view")
        screen = view(app)
        await until(pilot, lambda: bool(app.core.rollouts.drift), "the drift")
        await pilot.pause(0.2)
        drift = screen.query_one("#drift", Static)
        assert drift.display and "with no rollout running" in str(drift.render())
        assert f"send all traffic to version {stable}" in str(drift.render())
        await pilot.press("f")
        await until(pilot, lambda: isinstance(app.screen, ActionDialog), "the rollback dialog")
        dialog = app.screen
        assert isinstance(dialog, ActionDialog) and dialog.info.id == "rollback"
        await until(pilot, lambda: dialog.form is not None, "the fields")
        assert dialog.form.values()["version"] == stable  # prefilled with the primary


@pytest.mark.sandbox
async def test_a_countdown_that_runs_out_aborts_and_the_view_says_so(world, tmp_path):
    box = world
    stable = alias(box)["FunctionVersion"]
    box.set_scenario("bad-deploy")
    box.tick(1)
    restore_alias(box, stable)
    clock = SimClock(box)
    app = cockpit(box, clock, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await first_refresh(pilot, app)
        await pilot.press("b")
        await until(pilot, lambda: isinstance(app.screen, RolloutScreen), "the rollout view")
        screen = view(app)
        await start_with_keys(pilot, app)
        clock.tick()
        await refresh(pilot, app)
        pending = current(app).pending_abort
        assert pending is not None
        clock.now = pending.due_at - timedelta(seconds=5)
        await until(pilot, lambda: "ABORTING IN 5s" in text(screen, "#abort-banner"), "5s left")
        # Nobody holds it: when it is due the view asks for a refresh, whose tick aborts.
        clock.now = pending.due_at
        await until(pilot, lambda: current(app).phase is Phase.ABORTED, "the automatic abort")
        assert alias(box)["FunctionVersion"] == stable and not weights(box)
        await until(
            pilot, lambda: "aborted by the controller" in text(screen, "#rollout-status"), "said"
        )
        assert not screen.query_one("#abort-banner").display


@pytest.mark.sandbox
async def test_pause_resume_and_promote_with_the_keys(world, tmp_path):
    box = world
    clock = SimClock(box)
    app = cockpit(box, clock, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await first_refresh(pilot, app)
        await pilot.press("b")
        await until(pilot, lambda: isinstance(app.screen, RolloutScreen), "the rollout view")
        screen = view(app)
        start = await start_with_keys(pilot, app)
        candidate = start.candidate
        clock.tick()
        await refresh(pilot, app)

        await pilot.press("space")
        await until(pilot, lambda: current(app).phase is Phase.PAUSED and not screen.busy, "pause")
        assert "rollout paused" in text(screen, "#rollout-status")
        assert "PAUSED" in str(screen.query_one("#rollout-title").render())
        await pilot.press("space")
        await until(
            pilot, lambda: current(app).phase is Phase.PROGRESSING and not screen.busy, "resume"
        )

        await pilot.press("P")  # promote fully asks first; n keeps the plan
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        await pilot.press("n")
        assert isinstance(app.screen, RolloutScreen) and current(app).phase is Phase.PROGRESSING

        await pilot.press("p")  # past the pause: the next step is the promotion
        await until(pilot, lambda: current(app).phase is Phase.PROMOTED and not screen.busy, "p")
        now = alias(box)
        assert now["FunctionVersion"] == candidate and not weights(box)
        assert "PROMOTED" in str(screen.query_one("#rollout-title").render())
        assert all(line.startswith("✔") for line in text(screen, "#plan").splitlines())


@pytest.mark.sandbox
async def test_a_good_deploy_is_promoted_and_a_restarted_cockpit_picks_it_up(world, tmp_path):
    """Started with the keys, the cockpit quits mid-canary; a new one (same journal, same
    record) shows the rollout where it stands and drives it to promotion."""
    box = world
    box.set_scenario("good-deploy")  # publishes the healthy candidate as the newest version
    box.tick()
    clock = SimClock(box)
    app = cockpit(box, clock, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await first_refresh(pilot, app)
        await pilot.press("b")
        await until(pilot, lambda: isinstance(app.screen, RolloutScreen), "the rollout view")
        await until(pilot, lambda: view(app).published is not None, "the published versions")
        await start_with_keys(pilot, app)
        first = current(app)
        for _ in range(2):
            clock.tick()
            await refresh(pilot, app)
        assert current(app).phase is Phase.PROGRESSING
    assert weights(box) == {first.candidate: pytest.approx(0.1)}, "the canary outlives the app"

    again = cockpit(box, clock, tmp_path)
    async with again.run_test(size=SIZE) as pilot:
        await first_refresh(pilot, again)
        await pilot.press("b")
        await until(pilot, lambda: isinstance(again.screen, RolloutScreen), "the rollout view")
        await refresh(pilot, again)
        picked = current(again)
        assert picked.id == first.id and again.core.rollouts.driving
        assert "PROGRESSING" in str(view(again).query_one("#rollout-title").render())
        assert "step 2/3" in text(view(again), "#header")
        for _ in range(8):
            if current(again).phase is Phase.PROMOTED:
                break
            clock.tick()
            await refresh(pilot, again)
        assert current(again).phase is Phase.PROMOTED, current(again).events
        now = alias(box)
        assert now["FunctionVersion"] == first.candidate and not weights(box)
        assert "PROMOTED" in str(view(again).query_one("#rollout-title").render())
    restore_alias(box, first.stable)
