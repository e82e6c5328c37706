"""Turn any failure of an AWS call into the words an operator should read."""

from __future__ import annotations

import asyncio
import re

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    ParamValidationError,
)

#: What can go wrong in a call to AWS, and nothing else: catch these, let bugs surface.
AWS_ERRORS = (ClientError, BotoCoreError, asyncio.TimeoutError, OSError)


def error_code(exc: BaseException) -> str | None:
    """AWS's error code (e.g. "ThrottlingException"), or None for non-AWS failures."""
    if isinstance(exc, ClientError):
        return exc.response.get("Error", {}).get("Code")
    return None


def http_status(exc: BaseException) -> int | None:
    """The HTTP status AWS answered with, or None when there was no answer."""
    if isinstance(exc, ClientError):
        return exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return None


def outcome_uncertain(exc: BaseException) -> bool:
    """True when a mutation that raised `exc` may still have been applied.

    A 5XX answer (AWS, or a proxy, failed after receiving it), a timeout, or a broken
    connection: the request may have been acted on. A 4XX is AWS refusing it; missing
    credentials or region and invalid parameters fail before anything is sent.
    """
    if isinstance(exc, ClientError):
        return (http_status(exc) or 0) >= 500
    if isinstance(exc, (NoCredentialsError, NoRegionError, ParamValidationError)):
        return False
    return isinstance(exc, AWS_ERRORS)


def request_id(exc: BaseException) -> str | None:
    if isinstance(exc, ClientError):
        return exc.response.get("ResponseMetadata", {}).get("RequestId")
    return None


def describe_error(exc: BaseException) -> str:
    """AWS's own words where there are some ("Code: Message"), else a plain description."""
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        code = err.get("Code") or "Error"
        message = _plain(err.get("Message") or str(exc))
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


def _plain(message: str) -> str:
    """An HTML error page (a proxy's, or moto's 404/500) reduced to its title, on one line."""
    if message.lstrip().startswith("<"):
        match = re.search(r"<title>(.*?)</title>", message, re.IGNORECASE | re.DOTALL)
        message = match.group(1) if match else re.sub(r"<[^>]+>", " ", message)
    return " ".join(message.split())
