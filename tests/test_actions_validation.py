"""Field validation: each rule's message, and a property test that no input, however wrong,
makes `prepare` send a mutating request."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from actions_support import mutating_requests, open_runner, use_sandbox_credentials
from todotui.actions import FORM, InvalidInput, PlanError
from todotui.actions.apigateway_actions import _size_parser
from todotui.actions.cloudwatch_actions import judge_threshold
from todotui.actions.cognito_actions import password_problems
from todotui.actions.lambda_actions import LATEST_WHY, MEMORY_MAX_MB, MEMORY_MIN_MB
from todotui.actions.registry import ACTIONS
from todotui.actions.validation import (
    FieldError,
    cli_number,
    format_number,
    parse_choice,
    parse_float,
    parse_int,
    parse_text,
)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "required"),
        ("abc", "not a whole number"),
        ("256MB", "without a unit"),
        ("256 mb", "without a unit"),
        ("12.5", "whole number"),
        ("64", f"at least {MEMORY_MIN_MB} MB"),
        ("20000", f"at most {format_number(MEMORY_MAX_MB)} MB"),
        ("inf", "not a whole number"),
    ],
)
def test_memory_field_messages(text, message):
    with pytest.raises(FieldError, match=message):
        parse_int(text, minimum=MEMORY_MIN_MB, maximum=MEMORY_MAX_MB, unit="MB")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("\uff15\uff10", "U+FF15 FULLWIDTH DIGIT FIVE is a non-ASCII digit, never converted"),
        ("\u0665\u0660", "U+0665 ARABIC-INDIC DIGIT FIVE is a non-ASCII digit"),
        ("5\u00b2", "U+00B2 SUPERSCRIPT TWO"),
        ("5\u200b0", "U+200B ZERO WIDTH SPACE is a non-ASCII character"),
        ("1_000", "without separators"),
        ("1,000", "without separators"),
        ("50\n60", "must be one line: it contains 2 lines (nothing was cut or joined"),
        ("50\n", "must be one line: it contains a line break"),
        ("50\r\n", "must be one line"),
        ("\n50", "must be one line"),
        ("50\u2028", "must be one line"),
    ],
)
def test_numbers_are_never_normalised_silently(text, message):
    for parse in (parse_int, parse_float):
        with pytest.raises(FieldError) as excinfo:
            parse(text)
        assert message in str(excinfo.value), (text, str(excinfo.value))


def test_one_line_fields_refuse_a_line_break_even_at_the_end():
    for text in ("todos-table\n", "todos\ntable", "a\rb"):
        with pytest.raises(FieldError, match="must be one line"):
            parse_text(text, max_length=100, what="table name", single_line=True)
        with pytest.raises(FieldError, match="must be one line"):
            parse_choice(text, ["todos-table"], what="table")
    assert parse_text("line one\nline two", max_length=100, what="message") == "line one\nline two"


def test_numbers_print_readably_and_the_cli_gets_them_exactly():
    assert format_number(99999999999999999999) == "1.0e+20"
    assert format_number(1e20) == "1.0e+20" and format_number(1.234e20) == "1.234e+20"
    assert format_number(40000) == "40,000" and format_number(10240) == "10,240"
    assert format_number(3600) == "3600" and format_number(8000.0) == "8000"
    assert format_number(0.25) == "0.25" and format_number(-1) == "-1"
    assert cli_number(1e20) == "1e+20" and cli_number(8000.0) == "8000" and cli_number(5) == "5"
    with pytest.raises(FieldError) as excinfo:
        parse_int("99999999999999999999", minimum=1, maximum=40000, unit="capacity units")
    assert "at most 40,000 capacity units" in str(excinfo.value)
    assert "99999999999999999999" not in str(excinfo.value) and "1.0e+20" in str(excinfo.value)


_DURATION = {
    "MetricName": "Duration",
    "Namespace": "AWS/Lambda",
    "Statistic": "Average",
    "ComparisonOperator": "GreaterThanThreshold",
    "Threshold": 300.0,
    "Unit": "Milliseconds",
}
_BASE = {
    "days": 30,
    "average": 120.0,
    "worst_daily_average": 200.0,
    "maximum": 412.0,
    "minimum": 40.0,
}


def _judge(threshold, alarm=_DURATION, base=_BASE):
    return judge_threshold(alarm, base, threshold, " ms", factor=10, absurd=1000)


def test_alarm_thresholds_are_judged_against_the_30_day_range():
    refused, _ = _judge(1e20)
    assert refused == (
        "threshold 1.0e+20 ms is above anything this metric reached in 30 days (max 412 ms): "
        "the alarm could never fire"
    )
    assert "negative" in (_judge(-1)[0] or "")
    refused, high = _judge(1000)
    assert refused is None and any("could never fire" in w and "max 412" in w for w in high)
    refused, high = _judge(10)
    assert refused is None and any("min 40 ms" in w and "every period" in w for w in high)
    assert any("fires on any datapoint above zero" in w for w in _judge(0)[1])
    assert _judge(350) == (None, []), "inside the range, in proportion: one key"
    incident = {**_DURATION, "Threshold": 8000.0}
    assert _judge(9000, incident) == (None, []), "an incident alarm already sits above the range"
    refused, high = _judge(90000, incident)
    assert refused is None and any("x11.2" in w for w in high)
    below = {**_DURATION, "ComparisonOperator": "LessThanThreshold", "Threshold": 100.0}
    assert any("could never fire" in w for w in _judge(30, below)[1])
    assert any("fire on every period" in w for w in _judge(500, below)[1])
    percent = {**_DURATION, "Unit": "Percent", "Threshold": 5.0}
    assert "above 100" in (judge_threshold(percent, {}, 101, " %", factor=10, absurd=1000)[0] or "")
    no_data = judge_threshold(_DURATION, {"note": "no data"}, 1e9, " ms", factor=10, absurd=1000)
    assert no_data[0] and "no data in 30 days" in no_data[0]


def test_parsers_accept_good_values():
    assert parse_int(" 256 ", minimum=128, unit="MB") == 256
    assert parse_float("0.1", minimum=0, maximum=1) == 0.1
    assert _size_parser("118.0") == "118" and _size_parser("0.5") == "0.5"
    for bad, hint in (
        ("0.5GB", "without a unit"),
        ("2", "choose one of"),
        ("nan", "choose one of"),
    ):
        with pytest.raises(FieldError, match=hint):
            _size_parser(bad)
    with pytest.raises(FieldError, match="finite"):
        parse_float("nan")


def test_password_policy_messages_never_echo_the_password():
    policy = {
        "MinimumLength": 12,
        "RequireUppercase": True,
        "RequireNumbers": True,
        "RequireSymbols": True,
    }
    problem = password_problems("weakpass", policy)
    assert (
        problem
        and "12 characters" in problem
        and "uppercase" in problem
        and "weakpass" not in problem
    )
    assert password_problems("Str0ng!Password", policy) is None


def test_latest_is_refused_with_the_reason():
    assert "unpublished function versions" in LATEST_WHY and "expands to nothing" in LATEST_WHY


# -- property: random input never produces a mutating request -----------------------------------

_NASTY = [
    "",
    " ",
    "$LATEST",
    "$latest",
    "256MB",
    "0.5GB",
    "1e3",
    "-1",
    "0",
    "1",
    "2",
    "99",
    "0.1",
    "1.5",
    "nan",
    "inf",
    "yes",
    "no",
    "PROD",
    "PAY_PER_REQUEST",
    "PROVISIONED",
    "nobody@example.com",
    "todos-table",
    "todos-audit",
    "../../etc/passwd",
    "a" * 300,
    "'; rm -rf / #",
    "\x00",
    "10241",
    "3601",
    "237",
    "118.0",
    "\uff15\uff10",
    "\u0665\u0660",
    "50\n60",
    "50\n",
    "99999999999999999999",
    "1e20",
    "-1e9",
    "1_000",
]


def _value_strategy(choices: tuple[str, ...]):
    return st.one_of(
        st.sampled_from(_NASTY),
        st.sampled_from(choices) if choices else st.just(""),
        st.integers(-(10**7), 10**7).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.text(max_size=20),
    )


@pytest.mark.sandbox
def test_random_field_values_never_send_a_mutation(sandbox, tmp_path, monkeypatch):
    use_sandbox_credentials(monkeypatch, sandbox)
    loop = asyncio.new_event_loop()
    manager = open_runner(sandbox, tmp_path)
    runner, clients = loop.run_until_complete(manager.__aenter__())
    try:
        fields = {aid: loop.run_until_complete(runner.fields(aid)) for aid in ACTIONS}
        outcomes = {"invalid": 0, "planned": 0}

        @settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
        @given(st.data())
        def check(data):
            action_id = data.draw(st.sampled_from(sorted(ACTIONS)))
            specs = fields[action_id]
            values = {f.name: data.draw(_value_strategy(f.choices), label=f.name) for f in specs}
            try:
                loop.run_until_complete(runner.prepare(action_id, values))
                outcomes["planned"] += 1
            except InvalidInput as exc:
                outcomes["invalid"] += 1
                assert exc.errors and all(msg for msg in exc.errors.values())
                assert set(exc.errors) <= {f.name for f in specs} | {FORM}
            except PlanError:
                pass  # AWS refused a read (e.g. a malformed username): still nothing sent
            assert mutating_requests(clients) == {}

        check()
        assert outcomes["invalid"] > 50, outcomes
    finally:
        loop.run_until_complete(manager.__aexit__(None, None, None))
        loop.close()
