"""The simulator against a real sandbox, driven tick by tick: what it pushes, and the closed loop.

Most tests share one manual-mode sandbox child process of their own (period 60 s, AWS's
cadence); each test puts back what it changes. The pruning test runs the server in-process,
since the pruning reaches into moto's in-process store.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from todotui.sandbox.controller import Sandbox
from todotui.sandbox.simulator import Simulator, metric_data, moto_datapoint_count
from todotui.stack_names import StackNames
from todotui.telemetry.catalogue import PUBLISHED

PERIOD = 60


@pytest.fixture(scope="module")
def box(sandbox_tier):
    with Sandbox(manual=True, period=PERIOD, seed=11, backfill=0) as running:
        yield running


@pytest.fixture
def steady(box):
    box.set_scenario("steady")
    yield box
    box.set_scenario("steady")


def last_tick(box: Sandbox, count: int = 1) -> dict:
    tick = box.tick(count)["last_tick"]
    assert tick["problems"] == []
    return tick


def value(
    box: Sandbox, namespace: str, metric: str, dims: dict, stat: str, at: str
) -> float | None:
    """The datapoint get_metric_data returns for one series at one tick (None if there is none)."""
    start = datetime.fromisoformat(at)
    answer = box.client("cloudwatch").get_metric_data(
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
        StartTime=start,
        EndTime=start + timedelta(seconds=PERIOD),
    )
    values = answer["MetricDataResults"][0]["Values"]
    assert len(values) <= 1
    return values[0] if values else None


def notifications(box: Sandbox) -> list[dict]:
    sqs = box.client("sqs")
    messages = []
    while True:
        got = sqs.receive_message(QueueUrl=box.stack.queue_url, MaxNumberOfMessages=10).get(
            "Messages", []
        )
        if not got:
            return messages
        for m in got:
            messages.append(json.loads(json.loads(m["Body"])["Message"]))
            sqs.delete_message(QueueUrl=box.stack.queue_url, ReceiptHandle=m["ReceiptHandle"])


def alarm_state(box: Sandbox, name: str) -> str:
    return box.client("cloudwatch").describe_alarms(AlarmNames=[name])["MetricAlarms"][0][
        "StateValue"
    ]


def test_figures_pushed_are_what_get_metric_data_returns(steady):
    names = steady.names
    tick = last_tick(steady)
    at = tick["at"]
    fn = {"FunctionName": names.function_name}
    assert value(steady, "AWS/Lambda", "Invocations", fn, "Sum", at) == tick["invocations"]
    assert value(steady, "AWS/Lambda", "Errors", fn, "Sum", at) == tick["errors"]
    assert value(steady, "AWS/Lambda", "Duration", fn, "Average", at) == pytest.approx(
        tick["duration_avg_ms"], abs=0.06
    )
    assert value(steady, "AWS/Lambda", "ConcurrentExecutions", fn, "Maximum", at) == pytest.approx(
        tick["concurrency_max"], abs=0.06
    )
    version = value(
        steady,
        "AWS/Lambda",
        "Invocations",
        {**fn, "Resource": f"{names.function_name}:{names.alias}", "ExecutedVersion": "1"},
        "Sum",
        at,
    )
    assert version == tick["invocations"]  # all traffic on the alias's one version
    api = {"ApiName": names.api_name, "Stage": names.stage_name}
    assert value(steady, "AWS/ApiGateway", "5XXError", api, "Sum", at) == tick["api_5xx"]
    assert value(steady, "AWS/ApiGateway", "Count", api, "Sum", at) == pytest.approx(
        tick["request_rate"] * PERIOD, abs=1
    )
    table = {"TableName": names.table_name}
    assert value(steady, "AWS/DynamoDB", "ProvisionedReadCapacityUnits", table, "Maximum", at) == 5
    consumed = value(steady, "AWS/DynamoDB", "ConsumedReadCapacityUnits", table, "Sum", at)
    assert 0 < consumed / PERIOD < 5
    latency = value(
        steady,
        "AWS/DynamoDB",
        "SuccessfulRequestLatency",
        {**table, "Operation": "Query"},
        "Average",
        at,
    )
    assert 2 < latency < 20
    assert tick["errors"] / tick["invocations"] < 0.01
    assert 100 < tick["duration_avg_ms"] < 140


def test_every_catalogue_series_is_published_when_every_feature_is_on():
    """Routing, provisioned concurrency, caching and throttling all on: each catalogue entry appears."""
    import random
    from dataclasses import replace

    from todotui.sandbox.model import StackState, TableState, simulate
    from todotui.sandbox.scenarios import SCENARIOS

    state = StackState(
        table=TableState("todos-table", "PROVISIONED", 5, 5),
        audit_table=TableState("todos-audit", "PAY_PER_REQUEST", None, None),
        additional_version="2",
        additional_weight=0.2,
        provisioned_ready={"PROD": 5},
        cache_enabled=True,
        cache_size_gb=0.5,
    )
    outcome = simulate(
        replace(state),
        SCENARIOS["spike"].traffic,
        at=datetime(2025, 11, 26, tzinfo=UTC),
        period=60,
        rng=random.Random(1),
        ticks_in_scenario=5,
    )
    published = {
        (d.namespace, d.metric, tuple(n for n, _ in d.dimensions))
        for d in metric_data(outcome, StackNames())
    }
    assert published == {(s.namespace, s.metric, s.dimensions) for s in PUBLISHED}


def test_spike_throttles_the_table_until_capacity_is_raised(steady):
    box, names = steady, steady.names
    notifications(box)  # start from an empty inbox
    ddb = box.client("dynamodb")
    box.set_scenario("spike")
    tick = last_tick(box, 3)
    assert tick["request_rate"] > 150
    assert tick["dynamodb_throttled"] > 0 and tick["api_5xx"] > 0
    at = tick["at"]
    table = {"TableName": names.table_name}
    assert value(box, "AWS/DynamoDB", "ReadThrottleEvents", table, "Sum", at) > 0
    assert (
        value(box, "AWS/DynamoDB", "ThrottledRequests", {**table, "Operation": "Query"}, "Sum", at)
        > 0
    )
    assert alarm_state(box, names.throttle_alarm) == "ALARM"
    alarm_messages = [m for m in notifications(box) if m["AlarmName"] == names.throttle_alarm]
    assert alarm_messages and alarm_messages[-1]["NewStateValue"] == "ALARM"
    assert alarm_messages[-1]["NewStateReason"].startswith(
        "Threshold Crossed: 1 out of the last 1 datapoint ["
    )
    assert alarm_messages[-1]["Region"] == "US West (Oregon)"

    errors = box.client("logs").filter_log_events(
        logGroupName=names.log_group,
        filterPattern="ERROR",
        startTime=int((datetime.fromisoformat(at) - timedelta(minutes=5)).timestamp() * 1000),
    )["events"]
    assert any("ProvisionedThroughputExceededException" in e["message"] for e in errors)

    try:
        ddb.update_table(
            TableName=names.table_name,
            ProvisionedThroughput={"ReadCapacityUnits": 400, "WriteCapacityUnits": 400},
        )
        ticks = [last_tick(box) for _ in range(2)]
        assert ticks[-1]["dynamodb_throttled"] == 0
        assert ticks[-1]["errors"] / ticks[-1]["invocations"] < 0.01
        assert alarm_state(box, names.throttle_alarm) == "OK"
        ok = [m for m in notifications(box) if m["AlarmName"] == names.throttle_alarm]
        assert ok and ok[-1]["NewStateValue"] == "OK" and ok[-1]["OldStateValue"] == "ALARM"
    finally:
        box.set_scenario("steady")


def test_raising_memory_lowers_duration(steady):
    lam = steady.client("lambda")
    fn = steady.names.function_name
    before = last_tick(steady)["duration_avg_ms"]
    lam.update_function_configuration(FunctionName=fn, MemorySize=1024)
    try:
        after = last_tick(steady)
        assert after["memory_mb"] == 1024
        assert after["duration_avg_ms"] < before / 3
    finally:
        lam.update_function_configuration(FunctionName=fn, MemorySize=128)


def test_slow_dependency_fires_the_duration_alarm_with_a_notification(steady):
    names = steady.names
    notifications(steady)
    steady.set_scenario("slow-dependency")
    tick = last_tick(steady, 5)
    assert tick["duration_avg_ms"] > 8000 and tick["errors"] / tick["invocations"] < 0.01
    assert alarm_state(steady, names.duration_alarm) == "ALARM"
    message = next(m for m in notifications(steady) if m["AlarmName"] == names.duration_alarm)
    assert message["NewStateValue"] == "ALARM"
    assert message["Trigger"]["MetricName"] == "Duration"
    assert "were greater than the threshold (8000.0)" in message["NewStateReason"]
    steady.set_scenario("steady")
    last_tick(steady, 3)
    assert alarm_state(steady, names.duration_alarm) == "OK"


def test_auth_attack_stops_when_the_user_is_disabled(steady):
    box = steady
    stack = box.stack
    idp = box.client("cognito-idp")
    box.set_scenario("auth-attack")
    tick = last_tick(box, 2)
    assert tick["api_4xx"] / (tick["request_rate"] * PERIOD) > 0.3
    lines = box.client("logs").filter_log_events(
        logGroupName=box.names.log_group,
        filterPattern="Authentication",
        startTime=int(datetime.fromisoformat(tick["at"]).timestamp() * 1000),
    )["events"]
    attacks = [json.loads(e["message"]) for e in lines if stack.compromised_user in e["message"]]
    assert (
        attacks and attacks[0]["message"] == "Authentication:" and attacks[0]["result"] == "FAILED"
    )
    idp.admin_disable_user(UserPoolId=stack.user_pool_id, Username=stack.compromised_user)
    try:
        after = last_tick(box)
        assert after["api_4xx"] / (after["request_rate"] * PERIOD) < 0.02
    finally:
        idp.admin_enable_user(UserPoolId=stack.user_pool_id, Username=stack.compromised_user)


@pytest.mark.sandbox
def test_pruning_keeps_the_datapoint_count_bounded():
    """In-process server: the pruning reaches into moto's store in this process."""
    from todotui.sandbox.gaps import GapFiller
    from todotui.sandbox.provision import provision, sandbox_client
    from todotui.sandbox.server import SandboxServer, moto_app

    names = StackNames()
    gaps = GapFiller(moto_app())
    server = SandboxServer(gaps)
    server.start()
    try:
        gaps.connect(server.endpoint)
        stack = provision(server.endpoint, names, period=PERIOD)
        start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=1)
        sim = Simulator(
            endpoint_url=server.endpoint,
            region=stack.region,
            names=names,
            stack=stack,
            period=PERIOD,
            seed=3,
            start=start,
        )
        gaps.clock = lambda: sim.now
        sim.retention = timedelta(minutes=10)
        counts = []
        for _ in range(25):
            sim.tick()
            counts.append(moto_datapoint_count(stack.account_id, stack.region))
        per_tick = len(metric_data(sim.last_outcome, names))
        assert max(counts[15:]) <= 11 * per_tick + 5
        assert counts[-1] < counts[9] + per_tick  # flat once the window is full
        old = sim.now - timedelta(minutes=20)
        gone = sandbox_client("cloudwatch", server.endpoint, stack.region).get_metric_statistics(
            Namespace="AWS/Lambda",
            MetricName="Invocations",
            Dimensions=[{"Name": "FunctionName", "Value": names.function_name}],
            StartTime=start,
            EndTime=old,
            Period=PERIOD,
            Statistics=["Sum"],
        )["Datapoints"]
        assert gone == []
    finally:
        server.stop()
