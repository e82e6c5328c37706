"""`todotui check [--since 24h] [--json]`: the runbook's morning health check, headless.

Exit codes: 0 healthy, 1 degraded (a threshold breached or an alarm not OK), 2 cannot tell
(no credentials, endpoint down, data missing, or a usage error): never healthy by default.
The JSON schema is `todotui.reports.check`'s docstring (`schema_version` 1).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import TYPE_CHECKING, Any, TextIO

from todotui.errors import UsageError

if TYPE_CHECKING:  # `todotui.cli` imports this module: it stays import-light (no pydantic)
    from todotui.aws.session import StaticCredentials
    from todotui.config import AwsTarget, Settings
    from todotui.reports.check import CheckReport

EXIT_HEALTHY, EXIT_DEGRADED, EXIT_UNKNOWN = 0, 1, 2


def add_check_parser(commands: Any) -> None:
    check = commands.add_parser(
        "check",
        help="the morning health check: figures vs thresholds, a day and a week ago (exit 0/1/2)",
        description=(
            "The runbook's daily health check in one GetMetricData call: invocations, requests, "
            "errors, 5XX, latency, throttles, capacity and alarms, each against its threshold "
            "and the same window a day and a week earlier. Exit 0 healthy, 1 degraded, "
            "2 cannot tell."
        ),
    )
    check.add_argument(
        "--since",
        default="24h",
        metavar="WINDOW",
        help=f"how far back: {', '.join(('30m', '1h', '24h', '7d'))}... (default 24h)",
    )
    check.add_argument("--json", action="store_true", help="machine-readable (schema_version 1)")


def since_of(args: argparse.Namespace) -> int:
    from todotui.reports.check import SinceError, parse_since

    try:
        return parse_since(args.since)
    except SinceError as exc:
        raise UsageError(str(exc)) from None


def check_command(
    args: argparse.Namespace, settings: Settings, *, demo_scenario: str | None = None
) -> int:
    """Flags are checked before anything connects: a bad --since costs no AWS call."""
    since = since_of(args)
    return asyncio.run(
        run(settings, since, as_json=args.json, out=sys.stdout, demo_scenario=demo_scenario)
    )


async def run(
    settings: Settings,
    since_seconds: int,
    *,
    as_json: bool,
    out: TextIO,
    demo_scenario: str | None = None,
    credentials: StaticCredentials | None = None,
) -> int:
    from todotui.aws.errors import AWS_ERRORS, describe_error
    from todotui.aws.session import AwsClients
    from todotui.core.check import run_check
    from todotui.core.clock import utc_now

    starting = None
    target: AwsTarget = settings.aws
    if demo_scenario is not None:
        from todotui.demo import StartingSandbox, check_scenario

        check_scenario(demo_scenario)
        starting = StartingSandbox(demo_scenario, read_only=True)
    try:
        if starting is not None:
            target, credentials = await starting.target()
            await asyncio.to_thread(_wait_for_long_history, starting.sandbox)
        try:
            clients = AwsClients(target, credentials=credentials)
        except AWS_ERRORS as exc:
            raise UsageError(f"cannot tell: {describe_error(exc)}") from None
        async with clients:
            report = await run_check(clients, settings, since_seconds=since_seconds, now=utc_now())
    finally:
        if starting is not None:
            starting.stop()
    write_report(report, out, as_json=as_json)
    return report.exit_code


def _wait_for_long_history(sandbox: Any, timeout: float = 60.0) -> None:
    """The demo's sandbox publishes its days of hourly history right after its backfill."""
    import time

    deadline = time.monotonic() + timeout
    while (sandbox.status().get("history") or {}).get("pending_days") and (
        time.monotonic() < deadline
    ):
        time.sleep(0.2)


def write_report(report: CheckReport, out: TextIO, *, as_json: bool) -> None:
    if as_json:
        json.dump(report.to_json(), out, indent=2)
        out.write("\n")
        return
    from todotui.ui.text.check import print_check

    print_check(report, out)
