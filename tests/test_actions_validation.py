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
from todotui.actions.cognito_actions import password_problems
from todotui.actions.lambda_actions import LATEST_WHY, MEMORY_MAX_MB, MEMORY_MIN_MB
from todotui.actions.registry import ACTIONS
from todotui.actions.validation import FieldError, parse_float, parse_int


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "required"),
        ("abc", "not a whole number"),
        ("256MB", "without a unit"),
        ("256 mb", "without a unit"),
        ("12.5", "whole number"),
        ("64", f"at least {MEMORY_MIN_MB} MB"),
        ("20000", f"at most {MEMORY_MAX_MB} MB"),
        ("inf", "not a whole number"),
    ],
)
def test_memory_field_messages(text, message):
    with pytest.raises(FieldError, match=message):
        parse_int(text, minimum=MEMORY_MIN_MB, maximum=MEMORY_MAX_MB, unit="MB")


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
