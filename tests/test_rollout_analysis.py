"""The rollout judge: what an operator reads when a candidate is passed, held or aborted.

Pure unit tests on hand-built samples: each asserts the verdict and the words on screen
(metric, value, threshold, window), since a verdict nobody can explain gets overridden.
"""

from __future__ import annotations

import math
import random
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from todotui.config import Rollouts
from todotui.rollout.analysis import (
    AnalysisRun,
    RuleVerdict,
    Verdict,
    analyse,
    compare_latency,
    observed_share,
)
from todotui.telemetry.versions import VersionPeriod, VersionSamples

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)
SETTINGS = Rollouts()  # 5% errors, p99 3000 ms, average 2000 ms, margin 1 pt, 10%, 0.98, 5, 20


def version(
    name: str,
    averages: list[float],
    *,
    calls: float = 200,
    errors: float = 1,
    p99s: list[float] | None = None,
) -> VersionSamples:
    """One version's periods, a minute apart from 12:01: one period per average given."""
    periods = tuple(
        VersionPeriod(
            start=T0 + (i + 1) * MIN,
            invocations=calls,
            errors=errors,
            duration_avg=avg,
            duration_p99=p99s[i] if p99s is not None else None,
        )
        for i, avg in enumerate(averages)
    )
    return VersionSamples(version=name, periods=periods, percentiles=p99s is not None)


def noisy(centre: float, count: int, seed: int) -> list[float]:
    rng = random.Random(seed)
    return [centre * rng.uniform(0.9, 1.1) for _ in range(count)]


def judge(candidate: VersionSamples, stable: VersionSamples, **overrides: object) -> AnalysisRun:
    settings = SETTINGS.model_copy(update=overrides) if overrides else SETTINGS
    return analyse(
        candidate,
        stable,
        settings,
        at=T0 + 7 * MIN,
        window_start=T0 + MIN,
        window_end=T0 + 6 * MIN,
    )


def rule(run: AnalysisRun, rule_id: str) -> RuleVerdict:
    (found,) = [v for v in run.verdicts if v.rule == rule_id]
    return found


# --- absolute rules ---------------------------------------------------------------------------


def test_a_candidate_failing_a_third_of_its_calls_fails_critically_and_says_why():
    stable = version("1", noisy(200, 6, seed=1))
    bad = version("2", noisy(200, 6, seed=2), errors=70)  # 70 of 200 per minute: 35%

    run = judge(bad, stable)

    errors = rule(run, "candidate-errors")
    assert errors.verdict is Verdict.FAIL and errors.critical
    assert errors.value == pytest.approx(35.0)
    assert errors.threshold == 5.0
    assert errors.reason.startswith("candidate error % 35.0% > limit 5.0% over 12:01-12:06")
    assert "1,200 invocations" in errors.reason
    assert run.verdict is Verdict.FAIL and run.critical
    # The relative rule fails too, but it never spends the budget on its own.
    relative = rule(run, "errors-vs-stable")
    assert relative.verdict is Verdict.FAIL and not relative.critical
    assert "stable 0.5% + margin 1 pt = 1.5%" in relative.reason
    assert run.summary().startswith("fail: candidate error % 35.0% > 5.0%; error % vs stable")


def test_the_p99_is_judged_when_the_endpoint_answers_percentiles():
    stable = version("1", [200] * 6, p99s=[900] * 6)
    slow_tail = version("2", [300] * 6, p99s=[800, 900, 3500, 900, 800, 900])

    latency = rule(judge(slow_tail, stable), "candidate-latency")

    assert latency.verdict is Verdict.FAIL and latency.critical
    assert latency.metric == "p99 duration" and latency.title == "candidate p99"
    assert latency.value == 3500 and latency.threshold == 3000
    assert latency.reason.startswith("candidate p99 3,500ms > limit 3,000ms over 12:01-12:06")
    assert "worst of 6 periods" in latency.reason


def test_without_percentiles_the_average_is_judged_and_the_reason_says_so():
    stable = version("1", [200] * 6)
    candidate = version("2", [300] * 6)

    latency = rule(judge(candidate, stable), "candidate-latency")

    assert latency.verdict is Verdict.PASS
    assert latency.metric == "average duration" and latency.title == "candidate average"
    assert latency.threshold == 2000
    assert "candidate average 300ms ≤ limit 2,000ms over 12:01-12:06" in latency.reason
    assert "p99 not available from this endpoint: judged the average instead" in latency.reason

    too_slow = rule(judge(version("2", [2500] * 6), stable), "candidate-latency")
    assert too_slow.verdict is Verdict.FAIL and too_slow.critical
    assert "2,500ms > limit 2,000ms" in too_slow.reason


def test_percentiles_asked_for_but_none_answered_falls_back_to_the_average():
    candidate = VersionSamples(
        "2",
        tuple(
            VersionPeriod(T0 + i * MIN, invocations=200, errors=0, duration_avg=250.0)
            for i in range(6)
        ),
        percentiles=True,
    )
    latency = rule(judge(candidate, version("1", [200] * 6)), "candidate-latency")
    assert latency.verdict is Verdict.PASS and latency.metric == "average duration"
    assert "no p99 datapoints in the window: judged the average instead" in latency.reason


def test_a_few_invocations_with_errors_is_inconclusive_not_a_failure():
    stable = version("1", [200] * 6)
    trickle = version("2", [200], calls=10, errors=5)  # 50%, but only 10 calls

    run = judge(trickle, stable)

    errors = rule(run, "candidate-errors")
    assert errors.verdict is Verdict.INCONCLUSIVE and not errors.critical
    assert "too few invocations: candidate ran 10, need 20" in errors.reason
    assert "never a pass" in errors.reason
    assert run.verdict is Verdict.INCONCLUSIVE and not run.critical


# --- the comparison with stable -----------------------------------------------------------------


def test_a_subtle_latency_regression_fails_only_the_comparison_with_stable():
    stable = version("1", noisy(200, 12, seed=3))
    candidate = version("2", noisy(260, 12, seed=4))  # ~30% slower, far under 2000 ms

    run = judge(candidate, stable)

    assert rule(run, "candidate-errors").verdict is Verdict.PASS
    assert rule(run, "candidate-latency").verdict is Verdict.PASS
    assert rule(run, "errors-vs-stable").verdict is Verdict.PASS
    latency = rule(run, "latency-vs-stable")
    assert latency.verdict is Verdict.FAIL and not latency.critical
    assert latency.metric == "median average change %"
    assert latency.value is not None and 20 < latency.value < 40
    assert latency.threshold == 10
    assert latency.reason.startswith("candidate slower: median average ")
    for words in ("vs stable", "tolerance 10%", "< 0.02", "98% confidence", "12 vs 12 periods"):
        assert words in latency.reason
    assert latency.reason.endswith("over 12:01-12:06")
    assert run.verdict is Verdict.FAIL and not run.critical  # budget spent one step at a time
    assert [v.rule for v in run.failed] == ["latency-vs-stable"]
    assert run.summary().startswith("fail: latency vs stable (Mann-Whitney U) +")
    assert ";" not in run.summary()


def test_the_comparison_uses_per_period_p99_when_both_versions_have_it():
    stable = version("1", [200] * 12, p99s=noisy(800, 12, seed=5))
    candidate = version("2", [200] * 12, p99s=noisy(1100, 12, seed=6))  # tail only

    latency = rule(judge(candidate, stable), "latency-vs-stable")

    assert latency.verdict is Verdict.FAIL
    assert latency.metric == "median p99 change %"
    assert "median p99" in latency.reason


def test_a_healthy_candidate_passes_all_four_rules():
    stable = version("1", noisy(200, 12, seed=7))
    candidate = version("2", noisy(200, 12, seed=8))

    run = judge(candidate, stable)

    assert [(v.rule, v.verdict) for v in run.verdicts] == [
        ("candidate-errors", Verdict.PASS),
        ("candidate-latency", Verdict.PASS),
        ("errors-vs-stable", Verdict.PASS),
        ("latency-vs-stable", Verdict.PASS),
    ]
    assert run.verdict is Verdict.PASS and not run.failed and not run.critical
    assert run.summary() == "pass: 4 rules"
    assert rule(run, "candidate-errors").reason.startswith(
        "candidate error % 0.5% ≤ limit 5.0% over 12:01-12:06"
    )


def test_too_few_periods_is_inconclusive_and_never_a_pass():
    stable = version("1", [200, 210, 190])
    candidate = version("2", [200, 205, 195])  # plenty of calls, only 3 periods each

    run = judge(candidate, stable)

    latency = rule(run, "latency-vs-stable")
    assert latency.verdict is Verdict.INCONCLUSIVE
    assert latency.reason.startswith("too few samples: candidate 3 periods, stable 3, need 5")
    assert "never a pass" in latency.reason
    assert run.verdict is Verdict.INCONCLUSIVE  # the other three pass; still not a pass
    assert run.summary() == (
        "inconclusive: latency vs stable (Mann-Whitney U) (3 and 3 of 5 periods)"
    )


def test_no_candidate_data_is_inconclusive_on_every_rule():
    run = judge(VersionSamples("2"), version("1", [200] * 6))

    assert {v.verdict for v in run.verdicts} == {Verdict.INCONCLUSIVE}
    assert run.verdict is Verdict.INCONCLUSIVE and not run.critical
    assert "candidate ran no invocations over 12:01-12:06" in rule(run, "candidate-errors").reason
    assert "no data is never a pass" in rule(run, "candidate-latency").reason
    assert "candidate ran no invocations in the window" in rule(run, "latency-vs-stable").reason
    assert rule(run, "candidate-errors").value is None


def test_stable_with_no_data_leaves_the_comparisons_inconclusive():
    run = judge(version("2", noisy(200, 6, seed=9)), VersionSamples("1"))

    assert rule(run, "candidate-errors").verdict is Verdict.PASS
    assert rule(run, "candidate-latency").verdict is Verdict.PASS
    for rule_id in ("errors-vs-stable", "latency-vs-stable"):
        verdict = rule(run, rule_id)
        assert verdict.verdict is Verdict.INCONCLUSIVE
        assert verdict.reason.startswith("stable ran no invocations in the window (12:01-12:06")
    assert run.verdict is Verdict.INCONCLUSIVE


def test_missing_and_nan_datapoints_are_ignored_not_judged_as_zero():
    nan = math.nan
    candidate = VersionSamples(
        "2",
        (
            *version("2", [200] * 6).periods,
            VersionPeriod(T0 + 7 * MIN, invocations=nan, errors=nan, duration_avg=nan),
            VersionPeriod(T0 + 8 * MIN),  # no datapoints at all
        ),
    )
    run = judge(candidate, version("1", [200] * 6))

    errors = rule(run, "candidate-errors")
    assert errors.verdict is Verdict.PASS and errors.value == pytest.approx(0.5)
    assert rule(run, "candidate-latency").value == pytest.approx(200)
    assert rule(run, "latency-vs-stable").verdict is Verdict.PASS
    assert "nan" not in run.summary().lower()


def test_identical_latency_gives_p_value_one_and_passes():
    same = [200.0] * 8
    result = compare_latency(same, same, confidence=0.98, tolerance_pct=10, min_samples=5)
    assert result.p_value == 1.0 and result.effect_pct == 0.0 and not result.significant
    assert result.samples == (8, 8)

    latency = rule(judge(version("2", same), version("1", same)), "latency-vs-stable")
    assert latency.verdict is Verdict.PASS
    assert latency.reason.startswith("not slower: median average 200ms vs stable 200ms (+0.0%")
    assert "p=1 ≥ 0.02" in latency.reason


def test_a_significant_but_small_slowdown_is_within_tolerance():
    stable = noisy(200, 40, seed=10)
    candidate = [v * 1.04 for v in stable]  # consistently 4% slower
    result = compare_latency(candidate, stable, confidence=0.98, tolerance_pct=10, min_samples=5)
    assert result.p_value is not None and result.p_value < 0.5
    assert result.effect_pct == pytest.approx(4.0)
    assert not result.significant


def test_too_few_values_are_not_tested_at_all():
    result = compare_latency(
        [300.0, 310.0, None, math.nan],
        [200.0] * 9,
        confidence=0.98,
        tolerance_pct=10,
        min_samples=5,
    )
    assert result.p_value is None and not result.significant
    assert result.samples == (2, 9)
    assert result.effect_pct == pytest.approx(52.5)


# --- configured against observed share ------------------------------------------------------


def test_an_observed_share_inside_the_interval_agrees_with_the_weight():
    share = observed_share(30, 270, 0.10)
    assert share is not None
    assert share.observed == pytest.approx(0.10) and share.invocations == 300
    assert share.low < 0.10 < share.high
    assert not share.disagrees
    assert share.describe().startswith("set 10% · observed 10.0% (")
    assert "95%, 300 calls)" in share.describe() and "disagrees" not in share.describe()


def test_half_the_traffic_on_a_ten_percent_weight_disagrees_and_says_so():
    share = observed_share(150, 150, 0.10)
    assert share is not None and share.disagrees
    assert share.describe().startswith("set 10% · observed 50.0% (")
    assert share.describe().endswith("· disagrees with the setting")


def test_the_interval_is_wilsons():
    share = observed_share(27, 285, 0.10)
    assert share is not None
    from scipy.stats import binomtest

    expected = binomtest(27, 312).proportion_ci(0.95, method="wilson")
    assert share.low == pytest.approx(expected.low) and share.high == pytest.approx(expected.high)
    assert share.describe() == "set 10% · observed 8.7% (6.0-12.3%, 95%, 312 calls)"


def test_no_invocations_gives_no_share():
    assert observed_share(0, 0, 0.10) is None


# --- the cost of importing it -----------------------------------------------------------------


def test_importing_the_judge_loads_neither_scipy_nor_the_ui_nor_the_aws_sdk():
    code = "import sys, todotui.rollout.analysis; print(' '.join({m.split('.')[0] for m in sys.modules}))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(out.stdout.split())
    assert not {"scipy", "numpy", "textual", "rich", "botocore", "aiobotocore"} & loaded
