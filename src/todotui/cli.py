"""Command line entry point.

Heavy modules (Textual, aiobotocore, moto) are imported only by the command that
needs them, so `todotui --help` and `todotui config` stay fast. Importing this module loads
no pydantic either: `--demo` starts its sandbox child before the settings are validated.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from todotui import __version__
from todotui.errors import ConfigError, UsageError
from todotui.headless import add_rollout_parser
from todotui.locations import config_file
from todotui.startup_trace import mark
from todotui.verbs.check import add_check_parser
from todotui.verbs.review import add_review_parser

if TYPE_CHECKING:
    from todotui.config import Settings
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
    parser.add_argument(
        "--fleet",
        type=int,
        metavar="N",
        help="with --demo: also run N more functions and some tables, a few of them in trouble,"
        " for the fleet view (F)",
    )
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
    parser.add_argument(
        "--record",
        type=Path,
        metavar="FILE",
        help="write every refresh's data to FILE (gzip'd JSON lines) for `todotui replay FILE`",
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
        "--fleet",
        type=int,
        default=0,
        metavar="N",
        help="also provision N fleet functions (PROD alias) and some tables, tagged fleet=sandbox,"
        " with traffic and a few incidents, for the fleet view (F)",
    )
    sandbox.add_argument(
        "--history-days",
        type=int,
        default=None,
        help="days of hourly history before the start, for `todotui check` (default: 9, or 0 "
        "with --manual)",
    )
    sandbox.add_argument(
        "--stack-cache",
        type=Path,
        default=None,
        metavar="DIR",
        help="load the provisioned stack kept in DIR by an earlier start with the same code and "
        "settings, instead of provisioning it (then keep it there); the demo uses todotui's "
        "cache directory",
    )

    scenario = commands.add_parser(
        "scenario",
        help="list scenarios, or switch a running sandbox to one",
        description="Without NAME, list the scenarios; with NAME, switch a running sandbox to it.",
    )
    scenario.add_argument("name", nargs="?", help="scenario to switch to")

    replay = commands.add_parser(
        "replay",
        help="open the cockpit on a recording (no AWS calls, actions disabled)",
        description="Replay a `--record` recording: pause, step, speed 1x-60x and seek.",
    )
    replay.add_argument("file", type=Path, help="the recording (from `todotui --record FILE`)")
    replay.add_argument(
        "--speed", type=float, default=1.0, help="start at this speed (1 to 60, default 1)"
    )
    replay.add_argument("--paused", action="store_true", help="start paused at the first refresh")

    add_rollout_parser(commands)
    add_review_parser(commands)
    add_check_parser(commands)
    commands.add_parser("config", help="print the settings file's path and the resolved settings")
    return parser


def _print_config(args: argparse.Namespace, settings: Settings) -> int:
    from todotui.config import settings_toml

    path = args.config or config_file()
    state = "" if path.exists() else "  (not present: defaults in use)"
    print(f"# settings file: {path}{state}")
    print(settings_toml(settings), end="")
    return 0


def _run(args: argparse.Namespace) -> int:
    if args.command == "sandbox":
        from todotui.sandbox.runner import run_sandbox

        return run_sandbox(args)
    if args.command == "replay":
        return _run_replay(args)
    if args.command == "scenario":
        from todotui.sandbox.controller import scenario_command

        if args.name:
            _check_endpoint_url(args.endpoint_url or os.environ.get("AWS_ENDPOINT_URL"))
        return scenario_command(args)
    if args.demo and args.command is None:
        return _run_demo(args)
    from todotui.config import resolve_settings

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
    if args.fleet is not None and not args.demo:
        raise UsageError(
            "--fleet needs --demo (for an account, name the members or a tag in [fleet])"
        )
    record = _check_record_path(args.record)
    _check_endpoint_url(settings.aws.endpoint_url or os.environ.get("AWS_ENDPOINT_URL"))
    return asyncio.run(_run_cockpit(settings, record))


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


def _check_record_path(path: Path | None) -> Path | None:
    """A recording goes to a new file in a directory that exists (never over another)."""
    if path is None:
        return None
    if path.exists():
        raise UsageError(f"--record {path}: the file exists; choose another name (or remove it)")
    if not path.parent.is_dir():
        raise UsageError(f"--record {path}: no directory {path.parent}")
    return path


def _run_replay(args: argparse.Namespace) -> int:
    from todotui.core.replay import SPEEDS, Recording
    from todotui.reports.recording_format import RecordingError

    if not SPEEDS[0] <= args.speed <= SPEEDS[-1]:
        raise UsageError(f"--speed {args.speed:g}: choose 1 to 60")
    try:
        recording = Recording.load(args.file)
    except RecordingError as exc:
        raise UsageError(str(exc)) from None
    if recording.problem:
        print(f"todotui: {args.file}: {recording.problem}", file=sys.stderr)
    return asyncio.run(_replay(recording, args.speed, args.paused))


async def _replay(recording: Any, speed: float, paused: bool) -> int:
    from todotui.core.replay import Player, replay_cockpit
    from todotui.ui.replay_app import make_replay_app

    async with replay_cockpit(recording) as core:
        player = Player(core, recording)
        player.speed, player.paused = speed, paused
        app = make_replay_app(core, player, label=f"replay {recording.path.name}")
        await app.run_async()
        return app.return_code or 0


def _recording(core: Any, path: Path | None) -> Any:
    """Start writing `path` from the core's next refresh (None: no recording)."""
    if path is None:
        return None
    from todotui.core.recording import Recorder
    from todotui.reports.recording_format import RecordingError

    try:
        recorder = Recorder(path, core.settings, created=core.clock())
    except RecordingError as exc:
        raise UsageError(str(exc)) from None
    recorder.attach(core.monitor, core.poller.subscribe)
    return recorder


async def _run_cockpit(settings: Settings, record: Path | None = None) -> int:
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

        recorder = _recording(core, record)
        try:
            app = make_app(core)
            await app.run_async()
        finally:
            if recorder is not None:
                recorder.close()
        return app.return_code or 0


def _trace_first_refresh(core: Any) -> None:
    """Mark the first refresh in the start-up trace (see todotui/startup_trace.py)."""
    from todotui.core.poller import Refreshed

    def listener(event: Any) -> None:
        if isinstance(event, Refreshed):
            mark("first refresh done" if event.refresh.ok else "first refresh failed")
            unsubscribe()

    unsubscribe = core.poller.subscribe(listener)


def _run_demo(args: argparse.Namespace) -> int:
    """Open the cockpit at once; the sandbox starts behind it and the panes fill when it is up.

    The sandbox child is started first, before this process imports Textual, pydantic or the
    core: its start-up overlaps theirs. The first frame (the cockpit's skeleton) needs only
    Textual; the settings are read and the core built after it, and a bad settings file
    closes the cockpit again with the same one-line message and status as any command."""
    from todotui.demo import StartingSandbox, check_fleet, check_scenario
    from todotui.stack_names import settings_path

    scenario, fleet = args.scenario or "steady", args.fleet or 0
    check_scenario(scenario)
    check_fleet(fleet)
    record = _check_record_path(args.record)
    settings_path(args)  # a missing --config fails now, as resolve_settings says it
    # Start-up allocates much and frees little: the cyclic collector's passes over it (~20%
    # of the first frame, measured headless) wait until the core is built (`_demo_core`).
    gc.disable()
    starting = StartingSandbox(scenario, read_only=False, fleet=fleet)
    try:
        return asyncio.run(_run_demo_cockpit(args, starting, f"sandbox ({scenario})", record))
    finally:
        gc.enable()  # already, unless the cockpit closed before its core was built
        starting.stop()


def _demo_core(args: argparse.Namespace, starting: StartingSandbox) -> Any:
    """The demo's settings and core (not yet entered); run in a thread: this is where
    pydantic, the core and the action registry are imported."""
    try:
        from todotui.config import resolve_settings
        from todotui.core.cockpit import Cockpit
        from todotui.demo import demo_settings

        settings = demo_settings(resolve_settings(args), fleet=args.fleet or 0)
        starting.read_only = settings.aws.effective_read_only
        mark("settings read")
        return Cockpit(settings, connect=starting.target)
    finally:
        gc.enable()  # disabled for the start-up by `_run_demo`


async def _run_demo_cockpit(
    args: argparse.Namespace, starting: StartingSandbox, label: str, record: Path | None = None
) -> int:
    from contextlib import AsyncExitStack

    from todotui.ui.app import make_app

    async with AsyncExitStack() as opened:  # what `opening` enters is closed after the app

        async def opening() -> Any:
            core = await asyncio.to_thread(_demo_core, args, starting)
            await opened.enter_async_context(core)
            starting.prepare(core.clients)
            recorder = _recording(core, record)
            if recorder is not None:
                opened.callback(recorder.close)
            _trace_first_refresh(core)
            return core

        app = make_app(opening=opening, demo_label=label)
        mark("app built")
        await app.run_async()
    if app.startup_error is not None:
        raise app.startup_error
    return app.return_code or 0


def main(argv: list[str] | None = None) -> int:
    mark("cli main")
    args = build_parser().parse_args(argv)
    try:
        return _run(args)
    except (ConfigError, UsageError) as exc:
        print(f"todotui: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
