"""The sandbox's traffic model: the stack's live state and a scenario in, one period's figures out.

Pure (no IO), so every rule can be unit-tested and explained:

- the request rate comes from the scenario, with a gentle daily shape and a little noise;
- GET requests are answered by the API cache when the stage has one (fewer invocations);
- duration = handler CPU time (which falls as memory rises, up to one full vCPU at 1,769 MB)
  + DynamoDB latency + any slow dependency;
- the alias's live routing sends each invocation to a version at random with its configured
  weight (a binomial draw: at low traffic the observed share is noisy, as on AWS); a version
  that runs a candidate's code (known by its CodeSha256) adds that candidate's errors and
  latency for the invocations it gets;
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

from todotui.sandbox.scenarios import Candidate, Traffic

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
P99_RATIO = 1.9
"""A route's p99 duration over its mean (the maximum is 2 to 2.6 times the mean)."""
EXACT_BINOMIAL_BELOW = 64
"""Trials up to which a binomial draw flips a coin for each one."""


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
    candidate_code: Mapping[str, Candidate] = field(default_factory=dict)
    """Versions whose code is a candidate's (by CodeSha256): version -> that candidate. Every
    other version runs the stable code."""
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
        if (
            self.additional_version
            and self.additional_version != self.primary_version
            and self.additional_weight > 0
        ):
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
    """The alias's configured share for this version (the observed share is drawn from it)."""
    invocations: int
    errors: int
    duration: Stat | None
    """None when the version ran no invocations."""
    concurrency: float
    cold_starts: int
    candidate: Candidate | None
    """The candidate whose code this version runs, or None for the stable code."""
    throttles: int = 0
    """Concurrency throttles of the invocations the alias routed to this version."""
    p99_ms: float | None = None
    """The period's p99 duration (what CloudWatch's percentile would show); None with no
    invocations."""


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
    """Why invocations failed: "throttled" (DynamoDB), "exception", "timeout", and a candidate
    code's own failures under its `failure` kind ("candidate", "validation")."""


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


def binomial(trials: int, p: float, rng: random.Random) -> int:
    """How many of `trials` independent events of probability `p` happen (a binomial draw).

    Exact coin flips for few trials; the normal approximation when the spread is wide; the
    inverse of the distribution function otherwise (few expected events among many trials).
    """
    if trials <= 0 or p <= 0:
        return 0
    if p >= 1:
        return trials
    if p > 0.5:
        return trials - binomial(trials, 1.0 - p, rng)
    if trials <= EXACT_BINOMIAL_BELOW:
        return sum(1 for _ in range(trials) if rng.random() < p)
    mean = trials * p
    variance = mean * (1.0 - p)
    if variance >= 25:
        return min(trials, max(0, round(rng.gauss(mean, math.sqrt(variance)))))
    u = rng.random()
    k = 0
    probability = (1.0 - p) ** trials
    cumulative = probability
    odds = p / (1.0 - p)
    while u > cumulative and k < trials:
        probability *= (trials - k) / (k + 1) * odds
        k += 1
        cumulative += probability
    return k


def split(count: int, weights: Mapping[str, float], rng: random.Random) -> dict[str, int]:
    """Route `count` invocations among versions at random with their weights (as an alias
    does, one invocation at a time): one version takes all, two share by a binomial draw."""
    versions = list(weights)
    out = {v: 0 for v in versions}
    remaining, remaining_weight = count, sum(weights.values())
    for v in versions[:-1]:
        share = weights[v] / remaining_weight if remaining_weight > 0 else 0.0
        out[v] = binomial(remaining, share, rng)
        remaining -= out[v]
        remaining_weight -= weights[v]
    out[versions[-1]] = remaining
    return out


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
    """Mean duration of one successful invocation of `route` on the stable code."""
    ms = handler_ms(state.memory_mb) + traffic.dependency_ms * grown
    if route.operation:
        ms += OPERATION_LATENCY_MS[route.operation]
    if route.audited:
        ms += AUDIT_LATENCY_MS
    if route.name == SIGNIN_ROUTE:
        ms += SIGNIN_COGNITO_MS
    return ms


def version_ms(
    route: Route, state: StackState, traffic: Traffic, grown: float, code: Candidate | None
) -> tuple[float, float]:
    """(mean, p99) duration of one successful invocation of `route` on a version running `code`.

    A candidate's tail factor stretches the handler's own CPU time in the mean and the whole
    tail in the p99; its extra milliseconds add to both.
    """
    ms = route_ms(route, state, traffic, grown)
    if code is None:
        return ms, ms * P99_RATIO
    cpu = HANDLER_CPU_MS_AT_128 * cpu_scale(state.memory_mb)
    mean = max(1.0, ms + cpu * (code.tail_factor - 1.0) + code.extra_ms)
    p99 = max(mean, (ms + code.extra_ms) * P99_RATIO * code.tail_factor)
    return mean, p99


def simulate(
    state: StackState,
    traffic: Traffic,
    *,
    at: datetime,
    period: float,
    rng: random.Random,
    ticks_in_scenario: int = 0,
    previous_concurrency: float = 0.0,
) -> TickOutcome:
    """One period of traffic against a stack in `state`, shaped by `traffic`.

    Each version behind the alias gets a random share of the invocations drawn from its
    weight, and behaves as its code does (`state.candidate_code`); `previous_concurrency` is
    last period's on-demand concurrency, so a rise shows up as cold starts.
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
    code = {v: state.candidate_code.get(v) for v in weights}
    mean_ms = {v: _mix_mean(wanted, state, traffic, grown, code[v]) for v in weights}
    demand_ms = sum(weights[v] * mean_ms[v] for v in weights)
    demand_concurrency = total_wanted / period * demand_ms / 1000
    limit = state.concurrency_limit
    throttle_share = 0.0 if demand_concurrency <= limit else 1.0 - limit / demand_concurrency
    invoked = {name: n - draw(n * throttle_share, rng) for name, n in wanted.items()}
    throttles = total_wanted - sum(invoked.values())

    # --- Split by ExecutedVersion: each invocation goes to a version at random ---------------
    by_version: dict[str, dict[str, int]] = {v: {} for v in weights}
    for name, n in invoked.items():
        for v, share in split(n, weights, rng).items():
            by_version[v][name] = share
    throttles_by_version = split(throttles, weights, rng)

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
    error_kinds = {"throttled": 0, "exception": 0, "timeout": 0, "candidate": 0}
    audit_writes = 0
    total_cold = 0
    total_on_demand = 0.0
    provisioned: list[ProvisionedFigures] = []
    for v, weight in weights.items():
        calls = by_version[v]
        n = sum(calls.values())
        candidate = code[v]
        extra = candidate.extra_ms if candidate else 0.0
        failing = candidate.error_rate if candidate else 0.0
        errors = 0
        total_ms = 0.0
        p99_weighted = 0.0
        timed_out_calls = 0
        low, high = math.inf, 0.0
        for route in ROUTES:
            count = calls[route.name]
            if not count:
                continue
            throttled = min(
                count, _take_share(throttled_by_route[route.name], count, invoked[route.name])
            )
            ok_calls = count - throttled
            ms, p99 = version_ms(route, state, traffic, grown, candidate)
            timed_out = draw(ok_calls * timeout_share(ms, timeout_ms), rng)
            rest = ok_calls - timed_out
            exceptions = draw(rest * traffic.handler_error_rate * grown, rng)
            candidate_errors = draw((rest - exceptions) * failing, rng) if failing else 0
            errors += throttled + timed_out + exceptions + candidate_errors
            error_kinds["throttled"] += throttled
            error_kinds["timeout"] += timed_out
            error_kinds["exception"] += exceptions
            if candidate_errors:
                assert candidate is not None
                kind = candidate.failure
                error_kinds[kind] = error_kinds.get(kind, 0) + candidate_errors
            if route.audited:
                audit_writes += ok_calls - timed_out
            fast_ms = min(ms, timeout_ms)
            total_ms += rest * fast_ms + timed_out * timeout_ms
            throttled_ms = handler_ms(state.memory_mb) + THROTTLE_RETRY_MS + extra
            total_ms += throttled * throttled_ms
            p99_weighted += rest * min(p99, timeout_ms) + throttled * min(
                timeout_ms, throttled_ms + 2 * THROTTLE_RETRY_MS
            )
            timed_out_calls += timed_out
            low = min(low, 0.55 * fast_ms)
            high = max(high, min(timeout_ms, fast_ms * rng.uniform(2.0, 2.6)))
            if candidate:  # a stretched tail reaches past the stable code's maximum
                high = max(high, min(timeout_ms, p99 * rng.uniform(1.05, 1.25)))
            if timed_out:
                high = timeout_ms
            if throttled:
                high = max(
                    high, min(timeout_ms, handler_ms(state.memory_mb) + 3 * THROTTLE_RETRY_MS)
                )
        duration = Stat(n, total_ms, low, high) if n else None
        # A p99 is not a mean, but the invocation-weighted p99 of the routes is close enough
        # for a mix this even; when 1% or more time out, the p99 is the timeout itself.
        p99_ms: float | None = None
        if duration is not None:
            answered = n - timed_out_calls
            if timed_out_calls >= 0.01 * n or not answered:
                p99_ms = timeout_ms
            else:
                p99_ms = max(duration.average, p99_weighted / answered)
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
        versions.append(
            VersionFigures(
                v,
                weight,
                n,
                errors,
                duration,
                concurrency,
                cold,
                candidate,
                throttles=throttles_by_version[v],
                p99_ms=p99_ms,
            )
        )

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


def _mix_mean(
    calls: Mapping[str, int],
    state: StackState,
    traffic: Traffic,
    grown: float,
    code: Candidate | None,
) -> float:
    total = sum(calls.values())
    if not total:
        return 0.0
    return (
        sum(calls[r.name] * version_ms(r, state, traffic, grown, code)[0] for r in ROUTES) / total
    )


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
