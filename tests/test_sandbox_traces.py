"""The sandbox's X-Ray, read with boto3 as any client would: what it stores, how it pages,
what it refuses (sandbox/traces.py and the simulator's segment documents)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from botocore.exceptions import ClientError

from todotui.sandbox.controller import Sandbox
from todotui.sandbox.trace_segments import TRACES_PER_TICK

pytestmark = pytest.mark.sandbox

TICKS = 36


@pytest.fixture(scope="module")
def traced(sandbox_tier):
    """A sandbox whose steady traffic ran TICKS periods: more traces than one page holds."""
    with Sandbox(manual=True, period=60, seed=21, backfill=0) as box:
        start = datetime.fromisoformat(box.status()["sim_time"])
        status = box.tick(TICKS)
        end = datetime.fromisoformat(status["sim_time"])
        yield box, start, end


def test_every_traced_request_is_listed_across_pages(traced):
    box, start, end = traced
    xray = box.client("xray")
    pages = list(xray.get_paginator("get_trace_summaries").paginate(StartTime=start, EndTime=end))
    assert len(pages) >= 2 and all(len(p["TraceSummaries"]) <= 100 for p in pages)
    ids = [s["Id"] for p in pages for s in p["TraceSummaries"]]
    assert len(ids) == len(set(ids)) == TICKS * TRACES_PER_TICK
    for summary in (s for p in pages for s in p["TraceSummaries"]):
        assert start <= summary["StartTime"] <= end
        assert 0 < summary["ResponseTime"] <= summary["Duration"] < 30
        assert summary["Http"]["HttpMethod"] and summary["Http"]["HttpStatus"] in (200, 502, 504)
        assert summary["HasFault"] == (summary["Http"]["HttpStatus"] >= 500)


def test_a_narrow_window_holds_only_the_traces_that_started_in_it(traced):
    box, start, end = traced
    xray = box.client("xray")
    middle = start + (end - start) / 2
    window = xray.get_trace_summaries(StartTime=middle, EndTime=middle + timedelta(minutes=5))
    started = [s["StartTime"] for s in window["TraceSummaries"]]
    assert started and all(
        middle - timedelta(seconds=1) <= t <= middle + timedelta(minutes=5) for t in started
    )
    assert len(started) < TICKS * TRACES_PER_TICK


def test_whole_traces_carry_the_calls_the_handler_made(traced):
    box, start, end = traced
    xray = box.client("xray")
    ids = [
        s["Id"]
        for s in xray.get_trace_summaries(StartTime=start, EndTime=end)["TraceSummaries"][:5]
    ]
    traces = xray.batch_get_traces(TraceIds=ids)["Traces"]
    assert [t["Id"] for t in traces] == ids
    for trace in traces:
        docs = [json.loads(s["Document"]) for s in trace["Segments"]]
        origins = {d.get("origin") for d in docs}
        assert origins == {"AWS::ApiGateway::Stage", "AWS::Lambda", "AWS::Lambda::Function"}
        function = next(d for d in docs if d["origin"] == "AWS::Lambda::Function")
        invocation = next(s for s in function["subsegments"] if s["name"] == "Invocation")
        calls = [s["name"] for s in invocation["subsegments"]]
        assert calls[0] == "feature-flags"
        assert isinstance(trace["Duration"], float) and 0 < trace["Duration"] < 30


def test_what_aws_refuses_is_refused_in_its_words(traced):
    box, start, end = traced
    xray = box.client("xray")
    cases = [
        # The runbook's `--time-range-type TimeRangeByStartTime` is not one of AWS's values.
        (dict(TimeRangeType="TimeRangeByStartTime"), "ValidationException"),
        (dict(FilterExpression="responsetime >"), "InvalidRequestException"),
        (dict(NextToken="not-a-token"), "InvalidRequestException"),
    ]
    for extra, code in cases:
        with pytest.raises(ClientError) as refused:
            xray.get_trace_summaries(StartTime=start, EndTime=end, **extra)
        assert refused.value.response["Error"]["Code"] == code
        assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    with pytest.raises(ClientError) as backwards:
        xray.get_trace_summaries(StartTime=end, EndTime=start)
    assert "EndTime must be after StartTime" in str(backwards.value)


def test_filter_expressions_select_as_the_summaries_say(traced):
    box, start, end = traced
    xray = box.client("xray")
    every = [
        s
        for p in xray.get_paginator("get_trace_summaries").paginate(StartTime=start, EndTime=end)
        for s in p["TraceSummaries"]
    ]
    slow = sorted(s["Duration"] for s in every)[len(every) // 2]

    def listed(expression: str) -> set[str]:
        pages = xray.get_paginator("get_trace_summaries").paginate(
            StartTime=start, EndTime=end, FilterExpression=expression
        )
        return {s["Id"] for p in pages for s in p["TraceSummaries"]}

    assert listed(f"duration >= {slow}") == {s["Id"] for s in every if s["Duration"] >= slow}
    assert listed("ok") == {
        s["Id"] for s in every if not (s["HasFault"] or s["HasError"] or s["HasThrottle"])
    }
    assert listed('http.method = "GET"') == {
        s["Id"] for s in every if s["Http"]["HttpMethod"] == "GET"
    }
    assert listed('annotation.route = "GET /me"') == {
        s["Id"]
        for s in every
        if any(
            v["AnnotationValue"].get("StringValue") == "GET /me"
            for v in s["Annotations"].get("route", [])
        )
    }
