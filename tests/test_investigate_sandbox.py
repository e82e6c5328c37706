"""Investigations from an alert, against the sandbox: log lines, traces, the trail, a sign-in.

Each runs through the core's `Investigator` on a real Cockpit's clients; the sandbox's gaps
(FilterLogEvents patterns, X-Ray summaries and traces) answer as AWS would.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest

from support import SimClock
from todotui.actions import Journal
from todotui.actions.model import Secret
from todotui.alerts.model import AlertSource
from todotui.config import Settings
from todotui.core.cockpit import Cockpit
from todotui.core.investigate import Investigator
from todotui.reports.investigation import Window
from todotui.sandbox.controller import Sandbox
from todotui.sandbox.provision import TEST_PASSWORD

pytestmark = pytest.mark.sandbox


@pytest.fixture(scope="module")
def box(sandbox_tier):
    with Sandbox(manual=True, period=60, seed=11, backfill=0) as running:
        yield running


@pytest.fixture(autouse=True)
def _sandbox_credentials(box, monkeypatch):
    for name, value in box.env.items():
        monkeypatch.setenv(name, value)


def settings_for(box: Sandbox, **aws) -> Settings:
    return Settings().with_overrides(
        aws={"endpoint_url": box.endpoint, "region": box.region, **aws},
        cadence={"period_seconds": 60, "refresh_seconds": 60, "window_seconds": 900},
    )


async def refreshed_core(box, tmp_path, scenario: str, ticks: int, **aws):
    box.set_scenario(scenario)
    clock = SimClock(box)
    clock.tick(ticks)
    core = Cockpit(
        settings_for(box, **aws), clock=clock, journal=Journal(tmp_path / "journal.jsonl")
    )
    await core.__aenter__()
    await core.poller.refresh_once()
    return core, clock


async def test_log_lines_around_an_error_alert_satisfy_a_json_pattern(box, tmp_path):
    core, clock = await refreshed_core(box, tmp_path, "error-burst", 3)
    try:
        alert = next(a for a in core.alerts.entries if a.source is AlertSource.LOG)
        inv = Investigator.of(core)
        window = inv.window(alert, 5)
        assert window.start < alert.first_seen <= window.end <= clock()
        suggested = [s.pattern for s in inv.suggestions(alert)]
        assert core.settings.logs.errors in suggested and '{ $.level = "ERROR" }' in suggested

        result = await inv.log_lines(window, '{ $.level = "ERROR" }')
        assert result.error is None and result.sent
        assert result.lines, "error-burst logs JSON error lines"
        for line in result.lines:
            assert line.fields is not None and line.fields["level"] == "ERROR", line.message
            assert window.start <= line.at <= window.end
            assert "level: ERROR" in line.readable()
        # A plain-term pattern: every line holds one of the terms.
        plain = await inv.log_lines(window, core.settings.logs.errors)
        assert plain.lines
        assert all("ERROR" in x.message or "Task timed out" in x.message for x in plain.lines)
        assert "filter-log-events" in result.cli and "--filter-pattern" in result.cli
    finally:
        await core.aclose()


async def test_a_bad_pattern_is_refused_before_sending_or_in_aws_words(box, tmp_path):
    core, clock = await refreshed_core(box, tmp_path, "steady", 1)
    try:
        inv = Investigator.of(core)
        window = Window(clock() - timedelta(minutes=10), clock())
        sent_before = core.clients.requests_matching("FilterLogEvents")
        local = await inv.log_lines(window, '{ $.level == "ERROR" }')
        assert not local.sent and local.error == "JSON patterns compare with =, not =="
        unclosed = await inv.log_lines(window, '{ $.level = "ERROR" ')
        assert not unclosed.sent and "JSON pattern" in (unclosed.error or "")
        assert core.clients.requests_matching("FilterLogEvents") == sent_before

        refused = await inv.log_lines(window, "{ $.level = }")
        assert refused.sent
        assert refused.error is not None
        assert refused.error.startswith("InvalidParameterException:"), refused.error
        assert not refused.lines
    finally:
        await core.aclose()


async def test_the_slow_dependency_traces_name_the_slow_call(box, tmp_path):
    core, clock = await refreshed_core(box, tmp_path, "slow-dependency", 4)
    try:
        inv = Investigator.of(core)
        window = Window(clock() - timedelta(minutes=3), clock())
        result = await inv.traces(window)
        assert result.error is None, result.error
        assert result.slowest and result.read >= len(result.slowest)
        durations = [r.duration_s for r in result.slowest]
        assert durations == sorted(durations, reverse=True)
        top = result.slowest[0]
        assert top.duration_s is not None and top.duration_s > 5  # 8.5 s of dependency
        fall = result.waterfalls[top.trace_id]
        assert fall.culprit is not None and fall.culprit.name == "feature-flags"
        assert fall.culprit.duration_ms is not None and fall.culprit.duration_ms > 5000
        assert fall.verdict().startswith("feature-flags POST https://flags.internal")
        names = [row.name for row in fall.rows]
        assert names[0] == "todo-api/prod" and "Invocation" in names
        assert [r.depth for r in fall.rows][:3] == [0, 1, 2]  # API -> Lambda call -> Lambda
        assert all(window.start <= r.start <= window.end for r in result.slowest if r.start)
    finally:
        await core.aclose()


async def test_failing_traces_in_a_spike_carry_the_throttle_and_its_cause(box, tmp_path):
    core, clock = await refreshed_core(box, tmp_path, "spike", 8)
    try:
        inv = Investigator.of(core)
        window = Window(clock() - timedelta(minutes=6), clock())
        result = await inv.traces(window, count=20)
        assert result.error is None, result.error
        assert result.failing, "a spike throttles DynamoDB: some sampled requests fail"
        assert all(r.failed for r in result.failing)
        throttled = [result.waterfalls[r.trace_id] for r in result.failing if r.throttle]
        assert throttled
        origin = throttled[0].failures[0]
        assert origin.name == "DynamoDB" and origin.throttle
        assert "ProvisionedThroughputExceededException" in origin.cause
        # The filter expression is honoured: every summary it returned is a failure, and the
        # unfiltered listing holds as many failures as the filtered one.
        xray = box.client("xray")
        every = xray.get_trace_summaries(StartTime=window.start, EndTime=window.end)
        failing = [
            s for s in every["TraceSummaries"] if s["HasFault"] or s["HasError"] or s["HasThrottle"]
        ]
        assert len(failing) == len(
            xray.get_trace_summaries(
                StartTime=window.start,
                EndTime=window.end,
                FilterExpression="fault OR error OR throttle",
            )["TraceSummaries"]
        )
    finally:
        box.set_scenario("steady")
        await core.aclose()


async def test_user_activity_lists_what_that_user_did_and_only_that(box, tmp_path):
    core, clock = await refreshed_core(box, tmp_path, "steady", 1)
    try:
        inv = Investigator.of(core)
        week = Window(clock() - timedelta(days=7), clock())
        # bob's seeded week: a console sign-in without MFA and an inline policy on himself.
        result = await inv.user_activity("bob", week)
        assert "lookup-events" in result.cli and "AttributeKey=Username" in result.cli
        assert result.error is None
        names = {r.name for r in result.rows}
        assert {"ConsoleLogin", "PutUserPolicy"} <= names
        assert all(r.user == "bob" for r in result.rows)
        times = [r.at for r in result.rows]
        assert times == sorted(times, reverse=True)  # newest first, as CloudTrail answers
        # A name nobody used: an empty answer, not an error.
        nobody = await inv.user_activity("mallory@example.com", week)
        assert nobody.error is None and nobody.rows == ()
        refused = await inv.user_activity("a\nb", week)
        assert refused.error is not None and refused.error.startswith("username:")
    finally:
        await core.aclose()


async def test_the_test_sign_in_succeeds_and_fails_without_ever_echoing_the_password(
    box, tmp_path, caplog
):
    caplog.set_level(logging.DEBUG)
    wrong = "Wr0ng-Passw0rd!"
    core, _ = await refreshed_core(box, tmp_path, "steady", 1)
    try:
        inv = Investigator.of(core)
        ok = await inv.test_sign_in("test@example.com", Secret(TEST_PASSWORD))
        assert ok.ok and ok.sent and ok.words.startswith("signed in: tokens issued")
        assert ok.flow == "ADMIN_USER_PASSWORD_AUTH"
        assert ok.elapsed_ms is not None and ok.elapsed_ms > 0
        bad = await inv.test_sign_in("test@example.com", Secret(wrong))
        assert not bad.ok and bad.sent
        assert bad.words.startswith("NotAuthorizedException:"), bad.words
        unknown = await inv.test_sign_in("nobody@example.com", Secret(wrong))
        assert not unknown.ok and unknown.sent and "Exception" in unknown.words
        cli = "\n".join(inv.sign_in_cli("test@example.com"))
        assert '"$TEST_PASSWORD"' in cli and "admin-initiate-auth" in cli
        journal = (tmp_path / "journal.jsonl").read_text()
        assert "cognito-test-sign-in" in journal and "********" in journal
    finally:
        await core.aclose()
    outputs = [
        repr(ok),
        repr(bad),
        repr(unknown),
        cli,
        journal,
        caplog.text,
        "\n".join(r.getMessage() for r in caplog.records),
    ]
    assert "AdminInitiateAuth" in caplog.text  # botocore logged the calls...
    assert "********" in caplog.text  # ...with the password in them, rewritten
    for text in outputs:
        assert TEST_PASSWORD not in text and wrong not in text
        assert json.dumps(TEST_PASSWORD)[1:-1] not in text


async def test_the_test_sign_in_is_not_sent_in_read_only_mode(box, tmp_path):
    core, _ = await refreshed_core(box, tmp_path, "steady", 1, read_only=True)
    try:
        inv = Investigator.of(core)
        before = core.clients.requests_matching("AdminInitiateAuth")
        outcome = await inv.test_sign_in("test@example.com", Secret(TEST_PASSWORD))
        assert not outcome.sent and outcome.words.startswith("read-only mode")
        assert core.clients.requests_matching("AdminInitiateAuth") == before
    finally:
        await core.aclose()
