"""The weekly review (the runbook's "Weekly Operations"), assembled from typed answers.

Pure: `core.review` fetches and hands each section's answer (or AWS's refusal) here.
Every section says where its figures come from (`source`) and the exact calls and queries
it ran (`queries`), so a person can run them again by hand; a section that failed says why
in AWS's words (`error`) while the others still show.

The JSON form (`review_json`, `todotui review --json`), schema version 1:

    {"schema": "todotui.review/1",
     "window": {"start": ISO8601, "end": ISO8601, "days": int},
     "generated_at": ISO8601,
     "sections": [ {
        "key": "cost" | "cloudtrail" | "slow_requests" | "authentication",
        "title": str, "source": str, "queries": [str, ...],
        "status": "ok" | "failed",
        "error": str | null,            # AWS's words when status is "failed"
        "notes": [str, ...],
        "data": ...                     # null when failed; otherwise by key:
     } ]}

    cost:           {"metric": str, "unit": "USD", "days": ["YYYY-MM-DD", ...],
                     "services": [{"service": str, "daily": [float|null, ...],
                                   "week_total": float, "previous_week_total": float|null,
                                   "change_pct": float|null}],
                     "daily_totals": [float|null, ...], "week_total": float,
                     "previous_week_total": float|null, "change_pct": float|null,
                     "estimated_days": ["YYYY-MM-DD", ...]}
    cloudtrail:     {"findings": [{"kind": str, "event_name": str, "time": ISO8601,
                                   "username": str|null, "source_ip": str|null,
                                   "resources": [str, ...], "detail": str,
                                   "event_id": str,      # the newest of `count`
                                   "count": int, "first": ISO8601|null}]}
    slow_requests:  {"threshold_ms": float, "rows": [{"time": str, "request_id": str|null,
                                                      "duration_ms": float}]}
    authentication: {"pattern": str, "events_read": int, "truncated": bool,
                     "users": [{"user": str, "failures": int, "source_ips": [str, ...],
                                "last": ISO8601}]}

null always means "no data", never zero. Fields may be added in a later version 1; none is
removed or changes meaning without a new schema version.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from todotui.reports.cost_types import CostSeries
from todotui.reports.trail_types import TrailEvent

SCHEMA = "todotui.review/1"
SectionStatus = Literal["ok", "failed"]

USER_EVENTS = ("CreateUser", "CreateLoginProfile")
KEY_EVENTS = ("CreateAccessKey",)
POLICY_EVENTS = (
    "AttachUserPolicy",
    "PutUserPolicy",
    "AttachRolePolicy",
    "PutRolePolicy",
    "AttachGroupPolicy",
    "PutGroupPolicy",
    "CreatePolicy",
    "CreatePolicyVersion",
    "SetDefaultPolicyVersion",
    "DetachUserPolicy",
    "DetachRolePolicy",
    "DeleteUserPolicy",
    "DeleteRolePolicy",
    "AddUserToGroup",
    "UpdateAssumeRolePolicy",
)
"""IAM calls that change what someone may do."""
SIGN_IN_EVENT = "ConsoleLogin"
WATCHED_EVENTS = (*USER_EVENTS, *KEY_EVENTS, *POLICY_EVENTS, SIGN_IN_EVENT)
"""The event names the review looks up one by one (LookupEvents takes one attribute)."""


# -- sections' contents ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ServiceCost:
    service: str
    daily: tuple[float | None, ...]
    """USD per day of the week, None where Cost Explorer had no line for the service."""
    week_total: float
    previous_week_total: float | None
    """None when the week before had no line for the service at all."""

    @property
    def change_pct(self) -> float | None:
        return change_pct(self.week_total, self.previous_week_total)


@dataclass(frozen=True, slots=True)
class CostReview:
    metric: str
    days: tuple[date, ...]
    services: tuple[ServiceCost, ...]
    """Costliest first."""
    daily_totals: tuple[float | None, ...]
    week_total: float
    previous_week_total: float | None
    estimated_days: tuple[date, ...]

    @property
    def change_pct(self) -> float | None:
        return change_pct(self.week_total, self.previous_week_total)


@dataclass(frozen=True, slots=True)
class Finding:
    """A CloudTrail event worth a person's eye, and why."""

    kind: str
    event: TrailEvent
    """The newest of the events this finding stands for."""
    detail: str
    count: int = 1
    """Repeated writes (same call, caller and resources) are one finding: how many."""
    first: datetime | None = None
    """The oldest of them, when there are several."""


STACK_CHANGE = "monitored resource changed"


@dataclass(frozen=True, slots=True)
class TrailReview:
    findings: tuple[Finding, ...]
    """Newest first."""

    @property
    def security(self) -> tuple[Finding, ...]:
        """Identity and sign-in findings (users, keys, policies, console sign-ins)."""
        return tuple(f for f in self.findings if f.kind != STACK_CHANGE)

    @property
    def stack_changes(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.kind == STACK_CHANGE)


@dataclass(frozen=True, slots=True)
class SlowRequest:
    time: str
    """@timestamp as Logs Insights gave it."""
    request_id: str | None
    duration_ms: float


@dataclass(frozen=True, slots=True)
class SlowReview:
    threshold_ms: float
    rows: tuple[SlowRequest, ...]
    """Slowest first."""


@dataclass(frozen=True, slots=True)
class SignInFailures:
    user: str
    failures: int
    source_ips: tuple[str, ...]
    last: datetime


@dataclass(frozen=True, slots=True)
class AuthReview:
    pattern: str
    events_read: int
    truncated: bool
    """True when the read stopped at its cap: the counts are then lower bounds."""
    users: tuple[SignInFailures, ...]
    """Most failures first."""


Content = CostReview | TrailReview | SlowReview | AuthReview


@dataclass(frozen=True, slots=True)
class Section:
    key: str
    title: str
    source: str
    queries: tuple[str, ...]
    status: SectionStatus
    data: Content | None = None
    error: str | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Review:
    start: datetime
    end: datetime
    days: int
    generated_at: datetime
    sections: tuple[Section, ...] = field(default=())

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)

    @property
    def failed(self) -> tuple[Section, ...]:
        return tuple(s for s in self.sections if s.status == "failed")


# -- cost -------------------------------------------------------------------------------------


def change_pct(now: float, before: float | None) -> float | None:
    """Percent change from `before` to `now`; None when there is nothing to compare with."""
    if before is None or before == 0:
        return None
    return (now - before) / before * 100


def cost_review(series: CostSeries, week_start: date, days: int) -> CostReview:
    """This week (`days` days from `week_start`) by service, against the `days` before."""
    week = tuple(week_start + timedelta(days=i) for i in range(days))
    previous = {week_start - timedelta(days=i + 1) for i in range(days)}
    by_day = {d.day: d for d in series.days}
    services = sorted({s for d in series.days if d.day in week for s in d.by_service})
    rows = []
    for service in services:
        daily = tuple(by_day[d].by_service.get(service) if d in by_day else None for d in week)
        before = [
            by_day[d].by_service[service]
            for d in previous
            if d in by_day and service in by_day[d].by_service
        ]
        rows.append(
            ServiceCost(
                service,
                daily,
                sum(v for v in daily if v is not None),
                sum(before) if before else None,
            )
        )
    rows.sort(key=lambda r: -r.week_total)
    totals = tuple(by_day[d].total if d in by_day else None for d in week)
    previous_days = [by_day[d] for d in previous if d in by_day]
    previous_total = sum(d.total for d in previous_days) if previous_days else None
    return CostReview(
        metric=series.metric,
        days=week,
        services=tuple(rows),
        daily_totals=totals,
        week_total=sum(t for t in totals if t is not None),
        previous_week_total=previous_total,
        estimated_days=tuple(d for d in week if d in by_day and by_day[d].estimated),
    )


# -- CloudTrail -------------------------------------------------------------------------------


def trail_review(
    events: Iterable[TrailEvent], monitored: Mapping[str, str], start: datetime, end: datetime
) -> TrailReview:
    """The events worth a look, each once: users and keys created, IAM policy changes,
    console sign-ins without MFA (and failed ones), and any write to a monitored resource
    (`monitored`: resource name as CloudTrail gives it -> what to call it, e.g.
    "todo-handler" -> "function todo-handler")."""
    seen: set[str] = set()
    found: list[Finding] = []
    for event in events:
        if event.event_id in seen or not start <= event.time <= end:
            continue
        seen.add(event.event_id)
        finding = _finding(event, monitored)
        if finding is not None:
            found.append(finding)
    grouped: dict[tuple[object, ...], Finding] = {}
    for finding in sorted(found, key=lambda f: f.event.time, reverse=True):
        event = finding.event
        key: tuple[object, ...] = (event.event_id,)
        if finding.kind == STACK_CHANGE:
            key = (finding.kind, event.name, event.username, event.resources, event.error_code)
        if key in grouped:
            kept = grouped[key]
            grouped[key] = replace(kept, count=kept.count + 1, first=event.time)
        else:
            grouped[key] = finding
    return TrailReview(tuple(grouped.values()))


def _finding(event: TrailEvent, monitored: Mapping[str, str]) -> Finding | None:
    failed = f" (failed: {event.error_code or event.error_message})" if event.error_code else ""
    if event.name in USER_EVENTS:
        return Finding("user created", event, f"IAM user {_param(event, 'userName')}{failed}")
    if event.name in KEY_EVENTS:
        return Finding(
            "access key created", event, f"access key for {_param(event, 'userName')}{failed}"
        )
    if event.name in POLICY_EVENTS:
        target = (
            _param(event, "userName", None)
            or _param(event, "roleName", None)
            or _param(event, "groupName", None)
            or _param(event, "policyArn")
        )
        policy = _param(event, "policyArn", None) or _param(event, "policyName", None)
        detail = f"{target}" + (f": {policy}" if policy and policy != target else "") + failed
        return Finding("IAM policy change", event, detail)
    if event.name == SIGN_IN_EVENT:
        if event.console_result == "Failure":
            return Finding(
                "console sign-in failed", event, event.error_message or "ConsoleLogin Failure"
            )
        if event.mfa_used != "Yes":
            return Finding(
                "console sign-in without MFA", event, f"MFAUsed: {event.mfa_used or 'not said'}"
            )
        return None
    touched = [name for name in event.resource_names if name in monitored]
    if touched:
        what = ", ".join(monitored[name] for name in touched)
        return Finding(STACK_CHANGE, event, f"{what}{failed}")
    return None


def _param(event: TrailEvent, key: str, default: str | None = "?") -> str | None:
    value = event.request_parameters.get(key)
    return str(value) if value is not None else default


# -- slow requests ----------------------------------------------------------------------------


def slow_review(rows: Sequence[Mapping[str, str]], threshold_ms: float) -> SlowReview:
    """Logs Insights rows (`@timestamp`, `@requestId`, `@duration`) as slow requests; a row
    without a duration is not one (it is left out, never shown as 0 ms)."""
    out = []
    for row in rows:
        raw = row.get("@duration")
        if raw is None:
            continue
        try:
            duration = float(raw)
        except ValueError:
            continue
        out.append(SlowRequest(row.get("@timestamp", ""), row.get("@requestId"), duration))
    out.sort(key=lambda r: -r.duration_ms)
    return SlowReview(threshold_ms, tuple(out))


# -- authentication ---------------------------------------------------------------------------


def auth_review(
    messages: Iterable[tuple[int, str]], pattern: str, *, truncated: bool
) -> AuthReview:
    """Failed sign-ins per user from the app's `Authentication:` JSON lines
    ((timestamp ms, message) pairs that the filter pattern matched)."""
    counts: dict[str, int] = {}
    ips: dict[str, set[str]] = {}
    last: dict[str, datetime] = {}
    read = 0
    for timestamp, message in messages:
        read += 1
        try:
            line = json.loads(message)
        except json.JSONDecodeError:
            continue
        if not isinstance(line, dict) or line.get("result") != "FAILED":
            continue
        user = str(line.get("user") or "(no user named)")
        counts[user] = counts.get(user, 0) + 1
        if line.get("sourceIp"):
            ips.setdefault(user, set()).add(str(line["sourceIp"]))
        moment = datetime.fromtimestamp(timestamp / 1000, UTC)
        last[user] = max(last.get(user, moment), moment)
    users = tuple(
        SignInFailures(user, n, tuple(sorted(ips.get(user, ()))), last[user])
        for user, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    )
    return AuthReview(pattern, read, truncated, users)


# -- JSON -------------------------------------------------------------------------------------


def review_json(review: Review) -> dict[str, Any]:
    """The stable JSON form (schema in the module docstring)."""
    return {
        "schema": SCHEMA,
        "window": {
            "start": review.start.isoformat(),
            "end": review.end.isoformat(),
            "days": review.days,
        },
        "generated_at": review.generated_at.isoformat(),
        "sections": [_section_json(s) for s in review.sections],
    }


def _section_json(section: Section) -> dict[str, Any]:
    return {
        "key": section.key,
        "title": section.title,
        "source": section.source,
        "queries": list(section.queries),
        "status": section.status,
        "error": section.error,
        "notes": list(section.notes),
        "data": None if section.data is None else _data_json(section.data),
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def _data_json(data: Content) -> dict[str, Any]:
    if isinstance(data, CostReview):
        return {
            "metric": data.metric,
            "unit": "USD",
            "days": [d.isoformat() for d in data.days],
            "services": [
                {
                    "service": s.service,
                    "daily": [_round(v) for v in s.daily],
                    "week_total": _round(s.week_total),
                    "previous_week_total": _round(s.previous_week_total),
                    "change_pct": _round(s.change_pct),
                }
                for s in data.services
            ],
            "daily_totals": [_round(v) for v in data.daily_totals],
            "week_total": _round(data.week_total),
            "previous_week_total": _round(data.previous_week_total),
            "change_pct": _round(data.change_pct),
            "estimated_days": [d.isoformat() for d in data.estimated_days],
        }
    if isinstance(data, TrailReview):
        return {
            "findings": [
                {
                    "kind": f.kind,
                    "event_name": f.event.name,
                    "time": f.event.time.isoformat(),
                    "username": f.event.username,
                    "source_ip": f.event.source_ip,
                    "resources": list(f.event.resource_names),
                    "detail": f.detail,
                    "event_id": f.event.event_id,
                    "count": f.count,
                    "first": f.first.isoformat() if f.first else None,
                }
                for f in data.findings
            ]
        }
    if isinstance(data, SlowReview):
        return {
            "threshold_ms": data.threshold_ms,
            "rows": [
                {"time": r.time, "request_id": r.request_id, "duration_ms": r.duration_ms}
                for r in data.rows
            ],
        }
    return {
        "pattern": data.pattern,
        "events_read": data.events_read,
        "truncated": data.truncated,
        "users": [
            {
                "user": u.user,
                "failures": u.failures,
                "source_ips": list(u.source_ips),
                "last": u.last.isoformat(),
            }
            for u in data.users
        ],
    }
