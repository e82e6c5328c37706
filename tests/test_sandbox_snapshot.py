"""The demo's kept stack (`todotui sandbox --stack-cache`, sandbox/snapshot.py): a second start
loads what the first provisioned, and the stack it loads is the same stack, alive: every
resource there, the gap filler's checks and the event history carried over, writes answered
as before. A file for other settings, or a damaged one, is never used."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from botocore.exceptions import ClientError

from todotui.sandbox.controller import Sandbox
from todotui.stack_names import StackNames

pytestmark = pytest.mark.sandbox


def started(cache: Path, **options: Any) -> Sandbox:
    """A sandbox keeping its stack in `cache` (entered with `with`, which starts it)."""
    return Sandbox(manual=True, period=60, backfill=0, history_days=0, stack_cache=cache, **options)


def inventory(sandbox: Sandbox) -> dict[str, Any]:
    """What an operator would list with the aws CLI, one call family per service."""
    lam, ddb = sandbox.client("lambda"), sandbox.client("dynamodb")
    api, idp = sandbox.client("apigateway"), sandbox.client("cognito-idp")
    functions = {}
    for function in lam.list_functions()["Functions"]:
        name = function["FunctionName"]
        functions[name] = {
            "versions": [
                (v["Version"], v["CodeSha256"], v.get("Description", ""))
                for v in lam.list_versions_by_function(FunctionName=name)["Versions"]
            ],
            "aliases": [
                (a["Name"], a["FunctionVersion"], a.get("RoutingConfig"))
                for a in lam.list_aliases(FunctionName=name)["Aliases"]
            ],
        }
    tables = {}
    for name in ddb.list_tables()["TableNames"]:
        table = ddb.describe_table(TableName=name)["Table"]
        tables[name] = (
            table.get("BillingModeSummary", {}).get("BillingMode", "PROVISIONED"),
            table["ProvisionedThroughput"]["ReadCapacityUnits"],
            table["ProvisionedThroughput"]["WriteCapacityUnits"],
        )
    apis = {}
    for rest_api in api.get_rest_apis()["items"]:
        apis[rest_api["name"]] = {
            "id": rest_api["id"],
            "paths": sorted(
                r["path"] for r in api.get_resources(restApiId=rest_api["id"])["items"]
            ),
            "stages": sorted(
                s["stageName"] for s in api.get_stages(restApiId=rest_api["id"])["item"]
            ),
            "authorizers": sorted(
                a["name"] for a in api.get_authorizers(restApiId=rest_api["id"])["items"]
            ),
        }
    pools = {}
    for pool in idp.list_user_pools(MaxResults=60)["UserPools"]:
        pools[pool["Name"]] = {
            "id": pool["Id"],
            "users": sorted(
                (u["Username"], u["Enabled"])
                for u in idp.list_users(UserPoolId=pool["Id"])["Users"]
            ),
            "clients": sorted(
                c["ClientName"]
                for c in idp.list_user_pool_clients(UserPoolId=pool["Id"])["UserPoolClients"]
            ),
        }
    return {
        "functions": functions,
        "tables": tables,
        "apis": apis,
        "pools": pools,
        "topics": sorted(t["TopicArn"] for t in sandbox.client("sns").list_topics()["Topics"]),
        "subscriptions": sorted(
            (s["TopicArn"], s["Protocol"], s["Endpoint"])
            for s in sandbox.client("sns").list_subscriptions()["Subscriptions"]
        ),
        "queues": sorted(  # the URL's host and port are this start's
            urlsplit(url).path for url in sandbox.client("sqs").list_queues().get("QueueUrls", [])
        ),
        "alarms": sorted(
            (a["AlarmName"], a.get("MetricName"), a["Threshold"], a["StateValue"])
            for a in sandbox.client("cloudwatch").describe_alarms()["MetricAlarms"]
        ),
        "log groups": sorted(
            g["logGroupName"] for g in sandbox.client("logs").describe_log_groups()["logGroups"]
        ),
        "roles": sorted(r["RoleName"] for r in sandbox.client("iam").list_roles()["Roles"]),
    }


def provisioning_events(sandbox: Sandbox) -> list[tuple[str, datetime]]:
    cloudtrail = sandbox.client("cloudtrail")
    events = cloudtrail.lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "CreateFunction20150331"}]
    )["Events"]
    return [(e["EventName"], e["EventTime"]) for e in events]


def test_a_second_start_loads_the_stack_the_first_kept_and_it_answers_as_the_first(tmp_path):
    with started(tmp_path) as first:
        assert first.status()["stack_source"] == "provisioned"
        provisioned = inventory(first)
        stack = first.status()["stack"]
        first_created = provisioning_events(first)
    assert list(tmp_path.glob("stack-*.pickle")), "the first start kept its stack"

    with started(tmp_path) as second:
        status = second.status()
        assert status["stack_source"].startswith("loaded from ")
        moved = {"queue_url": second.endpoint + urlsplit(stack["queue_url"]).path}
        assert status["stack"] == {**stack, **moved}  # the queue's URL names this endpoint
        assert inventory(second) == provisioned
        # the event history came along, moved to this start
        created = provisioning_events(second)
        assert [name for name, _ in created] == [name for name, _ in first_created] != []
        assert all(at >= first_created[0][1] for _, at in created)
        assert all(abs(datetime.now(UTC) - at) < timedelta(minutes=10) for _, at in created)

        # alive: the gap filler's alias revisions, writes to every kind of store, the simulator
        lam = second.client("lambda")
        function, alias = stack["function_arn"].split(":")[-1], "PROD"
        revision = lam.get_alias(FunctionName=function, Name=alias)["RevisionId"]
        with pytest.raises(ClientError) as stale:
            lam.update_alias(
                FunctionName=function, Name=alias, FunctionVersion=stack["stable_version"],
                RevisionId="not-" + revision,
            )  # fmt: skip
        assert stale.value.response["Error"]["Code"] == "PreconditionFailedException"
        lam.update_alias(
            FunctionName=function, Name=alias, FunctionVersion=stack["stable_version"],
            RoutingConfig={"AdditionalVersionWeights": {stack["candidate_version"]: 0.1}},
            RevisionId=revision,
        )  # fmt: skip
        routing = lam.get_alias(FunctionName=function, Name=alias)["RoutingConfig"]
        assert routing["AdditionalVersionWeights"] == {stack["candidate_version"]: 0.1}

        sqs = second.client("sqs")
        sqs.send_message(QueueUrl=stack["queue_url"], MessageBody="after the restore")
        bodies = [
            m["Body"] for m in sqs.receive_message(QueueUrl=stack["queue_url"]).get("Messages", [])
        ]
        assert bodies == ["after the restore"]

        idp = second.client("cognito-idp")
        user = stack["users"][0]
        idp.admin_disable_user(UserPoolId=stack["user_pool_id"], Username=user)
        assert (
            idp.admin_get_user(UserPoolId=stack["user_pool_id"], Username=user)["Enabled"] is False
        )

        ticked = second.tick(1)
        assert ticked["tick_error"] is None and ticked["ticks"] == 1


def test_a_stack_kept_for_other_settings_or_a_damaged_one_is_not_used(tmp_path):
    with started(tmp_path) as first:
        stack = first.status()["stack"]
    [kept] = tmp_path.glob("stack-*.pickle")

    kept.write_bytes(b"not a pickle")
    with started(tmp_path) as damaged:
        assert damaged.status()["stack_source"] == "provisioned"
        assert damaged.status()["stack"]["function_arn"] == stack["function_arn"]
    with started(tmp_path) as again:  # the damaged file was written anew
        assert again.status()["stack_source"].startswith("loaded from ")

    names = StackNames(function_name="other-fn")
    with started(tmp_path, names=names) as other:
        assert other.status()["stack_source"] == "provisioned"
        assert other.status()["stack"]["function_arn"].endswith(":other-fn")
    assert len(list(tmp_path.glob("stack-*.pickle"))) == 2


def test_only_the_newest_few_kept_stacks_stay(tmp_path):
    """Each upgrade or change of settings keeps another stack: old ones are deleted."""
    from todotui.sandbox.snapshot import KEEP_FILES

    for index in range(KEEP_FILES + 2):
        (tmp_path / f"stack-old{index}.pickle").write_bytes(b"from an older todotui")
        os.utime(tmp_path / f"stack-old{index}.pickle", (1_000_000 + index, 1_000_000 + index))
    with started(tmp_path) as sandbox:
        assert sandbox.status()["stack_source"] == "provisioned"
    left = sorted(p.name for p in tmp_path.glob("stack-*.pickle"))
    assert len(left) == KEEP_FILES
    newest_old = [f"stack-old{index}.pickle" for index in range(3, KEEP_FILES + 2)]
    assert [name for name in left if name.startswith("stack-old")] == newest_old
