"""Turn any failure of an AWS call into the words an operator should read."""

from __future__ import annotations

import asyncio

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
)

#: What can go wrong in a call to AWS, and nothing else: catch these, let bugs surface.
AWS_ERRORS = (ClientError, BotoCoreError, asyncio.TimeoutError, OSError)


def error_code(exc: BaseException) -> str | None:
    """AWS's error code (e.g. "ThrottlingException"), or None for non-AWS failures."""
    if isinstance(exc, ClientError):
        return exc.response.get("Error", {}).get("Code")
    return None


def request_id(exc: BaseException) -> str | None:
    if isinstance(exc, ClientError):
        return exc.response.get("ResponseMetadata", {}).get("RequestId")
    return None


def describe_error(exc: BaseException) -> str:
    """AWS's own words where there are some ("Code: Message"), else a plain description."""
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        code = err.get("Code") or "Error"
        message = err.get("Message") or str(exc)
        return f"{code}: {message}"
    if isinstance(exc, NoCredentialsError):
        return "no AWS credentials found (try `todotui --demo` for the local sandbox)"
    if isinstance(exc, NoRegionError):
        return "no AWS region configured (use --region or AWS_DEFAULT_REGION)"
    if isinstance(exc, EndpointConnectionError):
        return f"cannot reach {exc.kwargs.get('endpoint_url', 'the endpoint')}"
    if isinstance(exc, asyncio.TimeoutError):
        return "timed out waiting for AWS"
    return str(exc) or type(exc).__name__
