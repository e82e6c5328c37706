"""Resource facts (memory, limits, table capacity) from one round of resource reads.

Pure: a missing function becomes "function X not found in REGION" for its panes; any
other failed read becomes a problem in AWS's words and an unknown figure, never a zero.
"""

from __future__ import annotations

from datetime import datetime

from todotui.stack_names import StackNames
from todotui.telemetry.aws_types import ResourceReads
from todotui.telemetry.model import ResourceFacts

NOT_FOUND_CODES = frozenset({"ResourceNotFoundException", "ResourceNotFound", "404"})


def resource_facts(reads: ResourceReads, stack: StackNames, *, now: datetime) -> ResourceFacts:
    region = reads.region or "(no region)"
    problems: list[str] = []
    memory_mb = timeout_s = reserved = account_limit = unreserved = None
    function_missing = table_missing = ""
    billing_mode = table_status = None
    read_capacity = write_capacity = decreases = None

    function = reads.function
    if function.answer is not None:
        memory_mb, timeout_s = function.answer.get("MemorySize"), function.answer.get("Timeout")
    elif function.error_code in NOT_FOUND_CODES:
        function_missing = f"function {stack.function_name} not found in {region}"
    else:
        problems.append(f"GetFunctionConfiguration: {function.error}")

    concurrency = reads.concurrency
    if concurrency.answer is not None:
        reserved = concurrency.answer.get("ReservedConcurrentExecutions")
    elif concurrency.error_code not in NOT_FOUND_CODES:
        problems.append(f"GetFunctionConcurrency: {concurrency.error}")

    account = reads.account
    if account.answer is not None:
        limit = account.answer.get("AccountLimit", {})
        account_limit = limit.get("ConcurrentExecutions")
        unreserved = limit.get("UnreservedConcurrentExecutions")
    else:
        problems.append(f"GetAccountSettings: {account.error}")

    table = reads.table
    if table.answer is not None:
        throughput = table.answer.get("ProvisionedThroughput", {})
        billing_mode = table.answer.get("BillingModeSummary", {}).get("BillingMode")
        if billing_mode is None:
            # DescribeTable omits BillingModeSummary for tables that were always provisioned.
            provisioned = throughput.get("ReadCapacityUnits")
            billing_mode = "PROVISIONED" if provisioned else "PAY_PER_REQUEST"
        table_status = table.answer.get("TableStatus")
        if billing_mode == "PROVISIONED":
            read_capacity = throughput.get("ReadCapacityUnits")
            write_capacity = throughput.get("WriteCapacityUnits")
        decreases = throughput.get("NumberOfDecreasesToday")
    elif table.error_code in NOT_FOUND_CODES:
        table_missing = f"table {stack.table_name} not found in {region}"
    else:
        problems.append(f"DescribeTable: {table.error}")

    return ResourceFacts(
        fetched_at=now,
        memory_mb=memory_mb,
        timeout_s=timeout_s,
        reserved_concurrency=reserved,
        account_concurrency=account_limit,
        unreserved_concurrency=unreserved,
        billing_mode=billing_mode,
        read_capacity=read_capacity,
        write_capacity=write_capacity,
        decreases_today=decreases,
        table_status=table_status,
        function_missing=function_missing,
        table_missing=table_missing,
        problems=tuple(problems),
    )


def nothing_read(facts: ResourceFacts) -> bool:
    """True when every read failed for want of an answer (the endpoint is unreachable)."""
    return (
        facts.memory_mb is None
        and not facts.function_missing
        and facts.billing_mode is None
        and not facts.table_missing
    )
