"""GetMetricData answered in one pass instead of moto's queries x periods x points.

moto answers each query by scanning every datapoint in the window once per period: with a
fleet's 700 queries and ~10,000 datapoints that is minutes a call, and once a fleet's
datapoints are in the store even the dashboard's 40 queries take longer than a client waits
(measured: every dashboard refresh timed out at 3 x 10 s beside a 100-function fleet). This
indexes the window's datapoints once, by (metric, dimensions) and by (namespace, metric), and
buckets each query's own points by period, computing each value with moto's own
`Statistics`, so the answer is moto's: a query with dimensions matches the datapoints with
exactly those dimensions and that metric name (moto does not compare the namespace there); a
query without dimensions matches every datapoint of its namespace and metric.

Requests made only of MetricStat queries take this path; any other (metric math, Metrics
Insights, a dimension without a value) goes to moto unchanged. Installed in every sandbox:
without a fleet, moto's scan was still most of the demo's first refresh (0.4 s of the child's
0.7 s, by py-spy), and tests/test_fleet.py checks the answers against moto's own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from todotui.sandbox.simulator import Datum

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
        if not queries or not all(_plain_stat(q) for q in queries):
            return original(self, queries, start_time, end_time, scan_by)
        start_time = start_time.replace(microsecond=0)
        end_time = end_time.replace(microsecond=0)
        if start_time >= end_time:  # moto's own errors for these
            return original(self, queries, start_time, end_time, scan_by)
        return _answer(self, queries, start_time, end_time, scan_by)

    CloudWatchBackend.get_metric_data = get_metric_data  # type: ignore[method-assign]
    _INSTALLED = True


def _plain_stat(query: dict[str, Any]) -> bool:
    """A MetricStat query whose every dimension has a value (moto's wildcard is its own)."""
    stat = query.get("MetricStat")
    if stat is None or "Expression" in query:
        return False
    return all(d.get("Value") is not None for d in stat["Metric"].get("Dimensions", []))


Dims = tuple[tuple[str, str], ...]


def _dims_key(pairs: Any) -> Dims:
    return tuple(sorted(pairs))


def _answer(
    backend: Any,
    queries: list[dict[str, Any]],
    start_time: datetime,
    end_time: datetime,
    scan_by: str,
) -> list[dict[str, Any]]:
    from moto.cloudwatch.models import Statistics

    by_dims: dict[tuple[str, Dims], list[Any]] = defaultdict(list)
    by_name: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for md in backend.get_all_metrics():
        if start_time <= md.timestamp < end_time:
            by_name[(md.namespace, md.name)].append(md)
            if md.dimensions:
                key = _dims_key((d.name, d.value) for d in md.dimensions)
                by_dims[(md.name, key)].append(md)
    results = []
    for query in queries:
        metric_stat = query["MetricStat"]
        metric = metric_stat["Metric"]
        dimensions = metric.get("Dimensions", [])
        if dimensions:
            wanted = _dims_key((d["Name"], d["Value"]) for d in dimensions)
            found = by_dims.get((metric["MetricName"], wanted), ())
        else:
            found = by_name.get((metric["Namespace"], metric["MetricName"]), ())
        delta = timedelta(seconds=int(metric_stat["Period"]))
        unit = metric_stat.get("Unit")
        buckets: dict[int, list[Any]] = defaultdict(list)
        for md in found:
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


def moto_store(account_id: str, region: str) -> Callable[[list[tuple[Datum, datetime]]], None]:
    """Datapoints appended to the CloudWatch store of the moto server in this process: what
    PutMetricData with StatisticValues stores (naive UTC stamps, the datum's unit), without
    a request to serialize, send and parse (for the demo's backfill that was most of its
    0.5 s). The objects are made first, then added in one `extend` of a list, which the
    server's threads see whole or not at all."""
    from moto.cloudwatch.models import MetricAggregatedDatum, cloudwatch_backends

    backend = cloudwatch_backends[account_id][region]

    def store(data: list[tuple[Datum, datetime]]) -> None:
        made = [
            MetricAggregatedDatum(
                namespace=datum.namespace,
                name=datum.metric,
                min_stat=float(datum.stat.minimum),
                max_stat=float(datum.stat.maximum),
                sample_count=float(datum.stat.count),
                sum_stat=float(datum.stat.total),
                dimensions=[{"Name": n, "Value": v} for n, v in datum.dimensions],
                timestamp=at.astimezone(UTC).replace(tzinfo=None),
                unit=datum.unit,
            )
            for datum, at in data
        ]
        backend.metric_data.extend(made)

    return store
