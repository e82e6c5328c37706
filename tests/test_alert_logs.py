"""The log watches: error lines fold by text, failed sign-ins fold per user (alerts/logs.py)."""

from __future__ import annotations

import json

from todotui.alerts.diagnosis import LogCount, _message_of
from todotui.alerts.feed import AlertFeed
from todotui.alerts.logs import (
    DEFAULT_ERROR_PATTERN,
    DEFAULT_SIGN_IN_PATTERN,
    LogWatch,
    SignInWatch,
    sign_in_of,
)
from todotui.alerts.model import AlertSource, Topic
from todotui.config import Settings

GROUP = "/aws/lambda/todo-handler"


def sign_in(i: int, user: str, result: str = "FAILED") -> dict:
    line = {
        "timestamp": "2026-01-01T00:00:00.000Z",
        "level": "INFO",
        "message": "Authentication:",
        "user": user,
        "result": result,
        "sourceIp": f"203.0.113.{i}",
        "requestId": f"{i:08x}-0000-0000-0000-000000000000",
    }
    return {
        "timestamp": 1_767_225_600_000 + i,
        "eventId": f"e{i}",
        "logStreamName": "2026/01/01/[1]abc",
        "message": json.dumps(line),
    }


def test_defaults_are_the_settings_patterns():
    logs = Settings().logs
    assert logs.errors == DEFAULT_ERROR_PATTERN == '?ERROR ?"Task timed out"'
    assert (
        logs.failed_sign_ins
        == DEFAULT_SIGN_IN_PATTERN
        == '{ $.message = "Authentication:*" && $.result = "FAILED" }'
    )
    assert LogWatch(GROUP).pattern == logs.errors
    assert SignInWatch(GROUP).pattern == logs.failed_sign_ins


def test_failed_sign_ins_fold_per_user_with_their_count():
    watch = SignInWatch(GROUP)
    events = [sign_in(i, "mallory@example.com") for i in range(12)]
    events += [sign_in(100, "alice@example.com")]
    feed = AlertFeed()
    feed.extend(watch.take(events))
    feed.extend(watch.take([*events, sign_in(200, "mallory@example.com")]))  # one new
    entries = {a.title: a for a in feed.entries}
    assert set(entries) == {
        "Failed sign-in · mallory@example.com",
        "Failed sign-in · alice@example.com",
    }
    mallory = entries["Failed sign-in · mallory@example.com"]
    assert mallory.count == 13 and entries["Failed sign-in · alice@example.com"].count == 1
    assert mallory.topic is Topic.AUTH and mallory.source is AlertSource.LOG
    # the raw line after a blank line, as diagnosis reads it back
    raw = _message_of(mallory)
    assert json.loads(raw)["user"] == "mallory@example.com"
    assert mallory.body.split("\n\n", 1)[1] == sign_in(200, "mallory@example.com")["message"]
    assert LogCount(mallory.title, mallory.count, raw).sign_in == ("mallory@example.com", True)


def test_the_sign_in_watch_passes_over_successes_and_other_lines():
    """An endpoint that matches loosely (or a wider pattern) lets other lines through."""
    watch = SignInWatch(GROUP)
    ok = sign_in(1, "alice@example.com", "SUCCEEDED")
    error = {"timestamp": 5, "eventId": "x", "message": "[ERROR]\tt\trid\tKeyError: 'title'"}
    assert watch.take([ok, error]) == []
    assert watch.cursor.timestamp_ms == ok["timestamp"]  # read past them all the same


def test_error_lines_still_fold_by_text_not_by_user():
    watch = LogWatch(GROUP)
    lines = [
        {"timestamp": i, "eventId": f"e{i}", "message": f"[ERROR]\tt\t{i:032x}\tKeyError: 'title'"}
        for i in range(3)
    ]
    alerts = watch.take(lines)
    assert len({a.key for a in alerts}) == 1 and all(a.topic is Topic.ERRORS for a in alerts)


def test_sign_in_of_reads_the_app_lines_only():
    assert sign_in_of(sign_in(1, "bob@example.com")["message"]) == ("bob@example.com", "FAILED")
    assert sign_in_of('{"message": "Request completed"}') is None
    assert sign_in_of('{"message": "Authentication:"}') is None  # nobody named
    assert sign_in_of("Authentication: bob") is None
