"""Slow-changing facts about the monitored resources: memory, limits, table capacity.

Read on a slower cadence than metrics. Each read fails on its own: a missing function
becomes "function X not found in REGION" for its panes, an API the endpoint lacks
(moto has no GetAccountSettings) becomes an unknown figure, never a crash.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from todotui.aws.errors import AWS_ERRORS, describe_error, error_code
from todotui.aws.session import AwsClients
from todotui.config import StackNames
from todotui.telemetry.model import ResourceFacts

_NOT_FOUND = {"ResourceNotFoundException", "ResourceNotFound", "404"}


async def read_resources(clients: AwsClients, stack: StackNames, *, now: datetime) -> ResourceFacts:
    """Read everything concurrently; whatever fails is recorded in `problems`."""
    region = clients.target.region or "(no region)"
    function, concurrency, account, table = await asyncio.gather(
        _call(clients, "lambda", "get_function_configuration", FunctionName=stack.function_name),
        _call(clients, "lambda", "get_function_concurrency", FunctionName=stack.function_name),
        _call(clients, "lambda", "get_account_settings"),
        _call(clients, "dynamodb", "describe_table", TableName=stack.table_name),
    )
    problems: list[str] = []
    facts: dict[str, Any] = {"fetched_at": now}

    ok, answer = function
    if ok:
        facts["memory_mb"] = answer.get("MemorySize")
        facts["timeout_s"] = answer.get("Timeout")
    elif error_code(answer) in _NOT_FOUND:
        facts["function_missing"] = f"function {stack.function_name} not found in {region}"
    else:
        problems.append(f"GetFunctionConfiguration: {describe_error(answer)}")

    ok, answer = concurrency
    if ok:
        facts["reserved_concurrency"] = answer.get("ReservedConcurrentExecutions")
    elif error_code(answer) not in _NOT_FOUND:
        problems.append(f"GetFunctionConcurrency: {describe_error(answer)}")

    ok, answer = account
    if ok:
        limit = answer.get("AccountLimit", {})
        facts["account_concurrency"] = limit.get("ConcurrentExecutions")
        facts["unreserved_concurrency"] = limit.get("UnreservedConcurrentExecutions")
    else:
        problems.append(f"GetAccountSettings: {describe_error(answer)}")

    ok, answer = table
    if ok:
        desc = answer.get("Table", {})
        throughput = desc.get("ProvisionedThroughput", {})
        mode = desc.get("BillingModeSummary", {}).get("BillingMode")
        if mode is None:
            # DescribeTable omits BillingModeSummary for tables that were always provisioned.
            mode = "PAY_PER_REQUEST" if not throughput.get("ReadCapacityUnits") else "PROVISIONED"
        facts["billing_mode"] = mode
        facts["table_status"] = desc.get("TableStatus")
        if mode == "PROVISIONED":
            facts["read_capacity"] = throughput.get("ReadCapacityUnits")
            facts["write_capacity"] = throughput.get("WriteCapacityUnits")
        facts["decreases_today"] = throughput.get("NumberOfDecreasesToday")
    elif error_code(answer) in _NOT_FOUND:
        facts["table_missing"] = f"table {stack.table_name} not found in {region}"
    else:
        problems.append(f"DescribeTable: {describe_error(answer)}")

    return ResourceFacts(problems=tuple(problems), **facts)


async def _call(clients: AwsClients, service: str, operation: str, **params: Any) -> tuple[bool, Any]:
    """(True, response) or (False, the exception): one failed read must not sink the others."""
    try:
        client = await clients.client(service)
        return True, await getattr(client, operation)(**params)
    except AWS_ERRORS as exc:
        return False, exc
