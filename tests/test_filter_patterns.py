"""CloudWatch Logs filter patterns as AWS matches them (the sandbox's FilterLogEvents)."""

from __future__ import annotations

import json

import pytest

from todotui.sandbox.filter_patterns import InvalidFilterPattern, compile_pattern, matches

ERROR_LINE = "[ERROR]\t2026-01-01T00:00:00.000Z\tabc\tKeyError: 'title'"
TIMEOUT_LINE = "2026-01-01T00:00:00.000Z abc Task timed out after 30.00 seconds"
INFO_LINE = "[INFO]\t2026-01-01T00:00:00.000Z\tabc\tHandling list"
AUTH_FAILED = json.dumps(
    {"level": "INFO", "message": "Authentication:", "user": "mallory@example.com",
     "result": "FAILED", "latency": {"ms": 120, "cold": False}, "tags": ["a", "b"],
     "note": None}
)  # fmt: skip
AUTH_OK = json.dumps(
    {"level": "INFO", "message": "Authentication:", "user": "alice@example.com",
     "result": "SUCCEEDED", "latency": {"ms": 40, "cold": True}, "tags": []}
)  # fmt: skip


def test_empty_pattern_matches_everything():
    assert matches("", INFO_LINE) and matches(None, AUTH_OK) and matches("   ", "")


def test_terms_all_must_match_case_sensitively():
    assert matches("ERROR", ERROR_LINE)
    assert not matches("error", ERROR_LINE)
    assert matches("ERROR KeyError", ERROR_LINE)
    assert not matches("ERROR Handling", ERROR_LINE)


def test_quoted_phrase():
    assert matches('"Task timed out"', TIMEOUT_LINE)
    assert not matches('"Task  timed out"', TIMEOUT_LINE)
    assert matches("\"KeyError: 'title'\"", ERROR_LINE)


def test_optional_terms_any_of_them():
    pattern = compile_pattern('?ERROR ?"Task timed out"')
    assert pattern.matches(ERROR_LINE)
    assert pattern.matches(TIMEOUT_LINE)
    assert not pattern.matches(INFO_LINE)


def test_excluded_term():
    assert matches("ERROR -Handling", ERROR_LINE)
    assert not matches("INFO -Handling", INFO_LINE)
    assert matches('-"Task timed out"', INFO_LINE)


def test_json_string_equality_and_wildcard():
    assert matches('{ $.result = "FAILED" }', AUTH_FAILED)
    assert not matches('{ $.result = "FAILED" }', AUTH_OK)
    assert matches('{ $.message = "Authentication:*" }', AUTH_OK)
    assert matches("{ $.user = *@example.com }", AUTH_OK)
    assert not matches('{ $.message = "Auth" }', AUTH_OK)  # whole value, not a substring
    assert matches('{ $.result != "FAILED" }', AUTH_OK)
    assert not matches('{ $.missing != "x" }', AUTH_OK)


def test_json_compound_and_nested():
    pattern = compile_pattern('{ $.message = "Authentication:*" && $.result = "FAILED" }')
    assert pattern.matches(AUTH_FAILED)
    assert not pattern.matches(AUTH_OK)
    assert not pattern.matches(ERROR_LINE)  # not JSON: never matches a JSON pattern
    assert matches('{ ($.result = "FAILED" || $.latency.ms < 50) && $.level = "INFO" }', AUTH_OK)
    assert not matches(
        '{ $.result = "FAILED" || ($.latency.ms > 50 && $.level = "INFO") }', AUTH_OK
    )
    assert matches('{ $.tags[1] = "b" }', AUTH_FAILED)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("{ $.latency.ms = 120 }", True),
        ("{ $.latency.ms != 120 }", False),
        ("{ $.latency.ms > 100 }", True),
        ("{ $.latency.ms >= 120 }", True),
        ("{ $.latency.ms < 120 }", False),
        ("{ $.latency.ms <= 120.0 }", True),
        ("{ $.user > 1 }", False),  # a string is not a number
    ],
)
def test_json_numeric_comparisons(pattern, expected):
    assert matches(pattern, AUTH_FAILED) is expected


def test_json_null_exists_and_booleans():
    assert matches("{ $.note IS NULL }", AUTH_FAILED)
    assert not matches("{ $.note IS NULL }", AUTH_OK)  # absent is not null
    assert matches("{ $.note NOT EXISTS }", AUTH_OK)
    assert not matches("{ $.user NOT EXISTS }", AUTH_OK)
    assert matches("{ $.latency.cold IS TRUE }", AUTH_OK)
    assert matches("{ $.latency.cold IS FALSE }", AUTH_FAILED)


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("mallory@example.com", "Invalid character(s) in term 'mallory@example.com'"),
        ('""', "Invalid character(s) in term '\"\"'"),
        ('"unterminated', "Invalid character(s) in term '\"unterminated'"),
        ("!(ERROR)", "Invalid character(s) in term '!(ERROR)'"),
    ],
)
def test_bad_terms_are_refused_in_aws_words(pattern, message):
    with pytest.raises(InvalidFilterPattern) as excinfo:
        compile_pattern(pattern)
    assert excinfo.value.message == message


@pytest.mark.parametrize(
    "pattern",
    [
        "{ $.result = }",
        '{ $.result = "FAILED"',
        '{ result = "FAILED" }',
        '{ $.result = "FAILED" && }',
        '{ ($.result = "FAILED" }',
        '{ $.user > "a" }',
        "{ }",
        "[ip, user, status]",
        "%ERR.R%",
    ],
)
def test_unparseable_patterns_are_refused_never_match_all(pattern):
    with pytest.raises(InvalidFilterPattern) as excinfo:
        compile_pattern(pattern)
    assert excinfo.value.message.startswith("Invalid filter pattern")
