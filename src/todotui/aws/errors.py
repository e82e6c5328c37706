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
    ProfileNotFound,
)
from botocore.parsers import ResponseParserError

#: What can go wrong in a call to AWS, and nothing else: catch these, let bugs surface.
#: ResponseParserError (not a BotoCoreError): the endpoint answered something that is not AWS's.
AWS_ERRORS = (ClientError, BotoCoreError, ResponseParserError, asyncio.TimeoutError, OSError)


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
        if not err.get("Code") and not err.get("Message"):
            # No AWS error document at all: a web server's or proxy's page, not AWS.
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", "?")
            return (
                f"the endpoint answered HTTP {status} with no AWS error in it (is it an AWS API?)"
            )
        code = err.get("Code") or "Error"
        message = _plain(err.get("Message") or str(exc))
        return f"{code}: {message}"
    if isinstance(exc, ResponseParserError):
        return (
            "the endpoint's answer is not an AWS response: it cannot be parsed (is it an AWS API?)"
        )
    if isinstance(exc, NoCredentialsError):
        return describe_missing_setup(no_credentials=True)
    if isinstance(exc, NoRegionError):
        return describe_missing_setup(no_region=True)
    if isinstance(exc, ProfileNotFound):
        profile = exc.kwargs.get("profile")
        return (
            f"no AWS profile {profile!r} in your AWS config files"
            " (`aws configure list-profiles` lists those there are)"
        )
    if isinstance(exc, EndpointConnectionError):
        return f"cannot reach {exc.kwargs.get('endpoint_url', 'the endpoint')}"
    if isinstance(exc, asyncio.TimeoutError):
        return "timed out waiting for AWS"
    return " ".join(str(exc).split()) or type(exc).__name__  # one line, whatever it said


_DEMO_HINT = "or `todotui --demo` for the built-in sandbox"


def describe_missing_setup(*, no_region: bool = False, no_credentials: bool = False) -> str:
    """One line naming what is missing to reach AWS (region, credentials or both), with the
    way to set it and the sandbox that needs neither."""
    if no_region and no_credentials:
        return (
            "no AWS region and no AWS credentials configured (use --profile and --region,"
            f" or AWS_* variables; {_DEMO_HINT})"
        )
    if no_region:
        return f"no AWS region configured (use --region or AWS_DEFAULT_REGION; {_DEMO_HINT})"
    return (
        "no AWS credentials found (use --profile, or AWS_ACCESS_KEY_ID and"
        f" AWS_SECRET_ACCESS_KEY; {_DEMO_HINT})"
    )


def _plain(message: str) -> str:
    """An HTML error page (a proxy's, or moto's 404/500) reduced to its title, on one line."""
    if message.lstrip().startswith("<"):
        match = re.search(r"<title>(.*?)</title>", message, re.IGNORECASE | re.DOTALL)
        message = match.group(1) if match else re.sub(r"<[^>]+>", " ", message)
    return " ".join(message.split())
