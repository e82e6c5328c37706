"""The alias and the published versions behind it: GetAlias and GetFunctionConfiguration(Qualifier).

Each read fails on its own and comes back as a `Read` holding AWS's error code and words
(a missing alias is `ResourceNotFoundException`, never an exception to the caller);
`telemetry.versions` turns the answers into the types the cockpit holds.
"""

from __future__ import annotations

from todotui.aws.errors import AWS_ERRORS, describe_error, error_code
from todotui.aws.session import AwsClients
from todotui.stack_names import StackNames
from todotui.telemetry.aws_types import AliasConfiguration, FunctionConfiguration, Read
from todotui.telemetry.versions import AliasRouting, VersionInfo, info_from, routing_from


async def fetch_alias(clients: AwsClients, stack: StackNames) -> Read[AliasRouting]:
    """GetAlias on the configured alias: where it routes traffic and its RevisionId."""
    try:
        lam = await clients.client("lambda")
        answer: AliasConfiguration = await lam.get_alias(
            FunctionName=stack.function_name, Name=stack.alias
        )
    except AWS_ERRORS as exc:
        return Read(error_code=error_code(exc), error=describe_error(exc))
    return Read(answer=routing_from(stack.function_name, stack.alias, answer))


async def fetch_version_info(
    clients: AwsClients, stack: StackNames, version: str
) -> Read[VersionInfo]:
    """GetFunctionConfiguration with Qualifier=`version`: its description, code hash, date."""
    try:
        lam = await clients.client("lambda")
        answer: FunctionConfiguration = await lam.get_function_configuration(
            FunctionName=stack.function_name, Qualifier=version
        )
    except AWS_ERRORS as exc:
        return Read(error_code=error_code(exc), error=describe_error(exc))
    return Read(answer=info_from(version, answer))


async def fetch_alias_provisioned(clients: AwsClients, stack: StackNames) -> Read[int]:
    """The provisioned concurrency requested on the alias itself (0 when none is configured)."""
    try:
        lam = await clients.client("lambda")
        answer = await lam.get_provisioned_concurrency_config(
            FunctionName=stack.function_name, Qualifier=stack.alias
        )
    except AWS_ERRORS as exc:
        code = error_code(exc)
        if code in ("ProvisionedConcurrencyConfigNotFoundException", "ResourceNotFoundException"):
            return Read(answer=0)
        return Read(error_code=code, error=describe_error(exc))
    return Read(answer=int(answer.get("RequestedProvisionedConcurrentExecutions") or 0))
