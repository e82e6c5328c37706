"""The slow-changing reads (function configuration, limits, table), fetched concurrently.

Each read fails on its own and comes back as a `Read` holding AWS's error: a missing
function or an API the endpoint lacks (moto has no GetAccountSettings) never sinks the
others. `telemetry.resources` turns the answers into the figures the panes show.
"""

from __future__ import annotations

import asyncio
from typing import Any

from todotui.aws.errors import AWS_ERRORS, describe_error, error_code
from todotui.aws.session import AwsClients
from todotui.stack_names import StackNames
from todotui.telemetry.aws_types import Read, ResourceReads


async def fetch_resources(clients: AwsClients, stack: StackNames) -> ResourceReads:
    """Read everything at once; whatever fails is a `Read` with its error."""
    function, concurrency, account, table = await asyncio.gather(
        _read(clients, "lambda", "get_function_configuration", FunctionName=stack.function_name),
        _read(clients, "lambda", "get_function_concurrency", FunctionName=stack.function_name),
        _read(clients, "lambda", "get_account_settings"),
        _read(clients, "dynamodb", "describe_table", TableName=stack.table_name),
    )
    if table.answer is not None:
        table = Read(answer=table.answer.get("Table", {}))
    return ResourceReads(clients.target.region, function, concurrency, account, table)


async def _read(clients: AwsClients, service: str, operation: str, **params: Any) -> Read[Any]:
    try:
        client = await clients.client(service)
        return Read(answer=await getattr(client, operation)(**params))
    except AWS_ERRORS as exc:
        return Read(error_code=error_code(exc), error=describe_error(exc))
