"""CloudWatch alarm evaluation, done by the sandbox because moto never evaluates alarms.

Each alarm is judged by its own definition (statistic, period, evaluation periods,
datapoints to alarm, threshold, comparison, missing-data treatment, or a metric-math
expression over several metrics) against the aggregates the simulator pushed, which it
records here rather than reading back from moto. The evaluation is pure; `AlarmEvaluator`
does the IO: it reads the alarms, sets their state with CloudWatch's reason text, and
publishes CloudWatch's notification to each SNS action, as CloudWatch does.
"""

from __future__ import annotations

import ast
import json
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from todotui.sandbox.model import Stat

AWS_ERRORS = (BotoCoreError, ClientError)
PLAIN_STATISTICS = ("SampleCount", "Sum", "Average", "Minimum", "Maximum")

REGION_NAMES = {
    "us-east-1": "US East (N. Virginia)",
    "us-east-2": "US East (Ohio)",
    "us-west-1": "US West (N. California)",
    "us-west-2": "US West (Oregon)",
    "eu-west-1": "EU (Ireland)",
    "eu-west-2": "EU (London)",
    "eu-central-1": "EU (Frankfurt)",
    "ap-southeast-1": "Asia Pacific (Singapore)",
    "ap-southeast-2": "Asia Pacific (Sydney)",
    "ap-northeast-1": "Asia Pacific (Tokyo)",
}
"""CloudWatch names the region in notifications by its long name."""

COMPARISONS: dict[str, tuple[Callable[[float, float], bool], str]] = {
    "GreaterThanThreshold": (operator.gt, "greater than"),
    "GreaterThanOrEqualToThreshold": (operator.ge, "greater than or equal to"),
    "LessThanThreshold": (operator.lt, "less than"),
    "LessThanOrEqualToThreshold": (operator.le, "less than or equal to"),
}

OK, ALARM, INSUFFICIENT = "OK", "ALARM", "INSUFFICIENT_DATA"

DimensionKey = frozenset[tuple[str, str]]
SeriesKey = tuple[str, str, DimensionKey]


def series_key(namespace: str, metric: str, dimensions: Mapping[str, str]) -> SeriesKey:
    return (namespace, metric, frozenset(dimensions.items()))


# ---------------------------------------------------------------------------------------------
# What was pushed


class MetricRecord:
    """The aggregates the simulator pushed, by series and period start (CloudWatch's own view)."""

    def __init__(self) -> None:
        self._series: dict[SeriesKey, dict[datetime, Stat]] = {}

    def add(
        self, namespace: str, metric: str, dimensions: Mapping[str, str], at: datetime, stat: Stat
    ) -> None:
        points = self._series.setdefault(series_key(namespace, metric, dimensions), {})
        old = points.get(at)
        points[at] = stat if old is None else _combine([old, stat])

    def aggregate(self, key: SeriesKey, start: datetime, end: datetime) -> Stat | None:
        """Every datapoint in [start, end) of one series, combined; None when there is none."""
        points = self._series.get(key)
        if not points:
            return None
        inside = [stat for at, stat in points.items() if start <= at < end]
        return _combine(inside) if inside else None

    def prune(self, before: datetime) -> None:
        for points in self._series.values():
            for at in [at for at in points if at < before]:
                del points[at]

    def __len__(self) -> int:
        return sum(len(points) for points in self._series.values())


def _combine(stats: Sequence[Stat]) -> Stat:
    return Stat(
        sum(s.count for s in stats),
        sum(s.total for s in stats),
        min(s.minimum for s in stats),
        max(s.maximum for s in stats),
    )


def statistic_of(stat: Stat, statistic: str) -> float | None:
    """One of CloudWatch's five plain statistics; None for those it cannot compute (percentiles)."""
    match statistic:
        case "Sum":
            return stat.total
        case "SampleCount":
            return stat.count
        case "Average":
            return stat.total / stat.count if stat.count else None
        case "Minimum":
            return stat.minimum
        case "Maximum":
            return stat.maximum
    return None


# ---------------------------------------------------------------------------------------------
# Metric math: a safe subset (ids, numbers, + - * /, unary minus, parentheses)


class ExpressionError(ValueError):
    """An expression the sandbox cannot evaluate (it says so instead of guessing)."""


_BINARY: dict[type[ast.operator], Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}


def parse_expression(text: str) -> ast.expr:
    """Parse a metric-math expression, rejecting anything beyond ids, numbers and + - * /."""
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as exc:
        raise ExpressionError(f"cannot parse expression {text!r}: {exc.msg}") from None
    for node in ast.walk(tree):
        allowed = (ast.BinOp, ast.UnaryOp, ast.Name, ast.Constant, ast.Load, ast.USub, ast.UAdd)
        if isinstance(node, ast.operator) and type(node) in _BINARY:
            continue
        if not isinstance(node, allowed) or (
            isinstance(node, ast.Constant) and not isinstance(node.value, (int, float))
        ):
            raise ExpressionError(f"unsupported metric math in {text!r}: {type(node).__name__}")
    return tree


def expression_ids(text: str) -> set[str]:
    return {node.id for node in ast.walk(parse_expression(text)) if isinstance(node, ast.Name)}


def evaluate_expression(text: str, values: Mapping[str, float | None]) -> float | None:
    """The expression's value for one period; None if an operand is missing or it divides by 0."""

    def walk(node: ast.expr) -> float | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            return float(node.value)
        if isinstance(node, ast.Name):
            if node.id not in values:
                raise ExpressionError(f"expression refers to unknown id {node.id!r}")
            return values[node.id]
        if isinstance(node, ast.UnaryOp):
            inner = walk(node.operand)
            return None if inner is None else (-inner if isinstance(node.op, ast.USub) else inner)
        if isinstance(node, ast.BinOp):
            left, right = walk(node.left), walk(node.right)
            if left is None or right is None:
                return None
            if isinstance(node.op, ast.Div) and right == 0:
                return None
            return _BINARY[type(node.op)](left, right)
        raise ExpressionError(f"unsupported node {type(node).__name__}")

    return walk(parse_expression(text))


# ---------------------------------------------------------------------------------------------
# Alarm definitions, as DescribeAlarms returns them


@dataclass(frozen=True, slots=True)
class MetricQuery:
    """One entry of an alarm's Metrics: a metric statistic or an expression over other ids."""

    id: str
    return_data: bool
    key: SeriesKey | None = None
    statistic: str = ""
    period: int = 0
    expression: str = ""


@dataclass(frozen=True, slots=True)
class AlarmDefinition:
    name: str
    arn: str
    state: str
    period: int
    evaluation_periods: int
    datapoints_to_alarm: int
    threshold: float
    comparison: str
    treat_missing: str
    queries: tuple[MetricQuery, ...]
    """For a single-metric alarm, one query with id "m1"."""
    raw: Mapping[str, Any] = field(default_factory=dict)
    """The DescribeAlarms entry, for the notification's Trigger."""

    @classmethod
    def from_describe(cls, alarm: Mapping[str, Any]) -> AlarmDefinition:
        if alarm.get("Metrics"):
            queries = []
            for q in alarm["Metrics"]:
                if "MetricStat" in q:
                    stat = q["MetricStat"]
                    metric = stat["Metric"]
                    dims = {d["Name"]: d["Value"] for d in metric.get("Dimensions", [])}
                    queries.append(
                        MetricQuery(
                            id=q["Id"],
                            return_data=q.get("ReturnData", True),
                            key=series_key(metric["Namespace"], metric["MetricName"], dims),
                            statistic=stat["Stat"],
                            period=int(stat["Period"]),
                        )
                    )
                else:
                    queries.append(
                        MetricQuery(
                            id=q["Id"],
                            return_data=q.get("ReturnData", True),
                            expression=q["Expression"],
                            period=int(q.get("Period") or 0),
                        )
                    )
            period = max(q.period for q in queries)
        else:
            dims = {d["Name"]: d["Value"] for d in alarm.get("Dimensions", [])}
            period = int(alarm["Period"])
            queries = [
                MetricQuery(
                    id="m1",
                    return_data=True,
                    key=series_key(alarm["Namespace"], alarm["MetricName"], dims),
                    statistic=alarm.get("Statistic") or alarm.get("ExtendedStatistic", ""),
                    period=period,
                )
            ]
        evaluation_periods = int(alarm["EvaluationPeriods"])
        return cls(
            name=alarm["AlarmName"],
            arn=alarm.get("AlarmArn", ""),
            state=alarm.get("StateValue", INSUFFICIENT),
            period=period,
            evaluation_periods=evaluation_periods,
            datapoints_to_alarm=int(alarm.get("DatapointsToAlarm") or evaluation_periods),
            threshold=float(alarm["Threshold"]),
            comparison=alarm["ComparisonOperator"],
            treat_missing=alarm.get("TreatMissingData") or "missing",
            queries=tuple(queries),
            raw=alarm,
        )

    @property
    def statistic_label(self) -> str:
        return self.queries[0].statistic if len(self.queries) == 1 else ""


# ---------------------------------------------------------------------------------------------
# Evaluation (pure)


@dataclass(frozen=True, slots=True)
class Datapoint:
    at: datetime
    """Start of the alarm period."""
    value: float | None
    sample_count: float | None = None


@dataclass(frozen=True, slots=True)
class Verdict:
    """The state the alarm's data calls for, and CloudWatch's words for why."""

    state: str
    reason: str
    reason_data: dict[str, Any]
    datapoints: tuple[Datapoint, ...]


def alarm_datapoints(
    alarm: AlarmDefinition, record: MetricRecord, now: datetime
) -> list[Datapoint]:
    """The alarm's last `evaluation_periods` complete periods before `now`, oldest first."""
    period = timedelta(seconds=alarm.period)
    epoch = datetime(1970, 1, 1, tzinfo=now.tzinfo)
    end = epoch + ((now - epoch) // period) * period
    points = []
    for i in range(alarm.evaluation_periods, 0, -1):
        start = end - i * period
        points.append(_datapoint(alarm, record, start, start + period))
    return points


def _datapoint(
    alarm: AlarmDefinition, record: MetricRecord, start: datetime, end: datetime
) -> Datapoint:
    values: dict[str, float | None] = {}
    counts: dict[str, float | None] = {}
    for q in alarm.queries:
        if q.key is None:
            continue
        agg = record.aggregate(q.key, start, end)
        values[q.id] = statistic_of(agg, q.statistic) if agg else None
        counts[q.id] = agg.count if agg else None
    for q in alarm.queries:
        if q.expression:
            values[q.id] = evaluate_expression(q.expression, values)
            counts[q.id] = None
    returned = [q for q in alarm.queries if q.return_data] or list(alarm.queries[-1:])
    target = returned[0].id
    return Datapoint(start, values.get(target), counts.get(target))


def judge(alarm: AlarmDefinition, points: Sequence[Datapoint], query_time: datetime) -> Verdict:
    """The state CloudWatch would put the alarm in, given its last N datapoints (oldest first).

    Missing data, per TreatMissingData: `breaching` counts as breaching, `notBreaching` as not,
    `ignore` keeps the current state when nothing is present, `missing` goes to
    INSUFFICIENT_DATA when nothing is present. Otherwise M of N present datapoints
    breaching is ALARM, anything less is OK.
    """
    compare, words = COMPARISONS[alarm.comparison]
    needed = alarm.datapoints_to_alarm
    present = [p for p in points if p.value is not None]
    missing = len(points) - len(present)
    breaching = [p for p in present if compare(p.value, alarm.threshold)]  # type: ignore[arg-type]
    n_breaching = len(breaching) + (missing if alarm.treat_missing == "breaching" else 0)
    newest_first = sorted(present, key=lambda p: p.at, reverse=True)

    if n_breaching >= needed:
        state = ALARM
        shown = [p for p in newest_first if p in breaching]
        reason = _threshold_reason(
            n_breaching, len(points), shown, words, alarm, needed, "OK -> ALARM", negate=False
        )
    elif not present and alarm.treat_missing in ("missing", "ignore"):
        state = alarm.state if alarm.treat_missing == "ignore" else INSUFFICIENT
        count = len(points)
        reason = (
            f"Insufficient Data: {count} datapoint{'s were' if count != 1 else ' was'} unknown."
        )
    else:
        state = OK
        shown = [p for p in newest_first if p not in breaching]
        not_breaching = len(shown) + (missing if alarm.treat_missing == "notBreaching" else 0)
        reason = _threshold_reason(
            not_breaching,
            len(points),
            shown,
            words,
            alarm,
            len(points) - needed + 1,
            "ALARM -> OK",
            negate=True,
        )

    reason_data: dict[str, Any] = {
        "version": "1.0",
        "queryDate": _iso(query_time),
        "startDate": _iso(points[0].at) if points else _iso(query_time),
        "period": alarm.period,
        "recentDatapoints": [p.value for p in points if p.value is not None],
        "threshold": alarm.threshold,
        "evaluatedDatapoints": [
            {
                "timestamp": _iso(p.at),
                **({"sampleCount": p.sample_count} if p.sample_count else {}),
                "value": p.value,
            }
            if p.value is not None
            else {"timestamp": _iso(p.at)}
            for p in newest_first + [p for p in points if p.value is None]
        ],
    }
    if alarm.statistic_label:
        reason_data["statistic"] = alarm.statistic_label
        reason_data["unit"] = alarm.raw.get("Unit")
    return Verdict(state, reason, reason_data, tuple(points))


def _threshold_reason(
    count: int,
    out_of: int,
    shown: Sequence[Datapoint],
    words: str,
    alarm: AlarmDefinition,
    minimum: int,
    transition: str,
    *,
    negate: bool,
) -> str:
    listed = ", ".join(f"{_number(p.value)} ({p.at.strftime('%d/%m/%y %H:%M:%S')})" for p in shown)
    verb = "were" if count != 1 else "was"
    minimum = max(1, minimum)
    return (
        f"Threshold Crossed: {count} out of the last {out_of} datapoint{'s' if out_of != 1 else ''} "
        f"[{listed}] {verb} {'not ' if negate else ''}{words} the threshold ({_number(alarm.threshold)}) "
        f"(minimum {minimum} datapoint{'s' if minimum != 1 else ''} for {transition} transition)."
    )


def _number(value: float | None) -> str:
    return repr(float(value)) if value is not None else "null"


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}+0000"


def notification(
    alarm: AlarmDefinition,
    verdict: Verdict,
    old_state: str,
    region: str,
    account_id: str,
    at: datetime,
) -> tuple[str, str]:
    """CloudWatch's SNS notification for a state change: (subject, JSON message)."""
    raw = alarm.raw
    region_name = REGION_NAMES.get(region, region)
    trigger: dict[str, Any] = {
        "Period": alarm.period,
        "EvaluationPeriods": alarm.evaluation_periods,
        "DatapointsToAlarm": alarm.datapoints_to_alarm,
        "ComparisonOperator": alarm.comparison,
        "Threshold": alarm.threshold,
        "TreatMissingData": alarm.treat_missing,
        "EvaluateLowSampleCountPercentile": raw.get("EvaluateLowSampleCountPercentile", ""),
    }
    if raw.get("Metrics"):
        trigger["Metrics"] = [_jsonable(m) for m in raw["Metrics"]]
    else:
        trigger.update(
            {
                "MetricName": raw.get("MetricName"),
                "Namespace": raw.get("Namespace"),
                "StatisticType": "Statistic" if raw.get("Statistic") else "ExtendedStatistic",
                "Statistic": str(raw.get("Statistic") or raw.get("ExtendedStatistic", "")).upper(),
                "Unit": raw.get("Unit"),
                "Dimensions": [
                    {"value": d["Value"], "name": d["Name"]} for d in raw.get("Dimensions", [])
                ],
            }
        )
    message = {
        "AlarmName": alarm.name,
        "AlarmDescription": raw.get("AlarmDescription"),
        "AWSAccountId": account_id,
        "AlarmConfigurationUpdatedTimestamp": _iso(
            _as_datetime(raw.get("AlarmConfigurationUpdatedTimestamp"), at)
        ),
        "NewStateValue": verdict.state,
        "NewStateReason": verdict.reason,
        "StateChangeTime": _iso(at),
        "Region": region_name,
        "AlarmArn": alarm.arn,
        "OldStateValue": old_state,
        "OKActions": list(raw.get("OKActions", [])),
        "AlarmActions": list(raw.get("AlarmActions", [])),
        "InsufficientDataActions": list(raw.get("InsufficientDataActions", [])),
        "Trigger": trigger,
    }
    subject = f'{verdict.state}: "{alarm.name}" in {region_name}'
    return subject[:100], json.dumps(message)


def _as_datetime(value: Any, default: datetime) -> datetime:
    return value if isinstance(value, datetime) else default


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return _iso(value)
    if isinstance(value, Mapping):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def actions_for(state: str, raw: Mapping[str, Any]) -> list[str]:
    """The ARNs CloudWatch notifies when an alarm enters `state` (none if actions are disabled)."""
    if not raw.get("ActionsEnabled", True):
        return []
    key = {ALARM: "AlarmActions", OK: "OKActions", INSUFFICIENT: "InsufficientDataActions"}[state]
    return list(raw.get(key, []))


# ---------------------------------------------------------------------------------------------
# IO: read alarms, set states, notify


@dataclass(frozen=True, slots=True)
class Transition:
    alarm: str
    old: str
    new: str
    reason: str


class AlarmEvaluator:
    """Evaluates every metric alarm against the record each tick, as CloudWatch would."""

    def __init__(self, cloudwatch: Any, sns: Any, *, region: str, account_id: str) -> None:
        self._cloudwatch = cloudwatch
        self._sns = sns
        self._region = region
        self._account_id = account_id
        self.problems: list[str] = []
        """Alarms the sandbox could not evaluate this tick, and why (shown in the tick summary)."""

    def evaluate(self, record: MetricRecord, now: datetime) -> list[Transition]:
        self.problems = []
        transitions: list[Transition] = []
        for raw in self._describe():
            try:
                alarm = AlarmDefinition.from_describe(raw)
                if any(
                    q.key is not None and q.statistic not in PLAIN_STATISTICS for q in alarm.queries
                ):
                    raise ExpressionError("percentile statistics are not evaluated by the sandbox")
                verdict = judge(alarm, alarm_datapoints(alarm, record, now), now)
            except (ExpressionError, KeyError, ValueError) as exc:
                self.problems.append(f"{raw.get('AlarmName')}: {exc}")
                continue
            if verdict.state == alarm.state:
                continue
            if self._transition(alarm, verdict, now):
                transitions.append(
                    Transition(alarm.name, alarm.state, verdict.state, verdict.reason)
                )
        return transitions

    def _describe(self) -> Iterable[Mapping[str, Any]]:
        try:
            pages = self._cloudwatch.get_paginator("describe_alarms").paginate(
                AlarmTypes=["MetricAlarm"]
            )
            return [a for page in pages for a in page.get("MetricAlarms", [])]
        except AWS_ERRORS as exc:  # the server may be shutting down; try again next tick
            self.problems.append(f"describe_alarms failed: {exc}")
            return []

    def _transition(self, alarm: AlarmDefinition, verdict: Verdict, now: datetime) -> bool:
        try:
            self._cloudwatch.set_alarm_state(
                AlarmName=alarm.name,
                StateValue=verdict.state,
                StateReason=verdict.reason[:1023],
                StateReasonData=json.dumps(verdict.reason_data),
            )
        except AWS_ERRORS as exc:
            self.problems.append(f"{alarm.name}: set_alarm_state failed: {exc}")
            return False
        subject, message = notification(
            alarm, verdict, alarm.state, self._region, self._account_id, now
        )
        for arn in actions_for(verdict.state, alarm.raw):
            if not arn.startswith("arn:aws:sns:"):
                continue
            try:
                self._sns.publish(TopicArn=arn, Subject=subject, Message=message)
            except AWS_ERRORS as exc:
                self.problems.append(f"{alarm.name}: publish to {arn} failed: {exc}")
        return True
