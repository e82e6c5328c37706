"""From a cause to its fix's values (with the arithmetic), and how each plan is confirmed.

Pure: hand-built evidence and plans; the drills (test_drills.py) play the same on the sandbox.
"""

from __future__ import annotations

from dataclasses import replace

from test_diagnosis import BAD_DEPLOY, FACTS, NOW, SPLIT, evidence, samples
from todotui.actions.confirmation import confirmation_for
from todotui.actions.model import Plan, Risk
from todotui.alerts.diagnosis import Cause, CauseKind
from todotui.alerts.remedy import ROLLOUT_ABORT, next_memory_step, suggest
from todotui.config import Suggestions

POLICY = Suggestions()
THROTTLING = Cause(
    CauseKind.DYNAMODB_THROTTLING, 0.9, "throttling", "dynamodb-capacity", "todos-table"
)


def ddb_series(
    consumed: list[float], throttled: list[float]
) -> dict[str, tuple[float | None, ...]]:
    """Per-period sums (60 s periods), with the newest (incomplete) period appended empty."""
    return {
        "ddb_consumed_rcu": (*(c * 60 for c in consumed), None),
        "ddb_read_throttles": (*(t * 60 for t in throttled), None),
        "ddb_consumed_wcu": (*(1.0 * 60 for _ in consumed), None),
        "ddb_write_throttles": (*(0.0 for _ in consumed), None),
    }


def test_capacity_is_peak_demand_times_headroom_rounded_up_and_the_quiet_side_kept() -> None:
    ev = evidence(series=ddb_series([5, 5, 5, 5], [30, 35, 20, 34]), series_start=NOW)
    fix = suggest(THROTTLING, ev, POLICY)
    assert (
        fix is not None and fix.action_id == "dynamodb-capacity" and fix.resource == "todos-table"
    )
    # Peak: 5 consumed + 35 throttled = 40 RCU/s; the ramp is not rising at the end.
    assert fix.values == {"table": "todos-table", "read": "60", "write": "5"}
    assert any("peak demand 40 RCU/s" in line for line in fix.arithmetic)
    assert any("40 x 1.5 headroom = 60" in line for line in fix.arithmetic)
    assert any("write: no throttling" in line for line in fix.arithmetic)


def test_a_ramp_still_rising_is_sized_for_where_it_goes() -> None:
    ev = evidence(series=ddb_series([2, 5, 5], [0, 2, 6]), series_start=NOW)
    fix = suggest(THROTTLING, ev, POLICY)
    assert fix is not None
    # 2 -> 7 -> 11 RCU/s: +4.5 a period, 10 periods ahead = 56; x 1.5 = 84.
    assert fix.values["read"] == "84"
    assert any("still rising" in line and "= 56" in line for line in fix.arithmetic)


def test_a_ceiling_cuts_the_value_and_says_so() -> None:
    ev = evidence(series=ddb_series([5], [2000]), series_start=NOW)
    fix = suggest(THROTTLING, ev, POLICY.model_copy(update={"capacity_ceiling": 500}))
    assert fix is not None and fix.capped and fix.values["read"] == "500"
    assert any("capped at 500" in line for line in fix.arithmetic)


def test_no_figures_to_size_from_is_no_suggestion_rather_than_a_guess() -> None:
    assert suggest(THROTTLING, evidence(), POLICY) is None  # no series: nothing made up
    on_demand = evidence(resources=replace(FACTS, billing_mode="PAY_PER_REQUEST"))
    assert suggest(THROTTLING, on_demand, POLICY) is None


def test_memory_goes_one_recommended_step_up_within_the_ceiling() -> None:
    assert next_memory_step(128) == 256 and next_memory_step(1024) == 1769
    cause = Cause(CauseKind.MEMORY_TIMEOUT, 0.8, "timeouts", "lambda-memory", "todo-handler")
    fix = suggest(cause, evidence(), POLICY)
    assert fix is not None and fix.values == {"memory_mb": "256"}
    capped = suggest(
        cause,
        evidence(resources=replace(FACTS, memory_mb=2048)),
        POLICY.model_copy(update={"memory_ceiling_mb": 2500}),
    )
    assert capped is not None and capped.values == {"memory_mb": "2500"} and capped.capped


def test_a_bad_version_rolls_back_to_the_healthy_one_or_aborts_its_rollout() -> None:
    cause = Cause(CauseKind.BAD_VERSION, 0.9, "v2 fails", "rollback", "todo-handler:2")
    ev = evidence(versions=BAD_DEPLOY, alias=SPLIT)
    fix = suggest(cause, ev, POLICY)
    assert fix is not None and fix.action_id == "rollback" and fix.restores
    assert fix.values == {"version": "1"} and fix.resource == "PROD"
    during = suggest(cause, ev, POLICY, rollout_candidate="2")
    assert during is not None and during.action_id == ROLLOUT_ABORT


def test_a_version_deployed_to_all_traffic_rolls_back_to_the_one_before() -> None:
    cause = Cause(CauseKind.BAD_VERSION, 0.8, "v3 fails", "rollback", "todo-handler:3")
    ev = evidence(
        versions=(samples("1", 2000, 1, 150), samples("3", 1000, 120, 160)),
        alias=replace(SPLIT, primary="3", additional=None, weight=0.0),
    )
    fix = suggest(cause, ev, POLICY)
    assert fix is not None and fix.values == {"version": "1"}


def plan(**changes: object) -> Plan:
    base: dict[str, object] = {
        "action_id": "dynamodb-capacity",
        "title": "Change DynamoDB capacity",
        "target": "dynamodb todos-table",
        "params": {},
        "before": (),
        "after": (),
        "effects": (),
        "cli": (),
        "risk": Risk.HIGH,
        "confirm_text": "todos-table",
        "undo_possible": True,
        "values": (("table", "todos-table"), ("read", "60"), ("write", "5")),
    }
    base.update(changes)
    return Plan(**base)  # type: ignore[arg-type]


def test_the_suggested_change_to_the_named_resource_confirms_with_a_key() -> None:
    ev = evidence(series=ddb_series([5, 5, 5, 5], [30, 35, 20, 34]), series_start=NOW)
    fix = suggest(THROTTLING, ev, POLICY)
    assert fix is not None
    by = confirmation_for(plan(), suggestion=fix)
    assert not by.typed and "the resource the evidence names" in by.why


def test_another_value_or_resource_than_suggested_keeps_the_typed_name() -> None:
    ev = evidence(series=ddb_series([5, 5, 5, 5], [30, 35, 20, 34]), series_start=NOW)
    fix = suggest(THROTTLING, ev, POLICY)
    assert fix is not None
    bigger = plan(values=(("table", "todos-table"), ("read", "600"), ("write", "5")))
    assert confirmation_for(bigger, suggestion=fix).typed
    elsewhere = plan(confirm_text="todos-audit", values=fix_values_for("todos-audit"))
    by = confirmation_for(elsewhere, suggestion=fix)
    assert by.typed and "not todos-table" in by.why


def fix_values_for(table: str) -> tuple[tuple[str, str], ...]:
    return (("table", table), ("read", "60"), ("write", "5"))


def test_what_cannot_be_given_back_is_typed_even_as_an_undo() -> None:
    decrease = plan(risk=Risk.DESTRUCTIVE, irreversible="a decrease spends one of today's")
    assert confirmation_for(decrease, undo=True).typed
    restore = plan(action_id="rollback", risk=Risk.DESTRUCTIVE, confirm_text="PROD")
    assert not confirmation_for(restore, undo=True).typed  # an undo restores a known state
    assert confirmation_for(restore).typed  # the same change, unasked for by any evidence
    assert not confirmation_for(plan(risk=Risk.LOW)).typed
