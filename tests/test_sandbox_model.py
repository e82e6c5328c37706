"""The traffic model's rules, each as an operator would notice it on a dashboard."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from todotui.sandbox.model import StackState, TableState, TickOutcome, simulate
from todotui.sandbox.scenarios import ATTACKER, SCENARIOS, Scenario, Traffic, scenario_named

AT = datetime(2025, 11, 26, 14, 0, tzinfo=UTC)
BASE = StackState(
    table=TableState("todos-table", "PROVISIONED", 5, 5),
    audit_table=TableState("todos-audit", "PAY_PER_REQUEST", None, None),
    primary_version="1",
)


def run(
    state: StackState = BASE,
    scenario: str = "steady",
    *,
    ticks: int = 6,
    seed: int = 1,
    bad_version: str | None = None,
    period: float = 60.0,
) -> TickOutcome:
    """The last of `ticks` periods of `scenario` (so any ramp has completed)."""
    rng = random.Random(seed)
    traffic = SCENARIOS[scenario].traffic
    previous = 0.0
    outcome = None
    for tick in range(ticks):
        outcome = simulate(
            state,
            traffic,
            at=AT,
            period=period,
            rng=rng,
            ticks_in_scenario=tick,
            bad_version=bad_version,
            previous_concurrency=previous,
        )
        previous = outcome.function.on_demand_concurrency
    assert outcome is not None
    return outcome


def error_rate(outcome: TickOutcome) -> float:
    return outcome.function.errors / outcome.function.invocations


def test_steady_is_a_calm_weekday():
    outcome = run()
    assert 20 <= outcome.request_rate <= 40
    assert error_rate(outcome) < 0.005
    assert 100 <= outcome.function.duration.average <= 140
    main = outcome.tables[0]
    assert main.throttled_requests == 0
    assert main.consumed_read / 60 < 5 * 0.8 and main.consumed_write / 60 < 5 * 0.8


def test_spike_is_tenfold_and_the_small_table_throttles_hard():
    steady, spike = run(), run(scenario="spike")
    assert 8 <= spike.request_rate / steady.request_rate <= 12
    main = spike.tables[0]
    assert main.read_throttle_events > 0 and main.write_throttle_events > 0
    assert error_rate(spike) > 0.15
    assert spike.api.errors_5xx >= spike.function.errors
    assert spike.function.concurrency_avg > 5 * steady.function.concurrency_avg


def test_spike_ramps_in_over_a_few_ticks():
    rates = []
    rng = random.Random(3)
    for tick in range(5):
        o = simulate(
            BASE, SCENARIOS["spike"].traffic, at=AT, period=60, rng=rng, ticks_in_scenario=tick
        )
        rates.append(o.request_rate)
    assert rates[0] < rates[1] < rates[2] < rates[3]


def test_raising_capacity_ends_throttling():
    bigger = replace(BASE, table=TableState("todos-table", "PROVISIONED", 100, 100))
    outcome = run(bigger, "spike")
    assert outcome.tables[0].throttled_requests == 0
    assert error_rate(outcome) < 0.005


def test_pay_per_request_never_throttles():
    on_demand = replace(BASE, table=TableState("todos-table", "PAY_PER_REQUEST", None, None))
    outcome = run(on_demand, "spike")
    assert outcome.tables[0].throttled_requests == 0
    assert outcome.tables[1].throttled_requests == 0
    assert outcome.tables[0].provisioned_read is None


def test_consumption_never_exceeds_provisioned_capacity():
    main = run(scenario="spike").tables[0]
    assert main.consumed_read <= 5 * 60 + 0.5 and main.consumed_write <= 5 * 60 + 1


def test_raising_memory_lowers_duration():
    small = run()
    large = run(replace(BASE, memory_mb=1024))
    assert large.function.duration.average < small.function.duration.average / 3


def test_concurrency_follows_littles_law():
    outcome = run()
    f = outcome.function
    expected = f.invocations / 60 * f.duration.average / 1000
    assert f.concurrency_avg == pytest.approx(expected, rel=0.01)


def test_reserved_concurrency_throttles_the_excess():
    capped = replace(
        BASE, reserved_concurrency=10, table=TableState("todos-table", "PROVISIONED", 100, 100)
    )
    outcome = run(capped, "spike")
    assert outcome.function.throttles > 0
    assert outcome.function.concurrency_max == 10
    assert outcome.api.errors_5xx >= outcome.function.throttles


def test_ready_provisioned_concurrency_removes_cold_starts():
    cold = run(scenario="spike", ticks=2)
    warm = run(replace(BASE, provisioned_ready={"PROD": 200}), "spike", ticks=2)
    assert cold.function.cold_starts > 0
    assert warm.function.cold_starts == 0
    (pc,) = warm.function.provisioned
    assert pc.qualifier == "PROD" and 0 < pc.utilization <= 1 and pc.spillover_invocations == 0


def test_too_little_provisioned_concurrency_spills_over():
    outcome = run(replace(BASE, provisioned_ready={"PROD": 1}), "spike")
    (pc,) = outcome.function.provisioned
    assert pc.utilization == 1.0 and pc.spillover_invocations > 0


def test_caching_cuts_invocations_and_latency():
    plain = run()
    cached = run(replace(BASE, cache_enabled=True, cache_size_gb=0.5, cache_ttl_s=300))
    assert cached.function.invocations < plain.function.invocations * 0.7
    assert cached.api.cache_hits > 0 and cached.api.cache_misses > 0
    assert plain.api.cache_hits is None
    assert cached.api.latency.average < plain.api.latency.average
    assert cached.api.count == pytest.approx(plain.api.count, rel=0.1)


def test_alias_routing_splits_by_executed_version_weights():
    routed = replace(BASE, additional_version="2", additional_weight=0.3)
    outcome = run(routed)
    by_version = {v.version: v for v in outcome.function.versions}
    assert set(by_version) == {"1", "2"}
    share = by_version["2"].invocations / outcome.function.invocations
    assert 0.25 <= share <= 0.35
    assert sum(v.invocations for v in by_version.values()) == outcome.function.invocations


def test_bad_version_fails_and_is_slow_for_its_share_only():
    routed = replace(BASE, additional_version="2", additional_weight=0.2)
    outcome = run(routed, "bad-deploy", bad_version="2")
    by_version = {v.version: v for v in outcome.function.versions}
    bad, good = by_version["2"], by_version["1"]
    assert bad.errors / bad.invocations > 0.25
    assert good.errors / good.invocations < 0.01
    assert bad.duration.average > good.duration.average + 2000
    assert outcome.function.error_kinds["bad-version"] > 0


def test_rolling_back_removes_the_bad_versions_traffic():
    outcome = run(BASE, "bad-deploy", bad_version="2")
    assert [v.version for v in outcome.function.versions] == ["1"]
    assert error_rate(outcome) < 0.01


def test_error_burst_raises_errors_and_5xx():
    outcome = run(scenario="error-burst")
    assert 0.08 <= error_rate(outcome) <= 0.16
    assert (
        outcome.function.error_kinds["exception"]
        == outcome.function.errors - outcome.function.error_kinds["throttled"]
    )
    assert outcome.api.errors_5xx / outcome.api.count > 0.04


def test_slow_dependency_adds_latency_without_errors():
    outcome = run(scenario="slow-dependency")
    assert outcome.function.duration.average > 8000
    assert error_rate(outcome) < 0.005
    assert outcome.api.latency.average > 8000


def test_auth_attack_is_4xx_from_one_user_until_disabled():
    attack = run(scenario="auth-attack")
    assert attack.sign_ins.attacker == ATTACKER
    assert attack.sign_ins.attacker_failed > 1000
    assert attack.api.errors_4xx / attack.api.count > 0.3
    assert error_rate(attack) < 0.005  # failed sign-ins are answers, not Lambda errors
    stopped = run(replace(BASE, disabled_users=frozenset({ATTACKER})), "auth-attack")
    assert stopped.sign_ins.attacker_failed == 0
    assert stopped.api.errors_4xx / stopped.api.count < 0.02


def test_timeouts_when_duration_exceeds_the_function_timeout():
    outcome = run(replace(BASE, timeout_s=3.0), "slow-dependency")
    assert outcome.function.error_kinds["timeout"] > 0.9 * outcome.function.invocations
    assert outcome.function.duration.maximum == 3000


def test_same_seed_same_figures_and_different_seed_differs():
    assert run(seed=5) == run(seed=5)
    assert run(seed=5) != run(seed=6)


def test_scenario_catalogue_still_answers_by_name():
    assert scenario_named("spike").traffic.rate_multiplier == 10
    assert Scenario("x", "y").traffic == Traffic()
    with pytest.raises(ValueError, match="steady, spike, error-burst"):
        scenario_named("nope")
    assert all(s.summary for s in SCENARIOS.values())
