"""The sandbox's traffic simulator: read the stack, run the model, publish what AWS would.

Each tick simulates one period at `now`: it reads the stack's live state through the AWS API
(so a remediation made by anyone changes what follows), including the alias's routing and the
code (CodeSha256) of each version it routes to, runs the pure model (`model.py`),
pushes one aggregated datapoint per series to CloudWatch, writes log lines and X-Ray
segments, evaluates the alarms (`alarms.py`) and prunes old datapoints. It runs in the
sandbox process next to moto's server and talks to it with boto3 on the endpoint URL.
"""

from __future__ import annotations

import functools
import itertools
import json
import random
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from todotui.sandbox.alarms import AlarmEvaluator, MetricRecord
from todotui.sandbox.history import LongHistory, kept
from todotui.sandbox.model import (
    ROUTES,
    StackState,
    Stat,
    TableState,
    TickOutcome,
    ramp,
    simulate,
)
from todotui.sandbox.provision import (
    Stack,
    candidate_codes,
    candidate_description,
    sandbox_client,
)
from todotui.sandbox.scenarios import Candidate, Scenario, scenario_named
from todotui.sandbox.trace_segments import trace_documents
from todotui.stack_names import StackNames
from todotui.telemetry.catalogue import APIGATEWAY, DYNAMODB, LAMBDA, PUBLISHED_UNITS, series_key
from todotui.telemetry.series import align_down

AWS_ERRORS = (BotoCoreError, ClientError)

MAX_DATA_PER_CALL = 1000
RETENTION = timedelta(hours=3)
"""What the cockpit's longest window needs at --period 60."""
MAX_RETAINED_PERIODS = 720
"""At short periods keep fewer periods than 3 hours' worth: moto's query cost grows with them."""
MAX_LOG_LINES = 30
MAX_ERROR_SAMPLES = 3
"""Failed requests logged per tick (six lines each: START, ERROR, traceback, JSON, END, REPORT)."""
MAX_AUTH_LINES = 40
"""Sign-in lines logged per tick: an attacker's burst shows as dozens of failures, as it
would in a real log (every attempt is a line there; a sample is enough here)."""
NORMAL_SAMPLES = 2
"""Successful requests logged per tick when nothing failed (one when something did)."""
LOG_STREAM_TICKS = 60
"""A log stream stands for one execution environment; a new one starts every this many ticks."""
ACCOUNT_FALLBACK = "123456789012"


@functools.lru_cache(maxsize=4096)
def _unit_of(namespace: str, metric: str, dimensions: tuple[tuple[str, str], ...]) -> str:
    """The published unit, by the whole series (values included: a fleet's 700 series fit):
    asked once or twice for every datapoint published, it was a fleet backfill's biggest cost."""
    return PUBLISHED_UNITS[series_key(namespace, metric, (n for n, _ in dimensions))]


@dataclass(frozen=True, slots=True)
class Datum:
    """One aggregated datapoint for one series."""

    namespace: str
    metric: str
    dimensions: tuple[tuple[str, str], ...]
    stat: Stat

    @property
    def unit(self) -> str:
        return _unit_of(self.namespace, self.metric, self.dimensions)

    def to_api(self, at: datetime, high_resolution: bool) -> dict[str, Any]:
        item: dict[str, Any] = {
            "MetricName": self.metric,
            "Dimensions": [{"Name": n, "Value": v} for n, v in self.dimensions],
            "Timestamp": at,
            "StatisticValues": {
                "SampleCount": float(self.stat.count),
                "Sum": float(self.stat.total),
                "Minimum": float(self.stat.minimum),
                "Maximum": float(self.stat.maximum),
            },
            "Unit": self.unit,
        }
        if high_resolution:
            item["StorageResolution"] = 1
        return item


def metric_data(outcome: TickOutcome, names: StackNames) -> list[Datum]:
    """The datapoints AWS would publish for one period, one per series (catalogue-checked)."""
    out: list[Datum] = []

    def put(namespace: str, metric: str, dims: Mapping[str, str], stat: Stat | None) -> None:
        if stat is None or stat.count <= 0:
            return
        if series_key(namespace, metric, dims) not in PUBLISHED_UNITS:
            raise KeyError(f"{namespace} {metric} {tuple(dims)} is not in the published catalogue")
        out.append(Datum(namespace, metric, tuple(dims.items()), stat))

    f = outcome.function
    fn = names.function_name
    alias_resource = f"{fn}:{names.alias}"
    attempts = f.invocations + f.throttles
    concurrency = Stat(
        max(1.0, outcome.period),
        f.concurrency_avg * max(1.0, outcome.period),
        f.concurrency_avg * 0.6,
        f.concurrency_max,
    )
    for dims in ({"FunctionName": fn}, {"FunctionName": fn, "Resource": alias_resource}):
        if f.invocations:
            put(LAMBDA, "Invocations", dims, Stat(f.invocations, f.invocations, 1, 1))
            put(LAMBDA, "Errors", dims, Stat.of_counts(f.errors, f.invocations))
            put(LAMBDA, "Duration", dims, f.duration)
        put(LAMBDA, "Throttles", dims, Stat.of_counts(f.throttles, attempts))
        if attempts:
            put(LAMBDA, "ConcurrentExecutions", dims, concurrency)
    for v in f.versions:
        dims = {"FunctionName": fn, "Resource": alias_resource, "ExecutedVersion": v.version}
        if v.invocations:
            put(LAMBDA, "Invocations", dims, Stat(v.invocations, v.invocations, 1, 1))
            put(LAMBDA, "Errors", dims, Stat.of_counts(v.errors, v.invocations))
            put(LAMBDA, "Duration", dims, v.duration)
        put(LAMBDA, "Throttles", dims, Stat.of_counts(v.throttles, v.invocations + v.throttles))
    for pc in f.provisioned:
        dims = {"FunctionName": fn, "Resource": f"{fn}:{pc.qualifier}"}
        put(
            LAMBDA,
            "ProvisionedConcurrencyUtilization",
            dims,
            Stat(1, pc.utilization, pc.utilization, pc.utilization),
        )
        used = pc.utilization * pc.allocated
        put(LAMBDA, "ProvisionedConcurrentExecutions", dims, Stat(1, used, used, used))
        put(
            LAMBDA,
            "ProvisionedConcurrencySpilloverInvocations",
            dims,
            Stat.of_sum(
                pc.spillover_invocations, 1, pc.spillover_invocations, pc.spillover_invocations
            ),
        )

    for table in outcome.tables:
        dims = {"TableName": table.name}
        put(
            DYNAMODB,
            "ConsumedReadCapacityUnits",
            dims,
            Stat.of_sum(
                table.consumed_read,
                table.read_requests,
                0.5 if table.read_requests else 0.0,
                1.5 if table.read_requests else 0.0,
            ),
        )
        put(
            DYNAMODB,
            "ConsumedWriteCapacityUnits",
            dims,
            Stat.of_sum(
                table.consumed_write,
                table.write_requests,
                1.0 if table.write_requests else 0.0,
                1.0 if table.write_requests else 0.0,
            ),
        )
        if not table.on_demand:
            for metric, value in (
                ("ProvisionedReadCapacityUnits", table.provisioned_read),
                ("ProvisionedWriteCapacityUnits", table.provisioned_write),
            ):
                if value is not None:
                    put(DYNAMODB, metric, dims, Stat(1, value, value, value))
        reads = table.read_requests + table.read_throttle_events
        writes = table.write_requests + table.write_throttle_events
        put(
            DYNAMODB,
            "ReadThrottleEvents",
            dims,
            Stat.of_counts(table.read_throttle_events, max(reads, 1)),
        )
        put(
            DYNAMODB,
            "WriteThrottleEvents",
            dims,
            Stat.of_counts(table.write_throttle_events, max(writes, 1)),
        )
        put(
            DYNAMODB,
            "ThrottledRequests",
            dims,
            Stat.of_counts(table.throttled_requests, max(reads + writes, 1)),
        )
        for op in table.operations:
            op_dims = {"TableName": table.name, "Operation": op.operation}
            put(
                DYNAMODB,
                "ThrottledRequests",
                op_dims,
                Stat.of_counts(op.throttled, max(op.requests, 1)),
            )
            put(DYNAMODB, "SuccessfulRequestLatency", op_dims, op.latency)

    api = outcome.api
    for dims in (
        {"ApiName": names.api_name},
        {"ApiName": names.api_name, "Stage": names.stage_name},
    ):
        if not api.count:
            continue
        put(APIGATEWAY, "Count", dims, Stat(api.count, api.count, 1, 1))
        put(APIGATEWAY, "4XXError", dims, Stat.of_counts(api.errors_4xx, api.count))
        put(APIGATEWAY, "5XXError", dims, Stat.of_counts(api.errors_5xx, api.count))
        put(APIGATEWAY, "Latency", dims, api.latency)
        put(APIGATEWAY, "IntegrationLatency", dims, api.integration_latency)
        if api.cache_hits is not None and api.cache_misses is not None:
            lookups = api.cache_hits + api.cache_misses
            put(APIGATEWAY, "CacheHitCount", dims, Stat.of_counts(api.cache_hits, max(lookups, 1)))
            put(
                APIGATEWAY,
                "CacheMissCount",
                dims,
                Stat.of_counts(api.cache_misses, max(lookups, 1)),
            )
    return out


def prune_moto_metrics(account_id: str, region: str, before: datetime) -> int:
    """Drop datapoints older than `before` from moto's in-process CloudWatch store.

    A hack, kept here alone: moto holds every datapoint in `CloudWatchBackend.metric_data`, a
    list scanned on every query, so an afternoon of ticks would make each GetMetricData slower
    (AWS_FACTS). CloudWatch has no API to delete datapoints, so the simulator reaches into the
    backend of the server running in this same process. Datapoints are appended in time order,
    so the stale ones form a prefix, removed with one `del` (atomic under the GIL while the
    server's threads read the list). Answers how many were dropped.
    """
    from moto.cloudwatch.models import cloudwatch_backends

    data = cloudwatch_backends[account_id][region].metric_data
    stale = sum(1 for _ in itertools.takewhile(lambda d: _utc(d.timestamp) < before, data))
    if stale:
        del data[:stale]
    return stale


def sort_moto_metrics(account_id: str, region: str) -> None:
    """Put moto's datapoints back in time order (datapoints published after newer ones),
    which `prune_moto_metrics` relies on; one slice assignment, atomic for the server's threads."""
    from moto.cloudwatch.models import cloudwatch_backends

    data = cloudwatch_backends[account_id][region].metric_data
    data[:] = sorted(data, key=lambda d: _utc(d.timestamp))


def kept_series(datum: Datum) -> bool:
    """A series the long history holds (function, table and API; not the alias's or versions')."""
    return kept(datum.namespace, datum.metric, datum.dimensions)


def moto_datapoint_count(account_id: str, region: str) -> int:
    """How many datapoints moto holds (for tests and benchmarks of the pruning)."""
    from moto.cloudwatch.models import cloudwatch_backends

    return len(cloudwatch_backends[account_id][region].metric_data)


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def retention_for(period: float) -> timedelta:
    """How far back datapoints are kept: 3 hours, but at most `MAX_RETAINED_PERIODS` periods."""
    return min(RETENTION, timedelta(seconds=period * MAX_RETAINED_PERIODS))


class Simulator:
    """Closed-loop traffic for the sandbox, one period per `tick()`.

    Thread-safe: the ticker and the control API may call `tick` and `set_scenario` from
    different threads.
    """

    def __init__(
        self,
        *,
        endpoint_url: str,
        region: str,
        names: StackNames,
        stack: Stack,
        scenario: str = "steady",
        period: float = 5.0,
        seed: int = 0,
        start: datetime | None = None,
    ) -> None:
        if period <= 0:
            raise ValueError(f"period must be positive, not {period}")
        self.names = names
        self.stack = stack
        self.region = region
        self.period = float(period)
        self.scenario: Scenario = scenario_named(scenario)
        self.now: datetime = align_down(_utc(start or datetime.now(UTC)), self.period)
        self.started_at = self.now
        """Where simulated time started (the backfill and the ticks come after it)."""
        self.retention = retention_for(self.period)
        self._seed = seed
        self._rng = random.Random(seed)
        self._text_rng = random.Random(f"{seed}/logs")
        self._trace_rng = random.Random(f"{seed}/traces")
        self._deferred_traces: list[str] = []
        """Trace documents a backfill made and kept back (see `write_deferred_traces`)."""
        self._lock = threading.RLock()
        self._clients = _Clients(endpoint_url, region)
        self._record = MetricRecord()
        self._alarms = AlarmEvaluator(
            self._clients.get("cloudwatch"),
            self._clients.get("sns"),
            region=region,
            account_id=stack.account_id or ACCOUNT_FALLBACK,
        )
        self._ticks_in_scenario = 0
        self._previous_concurrency = 0.0
        self._candidate_codes = candidate_codes()
        """CodeSha256 -> the candidate whose code it is."""
        self._state = StackState(
            table=TableState(names.table_name),
            audit_table=TableState(names.ondemand_table_name, "PAY_PER_REQUEST", None, None),
            alias=names.alias,
            primary_version=stack.stable_version,
        )
        self._streams: dict[str, datetime] = {}
        self.history = LongHistory(stack.account_id or ACCOUNT_FALLBACK, region, start=self.now)
        """Hourly datapoints for the days before the start, and each hour since, rolled up."""
        self.problems: list[str] = []
        """What went wrong reading or writing during the last tick (AWS's words)."""
        self.usage_listeners: list[Callable[[TickOutcome, StackState], None]] = []
        """Told every simulated period's outcome (Cost Explorer's usage ledger)."""
        self.last_outcome: TickOutcome | None = None
        self.extra_data: Callable[[datetime, float], list[Datum]] | None = None
        """More datapoints a period (a sandbox fleet's), published in the same batched calls."""
        self.metric_store: Callable[[list[tuple[Datum, datetime]]], None] | None = None
        """Where datapoints go instead of PutMetricData, when set: the sandbox's, straight into
        moto's store in the same process (`fast_metrics.moto_store`). Serializing, validating
        and parsing the backfill's calls was most of its 0.5 s, and a fleet's hundreds of
        series a period would keep the server busy."""

    # -- public --------------------------------------------------------------------------------

    def set_scenario(self, name: str) -> None:
        scenario = scenario_named(name)  # ValueError listing the valid names
        with self._lock:
            self.scenario = scenario
            self._ticks_in_scenario = 0

    def backfill(self, count: int, *, defer_traces: bool = False) -> dict[str, Any]:
        """Simulate `count` periods of history at once, for charts that open full.

        The stack is read once (nobody can have changed it yet), datapoints go out 1,000 to a
        call, logs and traces are written for the last period only, and alarms are evaluated
        once at the end: a fraction of the calls `count` ticks would make. `defer_traces`:
        the last period's traces wait for `write_deferred_traces` (X-Ray's first write costs
        moto its slowest start, which the demo's first refresh need not wait for).
        """
        with self._lock:
            self.problems = []
            state = self.read_state()
            data: list[tuple[Datum, datetime]] = []
            extra: list[tuple[Datum, datetime]] = []
            outcome, at = None, self.now
            for _ in range(count):
                at = self.now
                outcome = self._simulate(state, at)
                data += [(datum, at) for datum in metric_data(outcome, self.names)]
                extra += [(datum, at) for datum in self._extra(at)]
                self.now = at + timedelta(seconds=self.period)
            self._publish_many(data + extra)
            transitions: list[Any] = []
            if outcome is not None:
                self._write_logs(outcome, state, at)
                self._write_traces(outcome, state, at, defer=defer_traces)
                transitions = self._alarms.evaluate(self._record, self.now)
                self.problems.extend(self._alarms.problems)
                self._prune()
                self.last_outcome = outcome
                return self._summary(outcome, state, len(data) + len(extra), transitions)
            return {}

    def publish_history(self, days: int) -> int:
        """Hourly datapoints for the `days` before the start (steady traffic with its daily
        shape, from the same model), in one step, and the hours between them and the start:
        at the simulator's period where it still keeps datapoints that old (published, as a
        tick would; at sub-minute periods, where that costs seconds, not), else counted into
        their hour to be rolled up once it is outside the cockpit's window. Answers how many
        datapoints. Its own random stream: the ticks draw what they would have without it."""
        with self._lock:
            state = self.read_state()
            steady = scenario_named("steady").traffic
            rng = random.Random(f"{self._seed}/history")
            items: list[tuple[str, str, tuple[tuple[str, str], ...], datetime, Stat, str]] = []
            previous = 0.0
            for at in self.history.start_hours(days):
                outcome = simulate(
                    state, steady, at=at, period=3600.0, rng=rng, previous_concurrency=previous
                )
                previous = outcome.function.on_demand_concurrency
                items += [
                    (d.namespace, d.metric, d.dimensions, at, d.stat, d.unit)
                    for d in metric_data(outcome, self.names)
                ]
            count = self.history.add(items)
            # The hours from the history's end to the start: none of them is stamped inside the
            # cockpit's window as one big point; those the retention keeps are fine datapoints.
            fine_from = max(self.history.floor, self.started_at - self.retention)
            if self.period < 60:  # an hour of 5 s datapoints costs seconds: rolled up instead
                fine_from = self.started_at
            at, step = self.history.floor, timedelta(minutes=1)
            while at < fine_from:
                span = min(step, fine_from - at)
                outcome = simulate(
                    state,
                    steady,
                    at=at,
                    period=span.total_seconds(),
                    rng=rng,
                    previous_concurrency=previous,
                )
                previous = outcome.function.on_demand_concurrency
                for d in metric_data(outcome, self.names):
                    self.history.note(d.namespace, d.metric, d.dimensions, at, d.stat, d.unit)
                at += span
            fine: list[tuple[Datum, datetime]] = []
            at, step = fine_from, timedelta(seconds=self.period)
            while at < self.started_at:
                outcome = simulate(
                    state, steady, at=at, period=self.period, rng=rng, previous_concurrency=previous
                )
                previous = outcome.function.on_demand_concurrency
                fine += [(d, at) for d in metric_data(outcome, self.names) if kept_series(d)]
                at += step
            self._publish_many(fine)
            try:  # older than what the ticks since the start published: keep moto's order
                sort_moto_metrics(self.stack.account_id or ACCOUNT_FALLBACK, self.region)
            except (ImportError, KeyError) as exc:
                self.problems.append(f"sort: {exc!r}")
            return count + len(fine)

    def _simulate(self, state: StackState, at: datetime) -> TickOutcome:
        """One period of the model, advancing what carries from one period to the next."""
        outcome = simulate(
            state,
            self.scenario.traffic,
            at=at,
            period=self.period,
            rng=self._rng,
            ticks_in_scenario=self._ticks_in_scenario,
            previous_concurrency=self._previous_concurrency,
        )
        self._previous_concurrency = outcome.function.on_demand_concurrency
        self._ticks_in_scenario += 1
        for listener in self.usage_listeners:
            listener(outcome, state)
        return outcome

    def tick(self, *, defer_traces: bool = False) -> dict[str, Any]:
        """One period. `defer_traces`: its traces wait for `write_deferred_traces`, as the
        backfill's last period's do (the demo's first refresh is answered first)."""
        with self._lock:
            self.problems = []
            at = self.now
            state = self.read_state()
            outcome = self._simulate(state, at)
            data = metric_data(outcome, self.names)
            extra = [(datum, at) for datum in self._extra(at)]
            self._publish_many([(datum, at) for datum in data] + extra)
            self._write_logs(outcome, state, at)
            self._write_traces(outcome, state, at, defer=defer_traces)
            self.now = at + timedelta(seconds=self.period)
            transitions = self._alarms.evaluate(self._record, self.now)
            self.problems.extend(self._alarms.problems)
            self._prune()
            self.last_outcome = outcome
            return self._summary(outcome, state, len(data) + len(extra), transitions)

    # -- reading the stack -----------------------------------------------------------------------

    def read_state(self) -> StackState:
        """The stack's live state; a part that cannot be read keeps its last known value."""
        state = self._state
        names = self.names
        table = self._read(
            lambda: _table_state(self._clients.get("dynamodb"), names.table_name), state.table
        )
        audit = self._read(
            lambda: _table_state(self._clients.get("dynamodb"), names.ondemand_table_name),
            state.audit_table,
        )
        lam = self._clients.get("lambda")
        config = self._read(
            lambda: lam.get_function_configuration(FunctionName=names.function_name), None
        )
        reserved = self._read(
            lambda: lam.get_function_concurrency(FunctionName=names.function_name).get(
                "ReservedConcurrentExecutions"
            ),
            state.reserved_concurrency,
        )
        provisioned = self._read(lambda: self._provisioned_ready(lam), state.provisioned_ready)
        alias = self._read(
            lambda: lam.get_alias(FunctionName=names.function_name, Name=names.alias), None
        )
        cache = self._read(
            self._stage_cache, (state.cache_enabled, state.cache_size_gb, state.cache_ttl_s)
        )
        disabled = self._read(self._disabled_users, state.disabled_users)

        changes: dict[str, Any] = {
            "table": table,
            "audit_table": audit,
            "reserved_concurrency": reserved,
            "provisioned_ready": provisioned,
            "cache_enabled": cache[0],
            "cache_size_gb": cache[1],
            "cache_ttl_s": cache[2],
            "disabled_users": disabled,
        }
        if config is not None:
            changes["memory_mb"] = int(config.get("MemorySize", state.memory_mb))
            changes["timeout_s"] = float(config.get("Timeout", state.timeout_s))
        if alias is not None:
            weights = (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
            extra = next(iter(weights.items()), None)
            changes["primary_version"] = alias["FunctionVersion"]
            changes["additional_version"] = extra[0] if extra else None
            changes["additional_weight"] = float(extra[1]) if extra else 0.0
        routed = replace(state, **changes)
        code = self._read(lambda: self._candidates_behind(lam, routed), state.candidate_code)
        self._state = replace(routed, candidate_code=code)
        return self._state

    def _candidates_behind(self, lam: Any, state: StackState) -> dict[str, Candidate]:
        """Which of the versions the alias routes to run a candidate's code (by CodeSha256),
        whoever published them."""
        found: dict[str, Candidate] = {}
        for version in state.version_weights():
            # Read every tick, not cached: moto reuses a deleted version's number.
            config = lam.get_function_configuration(
                FunctionName=self.names.function_name, Qualifier=version
            )
            if candidate := self._candidate_codes.get(str(config.get("CodeSha256", ""))):
                found[version] = candidate
        return found

    def _read(self, call: Any, fallback: Any) -> Any:
        try:
            return call()
        except AWS_ERRORS as exc:
            self.problems.append(f"read: {_aws_words(exc)}")
            return fallback

    def _provisioned_ready(self, lam: Any) -> dict[str, int]:
        configs = lam.list_provisioned_concurrency_configs(FunctionName=self.names.function_name)
        ready: dict[str, int] = {}
        for config in configs.get("ProvisionedConcurrencyConfigs", []):
            if config.get("Status") != "READY":
                continue
            qualifier = str(config.get("FunctionArn", "")).rsplit(":", 1)[-1]
            ready[qualifier] = int(config.get("AllocatedProvisionedConcurrentExecutions", 0))
        return ready

    def _stage_cache(self) -> tuple[bool, float | None, int]:
        """Whether the stage answers GETs from a cache: a cache cluster that is available, and
        method caching not switched off for all methods; plus its size and TTL."""
        stage = self._clients.get("apigateway").get_stage(
            restApiId=self.stack.api_id, stageName=self.names.stage_name
        )
        settings = (stage.get("methodSettings") or {}).get("*/*", {})
        cluster = (
            bool(stage.get("cacheClusterEnabled"))
            and stage.get("cacheClusterStatus", "AVAILABLE") == "AVAILABLE"
        )
        enabled = cluster and settings.get("cachingEnabled", True) is not False
        size = float(stage["cacheClusterSize"]) if stage.get("cacheClusterSize") else None
        return enabled, size, int(settings.get("cacheTtlInSeconds", 300))

    def _disabled_users(self) -> frozenset[str]:
        idp = self._clients.get("cognito-idp")
        disabled: set[str] = set()
        for page in idp.get_paginator("list_users").paginate(UserPoolId=self.stack.user_pool_id):
            for user in page.get("Users", []):
                if user.get("Enabled", True):
                    continue
                disabled.add(user["Username"])
                disabled.update(
                    a["Value"] for a in user.get("Attributes", []) if a["Name"] == "email"
                )
        return frozenset(disabled)

    # -- writing -------------------------------------------------------------------------------------

    def _extra(self, at: datetime) -> list[Datum]:
        return self.extra_data(at, self.period) if self.extra_data is not None else []

    def _note(self, data: list[tuple[Datum, datetime]]) -> None:
        """Datapoints into the alarms' record and the hourly roll-up."""
        for datum, at in data:
            self._record.add(datum.namespace, datum.metric, dict(datum.dimensions), at, datum.stat)
            self.history.note(
                datum.namespace, datum.metric, datum.dimensions, at, datum.stat, datum.unit
            )

    def _publish_many(self, data: list[tuple[Datum, datetime]]) -> None:
        """Record and push datapoints: into `metric_store` if set, else up to 1,000 per
        put_metric_data call per namespace."""
        if self.metric_store is not None:
            self._note(data)
            self.metric_store(data)
            return
        high_resolution = self.period < 60
        by_namespace: dict[str, list[dict[str, Any]]] = {}
        for datum, at in data:
            by_namespace.setdefault(datum.namespace, []).append(datum.to_api(at, high_resolution))
        self._note(data)
        cloudwatch = self._clients.get("cloudwatch")
        for namespace, items in by_namespace.items():
            for start in range(0, len(items), MAX_DATA_PER_CALL):
                try:
                    cloudwatch.put_metric_data(
                        Namespace=namespace, MetricData=items[start : start + MAX_DATA_PER_CALL]
                    )
                except AWS_ERRORS as exc:
                    self.problems.append(f"put_metric_data {namespace}: {_aws_words(exc)}")

    def _prune(self) -> None:
        before = self.now - self.retention
        self._record.prune(before)
        fine_before = self.history.fine_before(self.now, self.retention)
        try:
            prune_moto_metrics(self.stack.account_id or ACCOUNT_FALLBACK, self.region, fine_before)
        except (ImportError, KeyError) as exc:  # a remote endpoint: nothing of ours to prune
            self.problems.append(f"prune: {exc!r}")
        self.history.roll_up(self.now, fine_before)  # after the prune: never counted twice
        logs = self._clients.get("logs")
        for stream, started in list(self._streams.items()):
            if started < before - timedelta(seconds=self.period * LOG_STREAM_TICKS):
                try:
                    logs.delete_log_stream(logGroupName=self.names.log_group, logStreamName=stream)
                except AWS_ERRORS as exc:
                    self.problems.append(f"delete_log_stream: {_aws_words(exc)}")
                del self._streams[stream]

    def _write_logs(self, outcome: TickOutcome, state: StackState, at: datetime) -> None:
        lines = list(
            itertools.islice(_log_lines(outcome, state, self.names, self._text_rng), MAX_LOG_LINES)
        )
        by_stream: dict[str, list[dict[str, Any]]] = {}
        block = int(at.timestamp() // (self.period * LOG_STREAM_TICKS))
        for version, offset_ms, message in lines:
            stream = f"{at:%Y/%m/%d}/[{version}]{_hex_of(f'{version}/{block}', 32)}"
            ts = int(at.timestamp() * 1000) + offset_ms
            by_stream.setdefault(stream, []).append({"timestamp": ts, "message": message})
        logs = self._clients.get("logs")
        for stream, events in by_stream.items():
            if stream not in self._streams:
                try:
                    logs.create_log_stream(logGroupName=self.names.log_group, logStreamName=stream)
                except ClientError as exc:
                    if (
                        exc.response.get("Error", {}).get("Code")
                        != "ResourceAlreadyExistsException"
                    ):
                        self.problems.append(f"create_log_stream: {_aws_words(exc)}")
                        continue
                except BotoCoreError as exc:
                    self.problems.append(f"create_log_stream: {_aws_words(exc)}")
                    continue
                self._streams[stream] = at
            events.sort(key=lambda e: e["timestamp"])
            try:
                logs.put_log_events(
                    logGroupName=self.names.log_group, logStreamName=stream, logEvents=events
                )
            except AWS_ERRORS as exc:
                self.problems.append(f"put_log_events: {_aws_words(exc)}")

    def write_deferred_traces(self) -> None:
        """Send the trace documents a backfill or tick with `defer_traces` made but kept back."""
        with self._lock:
            documents, self._deferred_traces = self._deferred_traces, []
            self._put_traces(documents)

    def _write_traces(
        self, outcome: TickOutcome, state: StackState, at: datetime, *, defer: bool = False
    ) -> None:
        traffic = self.scenario.traffic
        documents = list(
            trace_documents(
                outcome,
                state,
                self.names,
                self.stack,
                self._trace_rng,
                traffic=traffic,
                grown=ramp(traffic, max(0, self._ticks_in_scenario - 1)),
                error_messages=ERROR_MESSAGES,
            )
        )
        if defer:  # made now (from this period's scenario), sent by write_deferred_traces
            self._deferred_traces += documents
            return
        self._put_traces(documents)

    def _put_traces(self, documents: list[str]) -> None:
        if not documents:
            return
        try:
            self._clients.get("xray").put_trace_segments(TraceSegmentDocuments=documents)
        except AWS_ERRORS as exc:
            self.problems.append(f"put_trace_segments: {_aws_words(exc)}")

    def _summary(
        self, outcome: TickOutcome, state: StackState, datapoints: int, transitions: list[Any]
    ) -> dict[str, Any]:
        f = outcome.function
        main = outcome.tables[0]
        return {
            "at": outcome.at.isoformat(),
            "scenario": self.scenario.name,
            "request_rate": round(outcome.request_rate, 2),
            "invocations": f.invocations,
            "errors": f.errors,
            "throttles": f.throttles,
            "duration_avg_ms": round(f.duration.average, 1) if f.duration else None,
            "concurrency_max": round(f.concurrency_max, 1),
            "cold_starts": f.cold_starts,
            "dynamodb_throttled": main.throttled_requests,
            "api_4xx": outcome.api.errors_4xx,
            "api_5xx": outcome.api.errors_5xx,
            "memory_mb": state.memory_mb,
            "table_capacity": [state.table.read_capacity, state.table.write_capacity],
            "routing": state.version_weights(),
            "versions": {
                v.version: {
                    "weight": v.weight,
                    "share": round(v.invocations / f.invocations, 4) if f.invocations else None,
                    "invocations": v.invocations,
                    "errors": v.errors,
                    "throttles": v.throttles,
                    "duration_avg_ms": round(v.duration.average, 1) if v.duration else None,
                    "duration_p99_ms": round(v.p99_ms, 1) if v.p99_ms is not None else None,
                    "code": candidate_description(v.candidate) if v.candidate else "stable",
                }
                for v in f.versions
            },
            "candidate_version": self.stack.candidate_version,
            "datapoints": datapoints,
            "alarm_transitions": [
                {"alarm": t.alarm, "from": t.old, "to": t.new, "reason": t.reason}
                for t in transitions
            ],
            "problems": list(self.problems),
        }


class _Clients:
    """One sandbox client per service, made on first use: one attempt, short timeouts (a tick
    that cannot reach its own server should fail fast and try again next period)."""

    def __init__(self, endpoint_url: str, region: str) -> None:
        self._endpoint_url = endpoint_url
        self._region = region
        self._clients: dict[str, Any] = {}

    def get(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = sandbox_client(
                service,
                self._endpoint_url,
                self._region,
                attempts=1,
                connect_timeout=3,
                read_timeout=20,
                in_process=True,  # inside the sandbox's process: no socket (in_process.py)
            )
        return self._clients[service]


def _table_state(dynamodb: Any, name: str) -> TableState:
    table = dynamodb.describe_table(TableName=name)["Table"]
    mode = (table.get("BillingModeSummary") or {}).get("BillingMode", "PROVISIONED")
    throughput = table.get("ProvisionedThroughput") or {}
    if mode == "PAY_PER_REQUEST":
        return TableState(name, mode, None, None)
    return TableState(
        name,
        mode,
        int(throughput.get("ReadCapacityUnits", 0)),
        int(throughput.get("WriteCapacityUnits", 0)),
    )


def _aws_words(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return f"{error.get('Code', 'Error')}: {error.get('Message', '')}".strip()
    return str(exc)


def _hex_of(text: str, digits: int) -> str:
    """A stable hex id derived from `text` (log stream names look like Lambda's)."""
    rng = random.Random(text)
    return f"{rng.getrandbits(digits * 4):0{digits}x}"


def _request_id(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


# -- log lines ------------------------------------------------------------------------------------

ERROR_MESSAGES = {
    "throttled": (
        "ProvisionedThroughputExceededException: An error occurred (ProvisionedThroughputExceededException) "
        "when calling the {operation} operation (reached max retries: 9): The level of configured "
        "provisioned throughput for the table was exceeded. Consider increasing your provisioning level "
        "with the UpdateTable API.",
        'File "/var/task/app.py", line 57, in handler\n    items = repository.{method}(user_id)',
    ),
    "exception": (
        "KeyError: 'title'",
        'File "/var/task/todos/validate.py", line 31, in parse_todo\n    title = body["title"].strip()',
    ),
    "validation": (  # the error-burst candidate's: the same failure, now a release's
        "KeyError: 'title'",
        'File "/var/task/todos/validate.py", line 31, in parse_todo\n    title = body["title"].strip()',
    ),
    "candidate": (
        "TypeError: serialize_todo() got an unexpected keyword argument 'due_date'",
        'File "/var/task/todos/serialize.py", line 12, in dump\n    return serialize_todo(item, due_date=item.get("due"))',
    ),
}
THROTTLED_OPERATIONS = (
    ("Query", "list_todos"),
    ("PutItem", "create_todo"),
    ("GetItem", "get_todo"),
    ("UpdateItem", "update_todo"),
)
ATTACKER_IPS = ("203.0.113.77", "203.0.113.78", "198.51.100.23")


def _log_lines(
    outcome: TickOutcome, state: StackState, names: StackNames, rng: random.Random
) -> Iterator[tuple[str, int, str]]:
    """(version, millisecond offset in the period, message): errors first, then sign-ins, then samples."""
    f = outcome.function
    period_ms = int(outcome.period * 1000)
    versions = [v for v in f.versions if v.invocations]
    if not versions:
        return
    failing = {
        kind: [v for v in versions if v.candidate and v.candidate.failure == kind and v.errors]
        for kind in f.error_kinds
    }

    def stamp(offset: int) -> str:
        moment = outcome.at + timedelta(milliseconds=offset)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"

    def version_for(kind: str) -> str:
        if failing.get(kind):
            who = failing[kind]
            return rng.choices([v.version for v in who], weights=[v.errors for v in who])[0]
        weights = [v.invocations for v in versions]
        return rng.choices([v.version for v in versions], weights=weights)[0]

    def report(
        version: str, rid: str, offset: int, ms: float, cold: bool, status: str = ""
    ) -> Iterator[tuple[str, int, str]]:
        used = 70 + rng.randint(0, 18)
        line = (
            f"REPORT RequestId: {rid}\tDuration: {ms:.2f} ms\tBilled Duration: {int(ms) + 1} ms\t"
            f"Memory Size: {state.memory_mb} MB\tMax Memory Used: {min(used, state.memory_mb)} MB"
        )
        if cold:
            line += f"\tInit Duration: {f.init_ms * rng.uniform(0.9, 1.1):.2f} ms"
        if status:
            line += f"\tStatus: {status}"
        yield version, offset, f"END RequestId: {rid}"
        yield version, offset, line

    # Errors: a few samples, each kind that occurred at least once.
    kinds = [k for k, n in f.error_kinds.items() if n]
    samples: list[str] = []
    for kind in kinds:
        samples.append(kind)
    while len(samples) < MAX_ERROR_SAMPLES and kinds:
        samples.append(rng.choices(kinds, weights=[f.error_kinds[k] for k in kinds])[0])
        if len(samples) >= sum(f.error_kinds.values()):
            break
    for kind in samples[:MAX_ERROR_SAMPLES]:
        version = version_for(kind)
        rid = _request_id(rng)
        offset = rng.randrange(period_ms)
        yield version, offset, f"START RequestId: {rid} Version: {version}"
        if kind == "timeout":
            yield (
                version,
                offset,
                f"{stamp(offset)} {rid} Task timed out after {state.timeout_s:.2f} seconds",
            )
            yield from report(version, rid, offset, state.timeout_s * 1000, False, "timeout")
            continue
        message, where = ERROR_MESSAGES[kind]
        operation, method = rng.choice(THROTTLED_OPERATIONS)
        message = message.format(operation=operation)
        yield version, offset, f"[ERROR]\t{stamp(offset)}\t{rid}\t{message}"
        yield (
            version,
            offset,
            ("Traceback (most recent call last):\n  " + where.format(method=method)),
        )
        yield (
            version,
            offset,
            json.dumps(
                {
                    "timestamp": stamp(offset),
                    "level": "ERROR",
                    "message": "Request failed",
                    "requestId": rid,
                    "errorType": message.split(":", 1)[0],
                    "statusCode": 500,
                    "function": names.function_name,
                    "version": version,
                }
            ),
        )
        yield from report(version, rid, offset, rng.uniform(60, 400), False)

    # Sign-ins: the lines the runbook's "Authentication:" filter looks for.
    s = outcome.sign_ins
    shown = 0
    for _ in range(min(s.attacker_failed, MAX_AUTH_LINES - 2)):
        offset = rng.randrange(period_ms)
        yield (
            version_for("auth"),
            offset,
            json.dumps(
                {
                    "timestamp": stamp(offset),
                    "level": "INFO",
                    "message": "Authentication:",
                    "user": s.attacker,
                    "result": "FAILED",
                    "reason": "NotAuthorizedException: Incorrect username or password.",
                    "sourceIp": rng.choice(ATTACKER_IPS),
                    "requestId": _request_id(rng),
                }
            ),
        )
        shown += 1
    legit = [("SUCCEEDED", None)] * min(s.succeeded, 2) + [
        ("FAILED", "Incorrect username or password.")
    ] * min(s.failed, 1)
    for result, reason in legit[: MAX_AUTH_LINES - shown]:
        offset = rng.randrange(period_ms)
        entry: dict[str, Any] = {
            "timestamp": stamp(offset),
            "level": "INFO",
            "message": "Authentication:",
            "user": rng.choice(("test@example.com", "alice@example.com")),
            "result": result,
            "sourceIp": f"192.0.2.{rng.randint(2, 250)}",
            "requestId": _request_id(rng),
        }
        if reason:
            entry["reason"] = f"NotAuthorizedException: {reason}"
        yield version_for("auth"), offset, json.dumps(entry)

    # Ordinary requests: START, a plain and a JSON line, END, REPORT.
    for i in range(1 if samples else NORMAL_SAMPLES):
        v = rng.choices(versions, weights=[x.invocations for x in versions])[0]
        route = rng.choices(ROUTES, weights=[r.share for r in ROUTES])[0]
        rid = _request_id(rng)
        offset = rng.randrange(period_ms)
        ms = (v.duration.average if v.duration else 100.0) * rng.uniform(0.7, 1.3)
        cold = i == 0 and v.cold_starts > 0
        yield v.version, offset, f"START RequestId: {rid} Version: {v.version}"
        yield v.version, offset, f"[INFO]\t{stamp(offset)}\t{rid}\tHandling {route.name}"
        yield (
            v.version,
            offset,
            json.dumps(
                {
                    "timestamp": stamp(offset),
                    "level": "INFO",
                    "message": "Request completed",
                    "requestId": rid,
                    "route": route.name,
                    "statusCode": 200,
                    "durationMs": round(ms, 1),
                    "coldStart": cold,
                    "version": v.version,
                }
            ),
        )
        yield from report(v.version, rid, offset, ms, cold)
