"""Pure telemetry and alert logic: merging, derived figures, health, staleness, the feed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from todotui.alerts.feed import AlertFeed, BreachDetector, ConnectionWatch
from todotui.alerts.logs import LogCursor, fold_key
from todotui.alerts.model import Alert, AlertSource, Severity, Topic
from todotui.config import Settings
from todotui.telemetry import derived
from todotui.telemetry.health import is_stale, level, worst
from todotui.telemetry.model import DataState, Health, PaneSnapshot, Reading, ResourceFacts
from todotui.telemetry.panes import FetchStatus, build_panes
from todotui.telemetry.series import SeriesBuffer, SeriesStore, period_grid

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)


def at(minutes: int) -> datetime:
    return T0 + minutes * MIN


# --- series ------------------------------------------------------------------------------


def test_merge_with_overlap_replaces_revised_values_and_appends_new_ones():
    buffer = SeriesBuffer()
    buffer.merge([(at(0), 10.0), (at(1), 20.0), (at(2), 3.0)])  # minute 2 still filling up
    buffer.merge([(at(1), 20.0), (at(2), 30.0), (at(3), 5.0)])  # overlap re-reads 1 and 2
    assert buffer.on_grid([at(0), at(1), at(2), at(3), at(4)]) == [10.0, 20.0, 30.0, 5.0, None]
    assert len(buffer) == 4


def test_store_drops_points_older_than_the_retention_so_memory_stays_flat():
    store = SeriesStore(retention_seconds=5 * 60)
    for minute in range(100):
        store.merge({"a": [(at(minute), float(minute))], "b": [(at(minute), 1.0)]}, now=at(minute))
    assert store.point_count() == 2 * 6  # minutes 94..99 (the cutoff itself is kept)
    assert store.buffer("a").latest() == (at(99), 99.0)


def test_period_grid_is_aligned_and_ends_with_the_current_period():
    grid = period_grid(T0 + timedelta(seconds=150, microseconds=5), 300, 60)
    assert grid == [at(-2), at(-1), at(0), at(1), at(2)]
    assert period_grid(T0 + timedelta(seconds=7), 15, 5) == [
        T0 - timedelta(seconds=5),
        T0,
        T0 + timedelta(seconds=5),
    ]


# --- derived -----------------------------------------------------------------------------


def test_error_rate_refuses_to_invent_a_figure():
    assert derived.percent(2, 50, part_name="Errors", whole_name="invocations").value == 4.0
    no_traffic = derived.percent(0, 0, part_name="Errors", whole_name="invocations")
    assert no_traffic.value is None and "no traffic" in no_traffic.reason
    missing = derived.percent(3, None, part_name="Errors", whole_name="invocations")
    assert missing.value is None and "no invocations data" in missing.reason
    assert derived.percent(None, 10, part_name="Errors", whole_name="invocations").value is None


def test_per_period_rates_leave_gaps_not_zeros():
    assert derived.percent_series([1, 0, None, 2], [10, 0, 5, None]) == [10.0, None, None, None]


def test_sums_across_operations_ignore_missing_operations_but_not_all_missing():
    assert derived.sum_series([1, None, None], [2, 3, None]) == [3, 3, None]


def test_capacity_and_utilisation():
    assert derived.capacity_per_second(300, 60) == 5.0
    assert derived.utilisation(4.0, 5, limit_name="provisioned RCU").value == 0.8
    unknown = derived.utilisation(4.0, None, limit_name="account concurrency")
    assert unknown.value is None and "account concurrency unknown" in unknown.reason


# --- health ------------------------------------------------------------------------------


def test_levels_and_worst():
    assert level(None, warn=1, crit=5) is Health.UNKNOWN
    assert level(0.5, warn=1, crit=5) is Health.OK
    assert level(1, warn=1, crit=5) is Health.WARN
    assert level(7, warn=1, crit=5) is Health.CRIT
    assert worst(Health.OK, Health.CRIT, Health.UNKNOWN) is Health.CRIT
    assert worst() is Health.UNKNOWN


def test_stale_after_two_refreshes():
    assert not is_stale(T0, T0 + timedelta(seconds=10), refresh_seconds=5)
    assert is_stale(T0, T0 + timedelta(seconds=11), refresh_seconds=5)
    assert not is_stale(None, T0, refresh_seconds=5)


# --- panes -------------------------------------------------------------------------------

SETTINGS = Settings().with_overrides(
    cadence={"refresh_seconds": 5, "period_seconds": 60, "window_seconds": 600}
)
GOOD = FetchStatus(last_good_at=at(5))
NOW = at(5)  # minutes 0..4 are complete; minute 5 is filling up


def store_with(
    series: dict[str, dict[int, float]], status: dict[str, str] | None = None
) -> SeriesStore:
    store = SeriesStore(retention_seconds=3600)
    store.merge(
        {sid: [(at(m), v) for m, v in pts.items()] for sid, pts in series.items()},
        now=NOW,
        status=status,
    )
    return store


def panes(store: SeriesStore, *, fetch: FetchStatus = GOOD, now: datetime = NOW, resources=None):
    return build_panes(
        store,
        settings=SETTINGS,
        now=now,
        window_seconds=600,
        fetch=fetch,
        resources=resources or ResourceFacts(fetched_at=at(0), reserved_concurrency=10),
    )


def test_panes_use_the_newest_complete_period_and_judge_health():
    store = store_with(
        {
            "lambda_invocations": {3: 100, 4: 200, 5: 7},
            "lambda_errors": {3: 1, 4: 12, 5: 7},
            "lambda_concurrency": {4: 9.5},
            "lambda_duration_avg": {4: 120.0},
            "lambda_duration_max": {4: 900.0},
            "api_count": {4: 180},
            "api_5xx": {4: 0},
        }
    )
    result = panes(store)
    errors = result["errors"]
    assert errors.primary.value == 6.0 and errors.primary.as_of == at(4)  # not the partial minute 5
    assert errors.primary.health is Health.CRIT and errors.primary.state is DataState.OK
    assert errors.history[-3:] == (1.0, 6.0, 100.0)
    assert dict(errors.secondary)["5XX"].value == 0.0  # a real zero: 0 of 180 requests
    concurrency = result["concurrency"]
    assert (
        concurrency.primary.value == 9.5 and concurrency.health is Health.CRIT
    )  # 95 % of reserved 10
    assert dict(concurrency.secondary)["limit"].detail == "reserved concurrency"
    traffic = result["traffic"]
    assert traffic.primary.value == 200.0 and traffic.primary.unit == "/min"
    assert (
        result["latency"].primary.value == 120.0
        and dict(result["latency"].secondary)["max"].value == 900.0
    )


def test_zero_invocations_is_no_traffic_never_zero_percent():
    store = store_with({"lambda_invocations": {4: 0}, "lambda_errors": {4: 0}})
    errors = panes(store)["errors"]
    assert errors.primary.value is None
    assert errors.primary.state is DataState.NO_DATA
    assert "no traffic" in errors.primary.detail


def test_missing_series_is_no_data_and_a_missing_function_says_so():
    facts = ResourceFacts(
        fetched_at=at(0), function_missing="function orders-fn not found in eu-west-1"
    )
    result = panes(store_with({}), resources=facts)
    assert result["concurrency"].primary.state is DataState.NO_DATA
    assert result["concurrency"].primary.detail == "function orders-fn not found in eu-west-1"
    assert result["dynamodb"].primary.detail == "no datapoints in the last 10 min"
    assert all(p.primary.value is None for p in result.values())


def test_loading_then_error_then_stale_keep_the_last_value():
    store = store_with({"lambda_invocations": {4: 120}})
    assert (
        panes(SeriesStore(600), fetch=FetchStatus())["traffic"].primary.state is DataState.LOADING
    )
    never = panes(SeriesStore(600), fetch=FetchStatus(error="cannot reach http://x"))[
        "traffic"
    ].primary
    assert never.state is DataState.ERROR and never.value is None and "cannot reach" in never.detail

    failing = FetchStatus(last_good_at=at(5), error="cannot reach http://x")
    error = panes(store, fetch=failing, now=at(5) + timedelta(seconds=5))["traffic"].primary
    assert (
        error.state is DataState.ERROR and error.value == 120.0 and "cannot reach" in error.detail
    )

    stale = panes(store, fetch=failing, now=at(5) + timedelta(seconds=11))["traffic"]
    assert stale.primary.state is DataState.STALE and stale.primary.value == 120.0
    assert "no fresh data for 11s" in stale.primary.detail


def test_partial_data_is_reported_as_partial():
    store = store_with({"lambda_concurrency": {4: 3}}, status={"lambda_concurrency": "PartialData"})
    reading = panes(store)["concurrency"].primary
    assert reading.state is DataState.PARTIAL and "PartialData" in reading.detail


def test_dynamodb_sums_operations_and_compares_consumed_with_provisioned():
    store = store_with(
        {
            "ddb_throttled_getitem": {4: 3},
            "ddb_throttled_putitem": {4: 4},
            "ddb_consumed_rcu": {4: 270},  # 4.5 RCU/s over a 60 s period
            "ddb_consumed_wcu": {4: 60},
            "ddb_read_throttles": {4: 3},
        }
    )
    facts = ResourceFacts(
        fetched_at=at(0), billing_mode="PROVISIONED", read_capacity=5, write_capacity=5
    )
    pane = panes(store, resources=facts)["dynamodb"]
    assert pane.primary.value == 7 and pane.health is Health.CRIT
    rcu = dict(pane.secondary)["RCU"]
    assert rcu.value == 4.5 and rcu.unit == "/5 RCU" and rcu.health is Health.WARN
    assert dict(pane.secondary)["write thr"].state is DataState.NO_DATA


# --- alerts ------------------------------------------------------------------------------


def alert(key: str, minute: int, **kw) -> Alert:
    return Alert(
        key, AlertSource.LOG, Severity.WARN, kw.get("title", key), "", at(minute), at(minute)
    )


def test_feed_folds_by_key_newest_first_and_stays_bounded():
    feed = AlertFeed(limit=3)
    feed.add(alert("a", 1))
    feed.add(alert("b", 2))
    folded = feed.add(alert("a", 3, title="a again"))
    assert (folded.count, folded.first_seen, folded.last_seen, folded.title) == (
        2,
        at(1),
        at(3),
        "a again",
    )
    assert [a.key for a in feed.entries] == ["a", "b"]
    feed.add(alert("c", 4))
    feed.add(alert("d", 5))
    assert [a.key for a in feed.entries] == ["d", "c", "a"]  # b was the oldest


def pane(key: str, health: Health, value: float = 1.0) -> dict[str, PaneSnapshot]:
    return {key: PaneSnapshot(key, key.title(), Reading(value, "%", DataState.OK, health))}


def test_breach_alerts_once_per_transition_not_per_refresh():
    detector = BreachDetector()
    assert detector.check(pane("errors", Health.OK), at(0)) == []
    raised = detector.check(pane("errors", Health.CRIT, 7.5), at(1))
    assert [(a.severity, a.key, a.topic) for a in raised] == [
        (Severity.CRIT, "breach:errors:crit", Topic.ERRORS)
    ]
    assert "7.5%" in raised[0].title
    assert detector.check(pane("errors", Health.CRIT, 9.0), at(2)) == []
    assert detector.check(pane("errors", Health.UNKNOWN, 0), at(3)) == []  # a gap is not a recovery
    recovered = detector.check(pane("errors", Health.OK), at(4))
    assert [a.severity for a in recovered] == [Severity.OK]


def test_connectivity_alerts_on_failure_and_recovery_only():
    watch = ConnectionWatch("us-west-2 · http://127.0.0.1:1")
    first = watch.failed("cannot reach http://127.0.0.1:1", at(0))
    assert first is not None and first.severity is Severity.CRIT
    assert watch.failed("cannot reach http://127.0.0.1:1", at(1)) is None
    back = watch.succeeded(at(2))
    assert back is not None and back.severity is Severity.OK and "120s" in back.title
    assert watch.succeeded(at(3)) is None


def test_log_cursor_never_repeats_nor_loses_events_sharing_a_millisecond():
    cursor = LogCursor()
    first = [{"timestamp": 1000, "eventId": "1"}, {"timestamp": 1000, "eventId": "2"}]
    for event in first:
        assert cursor.is_new(event)
        cursor.advance(event)
    again = [*first, {"timestamp": 1000, "eventId": "3"}, {"timestamp": 1001, "eventId": "4"}]
    assert [e["eventId"] for e in again if cursor.is_new(e)] == ["3", "4"]


def test_log_lines_differing_only_by_request_id_fold_together():
    a = "[ERROR]\t2026-11-25T15:02:58.936Z\t38f78568-0172-3d93-4990-7fc7552255c5\tKeyError: 'title'"
    b = "[ERROR]\t2026-11-25T15:03:12.001Z\t0a1b2c3d-0172-3d93-4990-7fc7552255c5\tKeyError: 'title'"
    assert fold_key(a) == fold_key(b)
    assert fold_key(a) != fold_key(b.replace("title", "owner"))


def test_log_lines_are_summarized_and_fold_by_meaning():
    from todotui.alerts.logs import fold_key, summarize

    plain = (
        "[ERROR]\t2026-11-25T15:26:16.244Z\tc2c2618a-dd68-1451-d364-6f31725c3e45\tKeyError: 'title'"
    )
    other = (
        "[ERROR]\t2026-11-25T15:27:01.001Z\t7e2f6daa-bad9-ae3c-fec0-3a928beb148b\tKeyError: 'title'"
    )
    assert summarize(plain) == "KeyError: 'title'"
    assert fold_key(summarize(plain)) == fold_key(summarize(other))
    as_json = (
        '{"timestamp": "2026-11-25T15:26:16.244Z", "level": "ERROR", "message": "Request failed",'
        ' "requestId": "c2c2618a-dd68-1451-d364-6f31725c3e45", "errorType": "KeyError", "statusCode": 500}'
    )
    assert summarize(as_json) == "Request failed · KeyError · HTTP 500"
    assert summarize("Task timed out after 3.00 seconds") == "Task timed out after 3.00 seconds"
    assert summarize("{not json") == "{not json"


def test_a_metric_math_alarm_is_described_by_its_expression_and_metrics():
    from todotui.alerts.alarms import definition

    def stat(metric):
        return {
            "Metric": {
                "Namespace": "AWS/Lambda",
                "MetricName": metric,
                "Dimensions": [{"Name": "FunctionName", "Value": "todo-handler"}],
            },
            "Period": 60,
            "Stat": "Sum",
        }

    text = definition(
        {
            "ComparisonOperator": "GreaterThanThreshold",
            "Threshold": 5.0,
            "EvaluationPeriods": 2,
            "Metrics": [
                {"Id": "m1", "MetricStat": stat("Errors"), "ReturnData": False},
                {"Id": "m2", "MetricStat": stat("Invocations"), "ReturnData": False},
                {"Id": "e1", "Expression": "100*m1/m2", "ReturnData": True},
            ],
        }
    )
    assert "Expression: e1 = 100*m1/m2" in text
    assert "Metric m1: AWS/Lambda Errors Sum (FunctionName=todo-handler)" in text
    assert "Condition: e1 > 5.0 for 2 period(s) of 60 s" in text
    assert "?" not in text


def test_restored_counts_from_the_last_good_data_not_the_first_failure():
    watch = ConnectionWatch("us-west-2")
    watch.failed("timed out waiting for AWS", at(1))  # the first failure came a minute late
    back = watch.succeeded(at(2), last_good=at(0) + timedelta(seconds=56))
    assert back is not None and "after 64s without fresh data" in back.title
    assert "last good data was from" in back.body


def test_a_period_still_filling_when_fetched_never_becomes_the_current_figure():
    """An outage: the last fetch asked at minute 5 + 30 s; minute 5 was half full then. Later
    clocks pass minute 6, with no new data: the figure on screen must not change to it."""
    store = store_with({"lambda_invocations": {4: 200, 5: 90}, "lambda_errors": {4: 2, 5: 9}})
    fetched = FetchStatus(
        last_good_at=at(5) + timedelta(seconds=31), as_of=at(5) + timedelta(seconds=30)
    )
    before = panes(store, fetch=fetched, now=at(5) + timedelta(seconds=40))["errors"].primary
    later = panes(store, fetch=fetched, now=at(7))["errors"].primary
    assert before.value == later.value == 1.0 and later.as_of == at(4)
    assert later.state is DataState.STALE


def test_capacity_says_which_read_failed_when_the_table_could_not_be_described():
    store = store_with({"ddb_consumed_rcu": {4: 240.0}, "ddb_consumed_wcu": {4: 60.0}})
    facts = ResourceFacts(
        fetched_at=at(0), problems=("DescribeTable: InternalError: the table service failed",)
    )
    rcu = dict(panes(store, resources=facts)["dynamodb"].secondary)["RCU"]
    assert rcu.value == 4.0 and rcu.state is DataState.PARTIAL  # consumption known, capacity not
    assert "provisioned RCU unknown: DescribeTable: InternalError" in rcu.detail


# --- versions behind the alias -------------------------------------------------------------


def test_routing_from_get_alias_reads_the_one_additional_version_and_the_revision():
    from todotui.telemetry.versions import AliasRouting, routing_from

    split = routing_from(
        "fn",
        "PROD",
        {
            "Name": "PROD",
            "FunctionVersion": "1",
            "RoutingConfig": {"AdditionalVersionWeights": {"2": 0.1}},
            "RevisionId": "r-1",
        },
    )
    assert split == AliasRouting("fn", "PROD", "1", "2", 0.1, "r-1")
    assert split.share_of("1") == 0.9 and split.split
    whole = routing_from("fn", "PROD", {"FunctionVersion": "2", "RoutingConfig": {}})
    assert whole == AliasRouting("fn", "PROD", "2", None, 0.0, None) and not whole.split


def test_version_samples_are_complete_periods_it_ran_in_never_zeros():
    from todotui.telemetry.versions import samples_from

    store = SeriesStore(retention_seconds=3600)
    store.merge(
        {
            "ver2_invocations": [(at(0), 10.0), (at(2), 20.0), (at(3), 4.0)],  # minute 1: none
            "ver2_errors": [(at(0), 1.0), (at(1), 0.0), (at(2), 2.0), (at(3), 1.0)],
            "ver2_duration_avg": [(at(0), 100.0), (at(2), 200.0)],
            "ver2_duration_p99": [(at(0), 900.0)],
            "ver3_invocations": [(at(0), 99.0)],
        },
        now=at(4),
    )
    # The fetch asked at 12:03:30: minute 3 was still filling up.
    held = samples_from(store, "2", period_seconds=60, complete_before=at(3) + MIN / 2)
    assert [p.start for p in held.periods] == [at(0), at(2)]
    assert (held.invocations, held.errors, held.error_pct) == (30.0, 3.0, 10.0)
    assert held.duration_avg == (100.0 * 10 + 200.0 * 20) / 30
    assert held.duration_p99 is None and not held.percentiles  # not asked for: not shown
    with_p99 = samples_from(store, "2", period_seconds=60, complete_before=at(4), percentiles=True)
    assert with_p99.duration_p99 == 900.0 and len(with_p99.periods) == 3
    since = samples_from(store, "2", period_seconds=60, complete_before=at(4), since=at(2))
    assert [p.start for p in since.periods] == [at(2), at(3)]
    assert samples_from(store, "2", period_seconds=60, complete_before=None).periods == ()
    idle = samples_from(store, "7", period_seconds=60, complete_before=at(4))
    assert idle.periods == () and idle.error_pct is None and idle.invocations == 0
