"""The morning health check (`todotui check`, the cockpit's `c`): what to ask and how to judge it.

The runbook's check is three `get-metric-statistics` commands whose `date --iso-8601` asks for
midnight to midnight. Here the window is exact (`--since`, minute-aligned), every figure is
judged against a threshold from `Settings.thresholds` and set beside the same window a day
and a week earlier, and all of it comes from one GetMetricData call: GetMetricData has one
StartTime/EndTime per call, so the call spans the week-earlier window to now with a period
that makes each of the three windows whole buckets (`plan_check`), and the buckets in between
are not read. Alarms come from DescribeAlarms, the table's billing mode from DescribeTable.

Pure: no IO, no AWS SDK. `aws.check` fetches into `CheckReads`, `judge` makes a `CheckReport`.

JSON schema (`CheckReport.to_json`, `schema_version` 1; keys are never removed or renamed
within a version, new keys may be added):

    {
      "schema_version": 1,
      "verdict": "healthy" | "degraded" | "unknown",   # exit code 0 | 1 | 2
      "exit_code": 0 | 1 | 2,
      "summary": str,                                  # one line, why this verdict
      "generated_at": str,                             # ISO 8601, UTC
      "target": str,                                   # region, profile, endpoint
      "since_seconds": int,
      "windows": {"now" | "day_before" | "week_before": {"start": str, "end": str}},
      "lines": [{
          "key": str,            # stable id, e.g. "error_rate"
          "name": str,           # for people
          "value": float | null, # null = no data (never 0 for "nothing came back")
          "unit": str,           # "count", "%", "ms"
          "threshold": float | null,
          "threshold_text": str, # e.g. "> 1%"; "" when the line is informational
          "status": "ok" | "breached" | "no-data",
          "judged": bool,        # false: shown, does not decide the verdict
          "reason": str,         # why no data, or what breached; "" otherwise
          "day_before": float | null,
          "week_before": float | null,
          "change_day_pct": float | null,   # (value - day_before) / day_before * 100
          "change_week_pct": float | null,
          "source": str          # the CloudWatch series or API behind the figure
      }],
      "alarms": [{"name": str, "state": "OK" | "ALARM" | "INSUFFICIENT_DATA" | null,
                  "status": "ok" | "breached" | "no-data", "reason": str,
                  "updated": str | null}],
      "requests": {"total": int, "by_operation": {"cloudwatch.GetMetricData": int, ...}},
      "metrics_requested": int,
      "problems": [str]          # reads that failed, in AWS's words
    }
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from todotui.config import StackNames, Thresholds
from todotui.telemetry.aws_types import MetricAlarm, Read, TableDescription
from todotui.telemetry.catalogue import (
    APIGATEWAY,
    DYNAMODB,
    LAMBDA,
    MetricSpec,
    metric_spec,
)

SCHEMA_VERSION = 1
DAY = 86400
WEEK = 7 * DAY
MAX_QUERIES = 500
MAX_DATAPOINTS = 100_800
"""GetMetricData's limits per call: queries, and datapoints across them."""

_SINCE = re.compile(r"^\s*(?P<n>[0-9]+)\s*(?P<unit>m|min|h|d)\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"m": 60, "min": 60, "h": 3600, "d": DAY}
DAY_DIVISORS = "30m, 1h, 2h, 3h, 4h, 6h, 8h, 12h, 24h"
MIN_SINCE = 1800
"""Shorter windows make thousands of buckets in the week-long call (2,017 at 5m): fine for
CloudWatch, but tens of seconds for the sandbox's moto, and a morning check is not a pane."""


class SinceError(ValueError):
    """A `--since` that cannot be checked; the message says what would work."""


def parse_since(text: str) -> int:
    """`30m`, `24h`, `7d` -> seconds. A window must divide a day (so a day earlier is whole
    buckets of the same call) or be whole days up to a week."""
    match = _SINCE.match(text or "")
    if not match:
        raise SinceError(
            f"--since {text!r}: write a number and a unit, e.g. 30m, 24h or 7d "
            f"(m = minutes, h = hours, d = days)"
        )
    seconds = int(match["n"]) * _UNIT_SECONDS[match["unit"].lower()]
    if seconds >= DAY:
        if seconds % DAY or seconds > WEEK:
            raise SinceError(f"--since {text}: whole days from 1d to 7d, or one of {DAY_DIVISORS}")
        return seconds
    if seconds < MIN_SINCE or DAY % seconds:
        raise SinceError(
            f"--since {text}: choose a window that divides a day ({DAY_DIVISORS}) or whole days "
            "up to 7d, so the same window a day and a week earlier come from the same call"
        )
    return seconds


class Status(StrEnum):
    OK = "ok"
    BREACHED = "breached"
    NO_DATA = "no-data"


class Verdict(StrEnum):
    HEALTHY = "healthy"
    DEGRADED = "degraded"
    UNKNOWN = "unknown"

    @property
    def exit_code(self) -> int:
        return {Verdict.HEALTHY: 0, Verdict.DEGRADED: 1, Verdict.UNKNOWN: 2}[self]


@dataclass(frozen=True, slots=True)
class Window:
    start: datetime
    end: datetime

    def holds(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


@dataclass(frozen=True, slots=True)
class CheckPlan:
    """What the one GetMetricData call asks: its span, its period, the three windows."""

    since_seconds: int
    period_seconds: int
    """Each window is `since / period` whole buckets (one, unless `since` is whole days)."""
    start: datetime
    end: datetime
    now: Window
    day_before: Window
    week_before: Window
    percentiles: bool
    """Ask Duration p99 (only where one bucket is one window: percentiles do not add up)."""
    specs: tuple[MetricSpec, ...]

    @property
    def windows(self) -> dict[str, Window]:
        return {"now": self.now, "day_before": self.day_before, "week_before": self.week_before}

    @property
    def buckets(self) -> int:
        return int((self.end - self.start).total_seconds()) // self.period_seconds


def check_specs(stack: StackNames, *, percentiles: bool) -> tuple[MetricSpec, ...]:
    """The series the check reads: the catalogue's, plus what summing over windows needs
    (Duration's Sum and SampleCount make an exact average over any number of buckets)."""
    fn = (("FunctionName", stack.function_name),)
    table = (("TableName", stack.table_name),)
    api = (("ApiName", stack.api_name),)
    specs = [
        metric_spec("lambda_invocations", LAMBDA, "Invocations", fn, "Sum"),
        metric_spec("lambda_errors", LAMBDA, "Errors", fn, "Sum"),
        metric_spec("lambda_throttles", LAMBDA, "Throttles", fn, "Sum"),
        metric_spec("lambda_duration_sum", LAMBDA, "Duration", fn, "Sum"),
        metric_spec("lambda_duration_count", LAMBDA, "Duration", fn, "SampleCount"),
        metric_spec("lambda_duration_max", LAMBDA, "Duration", fn, "Maximum"),
        metric_spec("api_count", APIGATEWAY, "Count", api, "Sum"),
        metric_spec("api_5xx", APIGATEWAY, "5XXError", api, "Sum"),
        metric_spec("ddb_read_throttles", DYNAMODB, "ReadThrottleEvents", table, "Sum"),
        metric_spec("ddb_write_throttles", DYNAMODB, "WriteThrottleEvents", table, "Sum"),
        metric_spec("ddb_consumed_rcu", DYNAMODB, "ConsumedReadCapacityUnits", table, "Sum"),
        metric_spec("ddb_consumed_wcu", DYNAMODB, "ConsumedWriteCapacityUnits", table, "Sum"),
        metric_spec(
            "ddb_provisioned_rcu", DYNAMODB, "ProvisionedReadCapacityUnits", table, "Average"
        ),
        metric_spec(
            "ddb_provisioned_wcu", DYNAMODB, "ProvisionedWriteCapacityUnits", table, "Average"
        ),
    ]
    if percentiles:
        specs.append(metric_spec("lambda_duration_p99", LAMBDA, "Duration", fn, "p99"))
    return tuple(specs)


def plan_check(
    stack: StackNames, *, since_seconds: int, now: datetime, percentiles: bool
) -> CheckPlan:
    """The windows ending at the last whole minute before `now`, and the call that reads them."""
    end = now.replace(second=0, microsecond=0)
    since = timedelta(seconds=since_seconds)
    period = since_seconds if since_seconds <= DAY else DAY
    start = end - timedelta(seconds=WEEK) - since
    single = period == since_seconds
    plan = CheckPlan(
        since_seconds=since_seconds,
        period_seconds=period,
        start=start,
        end=end,
        now=Window(end - since, end),
        day_before=Window(end - timedelta(days=1) - since, end - timedelta(days=1)),
        week_before=Window(start, start + since),
        percentiles=percentiles and single,
        specs=check_specs(stack, percentiles=percentiles and single),
    )
    if len(plan.specs) > MAX_QUERIES or plan.buckets * len(plan.specs) > MAX_DATAPOINTS:
        raise SinceError(f"--since: {plan.buckets} buckets of {len(plan.specs)} series is too many")
    return plan


# -- what came back ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SeriesPoints:
    """One query's answer: (bucket start, value) pairs, CloudWatch's status and messages."""

    points: tuple[tuple[datetime, float], ...]
    status: str = "Complete"
    messages: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CheckReads:
    """Everything the check read, each read succeeding or failing on its own."""

    metrics: Read[Mapping[str, SeriesPoints]]
    alarms: Read[Mapping[str, MetricAlarm]]
    table: Read[TableDescription]
    requests: Mapping[str, int] = field(default_factory=dict)
    """Requests sent for this check, by "service.Operation"."""
    metrics_requested: int = 0
    target: str = ""


def window_value(series: SeriesPoints | None, window: Window, stat: str) -> float | None:
    """The stat over `window` from its buckets; None when no bucket had data."""
    if series is None:
        return None
    values = [v for t, v in series.points if window.holds(t)]
    if not values:
        return None
    if stat in ("Sum", "SampleCount"):
        return sum(values)
    if stat == "Maximum":
        return max(values)
    if stat == "Minimum":
        return min(values)
    if len(values) == 1:  # an Average or a percentile of one bucket is exact
        return values[0]
    if stat == "Average":  # equal-length buckets of a gauge (provisioned capacity)
        return sum(values) / len(values)
    return None  # percentiles of several buckets do not combine


# -- the judgement -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CheckLine:
    key: str
    name: str
    value: float | None
    unit: str
    threshold: float | None
    threshold_text: str
    status: Status
    judged: bool
    reason: str
    day_before: float | None
    week_before: float | None
    source: str

    @property
    def change_day_pct(self) -> float | None:
        return _change(self.value, self.day_before)

    @property
    def change_week_pct(self) -> float | None:
        return _change(self.value, self.week_before)

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "value": self.value,
            "unit": self.unit,
            "threshold": self.threshold,
            "threshold_text": self.threshold_text,
            "status": self.status.value,
            "judged": self.judged,
            "reason": self.reason,
            "day_before": self.day_before,
            "week_before": self.week_before,
            "change_day_pct": self.change_day_pct,
            "change_week_pct": self.change_week_pct,
            "source": self.source,
        }


@dataclass(frozen=True, slots=True)
class AlarmLine:
    name: str
    state: str | None
    status: Status
    reason: str
    updated: datetime | None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "state": self.state,
            "status": self.status.value,
            "reason": self.reason,
            "updated": None if self.updated is None else self.updated.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class CheckReport:
    generated_at: datetime
    target: str
    plan: CheckPlan
    lines: tuple[CheckLine, ...]
    alarms: tuple[AlarmLine, ...]
    requests: Mapping[str, int]
    metrics_requested: int
    problems: tuple[str, ...]

    @property
    def verdict(self) -> Verdict:
        judged = [line.status for line in self.lines if line.judged]
        judged += [alarm.status for alarm in self.alarms]
        if Status.BREACHED in judged:
            return Verdict.DEGRADED
        if Status.NO_DATA in judged or not self.lines:
            return Verdict.UNKNOWN
        return Verdict.HEALTHY

    @property
    def exit_code(self) -> int:
        return self.verdict.exit_code

    @property
    def requests_total(self) -> int:
        return sum(self.requests.values())

    def current_at(self, now: datetime, within_seconds: float) -> bool:
        """A check run at `now` would read the same windows (no minute has ended since this
        one: they end at the last whole minute), this one had no problem, and it is younger
        than `within_seconds` (the cockpit's cadence: its own panes are no newer)."""
        age = (now - self.generated_at).total_seconds()
        return (
            not self.problems
            and now.replace(second=0, microsecond=0) == self.plan.end
            and 0 <= age < within_seconds
        )

    @property
    def summary(self) -> str:
        breached = [
            line.name for line in self.lines if line.judged and line.status is Status.BREACHED
        ]
        breached += [f"alarm {a.name}" for a in self.alarms if a.status is Status.BREACHED]
        missing = [
            line.name for line in self.lines if line.judged and line.status is Status.NO_DATA
        ]
        missing += [f"alarm {a.name}" for a in self.alarms if a.status is Status.NO_DATA]
        verdict = self.verdict
        if verdict is Verdict.DEGRADED:
            return "degraded: " + ", ".join(breached)
        if verdict is Verdict.UNKNOWN:
            why = self.problems[0] if self.problems else "no data for " + ", ".join(missing)
            return f"cannot tell: {why}"
        return "healthy: every figure within its threshold, every alarm OK"

    def to_json(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "verdict": self.verdict.value,
            "exit_code": self.exit_code,
            "summary": self.summary,
            "generated_at": self.generated_at.isoformat(),
            "target": self.target,
            "since_seconds": self.plan.since_seconds,
            "windows": {
                name: {"start": w.start.isoformat(), "end": w.end.isoformat()}
                for name, w in self.plan.windows.items()
            },
            "lines": [line.to_json() for line in self.lines],
            "alarms": [alarm.to_json() for alarm in self.alarms],
            "requests": {"total": self.requests_total, "by_operation": dict(self.requests)},
            "metrics_requested": self.metrics_requested,
            "problems": list(self.problems),
        }


def _change(value: float | None, before: float | None) -> float | None:
    if value is None or before is None or before == 0:
        return None
    return (value - before) / before * 100


def _ratio(part: float | None, whole: float | None, scale: float = 100.0) -> float | None:
    if part is None or whole is None or whole <= 0:
        return None
    return part / whole * scale


def judge(
    plan: CheckPlan,
    reads: CheckReads,
    *,
    thresholds: Thresholds,
    stack: StackNames,
    generated_at: datetime,
) -> CheckReport:
    """Every figure in every window, each judged; a read that failed makes its lines no-data."""
    problems: list[str] = []
    metrics: Mapping[str, SeriesPoints] = reads.metrics.answer or {}
    if not reads.metrics.ok:
        problems.append(f"GetMetricData: {reads.metrics.error}")
    for sid, series in metrics.items():
        if series.status != "Complete":
            words = "; ".join(series.messages)
            problems.append(
                f"{sid}: CloudWatch answered {series.status}{': ' + words if words else ''}"
            )
    stats = {spec.id: spec.stat for spec in plan.specs}
    windows = plan.windows
    seconds = plan.since_seconds

    def fig(sid: str) -> dict[str, float | None]:
        if sid not in stats:
            return dict.fromkeys(windows)
        return {name: window_value(metrics.get(sid), w, stats[sid]) for name, w in windows.items()}

    def combine(fn: Any, *figures: dict[str, float | None]) -> dict[str, float | None]:
        return {name: fn(*(f[name] for f in figures)) for name in windows}

    invocations, errors = fig("lambda_invocations"), fig("lambda_errors")
    requests, api_5xx = fig("api_count"), fig("api_5xx")
    duration_sum, duration_count = fig("lambda_duration_sum"), fig("lambda_duration_count")
    average = combine(
        lambda s, c: None if s is None or not c else s / c, duration_sum, duration_count
    )
    throttles = fig("lambda_throttles")
    ddb_throttles = combine(
        lambda r, w: None if r is None and w is None else (r or 0.0) + (w or 0.0),
        fig("ddb_read_throttles"),
        fig("ddb_write_throttles"),
    )

    table = reads.table.answer if reads.table.ok else None
    if not reads.table.ok:
        problems.append(f"DescribeTable {stack.table_name}: {reads.table.error}")
    on_demand = bool(
        table and (table.get("BillingModeSummary") or {}).get("BillingMode") == "PAY_PER_REQUEST"
    )
    live: dict[str, Any] = dict((table or {}).get("ProvisionedThroughput") or {})

    def used(consumed_id: str, provisioned_id: str, live_key: str) -> dict[str, float | None]:
        consumed, provisioned = fig(consumed_id), fig(provisioned_id)
        if provisioned["now"] is None and live.get(live_key):  # DescribeTable: what is set now
            provisioned = {**provisioned, "now": float(live[live_key])}
        return combine(
            lambda c, p: None if c is None or not p else c / seconds / p * 100,
            consumed,
            provisioned,
        )

    lambda_src = f"AWS/Lambda FunctionName={stack.function_name}"
    api_src = f"AWS/ApiGateway ApiName={stack.api_name}"
    table_src = f"AWS/DynamoDB TableName={stack.table_name}"
    t = thresholds
    lines = [
        _line(
            "invocations",
            "Lambda invocations",
            invocations,
            "count",
            None,
            f"{lambda_src} Invocations Sum",
        ),
        _line("api_requests", "API requests", requests, "count", None, f"{api_src} Count Sum"),
        _line("errors", "Lambda errors", errors, "count", None, f"{lambda_src} Errors Sum"),
        _line(
            "error_rate",
            "Lambda error rate",
            combine(_ratio, errors, invocations),
            "%",
            t.error_rate_warn_pct,
            "Errors / Invocations",
        ),
        _line(
            "api_5xx_rate",
            "API 5XX rate",
            combine(_ratio, api_5xx, requests),
            "%",
            t.api_5xx_crit_pct,
            f"{api_src} 5XXError / Count",
        ),
        _line("api_5xx", "API 5XX responses", api_5xx, "count", None, f"{api_src} 5XXError Sum"),
    ]
    if plan.percentiles:
        lines.append(
            _line(
                "p99_latency",
                "Lambda p99 duration",
                fig("lambda_duration_p99"),
                "ms",
                t.duration_crit_ms,
                f"{lambda_src} Duration p99",
            )
        )
    else:
        why = (
            "daily percentiles do not add up; the average is judged"
            if plan.since_seconds > DAY
            else "no percentiles at this endpoint; the average is judged"
        )
        lines.append(
            CheckLine(
                "p99_latency",
                "Lambda p99 duration",
                None,
                "ms",
                t.duration_crit_ms,
                f"> {t.duration_crit_ms:g} ms",
                Status.NO_DATA,
                False,
                why,
                None,
                None,
                f"{lambda_src} Duration p99",
            )
        )
    lines += [
        _line(
            "avg_latency",
            "Lambda average duration",
            average,
            "ms",
            t.duration_warn_ms,
            f"{lambda_src} Duration Sum / SampleCount",
        ),
        _line(
            "max_latency",
            "Lambda maximum duration",
            fig("lambda_duration_max"),
            "ms",
            None,
            f"{lambda_src} Duration Maximum",
        ),
        _line(
            "lambda_throttles",
            "Lambda throttles",
            throttles,
            "count",
            t.throttles_crit,
            f"{lambda_src} Throttles Sum",
            at_least=True,
        ),
        _line(
            "ddb_throttles",
            "DynamoDB throttle events",
            ddb_throttles,
            "count",
            t.throttles_crit,
            f"{table_src} Read+WriteThrottleEvents Sum",
            at_least=True,
        ),
    ]
    for key, name, consumed, provisioned, live_key in (
        (
            "read_capacity",
            "DynamoDB read capacity used",
            "ddb_consumed_rcu",
            "ddb_provisioned_rcu",
            "ReadCapacityUnits",
        ),
        (
            "write_capacity",
            "DynamoDB write capacity used",
            "ddb_consumed_wcu",
            "ddb_provisioned_wcu",
            "WriteCapacityUnits",
        ),
    ):
        source = f"{table_src} Consumed/Provisioned {live_key} (average over the window)"
        threshold = t.capacity_warn_ratio * 100
        if on_demand:
            lines.append(
                CheckLine(
                    key,
                    name,
                    None,
                    "%",
                    None,
                    "",
                    Status.NO_DATA,
                    False,
                    "on-demand table: no provisioned capacity to run out of",
                    None,
                    None,
                    source,
                )
            )
            continue
        lines.append(
            _line(key, name, used(consumed, provisioned, live_key), "%", threshold, source)
        )

    if not reads.metrics.ok:
        lines = [_unread(line, f"GetMetricData failed: {reads.metrics.error}") for line in lines]
    alarms = _alarm_lines(reads.alarms, stack, problems)
    return CheckReport(
        generated_at=generated_at,
        target=reads.target,
        plan=plan,
        lines=tuple(lines),
        alarms=alarms,
        requests=dict(reads.requests),
        metrics_requested=reads.metrics_requested,
        problems=tuple(problems),
    )


def _line(
    key: str,
    name: str,
    values: dict[str, float | None],
    unit: str,
    threshold: float | None,
    source: str,
    *,
    at_least: bool = False,
) -> CheckLine:
    """`at_least`: breached from the threshold up (a count of throttles); else above it."""
    value = values["now"]
    sign = "≥" if at_least else ">"
    text = (
        "" if threshold is None else f"{sign} {threshold:g}{'' if unit == 'count' else ' ' + unit}"
    )
    if value is None:
        status, reason = Status.NO_DATA, "no datapoints in the window"
    elif threshold is not None and (value >= threshold if at_least else value > threshold):
        status, reason = Status.BREACHED, f"{_plain(value, unit)} {sign} {_plain(threshold, unit)}"
    else:
        status, reason = Status.OK, ""
    return CheckLine(
        key=key,
        name=name,
        value=value,
        unit=unit,
        threshold=threshold,
        threshold_text=text,
        status=status,
        judged=True,
        reason=reason,
        day_before=values["day_before"],
        week_before=values["week_before"],
        source=source,
    )


def _plain(value: float, unit: str) -> str:
    """A figure for a reason line: 35,252 · 1.88% · 3,100 ms."""
    if unit == "count":
        return f"{value:,.0f}"
    text = f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
    return f"{text}%" if unit == "%" else f"{text} {unit}"


def _unread(line: CheckLine, why: str) -> CheckLine:
    if not line.judged and line.value is None:
        return line
    return CheckLine(
        line.key,
        line.name,
        None,
        line.unit,
        line.threshold,
        line.threshold_text,
        Status.NO_DATA,
        line.judged,
        why,
        None,
        None,
        line.source,
    )


def _alarm_lines(
    read: Read[Mapping[str, MetricAlarm]], stack: StackNames, problems: list[str]
) -> tuple[AlarmLine, ...]:
    if not read.ok:
        problems.append(f"DescribeAlarms: {read.error}")
        return tuple(
            AlarmLine(name, None, Status.NO_DATA, f"DescribeAlarms failed: {read.error}", None)
            for name in stack.alarm_names
        )
    found = read.answer or {}
    lines = []
    for name in stack.alarm_names:
        alarm = found.get(name)
        if alarm is None:
            lines.append(AlarmLine(name, None, Status.NO_DATA, "no such alarm", None))
            continue
        state = alarm.get("StateValue")
        status = {"OK": Status.OK, "ALARM": Status.BREACHED}.get(state or "", Status.NO_DATA)
        reason = "" if status is Status.OK else alarm.get("StateReason", "")
        lines.append(AlarmLine(name, state, status, reason, alarm.get("StateUpdatedTimestamp")))
    return tuple(lines)
