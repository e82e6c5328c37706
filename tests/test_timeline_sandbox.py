"""The incident timeline after a drill: a spike, the diagnosis's fix, the recovery, in order;
then `t` opens it and `e` writes the post-mortem draft naming the fix's `aws` command.

Runs the spike drill of test_drills.py (its helpers: the same keys, the same sandbox world),
then keeps ticking and refreshing until the panes are back to normal.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from support import SimClock, until
from test_drills import (  # noqa: F401  (box and world: the drills' sandbox fixtures)
    MAX_TICKS,
    SIZE,
    Operator,
    box,
    cockpit,
    confirm,
    first_alert,
    fix_from_the_feed,
    refresh,
    start,
    world,
)
from todotui.alerts.model import Severity
from todotui.reports.timeline import EventKind
from todotui.ui.screens import TimelineScreen
from todotui.ui.screens.timeline import EventDetailScreen, TimelineTable

pytestmark = pytest.mark.sandbox


async def test_spike_drill_timeline_and_postmortem(world, tmp_path):  # noqa: F811
    clock = SimClock(world)
    app = cockpit(world, clock, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        world.set_scenario("spike")
        first = await first_alert(pilot, app, clock)
        op = Operator(pilot, ticks_to_alert=first.ticks, ticks_waited=first.waited)
        dialog = await fix_from_the_feed(op, app)
        assert dialog.info.id == "dynamodb-capacity"
        cli = dialog.plan.cli
        await confirm(op, dialog)
        await pilot.press("escape")  # the dialog, showing its outcome
        await until(pilot, lambda: len(app.screen_stack) == 1, "back on the dashboard")

        recorder = app.core.timeline
        for _ in range(MAX_TICKS):
            clock.tick()
            await refresh(pilot, app)
            if recorder.health.recovered_at is not None and not any(
                s.cleared is None for s in recorder.causes
            ):
                break
        else:
            raise AssertionError("the panes never came back to normal after the fix")

        events = recorder.events()
        print("\n".join(f"{e.at:%H:%M:%S} {e.kind.value:<10} {e.title}" for e in events))
        times = [e.at for e in events]
        assert times == sorted(times)

        def index(what: str, pred) -> int:
            found = [i for i, e in enumerate(events) if pred(e)]
            assert found, f"no {what} in the timeline"
            return found[0]

        breach = index(
            "breach",
            lambda e: e.kind is EventKind.BREACH and e.severity in (Severity.WARN, Severity.CRIT),
        )
        diagnosis = index(
            "diagnosis",
            lambda e: e.kind is EventKind.DIAGNOSIS and e.subject == "DynamoDB throttling",
        )
        action = index(
            "action",
            lambda e: e.kind is EventKind.ACTION and e.subject == "dynamodb-capacity",
        )
        recovery = index(
            "recovery", lambda e: e.kind is EventKind.BREACH and e.severity is Severity.OK
        )
        cleared = index(
            "cause cleared",
            lambda e: e.kind is EventKind.DIAGNOSIS and e.severity is Severity.OK,
        )
        assert breach <= diagnosis < action < recovery, (breach, diagnosis, action, recovery)
        assert action < cleared
        assert events[action].severity is Severity.OK  # succeeded and verified

        impact = recorder.impact()
        assert impact.start is not None and impact.end is not None and not impact.ongoing
        figures = {f.label: f for f in impact.figures}
        throttled = figures["DynamoDB throttled requests"]
        assert throttled.value is not None and throttled.value > 0
        # the sandbox does not serve percentiles: said, never shown as 0
        assert figures["Peak p99 latency"].value is None
        assert "not fetched" in figures["Peak p99 latency"].missing

        # t opens the timeline, on the newest event; enter reads it; e writes the draft
        await pilot.press("t")
        await until(pilot, lambda: isinstance(app.screen, TimelineScreen), "the timeline")
        screen = app.screen
        assert isinstance(screen, TimelineScreen)
        table = screen.query_one(TimelineTable)
        assert table.current is not None and table.current == screen.events[-1]
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, EventDetailScreen), "the detail")
        await pilot.press("escape")
        await pilot.press("e")
        await until(pilot, lambda: screen.exported is not None, "the export")
        assert screen.exported is not None
        markdown = await asyncio.to_thread(Path(screen.exported).read_text, encoding="utf-8")
        print(markdown)
        assert screen.exported.startswith(str(app.core.export_dir))
        for line in cli:
            assert line in markdown, line
        assert "aws dynamodb update-table" in markdown
        assert "## Impact" in markdown and "## Open questions" in markdown
        assert "DynamoDB throttling" in markdown


async def test_bad_deploy_rollout_steps_and_alias_moves_on_the_timeline(world, tmp_path):  # noqa: F811
    """A canary of the bad version, aborted from the feed: the rollout's own steps, the alias's
    weights moving (and back), and the abort, in time order."""
    lam = world.client("lambda")
    names = world.names
    clock = SimClock(world)
    app = cockpit(world, clock, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        bad = world.set_scenario("bad-deploy")["stack"]["candidate_version"]
        stable = lam.get_alias(FunctionName=names.function_name, Name=names.alias)[
            "FunctionVersion"
        ]
        clock.tick()
        await refresh(pilot, app)
        started = await app.core.rollouts.start(bad, strategy="linear10-every-3m")
        assert started.ok, started.message
        await first_alert(pilot, app, clock)
        aborted = await app.core.rollouts.abort()
        assert aborted.ok, aborted.message
        for _ in range(2):
            clock.tick()
            await refresh(pilot, app)

        events = app.core.timeline.events()
        print("\n".join(f"{e.at:%H:%M:%S} {e.kind.value:<10} {e.title}" for e in events))
        assert [e.at for e in events] == sorted(e.at for e in events)
        rollout = [e for e in events if e.kind is EventKind.ROLLOUT]
        assert rollout[0].subject == "start" and rollout[-1].subject == "end"
        assert rollout[-1].severity is Severity.WARN  # aborted, not promoted
        deploys = [e for e in events if e.kind is EventKind.DEPLOY]
        assert any(f"version {bad} (" in e.title for e in deploys), "the canary's weight"
        assert deploys[-1].title.endswith(f"→ version {stable} (weights changed)")
        actions = [e for e in events if e.kind is EventKind.ACTION]
        assert actions and all(
            "rollout controller" in e.detail or "operator" in e.detail for e in actions
        )
        first_shift = next(e for e in deploys if f"version {bad} (" in e.title)
        assert rollout[0].at <= first_shift.at <= deploys[-1].at
