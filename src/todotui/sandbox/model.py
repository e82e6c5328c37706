"""The sandbox's traffic model: the stack's live state and a scenario in, one period's figures out.

Pure (no IO), so every rule can be unit-tested and explained:

- the request rate comes from the scenario, with a gentle daily shape and a little noise;
- GET requests are answered by the API cache when the stage has one (fewer invocations);
- duration = handler CPU time (which falls as memory rises, up to one full vCPU at 1,769 MB)
  + DynamoDB latency + any slow dependency; the bad version adds its own latency;
- concurrency = invocation rate x duration (Little's law); above the reserved (or account)
  concurrency the excess is throttled;
- new execution environments cold-start (an init duration on the API's latency) unless READY
  provisioned concurrency serves them;
- DynamoDB consumes capacity from the request mix and throttles the share that exceeds
  provisioned capacity (never on a PAY_PER_REQUEST table); a throttled call fails the
  invocation after the SDK's retries, which API Gateway turns into a 5XX;
- an attacker's failed sign-ins are 4XX until the attacker's user is disabled.

Counts are drawn with stochastic rounding from a seeded `random.Random`, so the same seed
gives the same figures.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from todotui.sandbox.scenarios import Traffic

ACCOUNT_CONCURRENCY = 1000
"""Lambda's default account concurrency limit per region."""
FULL_VCPU_MB = 1769
"""Lambda gives a function one full vCPU at this memory size; CPU share is proportional below it."""
HANDLER_CPU_MS_AT_128 = 100.0
"""The handler's own CPU time per request at 128 MB (about 120 ms in total with DynamoDB)."""
RUNTIME_OVERHEAD_MS = 6.0
INIT_MS_AT_128 = 420.0
"""Python runtime + boto3 import on a cold start at 128 MB; falls with memory like CPU time."""
INIT_FLOOR_MS = 160.0
THROTTLE_RETRY_MS = 350.0
"""Time the SDK spends backing off and retrying a throttled DynamoDB call before giving up."""
API_OVERHEAD_MS = 9.0
"""API Gateway's own time per request (authorizer cache hit, mapping), over the integration."""
CACHE_HIT_MS = 4.0
INVOKE_OVERHEAD_MS = 12.0
"""Time between API Gateway calling Lambda and the handler starting, and back."""
ENV_RECYCLE_SHARE = 0.002
"""Share of on-demand invocations that land on a fresh environment even at a flat rate."""
BASELINE_4XX_SHARE = 0.004
"""Not-found and validation errors that every API sees."""
SIGNIN_FAILURE_SHARE = 0.05
"""Legitimate users mistyping their password."""


@dataclass(frozen=True, slots=True)
class Route:
    """One API route: its share of requests and the DynamoDB call it makes."""

    name: str
    share: float
    operation: str | None = None
    """DynamoDB operation on the main table, or None."""
    audited: bool = False
    """Whether the handler writes an audit item (PutItem on the PAY_PER_REQUEST table)."""

    @property
    def method(self) -> str:
        return self.name.split(" ", 1)[0]

    @property
    def cacheable(self) -> bool:
        # A stage cache applies to GET methods by default.
        return self.method == "GET"


ROUTES: tuple[Route, ...] = (
    Route("GET /todos", 0.14, "Query"),
    Route("GET /todos/{id}", 0.08, "GetItem"),
    Route("GET /me", 0.28),
    Route("GET /config", 0.19),
    Route("POST /todos", 0.05, "PutItem", audited=True),
    Route("PUT /todos/{id}", 0.03, "UpdateItem", audited=True),
    Route("DELETE /todos/{id}", 0.02, "DeleteItem", audited=True),
    Route("POST /events", 0.20, audited=True),
    Route("POST /auth/signin", 0.01, audited=True),
)
SIGNIN_ROUTE = "POST /auth/signin"
READ_OPERATIONS = ("GetItem", "Query")
WRITE_OPERATIONS = ("PutItem", "UpdateItem", "DeleteItem")
OPERATIONS = READ_OPERATIONS + WRITE_OPERATIONS
CAPACITY_UNITS = {
    "GetItem": 0.5,
    "Query": 0.5,
    "PutItem": 1.0,
    "UpdateItem": 1.0,
    "DeleteItem": 1.0,
}
"""Per call: eventually consistent reads of at most 4 KB, writes of at most 1 KB."""
OPERATION_LATENCY_MS = {
    "GetItem": 3.5,
    "Query": 6.0,
    "PutItem": 5.5,
    "UpdateItem": 6.5,
    "DeleteItem": 5.0,
}
AUDIT_LATENCY_MS = 5.5
SIGNIN_COGNITO_MS = 140.0
"""The sign-in route waits on Cognito's InitiateAuth."""


# ---------------------------------------------------------------------------------------------
# Inputs


@dataclass(frozen=True, slots=True)
class TableState:
    """A DynamoDB table as DescribeTable shows it."""

    name: str
    billing_mode: str = "PROVISIONED"
    """PROVISIONED or PAY_PER_REQUEST."""
    read_capacity: int | None = 5
    write_capacity: int | None = 5

    @property
    def on_demand(self) -> bool:
        return self.billing_mode == "PAY_PER_REQUEST"


@dataclass(frozen=True, slots=True)
class StackState:
    """What the simulator reads from the stack each tick; every remediation changes one of these."""

    table: TableState
    """The main table (todos-table)."""
    audit_table: TableState
    """The PAY_PER_REQUEST table, for contrast: it never throttles."""
    memory_mb: int = 128
    timeout_s: float = 30.0
    reserved_concurrency: int | None = None
    """The function's reserved concurrency, or None for the account's unreserved pool."""
    provisioned_ready: Mapping[str, int] = field(default_factory=dict)
    """READY provisioned concurrency by qualifier (alias name or version number)."""
    alias: str = "PROD"
    primary_version: str = "1"
    additional_version: str | None = None
    additional_weight: float = 0.0
    cache_enabled: bool = False
    cache_size_gb: float | None = None
    cache_ttl_s: int = 300
    disabled_users: frozenset[str] = frozenset()

    @property
    def concurrency_limit(self) -> int:
        return (
            self.reserved_concurrency
            if self.reserved_concurrency is not None
            else ACCOUNT_CONCURRENCY
        )

    def version_weights(self) -> dict[str, float]:
        """The alias's routing: ExecutedVersion -> share of invocations."""
        if self.additional_version and self.additional_weight > 0:
            weight = min(1.0, max(0.0, self.additional_weight))
            return {self.primary_version: 1.0 - weight, self.additional_version: weight}
        return {self.primary_version: 1.0}

    def provisioned_for(self, version: str, weight: float) -> float:
        """READY provisioned concurrency that serves `version` (its own, plus its share of the alias's)."""
        return (
            self.provisioned_ready.get(version, 0)
            + self.provisioned_ready.get(self.alias, 0) * weight
        )


# ---------------------------------------------------------------------------------------------
# Outputs


@dataclass(frozen=True, slots=True)
class Stat:
    """One aggregated datapoint: CloudWatch's StatisticValues."""

    count: float
    total: float
    minimum: float
    maximum: float

    @property
    def average(self) -> float:
        return self.total / self.count if self.count else 0.0

    @classmethod
    def of_counts(cls, events: int, samples: int) -> Stat:
        """A count metric where each of `samples` requests contributes 0 or 1 (Errors, 4XXError)."""
        return cls(samples, events, 0.0, 1.0 if events else 0.0)

    @classmethod
    def of_sum(cls, total: float, samples: int, low: float, high: float) -> Stat:
        return cls(max(samples, 1), total, low, high)


@dataclass(frozen=True, slots=True)
class VersionFigures:
    """What one version behind the alias did this period (the ExecutedVersion series)."""

    version: str
    weight: float
    invocations: int
    errors: int
    duration: Stat | None
    """None when the version ran no invocations."""
    concurrency: float
    cold_starts: int
    bad: bool


@dataclass(frozen=True, slots=True)
class ProvisionedFigures:
    """Provisioned concurrency on one qualifier (READY only)."""

    qualifier: str
    allocated: int
    utilization: float
    """Peak concurrency it served / allocated, 0..1."""
    spillover_invocations: int


@dataclass(frozen=True, slots=True)
class LambdaFigures:
    invocations: int
    errors: int
    throttles: int
    duration: Stat | None
    concurrency_avg: float
    concurrency_max: float
    cold_starts: int
    on_demand_concurrency: float
    """Concurrency not covered by provisioned concurrency; its growth next tick is cold starts."""
    init_ms: float
    versions: tuple[VersionFigures, ...]
    provisioned: tuple[ProvisionedFigures, ...]
    error_kinds: Mapping[str, int]
    """Why invocations failed: "throttled" (DynamoDB), "exception", "timeout", "bad-version"."""


@dataclass(frozen=True, slots=True)
class OperationFigures:
    operation: str
    requests: int
    throttled: int
    latency: Stat | None
    """SuccessfulRequestLatency; None when no request succeeded."""


@dataclass(frozen=True, slots=True)
class TableFigures:
    name: str
    on_demand: bool
    provisioned_read: int | None
    provisioned_write: int | None
    consumed_read: float
    consumed_write: float
    read_requests: int
    write_requests: int
    read_throttle_events: int
    write_throttle_events: int
    operations: tuple[OperationFigures, ...]

    @property
    def throttled_requests(self) -> int:
        return self.read_throttle_events + self.write_throttle_events


@dataclass(frozen=True, slots=True)
class ApiFigures:
    count: int
    errors_4xx: int
    errors_5xx: int
    latency: Stat | None
    integration_latency: Stat | None
    cache_hits: int | None
    """None when the stage has no cache (CloudWatch then publishes no cache metrics)."""
    cache_misses: int | None


@dataclass(frozen=True, slots=True)
class SignIns:
    succeeded: int
    failed: int
    attacker_failed: int
    attacker: str


@dataclass(frozen=True, slots=True)
class TickOutcome:
    """One period's figures: what the simulator publishes, logs and traces."""

    at: datetime
    period: float
    request_rate: float
    """API requests per second this period."""
    api: ApiFigures
    function: LambdaFigures
    tables: tuple[TableFigures, ...]
    sign_ins: SignIns


# ---------------------------------------------------------------------------------------------
# The model


def draw(expected: float, rng: random.Random) -> int:
    """An integer whose mean is `expected` (stochastic rounding): small rates still show up."""
    if expected <= 0:
        return 0
    whole = math.floor(expected)
    return whole + (1 if rng.random() < expected - whole else 0)


def ramp(traffic: Traffic, ticks_in_scenario: int) -> float:
    """How far the scenario has grown in: 0 < ramp <= 1 over `ramp_ticks` ticks."""
    return min(1.0, (ticks_in_scenario + 1) / max(1, traffic.ramp_ticks))


def daily_shape(at: datetime) -> float:
    """A gentle weekday curve: +15% at 14:00 UTC, -15% at 02:00."""
    hours = at.hour + at.minute / 60 + at.second / 3600
    return 1.0 + 0.15 * math.sin(2 * math.pi * (hours - 8) / 24)


def request_rate(
    traffic: Traffic, at: datetime, ticks_in_scenario: int, rng: random.Random
) -> float:
    """API requests per second (excluding an attacker's sign-ins)."""
    multiplier = 1.0 + (traffic.rate_multiplier - 1.0) * ramp(traffic, ticks_in_scenario)
    noise = min(1.08, max(0.92, rng.gauss(1.0, 0.03)))
    return traffic.base_rps * daily_shape(at) * multiplier * noise


def cpu_scale(memory_mb: int) -> float:
    """CPU time relative to 128 MB: CPU share grows with memory up to one full vCPU."""
    return 128 / min(max(memory_mb, 128), FULL_VCPU_MB)


def handler_ms(memory_mb: int) -> float:
    return HANDLER_CPU_MS_AT_128 * cpu_scale(memory_mb) + RUNTIME_OVERHEAD_MS


def init_ms(memory_mb: int) -> float:
    return max(INIT_FLOOR_MS, INIT_MS_AT_128 * math.sqrt(cpu_scale(memory_mb)))


def cache_hit_ratio(state: StackState) -> float:
    """Share of cacheable GETs answered from the stage cache: longer TTLs keep more fresh."""
    if not state.cache_enabled or state.cache_ttl_s <= 0:
        return 0.0
    return 0.85 * state.cache_ttl_s / (state.cache_ttl_s + 60)


def timeout_share(mean_ms: float, timeout_ms: float) -> float:
    """Share of invocations that run past the timeout, from an exponential tail above the mean."""
    if mean_ms >= timeout_ms:
        return 1.0
    return math.exp(-(timeout_ms - mean_ms) / (0.2 * mean_ms))


def route_ms(route: Route, state: StackState, traffic: Traffic, grown: float) -> float:
    """Mean duration of one successful invocation of `route` on a good version."""
    ms = handler_ms(state.memory_mb) + traffic.dependency_ms * grown
    if route.operation:
        ms += OPERATION_LATENCY_MS[route.operation]
    if route.audited:
        ms += AUDIT_LATENCY_MS
    if route.name == SIGNIN_ROUTE:
        ms += SIGNIN_COGNITO_MS
    return ms


def simulate(
    state: StackState,
    traffic: Traffic,
    *,
    at: datetime,
    period: float,
    rng: random.Random,
    ticks_in_scenario: int = 0,
    bad_version: str | None = None,
    previous_concurrency: float = 0.0,
) -> TickOutcome:
    """One period of traffic against a stack in `state`, shaped by `traffic`.

    `bad_version` is the version a bad deploy published (its own error rate and latency apply
    to the share of traffic its alias weight sends it); `previous_concurrency` is last period's
    on-demand concurrency, so a rise shows up as cold starts.
    """
    grown = ramp(traffic, ticks_in_scenario)
    rate = request_rate(traffic, at, ticks_in_scenario, rng)

    # --- API Gateway: requests per route, the cache, the attacker ---------------------------
    requests = {route.name: draw(rate * route.share * period, rng) for route in ROUTES}
    attacker_active = (
        traffic.failed_signins_rps > 0 and traffic.attacker not in state.disabled_users
    )
    attack_attempts = (
        draw(traffic.failed_signins_rps * grown * period, rng) if attacker_active else 0
    )
    requests[SIGNIN_ROUTE] += attack_attempts
    hit_ratio = cache_hit_ratio(state)
    hits = {r.name: draw(requests[r.name] * hit_ratio, rng) if r.cacheable else 0 for r in ROUTES}
    wanted = {r.name: requests[r.name] - hits[r.name] for r in ROUTES}
    total_wanted = sum(wanted.values())

    # --- Lambda concurrency limit (Little's law on the demand) ------------------------------
    weights = state.version_weights()
    mean_ms = {
        v: _mix_mean(wanted, state, traffic, grown, extra=_bad_extra(v, bad_version, traffic))
        for v in weights
    }
    demand_ms = sum(weights[v] * mean_ms[v] for v in weights)
    demand_concurrency = total_wanted / period * demand_ms / 1000
    limit = state.concurrency_limit
    throttle_share = 0.0 if demand_concurrency <= limit else 1.0 - limit / demand_concurrency
    invoked = {name: n - draw(n * throttle_share, rng) for name, n in wanted.items()}
    throttles = total_wanted - sum(invoked.values())

    # --- Split by ExecutedVersion -------------------------------------------------------------
    by_version: dict[str, dict[str, int]] = {v: {} for v in weights}
    for name, n in invoked.items():
        remaining = n
        for i, v in enumerate(weights):
            share = (
                remaining if i == len(weights) - 1 else min(remaining, draw(n * weights[v], rng))
            )
            by_version[v][name] = share
            remaining -= share

    # --- DynamoDB: demand against capacity ----------------------------------------------------
    op_calls = {op: 0 for op in OPERATIONS}
    for route in ROUTES:
        if route.operation:
            op_calls[route.operation] += invoked[route.name]
    read_demand = sum(op_calls[op] * CAPACITY_UNITS[op] for op in READ_OPERATIONS)
    write_demand = sum(op_calls[op] * CAPACITY_UNITS[op] for op in WRITE_OPERATIONS)
    read_share = _throttled_share(read_demand, state.table.read_capacity, state.table, period)
    write_share = _throttled_share(write_demand, state.table.write_capacity, state.table, period)
    op_throttled = {
        op: draw(op_calls[op] * (read_share if op in READ_OPERATIONS else write_share), rng)
        for op in OPERATIONS
    }
    throttled_by_route = _spread_throttles(invoked, op_throttled)

    # --- Invocation outcomes per version -----------------------------------------------------
    timeout_ms = state.timeout_s * 1000
    versions: list[VersionFigures] = []
    error_kinds = {"throttled": 0, "exception": 0, "timeout": 0, "bad-version": 0}
    audit_writes = 0
    total_cold = 0
    total_on_demand = 0.0
    provisioned: list[ProvisionedFigures] = []
    for v, weight in weights.items():
        calls = by_version[v]
        n = sum(calls.values())
        is_bad = v == bad_version
        extra = _bad_extra(v, bad_version, traffic)
        errors = 0
        total_ms = 0.0
        low, high = math.inf, 0.0
        for route in ROUTES:
            count = calls[route.name]
            if not count:
                continue
            throttled = min(
                count, _take_share(throttled_by_route[route.name], count, invoked[route.name])
            )
            ok_calls = count - throttled
            ms = route_ms(route, state, traffic, grown) + extra
            timed_out = draw(ok_calls * timeout_share(ms, timeout_ms), rng)
            rest = ok_calls - timed_out
            exceptions = draw(rest * traffic.handler_error_rate * grown, rng)
            bad_errors = (
                draw((rest - exceptions) * traffic.bad_version_error_rate, rng) if is_bad else 0
            )
            errors += throttled + timed_out + exceptions + bad_errors
            error_kinds["throttled"] += throttled
            error_kinds["timeout"] += timed_out
            error_kinds["exception"] += exceptions
            error_kinds["bad-version"] += bad_errors
            if route.audited:
                audit_writes += ok_calls - timed_out
            fast_ms = min(ms, timeout_ms)
            total_ms += rest * fast_ms + timed_out * timeout_ms
            total_ms += throttled * (handler_ms(state.memory_mb) + THROTTLE_RETRY_MS + extra)
            low = min(low, 0.55 * fast_ms)
            high = max(high, min(timeout_ms, fast_ms * rng.uniform(2.0, 2.6)))
            if timed_out:
                high = timeout_ms
            if throttled:
                high = max(
                    high, min(timeout_ms, handler_ms(state.memory_mb) + 3 * THROTTLE_RETRY_MS)
                )
        duration = Stat(n, total_ms, low, high) if n else None
        concurrency = n / period * (total_ms / n if n else 0.0) / 1000

        # Cold starts on environments that provisioned concurrency does not cover.
        pc = state.provisioned_for(v, weight)
        covered = min(1.0, pc / concurrency) if concurrency > 0 else 1.0 if pc else 0.0
        on_demand_invocations = n * (1.0 - covered)
        on_demand_concurrency = max(0.0, concurrency - pc)
        total_on_demand += on_demand_concurrency
        growth = max(0.0, on_demand_concurrency - previous_concurrency * weight)
        cold = min(n, draw(on_demand_invocations * ENV_RECYCLE_SHARE + growth, rng)) if n else 0
        total_cold += cold
        versions.append(VersionFigures(v, weight, n, errors, duration, concurrency, cold, is_bad))

    function_invocations = sum(vf.invocations for vf in versions)
    function_errors = sum(vf.errors for vf in versions)
    durations = [vf.duration for vf in versions if vf.duration]
    function_duration = _merge(durations)
    concurrency_avg = sum(vf.concurrency for vf in versions)
    concurrency_max = (
        min(float(limit), concurrency_avg * rng.uniform(1.2, 1.45)) if concurrency_avg else 0.0
    )
    if throttles:
        concurrency_max = float(limit)

    for qualifier, allocated in sorted(state.provisioned_ready.items()):
        if allocated <= 0:
            continue
        if qualifier == state.alias:
            served_concurrency_max = concurrency_max
            share_invocations = function_invocations
        elif qualifier in weights:
            vf = next(x for x in versions if x.version == qualifier)
            served_concurrency_max = vf.concurrency * (
                concurrency_max / concurrency_avg if concurrency_avg else 1
            )
            share_invocations = vf.invocations
        else:
            served_concurrency_max, share_invocations = 0.0, 0
        utilization = min(1.0, served_concurrency_max / allocated)
        spill = (
            0.0 if served_concurrency_max <= allocated else 1.0 - allocated / served_concurrency_max
        )
        provisioned.append(
            ProvisionedFigures(
                qualifier, allocated, utilization, draw(share_invocations * spill, rng)
            )
        )

    # --- DynamoDB figures ---------------------------------------------------------------------
    main = _table_figures(state.table, op_calls, op_throttled, rng)
    audit_calls = {op: 0 for op in OPERATIONS}
    audit_calls["PutItem"] = audit_writes
    audit = _table_figures(state.audit_table, audit_calls, {op: 0 for op in OPERATIONS}, rng)

    # --- API Gateway figures ------------------------------------------------------------------
    count = sum(requests.values())
    legit_signins = invoked[SIGNIN_ROUTE] - min(invoked[SIGNIN_ROUTE], attack_attempts)
    attacker_failed = min(attack_attempts, invoked[SIGNIN_ROUTE])
    legit_failed = draw(legit_signins * SIGNIN_FAILURE_SHARE, rng)
    errors_4xx = (
        draw((count - attack_attempts) * BASELINE_4XX_SHARE, rng) + attacker_failed + legit_failed
    )
    errors_5xx = function_errors + throttles
    init = init_ms(state.memory_mb)
    total_hits = sum(hits.values())
    integration_total = 0.0
    if function_duration:
        integration_total = function_duration.total + function_invocations * INVOKE_OVERHEAD_MS
        integration_total += total_cold * init
    integration_total += throttles * INVOKE_OVERHEAD_MS
    backend_requests = function_invocations + throttles
    integration = (
        Stat(
            backend_requests,
            integration_total,
            INVOKE_OVERHEAD_MS + (function_duration.minimum if function_duration else 0.0),
            INVOKE_OVERHEAD_MS
            + (function_duration.maximum if function_duration else 0.0)
            + (init if total_cold else 0.0),
        )
        if backend_requests
        else None
    )
    latency = None
    if count:
        latency_total = (
            integration_total + backend_requests * API_OVERHEAD_MS + total_hits * CACHE_HIT_MS
        )
        latency = Stat(
            count,
            latency_total,
            CACHE_HIT_MS
            if total_hits
            else API_OVERHEAD_MS + (integration.minimum if integration else 0.0),
            API_OVERHEAD_MS + (integration.maximum if integration else 0.0),
        )
    api = ApiFigures(
        count=count,
        errors_4xx=min(count, errors_4xx),
        errors_5xx=min(count, errors_5xx),
        latency=latency,
        integration_latency=integration,
        cache_hits=total_hits if state.cache_enabled else None,
        cache_misses=(sum(requests[r.name] for r in ROUTES if r.cacheable) - total_hits)
        if state.cache_enabled
        else None,
    )

    function = LambdaFigures(
        invocations=function_invocations,
        errors=function_errors,
        throttles=throttles,
        duration=function_duration,
        concurrency_avg=concurrency_avg,
        concurrency_max=concurrency_max,
        cold_starts=total_cold,
        on_demand_concurrency=total_on_demand,
        init_ms=init,
        versions=tuple(versions),
        provisioned=tuple(provisioned),
        error_kinds=error_kinds,
    )
    return TickOutcome(
        at=at,
        period=period,
        request_rate=count / period,
        api=api,
        function=function,
        tables=(main, audit),
        sign_ins=SignIns(
            succeeded=legit_signins - legit_failed,
            failed=legit_failed,
            attacker_failed=attacker_failed,
            attacker=traffic.attacker,
        ),
    )


def _bad_extra(version: str, bad_version: str | None, traffic: Traffic) -> float:
    return traffic.bad_version_extra_ms if version == bad_version else 0.0


def _mix_mean(
    calls: Mapping[str, int], state: StackState, traffic: Traffic, grown: float, extra: float
) -> float:
    total = sum(calls.values())
    if not total:
        return 0.0
    return sum(calls[r.name] * (route_ms(r, state, traffic, grown) + extra) for r in ROUTES) / total


def _throttled_share(
    demand_units: float, capacity: int | None, table: TableState, period: float
) -> float:
    """Share of calls DynamoDB rejects: what exceeds provisioned capacity over the period."""
    if table.on_demand or capacity is None or demand_units <= 0:
        return 0.0
    allowed = capacity * period
    return 0.0 if demand_units <= allowed else 1.0 - allowed / demand_units


def _spread_throttles(
    invoked: Mapping[str, int], op_throttled: Mapping[str, int]
) -> dict[str, int]:
    """Assign each operation's throttled calls to the route that made them (one route per operation)."""
    out = {r.name: 0 for r in ROUTES}
    for route in ROUTES:
        if route.operation:
            out[route.name] = min(invoked[route.name], op_throttled[route.operation])
    return out


def _take_share(part: int, of: int, whole: int) -> int:
    """The share of `part` (out of `whole`) that falls in a subset of size `of`."""
    if not whole:
        return 0
    return round(part * of / whole)


def _merge(stats: list[Stat]) -> Stat | None:
    if not stats:
        return None
    return Stat(
        sum(s.count for s in stats),
        sum(s.total for s in stats),
        min(s.minimum for s in stats),
        max(s.maximum for s in stats),
    )


def _table_figures(
    table: TableState, calls: Mapping[str, int], throttled: Mapping[str, int], rng: random.Random
) -> TableFigures:
    operations = []
    for op in OPERATIONS:
        ok = calls[op] - throttled[op]
        latency = None
        if ok:
            mean = OPERATION_LATENCY_MS[op] * rng.uniform(0.92, 1.08)
            latency = Stat(ok, ok * mean, mean * 0.45, mean * rng.uniform(3.0, 4.5))
        if calls[op] or not table.on_demand:
            operations.append(OperationFigures(op, calls[op], throttled[op], latency))
    consumed_read = sum((calls[op] - throttled[op]) * CAPACITY_UNITS[op] for op in READ_OPERATIONS)
    consumed_write = sum(
        (calls[op] - throttled[op]) * CAPACITY_UNITS[op] for op in WRITE_OPERATIONS
    )
    return TableFigures(
        name=table.name,
        on_demand=table.on_demand,
        provisioned_read=None if table.on_demand else table.read_capacity,
        provisioned_write=None if table.on_demand else table.write_capacity,
        consumed_read=consumed_read,
        consumed_write=consumed_write,
        read_requests=sum(calls[op] - throttled[op] for op in READ_OPERATIONS),
        write_requests=sum(calls[op] - throttled[op] for op in WRITE_OPERATIONS),
        read_throttle_events=sum(throttled[op] for op in READ_OPERATIONS),
        write_throttle_events=sum(throttled[op] for op in WRITE_OPERATIONS),
        operations=tuple(operations),
    )
