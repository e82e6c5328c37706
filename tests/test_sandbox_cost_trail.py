"""The sandbox's Cost Explorer and CloudTrail, asked as a user would: the runbook's `aws`
commands, and boto3 with the same parameters. Amounts follow the simulated usage; every
write the sandbox serves is in the event history, with its caller and parameters."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.exceptions import ClientError

from todotui.sandbox.costs import PRICES

pytestmark = pytest.mark.sandbox

AWS_CLI = shutil.which("aws")


def sim_now(sandbox) -> datetime:
    return datetime.fromisoformat(sandbox.status()["sim_time"])


def client(sandbox, service: str, region: str | None = None, key: str = "testing"):
    """A plain boto3 client, as a user's (not the sandbox's own)."""
    return boto3.client(
        service,
        endpoint_url=sandbox.endpoint,
        region_name=region or sandbox.region,
        aws_access_key_id=key,
        aws_secret_access_key="testing",
    )


def aws(sandbox, *args: str) -> dict:
    """The aws CLI against the sandbox (with boto3's same call when the CLI is missing)."""
    assert AWS_CLI is not None
    env = {**os.environ, **sandbox.env}
    done = subprocess.run(
        [AWS_CLI, *args, "--output", "json"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout or "{}")


def error_of(excinfo) -> tuple[str, str]:
    error = excinfo.value.response["Error"]
    return error["Code"], error["Message"]


# -- Cost Explorer --------------------------------------------------------------------------------


@pytest.mark.skipif(AWS_CLI is None, reason="no aws CLI on this machine")
def test_the_runbooks_cost_command_answers_a_week_by_service(sandbox):
    sandbox.tick(2)
    today = sim_now(sandbox).date()
    answer = aws(
        sandbox,
        "ce",
        "get-cost-and-usage",
        "--time-period",
        f"Start={today - timedelta(days=7)},End={today}",
        "--granularity",
        "DAILY",
        "--metrics",
        "BlendedCost",
        "--group-by",
        "Type=DIMENSION,Key=SERVICE",
    )
    days = answer["ResultsByTime"]
    assert [d["TimePeriod"]["Start"] for d in days] == [
        (today - timedelta(days=7 - i)).isoformat() for i in range(7)
    ]
    assert answer["GroupDefinitions"] == [{"Type": "DIMENSION", "Key": "SERVICE"}]
    for day in days:
        services = {g["Keys"][0]: g["Metrics"]["BlendedCost"] for g in day["Groups"]}
        assert {"AWS Lambda", "Amazon API Gateway", "Amazon DynamoDB", "AmazonCloudWatch"} <= set(
            services
        )
        assert all(m["Unit"] == "USD" and float(m["Amount"]) > 0 for m in services.values())
        # The model's 24 requests a second at $3.50 a million: about $7 a day, weekends less.
        assert 3.0 < float(services["Amazon API Gateway"]["Amount"]) < 12.0
        assert day["Total"] == {}


def test_two_weeks_back_have_data_and_weekends_are_quieter(sandbox):
    ce = client(sandbox, "ce", "us-east-1")
    today = sim_now(sandbox).date()
    answer = ce.get_cost_and_usage(
        TimePeriod={"Start": str(today - timedelta(days=14)), "End": str(today)},
        Granularity="DAILY",
        Metrics=["UnblendedCost"],
    )
    totals = {
        datetime.fromisoformat(d["TimePeriod"]["Start"]).weekday(): float(
            d["Total"]["UnblendedCost"]["Amount"]
        )
        for d in answer["ResultsByTime"]
    }
    assert len(answer["ResultsByTime"]) == 14 and all(v > 0 for v in totals.values())
    assert totals[6] < totals[2] and totals[5] < totals[1]


def test_todays_lambda_usage_grows_with_the_ticks_by_what_they_ran(sandbox):
    """GB-seconds = invocations x duration x memory: what each tick reports, priced."""
    ce = client(sandbox, "ce", "us-east-1")

    def gb_seconds() -> float:
        today = sim_now(sandbox).date()
        answer = ce.get_cost_and_usage(
            TimePeriod={"Start": str(today), "End": str(today + timedelta(days=1))},
            Granularity="DAILY",
            Metrics=["UsageQuantity", "BlendedCost"],
            GroupBy=[{"Type": "DIMENSION", "Key": "USAGE_TYPE"}],
            Filter={"Dimensions": {"Key": "SERVICE", "Values": ["AWS Lambda"]}},
        )
        (day,) = answer["ResultsByTime"]
        assert day["Estimated"] is True
        groups = {g["Keys"][0]: g["Metrics"] for g in day["Groups"]}
        usage = groups["USW2-Lambda-GB-Second"]
        assert usage["UsageQuantity"]["Unit"] == "Lambda-GB-Second"
        cost = float(usage["BlendedCost"]["Amount"])
        quantity = float(usage["UsageQuantity"]["Amount"])
        assert cost == pytest.approx(quantity * PRICES["Lambda-GB-Second"][0], rel=1e-6)
        return quantity

    status = sandbox.status()
    if datetime.fromisoformat(status["sim_time"]).time() > datetime.min.time().replace(hour=23):
        sandbox.tick(61)  # never straddle midnight
    before = gb_seconds()
    expected = 0.0
    for _ in range(3):
        tick = sandbox.tick(1)["last_tick"]
        expected += tick["invocations"] * tick["duration_avg_ms"] / 1000 * tick["memory_mb"] / 1024
    assert gb_seconds() - before == pytest.approx(expected, rel=0.01)


def test_monthly_granularity_and_a_service_filter(sandbox):
    ce = client(sandbox, "ce", "us-east-1")
    today = sim_now(sandbox).date()
    start = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    answer = ce.get_cost_and_usage(
        TimePeriod={"Start": str(start), "End": str(today)},
        Granularity="MONTHLY",
        Metrics=["BlendedCost"],
        GroupBy=[{"Type": "DIMENSION", "Key": "SERVICE"}],
        Filter={"Dimensions": {"Key": "SERVICE", "Values": ["Amazon DynamoDB"]}},
    )
    assert answer["ResultsByTime"][0]["TimePeriod"]["Start"] == str(start)
    for result in answer["ResultsByTime"]:
        assert {g["Keys"][0] for g in result["Groups"]} <= {"Amazon DynamoDB"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"TimePeriod": {"Start": "2026-11-10", "End": "2026-11-10"}},
            "Start date (and hour) should be before end date (and hour)",
        ),
        ({"TimePeriod": {"Start": "2026-13-01", "End": "2026-11-10"}}, "Start date 2026-13-01"),
        ({"Metrics": ["Dollars"]}, "Metric Dollars is not supported"),
        ({"Granularity": "HOURLY"}, "Hourly granularity is not enabled"),
        ({"GroupBy": [{"Type": "TAG", "Key": "team"}]}, "GroupBy Type TAG is not supported"),
        (
            {"Filter": {"Not": {"Dimensions": {"Key": "SERVICE", "Values": ["AWS Lambda"]}}}},
            "This Filter is not supported",
        ),
    ],
)
def test_bad_requests_are_refused_in_cost_explorers_words(sandbox, change, message):
    ce = client(sandbox, "ce", "us-east-1")
    today = sim_now(sandbox).date()
    request = {
        "TimePeriod": {"Start": str(today - timedelta(days=3)), "End": str(today)},
        "Granularity": "DAILY",
        "Metrics": ["BlendedCost"],
        **change,
    }
    with pytest.raises(ClientError) as excinfo:
        ce.get_cost_and_usage(**request)
    code, text = error_of(excinfo)
    assert code == "ValidationException"
    assert message in text


# -- CloudTrail -----------------------------------------------------------------------------------


@pytest.mark.skipif(AWS_CLI is None, reason="no aws CLI on this machine")
def test_the_runbooks_cloudtrail_command_finds_the_seeded_create_user(sandbox):
    week_ago = (sim_now(sandbox) - timedelta(days=7)).date().isoformat()
    answer = aws(
        sandbox,
        "cloudtrail",
        "lookup-events",
        "--start-time",
        week_ago,
        "--lookup-attributes",
        "AttributeKey=EventName,AttributeValue=CreateUser",
    )
    (event,) = [e for e in answer["Events"] if e["Username"] == "alice"]
    record = json.loads(event["CloudTrailEvent"])
    assert event["EventName"] == record["eventName"] == "CreateUser"
    assert record["requestParameters"] == {"userName": "deploy-bot"}
    assert record["eventSource"] == "iam.amazonaws.com" and record["eventType"] == "AwsApiCall"
    assert event["Resources"] == [{"ResourceType": "AWS::IAM::User", "ResourceName": "deploy-bot"}]


def test_console_sign_ins_say_whether_mfa_was_used(sandbox):
    trail = client(sandbox, "cloudtrail")
    answer = trail.lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "ConsoleLogin"}]
    )
    seen = {
        (e["Username"], json.loads(e["CloudTrailEvent"])["additionalEventData"]["MFAUsed"])
        for e in answer["Events"]
    }
    assert {("alice", "Yes"), ("bob", "No")} <= seen
    record = json.loads(answer["Events"][0]["CloudTrailEvent"])
    assert record["eventType"] == "AwsConsoleSignIn"


def test_a_write_is_recorded_with_its_caller_time_and_parameters(sandbox, keep_memory):
    lam = client(sandbox, "lambda")
    lam.update_function_configuration(FunctionName="todo-handler", MemorySize=keep_memory + 64)
    when = sim_now(sandbox)
    events = client(sandbox, "cloudtrail").lookup_events(
        LookupAttributes=[{"AttributeKey": "ResourceName", "AttributeValue": "todo-handler"}],
        MaxResults=5,
    )["Events"]
    newest = events[0]
    record = json.loads(newest["CloudTrailEvent"])
    assert newest["EventName"] == "UpdateFunctionConfiguration20150331v2"
    assert newest["Username"] == "todotui-operator" and newest["AccessKeyId"] == "testing"
    assert newest["EventSource"] == "lambda.amazonaws.com" and newest["ReadOnly"] == "false"
    assert record["requestParameters"] == {
        "functionName": "todo-handler",
        "memorySize": keep_memory + 64,
    }
    assert record["userIdentity"]["userName"] == "todotui-operator"
    assert record["awsRegion"] == sandbox.region
    assert newest["EventTime"] == when  # the sandbox's simulated clock


def test_secrets_are_hidden_and_failed_writes_carry_their_error(sandbox):
    idp = client(sandbox, "cognito-idp")
    pool = sandbox.stack.user_pool_id
    user = "trail-test@example.com"  # of its own: the stack's users keep their passwords
    if not idp.list_users(UserPoolId=pool, Filter=f'email = "{user}"')["Users"]:
        idp.admin_create_user(
            UserPoolId=pool, Username=user, UserAttributes=[{"Name": "email", "Value": user}]
        )
    idp.admin_set_user_password(
        UserPoolId=pool, Username=user, Password="Sup3r-Secret!", Permanent=True
    )
    with pytest.raises(ClientError):
        client(sandbox, "dynamodb").update_table(
            TableName="no-such-table",
            ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
        )
    trail = client(sandbox, "cloudtrail")

    def newest(name: str) -> dict:
        events = trail.lookup_events(
            LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": name}], MaxResults=1
        )["Events"]
        return json.loads(events[0]["CloudTrailEvent"])

    password = newest("AdminSetUserPassword")
    assert password["requestParameters"]["password"] == "HIDDEN_DUE_TO_SECURITY_REASONS"
    assert "Sup3r-Secret!" not in json.dumps(password)
    failed = newest("UpdateTable")
    assert failed["errorCode"] == "ResourceNotFoundException"
    assert failed["requestParameters"]["tableName"] == "no-such-table"


def test_reads_are_not_recorded_and_a_new_keys_user_is_named(sandbox):
    iam = client(sandbox, "iam", "us-east-1")
    iam.create_user(UserName="ci-bot")
    key = iam.create_access_key(UserName="ci-bot")["AccessKey"]
    logs = client(sandbox, "logs", key=key["AccessKeyId"])
    logs.create_log_group(logGroupName="/ci-bot/builds")
    logs.describe_log_groups(logGroupNamePrefix="/ci-bot/")
    trail = client(sandbox, "cloudtrail")
    by_key = trail.lookup_events(
        LookupAttributes=[{"AttributeKey": "AccessKeyId", "AttributeValue": key["AccessKeyId"]}]
    )["Events"]
    assert [(e["EventName"], e["Username"]) for e in by_key] == [("CreateLogGroup", "ci-bot")]
    created = trail.lookup_events(
        LookupAttributes=[{"AttributeKey": "Username", "AttributeValue": "todotui-operator"}],
        MaxResults=10,
    )["Events"]
    assert {"CreateUser", "CreateAccessKey"} <= {e["EventName"] for e in created}
    assert not [e for e in created if e["EventName"].startswith(("Describe", "Get", "List"))]
    assert (
        trail.lookup_events(
            LookupAttributes=[{"AttributeKey": "ReadOnly", "AttributeValue": "true"}]
        )["Events"]
        == []
    )


def test_pages_are_newest_first_and_the_paginator_reads_them_all(sandbox):
    trail = client(sandbox, "cloudtrail")
    start = sim_now(sandbox) - timedelta(days=8)
    pages = trail.get_paginator("lookup_events").paginate(
        StartTime=start, PaginationConfig={"PageSize": 3}
    )
    events = [e for page in pages for e in page["Events"]]
    one_call = trail.lookup_events(StartTime=start, MaxResults=50)["Events"]
    assert len(events) > 6
    assert [e["EventId"] for e in events[: len(one_call)]] == [e["EventId"] for e in one_call]
    times = [e["EventTime"] for e in events]
    assert times == sorted(times, reverse=True)
    assert len({e["EventId"] for e in events}) == len(events)


@pytest.mark.parametrize(
    ("params", "code"),
    [
        (
            {
                "LookupAttributes": [
                    {"AttributeKey": "EventName", "AttributeValue": "CreateUser"},
                    {"AttributeKey": "Username", "AttributeValue": "alice"},
                ]
            },
            "InvalidLookupAttributesException",
        ),
        ({"MaxResults": 51}, "InvalidMaxResultsException"),
        (
            {
                "StartTime": datetime(2026, 11, 20, tzinfo=UTC),
                "EndTime": datetime(2026, 11, 10, tzinfo=UTC),
            },
            "InvalidTimeRangeException",
        ),
        ({"NextToken": "not-a-token"}, "InvalidNextTokenException"),
    ],
)
def test_bad_lookups_are_refused_in_cloudtrails_words(sandbox, params, code):
    with pytest.raises(ClientError) as excinfo:
        client(sandbox, "cloudtrail").lookup_events(**params)
    assert error_of(excinfo)[0] == code


@pytest.mark.skipif(AWS_CLI is None, reason="no aws CLI on this machine")
def test_writes_in_every_protocol_are_named_and_their_resources_kept(sandbox):
    """The aws CLI's CloudWatch call and boto3's (another protocol) are both recorded."""
    aws(
        sandbox,
        "cloudwatch",
        "put-metric-alarm",
        "--alarm-name",
        "review-test-alarm",
        "--namespace",
        "AWS/Lambda",
        "--metric-name",
        "Errors",
        "--statistic",
        "Sum",
        "--period",
        "60",
        "--evaluation-periods",
        "1",
        "--threshold",
        "1000000",
        "--comparison-operator",
        "GreaterThanThreshold",
    )
    client(sandbox, "cloudwatch").delete_alarms(AlarmNames=["review-test-alarm"])
    events = client(sandbox, "cloudtrail").lookup_events(
        LookupAttributes=[{"AttributeKey": "ResourceName", "AttributeValue": "review-test-alarm"}]
    )["Events"]
    assert [e["EventName"] for e in events] == ["DeleteAlarms", "PutMetricAlarm"]
    assert all(e["EventSource"] == "monitoring.amazonaws.com" for e in events)
    put = json.loads(events[1]["CloudTrailEvent"])
    assert put["requestParameters"]["alarmName"] == "review-test-alarm"
    assert put["userAgent"].startswith("aws-cli/")
