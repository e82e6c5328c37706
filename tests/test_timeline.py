"""Pure tests of the incident timeline: merge and order, impact span and figures, and the
post-mortem draft's Markdown (its sections, the actions' CLI, no secret)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from todotui.actions.journal import Journal
from todotui.actions.model import Secret
from todotui.alerts.model import Alert, AlertSource, Severity, Topic
from todotui.core.timeline import action_from_entry
from todotui.reports.postmortem import PostMortemInput, render
from todotui.reports.timeline import (
    ActionTaken,
    CauseSpan,
    EventKind,
    HealthSpans,
    RoutingChange,
    TimelineEvent,
    action_event,
    alert_event,
    cause_events,
    impact_figures,
    merge,
    only,
    routing_event,
)
from todotui.telemetry.model import Health
from todotui.telemetry.versions import AliasRouting

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def event(minutes: float, kind: EventKind, key: str, severity: Severity = Severity.WARN):
    return TimelineEvent(at(minutes), kind, severity, key, key=key)


# -- merge -------------------------------------------------------------------------------------


def test_merge_orders_by_time_then_kind_and_keeps_each_key_once():
    actions = [event(3, EventKind.ACTION, "fix")]
    alerts = [
        event(3, EventKind.ALARM, "alarm"),
        event(1, EventKind.LOG, "log"),
        event(3, EventKind.BREACH, "breach"),
    ]
    diagnoses = [event(3, EventKind.DIAGNOSIS, "cause"), event(3, EventKind.ALARM, "alarm")]
    merged = merge(actions, alerts, diagnoses)
    assert [e.key for e in merged] == ["log", "breach", "alarm", "cause", "fix"]
    assert [e.key for e in only(merged, {EventKind.ALARM, EventKind.ACTION})] == ["alarm", "fix"]


def test_merge_keeps_a_streams_order_for_the_same_moment_and_kind():
    first = [event(2, EventKind.BREACH, "errors"), event(2, EventKind.BREACH, "dynamodb")]
    assert [e.key for e in merge(first)] == ["errors", "dynamodb"]


def test_an_alert_each_time_it_arrives_and_the_sources_read_elsewhere_left_out():
    breach = Alert(
        key="breach:errors:crit",
        source=AlertSource.BREACH,
        severity=Severity.CRIT,
        title="Error rate crit: 12%",
        body="body",
        first_seen=at(1),
        last_seen=at(5),
        count=2,
        topic=Topic.ERRORS,
    )
    again = alert_event(breach)
    first = alert_event(breach, at(1))
    assert again is not None and first is not None
    assert again.at == at(5) and first.at == at(1) and again.key != first.key
    assert again.kind is EventKind.BREACH and again.subject == "errors"
    action = Alert("action:x", AlertSource.ACTION, Severity.OK, "done", "", at(1), at(1))
    rollout = Alert("rollout:x", AlertSource.ROLLOUT, Severity.OK, "done", "", at(1), at(1))
    assert alert_event(action) is None and alert_event(rollout) is None


def test_a_cause_appears_rises_and_clears():
    span = CauseSpan(
        cause="DynamoDB throttling",
        first_seen=at(2),
        line="444 throttled",
        confidence="high",
        action_id="dynamodb-capacity",
        target="todos-table",
        cleared=at(9),
        first_line="12 throttled",
        first_confidence="low",
        rises=((at(3), "high", "444 throttled"),),
    )
    events = cause_events(span)
    assert [e.at for e in events] == [at(2), at(3), at(9)]
    assert "(low): 12 throttled" in events[0].title
    assert "now high" in events[1].title
    assert events[-1].severity is Severity.OK and events[-1].recovery
    assert len({e.key for e in events}) == 3


def test_a_routing_change_is_a_deploy_when_the_primary_moves():
    one = AliasRouting("todo-handler", "PROD", "1", revision_id="a")
    split = AliasRouting("todo-handler", "PROD", "1", "2", 0.1, revision_id="b")
    two = AliasRouting("todo-handler", "PROD", "2", revision_id="c")
    shift = routing_event(RoutingChange(at(1), one, split))
    deploy = routing_event(RoutingChange(at(2), split, two))
    assert shift.severity is Severity.INFO and "weights changed" in shift.title
    assert deploy.severity is Severity.WARN and "deploy" in deploy.title
    assert "version 2 (10%)" in shift.title and deploy.subject == "2"


def test_a_succeeded_but_unverified_action_is_not_shown_as_ok():
    done = ActionTaken(at(1), "r1", "x", "Fix", "t", "operator", "succeeded", True, ("aws x",))
    unverified = ActionTaken(at(1), "r2", "x", "Fix", "t", "operator", "succeeded", False, ())
    failed = ActionTaken(at(1), "r3", "x", "Fix", "t", "operator", "failed", False, ())
    assert action_event(done).severity is Severity.OK
    assert action_event(unverified).severity is Severity.WARN
    assert action_event(failed).severity is Severity.CRIT
    assert "aws x" in action_event(done).detail


# -- impact ------------------------------------------------------------------------------------


def test_health_spans_from_first_breach_to_recovery_unknown_keeps_the_last():
    spans = HealthSpans()
    spans.observe(at(0), {"errors": Health.OK, "dynamodb": Health.OK})
    assert spans.first_breach is None
    spans.observe(at(1), {"errors": Health.CRIT, "dynamodb": Health.WARN})
    spans.observe(at(2), {"errors": Health.OK, "dynamodb": Health.UNKNOWN})
    assert spans.ongoing and spans.recovered_at is None  # dynamodb's last known: warn
    spans.observe(at(3), {"errors": Health.OK, "dynamodb": Health.OK})
    assert (spans.first_breach, spans.recovered_at) == (at(1), at(3))
    spans.observe(at(4), {"errors": Health.WARN})
    assert spans.ongoing and spans.recovered_at is None and spans.first_breach == at(1)
    assert spans.worst == {"errors": Health.CRIT, "dynamodb": Health.WARN}


def test_impact_figures_over_the_breach_and_missing_data_said():
    spans = HealthSpans()
    spans.observe(at(0), {"errors": Health.OK})
    spans.observe(at(3), {"errors": Health.CRIT})  # read the period starting at 2
    spans.observe(at(6), {"errors": Health.OK})  # read the period starting at 5
    series = {
        "lambda_invocations": {at(m): 100.0 for m in range(8)},
        "lambda_errors": {at(1): 1.0, at(2): 30.0, at(3): 50.0, at(4): 20.0, at(5): 0.0},
        "ddb_throttled_getitem": {at(2): 7.0, at(4): 3.0},
        "ddb_throttled_putitem": {at(3): 5.0},
        "lambda_throttles": {},
    }
    impact = impact_figures(series, spans, period_seconds=60, now=at(8))
    figures = {f.label: f for f in impact.figures}
    assert (impact.start, impact.end, impact.ongoing) == (at(3), at(6), False)
    assert impact.duration == timedelta(minutes=3)
    assert (impact.measured_from, impact.measured_to) == (at(2), at(5))
    peak = figures["Peak Lambda error rate"]
    assert peak.value == 50.0 and peak.at == at(3)
    assert figures["Lambda errors"].value == 100.0  # periods 2, 3, 4 only
    assert figures["DynamoDB throttled requests"].value == 15.0
    # fetched with no datapoint in the span, and never fetched: both unknown, never 0
    assert figures["Lambda throttles"].value is None
    assert figures["Lambda throttles"].missing == "no datapoints in the span"
    assert figures["Peak p99 latency"].value is None
    assert "not fetched" in figures["Peak p99 latency"].missing
    assert impact.breached == ("errors",)


def test_impact_without_a_breach_covers_every_period_held():
    spans = HealthSpans()
    spans.observe(at(1), {"errors": Health.OK})
    series = {"lambda_invocations": {at(0): 10.0, at(1): 0.0}, "lambda_errors": {at(0): 1.0}}
    impact = impact_figures(series, spans, period_seconds=60, now=at(2))
    figures = {f.label: f for f in impact.figures}
    assert impact.start is None and not impact.ongoing and impact.notes
    assert figures["Peak Lambda error rate"].value == 10.0  # no traffic is no rate, not 0 %


# -- the post-mortem draft ---------------------------------------------------------------------


def secret_journal(tmp_path) -> Journal:
    """A real journal holding a password reset (its secret) and a capacity change."""
    journal = Journal(tmp_path / "journal.jsonl")
    cli = (
        "read -rs NEW_PASSWORD  # type the value; it is not shown and not kept in history",
        'aws cognito-idp admin-set-user-password --user-pool-id pool --username alice --password "$NEW_PASSWORD"',
    )
    journal.write_intent(
        "r1",
        caller="arn:aws:iam::123456789012:user/oncall",
        action="cognito-set-password",
        title="Set a user's password",
        target="cognito todo-users",
        parameters={"username": "alice", "password": Secret("hunter2-s3cret")},
        before=[("Status", "CONFIRMED"), ("Password", "********")],
        planned_after=[("Status", "CONFIRMED"), ("Password", "******** (new)")],
        cli=list(cli),
    )
    journal.write_outcome(
        "r1", result="succeeded", verified=True, after=[], request_ids=["req-1"], error=None
    )
    journal.write_intent(
        "r2",
        caller="arn:aws:iam::123456789012:user/oncall",
        action="dynamodb-capacity",
        title="Change DynamoDB capacity",
        target="dynamodb todos-table",
        parameters={"read": 77},
        before=[("Read capacity", "5 units/s")],
        planned_after=[("Read capacity", "77 units/s")],
        cli=[
            "aws dynamodb update-table --table-name todos-table "
            "--provisioned-throughput ReadCapacityUnits=77,WriteCapacityUnits=48"
        ],
        reason="diagnosis: DynamoDB throttling",
    )
    journal.write_outcome(
        "r2",
        result="succeeded",
        verified=True,
        after=[("Read capacity", "77 units/s")],
        request_ids=["req-2"],
        error=None,
    )
    return journal


def draft(tmp_path) -> str:
    journal = secret_journal(tmp_path)
    actions = tuple(action_from_entry(e, at=at(4 + i)) for i, e in enumerate(journal.entries()))
    spans = HealthSpans()
    spans.observe(at(3), {"dynamodb": Health.CRIT})
    spans.observe(at(7), {"dynamodb": Health.OK})
    cause = CauseSpan(
        "DynamoDB throttling", at(3), "444 throttled", "high", "dynamodb-capacity", "todos-table"
    )
    alarm = TimelineEvent(at(5), EventKind.ALARM, Severity.CRIT, "throttles OK -> ALARM")
    events = merge([alarm], cause_events(cause), (action_event(a) for a in actions))
    series = {"lambda_invocations": {at(2): 100.0}, "lambda_errors": {at(2): 12.0}}
    data = PostMortemInput(
        generated_at=at(10),
        session_started=at(0),
        target="account 123456789012 · us-east-1",
        resources=(("DynamoDB", "todos-table"),),
        events=events,
        impact=impact_figures(series, spans, period_seconds=60, now=at(10)),
        actions=actions,
        causes=(cause,),
        diagnosis_now="no clear cause: every figure normal",
        alarms=(("throttles", "Condition: Sum > 0 for 1 period(s) of 60 s"),),
    )
    return render(data)


def test_the_draft_has_every_section(tmp_path):
    text = draft(tmp_path)
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings == [
        "## Summary",
        "## Impact",
        "## Timeline (UTC)",
        "## Diagnosis at the time",
        "## Actions taken",
        "## Open questions",
        "## Root cause",
    ]
    assert text.startswith("# Post-mortem draft: incident of 2026-03-01 12:03 UTC")
    assert "Duration of impact: **4 min**" in text
    assert "| Peak Lambda error rate | 12.0 % |" in text
    assert "| Peak p99 latency | no data (not fetched from this endpoint) |" in text
    assert "| 12:05:00 | alarm | CRIT | throttles OK -> ALARM |" in text
    assert "2 min after the first threshold breach (12:03:00 UTC)" in text
    assert "Root cause to confirm" in text and "DynamoDB throttling" in text


def test_the_draft_gives_each_actions_cli_and_never_a_secret(tmp_path):
    text = draft(tmp_path)
    assert "```sh\naws dynamodb update-table --table-name todos-table" in text
    assert '--password "$NEW_PASSWORD"' in text
    assert "hunter2" not in text
    assert "By: operator — diagnosis: DynamoDB throttling" in text
    assert (
        'carry "Change DynamoDB capacity" on dynamodb todos-table into the infrastructure' in text
    )


# -- the core's recorder (no IO: nothing is fetched, the diagnosis is handed to it) -------------


async def test_the_recorder_opens_raises_and_clears_causes(tmp_path):
    from todotui.alerts.diagnosis import Cause, CauseKind, Diagnosis
    from todotui.config import Settings
    from todotui.core.clock import ManualClock
    from todotui.core.cockpit import Cockpit

    clock = ManualClock(at(0))
    core = Cockpit(Settings(), clock=clock, journal=Journal(tmp_path / "j.jsonl"))
    recorder = core.timeline

    def throttling(confidence: float, line: str) -> Diagnosis:
        cause = Cause(CauseKind.DYNAMODB_THROTTLING, confidence, line, "dynamodb-capacity", "t")
        return Diagnosis((cause,))

    recorder.note_diagnosis(throttling(0.3, "12 throttled"), at(1))
    recorder.note_diagnosis(throttling(0.4, "20 throttled"), at(2))  # still low: no rise
    recorder.note_diagnosis(throttling(0.9, "444 throttled"), at(3))
    recorder.note_diagnosis(Diagnosis(unclear="every figure normal"), at(6))
    recorder.note_diagnosis(throttling(0.6, "30 throttled"), at(8))  # back: a new span
    (first, second) = recorder.causes
    assert (first.first_seen, first.cleared, first.confidence) == (at(1), at(6), "high")
    assert (first.first_line, first.line, first.first_confidence) == (
        "12 throttled",
        "444 throttled",
        "low",
    )
    assert first.rises == ((at(3), "high", "444 throttled"),)
    assert (second.first_seen, second.cleared) == (at(8), None)
    titles = [e.title for e in recorder.events() if e.kind is EventKind.DIAGNOSIS]
    assert len(titles) == 4 and "no longer names" in titles[2]
    await core.aclose()
