"""Alarm evaluation as CloudWatch does it: M of N, comparisons, missing data, metric math."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from todotui.sandbox.alarms import (
    AlarmDefinition,
    ExpressionError,
    MetricRecord,
    actions_for,
    alarm_datapoints,
    evaluate_expression,
    judge,
    notification,
)
from todotui.sandbox.model import Stat

T0 = datetime(2025, 11, 26, 14, 0, tzinfo=UTC)
FN = {"FunctionName": "todo-handler"}


def duration_alarm(**overrides) -> AlarmDefinition:
    raw = {
        "AlarmName": "todo-lambda-duration-dev",
        "AlarmArn": "arn:aws:cloudwatch:us-west-2:123456789012:alarm:todo-lambda-duration-dev",
        "StateValue": "OK",
        "Namespace": "AWS/Lambda",
        "MetricName": "Duration",
        "Dimensions": [{"Name": "FunctionName", "Value": "todo-handler"}],
        "Statistic": "Average",
        "Period": 60,
        "EvaluationPeriods": 2,
        "Threshold": 8000.0,
        "ComparisonOperator": "GreaterThanThreshold",
        "TreatMissingData": "missing",
        "AlarmActions": ["arn:aws:sns:us-west-2:123456789012:todo-app-alerts-dev"],
        "OKActions": ["arn:aws:sns:us-west-2:123456789012:todo-app-alerts-dev"],
        "ActionsEnabled": True,
    }
    raw.update(overrides)
    return AlarmDefinition.from_describe(raw)


def error_rate_alarm(**overrides) -> AlarmDefinition:
    def stat(qid: str, metric: str) -> dict:
        return {
            "Id": qid,
            "ReturnData": False,
            "MetricStat": {
                "Metric": {
                    "Namespace": "AWS/Lambda",
                    "MetricName": metric,
                    "Dimensions": [{"Name": "FunctionName", "Value": "todo-handler"}],
                },
                "Period": 60,
                "Stat": "Sum",
            },
        }

    raw = {
        "AlarmName": "todo-lambda-error-rate-dev",
        "StateValue": "OK",
        "Metrics": [
            stat("m1", "Errors"),
            stat("m2", "Invocations"),
            {"Id": "e1", "Expression": "100*m1/m2", "ReturnData": True},
        ],
        "EvaluationPeriods": 2,
        "Threshold": 5.0,
        "ComparisonOperator": "GreaterThanThreshold",
        "TreatMissingData": "notBreaching",
    }
    raw.update(overrides)
    return AlarmDefinition.from_describe(raw)


def durations(*averages: float | None, start: datetime = T0, step: int = 60) -> MetricRecord:
    """One datapoint per `step` seconds with the given averages (None = nothing pushed)."""
    record = MetricRecord()
    for i, avg in enumerate(averages):
        if avg is not None:
            record.add(
                "AWS/Lambda",
                "Duration",
                FN,
                start + timedelta(seconds=i * step),
                Stat(10, avg * 10, 1, avg * 2),
            )
    return record


def state_after(alarm: AlarmDefinition, record: MetricRecord, now: datetime) -> str:
    return judge(alarm, alarm_datapoints(alarm, record, now), now).state


def test_two_of_two_breaching_goes_to_alarm_with_cloudwatchs_reason():
    record = durations(9120.5, 8811.0)
    alarm = duration_alarm()
    now = T0 + timedelta(minutes=2, seconds=5)
    verdict = judge(alarm, alarm_datapoints(alarm, record, now), now)
    assert verdict.state == "ALARM"
    assert verdict.reason == (
        "Threshold Crossed: 2 out of the last 2 datapoints [8811.0 (26/11/25 14:01:00), "
        "9120.5 (26/11/25 14:00:00)] were greater than the threshold (8000.0) "
        "(minimum 2 datapoints for OK -> ALARM transition)."
    )
    data = verdict.reason_data
    assert data["statistic"] == "Average" and data["period"] == 60 and data["threshold"] == 8000.0
    assert data["recentDatapoints"] == [9120.5, 8811.0]
    json.dumps(data)  # set_alarm_state needs JSON


def test_one_breach_of_two_needed_stays_ok():
    record = durations(9000.0, 120.0)
    assert state_after(duration_alarm(), record, T0 + timedelta(minutes=2)) == "OK"


def test_datapoints_to_alarm_m_of_n():
    record = durations(9000.0, 120.0, 9000.0)
    alarm = duration_alarm(EvaluationPeriods=3, DatapointsToAlarm=2)
    assert state_after(alarm, record, T0 + timedelta(minutes=3)) == "ALARM"


def test_only_complete_periods_count():
    record = durations(9000.0, 9000.0, 100.0)
    # At 14:02:30 the 14:02 period is still open: the two complete ones breach.
    assert state_after(duration_alarm(), record, T0 + timedelta(minutes=2, seconds=30)) == "ALARM"
    assert state_after(duration_alarm(), record, T0 + timedelta(minutes=3)) == "OK"


@pytest.mark.parametrize(
    ("operator", "value", "state"),
    [
        ("GreaterThanThreshold", 8000.0, "OK"),
        ("GreaterThanOrEqualToThreshold", 8000.0, "ALARM"),
        ("LessThanThreshold", 7999.0, "ALARM"),
        ("LessThanOrEqualToThreshold", 8000.5, "OK"),
    ],
)
def test_comparison_operators(operator, value, state):
    record = durations(value, value)
    assert (
        state_after(duration_alarm(ComparisonOperator=operator), record, T0 + timedelta(minutes=2))
        == state
    )


@pytest.mark.parametrize(
    ("treatment", "current", "state"),
    [
        ("missing", "OK", "INSUFFICIENT_DATA"),
        ("ignore", "ALARM", "ALARM"),
        ("breaching", "OK", "ALARM"),
        ("notBreaching", "ALARM", "OK"),
    ],
)
def test_missing_data_treatments_when_nothing_arrives(treatment, current, state):
    alarm = duration_alarm(TreatMissingData=treatment, StateValue=current)
    assert state_after(alarm, MetricRecord(), T0 + timedelta(minutes=2)) == state


def test_missing_as_breaching_completes_m_of_n():
    record = durations(9000.0, None)
    assert (
        state_after(duration_alarm(TreatMissingData="breaching"), record, T0 + timedelta(minutes=2))
        == "ALARM"
    )
    assert (
        state_after(
            duration_alarm(TreatMissingData="notBreaching"), record, T0 + timedelta(minutes=2)
        )
        == "OK"
    )


def test_several_ticks_aggregate_into_one_alarm_period():
    # Twelve 5-second ticks make one 60-second period: the average is over all samples.
    record = durations(*([9000.0] * 6 + [7000.0] * 6), *([9000.0] * 12), step=5)
    points = alarm_datapoints(duration_alarm(), record, T0 + timedelta(minutes=2))
    assert [p.value for p in points] == [8000.0, 9000.0]
    assert points[0].sample_count == 120


def test_dimensions_must_match_exactly():
    record = MetricRecord()
    record.add(
        "AWS/Lambda",
        "Duration",
        {**FN, "Resource": "todo-handler:PROD"},
        T0,
        Stat(1, 9000, 9000, 9000),
    )
    alarm = duration_alarm(TreatMissingData="notBreaching")
    assert state_after(alarm, record, T0 + timedelta(minutes=1)) == "OK"


def test_error_rate_expression_alarm():
    record = MetricRecord()
    for i, (errors, invocations) in enumerate([(80, 1000), (70, 1000)]):
        at = T0 + timedelta(minutes=i)
        record.add("AWS/Lambda", "Errors", FN, at, Stat(invocations, errors, 0, 1))
        record.add("AWS/Lambda", "Invocations", FN, at, Stat(invocations, invocations, 1, 1))
    alarm = error_rate_alarm()
    now = T0 + timedelta(minutes=2)
    verdict = judge(alarm, alarm_datapoints(alarm, record, now), now)
    assert verdict.state == "ALARM"
    assert [p.value for p in verdict.datapoints] == [8.0, 7.0]


def test_expression_arithmetic_and_missing_operands():
    assert evaluate_expression("100*m1/m2", {"m1": 5, "m2": 200}) == 2.5
    assert evaluate_expression("(m1 + m2) - 2 * -1", {"m1": 1, "m2": 2}) == 5
    assert evaluate_expression("m1/m2", {"m1": 1, "m2": 0}) is None
    assert evaluate_expression("m1+m2", {"m1": 1, "m2": None}) is None
    for bad in ("__import__('os')", "m1 ** 2", "SUM(METRICS())", "'text'"):
        with pytest.raises(ExpressionError):
            evaluate_expression(bad, {"m1": 1})


def test_notification_is_cloudwatchs_message():
    alarm = duration_alarm()
    record = durations(9000.0, 9000.0)
    now = T0 + timedelta(minutes=2)
    verdict = judge(alarm, alarm_datapoints(alarm, record, now), now)
    subject, body = notification(alarm, verdict, "OK", "us-west-2", "123456789012", now)
    assert subject == 'ALARM: "todo-lambda-duration-dev" in US West (Oregon)'
    message = json.loads(body)
    assert message["NewStateValue"] == "ALARM" and message["OldStateValue"] == "OK"
    assert message["NewStateReason"] == verdict.reason
    assert message["Region"] == "US West (Oregon)"
    assert message["StateChangeTime"] == "2025-11-26T14:02:00.000+0000"
    trigger = message["Trigger"]
    assert trigger["MetricName"] == "Duration" and trigger["Statistic"] == "AVERAGE"
    assert trigger["Dimensions"] == [{"value": "todo-handler", "name": "FunctionName"}]
    assert trigger["Threshold"] == 8000.0 and trigger["EvaluationPeriods"] == 2


def test_actions_follow_the_new_state_and_respect_actions_enabled():
    alarm = duration_alarm()
    assert actions_for("ALARM", alarm.raw) == [
        "arn:aws:sns:us-west-2:123456789012:todo-app-alerts-dev"
    ]
    assert actions_for("INSUFFICIENT_DATA", alarm.raw) == []
    assert actions_for("ALARM", duration_alarm(ActionsEnabled=False).raw) == []


def test_record_prunes_old_points():
    record = durations(1.0, 2.0, 3.0)
    record.prune(T0 + timedelta(minutes=2))
    assert len(record) == 1
