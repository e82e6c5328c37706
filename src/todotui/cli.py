"""Command line entry point.

Heavy modules (Textual, aiobotocore, moto) are imported only by the command that
needs them, so `todotui --help` and `todotui config` stay fast.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from todotui import __version__
from todotui.config import Settings, resolve_settings, settings_toml
from todotui.errors import ConfigError, UsageError
from todotui.headless import add_rollout_parser
from todotui.locations import config_file
from todotui.verbs.check import add_check_parser
from todotui.verbs.review import add_review_parser

if TYPE_CHECKING:
    from todotui.demo import StartingSandbox

EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="todotui",
        description="The on-call engineer's cockpit for the serverless Todo application.",
    )
    parser.add_argument("--version", action="version", version=f"todotui {__version__}")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="start a local sandbox (no AWS account needed) and open the cockpit on it",
    )
    parser.add_argument("--scenario", help="with --demo: the sandbox scenario to start in")
    parser.add_argument("--config", type=Path, help=f"settings file (default {config_file()})")
    parser.add_argument("--profile", help="AWS profile from your shared config")
    parser.add_argument("--region", help="AWS region (default: from your profile/environment)")
    parser.add_argument(
        "--endpoint-url",
        help="send AWS calls to this endpoint (LocalStack, a remote sandbox); AWS_ENDPOINT_URL works too",
    )
    parser.add_argument(
        "--read-only",
        action="store_true",
        default=None,
        help="show plans but never change anything",
    )
    parser.add_argument(
        "--refresh", type=float, metavar="SECONDS", help="seconds between metric refreshes"
    )

    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    sandbox = commands.add_parser(
        "sandbox",
        help="run the local AWS sandbox alone (prints its endpoint; Ctrl-C stops it)",
        description="Serve the AWS APIs on 127.0.0.1 with the Todo stack provisioned and live traffic.",
    )
    sandbox.add_argument("--host", default="127.0.0.1", help="address to listen on (loopback only)")
    sandbox.add_argument("--port", type=int, default=0, help="port (0 = any free port)")
    sandbox.add_argument("--scenario", default="steady", help="traffic scenario to start in")
    sandbox.add_argument(
        "--period",
        type=float,
        default=5.0,
        help="seconds of traffic each tick stands for (default 5)",
    )
    sandbox.add_argument("--seed", type=int, default=0, help="random seed for the traffic model")
    sandbox.add_argument(
        "--manual",
        action="store_true",
        help="do not tick on a timer: time advances only through the control API (for tests)",
    )
    sandbox.add_argument(
        "--backfill",
        type=int,
        default=None,
        help="periods of history to simulate at start (default: 60, or 0 with --manual)",
    )
    sandbox.add_argument(
        "--history-days",
        type=int,
        default=None,
        help="days of hourly history before the start, for `todotui check` (default: 9, or 0 "
        "with --manual)",
    )

    scenario = commands.add_parser(
        "scenario",
        help="list scenarios, or switch a running sandbox to one",
        description="Without NAME, list the scenarios; with NAME, switch a running sandbox to it.",
    )
    scenario.add_argument("name", nargs="?", help="scenario to switch to")

    add_rollout_parser(commands)
    add_review_parser(commands)
    add_check_parser(commands)
    commands.add_parser("config", help="print the settings file's path and the resolved settings")
    return parser


def _print_config(args: argparse.Namespace, settings: Settings) -> int:
    path = args.config or config_file()
    state = "" if path.exists() else "  (not present: defaults in use)"
    print(f"# settings file: {path}{state}")
    print(settings_toml(settings), end="")
    return 0


def _run(args: argparse.Namespace) -> int:
    if args.command == "sandbox":
        from todotui.sandbox.runner import run_sandbox

        return run_sandbox(args)
    if args.command == "scenario":
        from todotui.sandbox.controller import scenario_command

        if args.name:
            _check_endpoint_url(args.endpoint_url or os.environ.get("AWS_ENDPOINT_URL"))
        return scenario_command(args)
    settings = resolve_settings(args)
    if args.command == "config":
        return _print_config(args, settings)
    if args.command == "rollout":
        from todotui.headless import rollout_command

        if args.demo:
            raise UsageError(
                "rollout verbs act on a real endpoint: run `todotui sandbox` and pass --endpoint-url"
            )
        _check_endpoint_url(settings.aws.endpoint_url or os.environ.get("AWS_ENDPOINT_URL"))
        return rollout_command(args, settings)
    if args.command == "review":
        from todotui.verbs.review import review_command

        if not args.demo:
            _check_endpoint_url(settings.aws.endpoint_url or os.environ.get("AWS_ENDPOINT_URL"))
        return review_command(args, settings, demo=args.demo)
    if args.command == "check":
        from todotui.verbs.check import check_command, since_of

        since_of(args)  # a bad --since is a usage error before anything starts
        if not args.demo:
            _check_endpoint_url(settings.aws.endpoint_url or os.environ.get("AWS_ENDPOINT_URL"))
        return check_command(
            args, settings, demo_scenario=(args.scenario or "steady") if args.demo else None
        )
    if args.scenario is not None and not args.demo:
        raise UsageError("--scenario needs --demo (it picks the sandbox's traffic scenario)")
    if args.demo:
        return _run_demo(settings, args.scenario or "steady")
    _check_endpoint_url(settings.aws.endpoint_url or os.environ.get("AWS_ENDPOINT_URL"))
    return asyncio.run(_run_cockpit(settings))


def _check_endpoint_url(url: str | None) -> None:
    """An endpoint (flag, settings file or AWS_ENDPOINT_URL) must be an http(s) URL: botocore
    and urllib would otherwise fail with a traceback or an unrelated message."""
    if not url:
        return
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 (parsing the port is the check)
    except ValueError as exc:
        raise UsageError(f"endpoint {url}: not a valid URL ({exc})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        hint = "" if "://" in url else f"; did you mean http://{url}?"
        raise UsageError(f"endpoint {url}: not an http:// or https:// URL{hint}")


async def _run_cockpit(settings: Settings) -> int:
    """Ask STS who we are before drawing anything (a failure is one clear line), then run
    the cockpit on the same core until the user quits; the core is closed either way."""
    from todotui.aws.errors import AWS_ERRORS, describe_error
    from todotui.core.cockpit import Cockpit
    from todotui.core.monitor import MonitorError

    try:
        cockpit = Cockpit(settings)  # reads the AWS config now: a missing profile fails here
    except AWS_ERRORS as exc:
        raise UsageError(describe_error(exc)) from None
    async with cockpit as core:
        try:
            await core.monitor.identity()
        except MonitorError as exc:
            raise UsageError(str(exc)) from None
        from todotui.ui.app import make_app

        app = make_app(core)
        await app.run_async()
        return app.return_code or 0


def _run_demo(settings: Settings, scenario: str) -> int:
    """Open the cockpit at once; the sandbox starts behind it and the panes fill when it is up."""
    from todotui.demo import StartingSandbox, check_scenario, demo_settings

    check_scenario(scenario)
    settings = demo_settings(settings)
    starting = StartingSandbox(scenario, read_only=settings.aws.effective_read_only)
    try:
        return asyncio.run(_run_demo_cockpit(settings, starting, f"sandbox ({scenario})"))
    finally:
        starting.stop()


async def _run_demo_cockpit(settings: Settings, starting: StartingSandbox, label: str) -> int:
    from todotui.core.cockpit import Cockpit
    from todotui.ui.app import make_app

    async with Cockpit(settings, connect=starting.target) as core:
        app = make_app(core, demo_label=label)
        await app.run_async()
        return app.return_code or 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _run(args)
    except (ConfigError, UsageError) as exc:
        print(f"todotui: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
