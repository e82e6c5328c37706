"""Judging a candidate version against the limits and against the stable version.

One analysis run applies four rules to one window of per-version samples and returns a
verdict per rule, each with a one-line reason that names the metric, the value, the
threshold and the window: an operator (or the abort banner) must be able to say *why*
without opening a graph (Argo's users ask exactly this, argo-rollouts #404/#2741).

- two absolute rules on the candidate alone (error %, p99 or average duration), critical
  on failure: a candidate that breaks a hard limit spends the whole failure budget;
- a relative rule (candidate error % against stable's plus a margin);
- a statistical rule (Mann-Whitney U on per-period latency, as Kayenta's judge): it fails
  only when the candidate is significantly slower *and* by more than a tolerance.

Too little data is INCONCLUSIVE, its own state, never a pass (Flagger counts no data as a
failed check; Argo holds on inconclusive). Pure: no IO, no Textual, no AWS SDK. scipy is
imported inside the one function that needs it, so the cockpit starts without paying
for it.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from todotui.telemetry.versions import VersionPeriod, VersionSamples

if TYPE_CHECKING:
    from todotui.config import Rollouts

__all__ = [
    "AnalysisRun",
    "Comparison",
    "RuleVerdict",
    "ShareEstimate",
    "Verdict",
    "analyse",
    "compare_latency",
    "observed_share",
]


class Verdict(StrEnum):
    """What one rule, or a whole run, concluded."""

    PASS = "pass"
    FAIL = "fail"
    INCONCLUSIVE = "inconclusive"
    """Too little data to decide: holds the rollout, never counts as a pass."""


@dataclass(frozen=True, slots=True)
class RuleVerdict:
    """One rule's judgement of one window, with the words that explain it."""

    rule: str
    """Stable id: "candidate-errors", "candidate-latency", "errors-vs-stable",
    "latency-vs-stable"."""
    title: str
    """Short label for a table column ("candidate error %", "candidate p99", ...)."""
    verdict: Verdict
    metric: str
    """What was judged: "error %", "p99 duration", "average duration", ..."""
    value: float | None
    """The candidate's figure judged (None with no data)."""
    threshold: float | None
    """The limit it was held to (None where there is none to compute)."""
    reason: str
    """One line naming metric, value, threshold and window."""
    critical: bool = False
    """An absolute-limit failure: it spends the whole failure budget at once."""
    brief: str = field(default="", compare=False)
    """A short form of `reason` for `AnalysisRun.summary` ("candidate error % 34.8% > 5.0%");
    empty means the summary uses `reason`."""


@dataclass(frozen=True, slots=True)
class AnalysisRun:
    """Every rule's verdict on one window, judged at `at`."""

    at: datetime
    window_start: datetime
    window_end: datetime
    verdicts: tuple[RuleVerdict, ...]

    @property
    def verdict(self) -> Verdict:
        """FAIL if any rule fails, else INCONCLUSIVE if any is, else PASS.

        A run with no rules at all is INCONCLUSIVE: nothing was shown to be fine."""
        kinds = {v.verdict for v in self.verdicts}
        if Verdict.FAIL in kinds:
            return Verdict.FAIL
        if Verdict.INCONCLUSIVE in kinds or not kinds:
            return Verdict.INCONCLUSIVE
        return Verdict.PASS

    @property
    def critical(self) -> bool:
        """True when an absolute limit failed (the controller aborts without waiting)."""
        return any(v.critical and v.verdict is Verdict.FAIL for v in self.verdicts)

    @property
    def failed(self) -> tuple[RuleVerdict, ...]:
        return tuple(v for v in self.verdicts if v.verdict is Verdict.FAIL)

    @property
    def inconclusive(self) -> tuple[RuleVerdict, ...]:
        return tuple(v for v in self.verdicts if v.verdict is Verdict.INCONCLUSIVE)

    def summary(self) -> str:
        """One line for a status bar or the journal: the verdict and the rules behind it.

        "pass: 4 rules"; "fail: candidate error % 34.8% > 5.0%; ..." (the failing rules);
        "inconclusive: latency vs stable (Mann-Whitney U) (3 and 3 of 5 periods)"."""
        overall = self.verdict
        if overall is Verdict.PASS:
            count = len(self.verdicts)
            return f"pass: {count} rule{'' if count == 1 else 's'}"
        named = self.failed if overall is Verdict.FAIL else self.inconclusive
        if not named:
            return f"{overall}: no rules ran"
        return f"{overall}: " + "; ".join(v.brief or f"{v.title}: {v.reason}" for v in named)


# --- the four rules -------------------------------------------------------------------------


def analyse(
    candidate: VersionSamples,
    stable: VersionSamples,
    settings: Rollouts,
    *,
    at: datetime,
    window_start: datetime,
    window_end: datetime,
) -> AnalysisRun:
    """Judge `candidate` over one window: the absolute limits, then against `stable`.

    All four rules run every time, so the table always has the same rows and a failing
    absolute rule does not hide what the comparison would have said."""
    window = _window(window_start, window_end)
    cand = _Totals.of(candidate)
    base = _Totals.of(stable)
    verdicts = (
        _candidate_errors(cand, settings, window),
        _candidate_latency(candidate, cand, settings, window),
        _errors_vs_stable(cand, base, settings, window),
        _latency_vs_stable(candidate, stable, cand, base, settings, window),
    )
    return AnalysisRun(at=at, window_start=window_start, window_end=window_end, verdicts=verdicts)


def _candidate_errors(cand: _Totals, settings: Rollouts, window: str) -> RuleVerdict:
    """Absolute: the candidate's error % over the window against `max_error_pct`."""
    rule, title, metric = "candidate-errors", "candidate error %", "error %"
    limit = settings.max_error_pct
    need = settings.min_invocations
    if not cand.invocations:
        return RuleVerdict(
            rule,
            title,
            Verdict.INCONCLUSIVE,
            metric,
            None,
            limit,
            f"candidate ran no invocations over {window}{_errors_aside(cand)}"
            " (no data is never a pass)",
            brief=f"{title} (no data)",
        )
    pct = cand.error_pct
    calls = _count(cand.invocations)
    if cand.invocations < need:
        return RuleVerdict(
            rule,
            title,
            Verdict.INCONCLUSIVE,
            metric,
            pct,
            limit,
            f"too few invocations: candidate ran {calls}, need {need:,} over {window}"
            f" (error % so far {_pct(pct)}; inconclusive, never a pass)",
            brief=f"{title} ({calls} of {need:,} invocations)",
        )
    failed = pct > limit
    op = ">" if failed else "≤"
    return RuleVerdict(
        rule,
        title,
        Verdict.FAIL if failed else Verdict.PASS,
        metric,
        pct,
        limit,
        f"candidate error % {_pct(pct)} {op} limit {_pct(limit)} over {window}"
        f" ({calls} invocations, {_count(cand.errors)} error{'' if cand.errors == 1 else 's'})",
        critical=failed,
        brief=f"{title} {_pct(pct)} {op} {_pct(limit)}",
    )


def _candidate_latency(
    samples: VersionSamples, cand: _Totals, settings: Rollouts, window: str
) -> RuleVerdict:
    """Absolute: the candidate's worst per-period p99 against `max_p99_ms`, or, where the
    endpoint answers no percentiles, its average against `max_average_ms`."""
    rule = "candidate-latency"
    p99s = _clean(p.duration_p99 for p in samples.periods)
    if samples.percentiles and p99s:
        worst = max(p99s)
        limit = settings.max_p99_ms
        failed = worst > limit
        op = ">" if failed else "≤"
        title = "candidate p99"
        return RuleVerdict(
            rule,
            title,
            Verdict.FAIL if failed else Verdict.PASS,
            "p99 duration",
            worst,
            limit,
            f"candidate p99 {_ms(worst)} {op} limit {_ms(limit)} over {window}"
            f" (worst of {len(p99s)} period{'' if len(p99s) == 1 else 's'})",
            critical=failed,
            brief=f"{title} {_ms(worst)} {op} {_ms(limit)}",
        )
    why = (
        "no p99 datapoints in the window: judged the average instead"
        if samples.percentiles
        else "p99 not available from this endpoint: judged the average instead"
    )
    title = "candidate average"
    limit = settings.max_average_ms
    average = cand.duration_avg
    if average is None:
        return RuleVerdict(
            rule,
            title,
            Verdict.INCONCLUSIVE,
            "average duration",
            None,
            limit,
            f"candidate has no duration datapoints over {window} (no data is never a pass)",
            brief=f"{title} (no data)",
        )
    failed = average > limit
    op = ">" if failed else "≤"
    return RuleVerdict(
        rule,
        title,
        Verdict.FAIL if failed else Verdict.PASS,
        "average duration",
        average,
        limit,
        f"candidate average {_ms(average)} {op} limit {_ms(limit)} over {window} ({why})",
        critical=failed,
        brief=f"{title} {_ms(average)} {op} {_ms(limit)}",
    )


def _errors_vs_stable(cand: _Totals, base: _Totals, settings: Rollouts, window: str) -> RuleVerdict:
    """Relative: the candidate may err at most `error_margin_pct` points more than stable,
    so a dependency failing for both versions does not get the candidate blamed."""
    rule, title, metric = "errors-vs-stable", "error % vs stable", "error %"
    need = settings.min_invocations
    value = cand.error_pct if cand.invocations else None
    missing = _no_data(cand, base)
    if missing:
        return RuleVerdict(
            rule,
            title,
            Verdict.INCONCLUSIVE,
            metric,
            value,
            None,
            f"{missing} ({window}; inconclusive, never a pass)",
            brief=f"{title} ({missing})",
        )
    limit = base.error_pct + settings.error_margin_pct
    if cand.invocations < need or base.invocations < need:
        c, s = _count(cand.invocations), _count(base.invocations)
        return RuleVerdict(
            rule,
            title,
            Verdict.INCONCLUSIVE,
            metric,
            value,
            limit,
            f"too few invocations: candidate {c}, stable {s}, need {need:,} each over {window}"
            " (inconclusive, never a pass)",
            brief=f"{title} ({c} and {s} of {need:,} invocations)",
        )
    pct = cand.error_pct
    failed = pct > limit
    op = ">" if failed else "≤"
    return RuleVerdict(
        rule,
        title,
        Verdict.FAIL if failed else Verdict.PASS,
        metric,
        pct,
        limit,
        f"candidate error % {_pct(pct)} {op} stable {_pct(base.error_pct)}"
        f" + margin {_points(settings.error_margin_pct)} = {_pct(limit)} over {window}"
        f" ({_count(cand.invocations)} vs {_count(base.invocations)} invocations)",
        brief=f"{title} {_pct(pct)} {op} {_pct(limit)}",
    )


def _latency_vs_stable(
    candidate: VersionSamples,
    stable: VersionSamples,
    cand: _Totals,
    base: _Totals,
    settings: Rollouts,
    window: str,
) -> RuleVerdict:
    """Statistical: Mann-Whitney U on per-period latency, candidate vs stable.

    Per-period p99 when both versions have them (a tail regression shows there first),
    else per-period average; the same metric on both sides, always."""
    rule, title = "latency-vs-stable", "latency vs stable (Mann-Whitney U)"
    use_p99 = (
        candidate.percentiles
        and stable.percentiles
        and bool(_clean(p.duration_p99 for p in candidate.periods))
        and bool(_clean(p.duration_p99 for p in stable.periods))
    )
    kind = "p99" if use_p99 else "average"
    metric = f"median {kind} change %"
    tolerance = settings.latency_tolerance_pct
    missing = _no_data(cand, base)
    if missing:
        return RuleVerdict(
            rule,
            title,
            Verdict.INCONCLUSIVE,
            metric,
            None,
            tolerance,
            f"{missing} ({window}; inconclusive, never a pass)",
            brief=f"{title} ({missing})",
        )
    c_values = _period_values(candidate.periods, use_p99)
    s_values = _period_values(stable.periods, use_p99)
    result = compare_latency(
        c_values,
        s_values,
        confidence=settings.confidence,
        tolerance_pct=tolerance,
        min_samples=settings.min_samples,
    )
    n_c, n_s = result.samples
    need = settings.min_samples
    if result.p_value is None:
        return RuleVerdict(
            rule,
            title,
            Verdict.INCONCLUSIVE,
            metric,
            result.effect_pct,
            tolerance,
            f"too few samples: candidate {n_c} period{'' if n_c == 1 else 's'}, stable {n_s}, "
            f"need {need}"
            f" ({kind} per period over {window}; inconclusive, never a pass)",
            brief=f"{title} ({n_c} and {n_s} of {need} periods)",
        )
    effect = result.effect_pct if result.effect_pct is not None else 0.0
    p = result.p_value
    alpha = 1.0 - settings.confidence
    medians = (
        f"median {kind} {_ms(statistics.median(c_values))} vs stable"
        f" {_ms(statistics.median(s_values))} ({_signed(effect)}, tolerance"
        f" {tolerance:g}%)"
    )
    evidence = (
        f"p={_p(p)} {'<' if p < alpha else '≥'} {_p(alpha)}"
        f" ({_conf(settings.confidence)} confidence), {n_c} vs {n_s} periods over {window}"
    )
    if result.significant:
        verdict, finding = Verdict.FAIL, "candidate slower"
    elif p < alpha:
        verdict, finding = Verdict.PASS, "slower but within tolerance"
    elif effect > tolerance:
        verdict, finding = Verdict.PASS, "slower but not significant"
    else:
        verdict, finding = Verdict.PASS, "not slower"
    return RuleVerdict(
        rule,
        title,
        verdict,
        metric,
        effect,
        tolerance,
        f"{finding}: {medians}, {evidence}",
        brief=f"{title} {_signed(effect)} {'>' if result.significant else '≤'}"
        f" {tolerance:g}% (p={_p(p)})",
    )


# --- the statistical comparison -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Comparison:
    """The outcome of one Mann-Whitney U comparison of candidate against stable latency."""

    p_value: float | None
    """One-sided (is the candidate slower?); None when there were too few samples to test."""
    effect_pct: float | None
    """candidate median / stable median - 1, in %; positive is slower."""
    significant: bool
    """Slower with `confidence` *and* by more than the tolerance (Kayenta's "High"): the
    condition that fails the rule. A significant but small slowdown is not."""
    samples: tuple[int, int]
    """Values used (NaN and None dropped): (candidate, stable)."""


def compare_latency(
    candidate: Sequence[float | None],
    stable: Sequence[float | None],
    *,
    confidence: float,
    tolerance_pct: float,
    min_samples: int,
) -> Comparison:
    """Is the candidate slower than stable, significantly and by more than the tolerance?

    Mann-Whitney U, one-sided (`alternative="greater"`): per-period latencies are neither
    normal nor paired, and a rank test does not let one slow minute decide. The effect
    size is the ratio of medians, so a tiny but consistent difference (significant with
    enough periods) does not fail on its own."""
    c = _clean(candidate)
    s = _clean(stable)
    samples = (len(c), len(s))
    effect = _effect_pct(c, s) if c and s else None
    if len(c) < min_samples or len(s) < min_samples:
        return Comparison(p_value=None, effect_pct=effect, significant=False, samples=samples)
    from scipy.stats import mannwhitneyu  # type: ignore[import-untyped]  # lazy: ~0.3 s

    p = float(mannwhitneyu(c, s, alternative="greater").pvalue)
    if math.isnan(p):  # scipy answers 1.0 for identical samples; never trust a NaN to fail
        p = 1.0
    big = effect is not None and effect > tolerance_pct
    return Comparison(
        p_value=p,
        effect_pct=effect,
        significant=p < 1.0 - confidence and big,
        samples=samples,
    )


def _effect_pct(candidate: Sequence[float], stable: Sequence[float]) -> float:
    """Median change in %: +30 means the candidate's median is 30% above stable's."""
    c = statistics.median(candidate)
    s = statistics.median(stable)
    if s <= 0:
        return 0.0 if c <= 0 else math.inf
    return (c / s - 1.0) * 100.0


# --- configured against observed share ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ShareEstimate:
    """The candidate's share of invocations: as configured on the alias, and as observed.

    Lambda routes each invocation at random, so at low traffic the observed share wanders;
    the interval says how far it may wander before the difference means something."""

    configured: float
    """The alias weight, 0.0-1.0."""
    observed: float
    """candidate / all invocations, 0.0-1.0."""
    low: float
    high: float
    """The Wilson score interval around `observed`, at `confidence`."""
    invocations: int
    """All invocations of both versions (the n of the interval)."""
    confidence: float = 0.95

    @property
    def disagrees(self) -> bool:
        """The configured weight lies outside the interval: traffic is not going where the
        alias says (a stale read, a second alias, a client pinned to a version)."""
        return not self.low <= self.configured <= self.high

    def describe(self) -> str:
        """ "set 10% · observed 8.7% (6.1-12.2%, 95%, 312 calls)", flagged on disagreement."""
        text = (
            f"set {self.configured * 100:.3g}% · observed {self.observed * 100:.1f}%"
            f" ({self.low * 100:.1f}-{self.high * 100:.1f}%, {_conf(self.confidence)},"
            f" {self.invocations:,} call{'' if self.invocations == 1 else 's'})"
        )
        return text + " · disagrees with the setting" if self.disagrees else text


def observed_share(
    candidate_invocations: float,
    other_invocations: float,
    configured: float,
    *,
    confidence: float = 0.95,
) -> ShareEstimate | None:
    """The candidate's observed share with a Wilson interval; None when nothing ran.

    Wilson rather than the normal approximation because it stays inside 0-1 and behaves
    at small n and at shares near 0 or 1 (a 10% canary at a few calls a minute)."""
    k = _finite(candidate_invocations) or 0.0
    other = _finite(other_invocations) or 0.0
    n = k + other
    if n <= 0:
        return None
    # The textbook Wilson score interval, with the normal quantile from the standard
    # library: the same figures as scipy.stats.binomtest(k, n).proportion_ci(confidence,
    # method="wilson") without importing scipy (and it accepts CloudWatch's float sums).
    z = statistics.NormalDist().inv_cdf(0.5 + confidence / 2.0)
    share = k / n
    z2 = z * z
    centre = (share + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(share * (1 - share) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return ShareEstimate(
        configured=configured,
        observed=share,
        low=max(0.0, centre - half),
        high=min(1.0, centre + half),
        invocations=round(n),
        confidence=confidence,
    )


# --- helpers ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Totals:
    """A version's window totals, NaN and None ignored (VersionSamples' own sums would
    turn one NaN datapoint into a NaN error %)."""

    invocations: float
    errors: float
    duration_avg: float | None

    @property
    def error_pct(self) -> float:
        return 100.0 * self.errors / self.invocations if self.invocations else 0.0

    @classmethod
    def of(cls, samples: VersionSamples) -> _Totals:
        invocations = 0.0
        errors = 0.0
        weighted = 0.0
        weight = 0.0
        plain: list[float] = []
        for period in samples.periods:
            calls = _finite(period.invocations) or 0.0
            invocations += calls
            errors += _finite(period.errors) or 0.0
            avg = _finite(period.duration_avg)
            if avg is not None:
                plain.append(avg)
                weighted += avg * calls
                weight += calls
        if weight:
            average: float | None = weighted / weight
        else:  # durations without invocation counts: each period counts the same
            average = statistics.fmean(plain) if plain else None
        return cls(invocations=invocations, errors=errors, duration_avg=average)


def _no_data(cand: _Totals, base: _Totals) -> str:
    """Which side ran nothing, in words ("" when both ran)."""
    if not cand.invocations and not base.invocations:
        return "neither version ran invocations in the window"
    if not cand.invocations:
        return "candidate ran no invocations in the window"
    if not base.invocations:
        return "stable ran no invocations in the window"
    return ""


def _period_values(periods: Iterable[VersionPeriod], use_p99: bool) -> list[float]:
    return _clean(p.duration_p99 if use_p99 else p.duration_avg for p in periods)


def _finite(value: float | None) -> float | None:
    """The value if it is a usable figure: not None, NaN, infinite or negative."""
    if value is None or not math.isfinite(value) or value < 0:
        return None
    return float(value)


def _clean(values: Iterable[float | None]) -> list[float]:
    return [v for v in map(_finite, values) if v is not None]


def _errors_aside(totals: _Totals) -> str:
    """Errors without invocations happen (init errors): say so rather than hide them."""
    return f" ({_count(totals.errors)} errors recorded)" if totals.errors else ""


def _window(start: datetime, end: datetime) -> str:
    """ "12:01-12:06", with the dates when the window crosses midnight."""
    if start.date() == end.date():
        return f"{start:%H:%M}-{end:%H:%M}"
    return f"{start:%Y-%m-%d %H:%M}-{end:%Y-%m-%d %H:%M}"


def _pct(value: float) -> str:
    return f"{value:.1f}%"


def _points(value: float) -> str:
    return f"{value:g} pt" if value == 1 else f"{value:g} pts"


def _signed(value: float) -> str:
    return "+inf%" if math.isinf(value) else f"{value:+.1f}%"


def _ms(value: float) -> str:
    return f"{value:,.0f}ms" if value >= 100 else f"{value:.1f}ms"


def _count(value: float) -> str:
    return f"{value:,.0f}"


def _p(value: float) -> str:
    return f"{value:.2g}"


def _conf(confidence: float) -> str:
    return f"{confidence * 100:.3g}%"
