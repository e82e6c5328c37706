"""The investigations' pure parts: windows, suggested patterns, pattern mistakes, waterfalls,
CloudTrail rows (reports/investigation.py), and the sandbox's X-Ray filter expressions."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from todotui.alerts.model import Alert, AlertSource, Severity, Topic
from todotui.reports.investigation import (
    LogLine,
    alert_user,
    bar,
    log_line,
    pattern_problem,
    slowest,
    suggest_patterns,
    trace_row,
    trail_row,
    waterfall,
    window_around,
)
from todotui.sandbox import traces as sandbox_traces
from todotui.sandbox.filter_patterns import InvalidFilterPattern, compile_pattern

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ERRORS = '?ERROR ?"Task timed out"'


def alert(**kw) -> Alert:
    base = dict(
        key="k",
        source=AlertSource.LOG,
        severity=Severity.WARN,
        title="KeyError: 'title'",
        body="/aws/lambda/todo-handler s\n2026-03-01\nevent id 1\n\n[ERROR]\tt\t"
        "0c1d2e3f-0000-4000-8000-00000000abcd\tKeyError: 'title'",
        first_seen=T0,
        last_seen=T0 + timedelta(minutes=2),
        topic=Topic.ERRORS,
    )
    base.update(kw)
    return Alert(**base)


def test_the_window_spans_the_alert_and_never_passes_now():
    w = window_around(alert(), now=T0 + timedelta(hours=1), minutes=5)
    assert w.start == T0 - timedelta(minutes=5) and w.end == T0 + timedelta(minutes=7)
    soon = window_around(alert(), now=T0 + timedelta(minutes=3), minutes=5)
    assert soon.end == T0 + timedelta(minutes=3)
    assert (
        window_around(alert(), now=T0 + timedelta(hours=9), minutes=10_000).minutes == 2 * 180 + 2
    )


def test_an_error_alert_suggests_its_errors_its_request_and_json_errors():
    patterns = [s.pattern for s in suggest_patterns(alert(), ERRORS)]
    assert patterns == [ERRORS, '"0c1d2e3f-0000-4000-8000-00000000abcd"', '{ $.level = "ERROR" }']
    assert all(pattern_problem(p) is None for p in patterns)
    latency = suggest_patterns(
        alert(source=AlertSource.ALARM, topic=Topic.LATENCY, body=""), ERRORS
    )
    assert latency[0].pattern == '"REPORT RequestId"'


def test_a_sign_in_alert_suggests_its_users_sign_ins():
    line = {"message": "Authentication:", "user": "mallory@example.com", "result": "FAILED"}
    a = alert(
        title="Failed sign-in · mallory@example.com",
        topic=Topic.AUTH,
        body="group stream\nwhen\nevent id 9\n\n" + json.dumps(line),
    )
    assert alert_user(a) == "mallory@example.com"
    first = suggest_patterns(a, ERRORS)[0].pattern
    assert first == '{ $.message = "Authentication:*" && $.user = "mallory@example.com" }'
    # The sandbox's matcher (AWS's rules) agrees the suggestion picks that user's lines.
    matcher = compile_pattern(first)
    assert matcher.matches(json.dumps(line))
    assert not matcher.matches(json.dumps({**line, "user": "alice@example.com"}))
    assert alert_user(alert()) is None


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        ('{ $.level == "ERROR" }', "JSON patterns compare with =, not =="),
        ('{ $.level = "ERROR" ', "a JSON pattern starts with { and ends with }"),
        ("{ }", 'a JSON pattern needs a condition, e.g. { $.level = "ERROR" }'),
        ('{ level = "ERROR" }', "a JSON pattern names fields with $. (e.g. $.level)"),
        ("{ $.level = 'ERROR' }", 'JSON pattern strings go in "double quotes", not single quotes'),
        ("{ $.a = 1 & $.b = 2 }", "JSON patterns combine conditions with && and ||"),
        ('?ERROR ?"Task timed out', 'a double quote is not closed (phrases go in "double quotes")'),
        (
            "ERROR { $.a = 1 }",
            "a JSON pattern is the whole pattern, in braces: { $.field = value }",
        ),
        ("x" * 1025, "a filter pattern is at most 1024 characters"),
    ],
)
def test_obvious_pattern_mistakes_are_named(pattern, problem):
    assert pattern_problem(pattern) == problem


@pytest.mark.parametrize(
    "pattern",
    ['{ $.level = "ERROR" }', '{ ($.a = 1) || $.b != "x" }', ERRORS, "ERROR -DEBUG", ""],
)
def test_sound_patterns_pass_and_aws_rules_accept_them(pattern):
    assert pattern_problem(pattern) is None
    compile_pattern(pattern)  # the sandbox's AWS rules do not refuse them either


def test_what_the_local_check_lets_through_aws_refuses():
    assert pattern_problem("{ $.level = }") is None
    with pytest.raises(InvalidFilterPattern):
        compile_pattern("{ $.level = }")


def test_a_json_line_reads_as_fields():
    event = {
        "timestamp": 1_772_366_400_000,
        "logStreamName": "s",
        "message": json.dumps(
            {"timestamp": "t", "level": "ERROR", "message": "Request failed", "statusCode": 500}
        ),
    }
    line = log_line(event)
    assert line.at == T0 and line.fields is not None
    assert line.readable().splitlines()[1:] == [
        "level: ERROR",
        "message: Request failed",
        "statusCode: 500",
    ]
    assert line.summary() == "ERROR Request failed · statusCode=500"
    plain = LogLine(T0, "s", "[ERROR]\tt\trid\tboom\nTraceback")
    assert plain.summary() == "[ERROR]\tt\trid\tboom" and plain.fields is None


def segment(**kw) -> dict:
    return kw


def sample_trace() -> dict:
    api = segment(
        id="a",
        name="todo-api/prod",
        trace_id="1-1",
        start_time=100.0,
        end_time=102.0,
        origin="AWS::ApiGateway::Stage",
        http={"response": {"status": 502}},
        fault=True,
        subsegments=[
            segment(id="a1", name="Lambda", namespace="aws", start_time=100.01, end_time=101.99)
        ],
    )
    fn = segment(
        id="f",
        name="todo-handler",
        trace_id="1-1",
        parent_id="a1",
        start_time=100.02,
        end_time=101.98,
        origin="AWS::Lambda::Function",
        fault=True,
        subsegments=[
            segment(
                id="i",
                name="Invocation",
                start_time=100.02,
                end_time=101.98,
                subsegments=[
                    segment(
                        id="d",
                        name="DynamoDB",
                        namespace="aws",
                        start_time=100.1,
                        end_time=100.4,
                        aws={"operation": "Query", "table_name": "todos-table"},
                        throttle=True,
                        error=True,
                        cause={
                            "exceptions": [
                                {
                                    "type": "ProvisionedThroughputExceededException",
                                    "message": "Rate exceeded",
                                }
                            ]
                        },
                    ),
                    segment(
                        id="r",
                        name="feature-flags",
                        namespace="remote",
                        start_time=100.4,
                        end_time=101.9,
                        http={"request": {"method": "POST", "url": "https://flags"}},
                    ),
                ],
            )
        ],
    )
    return {
        "Id": "1-1",
        "Segments": [{"Id": d["id"], "Document": json.dumps(d)} for d in (fn, api)],
    }


def test_a_trace_becomes_a_waterfall_naming_the_slow_call_and_the_failure():
    fall = waterfall(sample_trace())
    assert [(r.depth, r.name) for r in fall.rows] == [
        (0, "todo-api/prod"),
        (1, "Lambda"),
        (2, "todo-handler"),
        (3, "Invocation"),
        (4, "DynamoDB"),
        (4, "feature-flags"),
    ]
    assert fall.total_ms == pytest.approx(2000)
    assert fall.culprit is not None and fall.culprit.name == "feature-flags"
    assert fall.culprit.duration_ms == pytest.approx(1500)
    origin = fall.failures[0]
    assert origin.name == "DynamoDB" and origin.throttle
    assert origin.cause == "ProvisionedThroughputExceededException: Rate exceeded"
    verdict = fall.verdict()
    assert verdict.startswith("feature-flags POST https://flags took 1.50 s of 2.00 s (75%)")
    assert "DynamoDB Query todos-table throttled: ProvisionedThroughputExceededException" in verdict
    assert fall.brief() == "feature-flags 1.50 s (75%) · ProvisionedThroughputExceededException"
    assert fall.rows[0].detail == "HTTP 502"


def test_bars_are_placed_on_the_trace_axis_and_never_vanish():
    assert bar(0, 2000, 2000, 40) == (0, 40)
    assert bar(1000, 500, 2000, 40) == (20, 10)
    assert bar(1999, 0.1, 2000, 40) == (39, 1)
    assert bar(500, None, 2000, 40) == (10, 30)  # still running: to the end
    assert bar(0, 10, 0, 40) == (0, 0)


def test_trace_rows_rank_by_duration_and_say_no_data():
    rows = [
        trace_row(
            {
                "Id": "a",
                "Duration": 0.2,
                "Http": {"HttpURL": "https://h/prod/todos", "HttpStatus": 200},
            }
        ),
        trace_row({"Id": "b", "Duration": 3.0, "HasFault": True}),
        trace_row({"Id": "c"}),
    ]
    assert [r.trace_id for r in slowest(rows, 5)] == ["b", "a"]
    assert rows[0].path == "/prod/todos" and rows[1].outcome == "fault" and rows[1].failed
    assert rows[2].duration_s is None


def test_a_cloudtrail_event_row_reads_its_own_json():
    row = trail_row(
        {
            "EventName": "AdminDisableUser",
            "EventTime": T0,
            "EventSource": "cognito-idp.amazonaws.com",
            "Username": "admin",
            "Resources": [{"ResourceName": "todo-users"}],
            "CloudTrailEvent": json.dumps(
                {"sourceIPAddress": "192.0.2.1", "errorCode": "AccessDenied"}
            ),
            "ReadOnly": "false",
        }
    )
    assert (row.name, row.source, row.source_ip, row.resources, row.error, row.read_only) == (
        "AdminDisableUser",
        "cognito-idp",
        "192.0.2.1",
        "todo-users",
        "AccessDenied",
        False,
    )


# -- the sandbox's X-Ray answers ------------------------------------------------------------------


def summary_of(trace: dict) -> dict:
    docs = [json.loads(s["Document"]) for s in trace["Segments"]]
    docs[0]["trace_id"] = docs[1]["trace_id"] = "1-00000064-abc"
    summary = sandbox_traces.summarize(docs)
    assert summary is not None
    return summary


def test_the_sandbox_summary_says_what_the_documents_say():
    s = summary_of(sample_trace())
    assert s["Duration"] == pytest.approx(2.0) and s["ResponseTime"] == pytest.approx(2.0)
    assert s["HasFault"] and not s["HasError"] and s["HasThrottle"]
    assert s["_id_time"] == 100.0 and s["Http"]["HttpStatus"] == 502
    ok = json.loads(sample_trace()["Segments"][1]["Document"])
    ok.update(fault=False, http={"response": {"status": 200}}, subsegments=[])
    ok["trace_id"] = "1-00000064-abd"
    clean = sandbox_traces.summarize([ok])
    assert clean is not None and not clean["HasFault"]  # "fault": false is no fault (moto: it is)


@pytest.mark.parametrize(
    ("expression", "matches"),
    [
        ("fault", True),
        ("ok", False),
        ("error", False),
        ("fault OR error", True),
        ("throttle AND NOT error", True),
        ("fault = false", False),
        ("duration > 1.5", True),
        ("responsetime <= 1", False),
        ("http.status = 502", True),
        ("http.status >= 500 && duration < 5", True),
        ('service("todo-handler")', True),
        ('service("other")', False),
        ("(fault || error) AND duration >= 2", True),
    ],
)
def test_the_sandbox_honours_filter_expressions(expression, matches):
    assert sandbox_traces.compile_filter(expression)(summary_of(sample_trace())) is matches


@pytest.mark.parametrize(
    "expression",
    [
        "rootcause.fault.service { name = 'x' }",
        "duration >",
        "fault AND",
        "(fault",
        "http.url = 5",
        "edge(x)",
    ],
)
def test_the_sandbox_refuses_what_it_cannot_read(expression):
    with pytest.raises(sandbox_traces.XRayRefusal) as refused:
        sandbox_traces.compile_filter(expression)
    assert refused.value.code == "InvalidRequestException"
    assert refused.value.message.startswith("Invalid filter expression:")
