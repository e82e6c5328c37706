"""The fleet: which members, which few series each, and every member ranked by health.

Pure (no IO): `aws/fleet.py` discovers members and fetches `fleet_specs` in at most two
GetMetricData calls; this module turns the answer into rows, worst first. Health comes from
the same `Thresholds` and `health.level` the dashboard's panes use, judged over the last
few periods so one quiet minute does not hide an incident.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from todotui.config import FLEET_QUERIES, FLEET_QUERY_BUDGET, Fleet, StackNames, Thresholds
from todotui.telemetry.catalogue import (
    APIGATEWAY,
    DYNAMODB,
    LAMBDA,
    MetricSpec,
    metric_spec,
)
from todotui.telemetry.health import level, worst
from todotui.telemetry.model import Health

Kind = Literal["function", "table", "api"]

RECENT_PERIODS = 3
"""Health is judged on the sums over this many latest periods with data."""

_RANK = {Health.CRIT: 0, Health.WARN: 1, Health.UNKNOWN: 2, Health.OK: 3}
"""Worst first; a member with no data ranks above the healthy ones (it needs a look)."""

_BLOCKS = "▁▂▃▄▅▆▇█"


@dataclass(frozen=True, slots=True)
class Member:
    """One watched resource."""

    kind: Kind
    name: str
    alias: str | None = None
    """Functions only: the alias the dashboard opens on."""
    source: str = "settings"
    """Where it came from: "settings", "stack" or "tag"."""

    @property
    def label(self) -> str:
        return f"{self.name}:{self.alias}" if self.alias else self.name


def named_members(fleet: Fleet, stack: StackNames) -> tuple[Member, ...]:
    """The members the settings name (and the stack's own, with `include_stack`), deduplicated."""
    members: list[Member] = []
    if fleet.include_stack:
        members += [
            Member("function", stack.function_name, stack.alias, "stack"),
            Member("table", stack.table_name, source="stack"),
            Member("api", stack.api_name, source="stack"),
        ]
    for entry in fleet.functions:
        name, _, alias = entry.partition(":")
        members.append(Member("function", name, alias or fleet.default_alias))
    members += [Member("table", name) for name in fleet.tables]
    members += [Member("api", name) for name in fleet.apis]
    return merge_members(members)


def merge_members(*groups: Iterable[Member]) -> tuple[Member, ...]:
    """Members in order, the first of each (kind, name) kept."""
    seen: set[tuple[str, str]] = set()
    out: list[Member] = []
    for group in groups:
        for member in group:
            if (member.kind, member.name) not in seen:
                seen.add((member.kind, member.name))
                out.append(member)
    return tuple(out)


def query_count(members: Iterable[Member]) -> int:
    return sum(FLEET_QUERIES[m.kind] for m in members)


def within_budget(members: Sequence[Member]) -> tuple[tuple[Member, ...], tuple[Member, ...]]:
    """(kept, left out): members in order while their queries fit in two calls."""
    kept: list[Member] = []
    used = 0
    for i, member in enumerate(members):
        cost = FLEET_QUERIES[member.kind]
        if used + cost > FLEET_QUERY_BUDGET:
            return tuple(kept), tuple(members[i:])
        kept.append(member)
        used += cost
    return tuple(kept), ()


#: (field, metric, stat) per kind, in query order. Counts must match config.FLEET_QUERIES.
FIELDS: dict[Kind, tuple[tuple[str, str, str], ...]] = {
    "function": (
        ("inv", "Invocations", "Sum"),
        ("err", "Errors", "Sum"),
        ("thr", "Throttles", "Sum"),
        ("dur", "Duration", "Average"),
        ("max", "Duration", "Maximum"),
        ("conc", "ConcurrentExecutions", "Maximum"),
    ),
    "table": (
        ("rcu", "ConsumedReadCapacityUnits", "Sum"),
        ("wcu", "ConsumedWriteCapacityUnits", "Sum"),
        ("prcu", "ProvisionedReadCapacityUnits", "Average"),
        ("pwcu", "ProvisionedWriteCapacityUnits", "Average"),
        ("rthr", "ReadThrottleEvents", "Sum"),
        ("wthr", "WriteThrottleEvents", "Sum"),
    ),
    "api": (
        ("count", "Count", "Sum"),
        ("e5xx", "5XXError", "Sum"),
        ("lat", "Latency", "Average"),
    ),
}
_NAMESPACE = {"function": LAMBDA, "table": DYNAMODB, "api": APIGATEWAY}
_DIMENSION = {"function": "FunctionName", "table": "TableName", "api": "ApiName"}


def series_id(index: int, kind: Kind, field_name: str) -> str:
    """`m12_err`: member 12's errors (member order, so ids stay short and valid)."""
    return f"m{index}_{field_name}"


def fleet_specs(members: Sequence[Member]) -> tuple[MetricSpec, ...]:
    """The few key series of every member (6 a function or table, 3 an API)."""
    specs: list[MetricSpec] = []
    for i, m in enumerate(members):
        dims = ((_DIMENSION[m.kind], m.name),)
        specs += [
            metric_spec(series_id(i, m.kind, f), _NAMESPACE[m.kind], metric, dims, stat)
            for f, metric, stat in FIELDS[m.kind]
        ]
    return tuple(specs)


Points = Sequence[tuple[datetime, float]]


@dataclass(frozen=True, slots=True)
class MemberHealth:
    """One ranked row: the member, its health, why, the key figures and a sparkline series."""

    member: Member
    health: Health
    reasons: tuple[str, ...]
    """What is over a threshold ("errors 12.0% ≥ 5%"); "no data" when nothing answered."""
    figures: dict[str, float | None] = field(default_factory=dict)
    """Key figures over the recent periods; None = no data (never shown as zero)."""
    spark: tuple[float | None, ...] = ()
    """One value a period, oldest first (None: no datapoint): the series behind the worst
    reason, else traffic."""
    spark_label: str = ""
    severity: float = 0.0
    """How far past its threshold the worst figure is (ranks members of equal health)."""


def _by_time(points: Points) -> dict[datetime, float]:
    return {t: v for t, v in points}


def _recent(
    series: Mapping[str, dict[datetime, float]], key: str, times: list[datetime]
) -> float | None:
    values = [series[key][t] for t in times if t in series[key]]
    return sum(values) if values else None


def rank(
    members: Sequence[Member],
    results: Mapping[str, Points],
    thresholds: Thresholds,
    period_seconds: int,
) -> tuple[MemberHealth, ...]:
    """Every member judged and ranked worst first (then by how far past, then by name)."""
    rows = [_judge(i, m, results, thresholds, period_seconds) for i, m in enumerate(members)]
    return tuple(
        sorted(rows, key=lambda r: (_RANK[r.health], -r.severity, r.member.kind, r.member.name))
    )


def _judge(
    index: int, member: Member, results: Mapping[str, Points], t: Thresholds, period: int
) -> MemberHealth:
    fields = [f for f, _, _ in FIELDS[member.kind]]
    series = {f: _by_time(results.get(series_id(index, member.kind, f), ())) for f in fields}
    times = sorted({moment for s in series.values() for moment in s})
    recent = times[-RECENT_PERIODS:]
    checks: list[tuple[Health, float, str, str]] = []
    """(health, severity, reason, spark field)"""
    figures: dict[str, float | None] = {}

    def spark_of(f: str) -> tuple[float | None, ...]:
        return tuple(series[f].get(moment) for moment in times)

    if member.kind == "function":
        inv, err, thr = (_recent(series, k, recent) for k in ("inv", "err", "thr"))
        avg = _mean(series["dur"], recent)
        figures = {
            "invocations": inv,
            "error_pct": (100 * (err or 0.0) / inv) if inv else None,
            "throttles": thr,
            "duration_avg_ms": avg,
            "duration_max_ms": _max(series["max"], recent),
            "concurrency": _max(series["conc"], recent),
        }
        pct = figures["error_pct"]
        checks.append(
            _check(pct, t.error_rate_warn_pct, t.error_rate_crit_pct, "errors", "%", "err")
        )
        checks.append(_check(thr, None, t.throttles_crit * len(recent), "throttles", "", "thr"))
        checks.append(_check(avg, t.duration_warn_ms, t.duration_crit_ms, "avg", " ms", "dur"))
        traffic = "inv"
    elif member.kind == "table":
        used = _ratio(series, "rcu", "prcu", recent, period)
        wused = _ratio(series, "wcu", "pwcu", recent, period)
        throttled = _sum_known(_recent(series, "rthr", recent), _recent(series, "wthr", recent))
        figures = {
            "read_per_s": _per_second(_recent(series, "rcu", recent), len(recent), period),
            "write_per_s": _per_second(_recent(series, "wcu", recent), len(recent), period),
            "read_ratio": used,
            "write_ratio": wused,
            "throttles": throttled,
        }
        checks.append(
            _check(throttled, None, t.throttles_crit * len(recent), "throttles", "", "rthr")
        )
        for ratio, name, f in ((used, "read", "rcu"), (wused, "write", "wcu")):
            if ratio is not None:
                checks.append(_check(100 * ratio, 100 * t.capacity_warn_ratio, 100.0, name, "%", f))
        traffic = "rcu"
    else:
        count, e5 = _recent(series, "count", recent), _recent(series, "e5xx", recent)
        figures = {
            "requests": count,
            "5xx_pct": (100 * (e5 or 0.0) / count) if count else None,
            "latency_ms": _mean(series["lat"], recent),
        }
        checks.append(_check(figures["5xx_pct"], None, t.api_5xx_crit_pct, "5XX", "%", "e5xx"))
        traffic = "count"
    if not times:
        return MemberHealth(member, Health.UNKNOWN, ("no data",), figures, (), "", 0.0)
    health = worst(*(c[0] for c in checks))
    bad = sorted((c for c in checks if c[0] in (Health.WARN, Health.CRIT)), key=lambda c: -c[1])
    reasons = tuple(c[2] for c in bad)
    spark_field = bad[0][3] if bad else traffic
    return MemberHealth(
        member,
        health,
        reasons,
        figures,
        spark_of(spark_field),
        spark_field,
        bad[0][1] if bad else 0.0,
    )


def _check(
    value: float | None,
    warn: float | None,
    crit: float | None,
    name: str,
    unit: str,
    spark_field: str,
) -> tuple[Health, float, str, str]:
    health = level(value, warn=warn, crit=crit)
    limit = crit if health is Health.CRIT or warn is None else warn
    severity = (value / limit) if value is not None and limit else 0.0
    if health is Health.CRIT and limit == 0:
        severity = value or 0.0
    shown = "" if value is None else f"{name} {_figure(value)}{unit} ≥ {limit:g}{unit}"
    return health, severity, shown, spark_field


def _figure(value: float) -> str:
    """12.3, 1.54, 10,158: three significant digits, whole numbers from 100 up."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def _mean(values: dict[datetime, float], times: list[datetime]) -> float | None:
    known = [values[t] for t in times if t in values]
    return sum(known) / len(known) if known else None


def _max(values: dict[datetime, float], times: list[datetime]) -> float | None:
    known = [values[t] for t in times if t in values]
    return max(known) if known else None


def _sum_known(*values: float | None) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def _per_second(total: float | None, periods: int, period: int) -> float | None:
    return None if total is None or not periods else total / (periods * period)


def _ratio(
    series: Mapping[str, dict[datetime, float]],
    consumed: str,
    provisioned: str,
    times: list[datetime],
    period: int,
) -> float | None:
    """Consumed per second over provisioned, for the recent periods; None on demand / unknown."""
    used = _per_second(_recent(series, consumed, times), len(times), period)
    limit = _mean(series[provisioned], times)
    if used is None or not limit:
        return None
    return used / limit


def sparkline(values: Sequence[float | None], width: int = 15) -> str:
    """Unicode blocks, one a period (the last `width`), scaled to the row's own maximum;
    a period without a datapoint is a gap (a space), never a zero."""
    shown = list(values)[-width:]
    known = [v for v in shown if v is not None]
    top = max(known, default=0.0)
    return "".join(
        " " if v is None else _BLOCKS[0] if top <= 0 else _BLOCKS[min(7, int(v / top * 7.999))]
        for v in shown
    )
