"""The sandbox as a user meets it: the process, its endpoint, the stack, the CLI, the controls."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

import boto3
import pytest

from todotui.sandbox.controller import Sandbox, SandboxError
from todotui.sandbox.scenarios import SCENARIOS
from todotui.stack_names import StackNames

WAIT = 60.0  # seconds allowed for a process to start or stop (never asserted as a timing)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead too (its parent has not reaped it yet).
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def _wait_dead(pid: int) -> bool:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.1)
    return False


def _plain_client(sandbox: Sandbox, service: str):
    """boto3 as any user would configure it from the environment the sandbox prints."""
    env = sandbox.env
    return boto3.session.Session().client(
        service,
        endpoint_url=env["AWS_ENDPOINT_URL"],
        region_name=env["AWS_DEFAULT_REGION"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
    )


def _todotui(*args: str, env: dict[str, str] | None = None, timeout: float = WAIT):
    return subprocess.run(
        [sys.executable, "-m", "todotui", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


# -- the shared sandbox ---------------------------------------------------------------------------


def test_endpoint_listens_on_loopback_only(sandbox):
    url = urlparse(sandbox.endpoint)
    assert url.hostname == "127.0.0.1"
    tcp = Path("/proc/net/tcp")
    if not tcp.exists():
        pytest.skip("needs Linux's /proc/net/tcp to see the bound address")
    listening = [
        line.split()[1]
        for line in tcp.read_text().splitlines()[1:]
        if line.split()[3] == "0A" and int(line.split()[1].split(":")[1], 16) == url.port
    ]
    assert listening == [f"0100007F:{url.port:04X}"]  # 127.0.0.1, not 0.0.0.0


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="reads /proc/<pid>/maps")
def test_the_sandbox_process_runs_without_pydantic(sandbox):
    """The child reads its stack's names without the settings model: pydantic's import and
    schemas would be ~0.2-0.5 s of every demo's start, before moto's."""
    import pydantic_core  # the probe sees it where it is loaded: in this process

    assert Path(pydantic_core._pydantic_core.__file__).name in Path("/proc/self/maps").read_text()
    child = Path(f"/proc/{sandbox.pid}/maps").read_text()
    assert "pyexpat" in child  # moto's XML replies: the child's extensions are listed
    assert "pydantic_core" not in child


def test_stack_exists_under_the_runbook_names(sandbox):
    lam = _plain_client(sandbox, "lambda")
    function = lam.get_function(FunctionName="todo-handler")["Configuration"]
    assert function["MemorySize"] == 128
    versions = [
        v["Version"] for v in lam.list_versions_by_function(FunctionName="todo-handler")["Versions"]
    ]
    # stable and the default candidate; a test that ran error-burst on this shared sandbox
    # has published (and rolled back from) one more
    assert versions[:3] == ["$LATEST", "1", "2"]
    alias = lam.get_alias(FunctionName="todo-handler", Name="PROD")
    assert alias["FunctionVersion"] == "1"

    ddb = _plain_client(sandbox, "dynamodb")
    table = ddb.describe_table(TableName="todos-table")["Table"]
    assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 5
    assert table["ProvisionedThroughput"]["WriteCapacityUnits"] == 5
    assert [(k["AttributeName"], k["KeyType"]) for k in table["KeySchema"]] == [
        ("userId", "HASH"),
        ("todoId", "RANGE"),
    ]
    audit = ddb.describe_table(TableName="todos-audit")["Table"]
    assert audit["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"

    apigw = _plain_client(sandbox, "apigateway")
    api = next(a for a in apigw.get_rest_apis()["items"] if a["name"] == "todo-api")
    assert [s["stageName"] for s in apigw.get_stages(restApiId=api["id"])["item"]] == ["prod"]
    authorizers = apigw.get_authorizers(restApiId=api["id"])["items"]
    assert [a["type"] for a in authorizers] == ["COGNITO_USER_POOLS"]
    methods = {
        (r["path"], m)
        for r in apigw.get_resources(restApiId=api["id"], embed=["methods"])["items"]
        for m in r.get("resourceMethods", {})
    }
    assert methods == {
        ("/todos", "GET"),
        ("/todos", "POST"),
        ("/todos/{id}", "GET"),
        ("/todos/{id}", "PUT"),
        ("/todos/{id}", "DELETE"),
    }

    idp = _plain_client(sandbox, "cognito-idp")
    pools = idp.list_user_pools(MaxResults=60)["UserPools"]
    pool = next(p for p in pools if p["Name"] == "todo-users")
    client = idp.list_user_pool_clients(UserPoolId=pool["Id"], MaxResults=10)["UserPoolClients"][0]
    assert client["ClientName"] == "todo-web"
    users = {u["Username"] for u in idp.list_users(UserPoolId=pool["Id"])["Users"]}
    assert {"test@example.com", "mallory@example.com"} <= users
    auth = idp.admin_initiate_auth(
        UserPoolId=pool["Id"],
        ClientId=client["ClientId"],
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "test@example.com", "PASSWORD": "TestPassword123!"},
    )
    assert auth["AuthenticationResult"]["AccessToken"]

    logs = _plain_client(sandbox, "logs")
    groups = {g["logGroupName"] for g in logs.describe_log_groups()["logGroups"]}
    assert {"/aws/lambda/todo-handler", "/aws/operational/emergency",
            f"API-Gateway-Execution-Logs_{api['id']}/prod"} <= groups  # fmt: skip


def test_alarms_follow_the_runbook_and_notify_the_topic(sandbox):
    cw = _plain_client(sandbox, "cloudwatch")
    topic_arn = sandbox.stack.topic_arn
    assert topic_arn.endswith(":todo-app-alerts-dev")
    alarms = {
        a["AlarmName"]: a
        for a in cw.describe_alarms(
            AlarmNames=[
                "todo-lambda-error-rate-dev",
                "todo-lambda-duration-dev",
                "todo-dynamodb-throttles-dev",
            ]
        )["MetricAlarms"]
    }
    assert len(alarms) == 3
    for alarm in alarms.values():
        assert alarm["AlarmActions"] == [topic_arn]
        assert alarm["OKActions"] == [topic_arn]
        assert alarm["TreatMissingData"]
    duration = alarms["todo-lambda-duration-dev"]
    assert (duration["MetricName"], duration["Statistic"], duration["Threshold"]) == (
        "Duration",
        "Average",
        8000.0,
    )
    assert duration["ComparisonOperator"] == "GreaterThanThreshold"
    assert duration["EvaluationPeriods"] == 2
    assert duration["Period"] == 60  # the fixture's 60-second period
    error_rate = alarms["todo-lambda-error-rate-dev"]
    expressions = [m["Expression"] for m in error_rate["Metrics"] if m.get("ReturnData")]
    assert expressions == ["100*m1/m2"]
    assert error_rate["Threshold"] == 5.0
    throttles = alarms["todo-dynamodb-throttles-dev"]
    assert throttles["Namespace"] == "AWS/DynamoDB"
    assert {"Name": "TableName", "Value": "todos-table"} in throttles["Dimensions"]


def test_messages_to_the_alerts_topic_can_be_read_back(sandbox):
    stack = sandbox.stack
    _plain_client(sandbox, "sns").publish(
        TopicArn=stack.topic_arn, Subject="TodoApp Emergency Alert", Message="[test] readback"
    )
    sqs = _plain_client(sandbox, "sqs")
    bodies = []
    for _ in range(5):
        messages = sqs.receive_message(QueueUrl=stack.queue_url, MaxNumberOfMessages=10).get(
            "Messages", []
        )
        for message in messages:
            sqs.delete_message(QueueUrl=stack.queue_url, ReceiptHandle=message["ReceiptHandle"])
            bodies.append(json.loads(message["Body"]))
        if any(b.get("Message") == "[test] readback" for b in bodies):
            break
    assert any(b.get("Message") == "[test] readback" for b in bodies)


def test_status_reports_where_the_sandbox_stands(sandbox):
    before = sandbox.status()
    after = sandbox.tick(2)
    assert after["ticks"] == before["ticks"] + 2
    assert after["mode"] == "manual"
    assert after["period"] == 60
    assert after["endpoint"] == sandbox.endpoint
    assert after["scenario"] in SCENARIOS
    assert after["scenario_summary"] == SCENARIOS[after["scenario"]].summary
    moved = datetime.fromisoformat(after["sim_time"]) - datetime.fromisoformat(before["sim_time"])
    assert moved.total_seconds() == 120
    assert after["stack"]["api_id"] == sandbox.stack.api_id
    assert after["names"]["table_name"] == "todos-table"


def test_scenario_switches_through_the_control_api(steady_sandbox):
    assert steady_sandbox.set_scenario("spike")["scenario"] == "spike"
    assert steady_sandbox.status()["scenario"] == "spike"
    with pytest.raises(SandboxError, match="choose one of: steady, spike"):
        steady_sandbox.set_scenario("meteor-strike")
    assert steady_sandbox.status()["scenario"] == "spike"


def test_control_api_refuses_bad_requests_with_json_errors(sandbox):
    def post(route: str, body: bytes) -> tuple[int, dict]:
        request = urllib.request.Request(f"{sandbox.endpoint}/_sandbox/{route}", data=body)
        try:
            with urllib.request.urlopen(request, timeout=WAIT) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    assert post("tick", b'{"count": 0}')[0] == 400
    assert post("tick", b"not json")[0] == 400
    status, body = post("rewind", b"{}")
    assert status == 404 and "/_sandbox/status" in body["error"]


def test_todotui_scenario_switches_a_running_sandbox(steady_sandbox):
    done = _todotui("scenario", "error-burst", env={"AWS_ENDPOINT_URL": steady_sandbox.endpoint})
    assert done.returncode == 0, done.stderr
    assert "error-burst" in done.stdout
    assert steady_sandbox.status()["scenario"] == "error-burst"


def test_todotui_scenario_lists_every_scenario_with_its_summary():
    done = _todotui("scenario")
    assert done.returncode == 0
    for scenario in SCENARIOS.values():
        assert f"{scenario.name}" in done.stdout
        assert scenario.summary in done.stdout


def test_todotui_scenario_refuses_an_unknown_name_in_one_line():
    done = _todotui("--endpoint-url", "http://127.0.0.1:9", "scenario", "meteor-strike")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "choose one of: steady, spike" in done.stderr


def test_todotui_scenario_without_a_sandbox_fails_in_one_line():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    done = _todotui("--endpoint-url", f"http://127.0.0.1:{port}", "scenario", "spike")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert f"cannot reach a sandbox at http://127.0.0.1:{port}" in done.stderr


# -- bad input on the command line ---------------------------------------------------------------


@pytest.mark.sandbox  # runs `todotui sandbox` (which stops at the bad flag)
@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (["--scenario", "meteor-strike"], "choose one of: steady, spike, error-burst"),
        (["--period", "7"], "choose 1, 5, 10, 30 or a multiple of 60"),
        (["--period", "-5"], "choose 1, 5, 10, 30 or a multiple of 60"),
        (["--host", "0.0.0.0"], "loopback only"),
        (["--backfill", "-1"], "--backfill -1"),
        (["--history-days", "15"], "--history-days 15: choose 0 to 14"),
    ],
)
def test_bad_sandbox_flags_fail_in_one_line(flags, expected):
    done = _todotui("sandbox", *flags)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1, done.stderr
    assert expected in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.sandbox  # runs `todotui sandbox` (which stops at the bad file)
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[stack]\nalias = 3\n", "stack.alias: should be a string"),  # read by the sandbox
        ("[thresholds]\nerror_rate_warn_pct = 900\n", "thresholds.error_rate_warn_pct"),  # full
    ],
)
def test_a_bad_settings_file_stops_the_sandbox_in_one_line(tmp_path, text, expected):
    path = tmp_path / "settings.toml"
    path.write_text(text)
    done = _todotui("--config", str(path), "sandbox", "--manual")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1, done.stderr
    assert expected in done.stderr and "Traceback" not in done.stderr


@pytest.mark.sandbox
def test_busy_port_fails_in_one_line():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = _todotui("sandbox", "--manual", "--port", str(port))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1, done.stderr
    assert f"--port {port}" in done.stderr and "Traceback" not in done.stderr


# -- processes ----------------------------------------------------------------------------------


@pytest.mark.sandbox
def test_other_stack_names_with_backfilled_history_and_stop_leaves_no_process():
    names = StackNames(
        function_name="orders-fn",
        alias="LIVE",
        table_name="orders",
        ondemand_table_name="orders-audit",
        api_name="orders-api",
        stage_name="v1",
        alerts_topic="orders-alerts",
        error_alarm="orders-errors",
        duration_alarm="orders-duration",
        throttle_alarm="orders-throttles",
        log_group="/aws/lambda/orders-fn",
    )
    with Sandbox(period=5, backfill=3, names=names) as other:  # auto mode
        pid = other.pid
        status = other.wait_for_history()
        assert status["mode"] == "auto" and status["ticks"] >= 3
        assert status["tick_error"] is None
        history = _plain_client(other, "cloudwatch").get_metric_statistics(
            Namespace="AWS/Lambda",
            MetricName="Invocations",
            Dimensions=[{"Name": "FunctionName", "Value": "orders-fn"}],
            StartTime=datetime.fromisoformat(status["sim_time"]) - timedelta(minutes=5),
            EndTime=datetime.fromisoformat(status["sim_time"]),
            Period=5,
            Statistics=["Sum"],
        )["Datapoints"]
        assert len(history) >= 3  # the backfilled periods, pushed by the simulator
        lam = _plain_client(other, "lambda")
        assert lam.get_alias(FunctionName="orders-fn", Name="LIVE")["FunctionVersion"] == "1"
        ddb = _plain_client(other, "dynamodb")
        assert ddb.list_tables()["TableNames"] == ["orders", "orders-audit"]
        apigw = _plain_client(other, "apigateway")
        [api] = apigw.get_rest_apis()["items"]
        assert api["name"] == "orders-api"
        assert apigw.get_stage(restApiId=api["id"], stageName="v1")["stageName"] == "v1"
        alarms = _plain_client(other, "cloudwatch").describe_alarms()["MetricAlarms"]
        assert {a["AlarmName"] for a in alarms} == {
            "orders-errors",
            "orders-duration",
            "orders-throttles",
        }
        assert other.status()["names"]["function_name"] == "orders-fn"
    assert _wait_dead(pid)
    with pytest.raises(SandboxError, match="not running"):
        other.status()


@pytest.mark.sandbox
def test_cli_sandbox_runs_until_sigterm_and_exits_cleanly(tmp_path):
    stderr_path = tmp_path / "stderr"
    with open(stderr_path, "w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "todotui", "sandbox", "--manual", "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
    try:
        endpoint_line = process.stdout.readline()
        assert endpoint_line.startswith("endpoint: http://127.0.0.1:")
        endpoint = endpoint_line.split(": ", 1)[1].strip()
        env_lines = [process.stdout.readline().strip() for _ in range(4)]
        assert env_lines == [
            f"export AWS_ENDPOINT_URL={endpoint}",
            "export AWS_ACCESS_KEY_ID=testing",
            "export AWS_SECRET_ACCESS_KEY=testing",
            "export AWS_DEFAULT_REGION=us-west-2",
        ]
        assert process.stdout.readline().startswith("scenario: steady: ")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=WAIT) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
    assert "Traceback" not in stderr_path.read_text()
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{endpoint}/_sandbox/status", timeout=5)


@pytest.mark.sandbox
def test_sandbox_dies_with_its_parent(tmp_path):
    """A test runner killed mid-way (SIGKILL: no cleanup at all) leaves no sandbox behind."""
    parent_script = textwrap.dedent(
        """
        import sys, time
        from todotui.sandbox.controller import Sandbox
        sandbox = Sandbox(manual=True, period=60)
        sandbox.start()
        print(sandbox.pid, flush=True)
        time.sleep(600)
        """
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", parent_script], stdout=subprocess.PIPE, text=True
    )
    child_pid = None
    try:
        child_pid = int(parent.stdout.readline())
        assert _alive(child_pid)
        parent.kill()
        parent.wait(timeout=WAIT)
        assert _wait_dead(child_pid)
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        parent.stdout.close()
        if child_pid is not None and _alive(child_pid):
            os.kill(child_pid, signal.SIGKILL)  # never leave it running, even when failing
