"""Diagnosis from evidence: each rule on hand-built telemetry, "no clear cause", mixed causes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from todotui.alerts.diagnosis import (
    CauseKind,
    Confidence,
    Diagnosis,
    Evidence,
    LogCount,
    diagnose,
    evidence_from,
)
from todotui.alerts.logs import LogWatch
from todotui.alerts.model import Alert, AlertSource, Severity
from todotui.config import Settings
from todotui.core.monitor import Monitor
from todotui.telemetry.aws_types import LogEvent
from todotui.telemetry.model import DataState, Health, PaneSnapshot, Reading, ResourceFacts
from todotui.telemetry.versions import AliasRouting, VersionPeriod, VersionSamples

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
FACTS = ResourceFacts(
    fetched_at=NOW,
    memory_mb=128,
    timeout_s=30,
    account_concurrency=1000,
    billing_mode="PROVISIONED",
    read_capacity=5,
    write_capacity=5,
)


def ok(value: float | None, unit: str = "", health: Health = Health.OK) -> Reading:
    if value is None:
        return Reading(None, unit, DataState.NO_DATA, Health.UNKNOWN, None, "no datapoints")
    return Reading(value, unit, DataState.OK, health, NOW, "")


def pane(key: str, primary: Reading, **secondary: Reading) -> PaneSnapshot:
    labels = {"read_thr": "read thr", "write_thr": "write thr", "five": "5XX"}
    return PaneSnapshot(
        key=key,
        title=key,
        primary=primary,
        secondary=tuple((labels.get(k, k), r) for k, r in secondary.items()),
    )


def healthy_panes(**overrides: PaneSnapshot) -> dict[str, PaneSnapshot]:
    panes = {
        "concurrency": pane(
            "concurrency", ok(12), max=ok(15), avg=ok(10), limit=ok(1000), throttles=ok(0)
        ),
        "errors": pane("errors", ok(0.1, "%"), errors=ok(1), five=ok(0.0, "%")),
        "latency": pane("latency", ok(150, "ms"), max=ok(900, "ms"), API=ok(180, "ms")),
        "dynamodb": pane(
            "dynamodb",
            ok(None),
            read_thr=ok(None),
            write_thr=ok(None),
            RCU=ok(1.2, "/5 RCU"),
            WCU=ok(0.4, "/5 WCU"),
            latency=ok(6, "ms"),
        ),
        "traffic": pane("traffic", ok(1400, "/min")),
    }
    panes.update(overrides)
    return panes


def spike_dynamodb() -> PaneSnapshot:
    """todos-table at 4.9 of 5 RCU/s while 2,580 reads a minute are throttled (43/s)."""
    return pane(
        "dynamodb",
        ok(2580, health=Health.CRIT),
        read_thr=ok(2580, health=Health.CRIT),
        write_thr=ok(None),
        RCU=ok(4.9, "/5 RCU", Health.CRIT),
        WCU=ok(0.8, "/5 WCU"),
        latency=ok(7, "ms"),
    )


def spike_logs() -> tuple[LogCount, ...]:
    return (
        LogCount("Request failed · ProvisionedThroughputExceededException · HTTP 500", 13),
        LogCount(
            "ProvisionedThroughputExceededException: An error occurred "
            "(ProvisionedThroughputExceededException) when calling the Query operation",
            13,
        ),
        LogCount("KeyError: 'title'", 4),
    )


def samples(version: str, invocations: float, errors: float, ms: float) -> VersionSamples:
    """Five one-minute periods sharing the totals evenly."""
    periods = tuple(
        VersionPeriod(
            start=NOW - timedelta(minutes=5 - i),
            invocations=invocations / 5,
            errors=errors / 5,
            throttles=0.0,
            duration_avg=ms,
        )
        for i in range(5)
    )
    return VersionSamples(version, periods)


SPLIT = AliasRouting("todo-handler", "PROD", primary="1", additional="2", weight=0.1)
BAD_DEPLOY = (samples("1", 1000, 1, 150), samples("2", 100, 35, 2650))


def evidence(**changes: object) -> Evidence:
    base: dict[str, object] = {"panes": healthy_panes(), "resources": FACTS}
    base.update(changes)
    return Evidence(**base)  # type: ignore[arg-type]


def only(diagnosis: Diagnosis, kind: CauseKind) -> None:
    assert [c.kind for c in diagnosis.causes] == [kind], diagnosis.causes


# --- DynamoDB throttling --------------------------------------------------------------------


def test_spike_is_dynamodb_throttling_with_demand_and_share() -> None:
    d = diagnose(evidence(panes=healthy_panes(dynamodb=spike_dynamodb()), logs=spike_logs()))
    only(d, CauseKind.DYNAMODB_THROTTLING)
    cause = d.causes[0]
    assert cause.action_id == "dynamodb-capacity"
    assert cause.target == "todos-table"
    assert cause.level is Confidence.HIGH
    assert (
        "87% of the last 5 min's errors are ProvisionedThroughputExceededException on todos-table"
        in cause.line
    )
    # Demand is consumed plus throttled (2580 a minute = 43/s), not the 4.9 consumed.
    assert "demand 48 RCU/s against 5 provisioned (consumed 4.9)" in cause.line
    assert d.summary().startswith("DynamoDB throttling (high): 87% of the last 5 min's errors")


def test_throttling_with_capacity_unknown_says_so_and_is_less_sure() -> None:
    facts = ResourceFacts(fetched_at=NOW, problems=("DescribeTable: AccessDenied",))
    d = diagnose(evidence(panes=healthy_panes(dynamodb=spike_dynamodb()), resources=facts))
    cause = d.causes[0]
    assert cause.kind is CauseKind.DYNAMODB_THROTTLING
    assert "provisioned capacity unknown" in cause.line
    assert "against 0" not in cause.line
    assert cause.level is not Confidence.HIGH


def test_no_throttling_figures_and_no_lines_is_not_throttling() -> None:
    dynamodb = pane("dynamodb", ok(None), RCU=ok(None), WCU=ok(None))
    d = diagnose(evidence(panes=healthy_panes(dynamodb=dynamodb)))
    assert all(c.kind is not CauseKind.DYNAMODB_THROTTLING for c in d.causes)


# --- a bad version ---------------------------------------------------------------------------


def test_bad_deploy_names_the_failing_version_and_rolls_back() -> None:
    d = diagnose(evidence(versions=BAD_DEPLOY, alias=SPLIT))
    only(d, CauseKind.BAD_VERSION)
    cause = d.causes[0]
    assert cause.action_id == "rollback"
    assert cause.target == "todo-handler:2"
    assert cause.line == (
        "version 2 fails 35% of its 100 invocations vs 0.1% on version 1 (97% of the errors); "
        "averages 2650 ms vs 150 ms on version 1"
    )
    assert cause.level is Confidence.HIGH


def test_slower_version_alone_stands_out_on_latency() -> None:
    versions = (samples("1", 1000, 1, 150), samples("2", 100, 0, 400))
    cause = diagnose(evidence(versions=versions, alias=SPLIT)).causes[0]
    assert cause.kind is CauseKind.BAD_VERSION
    assert cause.line == "version 2 averages 400 ms vs 150 ms on version 1"
    assert cause.level is Confidence.MEDIUM


def test_one_version_or_too_few_invocations_is_no_bad_version() -> None:
    assert diagnose(evidence(versions=(samples("1", 1000, 300, 150),))).causes == ()
    few = (samples("1", 1000, 1, 150), samples("2", 10, 5, 2650))
    assert diagnose(evidence(versions=few)).causes == ()


def test_versions_failing_alike_are_not_a_bad_version() -> None:
    alike = (samples("1", 1000, 200, 150), samples("2", 100, 21, 160))
    assert all(
        c.kind is not CauseKind.BAD_VERSION for c in diagnose(evidence(versions=alike)).causes
    )


# --- Lambda throttling -----------------------------------------------------------------------


def test_lambda_throttled_at_reserved_concurrency() -> None:
    facts = ResourceFacts(fetched_at=NOW, reserved_concurrency=100, account_concurrency=1000)
    concurrency = pane(
        "concurrency",
        ok(100, health=Health.CRIT),
        max=ok(100),
        throttles=ok(42, health=Health.CRIT),
    )
    d = diagnose(evidence(panes=healthy_panes(concurrency=concurrency), resources=facts))
    only(d, CauseKind.LAMBDA_THROTTLING)
    cause = d.causes[0]
    assert cause.action_id == "reserved-concurrency"
    assert cause.target == "todo-handler"
    assert cause.line == (
        "todo-handler throttled 42 invocations in the last period; "
        "concurrency 100 of 100 reserved concurrency"
    )
    assert cause.level is Confidence.HIGH


def test_lambda_throttles_with_limit_unknown_is_low() -> None:
    concurrency = pane("concurrency", ok(80), max=ok(90), throttles=ok(5))
    facts = ResourceFacts(fetched_at=NOW, problems=("GetAccountSettings: AccessDenied",))
    cause = diagnose(
        evidence(panes=healthy_panes(concurrency=concurrency), resources=facts)
    ).causes[0]
    assert cause.kind is CauseKind.LAMBDA_THROTTLING
    assert "concurrency limit unknown" in cause.line
    assert cause.level is Confidence.LOW


# --- memory / timeouts -----------------------------------------------------------------------


def test_timeouts_near_the_configured_timeout_raise_memory() -> None:
    facts = ResourceFacts(fetched_at=NOW, memory_mb=128, timeout_s=3)
    latency = pane("latency", ok(2400, "ms", Health.WARN), max=ok(3000, "ms"))
    logs = (LogCount("2026-12-02T11:59:01.000Z abc Task timed out after 3.00 seconds", 12),)
    d = diagnose(evidence(panes=healthy_panes(latency=latency), resources=facts, logs=logs))
    only(d, CauseKind.MEMORY_TIMEOUT)
    cause = d.causes[0]
    assert cause.action_id == "lambda-memory"
    assert cause.target == "todo-handler"
    assert cause.line == (
        "12 'Task timed out' lines in the last 5 min (100% of its errors); "
        "duration up to 3000 ms of a 3 s timeout; at 128 MB"
    )
    assert cause.level is Confidence.HIGH


# --- slow dependency -------------------------------------------------------------------------


def test_slow_dependency_without_errors_points_downstream() -> None:
    latency = pane("latency", ok(8650, "ms", Health.CRIT), max=ok(9400, "ms"))
    d = diagnose(evidence(panes=healthy_panes(latency=latency)))
    only(d, CauseKind.SLOW_DEPENDENCY)
    cause = d.causes[0]
    assert cause.action_id == "api-cache"
    assert cause.target == "todo-api"
    assert cause.line.startswith(
        "duration averages 8650 ms with 0.1% errors; DynamoDB answers in 6 ms; "
        "the cause is downstream of the function"
    )
    assert cause.level is Confidence.MEDIUM


def test_slow_with_dynamodb_latency_unknown_is_low_and_says_so() -> None:
    latency = pane("latency", ok(8650, "ms", Health.CRIT))
    dynamodb = pane("dynamodb", ok(None), RCU=ok(1.0, "/5 RCU"), latency=ok(None, "ms"))
    cause = diagnose(evidence(panes=healthy_panes(latency=latency, dynamodb=dynamodb))).causes[0]
    assert cause.kind is CauseKind.SLOW_DEPENDENCY
    assert "DynamoDB latency unknown" in cause.line
    assert cause.level is Confidence.LOW


def test_slow_with_error_rate_missing_is_no_slow_dependency() -> None:
    """'No errors' cannot be read from a missing error rate."""
    latency = pane("latency", ok(8650, "ms", Health.CRIT))
    errors = pane("errors", ok(None, "%"))
    d = diagnose(evidence(panes=healthy_panes(latency=latency, errors=errors)))
    assert d.causes == ()
    assert d.summary().startswith("no clear cause: latency unhealthy")
    assert "error rate unknown (no datapoints)" in d.summary()


# --- attacker --------------------------------------------------------------------------------


def auth_event(i: int, user: str, result: str) -> LogEvent:
    record = {
        "level": "INFO",
        "message": "Authentication:",
        "user": user,
        "result": result,
        "reason": "NotAuthorizedException: Incorrect username or password.",
        "requestId": f"{i:08x}-0000-0000-0000-000000000000",
    }
    return {
        "timestamp": int((NOW - timedelta(seconds=60 - i)).timestamp() * 1000),
        "eventId": str(i),
        "logStreamName": "s",
        "message": json.dumps(record),
    }


def test_attacker_from_failed_sign_ins_of_one_user() -> None:
    events = [auth_event(i, "mallory@example.com", "FAILED") for i in range(38)]
    events += [auth_event(40 + i, "alice@example.com", "FAILED") for i in range(2)]
    events += [auth_event(50, "test@example.com", "SUCCEEDED")]
    alerts = LogWatch("/aws/lambda/todo-handler").take(events)
    ev = evidence_from(panes=healthy_panes(), resources=FACTS, alerts=alerts, now=NOW, api_4xx=2400)
    d = diagnose(ev)
    only(d, CauseKind.ATTACKER)
    cause = d.causes[0]
    assert cause.action_id == "cognito-disable-user"
    assert cause.target == "mallory@example.com"
    assert cause.line == (
        "38 failed sign-ins in the last 5 min are mallory@example.com's (95%); "
        "API answered 2400 4XX in the last period"
    )
    assert cause.level is Confidence.HIGH


def test_failed_sign_ins_spread_over_users_are_no_attacker() -> None:
    events = [auth_event(i, f"user{i % 4}@example.com", "FAILED") for i in range(40)]
    alerts = LogWatch("/aws/lambda/todo-handler").take(events)
    d = diagnose(evidence_from(panes=healthy_panes(), resources=FACTS, alerts=alerts))
    assert d.causes == ()


# --- no clear cause --------------------------------------------------------------------------


def test_healthy_is_no_clear_cause() -> None:
    d = diagnose(evidence())
    assert d.causes == ()
    assert d.summary() == "no clear cause: every figure normal"


def test_nothing_read_yet_is_no_clear_cause_not_healthy() -> None:
    d = diagnose(Evidence(panes={}, resources=ResourceFacts()))
    assert d.causes == ()
    assert d.summary().startswith("no clear cause: no figures yet (")
    assert "resource facts not read yet" in d.summary()


def test_missing_figures_are_named_not_taken_for_zero() -> None:
    dynamodb = pane("dynamodb", ok(None), RCU=ok(None))
    d = diagnose(evidence(panes=healthy_panes(dynamodb=dynamodb)))
    assert d.summary() == (
        "no clear cause: error rate, latency, concurrency normal; DynamoDB unknown (no datapoints)"
    )


def test_error_burst_without_a_known_cause_says_what_the_errors_are() -> None:
    errors = pane("errors", ok(12.0, "%", Health.CRIT), errors=ok(170))
    logs = (LogCount("KeyError: 'title'", 30), LogCount("Request failed · KeyError · HTTP 500", 30))
    d = diagnose(evidence(panes=healthy_panes(errors=errors), logs=logs))
    assert d.causes == ()
    assert d.summary() == (
        "no clear cause: error rate unhealthy, but no throttling, no version stands out and "
        "no timeouts; most errors are KeyError (100%)"
    )


# --- mixed causes ----------------------------------------------------------------------------


def test_spike_and_bad_deploy_at_once_rank_both_each_with_its_own_evidence() -> None:
    spike_versions = (samples("1", 1000, 200, 180), samples("2", 100, 55, 2700))
    d = diagnose(
        evidence(
            panes=healthy_panes(dynamodb=spike_dynamodb()),
            logs=spike_logs(),
            versions=spike_versions,
            alias=SPLIT,
        )
    )
    kinds = [c.kind for c in d.causes]
    assert set(kinds) == {CauseKind.DYNAMODB_THROTTLING, CauseKind.BAD_VERSION}
    by_kind = {c.kind: c for c in d.causes}
    ddb, bad = by_kind[CauseKind.DYNAMODB_THROTTLING], by_kind[CauseKind.BAD_VERSION]
    assert (ddb.action_id, ddb.target) == ("dynamodb-capacity", "todos-table")
    assert "ProvisionedThroughputExceededException" in ddb.line and "48 RCU/s" in ddb.line
    assert (bad.action_id, bad.target) == ("rollback", "todo-handler:2")
    assert bad.line.startswith("version 2 fails 55% of its 100 invocations vs 20.0% on version 1")
    assert "version" not in ddb.line and "RCU" not in bad.line
    assert d.causes == tuple(sorted(d.causes, key=lambda c: -c.confidence))
    assert d.summary().endswith("(+1 more)")


# --- the builder -----------------------------------------------------------------------------


def test_evidence_from_keeps_log_alerts_of_the_window_only() -> None:
    def alert(source: AlertSource, title: str, seen: datetime, count: int = 1) -> Alert:
        return Alert(f"k:{title}", source, Severity.WARN, title, "", seen, seen, count)

    alerts = [
        alert(AlertSource.LOG, "KeyError: 'title'", NOW - timedelta(minutes=1), 3),
        alert(AlertSource.LOG, "TypeError: old", NOW - timedelta(minutes=20)),
        alert(AlertSource.BREACH, "Error rate crit: 12%", NOW),
    ]
    ev = evidence_from(panes={}, resources=FACTS, alerts=alerts, now=NOW, window_seconds=300)
    assert ev.logs == (LogCount("KeyError: 'title'", 3, ""),)
    assert ev.error_line_count == 3


# --- external service ------------------------------------------------------------------------


def test_cognito_errors_in_logs_point_at_the_auth_checks() -> None:
    logs = (
        LogCount(
            "InternalErrorException: An error occurred (InternalErrorException) when calling "
            "the InitiateAuth operation: cognito-idp unavailable",
            8,
        ),
        LogCount("KeyError: 'title'", 2),
    )
    d = diagnose(evidence(logs=logs))
    only(d, CauseKind.EXTERNAL_SERVICE)
    cause = d.causes[0]
    assert (cause.action_id, cause.target) == ("auth-checks", "todo-users")
    assert cause.line == (
        "80% of the last 5 min's errors name Cognito (8 lines, mostly InternalErrorException); "
        "check todo-users and its app client"
    )
    assert cause.level is Confidence.MEDIUM


def test_failed_sign_ins_are_not_cognito_errors() -> None:
    events = [auth_event(i, f"user{i % 4}@example.com", "FAILED") for i in range(12)]
    alerts = LogWatch("/aws/lambda/todo-handler").take(events)
    ev = evidence_from(panes=healthy_panes(), resources=FACTS, alerts=alerts)
    assert ev.error_line_count == 0
    assert diagnose(ev).causes == ()


# --- the monitor's evidence ------------------------------------------------------------------


def test_a_monitor_before_its_first_refresh_has_no_clear_cause() -> None:
    monitor = Monitor(Settings(), clock=lambda: NOW)
    ev = monitor.evidence()
    # Log lines are weighed over the recent evidence span, not the (longer) chart window.
    assert (ev.function, ev.table, ev.window_seconds) == (
        "todo-handler",
        "todos-table",
        Settings().suggestions.evidence_seconds,
    )
    assert set(ev.series) >= {"ddb_consumed_rcu", "ddb_read_throttles", "lambda_concurrency"}
    assert all(v is None for values in ev.series.values() for v in values)
    assert diagnose(ev).summary().startswith("no clear cause: no figures yet")


def test_demand_falls_back_on_throttled_requests_when_throttle_events_are_unknown() -> None:
    dynamodb = pane("dynamodb", ok(2580, health=Health.CRIT), RCU=ok(4.9, "/5 RCU"))
    cause = diagnose(evidence(panes=healthy_panes(dynamodb=dynamodb))).causes[0]
    assert cause.line == (
        "todos-table throttled 2580 requests in the last period; "
        "demand 48 RCU/s against 5 provisioned (consumed 4.9)"
    )
    assert cause.level is Confidence.HIGH
