"""moto's gaps, filled by the sandbox: plain boto3 calls get AWS's answers, not moto's.

Each test leaves the shared sandbox as it found it.
"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

pytestmark = pytest.mark.sandbox

FUNCTION = "todo-handler"


def _error(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    response = excinfo.value.response
    return (
        response["Error"]["Code"],
        response["Error"]["Message"],
        response["ResponseMetadata"]["HTTPStatusCode"],
    )


@pytest.fixture
def lam(sandbox):
    client = sandbox.client("lambda")
    yield client
    for config in client.list_provisioned_concurrency_configs(FunctionName=FUNCTION)[
        "ProvisionedConcurrencyConfigs"
    ]:
        client.delete_provisioned_concurrency_config(
            FunctionName=FUNCTION, Qualifier=config["FunctionArn"].rsplit(":", 1)[-1]
        )


def test_provisioned_concurrency_on_latest_is_refused_with_aws_error(lam):
    """The runbook's `--qualifier $LATEST` fails on AWS; the sandbox must not let it pass."""
    with pytest.raises(ClientError) as excinfo:
        lam.put_provisioned_concurrency_config(
            FunctionName=FUNCTION, Qualifier="$LATEST", ProvisionedConcurrentExecutions=10
        )
    assert _error(excinfo) == (
        "InvalidParameterValueException",
        "Provisioned Concurrency Configs cannot be applied to unpublished function versions.",
        400,
    )
    assert (
        lam.list_provisioned_concurrency_configs(FunctionName=FUNCTION)[
            "ProvisionedConcurrencyConfigs"
        ]
        == []
    )


@pytest.mark.parametrize("qualifier", ["99", "BLUE"])
def test_provisioned_concurrency_on_unknown_version_or_alias_is_not_found(lam, sandbox, qualifier):
    with pytest.raises(ClientError) as excinfo:
        lam.put_provisioned_concurrency_config(
            FunctionName=FUNCTION, Qualifier=qualifier, ProvisionedConcurrentExecutions=5
        )
    code, message, status = _error(excinfo)
    assert (code, status) == ("ResourceNotFoundException", 404)
    assert message == f"Function not found: {sandbox.stack.function_arn}:{qualifier}"


def test_provisioned_concurrency_on_unknown_function_is_not_found(lam):
    with pytest.raises(ClientError) as excinfo:
        lam.get_provisioned_concurrency_config(FunctionName="no-such-function", Qualifier="1")
    code, message, _ = _error(excinfo)
    assert code == "ResourceNotFoundException"
    assert "function:no-such-function" in message


def test_missing_config_is_reported_as_not_found(lam):
    with pytest.raises(ClientError) as excinfo:
        lam.get_provisioned_concurrency_config(FunctionName=FUNCTION, Qualifier="PROD")
    assert _error(excinfo)[0] == "ProvisionedConcurrencyConfigNotFoundException"


def test_provisioned_concurrency_goes_ready_after_a_simulated_minute(lam, sandbox):
    put = lam.put_provisioned_concurrency_config(
        FunctionName=FUNCTION, Qualifier="PROD", ProvisionedConcurrentExecutions=10
    )
    assert put["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert put["Status"] == "IN_PROGRESS"
    assert put["RequestedProvisionedConcurrentExecutions"] == 10
    assert put["AllocatedProvisionedConcurrentExecutions"] < 10

    sandbox.tick(1)  # one 60-second period

    got = lam.get_provisioned_concurrency_config(FunctionName=FUNCTION, Qualifier="PROD")
    assert got["Status"] == "READY"
    assert got["AllocatedProvisionedConcurrentExecutions"] == 10
    assert got["AvailableProvisionedConcurrentExecutions"] == 10
    listed = lam.list_provisioned_concurrency_configs(FunctionName=FUNCTION)[
        "ProvisionedConcurrencyConfigs"
    ]
    assert [(c["FunctionArn"], c["Status"]) for c in listed] == [
        (f"{sandbox.stack.function_arn}:PROD", "READY")
    ]

    lam.delete_provisioned_concurrency_config(FunctionName=FUNCTION, Qualifier="PROD")
    with pytest.raises(ClientError) as excinfo:
        lam.get_provisioned_concurrency_config(FunctionName=FUNCTION, Qualifier="PROD")
    assert _error(excinfo)[0] == "ProvisionedConcurrencyConfigNotFoundException"


def test_provisioned_concurrency_on_a_published_version(lam, sandbox):
    version = sandbox.stack.stable_version
    lam.put_provisioned_concurrency_config(
        FunctionName=FUNCTION, Qualifier=version, ProvisionedConcurrentExecutions=3
    )
    got = lam.get_provisioned_concurrency_config(FunctionName=FUNCTION, Qualifier=version)
    assert got["RequestedProvisionedConcurrentExecutions"] == 3
    assert got["Status"] == "IN_PROGRESS"


def test_throughput_on_a_pay_per_request_table_is_refused(sandbox):
    ddb = sandbox.client("dynamodb")
    with pytest.raises(ClientError) as excinfo:
        ddb.update_table(
            TableName="todos-audit",
            ProvisionedThroughput={"ReadCapacityUnits": 10, "WriteCapacityUnits": 10},
        )
    assert _error(excinfo) == (
        "ValidationException",
        "One or more parameter values were invalid: Neither ReadCapacityUnits nor "
        "WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST",
        400,
    )
    table = ddb.describe_table(TableName="todos-audit")["Table"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"


def test_unchanged_throughput_is_refused_and_a_real_change_applies(sandbox):
    ddb = sandbox.client("dynamodb")
    current = ddb.describe_table(TableName="todos-table")["Table"]["ProvisionedThroughput"]
    same = {k: current[k] for k in ("ReadCapacityUnits", "WriteCapacityUnits")}
    with pytest.raises(ClientError) as excinfo:
        ddb.update_table(TableName="todos-table", ProvisionedThroughput=same)
    code, message, _ = _error(excinfo)
    assert code == "ValidationException"
    assert message.startswith("The provisioned throughput for the table will not change.")

    raised = {k: v + 5 for k, v in same.items()}
    try:
        ddb.update_table(TableName="todos-table", ProvisionedThroughput=raised)
        after = ddb.describe_table(TableName="todos-table")["Table"]["ProvisionedThroughput"]
        assert after["ReadCapacityUnits"] == raised["ReadCapacityUnits"]
    finally:
        ddb.update_table(TableName="todos-table", ProvisionedThroughput=same)


def test_runbook_caching_path_is_refused_and_changes_nothing(sandbox):
    """`path=/caching/enabled` is the runbook's; AWS rejects it, moto would silently ignore it."""
    apigw = sandbox.client("apigateway")
    api_id = sandbox.stack.api_id
    with pytest.raises(ClientError) as excinfo:
        apigw.update_stage(
            restApiId=api_id,
            stageName="prod",
            patchOperations=[{"op": "replace", "path": "/caching/enabled", "value": "true"}],
        )
    code, message, status = _error(excinfo)
    assert (code, status) == ("BadRequestException", 400)
    assert message.startswith("Invalid method setting path: /caching/enabled. Must be one of: [")
    assert "/{resourcePath}/{httpMethod}/caching/enabled" in message
    stage = apigw.get_stage(restApiId=api_id, stageName="prod")
    assert not stage.get("cacheClusterEnabled")
    assert not stage.get("methodSettings", {}).get("*/*", {}).get("cachingEnabled")


def test_valid_caching_paths_reach_the_stage(sandbox):
    apigw = sandbox.client("apigateway")
    api_id = sandbox.stack.api_id

    def patch(enabled: str) -> dict:
        return apigw.update_stage(
            restApiId=api_id,
            stageName="prod",
            patchOperations=[
                {"op": "replace", "path": "/cacheClusterEnabled", "value": enabled},
                {"op": "replace", "path": "/cacheClusterSize", "value": "0.5"},
                {"op": "replace", "path": "/*/*/caching/enabled", "value": enabled},
                {"op": "replace", "path": "/*/*/caching/ttlInSeconds", "value": "300"},
            ],
        )

    try:
        patch("true")
        stage = apigw.get_stage(restApiId=api_id, stageName="prod")
        assert stage["cacheClusterEnabled"] is True
        assert stage["cacheClusterSize"] == "0.5"
        assert stage["methodSettings"]["*/*"]["cachingEnabled"] is True
        assert stage["methodSettings"]["*/*"]["cacheTtlInSeconds"] == 300
    finally:
        patch("false")


def test_account_settings_report_the_limit_less_reserved_concurrency(sandbox):
    lam = sandbox.client("lambda")
    before = lam.get_account_settings()["AccountLimit"]
    assert before["ConcurrentExecutions"] == 1000
    lam.put_function_concurrency(FunctionName="todo-handler", ReservedConcurrentExecutions=100)
    try:
        after = lam.get_account_settings()["AccountLimit"]
        assert (
            after["UnreservedConcurrentExecutions"]
            == before["UnreservedConcurrentExecutions"] - 100
        )
    finally:
        lam.delete_function_concurrency(FunctionName="todo-handler")
