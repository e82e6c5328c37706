"""The Monitor against a real moto server: the session's sandbox, driven tick by tick.

Expected figures are read back independently with plain boto3 (one GetMetricData query per
series with exact dimensions: moto's get_metric_statistics matches a *subset* of dimensions,
so for FunctionName alone it would also add up the Resource and ExecutedVersion series) and
checked against what the sandbox reports it pushed.
"""

from __future__ import annotations

import itertools
import socket
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from support import Forwarder, SimClock
from todotui.alerts.model import AlertSource, Severity, Topic
from todotui.aws.session import AwsClients, client_config
from todotui.config import Settings
from todotui.core.monitor import Monitor, MonitorError
from todotui.telemetry.model import DataState
from todotui.telemetry.versions import AliasRouting, VersionInfo

pytestmark = pytest.mark.sandbox

PERIOD = 60


@pytest.fixture(autouse=True)
def dummy_credentials(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")


def settings_for(endpoint: str, region: str = "us-west-2", **stack: str) -> Settings:
    return Settings().with_overrides(
        aws={"endpoint_url": endpoint, "region": region},
        cadence={"period_seconds": PERIOD, "refresh_seconds": 5, "window_seconds": 900},
        stack=stack,
    )


def monitor_on(sandbox: Any, clock: SimClock, **stack: str) -> Monitor:
    return Monitor(settings_for(sandbox.endpoint, sandbox.region, **stack), clock=clock)


def plain(
    sandbox: Any, namespace: str, metric: str, dims: dict[str, str], stat: str, at: datetime
) -> float | None:
    """One datapoint read back with boto3, exact dimensions, independent of the Monitor's code."""
    answer = sandbox.client("cloudwatch").get_metric_data(
        MetricDataQueries=[
            {
                "Id": "q",
                "MetricStat": {
                    "Metric": {
                        "Namespace": namespace,
                        "MetricName": metric,
                        "Dimensions": [{"Name": k, "Value": v} for k, v in dims.items()],
                    },
                    "Period": PERIOD,
                    "Stat": stat,
                },
            }
        ],
        StartTime=at,
        EndTime=at + timedelta(seconds=PERIOD),
    )
    values = answer["MetricDataResults"][0]["Values"]
    return values[0] if values else None


async def test_every_pane_shows_what_the_sandbox_pushed(steady_sandbox):
    sb = steady_sandbox
    clock = SimClock(sb)
    pushed = clock.tick(2)
    period = datetime.fromisoformat(pushed["at"])
    fn = {"FunctionName": "todo-handler"}
    api = {"ApiName": "todo-api"}
    async with monitor_on(sb, clock) as monitor:
        result = await monitor.refresh()
    assert result.ok, result.error
    panes = result.panes

    invocations = plain(sb, "AWS/Lambda", "Invocations", fn, "Sum", period)
    errors = plain(sb, "AWS/Lambda", "Errors", fn, "Sum", period)
    assert invocations == pushed["invocations"] and errors == pushed["errors"]
    traffic = panes["traffic"].primary
    assert (traffic.value, traffic.unit, traffic.as_of, traffic.state) == (
        invocations * 60 / PERIOD,
        "/min",
        period,
        DataState.OK,
    )
    assert dict(panes["traffic"].secondary)["API"].value == plain(
        sb, "AWS/ApiGateway", "Count", api, "Sum", period
    )

    assert panes["errors"].primary.value == pytest.approx(errors / invocations * 100)
    assert dict(panes["errors"].secondary)["errors"].value == errors
    api_5xx = plain(sb, "AWS/ApiGateway", "5XXError", api, "Sum", period)
    api_count = plain(sb, "AWS/ApiGateway", "Count", api, "Sum", period)
    assert api_5xx == pushed["api_5xx"]
    assert dict(panes["errors"].secondary)["5XX"].value == pytest.approx(api_5xx / api_count * 100)

    concurrency = plain(sb, "AWS/Lambda", "ConcurrentExecutions", fn, "Maximum", period)
    assert (
        panes["concurrency"].primary.value
        == concurrency
        == pytest.approx(pushed["concurrency_max"], abs=0.05)
    )

    duration = plain(sb, "AWS/Lambda", "Duration", fn, "Average", period)
    assert (
        panes["latency"].primary.value
        == duration
        == pytest.approx(pushed["duration_avg_ms"], abs=0.05)
    )
    assert dict(panes["latency"].secondary)["max"].value == plain(
        sb, "AWS/Lambda", "Duration", fn, "Maximum", period
    )
    assert dict(panes["latency"].secondary)["API"].value == plain(
        sb, "AWS/ApiGateway", "Latency", api, "Average", period
    )

    throttled = [
        plain(
            sb,
            "AWS/DynamoDB",
            "ThrottledRequests",
            {"TableName": "todos-table", "Operation": op},
            "Sum",
            period,
        )
        for op in ("GetItem", "Query", "PutItem", "UpdateItem", "DeleteItem")
    ]
    present = [v for v in throttled if v is not None]
    dynamodb = panes["dynamodb"]
    if present:
        assert dynamodb.primary.value == sum(present) == pushed["dynamodb_throttled"]
    else:
        assert dynamodb.primary.value is None and dynamodb.primary.state is DataState.NO_DATA
    consumed = plain(
        sb, "AWS/DynamoDB", "ConsumedReadCapacityUnits", {"TableName": "todos-table"}, "Sum", period
    )
    rcu = dict(dynamodb.secondary)["RCU"]
    assert rcu.value == pytest.approx(consumed / PERIOD)
    assert rcu.unit == f"/{pushed['table_capacity'][0]} RCU"


async def test_one_get_metric_data_per_refresh_and_incremental_after_the_first_fill(steady_sandbox):
    sb = steady_sandbox
    clock = SimClock(sb)
    clock.tick(1)
    asked: list[dict[str, Any]] = []
    async with monitor_on(sb, clock) as monitor:
        cloudwatch = await monitor.clients.client("cloudwatch")
        cloudwatch.meta.events.register(
            "provide-client-params.cloudwatch.GetMetricData",
            lambda params, **_: asked.append(params),
        )
        costs = []
        for _ in range(6):
            before = monitor.clients.requests["cloudwatch.GetMetricData"]
            result = await monitor.refresh()
            assert result.ok, result.error
            assert monitor.clients.requests["cloudwatch.GetMetricData"] - before == 1
            assert (
                result.metrics_requested
                == len(monitor.specs)
                == len(asked[-1]["MetricDataQueries"])
            )
            costs.append(result.metrics_requested)
            clock.tick(1)
        spans = [(p["EndTime"] - p["StartTime"]).total_seconds() for p in asked]
        assert spans[0] == 900  # the whole window first
        # Then only what is new (one period per tick) plus 3 periods re-read, never the window.
        assert spans[1:] == [4 * PERIOD] * 5
        assert all(
            now["StartTime"] == before["EndTime"] - timedelta(seconds=3 * PERIOD)
            for before, now in itertools.pairwise(asked)
        )
        assert all(p["StartTime"].timestamp() % PERIOD == 0 for p in asked)
        assert len(set(costs)) == 1  # the cost of a refresh does not grow with time
        await monitor.refresh()  # one refresh per simulated minute: the meter says so
        metrics = len(monitor.specs)
        assert monitor.cost.metrics_per_minute == pytest.approx(metrics)
        # GetMetricData per metric, DescribeAlarms per request, both $0.01 per 1,000
        assert monitor.cost.usd_per_hour == pytest.approx((metrics + 1) * 60 * 0.01 / 1000)

        monitor.window_seconds = 3600  # a larger window is filled by the next refresh
        await monitor.refresh()
        assert (asked[-1]["EndTime"] - asked[-1]["StartTime"]).total_seconds() == 3600


async def test_buffers_stay_bounded_by_the_window(steady_sandbox):
    sb = steady_sandbox
    clock = SimClock(sb)
    async with monitor_on(sb, clock) as monitor:
        monitor.window_seconds = 5 * PERIOD
        counts = []
        for _ in range(9):
            clock.tick(1)
            assert (await monitor.refresh()).ok
            counts.append(monitor.points_held)
        assert max(counts[4:]) == counts[-1]  # flat once the window is full
        assert all(len(p.history) == 5 for p in monitor.panes.values())


async def test_an_alarm_going_to_alarm_in_a_spike_appears_once(steady_sandbox):
    sb = steady_sandbox
    clock = SimClock(sb)
    async with monitor_on(sb, clock) as monitor:
        await monitor.refresh()
        sb.set_scenario("spike")
        alarm_alerts = []
        for _ in range(20):
            clock.tick(1)
            result = await monitor.refresh()
            alarm_alerts += [a for a in result.alerts if a.source is AlertSource.ALARM]
            if any(a.severity is Severity.CRIT for a in alarm_alerts):
                break
        raised = [a for a in alarm_alerts if a.severity is Severity.CRIT]
        assert raised, "no alarm went to ALARM during the spike"
        name = raised[0].title.split()[0]
        record = monitor.alarms[name]
        assert record["StateValue"] == "ALARM"
        assert record["StateReason"] in raised[0].body and "Condition:" in raised[0].body
        for _ in range(2):  # the alarm stays in ALARM: nothing new to say
            again = await monitor.refresh()
            assert not [
                a for a in again.alerts if a.source is AlertSource.ALARM and name in a.title
            ]
        in_feed = [a for a in monitor.feed.entries if a.key.startswith(f"alarm:{name}:ALARM")]
        assert len(in_feed) == 1 and in_feed[0].count == 1


async def test_each_error_log_line_appears_once(steady_sandbox):
    sb = steady_sandbox
    sb.set_scenario("error-burst")
    clock = SimClock(sb)
    clock.tick(1)
    async with monitor_on(sb, clock) as monitor:
        first_start = clock.now - timedelta(seconds=monitor.window_seconds)
        seen: Counter[str] = Counter()
        for _ in range(3):
            result = await monitor.refresh()
            for alert in result.alerts:
                if alert.source is AlertSource.LOG and alert.topic is Topic.ERRORS:
                    seen[alert.body.split("event id ")[1].split("\n")[0]] += 1
            clock.tick(1)
        last = await monitor.refresh()  # reads the last tick's lines
        for alert in last.alerts:
            if alert.source is AlertSource.LOG and alert.topic is Topic.ERRORS:
                seen[alert.body.split("event id ")[1].split("\n")[0]] += 1
        again = await monitor.refresh()  # nothing new since
        assert not [a for a in again.alerts if a.source is AlertSource.LOG]
        log_entries = [
            a
            for a in monitor.feed.entries
            if a.source is AlertSource.LOG and a.topic is Topic.ERRORS
        ]
    logs = sb.client("logs")
    expected = set()
    for page in logs.get_paginator("filter_log_events").paginate(
        logGroupName="/aws/lambda/todo-handler",
        filterPattern=Settings().logs.errors,
        startTime=int(first_start.timestamp() * 1000),
    ):
        expected |= {e["eventId"] for e in page["events"]}
    assert expected, "the error burst wrote no ERROR lines"
    assert set(seen) == expected  # every line, none lost
    assert max(seen.values()) == 1  # none shown twice
    assert sum(a.count for a in log_entries) == len(expected)
    assert len(log_entries) < len(expected)  # identical messages folded with a count


async def test_resource_facts_and_a_missing_function(steady_sandbox):
    sb = steady_sandbox
    clock = SimClock(sb)
    clock.tick(1)
    async with monitor_on(sb, clock) as monitor:
        await monitor.refresh()
        facts = monitor.resources
    config = sb.client("lambda").get_function_configuration(FunctionName="todo-handler")
    table = sb.client("dynamodb").describe_table(TableName="todos-table")["Table"]
    assert facts.memory_mb == config["MemorySize"] and facts.timeout_s == config["Timeout"]
    assert facts.billing_mode == "PROVISIONED"
    assert facts.read_capacity == table["ProvisionedThroughput"]["ReadCapacityUnits"]

    async with monitor_on(
        sb, clock, function_name="no-such-fn", table_name="no-such-table"
    ) as monitor:
        result = await monitor.refresh()
    assert result.ok
    for key in ("concurrency", "latency", "traffic"):
        assert result.panes[key].primary.state is DataState.NO_DATA
        assert result.panes[key].primary.detail == "function no-such-fn not found in us-west-2"
    assert result.panes["dynamodb"].primary.detail == "table no-such-table not found in us-west-2"


async def test_identity_and_startup_errors_in_one_line(steady_sandbox, monkeypatch):
    async with monitor_on(steady_sandbox, SimClock(steady_sandbox)) as monitor:
        who = await monitor.identity()
    assert who.account == "123456789012" and who.region == "us-west-2"
    assert who.endpoint_url == steady_sandbox.endpoint

    with pytest.raises(MonitorError, match="no AWS region"):
        async with Monitor(
            Settings().with_overrides(aws={"endpoint_url": steady_sandbox.endpoint})
        ) as m:
            await m.identity()
    closed = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(MonitorError, match="cannot reach"):
        async with (
            fast_failing(settings_for(closed)) as clients,
            Monitor(settings_for(closed), clients=clients) as m,
        ):
            await m.identity()
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(MonitorError, match="no AWS credentials"):
        async with Monitor(settings_for(steady_sandbox.endpoint)) as m:
            await m.identity()


# --- a server we can stop and restart -----------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fast_failing(settings: Settings) -> AwsClients:
    """Clients that give up after one attempt, so a dead endpoint fails at once."""
    return AwsClients(
        settings.aws, config=client_config(attempts=1, connect_timeout=1, read_timeout=2)
    )


def push_invocations(endpoint: str, at: datetime, count: float) -> None:
    boto3.client("cloudwatch", endpoint_url=endpoint, region_name="us-west-2").put_metric_data(
        Namespace="AWS/Lambda",
        MetricData=[
            {
                "MetricName": "Invocations",
                "Dimensions": [{"Name": "FunctionName", "Value": "todo-handler"}],
                "Timestamp": at,
                "Value": count,
            }
        ],
    )


async def test_a_stopped_endpoint_turns_panes_error_then_stale_never_zero_and_recovers():
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    now = [datetime(2026, 3, 2, 10, 5, 30, tzinfo=UTC)]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        push_invocations(endpoint, datetime(2026, 3, 2, 10, 4, tzinfo=UTC), 42)
        settings = settings_for(endpoint)
        async with (
            fast_failing(settings) as clients,
            Monitor(settings, clients=clients, clock=lambda: now[0]) as monitor,
        ):
            good = await monitor.refresh()
            assert good.ok and good.panes["traffic"].primary.value == 42

            server.stop()
            now[0] += timedelta(seconds=5)
            failed = await monitor.refresh()
            assert not failed.ok and "cannot reach" in failed.error
            traffic = failed.panes["traffic"].primary
            assert (
                traffic.state is DataState.ERROR and traffic.value == 42
            )  # the last value, marked
            assert [a.key for a in failed.alerts] == [
                "connection:failed"
            ]  # one alert, not one per read

            now[0] += timedelta(seconds=10)
            stale = await monitor.refresh()
            assert not stale.ok and not [
                a for a in stale.alerts if a.source is AlertSource.CONNECTION
            ]
            assert all(p.primary.state is DataState.STALE for p in stale.panes.values())
            figures = [
                r for p in stale.panes.values() for r in (p.primary, *(r for _, r in p.secondary))
            ]
            assert all(r.state is not DataState.OK and r.value != 0 for r in figures)

            server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
            server.start()
            push_invocations(endpoint, datetime(2026, 3, 2, 10, 5, tzinfo=UTC), 60)
            now[0] += timedelta(seconds=40)
            back = await monitor.refresh()
            assert back.ok and back.error is None
            assert (
                back.panes["traffic"].primary.value == 60
                and back.panes["traffic"].primary.state is DataState.OK
            )
            assert [a.severity for a in back.alerts if a.key.startswith("connection:")] == [
                Severity.OK
            ]
    finally:
        server.stop()


# --- the alias and the versions behind it -------------------------------------------------

FN, ALIAS = "todo-handler", "PROD"


def version_dims(version: str) -> dict[str, str]:
    return {"FunctionName": FN, "Resource": f"{FN}:{ALIAS}", "ExecutedVersion": version}


@pytest.fixture(scope="module")
def versions_box(sandbox_tier):
    """A sandbox of this module's own: the tests below publish versions, which Lambda keeps
    (the session's sandbox is expected to hold the two it was provisioned with)."""
    from todotui.sandbox.controller import Sandbox

    with Sandbox(manual=True, period=PERIOD, backfill=0) as running:
        yield running


@pytest.fixture
def own_sandbox(versions_box):
    versions_box.set_scenario("steady")
    yield versions_box
    versions_box.set_scenario("steady")


@pytest.fixture
def keep_alias(own_sandbox):
    """The alias as it was before the test (its GetAlias answer), put back after it."""
    lam = own_sandbox.client("lambda")
    before = lam.get_alias(FunctionName=FN, Name=ALIAS)
    yield before
    now = lam.get_alias(FunctionName=FN, Name=ALIAS)
    weights = (before.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
    lam.update_alias(
        FunctionName=FN,
        Name=ALIAS,
        FunctionVersion=before["FunctionVersion"],
        RoutingConfig={"AdditionalVersionWeights": weights},  # always explicit (ROLLOUTS.md)
        RevisionId=now["RevisionId"],
    )


def publish_version(sandbox: Any, description: str) -> str:
    """Publish a new version of the function (its configuration changed, so it is new
    whatever versions the sandbox already has) and put `$LATEST`'s environment back."""
    lam = sandbox.client("lambda")
    published = {
        v["Version"]
        for page in lam.get_paginator("list_versions_by_function").paginate(FunctionName=FN)
        for v in page["Versions"]
    }
    variables = lam.get_function_configuration(FunctionName=FN).get("Environment", {})
    variables = variables.get("Variables", {})
    lam.update_function_configuration(
        FunctionName=FN, Environment={"Variables": {**variables, "TEST_BUILD": description}}
    )
    version = lam.publish_version(FunctionName=FN, Description=description)["Version"]
    lam.update_function_configuration(FunctionName=FN, Environment={"Variables": variables})
    assert version not in published and version.isdigit()
    assert int(version) == max(int(v) for v in published | {version} if v.isdigit())
    return version


def captured(client: Any, service: str, operation: str) -> list[dict[str, Any]]:
    """The parameters of every `operation` this client sends from now on (observed, not mocked)."""
    asked: list[dict[str, Any]] = []
    client.meta.events.register(
        f"provide-client-params.{service}.{operation}",
        lambda params, **_: asked.append(dict(params)),
    )
    return asked


def query_ids(params: dict[str, Any]) -> set[str]:
    return {q["Id"] for q in params["MetricDataQueries"]}


def sent(monitor: Monitor, before: Counter[str]) -> Counter[str]:
    return monitor.clients.requests - before


async def test_a_split_alias_is_read_every_refresh_and_both_versions_come_in_the_one_call(
    own_sandbox, keep_alias
):
    sb = own_sandbox
    lam = sb.client("lambda")
    stable = keep_alias["FunctionVersion"]
    candidate = publish_version(sb, f"candidate {uuid.uuid4().hex[:8]}")
    clock = SimClock(sb)
    clock.tick(1)
    async with monitor_on(sb, clock) as monitor:
        asked = captured(await monitor.clients.client("cloudwatch"), "cloudwatch", "GetMetricData")
        first = await monitor.refresh()
        assert first.ok, first.error
        assert first.alias == monitor.alias and monitor.alias is not None
        assert monitor.alias.primary == stable and monitor.alias_read_at == clock.now
        assert f"ver{stable}_invocations" in query_ids(asked[-1])  # routed: fetched at once
        assert f"ver{candidate}_invocations" not in query_ids(asked[-1])

        lam.update_alias(
            FunctionName=FN,
            Name=ALIAS,
            FunctionVersion=stable,
            RoutingConfig={"AdditionalVersionWeights": {candidate: 0.5}},
            RevisionId=lam.get_alias(FunctionName=FN, Name=ALIAS)["RevisionId"],
        )
        revision = lam.get_alias(FunctionName=FN, Name=ALIAS)["RevisionId"]
        split_at = [datetime.fromisoformat(clock.tick(1)["at"]) for _ in range(3)]

        before = Counter(monitor.clients.requests)
        seen = await monitor.refresh()
        assert seen.ok, seen.error
        # GetAlias ran alongside this refresh's GetMetricData, which asked for the versions
        # known when it started; the alias moved, so a second call brings the new version's
        # series over the whole window in the same refresh (a deploy is when they matter).
        assert sent(monitor, before)["cloudwatch.GetMetricData"] == 2
        assert sent(monitor, before)["lambda.GetAlias"] == 1
        expected = AliasRouting(FN, ALIAS, stable, candidate, 0.5, revision)
        assert seen.alias == monitor.alias == expected and seen.alias_error is None
        assert monitor.versions == tuple(sorted({stable, candidate}, key=int))
        assert seen.metrics_requested > len(monitor.specs)
        ids = query_ids(asked[-1])
        for v in (stable, candidate):
            assert {
                f"ver{v}_{f}" for f in ("invocations", "errors", "throttles", "duration_avg")
            } <= ids
        span = asked[-1]["EndTime"] - asked[-1]["StartTime"]
        assert span.total_seconds() == monitor.window_seconds  # a new version fills the window

        before = Counter(monitor.clients.requests)
        again = await monitor.refresh()
        assert again.ok, again.error
        assert sent(monitor, before)["cloudwatch.GetMetricData"] == 1  # back to one call
        assert again.metrics_requested == len(monitor.specs) == len(asked[-1]["MetricDataQueries"])

        samples = {v: monitor.version_samples(v) for v in (stable, candidate)}
        assert all(s.invocations > 0 for s in samples.values()), samples
        for v, held in samples.items():
            assert not held.percentiles  # moto answers no percentiles
            starts = [p.start for p in held.periods]
            assert starts == sorted(starts)
            for p in held.periods:
                assert p.start + timedelta(seconds=PERIOD) <= again.started_at  # complete
                at, dims = p.start, version_dims(v)
                assert p.invocations == plain(sb, "AWS/Lambda", "Invocations", dims, "Sum", at)
                assert p.errors == plain(sb, "AWS/Lambda", "Errors", dims, "Sum", at)
                assert p.duration_avg == plain(sb, "AWS/Lambda", "Duration", dims, "Average", at)
        # The candidate never ran before the split; after it, the two add up to the alias.
        assert {p.start for p in samples[candidate].periods} <= set(split_at)
        alias_dims = {"FunctionName": FN, "Resource": f"{FN}:{ALIAS}"}
        by_start = {v: {p.start: p for p in s.periods} for v, s in samples.items()}
        for at in split_at:
            total = plain(sb, "AWS/Lambda", "Invocations", alias_dims, "Sum", at)
            ran = [by_start[v][at].invocations or 0 for v in by_start if at in by_start[v]]
            assert sum(ran) == total
        since = monitor.version_samples(stable, since=split_at[1])
        assert [p.start for p in since.periods] == [
            t for t in split_at[1:] if t in by_start[stable]
        ]


async def test_version_info_is_read_once_per_version_and_a_failed_read_retried(own_sandbox):
    sb = own_sandbox
    description = f"reviewed build {uuid.uuid4().hex[:8]}"
    candidate = publish_version(sb, description)
    missing = "999999"
    clock = SimClock(sb)
    async with monitor_on(sb, clock) as monitor:
        asked = captured(
            await monitor.clients.client("lambda"), "lambda", "GetFunctionConfiguration"
        )
        monitor.watch_versions([candidate, "$LATEST", "PROD", missing])
        assert monitor.watched_versions == {candidate, missing}  # version numbers only
        refreshes = []
        for _ in range(3):
            clock.tick(1)
            refreshes.append(await monitor.refresh())
        assert all(r.ok for r in refreshes)
        stable = monitor.alias.primary if monitor.alias else None
        info = monitor.version_info(candidate)
    qualified = Counter(p["Qualifier"] for p in asked if "Qualifier" in p)
    assert qualified[candidate] == 1  # published versions never change: read once
    if stable is not None:
        assert qualified[stable] == 1 and monitor.version_info(stable) is not None
    assert qualified[missing] == 3  # a failed read is tried again next refresh
    assert "$LATEST" not in qualified

    expected = sb.client("lambda").get_function_configuration(FunctionName=FN, Qualifier=candidate)
    assert info == VersionInfo(
        candidate, description, expected["CodeSha256"], expected["LastModified"]
    )
    assert info.code_sha256 and info.description == expected["Description"] == description
    assert monitor.version_info(missing) is None
    why = [p for p in refreshes[-1].problems if f"{FN}:{missing}" in p]
    assert len(why) == 1 and "ResourceNotFoundException" in why[0]
    assert len([a for a in monitor.feed.entries if f"{FN}:{missing}" in a.title]) == 1


async def test_a_version_that_did_not_run_has_no_periods_not_zeros(own_sandbox):
    sb = own_sandbox
    idle = publish_version(sb, f"idle build {uuid.uuid4().hex[:8]}")
    clock = SimClock(sb)
    clock.tick(2)
    async with monitor_on(sb, clock) as monitor:
        asked = captured(await monitor.clients.client("cloudwatch"), "cloudwatch", "GetMetricData")
        monitor.watch_versions([idle])
        result = await monitor.refresh()
        assert result.ok, result.error
        assert f"ver{idle}_invocations" in query_ids(asked[-1])  # asked for, and nothing came
        quiet = monitor.version_samples(idle)
        routed = monitor.version_samples(monitor.alias.primary) if monitor.alias else None
    assert quiet.periods == ()
    assert quiet.invocations == 0 and quiet.error_pct is None and quiet.duration_avg is None
    assert plain(sb, "AWS/Lambda", "Invocations", version_dims(idle), "Sum", clock.now) is None
    assert routed is not None and routed.periods  # the version that ran has its periods


async def test_a_failed_alias_read_keeps_the_last_routing_and_says_why(steady_sandbox):
    sb = steady_sandbox
    relay = Forwarder(int(sb.endpoint.rsplit(":", 1)[1]))
    await relay.start()
    settings = settings_for(relay.url, sb.region)
    clock = SimClock(sb)
    clock.tick(1)
    try:
        async with (
            fast_failing(settings) as clients,
            Monitor(settings, clients=clients, clock=clock) as monitor,
        ):
            good = await monitor.refresh()
            assert good.ok and good.alias is not None and good.alias_error is None
            routing, read_at = monitor.alias, monitor.alias_read_at

            await relay.stop()
            clock.tick(1)
            failed = await monitor.refresh()
            assert not failed.ok
            assert failed.alias == monitor.alias == routing  # kept, never invented or dropped
            assert monitor.alias_read_at == read_at
            assert failed.alias_error == monitor.alias_error
            assert failed.alias_error.startswith(f"GetAlias {FN}:{ALIAS}: ")
            assert failed.alias_error in failed.problems

            await relay.start()
            back = await monitor.refresh()
            assert back.ok and back.alias == routing and back.alias_error is None
            assert monitor.alias_read_at == clock.now > read_at
    finally:
        await relay.stop()


async def test_a_missing_alias_is_no_routing_and_one_clear_line(steady_sandbox):
    sb = steady_sandbox
    clock = SimClock(sb)
    clock.tick(1)
    async with monitor_on(sb, clock, alias="NO-SUCH") as monitor:
        asked = captured(await monitor.clients.client("cloudwatch"), "cloudwatch", "GetMetricData")
        results = [await monitor.refresh() for _ in range(2)]
        assert monitor.versions == ()
    assert all(r.ok and r.alias is None for r in results)
    line = results[-1].alias_error
    assert line is not None and line.startswith(
        f"alias NO-SUCH of function {FN} not found in us-west-2 (ResourceNotFoundException: "
    )
    assert line in results[-1].problems
    assert not [i for p in asked for i in query_ids(p) if i.startswith("ver")]
    assert len([a for a in monitor.feed.entries if a.title == line]) == 1  # once, not per refresh
