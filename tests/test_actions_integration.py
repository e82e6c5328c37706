"""Every action against the sandbox: the plan shows live state, run() changes the sandbox (read
back with plain boto3), the journal holds intent and outcome with AWS request ids, undo restores.

The session sandbox is shared: each test puts back what it changed.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from actions_support import (
    journal_lines,
    mutating_requests,
    open_runner,
    use_sandbox_credentials,
)
from todotui.actions import InvalidInput, OutcomeStatus, Risk
from todotui.actions.cloudwatch_actions import PUT_ALARM_FIELDS
from todotui.actions.runner import ActionRunner
from todotui.config import Limits

pytestmark = pytest.mark.sandbox


@pytest.fixture(autouse=True)
def _credentials(monkeypatch, sandbox):
    use_sandbox_credentials(monkeypatch, sandbox)


# -- Putting the shared sandbox back, pass or fail ---------------------------------------------
# Each fixture reads what its test may change before the test runs, and after it (failed or not)
# puts back whatever differs, with plain boto3. A test's own undo is what it checks; these are
# what keeps a failure from changing the sandbox for every later test.


def _throughput(ddb, table: str) -> tuple[int, int]:
    pt = ddb.describe_table(TableName=table)["Table"]["ProvisionedThroughput"]
    return pt["ReadCapacityUnits"], pt["WriteCapacityUnits"]


@pytest.fixture
def keep_capacity(sandbox):
    ddb, table = sandbox.client("dynamodb"), sandbox.names.table_name
    start = _throughput(ddb, table)
    yield start
    if _throughput(ddb, table) != start:
        ddb.update_table(
            TableName=table,
            ProvisionedThroughput={"ReadCapacityUnits": start[0], "WriteCapacityUnits": start[1]},
        )


@pytest.fixture
def keep_on_demand(sandbox):
    ddb, table = sandbox.client("dynamodb"), sandbox.names.ondemand_table_name

    def mode() -> str:
        return (
            ddb.describe_table(TableName=table)["Table"]
            .get("BillingModeSummary", {})
            .get("BillingMode", "PROVISIONED")
        )

    start = mode()
    yield
    if start == "PAY_PER_REQUEST" and mode() != start:
        ddb.update_table(TableName=table, BillingMode="PAY_PER_REQUEST")


@pytest.fixture
def keep_concurrency(sandbox):
    """Provisioned concurrency a test adds is removed; reserved concurrency is put back."""
    lam, name = sandbox.client("lambda"), sandbox.names.function_name

    def provisioned() -> set[str]:
        configs = lam.list_provisioned_concurrency_configs(FunctionName=name)[
            "ProvisionedConcurrencyConfigs"
        ]
        return {config["FunctionArn"].rsplit(":", 1)[-1] for config in configs}

    reserved = lam.get_function_concurrency(FunctionName=name).get("ReservedConcurrentExecutions")
    qualifiers = provisioned()
    yield
    for qualifier in provisioned() - qualifiers:
        lam.delete_provisioned_concurrency_config(FunctionName=name, Qualifier=qualifier)
    now = lam.get_function_concurrency(FunctionName=name).get("ReservedConcurrentExecutions")
    if now != reserved:
        if reserved is None:
            lam.delete_function_concurrency(FunctionName=name)
        else:
            lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=reserved)


@pytest.fixture
def keep_stage_cache(sandbox):
    apigw, api_id, stage_name = (
        sandbox.client("apigateway"),
        sandbox.stack.api_id,
        sandbox.names.stage_name,
    )

    def cache() -> tuple:
        stage = apigw.get_stage(restApiId=api_id, stageName=stage_name)
        every = stage.get("methodSettings", {}).get("*/*", {})
        return (
            bool(stage.get("cacheClusterEnabled")),
            stage.get("cacheClusterSize"),
            bool(every.get("cachingEnabled")),
            every.get("cacheTtlInSeconds"),
        )

    start = cache()
    yield
    if cache() != start:
        enabled, size, caching, ttl = start
        operations = [
            {"op": "replace", "path": "/cacheClusterEnabled", "value": str(enabled).lower()},
            {"op": "replace", "path": "/*/*/caching/enabled", "value": str(caching).lower()},
        ]
        if size is not None:
            operations.append({"op": "replace", "path": "/cacheClusterSize", "value": size})
        if ttl is not None:
            operations.append(
                {"op": "replace", "path": "/*/*/caching/ttlInSeconds", "value": str(ttl)}
            )
        apigw.update_stage(restApiId=api_id, stageName=stage_name, patchOperations=operations)
        assert cache()[0::2] == start[0::2], "the stage's caching is off again"


@pytest.fixture
def keep_users_enabled(sandbox):
    idp, stack = sandbox.client("cognito-idp"), sandbox.stack
    users = [
        user
        for user in dict.fromkeys((stack.compromised_user, *stack.users))
        if idp.admin_get_user(UserPoolId=stack.user_pool_id, Username=user)["Enabled"]
    ]
    yield
    for user in users:
        if not idp.admin_get_user(UserPoolId=stack.user_pool_id, Username=user)["Enabled"]:
            idp.admin_enable_user(UserPoolId=stack.user_pool_id, Username=user)


@pytest.fixture
def keep_tables_and_backups(sandbox):
    """Tables and backups a test creates are deleted afterwards."""
    ddb = sandbox.client("dynamodb")
    tables = set(ddb.list_tables()["TableNames"])
    backups = {b["BackupArn"] for b in ddb.list_backups()["BackupSummaries"]}
    yield
    for table in set(ddb.list_tables()["TableNames"]) - tables:
        ddb.delete_table(TableName=table)
    for backup in {b["BackupArn"] for b in ddb.list_backups()["BackupSummaries"]} - backups:
        ddb.delete_backup(BackupArn=backup)


@pytest.fixture
def keep_duration_alarm(sandbox):
    cw, name = sandbox.client("cloudwatch"), sandbox.names.duration_alarm
    [start] = cw.describe_alarms(AlarmNames=[name])["MetricAlarms"]
    yield
    [now] = cw.describe_alarms(AlarmNames=[name])["MetricAlarms"]
    if now["Threshold"] != start["Threshold"]:
        definition = {k: start[k] for k in PUT_ALARM_FIELDS if k in start}
        if not definition.get("Metrics"):
            definition.pop(
                "Metrics", None
            )  # a plain metric alarm: Metrics and MetricName exclude each other
        cw.put_metric_alarm(**definition)


def _records(tmp_path, record_id):
    return [r for r in journal_lines(tmp_path / "journal.jsonl") if r["record_id"] == record_id]


def assert_journaled(tmp_path, outcome, result="succeeded", *, request_id=True):
    records = _records(tmp_path, outcome.record_id)
    kinds = [r["kind"] for r in records]
    assert kinds[:2] == ["intent", "outcome"], kinds
    intent, out = records[0], records[1]
    assert intent["caller"].startswith("arn:aws:")
    assert intent["action"] == outcome.action_id and intent["target"] == outcome.target
    assert out["result"] == result
    assert out["request_ids"] == list(outcome.request_ids)
    if request_id:
        assert out["request_ids"], "the outcome record carries AWS's request id(s)"
    return intent, out


async def _run_with_confirm(runner: ActionRunner, plan, **kwargs):
    typed = plan.confirm_text if plan.risk.needs_typed_confirmation else None
    return await runner.run(plan, typed_confirmation=typed, **kwargs)


async def test_lambda_memory_change_and_undo(sandbox, tmp_path, keep_memory):
    lam = sandbox.client("lambda")
    name = sandbox.names.function_name
    start = lam.get_function_configuration(FunctionName=name)["MemorySize"]
    async with open_runner(sandbox, tmp_path) as (runner, _):
        plan = await runner.prepare("lambda-memory", {"memory_mb": str(start + 128)})
        assert plan.before == (("Memory", f"{start} MB"),)
        assert plan.cli == (
            f"aws lambda update-function-configuration --function-name {name} --memory-size {start + 128} "
            f"--region {sandbox.region} --endpoint-url {sandbox.endpoint}",
        )
        outcome = await runner.run(plan)
        assert outcome.ok and outcome.verified, outcome
        assert lam.get_function_configuration(FunctionName=name)["MemorySize"] == start + 128
        intent, _ = assert_journaled(tmp_path, outcome)
        assert intent["parameters"] == {"memory_mb": start + 128}
        assert intent["before"] == [["Memory", f"{start} MB"]]

        undo = await runner.undo_plan(outcome.record_id)
        assert undo.undo_of == outcome.record_id and undo.after == (("Memory", f"{start} MB"),)
        undone = await runner.run(undo)
        assert undone.ok and undone.verified
        assert lam.get_function_configuration(FunctionName=name)["MemorySize"] == start
        assert [e.action_id for e in runner.history()] == ["lambda-memory", "lambda-memory"]
        assert runner.history()[1].intent["undo_of"] == outcome.record_id


async def test_dynamodb_capacity_raise_then_undo_is_a_typed_decrease(
    sandbox, tmp_path, keep_capacity
):
    ddb = sandbox.client("dynamodb")
    table = sandbox.names.table_name
    pt = ddb.describe_table(TableName=table)["Table"]["ProvisionedThroughput"]
    read, write = pt["ReadCapacityUnits"], pt["WriteCapacityUnits"]
    async with open_runner(sandbox, tmp_path) as (runner, _):
        plan = await runner.prepare(
            "dynamodb-capacity", {"table": table, "read": str(read * 2), "write": str(write * 2)}
        )
        assert plan.before == (
            ("Read capacity", f"{read} units/s"),
            ("Write capacity", f"{write} units/s"),
        )
        assert plan.risk is Risk.LOW
        assert dict(plan.context)["Decreases today"].isdigit()
        assert f"ReadCapacityUnits={read * 2},WriteCapacityUnits={write * 2}" in plan.cli[0]
        outcome = await runner.run(plan)
        assert outcome.ok and outcome.verified, outcome
        now = ddb.describe_table(TableName=table)["Table"]["ProvisionedThroughput"]
        assert (now["ReadCapacityUnits"], now["WriteCapacityUnits"]) == (read * 2, write * 2)
        assert_journaled(tmp_path, outcome)

        undo = await runner.undo_plan(outcome.record_id)
        assert undo.risk is Risk.DESTRUCTIVE, "a decrease is confirmed by typing the table's name"
        assert any("decrease" in w for w in undo.warnings)
        refused = await runner.run(undo, typed_confirmation="wrong")
        assert refused.status is OutcomeStatus.REFUSED and "type" in refused.message
        undone = await runner.run(undo, typed_confirmation=table)
        assert undone.ok and undone.verified
        now = ddb.describe_table(TableName=table)["Table"]["ProvisionedThroughput"]
        assert (now["ReadCapacityUnits"], now["WriteCapacityUnits"]) == (read, write)


async def test_on_demand_table_is_explained_and_billing_switch_needs_capacity(
    sandbox, tmp_path, keep_on_demand
):
    ddb = sandbox.client("dynamodb")
    table = sandbox.names.ondemand_table_name
    async with open_runner(sandbox, tmp_path) as (runner, clients):
        with pytest.raises(InvalidInput) as excinfo:
            await runner.prepare("dynamodb-capacity", {"table": table, "read": "10", "write": "10"})
        assert "PAY_PER_REQUEST" in excinfo.value.errors["table"]
        assert "dynamodb-billing-mode" in excinfo.value.errors["table"]
        with pytest.raises(InvalidInput) as excinfo:
            await runner.prepare("dynamodb-billing-mode", {"table": table, "mode": "PROVISIONED"})
        assert set(excinfo.value.errors) == {"read", "write"}
        assert not mutating_requests(clients)

        plan = await runner.prepare(
            "dynamodb-billing-mode",
            {"table": table, "mode": "PROVISIONED", "read": "3", "write": "4"},
        )
        assert plan.before[0] == ("Billing mode", "PAY_PER_REQUEST")
        outcome = await runner.run(plan, typed_confirmation=table)
        assert outcome.ok and outcome.verified, outcome
        desc = ddb.describe_table(TableName=table)["Table"]
        assert desc["BillingModeSummary"]["BillingMode"] == "PROVISIONED"
        assert desc["ProvisionedThroughput"]["ReadCapacityUnits"] == 3
        undone = await _run_with_confirm(runner, await runner.undo_plan(outcome.record_id))
        assert undone.ok and undone.verified
        assert (
            ddb.describe_table(TableName=table)["Table"]["BillingModeSummary"]["BillingMode"]
            == "PAY_PER_REQUEST"
        )


async def test_provisioned_concurrency_refuses_latest_goes_ready_and_undo_removes(
    sandbox, tmp_path, keep_concurrency
):
    lam = sandbox.client("lambda")
    name, alias = sandbox.names.function_name, sandbox.names.alias
    async with open_runner(sandbox, tmp_path, verify_timeout=0.2) as (runner, clients):
        with pytest.raises(InvalidInput) as excinfo:
            await runner.prepare(
                "provisioned-concurrency", {"qualifier": "$LATEST", "executions": "5"}
            )
        assert (
            "unpublished" in excinfo.value.errors["qualifier"]
            and alias in excinfo.value.errors["qualifier"]
        )
        with pytest.raises(InvalidInput) as excinfo:
            await runner.prepare("provisioned-concurrency", {"qualifier": "99", "executions": "0"})
        assert "unknown version" in excinfo.value.errors["qualifier"]
        assert "at least 1" in excinfo.value.errors["executions"]
        assert not mutating_requests(clients)

        plan = await runner.prepare(
            "provisioned-concurrency", {"qualifier": alias, "executions": "5"}
        )
        assert plan.before == (("Provisioned concurrency", "none"),)
        assert "--qualifier PROD --provisioned-concurrency-executions 5" in plan.cli[0]
        outcome = await runner.run(plan)
        assert outcome.ok and not outcome.verified, "allocation takes simulated time"
        assert "IN_PROGRESS" in outcome.message
        assert (
            lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier=alias)["Status"]
            == "IN_PROGRESS"
        )
        sandbox.tick(2)
        again = await runner.verify(plan, outcome.record_id)
        assert again.verified and "READY" in dict(again.observed)["Provisioned concurrency"]
        entry = runner.history()[-1]
        assert entry.verified and [v["verified"] for v in entry.verifications] == [False, True]

        undo = await runner.undo_plan(outcome.record_id)
        assert undo.action_id == "provisioned-concurrency-remove" and undo.risk is Risk.DESTRUCTIVE
        undone = await runner.run(undo, typed_confirmation=f"{name}:{alias}")
        assert undone.ok and undone.verified
        assert not lam.list_provisioned_concurrency_configs(FunctionName=name)[
            "ProvisionedConcurrencyConfigs"
        ]


async def test_reserved_concurrency_put_and_undo(sandbox, tmp_path, keep_concurrency):
    lam = sandbox.client("lambda")
    name = sandbox.names.function_name
    async with open_runner(sandbox, tmp_path) as (runner, _):
        with pytest.raises(InvalidInput) as excinfo:
            await runner.prepare("reserved-concurrency", {"reserved": "-1"})
        assert "at least 0" in excinfo.value.errors["reserved"]
        plan = await runner.prepare("reserved-concurrency", {"reserved": "50"})
        outcome = await runner.run(plan)
        assert outcome.ok and outcome.verified
        assert lam.get_function_concurrency(FunctionName=name)["ReservedConcurrentExecutions"] == 50
        zero = await runner.prepare("reserved-concurrency", {"reserved": "0"})
        assert zero.risk is Risk.DESTRUCTIVE and any(
            "stops every invocation" in w for w in zero.warnings
        )
        undone = await runner.run(await runner.undo_plan(outcome.record_id))
        assert undone.ok and undone.verified
        assert "ReservedConcurrentExecutions" not in lam.get_function_concurrency(FunctionName=name)


async def test_api_cache_on_with_real_patch_paths_and_undo(sandbox, tmp_path, keep_stage_cache):
    apigw = sandbox.client("apigateway")
    api_id = sandbox.stack.api_id
    stage_name = sandbox.names.stage_name
    async with open_runner(sandbox, tmp_path) as (runner, _):
        with pytest.raises(InvalidInput) as excinfo:
            await runner.prepare(
                "api-cache", {"enabled": "yes", "size_gb": "0.5GB", "ttl_seconds": "4000"}
            )
        assert "without a unit" in excinfo.value.errors["size_gb"]
        assert "at most 3600" in excinfo.value.errors["ttl_seconds"]
        plan = await runner.prepare(
            "api-cache", {"enabled": "yes", "size_gb": "1.6", "ttl_seconds": "120"}
        )
        paths = [op["path"] for op in plan.params["patch"]]
        assert "/*/*/caching/enabled" in paths and "/caching/enabled" not in paths
        assert "'op=replace,path=/*/*/caching/enabled,value=true'" in plan.cli[0], (
            "the * is quoted for the shell"
        )
        outcome = await runner.run(plan)
        assert outcome.ok and outcome.verified, outcome
        stage = apigw.get_stage(restApiId=api_id, stageName=stage_name)
        assert stage["cacheClusterEnabled"] is True and stage["cacheClusterSize"] == "1.6"
        assert stage["methodSettings"]["*/*"]["cachingEnabled"] is True
        assert stage["methodSettings"]["*/*"]["cacheTtlInSeconds"] == 120
        undone = await runner.run(await runner.undo_plan(outcome.record_id))
        assert undone.ok and undone.verified
        stage = apigw.get_stage(restApiId=api_id, stageName=stage_name)
        assert not stage.get("cacheClusterEnabled")
        assert not stage["methodSettings"]["*/*"]["cachingEnabled"]


async def test_rollback_clears_routing_now_and_undo_restores_it(sandbox, tmp_path):
    lam = sandbox.client("lambda")
    name, alias = sandbox.names.function_name, sandbox.names.alias
    stack = sandbox.stack
    stable, candidate = stack.stable_version, stack.candidate_version
    lam.update_alias(
        FunctionName=name,
        Name=alias,
        FunctionVersion=stable,
        RoutingConfig={"AdditionalVersionWeights": {candidate: 0.25}},
    )
    try:
        async with open_runner(sandbox, tmp_path) as (runner, _):
            fields = {f.name: f for f in await runner.fields("rollback")}
            assert fields["version"].default == stable
            with pytest.raises(InvalidInput) as excinfo:
                await runner.prepare("rollback", {"version": "$LATEST"})
            assert "published version" in excinfo.value.errors["version"]
            with pytest.raises(InvalidInput):
                await runner.prepare("rollback", {"version": "42"})
            plan = await runner.prepare("rollback", {"version": stable})
            assert plan.before == (
                ("Alias routing", f"75% -> version {stable}, 25% -> version {candidate}"),
            )
            assert plan.risk is Risk.DESTRUCTIVE and plan.confirm_text == alias
            assert """--routing-config '{"AdditionalVersionWeights":{}}'""" in plan.cli[0]
            outcome = await runner.run(plan, typed_confirmation=alias)
            assert outcome.ok and outcome.verified
            now = lam.get_alias(FunctionName=name, Name=alias)
            assert now["FunctionVersion"] == stable
            assert not (now.get("RoutingConfig") or {}).get("AdditionalVersionWeights")
            assert_journaled(tmp_path, outcome)

            undo = await runner.undo_plan(outcome.record_id)
            assert undo.action_id == "alias-route"
            undone = await runner.run(undo, typed_confirmation=alias)
            assert undone.ok and undone.verified
            now = lam.get_alias(FunctionName=name, Name=alias)
            assert now["RoutingConfig"]["AdditionalVersionWeights"] == {candidate: 0.25}
    finally:
        lam.update_alias(
            FunctionName=name,
            Name=alias,
            FunctionVersion=stable,
            RoutingConfig={"AdditionalVersionWeights": {}},
        )


async def test_disable_user_is_two_calls_both_journaled_and_undo_enables(
    sandbox, tmp_path, keep_users_enabled
):
    idp = sandbox.client("cognito-idp")
    stack = sandbox.stack
    user = stack.compromised_user
    async with open_runner(sandbox, tmp_path) as (runner, _):
        with pytest.raises(InvalidInput) as excinfo:
            await runner.prepare("cognito-disable-user", {"username": "nobody@example.com"})
        assert "no user" in excinfo.value.errors["username"]
        plan = await runner.prepare("cognito-disable-user", {"username": user})
        assert plan.risk is Risk.SECURITY and plan.confirm_text == user
        assert any("1 h" in e for e in plan.effects) and any(
            "refresh token" in e for e in plan.effects
        )
        assert len(plan.cli) == 2 and "admin-user-global-sign-out" in plan.cli[1]
        outcome = await runner.run(plan, typed_confirmation=user)
        assert outcome.ok and outcome.verified, outcome
        assert len(outcome.request_ids) == 2
        assert idp.admin_get_user(UserPoolId=stack.user_pool_id, Username=user)["Enabled"] is False
        _, out = assert_journaled(tmp_path, outcome)
        assert len(out["request_ids"]) == 2

        undo = await runner.undo_plan(outcome.record_id)
        assert undo.action_id == "cognito-enable-user"
        undone = await runner.run(undo, typed_confirmation=user)
        assert undone.ok and undone.verified
        assert idp.admin_get_user(UserPoolId=stack.user_pool_id, Username=user)["Enabled"] is True


async def test_backup_then_restore_into_a_new_table_never_the_live_one(
    sandbox, tmp_path, keep_tables_and_backups
):
    ddb = sandbox.client("dynamodb")
    table = sandbox.names.table_name
    async with open_runner(sandbox, tmp_path) as (runner, _):
        plan = await runner.prepare("dynamodb-backup", {"table": table})
        backup = plan.params["backup_name"]
        assert backup.startswith(f"{table}-manual-") and len(backup) == len(table) + len(
            "-manual-YYYYmmdd-HHMMSS"
        )
        outcome = await runner.run(plan)
        assert outcome.ok and outcome.verified, outcome
        names = [b["BackupName"] for b in ddb.list_backups(TableName=table)["BackupSummaries"]]
        assert backup in names
        report = await runner.check("list-backups")
        assert backup in [row.label for row in report.rows]

        with pytest.raises(InvalidInput) as excinfo:
            await runner.prepare(
                "dynamodb-restore", {"table": table, "backup": backup, "new_table": table}
            )
        assert "live table" in excinfo.value.errors["new_table"]
        new_table = f"{table}-restored-test"
        restore = await runner.prepare(
            "dynamodb-restore", {"table": table, "backup": backup, "new_table": new_table}
        )
        assert restore.risk is Risk.DESTRUCTIVE and restore.confirm_text == new_table
        assert not restore.undo_possible
        refused = await runner.run(restore, typed_confirmation=table)
        assert refused.status is OutcomeStatus.REFUSED
        restored = await runner.run(restore, typed_confirmation=new_table)
        assert restored.ok and restored.verified, restored
        assert ddb.describe_table(TableName=new_table)["Table"]["TableStatus"] == "ACTIVE"


async def test_export_user_pool_writes_json(sandbox, tmp_path):
    async with open_runner(sandbox, tmp_path) as (runner, _):
        fields = {f.name: f for f in await runner.fields("cognito-export-pool")}
        plan = await runner.prepare("cognito-export-pool", {"path": fields["path"].default})
        assert plan.cli[0].endswith(" > " + fields["path"].default)
        outcome = await runner.run(plan)
        assert outcome.ok and outcome.verified
        data = json.loads(
            (tmp_path / "exports").glob("cognito-backup-*.json").__next__().read_text()
        )
        assert data["UserPool"]["Id"] == sandbox.stack.user_pool_id
        with pytest.raises(InvalidInput) as excinfo:
            await runner.prepare("cognito-export-pool", {"path": fields["path"].default})
        assert "already exists" in excinfo.value.errors["path"]


async def test_auth_checks_report_pool_client_and_authorizer(sandbox, tmp_path):
    async with open_runner(sandbox, tmp_path) as (runner, clients):
        report = await runner.check("auth-checks")
        assert not report.errors
        rows = {r.label: r for r in report.rows}
        assert sandbox.stack.user_pool_id in rows["User pool"].value
        assert rows["Refresh tokens allowed"].ok is True
        assert any(label.startswith("Authorizer") and r.ok for label, r in rows.items())
        assert len(report.cli) == 3 and not mutating_requests(clients)


async def test_alarm_threshold_keeps_every_other_field(sandbox, tmp_path, keep_duration_alarm):
    cw = sandbox.client("cloudwatch")
    name = sandbox.names.duration_alarm
    volatile = {
        "Threshold",
        "StateValue",
        "StateReason",
        "StateReasonData",
        "StateUpdatedTimestamp",
        "AlarmConfigurationUpdatedTimestamp",
        "StateTransitionedTimestamp",
    }

    def settings():
        alarm = cw.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]
        return {k: v for k, v in alarm.items() if k not in volatile}, alarm["Threshold"]

    before, threshold = settings()
    async with open_runner(sandbox, tmp_path) as (runner, _):
        plan = await runner.prepare(
            "alarm-threshold", {"alarm": name, "threshold": str(threshold + 1000)}
        )
        assert dict(plan.before)["Threshold"].startswith(f"{threshold:g}")
        assert "30-day" in " ".join(label for label, _ in plan.context) + " ".join(
            v for _, v in plan.context
        )
        assert "--alarm-actions" in plan.cli[0] and "--dimensions" in plan.cli[0]
        outcome = await _run_with_confirm(runner, plan)
        assert outcome.ok and outcome.verified, outcome
        after, new_threshold = settings()
        assert new_threshold == threshold + 1000 and after == before
        undone = await runner.run(await runner.undo_plan(outcome.record_id))
        assert undone.ok and settings()[1] == threshold


async def test_emergency_notification_reaches_topic_and_log(sandbox, tmp_path):
    sqs, logs = sandbox.client("sqs"), sandbox.client("logs")
    stack = sandbox.stack
    sqs.purge_queue(QueueUrl=stack.queue_url)
    async with open_runner(sandbox, tmp_path) as (runner, _):
        with pytest.raises(InvalidInput) as excinfo:
            await runner.prepare("emergency-notify", {"message": "  ", "subject": "a\nb" * 60})
        assert set(excinfo.value.errors) == {"message", "subject"}
        plan = await runner.prepare(
            "emergency-notify",
            {"message": "Critical: Lambda 'down' $HOME", "subject": "TodoApp Emergency Alert"},
        )
        assert "'[" in plan.cli[0], "the message is shell-quoted"
        outcome = await runner.run(plan)
        assert outcome.ok and outcome.verified, outcome
        assert len(outcome.request_ids) >= 3
    messages = sqs.receive_message(
        QueueUrl=stack.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1
    ).get("Messages", [])
    bodies = [json.loads(m["Body"]).get("Message", "") for m in messages]
    assert any("Critical: Lambda 'down' $HOME" in b for b in bodies)
    events = logs.filter_log_events(logGroupName=sandbox.names.emergency_log_group)["events"]
    assert any("Critical: Lambda 'down' $HOME" in e["message"] for e in events)


async def test_aws_refusal_comes_back_in_aws_words_and_is_journaled_failed(sandbox, tmp_path):
    ddb = sandbox.client("dynamodb")
    table = sandbox.names.table_name
    pt = ddb.describe_table(TableName=table)["Table"]["ProvisionedThroughput"]
    read, write = pt["ReadCapacityUnits"], pt["WriteCapacityUnits"]
    async with open_runner(sandbox, tmp_path) as (runner, _):
        plan = await runner.prepare(
            "dynamodb-capacity", {"table": table, "read": str(read + 1), "write": str(write)}
        )
        ddb.update_table(
            TableName=table,
            ProvisionedThroughput={"ReadCapacityUnits": read + 1, "WriteCapacityUnits": write},
        )
        try:
            stale = await runner.run(plan)
            assert (
                stale.status is OutcomeStatus.REFUSED and "changed since the plan" in stale.message
            )
            outcome = await runner.run(plan, stale_override=True)
            assert outcome.status is OutcomeStatus.FAILED
            assert outcome.error.startswith(
                "ValidationException: The provisioned throughput for the table will not change"
            )
            # (the sandbox's gap filler answers this refusal without a request id header)
            _, out = assert_journaled(tmp_path, outcome, result="failed", request_id=False)
            assert out["error"] == outcome.error
            with pytest.raises(Exception, match="only an action that succeeded"):
                await runner.undo_plan(outcome.record_id)
        finally:
            ddb.update_table(
                TableName=table,
                ProvisionedThroughput={"ReadCapacityUnits": read, "WriteCapacityUnits": write},
            )


async def test_endpoint_dying_mid_action_leaves_unknown_outcome_and_rerunnable_verify(
    sandbox, tmp_path, keep_memory
):
    from todotui.actions import ActionRunner
    from todotui.aws.session import AwsClients, client_config
    from todotui.config import AwsTarget

    lam = sandbox.client("lambda")
    name = sandbox.names.function_name
    start = lam.get_function_configuration(FunctionName=name)["MemorySize"]
    async with open_runner(sandbox, tmp_path) as (runner, _):
        plan = await runner.prepare("lambda-memory", {"memory_mb": str(start + 64)})
        dead = AwsTarget(endpoint_url="http://127.0.0.1:9", region=sandbox.region)
        async with AwsClients(dead, config=client_config(attempts=1, connect_timeout=1)) as gone:
            cut_off = ActionRunner(
                runner.settings,
                gone,
                journal=runner.journal,
                read_only=False,
                verify_timeout=0.1,
                poll_interval=0.05,
            )
            outcome = await cut_off.run(plan)
        assert outcome.status is OutcomeStatus.UNKNOWN and outcome.outcome_unknown
        # It was read back at once, through the same dead endpoint: still unknown.
        assert outcome.message.startswith("still unknown") and "verify again" in outcome.message
        out = _records(tmp_path, outcome.record_id)[1]
        assert out["result"] == "unknown" and out["error"]
        # The endpoint is back (here: the same change went through another way); verify again.
        lam.update_function_configuration(FunctionName=name, MemorySize=start + 64)
        again = await runner.verify(plan, outcome.record_id)
        assert again.verified


async def test_a_crash_between_intent_and_outcome_leaves_an_unfinished_intent(
    sandbox, tmp_path, keep_memory
):
    lam = sandbox.client("lambda")
    name = sandbox.names.function_name
    start = lam.get_function_configuration(FunctionName=name)["MemorySize"]
    async with open_runner(sandbox, tmp_path) as (runner, clients):
        plan = await runner.prepare("lambda-memory", {"memory_mb": str(start + 32)})
        sent = asyncio.Event()
        client = await clients.mutation_client("lambda")  # mutations: the single-attempt client

        def on_send(**kwargs):
            sent.set()

        client.meta.events.register("before-send.lambda.UpdateFunctionConfiguration", on_send)
        task = asyncio.create_task(runner.run(plan))
        await sent.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        unfinished = runner.journal.unfinished()
        assert [e.action_id for e in unfinished] == ["lambda-memory"] and unfinished[
            0
        ].result == "unfinished"
        assert not runner.is_busy(plan.target)


async def test_same_target_cannot_run_twice_at_once(sandbox, tmp_path, keep_memory):
    lam = sandbox.client("lambda")
    name = sandbox.names.function_name
    start = lam.get_function_configuration(FunctionName=name)["MemorySize"]
    async with open_runner(sandbox, tmp_path) as (runner, clients):
        plan = await runner.prepare("lambda-memory", {"memory_mb": str(start + 16)})
        first, second = await asyncio.gather(runner.run(plan), runner.run(plan))
        assert first.ok
        assert second.status is OutcomeStatus.REFUSED and "already running" in second.message
        assert clients.requests_matching("UpdateFunctionConfiguration") == 1


async def test_stale_telemetry_needs_an_explicit_override(sandbox, tmp_path, keep_memory):
    async with open_runner(sandbox, tmp_path) as (runner, clients):
        start = int(
            dict((await runner.prepare("lambda-memory", {"memory_mb": "1024"})).before)[
                "Memory"
            ].split()[0]
        )
        plan = (
            await runner.prepare("lambda-memory", {"memory_mb": str(start + 8)})
        ).with_stale_warning("telemetry is 10 min old")
        refused = await runner.run(plan)
        assert refused.status is OutcomeStatus.REFUSED and "10 min old" in refused.message
        assert not mutating_requests(clients)
        outcome = await runner.run(plan, stale_override=True)
        assert outcome.ok
        await runner.run(await runner.undo_plan(outcome.record_id))


def test_topics_map_to_the_runbook_answers():
    from todotui.actions import actions_for_topic, catalog
    from todotui.alerts.model import Topic

    assert actions_for_topic(Topic.THROTTLING)[0].id == "dynamodb-capacity"
    assert actions_for_topic(Topic.ERRORS)[0].id == "rollback"
    assert [a.id for a in actions_for_topic(Topic.LATENCY)][:3] == [
        "lambda-memory",
        "provisioned-concurrency",
        "api-cache",
    ]
    assert actions_for_topic(Topic.AUTH)[0].id == "cognito-disable-user"
    assert "provisioned-concurrency" in [a.id for a in actions_for_topic(Topic.CONCURRENCY)]
    ids = {a.id for a in catalog()}
    for topic in (Topic.THROTTLING, Topic.LATENCY, Topic.ERRORS, Topic.AUTH, Topic.CONCURRENCY):
        assert {a.id for a in actions_for_topic(topic)} <= ids


@pytest.mark.skipif(not __import__("shutil").which("aws"), reason="needs the aws CLI")
async def test_cli_previews_run_as_is_in_a_shell(sandbox, tmp_path):
    """The previews are not decoration: pasted into bash, the aws CLI (v1) accepts them."""
    import os
    import subprocess

    lam, apigw = sandbox.client("lambda"), sandbox.client("apigateway")
    names, stack = sandbox.names, sandbox.stack
    env = {**os.environ, **sandbox.env, "HOME": str(tmp_path)}
    async with open_runner(sandbox, tmp_path) as (runner, _):
        route = await runner.prepare(
            "alias-route",
            {
                "version": stack.stable_version,
                "additional_version": stack.candidate_version,
                "weight": "0.2",
            },
        )
        cache = await runner.prepare(
            "api-cache", {"enabled": "yes", "size_gb": "0.5", "ttl_seconds": "60"}
        )
    try:
        for plan in (route, cache):
            done = subprocess.run(
                ["bash", "-c", plan.cli[0]], env=env, capture_output=True, text=True, timeout=120
            )
            assert done.returncode == 0, done.stderr
        alias = lam.get_alias(FunctionName=names.function_name, Name=names.alias)
        assert alias["RoutingConfig"]["AdditionalVersionWeights"] == {stack.candidate_version: 0.2}
        settings = apigw.get_stage(restApiId=stack.api_id, stageName=names.stage_name)[
            "methodSettings"
        ]["*/*"]
        assert settings["cachingEnabled"] is True and settings["cacheTtlInSeconds"] == 60
    finally:
        lam.update_alias(
            FunctionName=names.function_name,
            Name=names.alias,
            FunctionVersion=stack.stable_version,
            RoutingConfig={"AdditionalVersionWeights": {}},
        )
        apigw.update_stage(
            restApiId=stack.api_id,
            stageName=names.stage_name,
            patchOperations=[
                {"op": "replace", "path": "/*/*/caching/enabled", "value": "false"},
                {"op": "replace", "path": "/cacheClusterEnabled", "value": "false"},
            ],
        )


# -- limits and plausibility (issue 8) ------------------------------------------------------------


async def test_a_20_digit_capacity_is_refused_with_the_tables_ceiling(
    sandbox, tmp_path, keep_capacity
):
    table = sandbox.names.table_name
    async with open_runner(sandbox, tmp_path) as (runner, clients):
        [_, read_field, _] = await runner.fields("dynamodb-capacity")
        assert "10,000" in read_field.help and "DescribeLimits" in read_field.help
        for text in ("99999999999999999999", "10001"):
            with pytest.raises(InvalidInput) as excinfo:
                await runner.prepare(
                    "dynamodb-capacity", {"table": table, "read": text, "write": "5"}
                )
            message = excinfo.value.errors["read"]
            assert "at most 10,000 capacity units" in message and "DescribeLimits" in message
            assert "99999999999999999999" not in message
        for text, shown in (("\uff15\uff10", "FULLWIDTH DIGIT FIVE"), ("50\n60", "2 lines")):
            with pytest.raises(InvalidInput) as excinfo:
                await runner.prepare(
                    "dynamodb-capacity", {"table": table, "read": text, "write": "5"}
                )
            assert shown in excinfo.value.errors["read"]
        assert mutating_requests(clients) == {}
        before = clients.requests.get("dynamodb.DescribeLimits", 0)
        await runner.fields("dynamodb-capacity")
        assert clients.requests.get("dynamodb.DescribeLimits", 0) == before, "limits read once"


async def test_capacity_far_above_live_is_typed_confirmed_with_its_cost(
    sandbox, tmp_path, keep_capacity
):
    ddb, table = sandbox.client("dynamodb"), sandbox.names.table_name
    read, write = _throughput(ddb, table)
    async with open_runner(sandbox, tmp_path) as (runner, clients):
        plan = await runner.prepare(
            "dynamodb-capacity", {"table": table, "read": str(read * 10), "write": str(write)}
        )
        assert plan.risk is Risk.LOW, "x10 is still in proportion"
        assert dict(plan.context)["Estimated cost"].startswith("about $")
        plan = await runner.prepare(
            "dynamodb-capacity", {"table": table, "read": "9000", "write": str(write)}
        )
        assert plan.risk is Risk.HIGH and plan.risk.needs_typed_confirmation
        assert any(
            f"from {read} to 9000 units/s" in w and "more than the x10" in w for w in plan.warnings
        )
        assert any(w.startswith("Estimated cost: about $") and "/h" in w for w in plan.warnings)
        refused = await runner.run(plan)
        assert refused.status is OutcomeStatus.REFUSED
        assert mutating_requests(clients) == {} and _throughput(ddb, table) == (read, write)

        pricey = await runner.prepare(
            "dynamodb-capacity", {"table": table, "read": str(read), "write": str(write * 10)}
        )
        assert pricey.risk is Risk.LOW
    async with open_runner(sandbox, tmp_path, limits=Limits(max_added_cost_per_hour=0.01)) as (
        runner,
        clients,
    ):
        pricey = await runner.prepare(
            "dynamodb-capacity", {"table": table, "read": str(read), "write": str(write * 10)}
        )
        assert pricey.risk is Risk.HIGH
        assert any("more than the $0.0100/h this app accepts" in w for w in pricey.warnings)


async def test_absurd_alarm_thresholds_are_refused_or_typed_with_the_reason(
    sandbox, tmp_path, keep_duration_alarm
):
    cw, name = sandbox.client("cloudwatch"), sandbox.names.duration_alarm
    start = cw.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]["Threshold"]
    async with open_runner(sandbox, tmp_path) as (runner, clients):
        for text, reason in (
            ("-1", "is negative, and this metric"),
            ("1e20", "could never fire"),
            ("1e9", "could never fire"),
            ("\uff15\uff10", "FULLWIDTH DIGIT FIVE"),
            ("9000\n9", "must be one line"),
        ):
            with pytest.raises(InvalidInput) as excinfo:
                await runner.prepare("alarm-threshold", {"alarm": name, "threshold": text})
            message = excinfo.value.errors["threshold"]
            assert reason in message, (text, message)
            assert "100000000000000000000" not in message
        zero = await runner.prepare("alarm-threshold", {"alarm": name, "threshold": "0"})
        assert zero.risk is Risk.HIGH and zero.risk.needs_typed_confirmation
        assert any("fires on any datapoint above zero" in w for w in zero.warnings)
        far = await runner.prepare("alarm-threshold", {"alarm": name, "threshold": str(start * 20)})
        assert far.risk is Risk.HIGH and any("x20" in w for w in far.warnings)
        refused = await runner.run(far)
        assert refused.status is OutcomeStatus.REFUSED and "type" in refused.message
        assert mutating_requests(clients) == {}
    assert cw.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]["Threshold"] == start


async def test_memory_far_above_live_is_typed_confirmed(sandbox, tmp_path, keep_memory):
    async with open_runner(sandbox, tmp_path) as (runner, clients):
        with pytest.raises(InvalidInput) as excinfo:
            await runner.prepare("lambda-memory", {"memory_mb": "99999999999999999999"})
        assert "at most 10,240 MB" in excinfo.value.errors["memory_mb"]
        if keep_memory * 10 < 10240:
            plan = await runner.prepare("lambda-memory", {"memory_mb": "10240"})
            assert plan.risk is Risk.HIGH and any("more than the x10" in w for w in plan.warnings)
            assert plan.after == (("Memory", "10,240 MB"),)
        assert mutating_requests(clients) == {}


async def test_costly_provisioned_concurrency_needs_typing_and_says_its_price(sandbox, tmp_path):
    from todotui.actions import Risk
    from todotui.config import Limits

    alias = sandbox.names.alias
    async with open_runner(sandbox, tmp_path, limits=Limits(max_added_cost_per_hour=0.5)) as (
        runner,
        clients,
    ):
        cheap = await runner.prepare(
            "provisioned-concurrency", {"qualifier": alias, "executions": "5"}
        )
        assert cheap.risk is Risk.LOW
        costly = await runner.prepare(
            "provisioned-concurrency", {"qualifier": alias, "executions": "400"}
        )
        assert costly.risk is Risk.HIGH and costly.risk.needs_typed_confirmation
        assert any("/h of warm capacity" in w and "$0.5/h" in w for w in costly.warnings)
        assert not mutating_requests(clients)
