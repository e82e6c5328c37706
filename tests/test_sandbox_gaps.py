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


# -- Lambda aliases and versions: what a blue-green rollout leans on ---------------------------

STALE_REVISION = (
    "The Revision Id provided does not match the latest Revision Id. "
    "Call the GetAlias API to retrieve the latest Revision Id"
)


@pytest.fixture
def prod(sandbox):
    """The PROD alias's client; afterwards the alias is back on stable with no routing."""
    client = sandbox.client("lambda")
    yield client
    client.update_alias(
        FunctionName=FUNCTION,
        Name="PROD",
        FunctionVersion=sandbox.stack.stable_version,
        RoutingConfig={"AdditionalVersionWeights": {}},
    )


def test_every_alias_write_changes_the_revision_and_a_stale_one_is_refused(prod, sandbox):
    stable, candidate = sandbox.stack.stable_version, sandbox.stack.candidate_version
    first = prod.get_alias(FunctionName=FUNCTION, Name="PROD")["RevisionId"]
    listed = prod.list_aliases(FunctionName=FUNCTION)["Aliases"]
    assert [a["RevisionId"] for a in listed if a["Name"] == "PROD"] == [first]

    shifted = prod.update_alias(
        FunctionName=FUNCTION,
        Name="PROD",
        RevisionId=first,
        RoutingConfig={"AdditionalVersionWeights": {candidate: 0.1}},
    )
    assert shifted["RevisionId"] != first
    assert prod.get_alias(FunctionName=FUNCTION, Name="PROD")["RevisionId"] == shifted["RevisionId"]

    # A second operator still holding the first revision cannot roll back over the shift.
    with pytest.raises(ClientError) as excinfo:
        prod.update_alias(
            FunctionName=FUNCTION,
            Name="PROD",
            RevisionId=first,
            FunctionVersion=stable,
            RoutingConfig={"AdditionalVersionWeights": {}},
        )
    assert _error(excinfo) == ("PreconditionFailedException", STALE_REVISION, 412)
    now = prod.get_alias(FunctionName=FUNCTION, Name="PROD")
    assert now["RoutingConfig"]["AdditionalVersionWeights"] == {candidate: 0.1}
    assert now["RevisionId"] == shifted["RevisionId"]

    # With the latest revision it goes through, and moves the revision on again.
    back = prod.update_alias(
        FunctionName=FUNCTION,
        Name="PROD",
        RevisionId=shifted["RevisionId"],
        FunctionVersion=stable,
        RoutingConfig={"AdditionalVersionWeights": {}},
    )
    assert back["RevisionId"] not in (first, shifted["RevisionId"])
    assert "RoutingConfig" not in back and back["FunctionVersion"] == stable
    # Without a RevisionId the write is unguarded (as on AWS), but still a new revision.
    unguarded = prod.update_alias(FunctionName=FUNCTION, Name="PROD", Description="production")
    assert unguarded["RevisionId"] != back["RevisionId"]
    prod.update_alias(FunctionName=FUNCTION, Name="PROD", Description="production traffic")


def test_a_new_alias_has_its_own_revision_and_its_routing_is_checked(prod, sandbox):
    stable, candidate = sandbox.stack.stable_version, sandbox.stack.candidate_version
    with pytest.raises(ClientError) as excinfo:
        prod.create_alias(
            FunctionName=FUNCTION,
            Name="BLUE",
            FunctionVersion=stable,
            RoutingConfig={"AdditionalVersionWeights": {stable: 0.5}},
        )
    assert _error(excinfo)[0] == "InvalidParameterValueException"
    assert "BLUE" not in {a["Name"] for a in prod.list_aliases(FunctionName=FUNCTION)["Aliases"]}
    created = prod.create_alias(FunctionName=FUNCTION, Name="BLUE", FunctionVersion=candidate)
    try:
        assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
        assert (
            created["RevisionId"]
            == prod.get_alias(FunctionName=FUNCTION, Name="BLUE")["RevisionId"]
        )
        assert (
            created["RevisionId"]
            != prod.get_alias(FunctionName=FUNCTION, Name="PROD")["RevisionId"]
        )
    finally:
        prod.delete_alias(FunctionName=FUNCTION, Name="BLUE")


@pytest.mark.parametrize(
    ("primary", "weights", "expected"),
    [
        (
            "{stable}",
            {"{candidate}": 0.1, "{stable}": 0.1},
            (
                "InvalidParameterValueException",
                "Number of items in AdditionalVersionWeights cannot be greater than 1",
                400,
            ),
        ),
        (
            "{stable}",
            {"{candidate}": 1.5},
            (
                "ValidationException",
                "1 validation error detected: Value '{{{candidate}=1.5}}' at "
                "'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map value "
                "must satisfy constraint: [Member must have value less than or equal to 1.0, "
                "Member must have value greater than or equal to 0.0, Member must not be null]",
                400,
            ),
        ),
        (
            "{stable}",
            {"{candidate}": -0.1},
            ("ValidationException", "Value '{{{candidate}=-0.1}}' at 'routingConfig", 400),
        ),
        (
            "{stable}",
            {"$LATEST": 0.1},
            ("ValidationException", "Member must satisfy regular expression pattern: [0-9]+", 400),
        ),
        (
            "{stable}",
            {"{stable}": 0.1},
            (
                "InvalidParameterValueException",
                "Invalid function version {stable}. Function version {stable} is already "
                "included in routing configuration.",
                400,
            ),
        ),
        (
            "$LATEST",
            {"{candidate}": 0.1},
            (
                "InvalidParameterValueException",
                "$LATEST is not supported for an alias pointing to more than 1 version",
                400,
            ),
        ),
        (
            "{stable}",
            {"42": 0.1},
            ("ResourceNotFoundException", "Function not found: {arn}:42", 404),
        ),
    ],
    ids=[
        "two-versions",
        "above-1",
        "below-0",
        "latest",
        "the-primary",
        "primary-latest",
        "unknown",
    ],
)
def test_routing_aws_refuses_is_refused_in_its_words(prod, sandbox, primary, weights, expected):
    """Sent past the SDK's own checks (botocore refuses a negative weight itself): the server
    must refuse what AWS refuses, whatever the client."""
    import boto3
    from botocore.config import Config

    unchecked = boto3.client(
        "lambda",
        endpoint_url=sandbox.endpoint,
        region_name=sandbox.region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(parameter_validation=False, retries={"max_attempts": 1}),
    )
    stack = sandbox.stack
    names = {"stable": stack.stable_version, "candidate": stack.candidate_version}
    names["arn"] = stack.function_arn

    def fill(text: str) -> str:
        return text.format(**names)

    before = prod.get_alias(FunctionName=FUNCTION, Name="PROD")
    with pytest.raises(ClientError) as excinfo:
        unchecked.update_alias(
            FunctionName=FUNCTION,
            Name="PROD",
            FunctionVersion=fill(primary),
            RoutingConfig={"AdditionalVersionWeights": {fill(k): w for k, w in weights.items()}},
        )
    code, message, status = _error(excinfo)
    want_code, want_words, want_status = expected
    assert (code, status) == (want_code, want_status)
    assert fill(want_words) in message
    after = prod.get_alias(FunctionName=FUNCTION, Name="PROD")
    assert after == {**before, "ResponseMetadata": after["ResponseMetadata"]}  # nothing changed


def test_moving_the_primary_onto_the_routed_version_is_refused(prod, sandbox):
    """Routing left out of an update stays as it was, so it is checked against the new primary."""
    candidate = sandbox.stack.candidate_version
    prod.update_alias(
        FunctionName=FUNCTION,
        Name="PROD",
        RoutingConfig={"AdditionalVersionWeights": {candidate: 0.1}},
    )
    with pytest.raises(ClientError) as excinfo:
        prod.update_alias(FunctionName=FUNCTION, Name="PROD", FunctionVersion=candidate)
    assert _error(excinfo) == (
        "InvalidParameterValueException",
        f"Invalid function version {candidate}. Function version {candidate} is already "
        "included in routing configuration.",
        400,
    )


def test_empty_weights_end_the_split_and_leaving_routing_out_keeps_it(prod, sandbox):
    stable, candidate = sandbox.stack.stable_version, sandbox.stack.candidate_version
    prod.update_alias(
        FunctionName=FUNCTION,
        Name="PROD",
        RoutingConfig={"AdditionalVersionWeights": {candidate: 0.3}},
    )
    kept = prod.update_alias(FunctionName=FUNCTION, Name="PROD", FunctionVersion=stable)
    assert kept["RoutingConfig"]["AdditionalVersionWeights"] == {candidate: 0.3}
    assert sandbox.tick()["last_tick"]["routing"] == {stable: 0.7, candidate: 0.3}

    cleared = prod.update_alias(
        FunctionName=FUNCTION,
        Name="PROD",
        FunctionVersion=stable,
        RoutingConfig={"AdditionalVersionWeights": {}},
    )
    assert "RoutingConfig" not in cleared
    assert "RoutingConfig" not in prod.get_alias(FunctionName=FUNCTION, Name="PROD")
    assert sandbox.tick()["last_tick"]["routing"] == {stable: 1.0}


def test_publish_version_refuses_code_that_is_not_latests(sandbox):
    lam = sandbox.client("lambda")
    versions = lam.list_versions_by_function(FunctionName=FUNCTION)["Versions"]
    latest = lam.get_function_configuration(FunctionName=FUNCTION)["CodeSha256"]
    stable_code = lam.get_function_configuration(
        FunctionName=FUNCTION, Qualifier=sandbox.stack.stable_version
    )["CodeSha256"]
    with pytest.raises(ClientError) as excinfo:
        lam.publish_version(FunctionName=FUNCTION, CodeSha256=stable_code)
    assert _error(excinfo) == (
        "InvalidParameterValueException",
        f"CodeSHA256 ({stable_code}) is different from current CodeSHA256 in $LATEST ({latest}). "
        "Please try again with the CodeSHA256 in $LATEST.",
        400,
    )
    assert lam.list_versions_by_function(FunctionName=FUNCTION)["Versions"] == versions
    # (The right CodeSha256 publishes: test_sandbox_candidates, on a sandbox of its own.)


def test_published_versions_report_their_own_code_and_description(sandbox):
    from todotui.sandbox.provision import code_sha256, handler_zip
    from todotui.sandbox.scenarios import DEFAULT_CANDIDATE

    lam = sandbox.client("lambda")
    stack = sandbox.stack

    def config(version: str) -> dict:
        return lam.get_function_configuration(FunctionName=FUNCTION, Qualifier=version)

    # provisioning's candidate is version 2 (a deploy scenario run earlier on this shared
    # sandbox, error-burst among them, may have published a newer candidate_version since)
    stable, candidate = config(stack.stable_version), config("2")
    assert (stable["CodeSha256"], stable["Description"]) == (
        code_sha256(handler_zip()),
        "stable release",
    )
    assert (candidate["CodeSha256"], candidate["Description"]) == (
        code_sha256(handler_zip(DEFAULT_CANDIDATE)),
        f"candidate: {DEFAULT_CANDIDATE.summary}",
    )


@pytest.fixture
def log_group(sandbox):
    """A log group of its own with a few lines (plain, JSON), deleted after the test."""
    import json
    import time

    logs = sandbox.client("logs")
    group = "/test/filter-patterns"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    lines = [
        "[ERROR]\t2026-01-01T00:00:00.000Z\tabc\tKeyError: 'title'",
        "2026-01-01T00:00:00.000Z abc Task timed out after 30.00 seconds",
        "[INFO]\t2026-01-01T00:00:00.000Z\tabc\tHandling list",
        *(
            json.dumps({"message": "Authentication:", "user": user, "result": result})
            for user, result in [("mallory", "FAILED"), ("alice", "SUCCEEDED"), ("bob", "FAILED")]
        ),
    ]
    now = int(time.time() * 1000)  # moto drops events older than 14 days
    logs.put_log_events(
        logGroupName=group,
        logStreamName="s",
        logEvents=[{"timestamp": now + i, "message": m} for i, m in enumerate(lines)],
    )
    yield logs, group
    logs.delete_log_group(logGroupName=group)


def _filtered(logs, group, pattern, **extra):
    pages = logs.get_paginator("filter_log_events").paginate(
        logGroupName=group, filterPattern=pattern, **extra
    )
    return [e["message"] for page in pages for e in page["events"]]


def test_filter_log_events_matches_json_patterns_as_aws(log_group):
    """moto matches a JSON pattern against every event; the sandbox only the matching ones,
    page by page (nextToken) as the cockpit reads them."""
    logs, group = log_group
    pattern = '{ $.message = "Authentication:*" && $.result = "FAILED" }'
    found = _filtered(logs, group, pattern)
    assert [m for m in found if "mallory" in m or "bob" in m] == found
    assert len(found) == 2
    assert len(_filtered(logs, group, pattern, PaginationConfig={"PageSize": 1})) == 2
    either = _filtered(logs, group, '?ERROR ?"Task timed out"')
    assert len(either) == 2 and "KeyError" in either[0] and "Task timed out" in either[1]


def test_filter_log_events_refuses_an_invalid_pattern(log_group):
    logs, group = log_group
    with pytest.raises(ClientError) as excinfo:
        logs.filter_log_events(logGroupName=group, filterPattern="{ $.result = }")
    code, message, status = _error(excinfo)
    assert (code, status) == ("InvalidParameterException", 400)
    assert message.startswith("Invalid filter pattern")
    with pytest.raises(ClientError) as excinfo:
        logs.filter_log_events(logGroupName=group, filterPattern="user@example.com")
    assert _error(excinfo) == (
        "InvalidParameterException",
        "Invalid character(s) in term 'user@example.com'",
        400,
    )
