"""The traffic model's rules, each as an operator would notice it on a dashboard."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from todotui.sandbox.model import (
    StackState,
    TableState,
    TickOutcome,
    VersionFigures,
    binomial,
    simulate,
)
from todotui.sandbox.scenarios import (
    ATTACKER,
    BAD_CANDIDATE,
    GOOD_CANDIDATE,
    SCENARIOS,
    SUBTLE_CANDIDATE,
    VALIDATION_CANDIDATE,
    Scenario,
    Traffic,
    scenario_named,
)

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
            previous_concurrency=previous,
        )
        previous = outcome.function.on_demand_concurrency
    assert outcome is not None
    return outcome


def error_rate(outcome: TickOutcome) -> float:
    return outcome.function.errors / outcome.function.invocations


def by_version(outcome: TickOutcome) -> dict[str, VersionFigures]:
    return {v.version: v for v in outcome.function.versions}


def split_to(candidate, weight: float, state: StackState = BASE) -> StackState:
    """`state` with version 2 running `candidate`'s code and `weight` of the alias on it."""
    return replace(
        state,
        additional_version="2",
        additional_weight=weight,
        candidate_code={"2": candidate} if candidate else {},
    )


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


def test_the_observed_share_is_a_noisy_draw_from_the_weight():
    """Routing is per invocation: at a few requests a minute the share wanders far from 10%."""
    quiet = Traffic(base_rps=0.5)
    shares = []
    for seed in range(40):
        rng = random.Random(seed)
        outcome = simulate(split_to(None, 0.1), quiet, at=AT, period=60, rng=rng)
        versions = by_version(outcome)
        if outcome.function.invocations:
            shares.append(versions["2"].invocations / outcome.function.invocations)
    assert 0.05 < sum(shares) / len(shares) < 0.15  # right on average
    assert len(set(shares)) > 5  # but never the same twice
    assert min(shares) <= 0.05 and max(shares) >= 0.15  # and far off in single periods


def test_binomial_draws_have_the_binomial_mean_and_spread():
    rng = random.Random(4)
    for trials, p in ((30, 0.1), (5000, 0.001), (20000, 0.2), (200, 0.9)):
        draws = [binomial(trials, p, rng) for _ in range(3000)]
        mean = sum(draws) / len(draws)
        variance = sum((d - mean) ** 2 for d in draws) / len(draws)
        assert mean == pytest.approx(trials * p, rel=0.05, abs=0.1)
        assert variance == pytest.approx(trials * p * (1 - p), rel=0.15)
        assert all(0 <= d <= trials for d in draws)
    assert binomial(10, 0.0, rng) == 0 and binomial(10, 1.0, rng) == 10


def test_the_bad_candidate_fails_and_is_slow_for_its_share_only():
    outcome = run(split_to(BAD_CANDIDATE, 0.2), "bad-deploy")
    bad, good = by_version(outcome)["2"], by_version(outcome)["1"]
    assert bad.candidate is BAD_CANDIDATE and good.candidate is None
    assert 0.15 <= bad.invocations / outcome.function.invocations <= 0.25
    assert 0.28 <= bad.errors / bad.invocations <= 0.42
    assert good.errors / good.invocations < 0.01
    assert bad.duration.average > good.duration.average + 2000
    assert bad.p99_ms > 3000 and good.p99_ms < 400
    assert outcome.function.error_kinds["candidate"] == bad.errors - (
        outcome.function.error_kinds["exception"] - good.errors
    )


def test_behaviour_follows_the_code_not_the_scenario():
    """The bad code is bad under any traffic, on any version number, even as the primary."""
    steady_split = run(split_to(BAD_CANDIDATE, 0.2), "steady")
    assert by_version(steady_split)["2"].errors > 0.25 * by_version(steady_split)["2"].invocations
    promoted = run(replace(BASE, primary_version="7", candidate_code={"7": BAD_CANDIDATE}))
    assert 0.28 <= error_rate(promoted) <= 0.42
    published_not_routed = run(replace(BASE, candidate_code={"2": BAD_CANDIDATE}), "bad-deploy")
    assert [v.version for v in published_not_routed.function.versions] == ["1"]
    assert error_rate(published_not_routed) < 0.01


def test_zero_weight_sends_the_candidate_nothing():
    outcome = run(split_to(BAD_CANDIDATE, 0.0), "bad-deploy")
    assert [v.version for v in outcome.function.versions] == ["1"]
    assert error_rate(outcome) < 0.01


def test_the_good_candidate_is_as_reliable_and_no_slower():
    outcome = run(split_to(GOOD_CANDIDATE, 0.5), "good-deploy")
    good, stable = by_version(outcome)["2"], by_version(outcome)["1"]
    assert good.errors / good.invocations < 0.01 and stable.errors / stable.invocations < 0.01
    assert 0.9 * stable.duration.average <= good.duration.average <= stable.duration.average
    assert good.p99_ms <= stable.p99_ms


def test_the_subtle_regression_passes_absolute_thresholds_but_not_a_comparison():
    outcome = run(split_to(SUBTLE_CANDIDATE, 0.5), "subtle-regression")
    subtle, stable = by_version(outcome)["2"], by_version(outcome)["1"]
    assert 1.25 <= subtle.duration.average / stable.duration.average <= 1.35
    assert 1.28 <= subtle.p99_ms / stable.p99_ms <= 1.38
    assert subtle.duration.average < 2000 and subtle.p99_ms < 3000  # the rollout defaults pass
    assert subtle.errors / subtle.invocations < 0.01  # errs no more than stable
    assert abs(subtle.errors / subtle.invocations - stable.errors / stable.invocations) < 0.005


def test_concurrency_throttles_are_split_across_versions_by_their_share():
    state = split_to(GOOD_CANDIDATE, 0.3, replace(BASE, reserved_concurrency=2))
    outcome = run(state, "spike")
    versions = by_version(outcome)
    assert outcome.function.throttles > 1000
    assert sum(v.throttles for v in versions.values()) == outcome.function.throttles
    assert 0.25 <= versions["2"].throttles / outcome.function.throttles <= 0.35


def test_error_burst_is_a_failing_version_on_all_traffic():
    """error-burst deploys the validation rewrite to all traffic: the version that runs it
    fails about one in eight with the 'validation' kind; the stable code, under the same
    scenario, errs as on a calm weekday (rolling back is the fix)."""
    deployed = replace(BASE, primary_version="2", candidate_code={"2": VALIDATION_CANDIDATE})
    outcome = run(deployed, "error-burst")
    assert 0.08 <= error_rate(outcome) <= 0.16
    kinds = outcome.function.error_kinds
    assert kinds["validation"] > 0.9 * (outcome.function.errors - kinds["throttled"])
    assert outcome.api.errors_5xx / outcome.api.count > 0.04
    assert [v.version for v in outcome.function.versions] == ["2"]
    rolled_back = run(BASE, "error-burst")
    assert error_rate(rolled_back) < 0.01


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
