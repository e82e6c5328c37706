"""The Logs Insights evaluator on its own (pure): grammar, semantics, defaults, refusals."""

from __future__ import annotations

import json

import pytest

from todotui.sandbox.insights import DEFAULT_LIMIT, MalformedQuery, parse_query

GROUP = "/aws/lambda/todo-handler"


def event(ts: int, message: str | dict, stream: str = "s1") -> dict:
    text = json.dumps(message) if isinstance(message, dict) else message
    return {"logGroupName": GROUP, "logStreamName": stream, "timestamp": ts, "message": text}


def report(ts: int, rid: str, ms: float, init: float | None = None) -> dict:
    line = (
        f"REPORT RequestId: {rid}\tDuration: {ms:.2f} ms\tBilled Duration: {int(ms) + 1} ms\t"
        "Memory Size: 256 MB\tMax Memory Used: 90 MB"
    )
    if init is not None:
        line += f"\tInit Duration: {init:.2f} ms"
    return event(ts, line)


EVENTS = [
    event(1_000, "START RequestId: aaaa-1 Version: 3"),
    event(1_001, {"level": "INFO", "message": "Authentication:", "user": "eve", "result": "FAILED",
                  "latency": {"ms": 120}, "tags": ["x", "y"]}),
    report(1_002, "aaaa-1", 6100.5, init=400.25),
    event(61_000, {"level": "ERROR", "message": "Request failed", "statusCode": 500}),
    report(61_001, "bbbb-2", 120.0),
    event(62_000, {"level": "INFO", "message": "Authentication:", "user": "bob", "result": "SUCCEEDED"}),
    event(125_000, "[INFO]\t2026-01-01T00:02:05.000Z\tcccc-3\tHandling list"),
    report(125_001, "cccc-3", 5000.0),
]  # fmt: skip


def run(text: str, events=EVENTS, **kwargs):
    outcome = parse_query(text).run(events, account="111122223333", **kwargs)
    rows = [{c["field"]: c["value"] for c in line} for line in outcome.results]
    return rows, outcome


def test_report_lines_give_lambda_fields_as_aws_does():
    rows, _ = run("filter @type = 'REPORT' | fields @requestId, @duration, @billedDuration, "
                  "@memorySize, @maxMemoryUsed, @initDuration | sort @duration desc")  # fmt: skip
    first = rows[0]
    assert first["@requestId"] == "aaaa-1" and first["@duration"] == "6100.50"
    assert first["@billedDuration"] == "6101" and first["@initDuration"] == "400.25"
    assert first["@memorySize"] == "256000000" and first["@maxMemoryUsed"] == "90000000"
    assert [r["@requestId"] for r in rows] == ["aaaa-1", "cccc-3", "bbbb-2"]
    assert "@initDuration" not in rows[1]  # a field with no value is left out of its row


def test_lambda_fields_only_in_lambda_groups():
    other = [{**e, "logGroupName": "/app/todo"} for e in EVENTS]
    rows, _ = run("filter ispresent(@duration) | fields @duration", other)
    assert rows == []


def test_runbook_query_keeps_strictly_greater_and_orders():
    rows, outcome = run(
        "fields @timestamp, @duration | filter @duration > 5000 | sort @duration desc"
    )
    assert [(r["@timestamp"], r["@duration"]) for r in rows] == [
        ("1970-01-01 00:00:01.002", "6100.50")
    ]
    assert rows[0]["@ptr"]
    assert (outcome.records_matched, outcome.records_scanned) == (1, len(EVENTS))


def test_json_keys_nested_and_arrays_are_fields():
    rows, _ = run("filter latency.ms >= 100 and tags.1 = 'y' | fields user, `latency.ms`")
    assert [(r["user"], r["latency.ms"]) for r in rows] == [("eve", "120")]


@pytest.mark.parametrize(
    ("condition", "users"),
    [
        ('user = "eve" or user = "bob"', ["bob", "eve"]),
        ('user = "eve" or user = "bob" and result = "FAILED"', ["eve"]),  # and binds tighter
        ('(user = "eve" or user = "bob") and result = "SUCCEEDED"', ["bob"]),
        ('not user = "eve" and ispresent(user)', ["bob"]),
        ('user in ["bob", "carol"]', ["bob"]),
        ('ispresent(user) and user not in ["bob"]', ["eve"]),
        ("user like /^e/", ["eve"]),
        ('user like "o"', ["bob"]),
        ("user =~ /B/", []),  # case-sensitive
        ("user like /(?i)B/", ["bob"]),
        ('ispresent(user) and user not like "e"', ["bob"]),
        ("user != 'eve'", ["bob"]),  # events without `user` are not "different from eve"
        ("toupper(user) = 'BOB'", ["bob"]),
        ("strlen(user) = 3 and user > 'c'", ["eve"]),
    ],
)
def test_filter_logic(condition, users):
    rows, _ = run(f"filter {condition} | fields user | sort user asc")
    assert [r["user"] for r in rows] == users


def test_numbers_compare_as_numbers_and_words_as_words():
    rows, _ = run("filter statusCode = 500 | fields statusCode")
    assert [r["statusCode"] for r in rows] == ["500"]
    rows, _ = run("filter statusCode > 'abc' | fields statusCode")
    assert rows == []  # a number is neither more nor less than a word
    rows, _ = run("fields @duration / 1000 as seconds | filter seconds > 5")
    assert [r["seconds"] for r in rows] == ["6.1005"]


def test_no_sort_means_newest_first_and_limit_takes_the_newest():
    rows, _ = run("fields @timestamp | limit 2")
    assert [r["@timestamp"] for r in rows] == ["1970-01-01 00:02:05.001", "1970-01-01 00:02:05.000"]


def test_default_and_requested_limits():
    many = [event(i, f"line {i}") for i in range(DEFAULT_LIMIT + 5)]
    rows, outcome = run("fields @message", many)
    assert len(rows) == DEFAULT_LIMIT and outcome.records_matched == DEFAULT_LIMIT + 5
    rows, _ = run("fields @message | limit 1003", many)
    assert len(rows) == 1003
    rows, _ = run("fields @message | limit 1003", many, limit=10)
    assert len(rows) == 10


def test_several_fields_commands_show_the_union_and_display_chooses():
    rows, _ = run("fields user | fields result | filter ispresent(user) | limit 1")
    assert set(rows[0]) == {"user", "result", "@ptr"}
    rows, _ = run("fields user, result | display result | filter ispresent(user) | limit 1")
    assert set(rows[0]) == {"result", "@ptr"}


def test_without_fields_the_event_itself():
    rows, _ = run("filter user = 'bob'")
    assert set(rows[0]) == {"@timestamp", "@message", "@logStream", "@log", "@ptr"}
    assert rows[0]["@log"] == f"111122223333:{GROUP}"


def test_stats_aggregates_and_groups():
    rows, _ = run("stats count(*) as n, count(@duration) as reports, avg(@duration) as mean, "
                  "sum(@duration), min(@duration), max(@duration), pct(@duration, 50) by bin(1m)")  # fmt: skip
    assert [r["bin(1m)"] for r in rows] == [
        "1970-01-01 00:00:00.000", "1970-01-01 00:01:00.000", "1970-01-01 00:02:00.000"
    ]  # fmt: skip
    assert [r["n"] for r in rows] == ["3", "3", "2"]
    assert [r["reports"] for r in rows] == ["1", "1", "1"]
    assert rows[0]["mean"] == "6100.5" and rows[2]["sum(@duration)"] == "5000"
    assert "@ptr" not in rows[0]
    rows, _ = run("filter ispresent(user) | stats count(*) as n by user, result | sort user desc")
    assert [(r["user"], r["result"], r["n"]) for r in rows] == [
        ("eve", "FAILED", "1"), ("bob", "SUCCEEDED", "1")
    ]  # fmt: skip
    rows, _ = run("filter user = 'nobody' | stats count(*)")
    assert rows == [{"count(*)": "0"}]
    rows, _ = run("stats min(user), max(user)")
    assert rows == [{"min(user)": "bob", "max(user)": "eve"}]


def test_pct_is_the_nearest_rank():
    events = [report(i, f"{i:08x}-0000", float(i + 1)) for i in range(200)]
    rows, _ = run("stats pct(@duration, 99) as p99, pct(@duration, 50) as p50", events)
    assert rows == [{"p99": "198", "p50": "100"}]


def test_sort_is_aws_natural_order():
    values = ["a12345hfh", "0", "!:", "A", "#", "*%04", "0#", "5A", "111A", "2345_", "@", "@_",
              "A9876fghj"]  # fmt: skip
    events = [event(i, {"v": v}) for i, v in enumerate(values)]
    rows, _ = run("fields v | sort v asc", events)
    assert [r["v"] for r in rows] == [
        "!:",
        "#",
        "*%04",
        "0#",
        "5A",
        "111A",
        "2345_",
        "@",
        "@_",
        "A",
        "A9876fghj",
        "a12345hfh",
        "0",
    ]  # fmt: skip (the example in AWS's `sort` reference)


def test_comments_are_ignored():
    rows, _ = run("fields user # | filter user = 'nobody'\n| filter user = 'bob'")
    assert [r["user"] for r in rows] == ["bob"]


@pytest.mark.parametrize(
    ("text", "words", "at"),
    [
        ("", "empty", 0),
        ("parse @message '* *' as a, b", "parse command", 0),
        ("dedup @requestId", "dedup command", 0),
        ("fields @timestamp | frobnicate", "frobnicate", 20),
        ("fields @timestamp filter x", "filter", 18),
        ("filter @duration >", "the end of the query", 18),
        ("filter (user = 'x'", "expected )", 18),
        ("stats median(@duration)", "median", 6),
        ("stats count(*) by bin(5x)", "5x", 22),
        ("stats count(*) by bin(user)", "time span", 22),
        ("stats pct(@duration, 120)", "percentile", 21),
        ("stats count(*) | stats count(*)", "second stats", 17),
        ("limit 0", "from 1 to 10000", 6),
        ("limit 2.5", "whole number", 6),
        ("filter user like 3", "like takes", 17),
        ("filter user in [a]", "in takes", 16),
        ("filter @message like /(unclosed/", "invalid regular expression", 21),
        ("filter user = 'x", "unterminated string", 14),
        ("filter coalesce(a, b)", "coalesce", 7),
        ("fields @timestamp |", "expected a command", 19),
        ("fields a ; b", ";", 9),
    ],
)
def test_refusals_name_what_and_where(text, words, at):
    with pytest.raises(MalformedQuery) as excinfo:
        parse_query(text)
    assert words in excinfo.value.message
    assert excinfo.value.start == at


def test_timestamps_show_as_timestamps_under_an_alias_too():
    rows, _ = run("fields @timestamp as at, @timestamp + 0 as ms | sort at asc | limit 1")
    assert rows[0]["at"] == "1970-01-01 00:00:01.000" and rows[0]["ms"] == "1000"


@pytest.mark.parametrize(("span", "ms"), [("90s", 90_000), ("2hrs", 7_200_000), ("1w", 604_800_000),
                                          ("30mins", 1_800_000), ("500msec", 500)])  # fmt: skip
def test_bin_units(span, ms):
    events = [event(0, "a"), event(ms - 1, "b"), event(ms, "c")]
    rows, _ = run(f"stats count(*) as n by bin({span})", events)
    assert [r["n"] for r in rows] == ["2", "1"]


@pytest.mark.parametrize("span", ["1mo", "1q", "1yr"])
def test_calendar_bins_are_refused(span):
    with pytest.raises(MalformedQuery, match="calendar"):
        parse_query(f"stats count(*) by bin({span})")
