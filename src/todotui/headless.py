"""`todotui rollout ...`: the rollout verbs for CI pipelines and scripts, with the cockpit's guards.

The same core as the cockpit: the same `RolloutDriver`, the same action path (plan, send
once, verify, journal), the same record beside the journal, `--read-only` honoured. Exit
codes: 0 done (with `--watch`: promoted), 3 aborted, 4 stopped for a person (degraded),
2 usage or connection error.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO

from todotui.errors import UsageError

if TYPE_CHECKING:  # `todotui.cli` imports this module: it stays import-light (no pydantic)
    from todotui.config import Settings
    from todotui.core.cockpit import Cockpit
    from todotui.rollout.model import Rollout

EXIT_OK, EXIT_USAGE, EXIT_ABORTED, EXIT_STOPPED = 0, 2, 3, 4


def add_rollout_parser(commands: Any) -> None:
    rollout = commands.add_parser(
        "rollout",
        help="blue-green rollouts of the alias: start, status, promote, abort",
        description=(
            "Shift the alias's traffic to a candidate version step by step, judged against the "
            "stable version; every alias change is planned, sent once, verified and journaled."
        ),
    )
    verbs = rollout.add_subparsers(dest="verb", metavar="VERB", required=True)
    start = verbs.add_parser("start", help="start rolling a published version out")
    start.add_argument("--version", required=True, help="the candidate: a published version number")
    how = start.add_mutually_exclusive_group()
    how.add_argument(
        "--preset", help="canary10-5m, linear10-every-1m, all-at-once, or a custom one"
    )
    how.add_argument("--steps", help="weights in percent, e.g. 10,50,100 (with --interval)")
    start.add_argument(
        "--interval", type=float, metavar="SECONDS", help="with --steps: how long each weight holds"
    )
    start.add_argument(
        "--watch",
        action="store_true",
        help="drive the rollout in the foreground until it ends (exit 0 promoted, 3 aborted)",
    )
    status = verbs.add_parser("status", help="where the alias's rollout stands")
    status.add_argument("--json", action="store_true", help="machine-readable")
    status.add_argument(
        "--watch", action="store_true", help="drive the rollout in progress until it ends"
    )
    promote = verbs.add_parser("promote", help="skip the current pause or gate")
    promote.add_argument("--full", action="store_true", help="skip every step left: 100% now")
    verbs.add_parser("abort", help="all traffic back to the stable version, weights cleared")
    verbs.add_parser("retry", help="start an aborted rollout again from its first step")


def rollout_command(
    args: argparse.Namespace,
    settings: Settings,
    *,
    make_core: Callable[[Settings], Cockpit] | None = None,
    out: TextIO | None = None,
) -> int:
    """Run one verb; `make_core` lets tests hand in a core on their own clock. Flags are
    checked before anything connects: a usage error costs no AWS call."""
    if args.verb == "start":
        _steps_of(args, settings)
    return asyncio.run(run_verb(args, settings, make_core=make_core, out=out or sys.stdout))


async def run_verb(
    args: argparse.Namespace,
    settings: Settings,
    *,
    make_core: Callable[[Settings], Cockpit] | None = None,
    out: TextIO,
) -> int:
    from todotui.aws.errors import AWS_ERRORS, describe_error
    from todotui.core.cockpit import Cockpit
    from todotui.core.monitor import MonitorError

    steps = _steps_of(args, settings) if args.verb == "start" else None
    try:
        # Nobody watches a pipeline's screen: an automatic abort does not count down.
        core = make_core(settings) if make_core else Cockpit(settings, rollout_grace_seconds=0)
    except AWS_ERRORS as exc:
        raise UsageError(describe_error(exc)) from None
    async with core:
        try:
            await core.monitor.identity()
        except MonitorError as exc:
            raise UsageError(str(exc)) from None
        driver = core.rollouts
        driver.autodrive = False  # only `--watch` drives; a query or a key acts once
        refresh = await core.poller.refresh_once()
        if not refresh.ok:
            raise UsageError(f"cannot read the telemetry: {refresh.error}")
        await driver.tick(drive=False)
        if driver.problem:
            raise UsageError(driver.problem)
        if args.verb == "status":
            if args.watch:
                return await watch(core, out)
            _print_status(core, out, as_json=args.json)
            return _exit_code(driver.rollout)
        if args.verb == "start":
            name, plan = steps or ("", ())
            result = await driver.start(args.version, strategy=name, steps=plan or None)
        elif args.verb == "promote":
            result = await driver.promote(full=args.full)
        elif args.verb == "abort":
            result = await driver.abort()
        else:
            result = await driver.retry()
        print(result.message, file=out)
        if not result.ok:
            return EXIT_STOPPED if driver.rollout is not None else EXIT_USAGE
        if args.verb == "start" and args.watch:
            return await watch(
                core, out, printed=len(driver.rollout.events) if driver.rollout else 0
            )
        return _exit_code(driver.rollout)


def _steps_of(args: argparse.Namespace, settings: Settings) -> tuple[str, tuple[Any, ...]]:
    """(strategy name, steps) from --preset or --steps/--interval; a usage error otherwise."""
    from todotui.rollout.steps import StepError, percent_steps, strategies

    if args.steps:
        if args.interval is None:
            raise UsageError("--steps needs --interval SECONDS (how long each weight holds)")
        try:
            steps = percent_steps(args.steps, args.interval)
        except StepError as exc:
            raise UsageError(str(exc)) from None
        return f"steps {args.steps} every {args.interval:g}s", steps
    if args.interval is not None:
        raise UsageError("--interval goes with --steps")
    name = args.preset or settings.rollouts.preset
    try:
        plans = strategies(settings.rollouts.custom)
    except StepError as exc:
        raise UsageError(str(exc)) from None
    if name not in plans:
        raise UsageError(f"unknown preset {name!r}: choose one of {', '.join(plans)}")
    return name, plans[name]


async def watch(core: Cockpit, out: TextIO, *, printed: int = 0) -> int:
    """Drive the rollout with the poll loop until it ends; one line per event."""
    driver = core.rollouts
    if driver.rollout is None:
        print("no rollout on this alias", file=out)
        return EXIT_USAGE
    driver.autodrive = True
    changed = asyncio.Event()
    unsubscribe = driver.subscribe(changed.set)  # after every tick and every key
    poll = asyncio.get_running_loop().create_task(core.poller.run())
    try:
        while True:
            changed.clear()
            rollout = driver.rollout
            if rollout is not None:
                from todotui.rollout.model import Phase

                for event in rollout.events[printed:]:
                    print(f"{event.at:%H:%M:%S} {event.kind.value:<10} {event.text}", file=out)
                printed = len(rollout.events)
                if rollout.phase.finished or rollout.phase is Phase.DEGRADED:
                    return _exit_code(rollout)
            await changed.wait()
    finally:
        unsubscribe()
        poll.cancel()
        await asyncio.gather(poll, return_exceptions=True)


def _exit_code(rollout: Rollout | None) -> int:
    from todotui.rollout.model import Phase

    if rollout is not None and rollout.phase is Phase.ABORTED:
        return EXIT_ABORTED
    if rollout is not None and rollout.phase is Phase.DEGRADED:
        return EXIT_STOPPED
    return EXIT_OK


def _print_status(core: Cockpit, out: TextIO, *, as_json: bool) -> None:
    from todotui.rollout.steps import duration_words

    driver = core.rollouts
    rollout, routing, now = driver.rollout, driver.routing, core.clock()
    versions: dict[str, Any] = {}
    if rollout is not None:
        since = rollout.first_shift_at
        for role, version in (("stable", rollout.stable), ("candidate", rollout.candidate)):
            samples = driver.samples(version, since=since)
            versions[role] = {
                "version": version,
                "invocations": samples.invocations,
                "errors": samples.errors,
                "error_pct": samples.error_pct,
                "throttles": samples.throttles,
                "duration_avg_ms": samples.duration_avg,
                "duration_p99_ms": samples.duration_p99,
            }
    if as_json:
        document = {
            "alias": {
                "function": core.settings.stack.function_name,
                "alias": core.settings.stack.alias,
                "routing": None
                if routing is None
                else {
                    "primary": routing.primary,
                    "additional": routing.additional,
                    "weight": routing.weight,
                    "revision_id": routing.revision_id,
                },
            },
            "rollout": rollout.to_json() if rollout else None,
            "state": rollout.phase.value if rollout else "idle",
            "versions": versions,
            "drift": [
                {"kind": d.kind.value, "text": d.text, "fix": d.fix_words} for d in driver.drift
            ],
        }
        json.dump(document, out, indent=2, default=str)
        out.write("\n")
        return
    stack = core.settings.stack
    print(
        f"{stack.function_name}:{stack.alias}: {routing.describe() if routing else 'unknown'}",
        file=out,
    )
    if rollout is None:
        print("state: idle (no rollout)", file=out)
    else:
        print(
            f"state: {rollout.phase.value} · {rollout.strategy} · step {rollout.step_label} · "
            f"version {rollout.stable} -> {rollout.candidate} · weight {rollout.weight * 100:g}%",
            file=out,
        )
        left = rollout.pause_left(now) if rollout.phase.active else None
        if left is not None:
            print(f"pause: {duration_words(left)} left", file=out)
        if rollout.reason:
            print(f"why: {rollout.reason}", file=out)
        for role, figures in versions.items():
            pct = figures["error_pct"]
            avg = figures["duration_avg_ms"]
            print(
                f"{role:<9} v{figures['version']}: {figures['invocations']:.0f} invocations, "
                f"errors {'n/a' if pct is None else f'{pct:.2f}%'}, "
                f"avg {'n/a' if avg is None else f'{avg:.0f} ms'}",
                file=out,
            )
        if not driver.driving and rollout.phase.active:
            print(f"driven by {rollout.owner or 'nobody yet'}", file=out)
        for event in rollout.events[-5:]:
            print(f"  {event.at:%H:%M:%S} {event.kind.value:<10} {event.text}", file=out)
    for drift in driver.drift:
        print(f"drift: {drift.text} (fix: {drift.fix_words})", file=out)
