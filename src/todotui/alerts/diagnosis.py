"""Diagnosis from evidence: rank the runbook's causes from what the cockpit already holds.

Pure: no IO, no AWS SDK, no Textual. `evidence_from` gathers the pieces the cockpit holds
(the panes, the resource facts, each version's samples behind the alias, the feed's log
alerts) into an `Evidence`; `diagnose` turns it into causes ranked by confidence, each with
one line citing its figures and the runbook action that answers it.

A missing figure is never treated as zero: a rule whose evidence is missing does not fire
(or fires with lower confidence and says what is unknown), and when nothing fires the
diagnosis says "no clear cause" and why.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum

from todotui.alerts.model import Alert, AlertSource, Topic
from todotui.telemetry.model import DataState, Health, PaneSnapshot, Reading, ResourceFacts
from todotui.telemetry.versions import AliasRouting, VersionSamples

THROTTLING_EXCEPTION = "ProvisionedThroughputExceededException"
TIMEOUT_TEXT = "Task timed out"

#: Consumed / provisioned capacity from which a table counts as "at capacity".
AT_CAPACITY_RATIO = 0.95
#: Concurrency / limit from which the function counts as "at its limit".
AT_LIMIT_RATIO = 0.9
#: Duration (max or p99) / configured timeout from which it counts as "near the timeout".
NEAR_TIMEOUT_RATIO = 0.8
#: A version stands out when its error rate is this many points above the others' ...
VERSION_ERROR_POINTS = 5.0
#: ... and at least this many times theirs; or its average duration this many times theirs.
VERSION_RATIO = 2.0
#: Invocations a version needs in the window before its rates are judged.
MIN_VERSION_INVOCATIONS = 20
#: Lambda's average duration from which the function counts as slow when the pane has no
#: health of its own to say so (the default duration_warn_ms).
SLOW_MS = 3000.0
#: DynamoDB's slowest operation latency below which it counts as normal.
DYNAMODB_NORMAL_MS = 100.0
#: Failed sign-ins one user needs, and their share of all failed sign-ins, to look like an attack.
MIN_ATTACK_FAILURES = 10
ATTACK_SHARE = 0.7
#: ERROR lines that name Cognito needed before it counts as an external service failing.
MIN_COGNITO_LINES = 3
_COGNITO = re.compile(r"cognito|InitiateAuth|AdminInitiateAuth|GetUser\b", re.IGNORECASE)

_EXCEPTION = re.compile(r"\b([A-Z][A-Za-z0-9]*(?:Exception|Error))\b")


class CauseKind(Enum):
    """The runbook's causes, in the order the issue lists them."""

    DYNAMODB_THROTTLING = "DynamoDB throttling"
    BAD_VERSION = "bad version"
    LAMBDA_THROTTLING = "Lambda throttling"
    MEMORY_TIMEOUT = "memory or timeouts"
    SLOW_DEPENDENCY = "slow dependency"
    ATTACKER = "attacker"
    EXTERNAL_SERVICE = "external service"


class Confidence(Enum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @staticmethod
    def of(score: float) -> Confidence:
        if score >= 0.75:
            return Confidence.HIGH
        if score >= 0.5:
            return Confidence.MEDIUM
        return Confidence.LOW


@dataclass(frozen=True, slots=True)
class LogCount:
    """One log entry of the feed (folded lines) within the window."""

    summary: str
    """The feed's title for it (`alerts.logs.summarize`)."""
    count: int = 1
    message: str = ""
    """The raw log line, when known (the feed's body keeps it)."""

    @property
    def sign_in(self) -> tuple[str, bool] | None:
        """(user, failed) when this is a sign-in line ('Authentication:' JSON), else None."""
        text = self.message or self.summary
        if "Authentication" not in text or not text.lstrip().startswith("{"):
            return None
        try:
            record = json.loads(text)
        except ValueError:
            return None
        if not isinstance(record, dict) or not str(record.get("message", "")).startswith(
            "Authentication"
        ):
            return None
        user = str(record.get("user") or "")
        if not user:
            return None
        return user, str(record.get("result", "")).upper() == "FAILED"

    @property
    def error_name(self) -> str:
        """What failed: the exception's name, "Task timed out", or the summary itself."""
        if TIMEOUT_TEXT in self.summary or TIMEOUT_TEXT in self.message:
            return TIMEOUT_TEXT
        found = _EXCEPTION.search(self.summary) or _EXCEPTION.search(self.message)
        return found.group(1) if found else self.summary[:80]


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the cockpit holds, gathered for a diagnosis. Every figure may be missing."""

    panes: Mapping[str, PaneSnapshot]
    resources: ResourceFacts
    versions: tuple[VersionSamples, ...] = ()
    """Each version behind the alias (or watched), over the window."""
    logs: tuple[LogCount, ...] = ()
    """The feed's log entries seen within the window."""
    alias: AliasRouting | None = None
    function: str = "todo-handler"
    table: str = "todos-table"
    api: str = "todo-api"
    user_pool: str = "todo-users"
    window_seconds: int = 300
    period_seconds: int = 60
    api_4xx: float | None = None
    """API Gateway 4XXError in the current period, when known (no pane shows it yet)."""
    series: Mapping[str, tuple[float | None, ...]] = field(default_factory=dict)
    """Catalogue series over the window by query id, one value per period (None: no data)."""
    series_start: datetime | None = None
    """When the first period of `series` starts."""
    alias_name: str = "PROD"

    @property
    def window_text(self) -> str:
        minutes = self.window_seconds / 60
        return f"{minutes:g} min" if minutes >= 1 else f"{self.window_seconds} s"

    def reading(self, pane: str, label: str | None = None) -> Reading | None:
        snap = self.panes.get(pane)
        if snap is None:
            return None
        if label is None:
            return snap.primary
        return dict(snap.secondary).get(label)

    def value(self, pane: str, label: str | None = None) -> float | None:
        """A figure, or None when it is unknown (never 0 for "missing")."""
        got = self.reading(pane, label)
        if got is None or got.state in (DataState.LOADING, DataState.NO_DATA):
            return None
        return got.value

    @property
    def error_lines(self) -> tuple[LogCount, ...]:
        return tuple(line for line in self.logs if line.sign_in is None)

    @property
    def error_line_count(self) -> int:
        return sum(line.count for line in self.error_lines)

    def error_lines_named(self, name: str) -> int:
        return sum(line.count for line in self.error_lines if line.error_name == name)

    def failed_sign_ins(self) -> dict[str, int]:
        failures: dict[str, int] = {}
        for line in self.logs:
            who = line.sign_in
            if who is not None and who[1]:
                failures[who[0]] = failures.get(who[0], 0) + line.count
        return failures


def evidence_from(
    *,
    panes: Mapping[str, PaneSnapshot],
    resources: ResourceFacts,
    versions: Iterable[VersionSamples] = (),
    alerts: Iterable[Alert] = (),
    now: datetime | None = None,
    window_seconds: int = 300,
    period_seconds: int = 60,
    alias: AliasRouting | None = None,
    function: str = "todo-handler",
    table: str = "todos-table",
    api: str = "todo-api",
    user_pool: str = "todo-users",
    api_4xx: float | None = None,
    series: Mapping[str, tuple[float | None, ...]] | None = None,
    series_start: datetime | None = None,
    alias_name: str = "PROD",
) -> Evidence:
    """Evidence from the cockpit's pieces: the feed's log alerts last seen within the window
    before `now` (all of them when `now` is None) become `LogCount`s; other alerts are ignored.

    A folded entry counts every line it folded, including any seen before the window."""
    since = None if now is None else now - timedelta(seconds=window_seconds)
    logs = tuple(
        LogCount(a.title, a.count, _message_of(a))
        for a in alerts
        if a.source is AlertSource.LOG and (since is None or a.last_seen >= since)
    )
    return Evidence(
        panes=dict(panes),
        resources=resources,
        versions=tuple(v for v in versions if v.periods),
        logs=logs,
        alias=alias,
        function=function,
        table=table,
        api=api,
        user_pool=user_pool,
        window_seconds=window_seconds,
        period_seconds=period_seconds,
        api_4xx=api_4xx,
        series=dict(series or {}),
        series_start=series_start,
        alias_name=alias_name,
    )


def _message_of(alert: Alert) -> str:
    """The raw log line a log alert's body ends with (after its header and a blank line)."""
    _, sep, message = alert.body.partition("\n\n")
    return message.strip() if sep else ""


@dataclass(frozen=True, slots=True)
class Cause:
    kind: CauseKind
    confidence: float
    """0-1; see `level`."""
    line: str
    """One line citing the evidence, with its figures."""
    action_id: str
    """The runbook action that answers it (an action registry id)."""
    target: str
    """The resource the evidence names."""

    @property
    def level(self) -> Confidence:
        return Confidence.of(self.confidence)

    def describe(self) -> str:
        return f"{self.kind.value} ({self.level.value}): {self.line}"


#: The alert topics each cause explains: an alert's own causes are ranked first for it.
CAUSE_TOPICS: dict[CauseKind, frozenset[Topic]] = {
    CauseKind.DYNAMODB_THROTTLING: frozenset(
        {Topic.THROTTLING, Topic.ERRORS, Topic.LATENCY, Topic.TRAFFIC}
    ),
    CauseKind.BAD_VERSION: frozenset({Topic.ERRORS, Topic.LATENCY}),
    CauseKind.LAMBDA_THROTTLING: frozenset(
        {Topic.THROTTLING, Topic.CONCURRENCY, Topic.ERRORS, Topic.TRAFFIC}
    ),
    CauseKind.MEMORY_TIMEOUT: frozenset({Topic.LATENCY, Topic.ERRORS}),
    CauseKind.SLOW_DEPENDENCY: frozenset({Topic.LATENCY}),
    CauseKind.ATTACKER: frozenset({Topic.AUTH, Topic.TRAFFIC}),
    CauseKind.EXTERNAL_SERVICE: frozenset({Topic.AUTH, Topic.ERRORS}),
}

#: Words in an alert that point at one cause (its log line names the exception, the user...).
_CAUSE_WORDS: dict[CauseKind, tuple[str, ...]] = {
    CauseKind.DYNAMODB_THROTTLING: (THROTTLING_EXCEPTION, "ThrottledRequests", "ThrottleEvents"),
    CauseKind.MEMORY_TIMEOUT: (TIMEOUT_TEXT, "OutOfMemory", "Runtime exited"),
    CauseKind.LAMBDA_THROTTLING: ("Throttles", "TooManyRequestsException", "Rate Exceeded"),
    CauseKind.ATTACKER: ("Failed sign-in", "Authentication"),
    CauseKind.EXTERNAL_SERVICE: ("Cognito", "cognito"),
}


@dataclass(frozen=True, slots=True)
class Diagnosis:
    causes: tuple[Cause, ...] = ()
    """Ranked: most confident first."""
    unclear: str = ""
    """Why there is no clear cause, when `causes` is empty."""
    notes: tuple[str, ...] = field(default=())
    """Evidence that was missing or stale (said, never guessed)."""

    @property
    def top(self) -> Cause | None:
        return self.causes[0] if self.causes else None

    def for_alert(self, alert: Alert) -> Diagnosis:
        """The same causes, those that explain `alert` first: named by its text (the exception,
        the user, the version) before merely sharing its topic; each group by confidence."""
        text = f"{alert.title}\n{alert.body}"

        def rank(cause: Cause) -> int:
            named = cause.target in text or any(w in text for w in _CAUSE_WORDS.get(cause.kind, ()))
            if named:
                return 0
            if alert.topic is not None and alert.topic in CAUSE_TOPICS[cause.kind]:
                return 1
            return 2

        ranked = sorted(self.causes, key=lambda c: (rank(c), -c.confidence))
        return Diagnosis(tuple(ranked), self.unclear, self.notes)

    def summary(self) -> str:
        """One line: what is wrong, or "no clear cause: <why>"."""
        top = self.top
        if top is None:
            return f"no clear cause: {self.unclear}"
        more = f" (+{len(self.causes) - 1} more)" if len(self.causes) > 1 else ""
        return f"{top.describe()}{more}"


# --- the rules ------------------------------------------------------------------------------


def diagnose(evidence: Evidence) -> Diagnosis:
    """The causes the evidence supports, most confident first (ties keep the runbook's order)."""
    found = [
        cause
        for rule in (
            _dynamodb_throttling,
            _bad_version,
            _lambda_throttling,
            _memory_timeout,
            _slow_dependency,
            _attacker,
            _external_service,
        )
        if (cause := rule(evidence)) is not None
    ]
    found.sort(key=lambda c: -c.confidence)
    notes = _notes(evidence)
    if found:
        return Diagnosis(tuple(found), notes=notes)
    return Diagnosis((), unclear=_why_unclear(evidence, notes), notes=notes)


def _pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:.0f}%"


def _n(value: float) -> str:
    return f"{value:.1f}" if abs(value) < 10 and value != int(value) else f"{value:.0f}"


def _dynamodb_throttling(ev: Evidence) -> Cause | None:
    throttled = ev.value("dynamodb")
    read_thr = ev.value("dynamodb", "read thr")
    write_thr = ev.value("dynamodb", "write thr")
    events = [v for v in (throttled, read_thr, write_thr) if v is not None]
    throttling = max(events) if events else None
    errors = ev.error_line_count
    named = ev.error_lines_named(THROTTLING_EXCEPTION)
    share = named / errors if errors else None
    if not (throttling and throttling > 0) and not named:
        return None

    # Which capacity: the side that throttles (reads when unknown).
    res = ev.resources
    reads_first = (read_thr or 0.0) >= (write_thr or 0.0)
    sides = [
        ("RCU", ev.value("dynamodb", "RCU"), res.read_capacity, read_thr),
        ("WCU", ev.value("dynamodb", "WCU"), res.write_capacity, write_thr),
    ]
    if not reads_first:
        sides.reverse()
    unit, consumed, provisioned, side_thr = sides[0]
    at_capacity = (
        consumed is not None
        and provisioned is not None
        and provisioned > 0
        and consumed >= AT_CAPACITY_RATIO * provisioned
    )

    parts = []
    if share is not None and named:
        parts.append(
            f"{_pct(named, errors)} of the last {ev.window_text}'s errors are "
            f"{THROTTLING_EXCEPTION} on {ev.table}"
        )
    elif throttling:
        parts.append(f"{ev.table} throttled {_n(throttling)} requests in the last period")
    if consumed is not None:
        # Throttle events of the side that throttles; ThrottledRequests when it is unknown.
        refused = side_thr if side_thr is not None else throttled
        demand = consumed + (refused or 0.0) / ev.period_seconds
        against = (
            f" against {provisioned} provisioned"
            if provisioned is not None and res.billing_mode != "PAY_PER_REQUEST"
            else " (on-demand)"
            if res.billing_mode == "PAY_PER_REQUEST"
            else " (provisioned capacity unknown)"
        )
        parts.append(f"demand {_n(demand)} {unit}/s{against} (consumed {_n(consumed)})")
    elif throttling:
        parts.append("consumed capacity unknown")
    if share is not None and named and throttling:
        parts.append(f"{_n(throttling)} throttled requests in the last period")

    score = 0.35
    if throttling and throttling > 0:
        score += 0.25
    if at_capacity:
        score += 0.2
    if share is not None and share >= 0.5:
        score += 0.2
    elif named:
        score += 0.1
    return Cause(
        CauseKind.DYNAMODB_THROTTLING,
        min(score, 1.0),
        "; ".join(parts),
        "dynamodb-capacity",
        ev.table,
    )


def _bad_version(ev: Evidence) -> Cause | None:
    judged = [v for v in ev.versions if v.invocations >= MIN_VERSION_INVOCATIONS]
    if len(judged) < 2:
        return None
    best: Cause | None = None
    total_errors = sum(v.errors for v in judged)
    for suspect in judged:
        others = [v for v in judged if v is not suspect]
        calls = sum(v.invocations for v in others)
        other_pct = 100.0 * sum(v.errors for v in others) / calls
        pct = suspect.error_pct or 0.0
        errs_out = pct - other_pct >= VERSION_ERROR_POINTS and (
            other_pct == 0 or pct >= VERSION_RATIO * other_pct
        )
        mine_ms = suspect.duration_avg
        weighted = [(v.duration_avg, v.invocations) for v in others if v.duration_avg is not None]
        weight = sum(n for _, n in weighted)
        other_ms = sum(d * n for d, n in weighted) / weight if weight else None
        slow_out = (
            mine_ms is not None
            and other_ms is not None
            and other_ms > 0
            and mine_ms >= VERSION_RATIO * other_ms
        )
        if not (errs_out or slow_out):
            continue
        names = "version " + ", ".join(v.version for v in others)
        parts = []
        if errs_out:
            parts.append(
                f"version {suspect.version} fails {pct:.0f}% of its {suspect.invocations:.0f} "
                f"invocations vs {other_pct:.1f}% on {names}"
                + (f" ({_pct(suspect.errors, total_errors)} of the errors)" if total_errors else "")
            )
        if slow_out and mine_ms is not None and other_ms is not None:
            parts.append(
                f"{'' if errs_out else f'version {suspect.version} '}averages {mine_ms:.0f} ms "
                f"vs {other_ms:.0f} ms on {names}"
            )
        score = 0.5
        if errs_out:
            score += 0.25
            if total_errors and suspect.errors / total_errors >= 0.5:
                score += 0.1
        if slow_out:
            score += 0.1
        if ev.alias is not None and suspect.version == ev.alias.primary and not ev.alias.split:
            score -= 0.2  # nothing to roll back to within the alias's own routing
        cause = Cause(
            CauseKind.BAD_VERSION,
            min(score, 0.95),
            "; ".join(parts),
            "rollback",
            f"{ev.function}:{suspect.version}",
        )
        if best is None or cause.confidence > best.confidence:
            best = cause
    return best


def _lambda_throttling(ev: Evidence) -> Cause | None:
    throttles = ev.value("concurrency", "throttles")
    if throttles is None or throttles <= 0:
        return None
    limit, limit_name = ev.resources.concurrency_limit
    current = ev.value("concurrency")
    peak = ev.value("concurrency", "max")
    seen = max((v for v in (current, peak) if v is not None), default=None)
    head = f"{ev.function} throttled {_n(throttles)} invocations in the last period"
    if limit is None or seen is None:
        missing = f"{limit_name} unknown" if limit is None else "concurrency unknown"
        return Cause(
            CauseKind.LAMBDA_THROTTLING,
            0.4,
            f"{head}; {missing}",
            "reserved-concurrency",
            ev.function,
        )
    at_limit = seen >= AT_LIMIT_RATIO * limit
    line = f"{head}; concurrency {seen:.0f} of {limit} {limit_name}"
    if ev.resources.reserved_concurrency is None and at_limit:
        line += " (reserve concurrency for it, or ask AWS for a higher account limit)"
    return Cause(
        CauseKind.LAMBDA_THROTTLING,
        0.85 if at_limit else 0.4,
        line if at_limit else f"{line}, below the limit",
        "reserved-concurrency",
        ev.function,
    )


def _memory_timeout(ev: Evidence) -> Cause | None:
    timeout_s = ev.resources.timeout_s
    timed_out = ev.error_lines_named(TIMEOUT_TEXT)
    durations = [
        v for v in (ev.value("latency", "max"), ev.value("latency", "p99")) if v is not None
    ]
    longest = max(durations) if durations else None
    near = (
        timeout_s is not None
        and longest is not None
        and longest >= NEAR_TIMEOUT_RATIO * timeout_s * 1000
    )
    if not timed_out and not near:
        return None
    parts = []
    if timed_out:
        errors = ev.error_line_count
        parts.append(
            f"{timed_out} '{TIMEOUT_TEXT}' lines in the last {ev.window_text}"
            f" ({_pct(timed_out, errors)} of its errors)"
        )
    if longest is not None and timeout_s is not None:
        parts.append(f"duration up to {longest:.0f} ms of a {timeout_s} s timeout")
    elif timeout_s is None:
        parts.append("configured timeout unknown")
    memory = ev.resources.memory_mb
    if memory is not None:
        parts.append(f"at {memory} MB")
    score = 0.4 + (0.3 if timed_out else 0.0) + (0.2 if near else 0.0)
    return Cause(
        CauseKind.MEMORY_TIMEOUT, min(score, 0.9), "; ".join(parts), "lambda-memory", ev.function
    )


def _slow_dependency(ev: Evidence) -> Cause | None:
    latency = ev.reading("latency")
    avg = ev.value("latency")
    if latency is None or avg is None:
        return None
    slow = latency.health in (Health.WARN, Health.CRIT) or (
        latency.health is Health.UNKNOWN and avg >= SLOW_MS
    )
    if not slow:
        return None
    error_pct = ev.value("errors")
    errors_pane = ev.reading("errors")
    if error_pct is None or errors_pane is None:
        return None  # "no errors" cannot be told from missing error figures
    if errors_pane.health in (Health.WARN, Health.CRIT) or ev.error_lines_named(TIMEOUT_TEXT):
        return None
    ddb_ms = ev.value("dynamodb", "latency")
    parts = [f"duration averages {avg:.0f} ms with {error_pct:.1f}% errors"]
    if ddb_ms is None:
        parts.append("DynamoDB latency unknown")
        score = 0.4
    elif ddb_ms <= DYNAMODB_NORMAL_MS:
        parts.append(f"DynamoDB answers in {ddb_ms:.0f} ms")
        score = 0.65
    else:
        return None  # DynamoDB itself is slow: not a dependency beyond it
    parts.append(
        "the cause is downstream of the function: caching or provisioned concurrency only soften it"
    )
    return Cause(CauseKind.SLOW_DEPENDENCY, score, "; ".join(parts), "api-cache", ev.api)


def _attacker(ev: Evidence) -> Cause | None:
    failures = ev.failed_sign_ins()
    total = sum(failures.values())
    if not total:
        return None
    user, count = max(failures.items(), key=lambda kv: kv[1])
    share = count / total
    if count < MIN_ATTACK_FAILURES or share < ATTACK_SHARE:
        return None
    line = f"{count} failed sign-ins in the last {ev.window_text} are {user}'s ({share:.0%})"
    score = 0.7
    if ev.api_4xx is not None:
        line += f"; API answered {ev.api_4xx:.0f} 4XX in the last period"
        if ev.api_4xx >= count / max(ev.window_seconds / ev.period_seconds, 1.0):
            score = 0.85
    return Cause(CauseKind.ATTACKER, score, line, "cognito-disable-user", user)


def _external_service(ev: Evidence) -> Cause | None:
    """ERROR lines that name Cognito: the sign-in path's dependency is failing."""
    lines = [line for line in ev.error_lines if _COGNITO.search(f"{line.summary} {line.message}")]
    count = sum(line.count for line in lines)
    if count < MIN_COGNITO_LINES:
        return None
    errors = ev.error_line_count
    top = max(lines, key=lambda line: line.count).error_name
    share = count / errors
    return Cause(
        CauseKind.EXTERNAL_SERVICE,
        0.7 if share >= 0.5 else 0.45,
        f"{_pct(count, errors)} of the last {ev.window_text}'s errors name Cognito "
        f"({count} lines, mostly {top}); check {ev.user_pool} and its app client",
        "auth-checks",
        ev.user_pool,
    )


# --- when nothing fires ----------------------------------------------------------------------


_PANES = {
    "errors": "error rate",
    "latency": "latency",
    "dynamodb": "DynamoDB",
    "concurrency": "concurrency",
}


def _pane_reading(ev: Evidence, key: str) -> Reading | None:
    """The reading that says whether a pane is known: DynamoDB publishes ThrottledRequests
    only when it throttles, so its consumed RCU stands for it when there is none."""
    got = ev.reading(key)
    if key == "dynamodb" and (got is None or got.value is None):
        return ev.reading("dynamodb", "RCU") or got
    return got


def _notes(ev: Evidence) -> tuple[str, ...]:
    notes = []
    for key, name in _PANES.items():
        got = _pane_reading(ev, key)
        if got is None or got.value is None:
            why = got.detail if got is not None and got.detail else "not read"
            notes.append(f"{name} unknown ({why})")
        elif got.state is DataState.STALE:
            notes.append(f"{name} stale ({got.detail})")
    if ev.resources.fetched_at is None:
        notes.append("resource facts not read yet")
    return tuple(notes)


def _why_unclear(ev: Evidence, notes: tuple[str, ...]) -> str:
    unhealthy = [
        name
        for key, name in _PANES.items()
        if (got := ev.reading(key)) is not None and got.health in (Health.WARN, Health.CRIT)
    ]
    errors = ev.error_lines
    common = ""
    if errors:
        names: dict[str, int] = {}
        for line in errors:
            names[line.error_name] = names.get(line.error_name, 0) + line.count
        name, count = max(names.items(), key=lambda kv: kv[1])
        common = f"; most errors are {name} ({_pct(count, sum(names.values()))})"
    if unhealthy:
        return (
            f"{', '.join(unhealthy)} unhealthy, but no throttling, no version stands out and "
            f"no timeouts{common}" + (f"; {'; '.join(notes)}" if notes else "")
        )
    known = [
        name
        for key, name in _PANES.items()
        if (got := _pane_reading(ev, key)) is not None and got.value is not None
    ]
    if not known:
        return "no figures yet" + (f" ({'; '.join(notes)})" if notes else "")
    if notes:
        return f"{', '.join(known)} normal; {'; '.join(notes)}"
    return f"every figure normal{common}"
