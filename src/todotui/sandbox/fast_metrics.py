"""GetMetricData over a fleet, answered in one pass instead of moto's queries x periods x points.

moto answers each query by scanning every datapoint in the window once per period: with a
fleet's 700 queries and ~10,000 datapoints that is minutes a call. This indexes the window's
datapoints by (namespace, metric, dimension) once and buckets each query's own points by
period, computing each value with moto's own `Statistics`, so the answer is moto's.

Only requests made of single-dimension MetricStat queries take this path (the fleet's);
any other request (metric math, several dimensions, none) goes to moto unchanged. Installed
by `todotui sandbox --fleet N` only.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

_INSTALLED = False


def install() -> None:
    """Wrap moto's CloudWatchBackend.get_metric_data (idempotent)."""
    global _INSTALLED
    if _INSTALLED:
        return
    from moto.cloudwatch.models import CloudWatchBackend

    original = CloudWatchBackend.get_metric_data

    def get_metric_data(
        self: Any,
        queries: list[dict[str, Any]],
        start_time: datetime,
        end_time: datetime,
        scan_by: str = "TimestampAscending",
    ) -> list[dict[str, Any]]:
        if not queries or not all(_single_dimension_stat(q) for q in queries):
            return original(self, queries, start_time, end_time, scan_by)
        start_time = start_time.replace(microsecond=0)
        end_time = end_time.replace(microsecond=0)
        if start_time >= end_time:  # moto's own errors for these
            return original(self, queries, start_time, end_time, scan_by)
        return _answer(self, queries, start_time, end_time, scan_by)

    CloudWatchBackend.get_metric_data = get_metric_data  # type: ignore[method-assign]
    _INSTALLED = True


def _single_dimension_stat(query: dict[str, Any]) -> bool:
    stat = query.get("MetricStat")
    return stat is not None and len(stat["Metric"].get("Dimensions", [])) == 1


def _answer(
    backend: Any,
    queries: list[dict[str, Any]],
    start_time: datetime,
    end_time: datetime,
    scan_by: str,
) -> list[dict[str, Any]]:
    from moto.cloudwatch.models import Statistics

    index: dict[tuple[str, str, str, str], list[Any]] = defaultdict(list)
    for md in backend.get_all_metrics():
        if start_time <= md.timestamp < end_time and len(md.dimensions) == 1:
            (dim,) = md.dimensions
            index[(md.namespace, md.name, dim.name, dim.value)].append(md)
    results = []
    for query in queries:
        metric_stat = query["MetricStat"]
        metric = metric_stat["Metric"]
        ((dim),) = metric["Dimensions"]
        delta = timedelta(seconds=int(metric_stat["Period"]))
        unit = metric_stat.get("Unit")
        buckets: dict[int, list[Any]] = defaultdict(list)
        for md in index.get(
            (metric["Namespace"], metric["MetricName"], dim["Name"], dim["Value"]), ()
        ):
            if unit and md.unit != unit:
                continue
            buckets[(md.timestamp - start_time) // delta].append(md)
        values, timestamps = [], []
        for slot in sorted(buckets):
            stats = Statistics([metric_stat["Stat"]], start_time + slot * delta)
            stats.metric_data = buckets[slot]
            values.append(stats.get_statistics_for_type(metric_stat["Stat"]))
            timestamps.append(stats.timestamp)
        if scan_by == "TimestampDescending":
            values.reverse()
            timestamps.reverse()
        if query.get("ReturnData", True):
            results.append(
                {
                    "id": query["Id"],
                    "label": query.get("Label") or f"{metric['MetricName']} {metric_stat['Stat']}",
                    "values": values,
                    "timestamps": timestamps,
                    "status_code": "Complete",
                }
            )
    return results
