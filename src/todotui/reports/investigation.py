"""What an investigation from an alert reads and shows, as plain data (pure: no IO, no UI).

- the window around an alert (a few minutes either side, never past now);
- the filter pattern an alert suggests (its error lines, its user's sign-ins, its request),
  and the obvious mistakes in a pattern caught before it is sent;
- log events as lines (JSON made readable);
- X-Ray traces: a summary row each, and a trace's segments as waterfall rows with the
  downstream call that took the time named;
- CloudTrail events as rows; a sign-in test's outcome (never its password).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypedDict

from todotui.alerts.logs import sign_in_of
from todotui.alerts.model import Alert, AlertSource, Topic

DEFAULT_MINUTES = 5
"""Minutes either side of the alert that an investigation reads first."""
MAX_MINUTES = 180
MAX_PATTERN_LENGTH = 1024
"""AWS's limit on a filter pattern."""

# -- the window -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Window:
    """A time range [start, end] in UTC."""

    start: datetime
    end: datetime

    @property
    def minutes(self) -> float:
        return (self.end - self.start).total_seconds() / 60

    def describe(self) -> str:
        return f"{self.start:%Y-%m-%d %H:%M:%S} – {self.end:%H:%M:%S} UTC"

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment <= self.end


def window_around(alert: Alert, now: datetime, minutes: float = DEFAULT_MINUTES) -> Window:
    """`minutes` before the alert was first seen to `minutes` after it was last seen, never
    past `now` (what has not happened cannot be read)."""
    minutes = min(max(minutes, 1), MAX_MINUTES)
    span = timedelta(minutes=minutes)
    start = _utc(alert.first_seen) - span
    end = min(_utc(alert.last_seen) + span, _utc(now))
    return Window(start, max(end, start + timedelta(seconds=1)))


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


# -- filter patterns ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PatternSuggestion:
    pattern: str
    why: str


_REQUEST_ID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")


def suggest_patterns(alert: Alert, errors_pattern: str) -> list[PatternSuggestion]:
    """Filter patterns for the log lines around `alert`, the most telling first."""
    out: list[PatternSuggestion] = []
    user = alert_user(alert)
    if user is not None:
        out.append(
            PatternSuggestion(
                f'{{ $.message = "Authentication:*" && $.user = {json.dumps(user)} }}',
                f"{user}'s sign-ins",
            )
        )
        out.append(
            PatternSuggestion(
                '{ $.message = "Authentication:*" && $.result = "FAILED" }',
                "every failed sign-in",
            )
        )
    out.append(PatternSuggestion(errors_pattern, "error lines and timeouts"))
    request = _REQUEST_ID.search(alert.body) if alert.source is AlertSource.LOG else None
    if request is not None:
        out.append(PatternSuggestion(f'"{request.group(0)}"', "every line of this request"))
    out.append(PatternSuggestion('{ $.level = "ERROR" }', "the app's JSON error lines"))
    if alert.topic is Topic.LATENCY:
        out.insert(
            0,
            PatternSuggestion(
                '"REPORT RequestId"', "each request's duration (Lambda's REPORT lines)"
            ),
        )
        out.insert(1, PatternSuggestion('"Task timed out"', "timeouts"))
    unique: dict[str, PatternSuggestion] = {}
    for suggestion in out:
        unique.setdefault(suggestion.pattern, suggestion)
    return list(unique.values())


def alert_user(alert: Alert) -> str | None:
    """The user a security alert is about (a failed sign-in's user), or None."""
    if alert.topic is not Topic.AUTH:
        return None
    _, _, raw = alert.body.partition("\n\n")
    who = sign_in_of(raw) if raw else None
    if who is not None:
        return who[0]
    head, sep, tail = alert.title.rpartition(" · ")
    return tail.strip() or None if sep and "sign-in" in head.lower() else None


def pattern_problem(pattern: str) -> str | None:
    """An obvious mistake in a CloudWatch Logs filter pattern, in a sentence; None when it
    looks sendable (AWS has the last word: its refusal is shown as it says it)."""
    text = pattern.strip()
    if len(pattern) > MAX_PATTERN_LENGTH:
        return f"a filter pattern is at most {MAX_PATTERN_LENGTH} characters"
    if any(ord(c) < 32 and c not in "\t" for c in pattern):
        return "a filter pattern is one line"
    if text.count('"') % 2:
        return 'a double quote is not closed (phrases go in "double quotes")'
    unquoted = re.sub(r'"(?:[^"\\]|\\.)*"', '""', text)
    if text.startswith("{") or text.endswith("}"):
        if not text.startswith("{"):
            return "a JSON pattern is the whole pattern, in braces: { $.field = value }"
        if not text.endswith("}"):
            return "a JSON pattern starts with { and ends with }"
        inner = unquoted[1:-1].strip()
        if not inner:
            return 'a JSON pattern needs a condition, e.g. { $.level = "ERROR" }'
        if "$." not in inner and "$[" not in inner:
            return "a JSON pattern names fields with $. (e.g. $.level)"
        if "==" in inner:
            return "JSON patterns compare with =, not =="
        if "'" in inner:
            return 'JSON pattern strings go in "double quotes", not single quotes'
        if re.search(r"(?<![&|])[&|](?![&|])", inner):
            return "JSON patterns combine conditions with && and ||"
        if inner.count("(") != inner.count(")"):
            return "a parenthesis is not closed"
    elif "{" in unquoted or "}" in unquoted:
        return "a JSON pattern is the whole pattern, in braces: { $.field = value }"
    if text.startswith("[") != text.endswith("]"):
        return "a space-delimited pattern starts with [ and ends with ]"
    return None


# -- log lines ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LogLine:
    at: datetime
    stream: str
    message: str
    """The message as logged (one line of it per line)."""
    fields: dict[str, Any] | None = None
    """The message's JSON object, when it is one."""

    def summary(self) -> str:
        """One line: a JSON object's level and message first, then its other fields (not the
        timestamp, which is shown beside it); any other message's first line."""
        if self.fields is None:
            lines = self.message.strip().splitlines()
            return lines[0] if lines else ""
        head = " ".join(
            str(self.fields[k]) for k in ("level", "message") if self.fields.get(k) is not None
        )
        keys = [k for k in self.fields if k not in ("level", "message", "timestamp")]
        keys.sort(
            key=lambda k: _FIRST_FIELDS.index(k) if k in _FIRST_FIELDS else len(_FIRST_FIELDS)
        )
        rest = [f"{k}={_value(self.fields[k])}" for k in keys]
        return " · ".join([head, *rest]) if head else " · ".join(rest)

    def readable(self) -> str:
        """The message for a person: a JSON object one `key: value` per line, else as it is."""
        if self.fields is None:
            return self.message.rstrip()
        return "\n".join(f"{k}: {_value(v)}" for k, v in self.fields.items())


_FIRST_FIELDS = ("errorType", "statusCode", "user", "result", "reason", "route", "durationMs")
"""Fields a person reads first in a one-line summary (the rest keep their order after them)."""


def _value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def log_line(event: dict[str, Any]) -> LogLine:
    """One FilterLogEvents event as a line."""
    message = str(event.get("message", ""))
    fields = None
    text = message.strip()
    if text.startswith("{"):
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            fields = parsed
    at = datetime.fromtimestamp(int(event.get("timestamp", 0)) / 1000, tz=UTC)
    return LogLine(at, str(event.get("logStreamName", "")), message, fields)


# -- X-Ray ----------------------------------------------------------------------------------------


class TraceHttp(TypedDict, total=False):
    HttpURL: str
    HttpStatus: int
    HttpMethod: str


class TraceSummary(TypedDict, total=False):
    """The fields of GetTraceSummaries' TraceSummaries the investigation reads."""

    Id: str
    StartTime: datetime
    Duration: float
    ResponseTime: float
    HasFault: bool
    HasError: bool
    HasThrottle: bool
    Http: TraceHttp


class TraceSegment(TypedDict):
    Id: str
    Document: str


class Trace(TypedDict, total=False):
    """One trace of BatchGetTraces."""

    Id: str
    Duration: float
    Segments: list[TraceSegment]


@dataclass(frozen=True, slots=True)
class TraceRow:
    """One trace in the list: what it was, how long, how it ended."""

    trace_id: str
    start: datetime | None
    duration_s: float | None
    method: str
    path: str
    status: int | None
    fault: bool
    error: bool
    throttle: bool

    @property
    def failed(self) -> bool:
        return self.fault or self.error or self.throttle

    @property
    def outcome(self) -> str:
        if self.fault:
            return "fault"
        if self.throttle:
            return "throttled"
        if self.error:
            return "error"
        return "ok"


def trace_row(summary: TraceSummary) -> TraceRow:
    http = summary.get("Http") or {}
    url = str(http.get("HttpURL") or "")
    path = "/" + url.split("://", 1)[-1].split("/", 1)[1] if "/" in url.split("://", 1)[-1] else url
    duration = summary.get("Duration")
    start = summary.get("StartTime")
    return TraceRow(
        trace_id=str(summary.get("Id", "")),
        start=_utc(start) if isinstance(start, datetime) else None,
        duration_s=float(duration) if isinstance(duration, (int, float)) else None,
        method=str(http.get("HttpMethod") or ""),
        path=path,
        status=http.get("HttpStatus"),
        fault=bool(summary.get("HasFault")),
        error=bool(summary.get("HasError")),
        throttle=bool(summary.get("HasThrottle")),
    )


def slowest(rows: list[TraceRow], count: int) -> list[TraceRow]:
    """The `count` longest traces (a trace with no duration is not ranked)."""
    timed = [r for r in rows if r.duration_s is not None]
    return sorted(timed, key=lambda r: r.duration_s or 0.0, reverse=True)[:count]


@dataclass(frozen=True, slots=True)
class WaterfallRow:
    """One segment or subsegment of a trace, placed on the trace's time axis."""

    depth: int
    name: str
    kind: str
    """The segment's origin (AWS::Lambda::Function) or the subsegment's namespace (aws, remote)."""
    offset_ms: float
    """From the trace's start."""
    duration_ms: float | None
    """None while it was still in progress."""
    detail: str = ""
    """The call: DynamoDB's operation and table, an HTTP call's method and URL, a status."""
    fault: bool = False
    error: bool = False
    throttle: bool = False
    cause: str = ""
    """The first exception's type and message, when there is one."""
    leaf: bool = True
    """No subsegments under it: its time is its own."""

    @property
    def label(self) -> str:
        return f"{self.name} {self.detail}".strip()


@dataclass(frozen=True, slots=True)
class Waterfall:
    trace_id: str
    total_ms: float
    rows: tuple[WaterfallRow, ...]
    culprit: WaterfallRow | None = None
    """The downstream call (or the cold start) that took the most time, if there is one."""
    failures: tuple[WaterfallRow, ...] = field(default_factory=tuple)
    """Rows that faulted, erred or were throttled, deepest first (the origin of the failure)."""

    def brief(self) -> str:
        """The verdict in a few words: the call that took the time and its share, a failure."""
        parts = []
        culprit = self.culprit
        if culprit is not None and culprit.duration_ms is not None and self.total_ms > 0:
            share = culprit.duration_ms / self.total_ms
            parts.append(f"{culprit.name} {_ms(culprit.duration_ms)} ({share:.0%})")
        elif culprit is not None:
            parts.append(f"{culprit.name} still running")
        if self.failures:
            failure = self.failures[0]
            parts.append(
                failure.cause.split(":", 1)[0] if failure.cause else f"{failure.name} failed"
            )
        return " · ".join(parts) or "no downstream call stands out"

    def verdict(self) -> str:
        """One line: where the time went, and what failed."""
        parts = []
        culprit = self.culprit
        if culprit is not None and culprit.duration_ms is not None and self.total_ms > 0:
            share = culprit.duration_ms / self.total_ms
            parts.append(
                f"{culprit.label} took {_ms(culprit.duration_ms)} of {_ms(self.total_ms)} "
                f"({share:.0%})"
            )
        elif culprit is not None:
            parts.append(f"{culprit.label} was still running when the trace ended")
        failure = self.failures[0] if self.failures else None
        if failure is not None:
            what = "throttled" if failure.throttle else "faulted" if failure.fault else "erred"
            text = f"{failure.label} {what}"
            if failure.cause:
                text += f": {failure.cause}"
            parts.append(text)
        return "; ".join(parts) or f"{_ms(self.total_ms)}, no downstream call stands out"


def _ms(ms: float) -> str:
    return f"{ms / 1000:.2f} s" if ms >= 1000 else f"{ms:.0f} ms"


def waterfall(trace: Trace) -> Waterfall:
    """A trace's segments and subsegments as rows in call order (each under its parent)."""
    docs: list[dict[str, Any]] = []
    for segment in trace.get("Segments") or []:
        try:
            doc = json.loads(segment["Document"])
        except (KeyError, TypeError, ValueError):
            continue
        if isinstance(doc, dict) and "start_time" in doc:
            docs.append(doc)
    if not docs:
        return Waterfall(str(trace.get("Id", "")), 0.0, ())
    origin = min(float(d["start_time"]) for d in docs)
    ends = [float(d["end_time"]) for d in docs if isinstance(d.get("end_time"), (int, float))]
    total_ms = (max(ends) - origin) * 1000 if ends else 0.0
    children: dict[str, list[dict[str, Any]]] = {}
    ids = set()
    for d in docs:
        ids.add(d.get("id"))
        for sub in _subsegments(d):
            ids.add(sub.get("id"))
    roots = []
    for d in docs:
        parent = d.get("parent_id")
        if parent and parent in ids:
            children.setdefault(str(parent), []).append(d)
        else:
            roots.append(d)
    rows: list[WaterfallRow] = []

    def visit(node: dict[str, Any], depth: int, is_segment: bool) -> None:
        subs = sorted(_subsegments(node), key=lambda s: float(s.get("start_time", 0)))
        attached = children.get(str(node.get("id")), [])
        rows.append(_row(node, depth, origin, is_segment, leaf=not subs and not attached))
        for child in sorted(subs + attached, key=lambda s: float(s.get("start_time", 0))):
            visit(child, depth + 1, child in attached)

    for root in sorted(roots, key=lambda d: float(d["start_time"])):
        visit(root, 0, True)
    downstream = [
        r for r in rows if r.leaf and (r.kind in ("aws", "remote") or r.name == "Initialization")
    ]
    culprit = max(
        downstream,
        key=lambda r: float("inf") if r.duration_ms is None else r.duration_ms,
        default=None,
    )
    failing = [r for r in rows if r.fault or r.error or r.throttle]
    failing.sort(key=lambda r: (-r.depth, r.offset_ms))
    return Waterfall(str(trace.get("Id", "")), total_ms, tuple(rows), culprit, tuple(failing))


def _subsegments(node: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in node.get("subsegments") or [] if isinstance(s, dict) and "start_time" in s]


def _row(
    node: dict[str, Any], depth: int, origin: float, is_segment: bool, *, leaf: bool
) -> WaterfallRow:
    start = float(node["start_time"])
    end = node.get("end_time")
    duration = (float(end) - start) * 1000 if isinstance(end, (int, float)) else None
    aws = _dict(node.get("aws"))
    http = _dict(node.get("http"))
    detail_parts = []
    if aws.get("operation"):
        detail_parts.append(str(aws["operation"]))
    if aws.get("table_name"):
        detail_parts.append(str(aws["table_name"]))
    request = _dict(http.get("request"))
    if node.get("namespace") == "remote" and request.get("url"):
        detail_parts.append(f"{request.get('method', '')} {request['url']}".strip())
    response = _dict(http.get("response"))
    if is_segment and response.get("status") is not None:
        detail_parts.append(f"HTTP {response['status']}")
    kind = str(node.get("origin") or node.get("namespace") or ("segment" if is_segment else ""))
    return WaterfallRow(
        depth=depth,
        name=str(node.get("name", "?")),
        kind=kind,
        offset_ms=(start - origin) * 1000,
        duration_ms=duration,
        detail=" ".join(detail_parts),
        fault=bool(node.get("fault")),
        error=bool(node.get("error")),
        throttle=bool(node.get("throttle")),
        cause=_cause(node.get("cause")),
        leaf=leaf,
    )


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _cause(cause: Any) -> str:
    if not isinstance(cause, dict):
        return ""
    for exc in cause.get("exceptions") or []:
        if isinstance(exc, dict) and (exc.get("type") or exc.get("message")):
            kind, message = str(exc.get("type") or ""), str(exc.get("message") or "")
            if message.startswith(kind):
                return message
            return f"{kind}: {message}".strip(": ")
    return ""


def bar(
    offset_ms: float, duration_ms: float | None, total_ms: float, width: int
) -> tuple[int, int]:
    """(first column, columns) of a row's bar in a waterfall `width` columns wide; at least
    one column, so the shortest call is still seen."""
    if total_ms <= 0 or width <= 0:
        return 0, 0
    first = min(width - 1, max(0, int(offset_ms / total_ms * width)))
    span = total_ms - offset_ms if duration_ms is None else duration_ms
    length = max(1, round(span / total_ms * width))
    return first, min(length, width - first)


# -- CloudTrail -----------------------------------------------------------------------------------


class LookupEvent(TypedDict, total=False):
    """The fields of LookupEvents' Events the investigation reads."""

    EventId: str
    EventName: str
    EventTime: datetime
    EventSource: str
    Username: str
    AccessKeyId: str
    ReadOnly: str
    Resources: list[dict[str, str]]
    CloudTrailEvent: str


@dataclass(frozen=True, slots=True)
class TrailRow:
    at: datetime | None
    name: str
    source: str
    user: str
    source_ip: str
    resources: str
    error: str
    read_only: bool | None


def trail_row(event: LookupEvent) -> TrailRow:
    """One CloudTrail event as a row (the event's own JSON fills in the caller's IP and
    any error)."""
    detail: dict[str, Any] = {}
    try:
        parsed = json.loads(event.get("CloudTrailEvent") or "{}")
        detail = parsed if isinstance(parsed, dict) else {}
    except ValueError:
        detail = {}
    at = event.get("EventTime")
    resources = ", ".join(
        str(r.get("ResourceName")) for r in event.get("Resources") or [] if r.get("ResourceName")
    )
    error = str(detail.get("errorCode") or "")
    if detail.get("errorMessage"):
        error = f"{error}: {detail['errorMessage']}" if error else str(detail["errorMessage"])
    read_only = event.get("ReadOnly")
    return TrailRow(
        at=_utc(at) if isinstance(at, datetime) else None,
        name=str(event.get("EventName", "?")),
        source=str(event.get("EventSource", "")).removesuffix(".amazonaws.com"),
        user=str(event.get("Username", "")),
        source_ip=str(detail.get("sourceIPAddress") or ""),
        resources=resources,
        error=error,
        read_only=None if read_only is None else str(read_only).lower() == "true",
    )


# -- the sign-in test -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SignInOutcome:
    """What a test sign-in (AdminInitiateAuth) answered; never the password or a token."""

    username: str
    flow: str
    ok: bool
    words: str
    """AWS's answer in a line: "signed in (tokens issued, expire in 3600 s)", a challenge's
    name, or AWS's error as it said it."""
    elapsed_ms: float | None
    """Wall time of the call; None when nothing was sent."""
    sent: bool = True
    challenge: str | None = None
