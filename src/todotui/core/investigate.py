"""Investigations from an alert: its log lines, its traces, its user's trail, a test sign-in.

Built on the cockpit's clients and settings (`Investigator.of(cockpit)`); each method makes
its reads and returns plain results with AWS's refusal in its own words, never an exception
for an AWS or network failure. Bad input is refused before anything is sent.

The test sign-in (the runbook's "Test Authentication Flow") is AdminInitiateAuth: it changes
nothing in the pool's configuration, but Cognito issues tokens (a new session for the user),
so it counts as a write: refused in read-only mode (the clients' read-only guard would block
it anyway), and journaled like an action, without the password. The password is a `Secret`
from the form to the one call; while the call is in flight the redaction filter rewrites any
log record that contains it, and every error text is scrubbed of it.
"""

from __future__ import annotations

import asyncio
import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from todotui.actions.base import StackResolver
from todotui.actions.cli_preview import ShellVar, aws_command, read_secret_line
from todotui.actions.guard import ReadOnlyViolation
from todotui.actions.journal import Journal
from todotui.actions.model import Secret
from todotui.actions.redaction import scrub, secrets_in_flight
from todotui.actions.validation import FieldError, parse_text
from todotui.alerts.model import Alert
from todotui.aws.errors import AWS_ERRORS, describe_error
from todotui.aws.logs import fetch_log_events
from todotui.aws.session import AwsClients, ResolvedTarget
from todotui.aws.sign_in import admin_sign_in, password_flow
from todotui.aws.traces import batch_get_traces, trace_summaries
from todotui.aws.trail_lookup import TrailLookup
from todotui.config import Settings
from todotui.core.clock import Clock
from todotui.reports.investigation import (
    LogLine,
    LookupEvent,
    PatternSuggestion,
    SignInOutcome,
    TraceRow,
    TrailRow,
    Waterfall,
    Window,
    alert_user,
    log_line,
    pattern_problem,
    slowest,
    suggest_patterns,
    trace_row,
    trail_row,
    waterfall,
    window_around,
)

if TYPE_CHECKING:
    from todotui.core.cockpit import Cockpit

MAX_LOG_LINES = 500
TRACES_SHOWN = 5
"""Slowest traces shown, and failing traces shown (each)."""
FAILING_FILTER = "fault OR error OR throttle"
_PASSWORD_VAR = "TEST_PASSWORD"


@dataclass(frozen=True, slots=True)
class LogsResult:
    window: Window
    pattern: str
    lines: tuple[LogLine, ...] = ()
    truncated: bool = False
    error: str | None = None
    sent: bool = True
    """False when the pattern was refused before anything was sent."""
    cli: str = ""


@dataclass(frozen=True, slots=True)
class TracesResult:
    window: Window
    slowest: tuple[TraceRow, ...] = ()
    failing: tuple[TraceRow, ...] = ()
    waterfalls: dict[str, Waterfall] = field(default_factory=dict)
    read: int = 0
    """Summaries read to rank the slowest (X-Ray cannot sort: the ranking is done here)."""
    truncated: bool = False
    error: str | None = None
    how: str = ""
    """Which calls answered, with the filter expression, for the screen to say."""
    cli: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TrailResult:
    username: str
    window: Window
    rows: tuple[TrailRow, ...] = ()
    truncated: bool = False
    error: str | None = None
    cli: str = ""


class TrailSource(Protocol):
    """Where CloudTrail events by user come from (LookupEvents; see aws/trail_lookup.py)."""

    async def lookup_events(
        self, username: str, start: datetime, end: datetime
    ) -> tuple[list[LookupEvent], bool]:
        """Events by `username` in [start, end]; (events, True when the listing was cut short)."""
        ...


class Investigator:
    """The reads an alert's investigations make, on the cockpit's clients."""

    def __init__(
        self,
        settings: Settings,
        clients: AwsClients,
        *,
        clock: Clock,
        journal: Journal | None = None,
        read_only: Callable[[], bool] | None = None,
        trail: TrailSource | None = None,
    ) -> None:
        self.settings = settings
        self.trail: TrailSource = trail or TrailLookup(clients)
        self.clients = clients
        self.clock = clock
        self.journal = journal
        self._read_only = read_only or (lambda: settings.aws.effective_read_only)
        self._resolver = StackResolver(settings, clients)
        self._ids: dict[str, str] = {}
        """The pool's and app client's ids once looked up (for the CLI preview)."""

    @classmethod
    def of(cls, core: Cockpit) -> Investigator:
        """On a running cockpit: its clients, clock and journal, its runner's read-only."""
        return cls(
            core.settings,
            core.clients,
            clock=core.clock,
            journal=core.journal,
            read_only=lambda: core.runner.read_only,
        )

    @property
    def read_only(self) -> bool:
        return self._read_only()

    def _target(self) -> ResolvedTarget | None:
        return self.clients.target if self.clients.connected else None

    # -- the window and the patterns ------------------------------------------------------------

    def window(self, alert: Alert, minutes: float) -> Window:
        return window_around(alert, self.clock(), minutes)

    def suggestions(self, alert: Alert) -> list[PatternSuggestion]:
        return suggest_patterns(alert, self.settings.logs.errors)

    def user_of(self, alert: Alert) -> str | None:
        return alert_user(alert)

    # -- log lines ------------------------------------------------------------------------------

    async def log_lines(
        self, window: Window, pattern: str, *, limit: int = MAX_LOG_LINES
    ) -> LogsResult:
        """FilterLogEvents on the function's log group over `window` with `pattern`."""
        group = self.settings.stack.log_group
        start_ms, end_ms = _ms(window.start), _ms(window.end)
        cli = aws_command(
            "logs",
            "filter-log-events",
            [
                "--log-group-name",
                group,
                "--start-time",
                str(start_ms),
                "--end-time",
                str(end_ms),
                "--filter-pattern",
                pattern,
            ],
            self._target(),
        )
        problem = pattern_problem(pattern)
        if problem:
            return LogsResult(window, pattern, error=problem, sent=False, cli=cli)
        try:
            logs = await self.clients.client("logs")
            events = await fetch_log_events(
                logs, group, pattern=pattern, start_ms=start_ms, end_ms=end_ms, limit=limit + 1
            )
        except AWS_ERRORS as exc:
            return LogsResult(window, pattern, error=describe_error(exc), cli=cli)
        lines = tuple(log_line(dict(e)) for e in events[:limit])
        return LogsResult(window, pattern, lines, truncated=len(events) > limit, cli=cli)

    # -- traces ---------------------------------------------------------------------------------

    async def traces(self, window: Window, *, count: int = TRACES_SHOWN) -> TracesResult:
        """The slowest and the failing traces that started in `window`, with their segments."""
        target = self._target()
        args = ["--start-time", str(int(window.start.timestamp()))]
        args += ["--end-time", str(int(window.end.timestamp()))]
        cli = (
            aws_command(
                "xray", "get-trace-summaries", [*args, "--time-range-type", "TraceId"], target
            ),
            aws_command(
                "xray",
                "get-trace-summaries",
                [*args, "--time-range-type", "TraceId", "--filter-expression", FAILING_FILTER],
                target,
            ),
        )
        try:
            xray = await self.clients.client("xray")
            (every, truncated), (failing, _) = await asyncio.gather(
                trace_summaries(xray, window.start, window.end),
                trace_summaries(xray, window.start, window.end, filter_expression=FAILING_FILTER),
            )
            top = slowest([trace_row(s) for s in every], count)
            failed = sorted(
                (trace_row(s) for s in failing),
                key=lambda r: r.duration_s or 0.0,
                reverse=True,
            )[:count]
            ids = list(dict.fromkeys([r.trace_id for r in top] + [r.trace_id for r in failed]))
            traces = await batch_get_traces(xray, ids) if ids else []
        except AWS_ERRORS as exc:
            return TracesResult(window, error=describe_error(exc), cli=cli)
        falls = {t.get("Id", ""): waterfall(t) for t in traces}
        how = (
            f"GetTraceSummaries: {len(every)} traces read{' (more not read)' if truncated else ''},"
            f" the {len(top)} longest ranked here (X-Ray does not sort); failing ones by the filter"
            f' expression "{FAILING_FILTER}"; segments by BatchGetTraces'
        )
        return TracesResult(
            window,
            tuple(top),
            tuple(failed),
            falls,
            read=len(every),
            truncated=truncated,
            how=how,
            cli=cli,
        )

    # -- CloudTrail -----------------------------------------------------------------------------

    async def user_activity(self, username: str, window: Window) -> TrailResult:
        """CloudTrail LookupEvents by Username over `window` (the runbook's investigation)."""
        try:
            user = parse_text(username, max_length=128, what="username", single_line=True)
        except FieldError as exc:
            return TrailResult(username, window, error=f"username: {exc}")
        cli = aws_command(
            "cloudtrail",
            "lookup-events",
            [
                "--lookup-attributes",
                f"AttributeKey=Username,AttributeValue={user}",
                "--start-time",
                window.start.isoformat(timespec="seconds"),
                "--end-time",
                window.end.isoformat(timespec="seconds"),
            ],
            self._target(),
        )
        try:
            events, truncated = await self.trail.lookup_events(user, window.start, window.end)
        except AWS_ERRORS as exc:
            return TrailResult(user, window, error=describe_error(exc), cli=cli)
        rows = tuple(trail_row(e) for e in events)
        return TrailResult(user, window, rows, truncated=truncated, cli=cli)

    # -- the test sign-in -----------------------------------------------------------------------

    def sign_in_cli(self, username: str) -> tuple[str, ...]:
        """The runbook's command, the password read from a shell variable (never shown)."""
        pool = self._ids.get("pool", "YOUR_POOL_ID")
        client = self._ids.get("client", "YOUR_CLIENT_ID")
        params = _AuthParameters(username, _PASSWORD_VAR)
        return (
            read_secret_line(_PASSWORD_VAR),
            aws_command(
                "cognito-idp",
                "admin-initiate-auth",
                [
                    "--user-pool-id",
                    pool,
                    "--client-id",
                    client,
                    "--auth-flow",
                    "ADMIN_USER_PASSWORD_AUTH",
                    "--auth-parameters",
                    params,
                ],
                self._target(),
            ),
        )

    async def test_sign_in(self, username: str, password: Secret) -> SignInOutcome:
        """AdminInitiateAuth with the password flow the app client allows; how it answered
        and how long it took. Never raises for AWS's answer; never returns the password."""
        secret = password.reveal()
        try:
            user = parse_text(username, max_length=128, what="username", single_line=True)
        except FieldError as exc:
            return SignInOutcome(username, "", False, f"username: {exc}", None, sent=False)
        if not secret:
            return SignInOutcome(user, "", False, "a password is needed", None, sent=False)
        if self.read_only:
            return SignInOutcome(
                user,
                "",
                False,
                "read-only mode: a test sign-in makes Cognito issue tokens (a new session), so"
                " it is not sent (start without --read-only to run it)",
                None,
                sent=False,
            )
        try:
            pool_id = await self._resolver.user_pool_id()
            client_id = await self._resolver.user_pool_client_id()
            self._ids.update(pool=pool_id, client=client_id)
            idp = await self.clients.client("cognito-idp")
            described = await idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)
        except (LookupError, *AWS_ERRORS) as exc:
            words = str(exc) if isinstance(exc, LookupError) else describe_error(exc)
            return SignInOutcome(user, "", False, scrub(words, {secret}), None, sent=False)
        flows = (described.get("UserPoolClient") or {}).get("ExplicitAuthFlows") or []
        flow = password_flow(flows)
        if flow is None:
            return SignInOutcome(
                user,
                "",
                False,
                f"the app client {self.settings.stack.user_pool_client_name} allows neither"
                " ADMIN_USER_PASSWORD_AUTH nor ADMIN_NO_SRP_AUTH (ExplicitAuthFlows: "
                f"{', '.join(flows) or 'none'}): nothing was sent",
                None,
                sent=False,
            )
        record_id = self._journal_intent(user, password, flow)
        mutation = await self.clients.mutation_client("cognito-idp")
        started = time.perf_counter()
        with secrets_in_flight({secret}):
            try:
                answer = await admin_sign_in(
                    mutation,
                    pool_id=pool_id,
                    client_id=client_id,
                    flow=flow,
                    username=user,
                    password=secret,
                )
            except (ReadOnlyViolation, *AWS_ERRORS) as exc:
                elapsed = (time.perf_counter() - started) * 1000
                words = str(exc) if isinstance(exc, ReadOnlyViolation) else describe_error(exc)
                outcome = SignInOutcome(user, flow, False, scrub(words, {secret}), elapsed)
                self._journal_outcome(record_id, outcome)
                return outcome
        elapsed = (time.perf_counter() - started) * 1000
        challenge = answer.get("ChallengeName")
        if challenge:
            words = f"challenge {challenge}: the password was accepted, Cognito asks for more"
            outcome = SignInOutcome(user, flow, True, words, elapsed, challenge=str(challenge))
        elif answer.get("Authenticated"):
            expires = answer.get("ExpiresIn")
            lasting = f", valid {expires} s" if expires else ""
            outcome = SignInOutcome(
                user,
                flow,
                True,
                f"signed in: tokens issued ({answer.get('TokenType') or 'Bearer'}{lasting})",
                elapsed,
            )
        else:
            outcome = SignInOutcome(
                user, flow, False, "AWS answered with neither tokens nor a challenge", elapsed
            )
        self._journal_outcome(record_id, outcome)
        return outcome

    def _journal_intent(self, user: str, password: Secret, flow: str) -> str | None:
        if self.journal is None:
            return None
        record_id = self.journal.new_record_id()
        self.journal.write_intent(
            record_id,
            caller="investigation",
            action="cognito-test-sign-in",
            title="Test authentication flow",
            target=f"cognito {self.settings.stack.user_pool_name}/{user}",
            parameters={"username": user, "password": password, "auth_flow": flow},
            before=[],
            planned_after=[("Sign-in", "attempted")],
            cli=list(self.sign_in_cli(user)),
        )
        return record_id

    def _journal_outcome(self, record_id: str | None, outcome: SignInOutcome) -> None:
        if self.journal is None or record_id is None:
            return
        took = f"{outcome.elapsed_ms:.0f} ms" if outcome.elapsed_ms is not None else "not sent"
        self.journal.write_outcome(
            record_id,
            result="succeeded" if outcome.ok else "failed",
            verified=outcome.ok,
            after=[("Sign-in", outcome.words), ("Took", took)],
            request_ids=[],
            error=None if outcome.ok else outcome.words,
        )


class _AuthParameters(ShellVar):
    """`USERNAME=<user>,PASSWORD=$VAR` as one shell word: the user quoted, the password from
    the shell variable."""

    def __init__(self, username: str, var: str) -> None:
        super().__init__(var)
        self.username = username

    def render(self) -> str:
        return shlex.quote(f"USERNAME={self.username},PASSWORD=") + f'"${self.name}"'


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)
