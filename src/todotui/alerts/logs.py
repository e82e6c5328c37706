"""Log lines from the function's log group, each shown once, summarised and folded.

Two watches: `LogWatch` for error lines (ERROR, "Task timed out"), folded by their text less
request ids and timestamps; `SignInWatch` for failed sign-ins (the app's `Authentication:`
JSON lines), folded per user, so the feed shows one entry per user with its count.

Pure. A cursor remembers the newest timestamp seen and the event ids seen at it, so events
that share a millisecond are neither lost nor repeated across polls.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from todotui.alerts.model import Alert, AlertSource, Severity, Topic
from todotui.config import LogPatterns
from todotui.telemetry.aws_types import LogEvent

#: Request ids, hex ids and timestamps vary between otherwise identical lines.
_VARYING = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    r"|\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?Z?"
    r"|\b[0-9a-f]{16,}\b",
    re.IGNORECASE,
)


DEFAULT_ERROR_PATTERN = LogPatterns().errors
"""Error lines: Lambda's "[ERROR]" lines, and its "Task timed out after N seconds" line
(which has no ERROR in it, on AWS too)."""
DEFAULT_SIGN_IN_PATTERN = LogPatterns().failed_sign_ins
"""Failed sign-ins: the app's `Authentication:` JSON lines whose result is FAILED."""


def summarize(message: str) -> str:
    """The part of a log line an operator reads first.

    Lambda's Python runtime writes "[ERROR]<tab>timestamp<tab>request id<tab>text": keep the
    text. A JSON line becomes its message, error type and status code.
    """
    first = message.strip().splitlines()[0] if message.strip() else "(empty log line)"
    if first.startswith("{"):
        try:
            record = json.loads(message)
        except ValueError:
            return first
        if isinstance(record, dict):
            parts = [str(record.get("message") or record.get("msg") or "").strip()]
            for key in ("errorType", "error", "reason"):
                if record.get(key):
                    parts.append(str(record[key]))
            if record.get("statusCode"):
                parts.append(f"HTTP {record['statusCode']}")
            text = " · ".join(p for p in parts if p)
            return text or first
    fields = first.split("\t")
    if len(fields) >= 4 and fields[0].startswith("["):
        return "\t".join(fields[3:]).strip()
    return first


def fold_key(message: str) -> str:
    """Lines that differ only by request id or timestamp fold into one feed entry."""
    return " ".join(_VARYING.sub("*", message).split())[:300]


class LogCursor:
    """Where the last poll stopped: newest timestamp (ms) and the event ids seen at it."""

    def __init__(self) -> None:
        self.timestamp_ms: int | None = None
        self.ids_at_timestamp: set[str] = set()

    def is_new(self, event: LogEvent) -> bool:
        ts, eid = event.get("timestamp", 0), event.get("eventId", "")
        if self.timestamp_ms is None or ts > self.timestamp_ms:
            return True
        return ts == self.timestamp_ms and eid not in self.ids_at_timestamp

    def advance(self, event: LogEvent) -> None:
        ts, eid = event.get("timestamp", 0), event.get("eventId", "")
        if self.timestamp_ms is None or ts > self.timestamp_ms:
            self.timestamp_ms, self.ids_at_timestamp = ts, {eid}
        elif ts == self.timestamp_ms:
            self.ids_at_timestamp.add(eid)


def sign_in_of(message: str) -> tuple[str, str] | None:
    """(user, result) of a sign-in line (`{"message": "Authentication:", "user": ...,
    "result": ...}`), or None for any other line."""
    text = message.strip()
    if not text.startswith("{"):
        return None
    try:
        record = json.loads(text)
    except ValueError:
        return None
    if not isinstance(record, dict):
        return None
    if not str(record.get("message", "")).startswith("Authentication"):
        return None
    user = str(record.get("user") or "").strip()
    if not user:
        return None
    return user, str(record.get("result") or "").upper()


class LogWatch:
    """Turns one log group's matching events into alerts, each event once (behind a cursor)."""

    label = ""
    """What this watch reads, when it is not the group's error lines (for failed reads)."""

    def __init__(
        self, log_group: str, *, pattern: str = DEFAULT_ERROR_PATTERN, max_events: int = 1000
    ) -> None:
        self.log_group = log_group
        self.pattern = pattern
        self.max_events = max_events
        self.cursor = LogCursor()

    def start_ms(self, now: datetime, lookback_seconds: int) -> int:
        """Where the next fetch starts: the cursor, or `lookback_seconds` ago on the first."""
        if self.cursor.timestamp_ms is None:
            return int((now - timedelta(seconds=lookback_seconds)).timestamp() * 1000)
        return self.cursor.timestamp_ms

    def take(self, events: list[LogEvent]) -> list[Alert]:
        """An alert per event not seen before, oldest first; the cursor moves past them."""
        new = sorted(
            (e for e in events if self.cursor.is_new(e)),
            key=lambda e: (e.get("timestamp", 0), e.get("eventId", "")),
        )
        alerts = []
        for event in new:
            self.cursor.advance(event)
            alert = self._alert(event)
            if alert is not None:
                alerts.append(alert)
        return alerts

    def _alert(self, event: LogEvent) -> Alert | None:
        summary = summarize(event.get("message", "").rstrip())
        return self._make(event, f"log:{self.log_group}:{fold_key(summary)}", summary, Topic.ERRORS)

    def _make(
        self,
        event: LogEvent,
        key: str,
        title: str,
        topic: Topic,
        severity: Severity = Severity.WARN,
    ) -> Alert:
        """The alert for `event`: its header, a blank line, then the raw line (which
        diagnosis reads back)."""
        message = event.get("message", "").rstrip()
        when = datetime.fromtimestamp(event.get("timestamp", 0) / 1000, tz=UTC)
        return Alert(
            key=key,
            source=AlertSource.LOG,
            severity=severity,
            title=title[:200],
            body=(
                f"{self.log_group} {event.get('logStreamName', '')}\n"
                f"{when:%Y-%m-%d %H:%M:%S}.{when.microsecond // 1000:03d} UTC\n"
                f"event id {event.get('eventId', '?')}\n\n{message}"
            ),
            first_seen=when,
            last_seen=when,
            topic=topic,
        )


class SignInWatch(LogWatch):
    """Failed sign-ins, one feed entry per user: `Failed sign-in · <user>`, topic AUTH.

    Only the app's sign-in lines that failed become alerts: a line the pattern let through
    that does not say who failed (an endpoint that matches loosely, a pattern set wider) is
    passed over, as is a sign-in that succeeded."""

    label = "failed sign-ins"

    def __init__(
        self, log_group: str, *, pattern: str = DEFAULT_SIGN_IN_PATTERN, max_events: int = 1000
    ) -> None:
        super().__init__(log_group, pattern=pattern, max_events=max_events)

    def take(self, events: list[LogEvent]) -> list[Alert]:
        """As `LogWatch.take`; a user with `BURST` or more failures in one poll is a warning."""
        alerts = super().take(events)
        per_user = Counter(a.key for a in alerts)
        return [
            replace(a, severity=Severity.WARN) if per_user[a.key] >= self.BURST else a
            for a in alerts
        ]

    BURST = 10
    """Failed sign-ins of one user in one poll from which it is a warning, not information."""

    def _alert(self, event: LogEvent) -> Alert | None:
        who = sign_in_of(event.get("message", ""))
        if who is None or who[1] != "FAILED":
            return None
        user = who[0]
        # Information, not a warning: anyone mistypes a password (many at once: see `take`).
        return self._make(
            event,
            f"signin:{self.log_group}:failed:{user}",
            f"Failed sign-in · {user}",
            Topic.AUTH,
            Severity.INFO,
        )
