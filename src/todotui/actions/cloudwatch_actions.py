"""Alarm threshold from the 30-day baseline, and the runbook's emergency notification."""

from __future__ import annotations

import json
import math
from datetime import timedelta
from typing import Any

from botocore.exceptions import ClientError

from todotui.actions.base import Action, ActionContext, CallLog, Observation, UndoSpec
from todotui.actions.cli_preview import aws_command
from todotui.actions.model import Field, FieldKind, InvalidInput, Plan, Risk
from todotui.actions.validation import (
    FieldErrors,
    cli_number,
    format_number,
    implausible_change,
    parse_choice,
    parse_float,
    parse_text,
)
from todotui.aws.errors import describe_error

BASELINE_DAYS = 30
HEADROOM = 1.5
"""The suggested threshold sits this far above the worst daily average of the baseline."""

# PutMetricAlarm's parameters, in the order the CLI preview lists them.
PUT_ALARM_FIELDS = (
    "AlarmName",
    "AlarmDescription",
    "ActionsEnabled",
    "OKActions",
    "AlarmActions",
    "InsufficientDataActions",
    "MetricName",
    "Namespace",
    "Statistic",
    "ExtendedStatistic",
    "Dimensions",
    "Period",
    "Unit",
    "EvaluationPeriods",
    "DatapointsToAlarm",
    "Threshold",
    "ComparisonOperator",
    "TreatMissingData",
    "EvaluateLowSampleCountPercentile",
    "Metrics",
    "ThresholdMetricId",
)
_CLI_FLAG = {
    "AlarmName": "--alarm-name",
    "AlarmDescription": "--alarm-description",
    "OKActions": "--ok-actions",
    "AlarmActions": "--alarm-actions",
    "InsufficientDataActions": "--insufficient-data-actions",
    "MetricName": "--metric-name",
    "Namespace": "--namespace",
    "Statistic": "--statistic",
    "ExtendedStatistic": "--extended-statistic",
    "Dimensions": "--dimensions",
    "Period": "--period",
    "Unit": "--unit",
    "EvaluationPeriods": "--evaluation-periods",
    "DatapointsToAlarm": "--datapoints-to-alarm",
    "Threshold": "--threshold",
    "ComparisonOperator": "--comparison-operator",
    "TreatMissingData": "--treat-missing-data",
    "EvaluateLowSampleCountPercentile": "--evaluate-low-sample-count-percentile",
    "Metrics": "--metrics",
    "ThresholdMetricId": "--threshold-metric-id",
}


def alarm_as_put_params(alarm: dict[str, Any], threshold: float) -> dict[str, Any]:
    """PutMetricAlarm parameters that recreate `alarm` exactly, with only the threshold changed."""
    params = {k: alarm[k] for k in PUT_ALARM_FIELDS if k in alarm and alarm[k] not in (None, "")}
    params["Threshold"] = threshold
    if "Metrics" in params:
        params["Metrics"] = [
            {k: v for k, v in m.items() if v is not None} for m in params["Metrics"]
        ]
    return params


def put_metric_alarm_cli(params: dict[str, Any], ctx: ActionContext) -> str:
    args: list[str] = []
    for key in PUT_ALARM_FIELDS:
        if key not in params:
            continue
        value = params[key]
        if key == "ActionsEnabled":
            args.append("--actions-enabled" if value else "--no-actions-enabled")
        elif key in ("Dimensions", "Metrics"):
            args += [_CLI_FLAG[key], json.dumps(value, separators=(",", ":"), default=str)]
        elif isinstance(value, list):
            if value:
                args += [_CLI_FLAG[key], *map(str, value)]
        else:
            args += [_CLI_FLAG[key], _number(value) if isinstance(value, float) else str(value)]
    return aws_command("cloudwatch", "put-metric-alarm", args, ctx.clients.target)


def _number(value: float) -> str:
    """A threshold for a form or a shell: exact (`8000`, `0.5`, `1e+20`)."""
    return cli_number(value)


def _nice_ceiling(value: float) -> float:
    """Round up to two significant figures (12345 -> 13000), so a threshold reads like one."""
    if value <= 0:
        return value
    scale = 10 ** (math.floor(math.log10(value)) - 1)
    return math.ceil(value / scale) * scale


async def describe_alarm(ctx: ActionContext, name: str) -> dict[str, Any] | None:
    resp = await ctx.read("cloudwatch", "describe_alarms", AlarmNames=[name])
    alarms = resp.get("MetricAlarms", [])
    return alarms[0] if alarms else None


async def baseline(ctx: ActionContext, alarm: dict[str, Any]) -> dict[str, Any]:
    """Daily Average/Maximum of the alarm's metric over 30 days, as the runbook analyses it."""
    if not alarm.get("MetricName"):
        return {"note": "a metric-math alarm: no single metric to take a baseline of"}
    end = ctx.now()
    try:
        resp = await ctx.read(
            "cloudwatch",
            "get_metric_statistics",
            Namespace=alarm["Namespace"],
            MetricName=alarm["MetricName"],
            Dimensions=alarm.get("Dimensions", []),
            StartTime=end - timedelta(days=BASELINE_DAYS),
            EndTime=end,
            Period=86400,
            Statistics=["Average", "Maximum", "Minimum", "Sum"],
        )
    except ClientError as exc:
        return {"note": f"baseline unavailable ({describe_error(exc)})"}
    points = resp.get("Datapoints", [])
    if not points:
        return {"note": f"no data for {alarm['MetricName']} in the last {BASELINE_DAYS} days"}
    averages = [p["Average"] for p in points]
    result = {
        "days": len(points),
        "average": sum(averages) / len(averages),
        "worst_daily_average": max(averages),
        "maximum": max(p["Maximum"] for p in points),
    }
    if all("Minimum" in p for p in points):
        result["minimum"] = min(p["Minimum"] for p in points)
    if all("Sum" in p for p in points):
        result["max_daily_sum"] = max(p["Sum"] for p in points)
    if str(alarm.get("ComparisonOperator", "")).startswith("GreaterThan"):
        result["suggested"] = _nice_ceiling(result["worst_daily_average"] * HEADROOM)
    return result


def _baseline_pairs(base: dict[str, Any], unit: str) -> tuple[tuple[str, str], ...]:
    if "note" in base:
        return (("30-day baseline", base["note"]),)
    rows = [
        ("30-day average", f"{format_number(round(base['average'], 1))}{unit}"),
        ("Worst daily average", f"{format_number(round(base['worst_daily_average'], 1))}{unit}"),
        ("30-day maximum", f"{format_number(round(base['maximum'], 1))}{unit}"),
        ("Days with data", str(base["days"])),
    ]
    if "minimum" in base:
        rows.insert(3, ("30-day minimum", f"{format_number(round(base['minimum'], 1))}{unit}"))
    if "suggested" in base:
        rows.append(
            (
                "Suggested threshold",
                f"{format_number(base['suggested'])}{unit} ({HEADROOM:g} x worst daily average)",
            )
        )
    return tuple(rows)


_NON_NEGATIVE_UNITS = {
    "Seconds",
    "Microseconds",
    "Milliseconds",
    "Bytes",
    "Kilobytes",
    "Megabytes",
    "Gigabytes",
    "Terabytes",
    "Bits",
    "Percent",
    "Count",
    "Bytes/Second",
    "Count/Second",
}
_SUM_LIKE = {"Sum", "SampleCount"}


def _never_negative(alarm: dict[str, Any]) -> bool:
    """True for a metric that cannot go below 0: an AWS/* metric, a count, a duration, a
    percentage, or math over AWS/* metrics without a subtraction."""
    if alarm.get("Unit") in _NON_NEGATIVE_UNITS:
        return True
    if alarm.get("MetricName"):
        return str(alarm.get("Namespace", "")).startswith("AWS/")
    queries = alarm.get("Metrics") or []
    stats = [q["MetricStat"]["Metric"] for q in queries if q.get("MetricStat")]
    expressions = [str(q.get("Expression", "")) for q in queries]
    return (
        bool(stats)
        and all(str(m.get("Namespace", "")).startswith("AWS/") for m in stats)
        and not any("-" in e for e in expressions)
    )


def _is_percent(alarm: dict[str, Any]) -> bool:
    if alarm.get("Unit") == "Percent":
        return True
    labels = [str(q.get("Label", "")) for q in alarm.get("Metrics") or [] if q.get("ReturnData")]
    return any("%" in label or "percent" in label.lower() for label in labels)


def judge_threshold(
    alarm: dict[str, Any],
    base: dict[str, Any],
    threshold: float,
    unit: str,
    *,
    factor: float,
    absurd: float,
) -> tuple[str | None, list[str]]:
    """(why the threshold is refused, or None; why it is high risk, one line each).

    Judged against the metric's 30-day range and the comparison operator: a threshold the
    metric never reached cannot fire; one it always exceeds fires on every period.
    """
    shown = f"threshold {format_number(threshold)}{unit}"
    operator = str(alarm.get("ComparisonOperator", ""))
    greater = operator.startswith("GreaterThan")
    lower = operator.startswith("LessThan")
    if threshold < 0 and _never_negative(alarm):
        what = (
            "a percentage" if _is_percent(alarm) else "this metric (a count, a duration or a size)"
        )
        fate = "could never fire" if lower else "would be in ALARM on every period with data"
        return f"{shown} is negative, and {what} never is: the alarm {fate}", []
    if threshold > 100 and _is_percent(alarm) and (greater or lower):
        fate = "could never fire" if greater else "would always fire"
        return f"{shown} is above 100, and a percentage never is: the alarm {fate}", []
    current = float(alarm.get("Threshold", 0.0))
    high: list[str] = []
    moved = implausible_change(
        "The threshold",
        max(abs(current), 1.0) if current == 0 else abs(current),
        abs(threshold),
        factor,
        unit.strip(),
    )
    if moved and (current >= 0) == (threshold >= 0):
        high.append(moved)
    if current > 0 and threshold == 0 and greater:
        high.append(
            f"{shown} (was {format_number(current)}{unit}): the alarm fires on any datapoint above zero"
        )
    top: float | None = None
    bottom: float | None = None
    top_label = "max"
    if "maximum" in base:
        if str(alarm.get("Statistic", "")) in _SUM_LIKE:
            # A period's sum is at most a whole day's; it can be 0 on a quiet period: no floor.
            top, top_label = base.get("max_daily_sum"), "a whole day's total"
        else:
            top, bottom = base["maximum"], base.get("minimum")
    # However far from the live value, a threshold x1000 above everything known is absurd.
    reference = max(abs(current), abs(top) if top is not None else 0.0, 1.0)
    if greater and threshold > reference * absurd:
        if top is not None:
            return (
                f"{shown} is above anything this metric reached in 30 days "
                f"({top_label} {format_number(round(top, 1))}{unit}): the alarm could never fire"
            ), []
        return (
            f"{shown} is more than x{absurd:g} the current threshold "
            f"({format_number(current)}{unit}) with no data in 30 days to say otherwise: "
            "the alarm would in effect never fire"
        ), []
    if lower and bottom is not None and bottom > 0 and threshold * absurd < bottom:
        return (
            f"{shown} is below anything this metric reached in 30 days "
            f"(min {format_number(round(bottom, 1))}{unit}): the alarm could never fire"
        ), []
    if not (greater or lower) or top is None:
        return None, high
    never = always = None
    if greater and threshold >= top:
        never = (
            f"{shown} is above anything this metric reached in 30 days "
            f"({top_label} {format_number(round(top, 1))}{unit}): the alarm could never fire "
            "on traffic like the last 30 days'"
        )
    if greater and bottom is not None and threshold < bottom:
        always = (
            f"{shown} is below anything this metric reached in 30 days "
            f"(min {format_number(round(bottom, 1))}{unit}): the alarm would fire on every period with data"
        )
    if lower and bottom is not None and threshold <= bottom:
        never = (
            f"{shown} is below anything this metric reached in 30 days "
            f"(min {format_number(round(bottom, 1))}{unit}): the alarm could never fire "
            "on traffic like the last 30 days'"
        )
    if lower and threshold > top:
        always = (
            f"{shown} is above anything this metric reached in 30 days "
            f"({top_label} {format_number(round(top, 1))}{unit}): the alarm would fire on every period"
        )
    # An incident alarm sits above normal traffic by design: moving it further out of reach
    # (beyond the factor, or above the 30-day range from within it) is what deserves typing.
    if never:
        was_reachable = current < top if greater else bottom is not None and current > bottom
        if moved or was_reachable:
            high.append(never)
    if always:
        high.append(always)
    return None, list(dict.fromkeys(high))


class AlarmThreshold(Action):
    id = "alarm-threshold"
    title = "Update an alarm threshold"
    summary = "Set an alarm's threshold from its 30-day baseline, keeping every other setting."

    async def fields(self, ctx: ActionContext) -> list[Field]:
        names = ctx.stack.alarm_names
        default_name = ctx.stack.duration_alarm
        alarm = await describe_alarm(ctx, default_name)
        default = ""
        if alarm:
            base = await baseline(ctx, alarm)
            default = _number(base.get("suggested", alarm["Threshold"]))
        return [
            Field("alarm", "Alarm", FieldKind.CHOICE, choices=names, default=default_name),
            Field(
                "threshold",
                "New threshold",
                FieldKind.FLOAT,
                help="in the alarm metric's own unit; default: the baseline's suggestion",
                default=default,
            ),
        ]

    async def plan(self, ctx: ActionContext, values: dict[str, str]) -> Plan:
        errors = FieldErrors(values)
        name = errors.take("alarm", lambda t: parse_choice(t, ctx.stack.alarm_names, what="alarm"))
        threshold = errors.take("threshold", lambda t: parse_float(t))
        errors.raise_if_any()
        assert name is not None and threshold is not None
        alarm = await describe_alarm(ctx, name)
        if alarm is None:
            raise InvalidInput({"alarm": f"no alarm named {name!r} in this account and region"})
        if float(alarm["Threshold"]) == threshold:
            raise InvalidInput({"threshold": f"already {format_number(threshold)}"})
        unit = {"Milliseconds": " ms", "Seconds": " s", "Percent": " %"}.get(
            alarm.get("Unit", ""), ""
        )
        base = await baseline(ctx, alarm)
        refused, high = judge_threshold(
            alarm,
            base,
            threshold,
            unit,
            factor=ctx.limits.change_factor,
            absurd=ctx.limits.alarm_absurd_factor,
        )
        if refused:
            raise InvalidInput({"threshold": refused})
        params = alarm_as_put_params(alarm, threshold)
        warnings = list(high)
        if not high and (
            "worst_daily_average" in base
            and threshold < base["worst_daily_average"]
            and str(alarm.get("ComparisonOperator", "")).startswith("GreaterThan")
        ):
            warnings.append(
                "The new threshold is below a normal day's average: the alarm will fire on ordinary traffic."
            )
        return Plan(
            action_id=self.id,
            title=self.title,
            target=f"cloudwatch alarm {name}",
            params={"alarm": name, "threshold": threshold, "put": params},
            before=(
                ("Threshold", f"{format_number(float(alarm['Threshold']))}{unit}"),
                ("State", alarm.get("StateValue", "?")),
            ),
            after=(
                ("Threshold", f"{format_number(threshold)}{unit}"),
                ("Everything else", "unchanged"),
            ),
            effects=(
                "CloudWatch re-evaluates the alarm against the new threshold from its next period.",
                "Actions (SNS notifications) fire only when the state changes.",
            ),
            cli=(put_metric_alarm_cli(params, ctx),),
            risk=Risk.HIGH if high else Risk.LOW,
            confirm_text=name,
            undo_possible=True,
            undo_note=f"back to {format_number(float(alarm['Threshold']))}",
            context=_baseline_pairs(base, unit),
            warnings=tuple(warnings),
            state={"previous": float(alarm["Threshold"])},
        )

    async def execute(self, ctx: ActionContext, plan: Plan, calls: CallLog) -> dict[str, Any]:
        await calls("cloudwatch", "put_metric_alarm", **plan.params["put"])
        return {}

    async def observe(self, ctx: ActionContext, plan: Plan, result: dict[str, Any]) -> Observation:
        alarm = await describe_alarm(ctx, plan.params["alarm"])
        if alarm is None:
            return Observation(False, (("Alarm", "not found"),), final=True)
        kept = alarm_as_put_params(alarm, plan.params["threshold"]) == plan.params["put"]
        pairs = (
            ("Threshold", format_number(float(alarm["Threshold"]))),
            ("Other settings", "unchanged" if kept else "CHANGED"),
        )
        return Observation(float(alarm["Threshold"]) == plan.params["threshold"] and kept, pairs)

    def undo(self, plan: Plan, result: dict[str, Any]) -> UndoSpec | None:
        return UndoSpec(
            self.id, {"alarm": plan.params["alarm"], "threshold": _number(plan.state["previous"])}
        )


SUBJECT_DEFAULT = "TodoApp Emergency Alert"


class EmergencyNotify(Action):
    id = "emergency-notify"
    title = "Send an emergency notification"
    summary = "Publish to the alerts topic and log to the emergency log group (runbook's emergency script)."

    async def fields(self, ctx: ActionContext) -> list[Field]:
        return [
            Field(
                "message", "Message", FieldKind.TEXT, help='e.g. "Critical: Lambda function down"'
            ),
            Field(
                "subject",
                "Subject",
                FieldKind.TEXT,
                help="one line, at most 100 characters",
                default=SUBJECT_DEFAULT,
            ),
        ]

    async def plan(self, ctx: ActionContext, values: dict[str, str]) -> Plan:
        errors = FieldErrors(values)
        message = errors.take("message", lambda t: parse_text(t, max_length=10000, what="message"))
        subject = errors.take(
            "subject", lambda t: parse_text(t, max_length=100, what="subject", single_line=True)
        )
        if subject and not subject.isascii():
            errors.add("subject", "SNS subjects must be plain ASCII")
        errors.raise_if_any()
        assert message and subject
        topic_arn = await ctx.resolver.topic_arn()
        moment = ctx.now()
        stamped = f"[{moment.strftime('%Y-%m-%d %H:%M:%S')} UTC] {message}"
        stream = f"emergency-{moment.strftime('%Y%m%d')}"
        group = ctx.stack.emergency_log_group
        timestamp_ms = int(moment.timestamp() * 1000)
        target = ctx.clients.target
        return Plan(
            action_id=self.id,
            title=self.title,
            target=f"sns {ctx.stack.alerts_topic}",
            params={
                "message": stamped,
                "subject": subject,
                "topic_arn": topic_arn,
                "log_group": group,
                "log_stream": stream,
                "timestamp_ms": timestamp_ms,
            },
            before=(("Notification", "not sent"),),
            after=(
                ("SNS topic", ctx.stack.alerts_topic),
                ("Log", f"{group} / {stream}"),
                ("Text", stamped),
            ),
            effects=(
                "Everyone subscribed to the topic is notified (email, SMS, chat): this cannot be recalled.",
                "The same text is logged to the emergency log group, stream created if needed.",
            ),
            cli=(
                aws_command(
                    "sns",
                    "publish",
                    ["--topic-arn", topic_arn, "--message", stamped, "--subject", subject],
                    target,
                ),
                aws_command(
                    "logs",
                    "create-log-stream",
                    ["--log-group-name", group, "--log-stream-name", stream],
                    target,
                )
                + "  # fails harmlessly if it exists",
                aws_command(
                    "logs",
                    "put-log-events",
                    [
                        "--log-group-name",
                        group,
                        "--log-stream-name",
                        stream,
                        "--log-events",
                        json.dumps([{"timestamp": timestamp_ms, "message": stamped}]),
                    ],
                    target,
                ),
            ),
            risk=Risk.LOW,
            confirm_text=ctx.stack.alerts_topic,
            undo_possible=False,
            undo_note="a notification cannot be unsent; send a follow-up instead",
        )

    async def execute(self, ctx: ActionContext, plan: Plan, calls: CallLog) -> dict[str, Any]:
        p = plan.params
        sent = await calls(
            "sns", "publish", TopicArn=p["topic_arn"], Message=p["message"], Subject=p["subject"]
        )
        try:
            await calls(
                "logs",
                "create_log_stream",
                logGroupName=p["log_group"],
                logStreamName=p["log_stream"],
            )
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            if code == "ResourceNotFoundException":
                await calls("logs", "create_log_group", logGroupName=p["log_group"])
                await calls(
                    "logs",
                    "create_log_stream",
                    logGroupName=p["log_group"],
                    logStreamName=p["log_stream"],
                )
            elif code != "ResourceAlreadyExistsException":
                raise
        await calls(
            "logs",
            "put_log_events",
            logGroupName=p["log_group"],
            logStreamName=p["log_stream"],
            logEvents=[{"timestamp": p["timestamp_ms"], "message": p["message"]}],
        )
        return {"message_id": sent.get("MessageId", "")}

    async def observe(self, ctx: ActionContext, plan: Plan, result: dict[str, Any]) -> Observation:
        p = plan.params
        resp = await ctx.read(
            "logs",
            "get_log_events",
            logGroupName=p["log_group"],
            logStreamName=p["log_stream"],
            startTime=p["timestamp_ms"],
            endTime=p["timestamp_ms"] + 1,
        )
        logged = any(e.get("message") == p["message"] for e in resp.get("events", []))
        message_id = result.get("message_id")
        pairs = (
            ("SNS message", f"id {message_id}" if message_id else "not confirmed"),
            ("Log event", f"found in {p['log_stream']}" if logged else "not found yet"),
        )
        return Observation(bool(message_id) and logged, pairs)
