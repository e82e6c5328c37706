"""Deterministic telemetry for UI tests: chosen figures pushed into a real sandbox.

The cockpit tests check what the screen shows for known data, so they push it themselves
(through the sandbox's CloudWatch and Logs APIs, as Lambda would) at fixed timestamps,
instead of depending on the traffic simulator's tuning or on the wall clock.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from todotui.stack_names import StackNames
from todotui.telemetry.catalogue import catalogue

T0 = datetime(2025, 3, 4, 12, 0, tzinfo=UTC)
"""A fixed 'now' for snapshot tests (a period boundary)."""

#: figure per metric name at traffic level 1.0; spikes scale some of them.
BASE = {
    "Invocations": 1200.0,
    "Errors": 6.0,
    "Throttles": 0.0,
    "Duration": 180.0,
    "ConcurrentExecutions": 40.0,
    "ConsumedReadCapacityUnits": 300.0,
    "ConsumedWriteCapacityUnits": 120.0,
    "ReadThrottleEvents": 0.0,
    "WriteThrottleEvents": 0.0,
    "ThrottledRequests": 0.0,
    "SuccessfulRequestLatency": 6.0,
    "Count": 1250.0,
    "5XXError": 2.0,
    "4XXError": 11.0,
    "Latency": 210.0,
}


def steady(index: int, name: str) -> float:
    """Weekday traffic: a gentle wave, every figure healthy."""
    wave = 1.0 + 0.15 * ((index * 7) % 11 - 5) / 5
    if name in ("Throttles", "ReadThrottleEvents", "WriteThrottleEvents", "ThrottledRequests"):
        return 0.0
    return round(BASE[name] * wave, 1)


def spike(index: int, name: str, *, periods: int = 15, spike_from: int = 9) -> float:
    """Steady, then traffic tenfold over the last periods: throttles, errors and latency follow."""
    if index < spike_from:
        return steady(index, name)
    level = 1 + 9 * min(1.0, (index - spike_from + 1) / 4)
    figures = {
        "Invocations": BASE["Invocations"] * level,
        "Count": BASE["Count"] * level,
        "ConcurrentExecutions": BASE["ConcurrentExecutions"] * level * 1.4,
        "Errors": BASE["Invocations"] * level * 0.012 * level / 5,
        "5XXError": BASE["Count"] * level * 0.008 * level / 5,
        "Throttles": 8.0 * (level - 1),
        "Duration": BASE["Duration"] * (1 + level / 2),
        "Latency": BASE["Latency"] * (1 + level / 2),
        "ReadThrottleEvents": 25.0 * (level - 1),
        "WriteThrottleEvents": 12.0 * (level - 1),
        "ThrottledRequests": 7.0 * (level - 1),
        "ConsumedReadCapacityUnits": min(600.0, BASE["ConsumedReadCapacityUnits"] * level),
        "ConsumedWriteCapacityUnits": min(300.0, BASE["ConsumedWriteCapacityUnits"] * level),
        "SuccessfulRequestLatency": BASE["SuccessfulRequestLatency"] * (1 + level / 3),
    }
    return round(figures.get(name, steady(index, name)), 1)


def push_metrics(
    sandbox: Any,
    *,
    end: datetime,
    periods: int,
    shape: Callable[[int, str], float],
    period_seconds: int = 60,
    names: StackNames | None = None,
) -> None:
    """One datum per metric per period, for the `periods` periods before `end`."""
    cloudwatch = sandbox.client("cloudwatch")
    series: dict[tuple[str, str, tuple[tuple[str, str], ...]], None] = {}
    for spec in catalogue(names or StackNames()):
        series[(spec.namespace, spec.metric, spec.dimensions)] = None
    by_namespace: dict[str, list[dict[str, Any]]] = {}
    for namespace, metric, dimensions in series:
        for index in range(periods):
            value = shape(index, metric)
            at = end - timedelta(seconds=period_seconds * (periods - index))
            samples = 10.0
            by_namespace.setdefault(namespace, []).append(
                {
                    "MetricName": metric,
                    "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions],
                    "Timestamp": at,
                    "StatisticValues": {
                        "SampleCount": samples,
                        "Sum": value * samples if _averaged(metric) else value,
                        "Minimum": value * 0.5,
                        "Maximum": value * 2.5 if _averaged(metric) else value,
                    },
                }
            )
    for namespace, data in by_namespace.items():
        for start in range(0, len(data), 500):
            cloudwatch.put_metric_data(Namespace=namespace, MetricData=data[start : start + 500])


def _averaged(metric: str) -> bool:
    return metric in ("Duration", "Latency", "SuccessfulRequestLatency")


def push_error_log(
    sandbox: Any, *, at: datetime, message: str, names: StackNames | None = None
) -> None:
    """An ERROR line in the function's log group, as Lambda would write it.

    Like AWS, the sandbox refuses log events more than 14 days old: `at` must be recent.
    """
    logs = sandbox.client("logs")
    group = (names or StackNames()).log_group
    stream = f"{at:%Y/%m/%d}/[$LATEST]ui-test"
    with contextlib.suppress(logs.exceptions.ResourceAlreadyExistsException):
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
    answer = logs.put_log_events(
        logGroupName=group,
        logStreamName=stream,
        logEvents=[{"timestamp": int(at.timestamp() * 1000), "message": message}],
    )
    if answer.get("rejectedLogEventsInfo"):
        raise ValueError(f"the log event at {at} was refused: {answer['rejectedLogEventsInfo']}")
