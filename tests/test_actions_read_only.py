"""Read-only mode: every action still plans and previews, and nothing mutating is ever sent."""

from __future__ import annotations

import pytest

from actions_support import mutating_requests, open_runner, use_sandbox_credentials
from todotui.actions import OutcomeStatus, ReadOnlyViolation, Refusal
from todotui.actions.base import CallLog
from todotui.actions.registry import ACTIONS, action
from todotui.sandbox.provision import candidate_codes, handler_zip
from todotui.sandbox.scenarios import Candidate

STABLE_EDIT = Candidate("read-only drill: unpublished code")
"""Code nobody has published: what publish-version needs to have something to plan."""

pytestmark = pytest.mark.sandbox


@pytest.fixture(autouse=True)
def _credentials(monkeypatch, sandbox):
    use_sandbox_credentials(monkeypatch, sandbox)


@pytest.fixture
def prepared_world(sandbox):
    """State some actions need to have something to act on; put back afterwards."""
    lam, idp, ddb = (
        sandbox.client("lambda"),
        sandbox.client("cognito-idp"),
        sandbox.client("dynamodb"),
    )
    stack, names = sandbox.stack, sandbox.names
    lam.put_provisioned_concurrency_config(
        FunctionName=names.function_name, Qualifier=names.alias, ProvisionedConcurrentExecutions=2
    )
    lam.put_function_concurrency(FunctionName=names.function_name, ReservedConcurrentExecutions=30)
    idp.admin_disable_user(UserPoolId=stack.user_pool_id, Username=stack.users[1])
    ddb.create_backup(TableName=names.table_name, BackupName="read-only-test-backup")
    # Unpublished code in $LATEST, for publish-version (put back: the candidate's own bytes).
    latest = lam.get_function_configuration(FunctionName=names.function_name)["CodeSha256"]
    lam.update_function_code(FunctionName=names.function_name, ZipFile=handler_zip(STABLE_EDIT))
    yield stack
    codes = candidate_codes()
    lam.update_function_code(
        FunctionName=names.function_name,
        ZipFile=handler_zip(codes[latest]) if latest in codes else handler_zip(),
    )
    lam.delete_provisioned_concurrency_config(
        FunctionName=names.function_name, Qualifier=names.alias
    )
    lam.delete_function_concurrency(FunctionName=names.function_name)
    idp.admin_enable_user(UserPoolId=stack.user_pool_id, Username=stack.users[1])


def valid_values(sandbox, stack) -> dict[str, dict[str, str]]:
    names = sandbox.names
    memory = sandbox.client("lambda").get_function_configuration(FunctionName=names.function_name)[
        "MemorySize"
    ]
    pt = sandbox.client("dynamodb").describe_table(TableName=names.table_name)["Table"][
        "ProvisionedThroughput"
    ]
    latest_sha = sandbox.client("lambda").get_function_configuration(
        FunctionName=names.function_name
    )["CodeSha256"]
    threshold = sandbox.client("cloudwatch").describe_alarms(AlarmNames=[names.duration_alarm])[
        "MetricAlarms"
    ][0]["Threshold"]
    return {
        "dynamodb-capacity": {
            "table": names.table_name,
            "read": str(pt["ReadCapacityUnits"] + 5),
            "write": str(pt["WriteCapacityUnits"]),
        },
        "dynamodb-billing-mode": {
            "table": names.ondemand_table_name,
            "mode": "PROVISIONED",
            "read": "2",
            "write": "2",
        },
        "lambda-memory": {"memory_mb": str(memory + 128)},
        "provisioned-concurrency": {"qualifier": names.alias, "executions": "3"},
        "provisioned-concurrency-remove": {"qualifier": names.alias},
        "reserved-concurrency": {"reserved": "20"},
        "reserved-concurrency-remove": {},
        "api-cache": {"enabled": "yes", "size_gb": "0.5", "ttl_seconds": "300"},
        "rollback": {"version": stack.candidate_version},
        "alias-route": {
            "version": stack.stable_version,
            "additional_version": stack.candidate_version,
            "weight": "0.1",
        },
        "publish-version": {"code_sha256": latest_sha, "description": "read-only drill"},
        "cognito-disable-user": {"username": stack.compromised_user},
        "cognito-enable-user": {"username": stack.users[1]},
        "cognito-set-password": {
            "username": stack.users[1],
            "password": "Read0nly!Pass",
            "permanent": "yes",
        },
        "cognito-export-pool": {"path": "pool.json"},
        "dynamodb-backup": {"table": names.table_name},
        "dynamodb-restore": {
            "table": names.table_name,
            "backup": "read-only-test-backup",
            "new_table": "todos-restored-ro",
        },
        "alarm-threshold": {"alarm": names.duration_alarm, "threshold": str(threshold + 500)},
        "emergency-notify": {"message": "read-only drill", "subject": "drill"},
    }


async def test_every_action_plans_but_sends_no_mutation_in_read_only_mode(
    sandbox, tmp_path, prepared_world
):
    values = valid_values(sandbox, prepared_world)
    assert set(values) == set(ACTIONS), "every action is tried"
    memory_before = sandbox.client("lambda").get_function_configuration(
        FunctionName=sandbox.names.function_name
    )["MemorySize"]
    async with open_runner(sandbox, tmp_path, read_only=True) as (runner, clients):
        for action_id, fields in values.items():
            plan = await runner.prepare(action_id, fields)
            assert plan.cli and plan.before, f"{action_id}: the plan and CLI preview still work"
            outcome = await runner.run(
                plan, typed_confirmation=plan.confirm_text, stale_override=True
            )
            if action(action_id).mutates_aws:
                assert outcome.status is OutcomeStatus.REFUSED, action_id
                assert outcome.refusal is Refusal.READ_ONLY and "read-only" in outcome.message
            else:
                assert outcome.ok, f"{action_id} only reads AWS"
        assert mutating_requests(clients) == {}
        assert runner.guard.blocked == [], "the runner refused before the guard had to"
        # Below the runner: an action's own execute(), called directly, is stopped by the guard.
        plan = await runner.prepare("lambda-memory", values["lambda-memory"])
        with pytest.raises(ReadOnlyViolation):
            await action("lambda-memory").execute(runner._ctx, plan, CallLog(clients))
        lam = await clients.client("lambda")
        with pytest.raises(ReadOnlyViolation, match="UpdateFunctionConfiguration was not sent"):
            await lam.update_function_configuration(
                FunctionName=sandbox.names.function_name, MemorySize=512
            )
        assert runner.guard.blocked == ["lambda.UpdateFunctionConfiguration"] * 2
        assert mutating_requests(clients) == {}, "blocked before leaving the process"
    # And at the server: nothing changed.
    assert (
        sandbox.client("lambda").get_function_configuration(
            FunctionName=sandbox.names.function_name
        )["MemorySize"]
        == memory_before
    )
    assert "todos-restored-ro" not in sandbox.client("dynamodb").list_tables()["TableNames"]
    assert (
        sandbox.client("cognito-idp").admin_get_user(
            UserPoolId=prepared_world.user_pool_id, Username=prepared_world.compromised_user
        )["Enabled"]
        is True
    )
