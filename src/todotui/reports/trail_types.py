"""CloudTrail LookupEvents' events, typed (the fields a person reviewing them reads).

Pure (no SDK): `aws.cloudtrail` fetches, `reports.review` judges.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class TrailEvent:
    event_id: str
    name: str
    source: str
    """The event source, e.g. lambda.amazonaws.com."""
    time: datetime
    username: str | None
    """Who made the call (LookupEvents' Username), None when CloudTrail names nobody."""
    access_key_id: str | None
    resources: tuple[tuple[str, str], ...] = ()
    """(ResourceType, ResourceName) pairs."""
    source_ip: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    mfa_used: str | None = None
    """ConsoleLogin's additionalEventData.MFAUsed ("Yes"/"No"), None for other events."""
    console_result: str | None = None
    """ConsoleLogin's responseElements.ConsoleLogin ("Success"/"Failure")."""
    request_parameters: dict[str, Any] = field(default_factory=dict)

    @property
    def resource_names(self) -> tuple[str, ...]:
        return tuple(name for _, name in self.resources)


def trail_event(event: dict[str, Any]) -> TrailEvent:
    """One LookupEvents event; its CloudTrailEvent document read where it has more."""
    try:
        record = json.loads(event.get("CloudTrailEvent") or "{}")
    except json.JSONDecodeError:
        record = {}
    if not isinstance(record, dict):
        record = {}
    when = event.get("EventTime")
    if isinstance(when, datetime):
        moment = when if when.tzinfo else when.replace(tzinfo=UTC)
    elif isinstance(when, int | float):
        moment = datetime.fromtimestamp(when, UTC)
    else:
        moment = datetime.fromisoformat(str(record.get("eventTime", "")).replace("Z", "+00:00"))
    additional = record.get("additionalEventData") or {}
    response = record.get("responseElements") or {}
    parameters = record.get("requestParameters") or {}
    return TrailEvent(
        event_id=str(event.get("EventId") or record.get("eventID", "")),
        name=str(event.get("EventName") or record.get("eventName", "")),
        source=str(event.get("EventSource") or record.get("eventSource", "")),
        time=moment.astimezone(UTC),
        username=event.get("Username") or (record.get("userIdentity") or {}).get("userName"),
        access_key_id=event.get("AccessKeyId") or None,
        resources=tuple(
            (str(r.get("ResourceType", "")), str(r.get("ResourceName", "")))
            for r in event.get("Resources") or []
        ),
        source_ip=record.get("sourceIPAddress"),
        error_code=record.get("errorCode"),
        error_message=record.get("errorMessage"),
        mfa_used=additional.get("MFAUsed") if isinstance(additional, dict) else None,
        console_result=response.get("ConsoleLogin") if isinstance(response, dict) else None,
        request_parameters=parameters if isinstance(parameters, dict) else {},
    )
