"""CloudWatch alarm state changes, detected between polls of DescribeAlarms.

Pure. No history API is needed (moto has none that works): each poll's alarms are compared
with the previous poll's. The first poll reports alarms already in ALARM.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from todotui.alerts.model import Alert, AlertSource, Severity, Topic
from todotui.stack_names import StackNames
from todotui.telemetry.aws_types import MetricAlarm, MetricDataQuery

_SEVERITY = {"ALARM": Severity.CRIT, "OK": Severity.OK, "INSUFFICIENT_DATA": Severity.INFO}

_OPERATORS = {
    "GreaterThanOrEqualToThreshold": ">=",
    "GreaterThanThreshold": ">",
    "LessThanThreshold": "<",
    "LessThanOrEqualToThreshold": "<=",
}


class AlarmTransitions:
    """Remembers each alarm's state; `update` returns an Alert per change since the last one."""

    def __init__(self, stack: StackNames) -> None:
        self.names = stack.alarm_names
        self._topics = {
            stack.error_alarm: Topic.ERRORS,
            stack.duration_alarm: Topic.LATENCY,
            stack.throttle_alarm: Topic.THROTTLING,
        }
        self._states: dict[str, str] | None = None
        self._reported_missing: set[str] = set()
        self.alarms: dict[str, MetricAlarm] = {}
        """The latest DescribeAlarms record of each configured alarm, by name."""

    def update(self, found: Mapping[str, MetricAlarm], now: datetime) -> list[Alert]:
        """Compare this poll's alarms with the last poll's; the first reports those in ALARM."""
        self.alarms = dict(found)
        alerts: list[Alert] = []
        first_poll = self._states is None
        previous = self._states or {}
        for name, alarm in found.items():
            state = alarm.get("StateValue", "INSUFFICIENT_DATA")
            if first_poll and state != "ALARM":
                continue
            if not first_poll and previous.get(name) == state:
                continue
            if not first_poll and name not in previous and state != "ALARM":
                continue  # an alarm that appeared later, in a quiet state
            alerts.append(self._alert(alarm, previous.get(name), now))
        for name in self.names:
            if name not in found and name not in self._reported_missing:
                self._reported_missing.add(name)
                alerts.append(self._missing(name, now))
        self._reported_missing -= set(found)
        self._states = {
            name: alarm.get("StateValue", "INSUFFICIENT_DATA") for name, alarm in found.items()
        }
        return alerts

    def _alert(self, alarm: MetricAlarm, before: str | None, now: datetime) -> Alert:
        name = alarm.get("AlarmName", "?")
        state = alarm.get("StateValue", "INSUFFICIENT_DATA")
        changed: datetime = alarm.get("StateUpdatedTimestamp") or now
        reason = alarm.get("StateReason", "")
        transition = f"{before} -> {state}" if before else f"in {state}"
        return Alert(
            key=f"alarm:{name}:{state}:{changed.isoformat()}",
            source=AlertSource.ALARM,
            severity=_SEVERITY.get(state, Severity.INFO),
            title=f"{name} {transition}",
            body=f"{name}: {transition} at {changed:%Y-%m-%d %H:%M:%S %Z}\n\nReason: {reason}\n\n{definition(alarm)}",
            first_seen=now,
            last_seen=now,
            topic=self._topics.get(name),
        )

    def _missing(self, name: str, now: datetime) -> Alert:
        return Alert(
            key=f"alarm:{name}:missing",
            source=AlertSource.ALARM,
            severity=Severity.WARN,
            title=f"Alarm {name} not found",
            body=f"DescribeAlarms returned no alarm named {name}. Check the alarm names in the config.",
            first_seen=now,
            last_seen=now,
            topic=self._topics.get(name),
        )


def definition(alarm: MetricAlarm) -> str:
    """The alarm's definition in a few lines, as an operator would read it in the console."""
    op = _OPERATORS.get(alarm.get("ComparisonOperator", ""), alarm.get("ComparisonOperator", "?"))
    if alarm.get("Metrics"):  # metric math: the expression, and the metrics it names
        lines, subject, period = _metric_math_lines(alarm["Metrics"])
    else:
        dims = ", ".join(f"{d['Name']}={d['Value']}" for d in alarm.get("Dimensions", []))
        stat = alarm.get("Statistic") or alarm.get("ExtendedStatistic") or "?"
        lines = [f"Metric: {alarm.get('Namespace', '?')} {alarm.get('MetricName', '?')} ({dims})"]
        subject, period = stat, alarm.get("Period", "?")
    lines += [
        f"Condition: {subject} {op} {alarm.get('Threshold', '?')} for {alarm.get('EvaluationPeriods', '?')} "
        f"period(s) of {period} s",
        f"Missing data: {alarm.get('TreatMissingData', 'missing')}",
    ]
    if alarm.get("AlarmDescription"):
        lines.append(f"Description: {alarm['AlarmDescription']}")
    if alarm.get("AlarmActions"):
        lines.append("Actions: " + ", ".join(alarm["AlarmActions"]))
    return "\n".join(lines)


def _metric_math_lines(queries: list[MetricDataQuery]) -> tuple[list[str], str, object]:
    """Lines naming each metric of a metric-math alarm; the subject is the returned expression."""
    lines: list[str] = []
    subject = "?"
    period: object = "?"
    for query in queries:
        if query.get("Expression"):
            lines.append(f"Expression: {query['Id']} = {query['Expression']}")
            if query.get("ReturnData", True):
                subject = query["Id"]
        elif stat := query.get("MetricStat"):
            metric = stat.get("Metric", {})
            dims = ", ".join(f"{d['Name']}={d['Value']}" for d in metric.get("Dimensions", []))
            lines.append(
                f"Metric {query['Id']}: {metric.get('Namespace', '?')} {metric.get('MetricName', '?')} "
                f"{stat.get('Stat', '?')} ({dims})"
            )
            period = stat.get("Period", period)
    return lines, subject, period
