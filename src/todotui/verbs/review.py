"""`todotui review [--days 7] [--json]`: the runbook's weekly review, headless.

Four sections, each with its source and the exact call or query it ran: cost by service per
day (Cost Explorer), CloudTrail events worth a look, the slowest requests (Logs Insights),
sign-in failures per user (the app's `Authentication:` lines). A table by default; with
`--json` the stable schema documented in `todotui.reports.review` ("todotui.review/1").

Exit codes: 0 every section shown; 1 shown in part (a section failed: it says why in AWS's
words, the others show); 2 cannot tell (no credentials or region, the endpoint is down,
or no section could be read), said on stderr (and as {"schema", "error"} with --json).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:  # `todotui.cli` imports this module: it stays import-light (no pydantic)
    from todotui.config import Settings
    from todotui.core.cockpit import Cockpit

EXIT_SHOWN, EXIT_PARTIAL, EXIT_CANNOT_TELL = 0, 1, 2


def add_review_parser(commands: Any) -> None:
    review = commands.add_parser(
        "review",
        help="the weekly review: cost, CloudTrail, slow requests, sign-in failures",
        description=(
            "The runbook's weekly operations review. Exit 0 shown, 1 shown in part (a section "
            "failed), 2 cannot tell (no credentials, endpoint down)."
        ),
    )
    review.add_argument(
        "--days", type=int, default=None, help="days to review (default 7; 1 to 31)"
    )
    review.add_argument("--json", action="store_true", help="machine-readable (todotui.review/1)")


def check_days(days: int | None) -> None:
    from todotui.errors import UsageError

    if days is not None and not 1 <= days <= 31:
        raise UsageError(f"--days {days}: choose 1 to 31 (Cost Explorer's daily view)")


def review_command(
    args: argparse.Namespace,
    settings: Settings,
    *,
    demo: bool = False,
    out: TextIO | None = None,
) -> int:
    check_days(args.days)
    return asyncio.run(_review(args, settings, demo=demo, out=out or sys.stdout))


async def _review(args: argparse.Namespace, settings: Settings, *, demo: bool, out: TextIO) -> int:
    if not demo:
        return await run_review(settings, args.days, as_json=args.json, out=out)
    from todotui.core.cockpit import Cockpit
    from todotui.demo import StartingSandbox, demo_settings

    settings = demo_settings(settings)
    starting = StartingSandbox("steady", read_only=True)
    try:
        target, credentials = await starting.target()
        settings = settings.model_copy(update={"aws": target})
        core = Cockpit(settings, credentials=credentials)
        return await run_review(settings, args.days, as_json=args.json, out=out, core=core)
    finally:
        await asyncio.to_thread(starting.stop)


async def run_review(
    settings: Settings,
    days: int | None,
    *,
    as_json: bool,
    out: TextIO,
    core: Cockpit | None = None,
) -> int:
    """The review on `core` (default: a Cockpit on `settings`), printed; the exit code."""
    from todotui.aws.errors import AWS_ERRORS, describe_error
    from todotui.core.cockpit import Cockpit
    from todotui.core.monitor import MonitorError
    from todotui.core.review import WeeklyReview
    from todotui.reports.review import SCHEMA, review_json

    def cannot_tell(reason: str) -> int:
        print(f"todotui review: cannot tell: {reason}", file=sys.stderr)
        if as_json:
            print(json.dumps({"schema": SCHEMA, "error": reason}), file=out)
        return EXIT_CANNOT_TELL

    try:
        core = core or Cockpit(settings)
    except AWS_ERRORS as exc:
        return cannot_tell(describe_error(exc))
    async with core:
        try:
            await core.monitor.identity()
        except MonitorError as exc:
            return cannot_tell(str(exc))
        review = await WeeklyReview(settings, core.clients, core.clock, days=days).run()
    if len(review.failed) == len(review.sections):
        reasons = "; ".join(f"{s.key}: {s.error}" for s in review.failed)
        return cannot_tell(f"no section could be read ({reasons})")
    if as_json:
        print(json.dumps(review_json(review), indent=2), file=out)
    else:
        from todotui.ui.text.review import print_review

        print_review(review, out)
    return EXIT_PARTIAL if review.failed else EXIT_SHOWN
