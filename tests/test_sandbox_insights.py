"""Logs Insights in the sandbox answers as AWS does: every row satisfies the query, stats
agree with what FilterLogEvents shows, and queries outside the subset are refused.

The reference figures are computed here from FilterLogEvents (plain boto3, no pattern) with
this file's own parsing of Lambda's REPORT lines and the JSON lines, not with the sandbox's.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from actions_support import sandbox_settings, use_sandbox_credentials
from todotui.aws.insights import run_query
from todotui.aws.session import AwsClients, client_config
from todotui.sandbox.controller import Sandbox

pytestmark = pytest.mark.sandbox

RUNBOOK_QUERY = "fields @timestamp, @duration | filter @duration > 5000 | sort @duration desc"
RUNBOOK_COMMAND = """aws logs start-query \\
     --log-group-name "/aws/lambda/todo-handler" \\
     --start-time $(date -d '7 days ago' +%s) \\
     --end-time $(date +%s) \\
     --query-string 'fields @timestamp, @duration | filter @duration > 5000 | sort @duration desc'"""
"""The runbook's "Performance Review" command, as written there."""

DURATION = re.compile(r"^REPORT RequestId: (\S+)\tDuration: ([0-9.]+) ms\t")


@pytest.fixture(scope="module")
def box(sandbox_tier):
    """Slow requests (slow-dependency), then a burst of failed sign-ins (auth-attack)."""
    with Sandbox(manual=True, period=60, seed=7, backfill=0, scenario="slow-dependency") as running:
        running.tick(6)
        running.set_scenario("auth-attack")
        running.tick(3)
        yield running


@pytest.fixture(scope="module")
def window(box):
    end = datetime.fromisoformat(box.status()["sim_time"])
    return end - timedelta(days=7), end


@pytest.fixture(scope="module")
def events(box, window):
    """Every event in the window, as FilterLogEvents gives them."""
    start, end = window
    pages = (
        box.client("logs")
        .get_paginator("filter_log_events")
        .paginate(
            logGroupName=box.names.log_group,
            startTime=int(start.timestamp()) * 1000,
            endTime=int(end.timestamp()) * 1000,
        )
    )
    found = [e for page in pages for e in page["events"]]
    assert found
    return found


def durations(events):
    """(timestamp ms, request id, duration ms) of every REPORT line."""
    out = []
    for e in events:
        if match := DURATION.match(e["message"]):
            out.append((e["timestamp"], match[1], float(match[2])))
    return out


def json_lines(events):
    out = []
    for e in events:
        try:
            document = json.loads(e["message"])
        except json.JSONDecodeError:
            continue
        if isinstance(document, dict):
            out.append(document)
    return out


def query(box, window, text, **extra):
    logs = box.client("logs")
    start, end = window
    query_id = logs.start_query(
        logGroupName=box.names.log_group,
        startTime=int(start.timestamp()),
        endTime=int(end.timestamp()),
        queryString=text,
        **extra,
    )["queryId"]
    answer = logs.get_query_results(queryId=query_id)
    assert answer["status"] == "Complete"
    return answer


def rows(answer, keep_ptr=False):
    return [
        {c["field"]: c["value"] for c in line if keep_ptr or c["field"] != "@ptr"}
        for line in answer["results"]
    ]


def insights_time(ms: int) -> str:
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{ms % 1000:03d}"


def test_runbook_slow_requests_query_filters_and_sorts(box, window, events):
    answer = query(box, window, RUNBOOK_QUERY)
    found = rows(answer)
    expected = sorted((d for _, _, d in durations(events) if d > 5000), reverse=True)
    assert expected, "slow-dependency should have produced requests over 5 s"
    assert [float(r["@duration"]) for r in found] == expected
    assert all(set(r) == {"@timestamp", "@duration"} for r in found)
    assert all(c["field"] == "@ptr" for line in answer["results"] for c in line[-1:])
    by_duration = {d: insights_time(ts) for ts, _, d in durations(events)}
    assert [r["@timestamp"] for r in found] == [by_duration[float(r["@duration"])] for r in found]
    stats = answer["statistics"]
    assert stats["recordsScanned"] == len(events)
    assert stats["recordsMatched"] == len(expected)
    assert stats["bytesScanned"] == sum(len(e["message"].encode()) for e in events)


def test_lambda_report_fields_only_on_report_lines(box, window, events):
    answer = query(
        box,
        window,
        "fields @type, @requestId, @duration, @billedDuration, @memorySize, @maxMemoryUsed"
        ' | filter ispresent(@duration) or @type = "START"',
    )
    found = rows(answer)
    reports = {rid: d for _, rid, d in durations(events)}
    starts = [e for e in events if e["message"].startswith("START RequestId: ")]
    assert len(found) == len(reports) + len(starts)
    for r in found:
        if r["@type"] == "START":
            assert "@duration" not in r and "@memorySize" not in r
            continue
        assert r["@type"] == "REPORT"
        assert float(r["@duration"]) == reports[r["@requestId"]]
        assert int(r["@billedDuration"]) == int(float(r["@duration"])) + 1
        assert int(r["@memorySize"]) == 128 * 1000 * 1000  # bytes, as AWS gives them
        assert 0 < int(r["@maxMemoryUsed"]) <= int(r["@memorySize"])


def test_stats_count_by_five_minute_bins_match_filter_log_events(box, window, events):
    found = rows(query(box, window, "stats count(*) by bin(5m)"))
    expected = Counter(e["timestamp"] // 300_000 * 300_000 for e in events)
    assert {r["bin(5m)"]: int(r["count(*)"]) for r in found} == {
        insights_time(b): n for b, n in expected.items()
    }


def test_stats_avg_and_p99_duration_by_minute(box, window, events):
    found = rows(query(box, window, "stats avg(@duration), pct(@duration, 99) by bin(1m)"))
    by_minute = defaultdict(list)
    for ts, _, d in durations(events):
        by_minute[insights_time(ts // 60_000 * 60_000)].append(d)
    with_values = [r for r in found if "avg(@duration)" in r]
    assert {r["bin(1m)"] for r in with_values} == set(by_minute)
    # A minute with events but no REPORT line has a row without values (never a zero).
    assert all(set(r) == {"bin(1m)"} for r in found if r not in with_values)
    for r in with_values:
        values = sorted(by_minute[r["bin(1m)"]])
        assert float(r["avg(@duration)"]) == pytest.approx(sum(values) / len(values))
        rank = math.ceil(0.99 * len(values))  # nearest rank
        assert float(r["pct(@duration, 99)"]) == values[rank - 1]


def test_json_fields_filter_sign_in_failures_of_one_user(box, window, events):
    failed = Counter(
        d["user"]
        for d in json_lines(events)
        if d.get("message") == "Authentication:" and d.get("result") == "FAILED"
    )
    user, count = failed.most_common(1)[0]
    assert count > 1
    answer = query(
        box,
        window,
        f'fields @timestamp, user, result, sourceIp | filter user = "{user}" and result = "FAILED"',
    )
    found = rows(answer)
    assert len(found) == count
    assert all(r["user"] == user and r["result"] == "FAILED" and r["sourceIp"] for r in found)
    stamps = [r["@timestamp"] for r in found]
    assert stamps == sorted(stamps, reverse=True)  # no sort: the newest first, as AWS

    per_user = rows(
        query(
            box,
            window,
            'filter message = "Authentication:" and result = "FAILED" '
            "| stats count(*) as failures by user | sort failures desc",
        )
    )
    assert {r["user"]: int(r["failures"]) for r in per_user} == dict(failed)
    assert [int(r["failures"]) for r in per_user] == sorted(failed.values(), reverse=True)


def test_like_with_a_string_and_a_regex(box, window, events):
    found = rows(query(box, window, 'fields @message | filter @message like "Authentication:"'))
    expected = [e for e in events if "Authentication:" in e["message"]]
    assert found and len(found) == len(expected)
    assert all("Authentication:" in r["@message"] for r in found)

    found = rows(
        query(
            box,
            window,
            "filter @message like /^REPORT .*Init Duration/ | fields @requestId, @initDuration",
        )
    )
    cold = [
        e for e in events if e["message"].startswith("REPORT") and "Init Duration" in e["message"]
    ]
    assert len(found) == len(cold)
    assert all(float(r["@initDuration"]) > 0 for r in found)

    rest = rows(query(box, window, "filter @message not like /REPORT|START|END/ | stats count(*)"))
    plain = [e for e in events if not re.search("REPORT|START|END", e["message"])]
    assert rest == [{"count(*)": str(len(plain))}]


def test_limit_gives_the_newest_events(box, window, events):
    found = rows(query(box, window, "fields @timestamp, @message | limit 5"))
    newest = sorted(events, key=lambda e: e["timestamp"], reverse=True)[:5]
    assert [r["@timestamp"] for r in found] == [insights_time(e["timestamp"]) for e in newest]
    assert len(rows(query(box, window, "fields @message", limit=3))) == 3
    found = rows(query(box, window, "fields @timestamp | sort @timestamp asc | limit 2"))
    oldest = sorted(e["timestamp"] for e in events)[:2]
    assert [r["@timestamp"] for r in found] == [insights_time(t) for t in oldest]


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ('parse @message "Duration: * ms" as d', "parse command"),
        ("fields @timestamp | frobnicate @message", "frobnicate"),
        ("fields @timestamp, @duration | filter @duration >", "the end of the query"),
        ("stats median(@duration)", "median"),
        ("stats count(*) | stats count(*)", "second stats"),
        ('filter @message like "x', "unterminated string"),
        ("fields @timestamp | limit 20000", "limit 20000"),
        ("filter strcontains(@message, 'x')", "strcontains"),
    ],
)
def test_queries_outside_the_subset_are_refused(box, window, text, named):
    logs = box.client("logs")
    start, end = window
    with pytest.raises(ClientError) as excinfo:
        logs.start_query(
            logGroupName=box.names.log_group,
            startTime=int(start.timestamp()),
            endTime=int(end.timestamp()),
            queryString=text,
        )
    error = excinfo.value.response
    assert error["Error"]["Code"] == "MalformedQueryException"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert named in error["Error"]["Message"]
    location = error["queryCompileError"]["location"]
    assert 0 <= location["startCharOffset"] <= location["endCharOffset"] <= len(text)


def test_unknown_query_and_log_group_are_not_found(box, window):
    logs = box.client("logs")
    with pytest.raises(ClientError) as excinfo:
        logs.get_query_results(queryId="00000000-0000-0000-0000-000000000000")
    assert excinfo.value.response["Error"]["Code"] == "ResourceNotFoundException"
    start, end = window
    with pytest.raises(ClientError) as excinfo:
        logs.start_query(
            logGroupNames=["/aws/lambda/no-such-function"],
            startTime=int(start.timestamp()),
            endTime=int(end.timestamp()),
            queryString="fields @message",
        )
    assert excinfo.value.response["Error"]["Code"] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as excinfo:
        logs.start_query(
            logGroupName=box.names.log_group,
            startTime=int(end.timestamp()),
            endTime=int(start.timestamp()),
            queryString="fields @message",
        )
    assert excinfo.value.response["Error"]["Code"] == "InvalidParameterException"


def test_time_range_is_in_epoch_seconds(box, window, events):
    """startTime/endTime are seconds: a range of the last two minutes holds only their events."""
    _, end = window
    start = end - timedelta(minutes=2)
    found = rows(query(box, (start, end), "stats count(*) as n"))
    since = int(start.timestamp()) * 1000
    assert found == [{"n": str(sum(1 for e in events if e["timestamp"] >= since))}]


def test_query_is_listed_and_stop_answers_it_is_no_longer_running(box, window):
    logs = box.client("logs")
    start, end = window
    query_id = logs.start_query(
        logGroupIdentifiers=[box.names.log_group],
        startTime=int(start.timestamp()),
        endTime=int(end.timestamp()),
        queryString="stats count(*)",
    )["queryId"]
    listed = logs.describe_queries(logGroupName=box.names.log_group)["queries"]
    assert any(q["queryId"] == query_id and q["status"] == "Complete" for q in listed)
    assert logs.stop_query(queryId=query_id)["success"] is False


async def test_run_query_returns_typed_rows(box, window, events, monkeypatch):
    use_sandbox_credentials(monkeypatch, box)
    start, end = window
    async with AwsClients(sandbox_settings(box).aws, config=client_config(attempts=1)) as aws:
        logs = await aws.client("logs")
        result = await run_query(logs, [box.names.log_group], RUNBOOK_QUERY, start, end)
        assert aws.requests_matching("StartQuery") == 1
    assert result.status == "Complete" and result.complete and not result.stopped
    expected = sorted((d for _, _, d in durations(events) if d > 5000), reverse=True)
    assert [float(r["@duration"]) for r in result.rows] == expected
    assert result.fields == ["@timestamp", "@duration"]  # no @ptr
    assert result.statistics is not None
    assert result.statistics.records_scanned == len(events)
    assert result.statistics.records_matched == len(expected)
    assert result.log_groups == (box.names.log_group,)


async def test_run_query_lets_the_refusal_through_as_aws_said_it(box, window, monkeypatch):
    use_sandbox_credentials(monkeypatch, box)
    from todotui.aws.errors import describe_error

    start, end = window
    async with AwsClients(sandbox_settings(box).aws, config=client_config(attempts=1)) as aws:
        logs = await aws.client("logs")
        with pytest.raises(ClientError) as excinfo:
            await run_query(logs, [box.names.log_group], "dedup @requestId", start, end)
        with pytest.raises(ValueError, match="timezone-aware"):
            await run_query(
                logs, [box.names.log_group], "stats count(*)", start.replace(tzinfo=None), end
            )
        assert aws.requests_matching("StartQuery") == 1  # the bad input never went out
    assert excinfo.value.response["Error"]["Code"] == "MalformedQueryException"
    assert "dedup" in describe_error(excinfo.value)


@pytest.mark.skipif(shutil.which("aws") is None, reason="the aws CLI is not installed")
def test_runbook_command_with_the_aws_cli(box, tmp_path, events):
    """The runbook's exact command, its `date` reading the sandbox's simulated clock (the
    sandbox's logs run ahead of the wall clock in manual mode; on AWS no log is in the future)."""
    sim_now = box.status()["sim_time"]
    shim = tmp_path / "bin"
    shim.mkdir()
    (shim / "date").write_text(
        "#!/bin/sh\n"
        "# date as the runbook calls it (`date -d WHEN FORMAT`, `date FORMAT`), at sim time\n"
        'if [ "$1" = "-d" ]; then when="$2"; shift 2; else when=""; fi\n'
        f'exec {shutil.which("date")} -u -d "{sim_now} $when" "$@"\n'
    )
    (shim / "date").chmod(0o755)
    env = {
        **os.environ,
        "PATH": f"{shim}:{os.environ['PATH']}",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": box.region,
        "AWS_ENDPOINT_URL": box.endpoint,
        "AWS_MAX_ATTEMPTS": "1",
    }
    started = subprocess.run(
        ["bash", "-c", RUNBOOK_COMMAND.replace("aws logs", "aws --output json logs", 1)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        cwd=Path(tmp_path),
    )
    query_id = json.loads(started.stdout)["queryId"]
    answered = subprocess.run(
        ["aws", "--output", "json", "logs", "get-query-results", "--query-id", query_id],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    answer = json.loads(answered.stdout)
    assert answer["status"] == "Complete"
    found = [float(r["@duration"]) for r in rows(answer)]
    assert found == sorted((d for _, _, d in durations(events) if d > 5000), reverse=True)
    assert found and all(d > 5000 for d in found)
