"""From a diagnosed cause to the value its fix should take, with the arithmetic shown.

Pure: no IO. `suggest` turns one `Cause` and the `Evidence` behind it into a `Suggestion`:
the action, the resource the evidence names (and only that one), the dialog's field values,
and one line per step of the arithmetic so the plan can say where each number came from.
A suggestion that a configured ceiling cuts says so; one the evidence cannot size (a missing
figure) is not made up: `suggest` returns None and the dialog opens with the live values.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from todotui.alerts.diagnosis import Cause, CauseKind, Diagnosis, Evidence
from todotui.config import Suggestions

ROLLOUT_ABORT = "rollout-abort"
"""Not an action of the registry: the rollout driver's abort (the UI and the core know it)."""

#: The memory sizes AWS Lambda Power Tuning tries by default, with 1,769 MB (one full vCPU).
MEMORY_STEPS_MB = (128, 256, 512, 1024, 1769, 2048, 3008, 4096, 6144, 8192, 10240)
API_CACHE_SIZE_GB = "0.5"
API_CACHE_TTL_SECONDS = 300


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A fix for one cause, filled in: what a dialog opened from a diagnosis arrives with."""

    action_id: str
    resource: str
    """The resource the evidence names, as the action's plan names it for a typed confirmation
    (table, function, alias, user, API): a plan aimed anywhere else is not this suggestion's."""
    values: Mapping[str, str] = field(default_factory=dict)
    """The dialog's fields, by name."""
    arithmetic: tuple[str, ...] = ()
    """Where the values came from, one line per step ("peak demand ... x 1.5 = 58.5 -> 59")."""
    why: str = ""
    """The cause's one line: the evidence."""
    restores: bool = False
    """It puts back a state the evidence shows was good (a rollback to the healthy version)."""
    capped: bool = False
    """A configured ceiling cut the value the evidence asked for (the arithmetic says which)."""
    kind: CauseKind | None = None

    @property
    def label(self) -> str:
        """The values in a few words, for a menu ("read 59, write 5")."""
        return self.label_for("")

    def label_for(self, shown: str) -> str:
        """`label` without the values that only repeat `shown` (the resource named beside it)."""
        return ", ".join(
            f"{k.replace('_', ' ')} {v}" for k, v in self.values.items() if v and v != shown
        )


@dataclass(frozen=True, slots=True)
class Finding:
    """One diagnosed cause and its fix, sized (None when the evidence cannot size it)."""

    cause: Cause
    fix: Suggestion | None


def findings(
    diagnosis: Diagnosis,
    evidence: Evidence,
    policy: Suggestions,
    *,
    rollout_candidate: str | None = None,
) -> tuple[Finding, ...]:
    """Every cause of `diagnosis`, in its order, with its fix."""
    return tuple(
        Finding(c, suggest(c, evidence, policy, rollout_candidate=rollout_candidate))
        for c in diagnosis.causes
    )


def suggest(
    cause: Cause, evidence: Evidence, policy: Suggestions, *, rollout_candidate: str | None = None
) -> Suggestion | None:
    """The fix for `cause`, sized from `evidence` under `policy`; None when it cannot be sized.

    `rollout_candidate` is the version a rollout in progress is shifting to: when that is the
    bad version, the fix is to abort the rollout rather than to re-point the alias under it."""
    match cause.kind:
        case CauseKind.DYNAMODB_THROTTLING:
            return _capacity(cause, evidence, policy)
        case CauseKind.BAD_VERSION:
            return _rollback(cause, evidence, rollout_candidate)
        case CauseKind.LAMBDA_THROTTLING:
            return _concurrency(cause, evidence, policy, "reserved-concurrency", "reserved")
        case CauseKind.MEMORY_TIMEOUT:
            return _memory(cause, evidence, policy)
        case CauseKind.SLOW_DEPENDENCY:
            return Suggestion(
                "api-cache",
                evidence.api,
                {
                    "enabled": "yes",
                    "size_gb": API_CACHE_SIZE_GB,
                    "ttl_seconds": str(API_CACHE_TTL_SECONDS),
                },
                (
                    f"cache GET responses at the {evidence.api} stage: the smallest cache "
                    f"({API_CACHE_SIZE_GB} GB), {API_CACHE_TTL_SECONDS} s TTL (API Gateway's default)",
                    "cached requests skip the function and its slow dependency; the rest stay slow",
                ),
                cause.line,
                kind=cause.kind,
            )
        case CauseKind.ATTACKER:
            return Suggestion(
                "cognito-disable-user",
                cause.target,
                {"username": cause.target},
                (f"the user the failed sign-ins name: {cause.target}",),
                cause.line,
                kind=cause.kind,
            )
        case CauseKind.EXTERNAL_SERVICE:
            return Suggestion(
                "auth-checks", evidence.user_pool, {}, (), cause.line, kind=cause.kind
            )
    return None


# --- capacity -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Demand:
    """One period's demand on one side of a table, per second."""

    consumed: float
    throttled: float
    at: datetime | None

    @property
    def total(self) -> float:
        return self.consumed + self.throttled


def _demands(ev: Evidence, consumed_id: str, throttles_id: str) -> list[_Demand | None]:
    """Each complete period's demand over the window: consumed units plus throttled requests
    (counted as one unit each), per second; None where neither series has data. The newest
    period (the one `now` is in) is left out: its sums are still growing."""
    consumed = ev.series.get(consumed_id, ())
    throttled = ev.series.get(throttles_id, ())
    out: list[_Demand | None] = []
    for i in range(max(len(consumed), len(throttled)) - 1):
        used = consumed[i] if i < len(consumed) else None
        refused = throttled[i] if i < len(throttled) else None
        if used is None and refused is None:
            out.append(None)
            continue
        at = (
            ev.series_start + timedelta(seconds=i * ev.period_seconds)
            if ev.series_start is not None
            else None
        )
        out.append(
            _Demand((used or 0.0) / ev.period_seconds, (refused or 0.0) / ev.period_seconds, at)
        )
    return out


def _rising(demands: list[_Demand | None]) -> tuple[float, float, float] | None:
    """(oldest, middle, newest) of the last three periods when the newest is the highest of
    them and above the oldest by a tenth (a ramp still going), else None."""
    last = demands[-3:]
    if len(last) < 3 or any(d is None for d in last):
        return None
    a, b, c = (d.total for d in last if d is not None)
    return (a, b, c) if c >= b and c > 1.1 * a else None


def _capacity(cause: Cause, ev: Evidence, policy: Suggestions) -> Suggestion | None:
    res = ev.resources
    if res.billing_mode == "PAY_PER_REQUEST" or res.read_capacity is None:
        return None
    if res.write_capacity is None:
        return None
    values: dict[str, str] = {"table": ev.table}
    lines: list[str] = []
    capped = False
    ahead = policy.capacity_lookahead_seconds / ev.period_seconds
    for side, unit, consumed_id, throttles_id, now in (
        ("read", "RCU", "ddb_consumed_rcu", "ddb_read_throttles", res.read_capacity),
        ("write", "WCU", "ddb_consumed_wcu", "ddb_write_throttles", res.write_capacity),
    ):
        demands = _demands(ev, consumed_id, throttles_id)
        known = [d for d in demands if d is not None]
        peak = max(known, key=lambda d: d.total, default=None)
        if peak is None or not any(d.throttled > 0 for d in known):
            values[side] = str(now)  # this side did not throttle: keep it (a decrease costs)
            lines.append(f"{side}: no throttling in the window: kept at {now} {unit}")
            continue
        when = f" at {peak.at:%H:%M} UTC" if peak.at is not None else ""
        lines.append(
            f"{side}: peak demand {_num(peak.total)} {unit}/s{when} = consumed {_num(peak.consumed)}"
            f" + throttled {_num(peak.throttled)} requests/s (counted as 1 unit each)"
        )
        base = peak.total
        ramp = _rising(demands)
        if ramp is not None and ahead > 0:
            slope = (ramp[2] - ramp[0]) / 2
            projected = ramp[2] + slope * ahead
            lines.append(
                f"{side}: still rising ({' -> '.join(_num(d) for d in ramp)} {unit}/s over the last"
                f" 3 periods, +{_num(slope)} a period): "
                f"{policy.capacity_lookahead_seconds / 60:g} min ahead = {_num(projected)}"
            )
            base = max(base, projected)
        wanted = base * policy.capacity_headroom
        value = max(math.ceil(wanted - 1e-9), now + 1)
        lines.append(
            f"{side}: {_num(base)} x {policy.capacity_headroom:g} headroom = {_num(wanted)}"
            f" -> {value} {unit} (now {now})"
        )
        if value > policy.capacity_ceiling:
            lines.append(
                f"{side}: capped at {policy.capacity_ceiling} {unit} (suggestions.capacity_ceiling);"
                f" the demand asks for {value}"
            )
            value, capped = policy.capacity_ceiling, True
        values[side] = str(value)
    if values["read"] == str(res.read_capacity) and values["write"] == str(res.write_capacity):
        return None  # throttling, but no figure to size a raise from
    return Suggestion(
        "dynamodb-capacity",
        ev.table,
        values,
        tuple(lines),
        cause.line,
        capped=capped,
        kind=cause.kind,
    )


# --- versions -------------------------------------------------------------------------------------


def _rollback(cause: Cause, ev: Evidence, rollout_candidate: str | None) -> Suggestion | None:
    bad = cause.target.rpartition(":")[2]
    healthy = [v for v in ev.versions if v.version != bad and v.invocations > 0]
    if not healthy:
        return None
    # The healthy version the alias served (its primary when it is not the bad one), else the
    # one with the lowest error rate and the most invocations.
    alias = ev.alias
    good = next((v for v in healthy if alias is not None and v.version == alias.primary), None)
    if good is None:
        good = min(healthy, key=lambda v: (v.error_pct or 0.0, -v.invocations))
    rate = f"{good.error_pct:.1f}% errors" if good.error_pct is not None else "errors unknown"
    evidence_line = (
        f"version {good.version} ran {good.invocations:.0f} invocations in the window at {rate}"
    )
    if rollout_candidate == bad:
        return Suggestion(
            ROLLOUT_ABORT,
            f"{ev.function}:{bad}",
            {"version": good.version},
            (
                f"a rollout is shifting traffic to version {bad}: abort it, all traffic back to "
                f"version {good.version}",
                evidence_line,
            ),
            cause.line,
            restores=True,
            kind=cause.kind,
        )
    return Suggestion(
        "rollback",
        ev.alias_name,
        {"version": good.version},
        (f"roll {ev.alias_name} back from version {bad} to version {good.version}", evidence_line),
        cause.line,
        restores=True,
        kind=cause.kind,
    )


# --- Lambda ---------------------------------------------------------------------------------------


def _p99(values: list[float]) -> float:
    """The 99th percentile by the nearest-rank method (a window holds a few dozen periods)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.99 * len(ordered)) - 1)]


def _concurrency(
    cause: Cause, ev: Evidence, policy: Suggestions, action_id: str, field_name: str
) -> Suggestion | None:
    seen = [v for v in ev.series.get("lambda_concurrency", ()) if v is not None]
    if not seen:
        return None
    p99 = _p99(seen)
    wanted = p99 * policy.concurrency_headroom
    value = max(1, math.ceil(wanted - 1e-9))
    lines = [
        f"p99 of concurrency over the window: {_num(p99)} ({len(seen)} periods, peak {_num(max(seen))})",
        f"{_num(p99)} x {policy.concurrency_headroom:g} headroom = {_num(wanted)} -> {value}",
    ]
    capped = False
    if value > policy.concurrency_ceiling:
        lines.append(
            f"capped at {policy.concurrency_ceiling} (suggestions.concurrency_ceiling); the "
            f"window asks for {value}"
        )
        value, capped = policy.concurrency_ceiling, True
    return Suggestion(
        action_id,
        ev.function,
        {field_name: str(value)},
        tuple(lines),
        cause.line,
        capped=capped,
        kind=cause.kind,
    )


def next_memory_step(memory_mb: int) -> int | None:
    """The next of `MEMORY_STEPS_MB` above `memory_mb`, or None at the top."""
    return next((m for m in MEMORY_STEPS_MB if m > memory_mb), None)


def _memory(cause: Cause, ev: Evidence, policy: Suggestions) -> Suggestion | None:
    now = ev.resources.memory_mb
    if now is None:
        return None
    step = next_memory_step(now)
    if step is None:
        return None
    lines = [f"{now} MB -> {step} MB: the next of the sizes AWS recommends trying ({_steps()})"]
    capped = False
    if step > policy.memory_ceiling_mb:
        if now >= policy.memory_ceiling_mb:
            return None
        lines.append(
            f"capped at {policy.memory_ceiling_mb} MB (suggestions.memory_ceiling_mb); the next "
            f"step is {step} MB"
        )
        step, capped = policy.memory_ceiling_mb, True
    scale = min(step, 1769) / min(now, 1769)
    avg = ev.value("latency")
    if scale > 1 and avg is not None:
        lines.append(
            f"CPU grows with memory (x{scale:.2f} up to one vCPU at 1,769 MB): CPU-bound time "
            f"could fall from {avg:.0f} ms toward {avg / scale:.0f} ms; time spent waiting on a "
            "dependency does not"
        )
    return Suggestion(
        "lambda-memory",
        ev.function,
        {"memory_mb": str(step)},
        tuple(lines),
        cause.line,
        capped=capped,
        kind=cause.kind,
    )


def _steps() -> str:
    return ", ".join(f"{m:,}" for m in MEMORY_STEPS_MB[:8]) + " ..."


def _num(value: float) -> str:
    return f"{value:.1f}" if abs(value) < 100 and value != int(value) else f"{value:.0f}"
