"""What the alert feed holds: one entry per distinct event, folded when it repeats."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum


class Severity(Enum):
    INFO = "info"
    WARN = "warn"
    CRIT = "crit"
    OK = "ok"
    """A recovery: an alarm back to OK, a connection restored, an action that succeeded."""


class Topic(Enum):
    """What an alert is about: pairs it with the runbook's answers (`actions_for_topic`)."""

    ERRORS = "errors"
    LATENCY = "latency"
    THROTTLING = "throttling"
    AUTH = "auth"
    CONCURRENCY = "concurrency"
    TRAFFIC = "traffic"


class AlertSource(Enum):
    ALARM = "alarm"
    """A CloudWatch alarm changed state."""
    LOG = "log"
    """An ERROR line in the function's log group."""
    BREACH = "breach"
    """A threshold the app checks itself (from the config)."""
    CONNECTION = "connection"
    """A fetch failed or recovered."""
    ACTION = "action"
    """The outcome of a remediation the operator ran."""
    ROLLOUT = "rollout"
    """A rollout ended, aborted or stopped (the controller's own decisions)."""


@dataclass(frozen=True, slots=True)
class Alert:
    """One line in the feed; `body` is the full text shown when it is selected."""

    key: str
    """De-duplication key: identical events share it and fold into one entry."""
    source: AlertSource
    severity: Severity
    title: str
    body: str
    first_seen: datetime
    last_seen: datetime
    count: int = 1
    topic: Topic | None = None
    """What it is about, for pairing with runbook actions; None when no runbook topic fits."""
