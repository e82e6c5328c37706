"""The one metric catalogue: what the sandbox publishes and what the cockpit asks for.

Both sides used to keep their own list, and nothing checked that the cockpit's queries were
series the sandbox (standing in for AWS) actually publishes: a renamed metric or a dropped
dimension showed up only as an empty pane. Here the published table is the single source
of units, the cockpit's specs are built against it, and `catalogue_problems` says what
disagrees. Pure: no IO, no AWS SDK, no Textual.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from todotui.stack_names import StackNames

LAMBDA, DYNAMODB, APIGATEWAY = "AWS/Lambda", "AWS/DynamoDB", "AWS/ApiGateway"

# Dimension-name sets, in the order the sandbox publishes them.
FN = ("FunctionName",)
FN_ALIAS = ("FunctionName", "Resource")
FN_VERSION = ("FunctionName", "Resource", "ExecutedVersion")
TABLE = ("TableName",)
TABLE_OP = ("TableName", "Operation")
API = ("ApiName",)
API_STAGE = ("ApiName", "Stage")

#: The DynamoDB operations whose ThrottledRequests and latency we watch (summed in Python).
TABLE_OPERATIONS = ("GetItem", "Query", "PutItem", "UpdateItem", "DeleteItem")

QUERY_ID = re.compile(r"^[a-z][a-zA-Z0-9_]*$")
"""What GetMetricData accepts as a query id."""

SeriesKey = tuple[str, str, tuple[str, ...]]
"""(namespace, metric, sorted dimension names): CloudWatch's identity of a series, minus values."""


def series_key(namespace: str, metric: str, dimension_names: Iterable[str]) -> SeriesKey:
    """Sorted names, since CloudWatch matches a dimension set whatever its order."""
    return (namespace, metric, tuple(sorted(dimension_names)))


@dataclass(frozen=True, slots=True)
class Series:
    """One series the sandbox publishes (for any resource name), with its CloudWatch unit."""

    namespace: str
    metric: str
    dimensions: tuple[str, ...]
    """Dimension names, in publishing order."""
    unit: str

    @property
    def key(self) -> SeriesKey:
        return series_key(self.namespace, self.metric, self.dimensions)


PUBLISHED: tuple[Series, ...] = (
    # AWS/Lambda: by function, by alias (Resource), by the version that ran behind the alias.
    *(
        Series(LAMBDA, m, d, u)
        for m, u in (("Invocations", "Count"), ("Errors", "Count"), ("Duration", "Milliseconds"))
        for d in (FN, FN_ALIAS, FN_VERSION)
    ),
    Series(LAMBDA, "Throttles", FN, "Count"),
    Series(LAMBDA, "Throttles", FN_ALIAS, "Count"),
    Series(LAMBDA, "Throttles", FN_VERSION, "Count"),
    *(Series(LAMBDA, "ConcurrentExecutions", d, "Count") for d in (FN, FN_ALIAS)),
    # Provisioned concurrency: Resource is the qualifier that has it (alias or version).
    Series(LAMBDA, "ProvisionedConcurrencyUtilization", FN_ALIAS, "None"),
    Series(LAMBDA, "ProvisionedConcurrentExecutions", FN_ALIAS, "Count"),
    Series(LAMBDA, "ProvisionedConcurrencySpilloverInvocations", FN_ALIAS, "Count"),
    # AWS/DynamoDB: capacity and throttle events by table; per-operation figures by operation.
    *(
        Series(DYNAMODB, m, TABLE, "Count")
        for m in (
            "ConsumedReadCapacityUnits",
            "ConsumedWriteCapacityUnits",
            "ProvisionedReadCapacityUnits",
            "ProvisionedWriteCapacityUnits",
            "ReadThrottleEvents",
            "WriteThrottleEvents",
        )
    ),
    Series(DYNAMODB, "ThrottledRequests", TABLE_OP, "Count"),
    Series(DYNAMODB, "SuccessfulRequestLatency", TABLE_OP, "Milliseconds"),
    # Sandbox addition: AWS publishes ThrottledRequests only per operation, but the runbook's
    # get-metric-statistics (and the provisioned throttle alarm) ask for it by TableName alone.
    Series(DYNAMODB, "ThrottledRequests", TABLE, "Count"),
    # AWS/ApiGateway: by API and by API and stage; cache metrics only when the stage caches.
    *(
        Series(APIGATEWAY, m, d, u)
        for m, u in (
            ("Count", "Count"),
            ("4XXError", "Count"),
            ("5XXError", "Count"),
            ("Latency", "Milliseconds"),
            ("IntegrationLatency", "Milliseconds"),
            ("CacheHitCount", "Count"),
            ("CacheMissCount", "Count"),
        )
        for d in (API, API_STAGE)
    ),
)
"""Every (namespace, metric, dimension names) the simulator publishes: the cockpit's contract."""


def units_of(published: Iterable[Series]) -> Mapping[SeriesKey, str]:
    """Series key -> unit, for looking a datapoint's unit up by what identifies its series."""
    return MappingProxyType({s.key: s.unit for s in published})


PUBLISHED_UNITS: Mapping[SeriesKey, str] = units_of(PUBLISHED)


@dataclass(frozen=True, slots=True)
class MetricSpec:
    """One series: a metric, its dimensions and the statistic asked for."""

    id: str
    """GetMetricData query id (lower-case first letter, letters, digits, underscores)."""
    namespace: str
    metric: str
    dimensions: tuple[tuple[str, str], ...]
    stat: str
    unit: str
    """The unit the value is shown in ("Count", "Milliseconds", ...)."""

    def query(self, period_seconds: int) -> dict[str, Any]:
        """The GetMetricData MetricDataQuery for this series at `period_seconds`."""
        return {
            "Id": self.id,
            "MetricStat": {
                "Metric": {
                    "Namespace": self.namespace,
                    "MetricName": self.metric,
                    "Dimensions": [{"Name": n, "Value": v} for n, v in self.dimensions],
                },
                "Period": period_seconds,
                "Stat": self.stat,
            },
            "ReturnData": True,
        }


def series_of(spec: MetricSpec) -> SeriesKey:
    """The published series a spec reads, to compare against `Series.key`."""
    return series_key(spec.namespace, spec.metric, (n for n, _ in spec.dimensions))


def metric_spec(
    query_id: str, namespace: str, metric: str, dimensions: tuple[tuple[str, str], ...], stat: str
) -> MetricSpec:
    """A spec whose unit comes from the published table, so the two cannot drift apart."""
    key = series_key(namespace, metric, (n for n, _ in dimensions))
    unit = PUBLISHED_UNITS.get(key)
    if unit is None:
        raise ValueError(f"{query_id}: {key} is not a published series")
    return MetricSpec(query_id, namespace, metric, dimensions, stat, unit)


def catalogue(stack: StackNames, *, percentiles: bool = False) -> tuple[MetricSpec, ...]:
    """Every series the panes need. `percentiles` adds Duration p99 (not every endpoint has it)."""
    fn = (("FunctionName", stack.function_name),)
    table = (("TableName", stack.table_name),)
    api = (("ApiName", stack.api_name),)
    specs = [
        metric_spec("lambda_invocations", LAMBDA, "Invocations", fn, "Sum"),
        metric_spec("lambda_errors", LAMBDA, "Errors", fn, "Sum"),
        metric_spec("lambda_throttles", LAMBDA, "Throttles", fn, "Sum"),
        metric_spec("lambda_duration_avg", LAMBDA, "Duration", fn, "Average"),
        metric_spec("lambda_duration_max", LAMBDA, "Duration", fn, "Maximum"),
        metric_spec("lambda_concurrency", LAMBDA, "ConcurrentExecutions", fn, "Maximum"),
        metric_spec("ddb_consumed_rcu", DYNAMODB, "ConsumedReadCapacityUnits", table, "Sum"),
        metric_spec("ddb_consumed_wcu", DYNAMODB, "ConsumedWriteCapacityUnits", table, "Sum"),
        metric_spec("ddb_read_throttles", DYNAMODB, "ReadThrottleEvents", table, "Sum"),
        metric_spec("ddb_write_throttles", DYNAMODB, "WriteThrottleEvents", table, "Sum"),
    ]
    if percentiles:
        specs.append(metric_spec("lambda_duration_p99", LAMBDA, "Duration", fn, "p99"))
    for op in TABLE_OPERATIONS:
        dims = (*table, ("Operation", op))
        name = op.lower()
        specs.append(
            metric_spec(f"ddb_throttled_{name}", DYNAMODB, "ThrottledRequests", dims, "Sum")
        )
        specs.append(
            metric_spec(
                f"ddb_latency_{name}", DYNAMODB, "SuccessfulRequestLatency", dims, "Average"
            )
        )
    specs += [
        metric_spec("api_count", APIGATEWAY, "Count", api, "Sum"),
        metric_spec("api_5xx", APIGATEWAY, "5XXError", api, "Sum"),
        metric_spec("api_4xx", APIGATEWAY, "4XXError", api, "Sum"),
        metric_spec("api_latency", APIGATEWAY, "Latency", api, "Average"),
    ]
    return tuple(specs)


PUBLISHED_VERSION = re.compile(r"^[0-9]+$")
"""A published Lambda version number: what `ExecutedVersion` takes (never `$LATEST` or an alias)."""

#: What each version's series measures, in the order `version_specs` asks for them.
VERSION_FIELDS = ("invocations", "errors", "throttles", "duration_avg", "duration_p99")


def is_published_version(version: str) -> bool:
    """True for "1", "42": a version number (ASCII digits only), not `$LATEST` or an alias."""
    return bool(PUBLISHED_VERSION.fullmatch(version))


def version_series_id(version: str, field: str) -> str:
    """The query id of one of a version's series: `ver{N}_{field}` (field from VERSION_FIELDS)."""
    return f"ver{version}_{field}"


def version_specs(
    stack: StackNames, version: str, *, percentiles: bool = False
) -> tuple[MetricSpec, ...]:
    """The series of one version behind the alias (`Resource=<fn>:<alias>`, `ExecutedVersion=N`).

    None for anything but a published version number: `$LATEST` never runs behind a weighted
    alias, and only digits make a valid GetMetricData query id. `percentiles` adds p99."""
    if not is_published_version(version):
        return ()
    dims = (
        ("FunctionName", stack.function_name),
        ("Resource", f"{stack.function_name}:{stack.alias}"),
        ("ExecutedVersion", version),
    )
    asked = [
        ("invocations", "Invocations", "Sum"),
        ("errors", "Errors", "Sum"),
        ("throttles", "Throttles", "Sum"),
        ("duration_avg", "Duration", "Average"),
    ]
    if percentiles:
        asked.append(("duration_p99", "Duration", "p99"))
    return tuple(
        metric_spec(version_series_id(version, field), LAMBDA, metric, dims, stat)
        for field, metric, stat in asked
    )


def catalogue_problems(
    specs: Iterable[MetricSpec], published: Iterable[Series] = PUBLISHED
) -> tuple[str, ...]:
    """Why `specs` would not all get data from `published`: one line per problem, none if fine.

    Catches what the user would otherwise see as a silently empty pane: a series that is not
    published, a unit that differs, or a query id GetMetricData rejects or sees twice.
    """
    units = units_of(published)
    problems: list[str] = []
    seen: set[str] = set()
    for spec in specs:
        if not QUERY_ID.fullmatch(spec.id):
            problems.append(f"{spec.id!r}: not a valid GetMetricData query id")
        if spec.id in seen:
            problems.append(f"{spec.id!r}: query id used twice")
        seen.add(spec.id)
        key = series_of(spec)
        unit = units.get(key)
        if unit is None:
            problems.append(f"{spec.id!r}: {key[0]} {key[1]} by {key[2]} is not published")
        elif unit != spec.unit:
            problems.append(f"{spec.id!r}: unit {spec.unit!r}, published as {unit!r}")
    return tuple(problems)
