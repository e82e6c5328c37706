"""CloudTrail's event history for the sandbox: `LookupEvents` (moto answers 500).

The gap filler hands every call the sandbox serves to `Trail.observe`; the management
*write* events are kept (CreateX, UpdateX, PutX, DeleteX...: whatever `read_only` says is
not a read), failed ones included with their errorCode, as CloudTrail keeps them. What is
not kept, and why:

- read-only calls (Get*, List*, Describe*...): AWS's event history has them too, but here
  the simulator's reads each tick and the cockpit's polling would bury the writes, so a
  `ReadOnly=true` lookup answers no events (said in the README, never passed off as "none");
- data events, which event history never shows (PutMetricData, PutLogEvents,
  PutTraceSegments, DynamoDB item calls, SNS Publish, Lambda Invoke);
- CloudWatch's own alarm evaluation (the simulator's SetAlarmState).

Calls the sandbox makes itself (provisioning, a deploy scenario's publish and alias move)
carry `SANDBOX_USER_AGENT` and are recorded as made by `DEPLOYER`; every other caller is
named from the access key id in the Authorization header (the sandbox's default key is
`OPERATOR`; a key made with IAM CreateAccessKey names its user, as IAM says).

Event times are the sandbox's simulated clock. IAM and console sign-in are global
services: their events are shown in every region's history (on AWS they are in
us-east-1's). A few events are seeded over the week before the first one is recorded: an
IAM user and its access key created, a policy attached, console sign-ins with and without
MFA. They are history only: the users they name are not in the sandbox's IAM.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any
from urllib.parse import parse_qsl

from todotui.sandbox import DUMMY_ACCESS_KEY_ID, SANDBOX_ACCOUNT_ID, SANDBOX_USER_AGENT

OPERATOR = "todotui-operator"
"""The IAM user the sandbox's default credentials belong to."""
DEPLOYER = "stack-deployer"
"""Who the sandbox's own calls (provisioning, deploy scenarios) are recorded as."""
HIDDEN = "HIDDEN_DUE_TO_SECURITY_REASONS"
"""What CloudTrail writes instead of a secret request parameter."""
MAX_EVENTS = 20_000
"""Events kept (oldest dropped first): a long-running sandbox stays small."""
MAX_RESULTS = 50
LOOKUP_KEYS = (
    "EventId",
    "EventName",
    "ReadOnly",
    "Username",
    "ResourceType",
    "ResourceName",
    "EventSource",
    "AccessKeyId",
)
GLOBAL_SOURCES = ("iam.amazonaws.com", "signin.amazonaws.com")

_SECRET_KEY = re.compile(r"password|secret|token|authparameters|zipfile|secrethash|proof", re.I)
_READ_PREFIXES = (
    "Get",
    "Describe",
    "List",
    "Filter",
    "Lookup",
    "Query",
    "Scan",
    "Test",
    "BatchGet",
    "Search",
    "Head",
    "Select",
)
_READ_ONLY = frozenset({"StartQuery", "StopQuery", "StartLiveTail", "GetCostAndUsage"})
_DATA_EVENTS = frozenset(
    {
        ("monitoring", "PutMetricData"),
        ("logs", "PutLogEvents"),
        ("xray", "PutTraceSegments"),
        ("xray", "PutTelemetryRecords"),
        ("sns", "Publish"),
        ("sns", "PublishBatch"),
        ("lambda", "Invoke"),
        ("lambda", "InvokeAsync"),
        ("sqs", "SendMessage"),
        ("sqs", "SendMessageBatch"),
        ("sqs", "DeleteMessage"),
        ("sqs", "DeleteMessageBatch"),
        ("sqs", "ReceiveMessage"),
        *(
            ("dynamodb", op)
            for op in (
                "PutItem",
                "UpdateItem",
                "DeleteItem",
                "BatchWriteItem",
                "TransactWriteItems",
                "ExecuteStatement",
                "BatchExecuteStatement",
                "ExecuteTransaction",
            )
        ),
    }
)
_REST_SERVICES = ("lambda", "apigateway", "xray")
"""Services whose operation is told by method and path (rest-json), from botocore's models."""
_RESOURCE_PARAMETERS: Mapping[str, tuple[tuple[str, str], ...]] = {
    "lambda": (("FunctionName", "AWS::Lambda::Function"),),
    "dynamodb": (("TableName", "AWS::DynamoDB::Table"),),
    "apigateway": (
        ("restApiId", "AWS::ApiGateway::RestApi"),
        ("stageName", "AWS::ApiGateway::Stage"),
    ),
    "cognito-idp": (("UserPoolId", "AWS::Cognito::UserPool"),),
    "iam": (
        ("UserName", "AWS::IAM::User"),
        ("RoleName", "AWS::IAM::Role"),
        ("PolicyArn", "AWS::IAM::Policy"),
        ("AccessKeyId", "AWS::IAM::AccessKey"),
    ),
    "monitoring": (("AlarmName", "AWS::CloudWatch::Alarm"),),
    "sns": (("TopicArn", "AWS::SNS::Topic"),),
    "logs": (("logGroupName", "AWS::Logs::LogGroup"),),
}
_CREDENTIAL = re.compile(r"Credential=(?P<key>[^/]+)/\d{8}/(?P<region>[^/]+)/(?P<service>[^/]+)/")
_RPC_V2_PATH = re.compile(r"^/service/[^/]+/operation/(?P<operation>[^/]+)$")
_LAMBDA_API_DATE = re.compile(r"^/(?P<date>\d{4}-\d{2}-\d{2})/")


class TrailError(Exception):
    """A LookupEvents refusal, in CloudTrail's words."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class Call:
    """One AWS call as the gap filler saw it arrive."""

    service: str
    """The signing name (lambda, dynamodb, monitoring, ...)."""
    operation: str
    region: str
    access_key_id: str
    parameters: dict[str, Any]
    source_ip: str
    user_agent: str

    @property
    def internal(self) -> bool:
        return SANDBOX_USER_AGENT in self.user_agent

    @property
    def read_only(self) -> bool:
        return read_only(self.operation)

    @property
    def recorded(self) -> bool:
        """Whether event history keeps it (a management write event, not the sandbox's
        own alarm evaluation)."""
        if self.read_only or (self.service, self.operation) in _DATA_EVENTS:
            return False
        return not (self.internal and self.operation == "SetAlarmState")


@dataclass(frozen=True, slots=True)
class TrailEvent:
    """One event of the history: what LookupEvents answers, and what it is looked up by."""

    event_id: str
    event_name: str
    event_source: str
    event_time: datetime
    username: str
    access_key_id: str
    read_only: bool
    region: str
    resources: tuple[tuple[str, str], ...]
    """(ResourceType, ResourceName) pairs."""
    record: dict[str, Any]
    """The CloudTrailEvent document."""

    def matches(self, key: str, value: str) -> bool:
        if key == "EventId":
            return self.event_id == value
        if key == "EventName":
            return self.event_name == value
        if key == "ReadOnly":
            return str(self.read_only).lower() == value.lower()
        if key == "Username":
            return self.username == value
        if key == "ResourceType":
            return any(t == value for t, _ in self.resources)
        if key == "ResourceName":
            return any(n == value for _, n in self.resources)
        if key == "EventSource":
            return self.event_source == value
        return self.access_key_id == value  # AccessKeyId

    def visible_in(self, region: str) -> bool:
        return self.region == region or self.event_source in GLOBAL_SOURCES

    def to_api(self) -> dict[str, Any]:
        return {
            "EventId": self.event_id,
            "EventName": self.event_name,
            "ReadOnly": str(self.read_only).lower(),
            "AccessKeyId": self.access_key_id,
            "EventTime": self.event_time.timestamp(),
            "EventSource": self.event_source,
            "Username": self.username,
            "Resources": [{"ResourceType": t, "ResourceName": n} for t, n in self.resources],
            "CloudTrailEvent": json.dumps(self.record, default=str),
        }


def read_only(operation: str) -> bool:
    """Whether CloudTrail would mark `operation` readOnly (Cognito's Admin* judged after it)."""
    if operation in _READ_ONLY:
        return True
    return operation.removeprefix("Admin").startswith(_READ_PREFIXES)


class Trail:
    """The sandbox's event history. Thread-safe: the server answers on many threads."""

    def __init__(
        self,
        clock: Callable[[], datetime],
        *,
        account_id: str = SANDBOX_ACCOUNT_ID,
        key_owner: Callable[[str], str | None] | None = None,
    ) -> None:
        self.clock = clock
        self.account_id = account_id
        self.key_owner = key_owner
        """Asks IAM whose access key it is (None: not IAM's)."""
        self._events: list[TrailEvent] = []
        self._owners: dict[str, str] = {DUMMY_ACCESS_KEY_ID: OPERATOR}
        self._lock = threading.Lock()
        self._seeded = False

    # -- kept with a provisioned stack (snapshot.py) -----------------------------------------------

    def saved_state(self) -> dict[str, Any]:
        with self._lock:
            return {
                "events": list(self._events),
                "owners": dict(self._owners),
                "seeded": self._seeded,
            }

    def restore_state(self, state: dict[str, Any], *, moved_by: timedelta) -> None:
        """The events of `saved_state`, each `moved_by` later (its document's times too)."""
        events = [_moved(event, moved_by) for event in state["events"]]
        with self._lock:
            self._events = events
            self._owners = dict(state["owners"])
            self._seeded = state["seeded"]

    # -- recording ------------------------------------------------------------------------------

    def observe(
        self, call: Call, status: int, response_headers: Iterable[tuple[str, str]], body: bytes
    ) -> TrailEvent | None:
        """Record `call` if event history keeps it; answers the event recorded."""
        if not call.recorded:
            return None
        self._seed_once()
        error = None if status < 400 else _error_of(status, dict(response_headers), body)
        username = DEPLOYER if call.internal else self._username(call.access_key_id)
        request_id = dict(response_headers).get("x-amzn-RequestId") or str(uuid.uuid4())
        event = self._event(
            name=_event_name(call),
            source=f"{call.service}.amazonaws.com",
            at=self.clock(),
            username=username,
            access_key_id=call.access_key_id,
            region=call.region,
            parameters=redact(call.parameters),
            resources=resources_of(call),
            source_ip=call.source_ip,
            user_agent=call.user_agent,
            request_id=request_id,
            error=error,
        )
        self._add(event)
        return event

    def _username(self, access_key_id: str) -> str:
        with self._lock:
            known = self._owners.get(access_key_id)
        if known is not None:
            return known
        owner = None
        if self.key_owner is not None:
            try:
                owner = self.key_owner(access_key_id)
            except Exception:  # IAM cannot tell: the key stands for its user, as AWS shows
                owner = None
        name = owner or access_key_id
        with self._lock:
            self._owners[access_key_id] = name
        return name

    def _add(self, *events: TrailEvent) -> None:
        with self._lock:
            self._events.extend(events)
            if len(self._events) > MAX_EVENTS:
                del self._events[: len(self._events) - MAX_EVENTS]

    def _event(
        self,
        *,
        name: str,
        source: str,
        at: datetime,
        username: str,
        access_key_id: str,
        region: str,
        parameters: dict[str, Any] | None,
        resources: tuple[tuple[str, str], ...],
        source_ip: str = "127.0.0.1",
        user_agent: str = "",
        request_id: str | None = None,
        error: tuple[str, str] | None = None,
        event_type: str = "AwsApiCall",
        response: dict[str, Any] | None = None,
        additional: dict[str, Any] | None = None,
        mfa: bool = False,
        event_id: str | None = None,
    ) -> TrailEvent:
        event_id = event_id or str(uuid.uuid4())
        at = at.astimezone(UTC)
        identity: dict[str, Any] = {
            "type": "IAMUser",
            "principalId": _principal_id(username),
            "arn": f"arn:aws:iam::{self.account_id}:user/{username}",
            "accountId": self.account_id,
            "accessKeyId": access_key_id,
            "userName": username,
        }
        if event_type == "AwsApiCall":
            identity["sessionContext"] = {
                "attributes": {
                    "creationDate": _iso(at - timedelta(minutes=20)),
                    "mfaAuthenticated": str(mfa).lower(),
                }
            }
        record: dict[str, Any] = {
            "eventVersion": "1.09",
            "userIdentity": identity,
            "eventTime": _iso(at),
            "eventSource": source,
            "eventName": name,
            "awsRegion": "us-east-1" if source in GLOBAL_SOURCES else region,
            "sourceIPAddress": source_ip,
            "userAgent": user_agent,
            "requestParameters": parameters,
            "responseElements": response,
            "requestID": request_id or str(uuid.uuid4()),
            "eventID": event_id,
            "readOnly": read_only(name),
            "eventType": event_type,
            "managementEvent": True,
            "recipientAccountId": self.account_id,
            "eventCategory": "Management",
        }
        if error is not None:
            record["errorCode"], record["errorMessage"] = error
        if additional is not None:
            record["additionalEventData"] = additional
        return TrailEvent(
            event_id=event_id,
            event_name=name,
            event_source=source,
            event_time=at,
            username=username,
            access_key_id=access_key_id,
            read_only=read_only(name),
            region=record["awsRegion"],
            resources=resources,
            record=record,
        )

    # -- the week before: seeded events -----------------------------------------------------------

    def _seed_once(self) -> None:
        with self._lock:
            if self._seeded:
                return
            self._seeded = True
        self._add(*self.seeded_events(self.clock()))

    def seeded_events(self, now: datetime) -> list[TrailEvent]:
        """A week's security-relevant history ending before `now`: an administrator (MFA)
        creates a deploy user with a key and a policy; later a console sign-in without MFA
        from an unfamiliar address, followed by an inline policy on that user."""
        day = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        admin_key, bob_key = "ASIAEXAMPLEADMIN0001", "ASIAEXAMPLEBOBB00002"
        new_key = "AKIAEXAMPLEDEPLOY003"
        when = [day - timedelta(days=6, hours=-9, minutes=-12 - i) for i in range(5)]
        console = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"
        signin = "https://console.aws.amazon.com/console/home?state=hashArgs"
        login = "ConsoleLogin"
        events = [
            self._event(
                name=login,
                source="signin.amazonaws.com",
                at=when[0],
                username="alice",
                access_key_id="",
                region="us-east-1",
                parameters=None,
                resources=(),
                source_ip="192.0.2.10",
                user_agent=console,
                event_type="AwsConsoleSignIn",
                response={"ConsoleLogin": "Success"},
                additional={"LoginTo": signin, "MobileVersion": "No", "MFAUsed": "Yes"},
                event_id="5eed0001-0000-4000-8000-000000000001",
            ),
            self._event(
                name="CreateUser",
                source="iam.amazonaws.com",
                at=when[1],
                username="alice",
                access_key_id=admin_key,
                region="us-east-1",
                parameters={"userName": "deploy-bot"},
                resources=(("AWS::IAM::User", "deploy-bot"),),
                source_ip="192.0.2.10",
                user_agent="AWS Internal",
                mfa=True,
                response={
                    "user": {
                        "path": "/",
                        "userName": "deploy-bot",
                        "userId": "AIDAEXAMPLEDEPLOYBOT1",
                        "arn": f"arn:aws:iam::{self.account_id}:user/deploy-bot",
                        "createDate": _cli_date(when[1]),
                    }
                },
                event_id="5eed0001-0000-4000-8000-000000000002",
            ),
            self._event(
                name="CreateAccessKey",
                source="iam.amazonaws.com",
                at=when[2],
                username="alice",
                access_key_id=admin_key,
                region="us-east-1",
                parameters={"userName": "deploy-bot"},
                resources=(("AWS::IAM::User", "deploy-bot"), ("AWS::IAM::AccessKey", new_key)),
                source_ip="192.0.2.10",
                user_agent="AWS Internal",
                mfa=True,
                response={
                    "accessKey": {
                        "userName": "deploy-bot",
                        "accessKeyId": new_key,
                        "status": "Active",
                        "createDate": _cli_date(when[2]),
                    }
                },
                event_id="5eed0001-0000-4000-8000-000000000003",
            ),
            self._event(
                name="AttachUserPolicy",
                source="iam.amazonaws.com",
                at=when[3],
                username="alice",
                access_key_id=admin_key,
                region="us-east-1",
                parameters={
                    "userName": "deploy-bot",
                    "policyArn": "arn:aws:iam::aws:policy/AWSLambda_FullAccess",
                },
                resources=(
                    ("AWS::IAM::User", "deploy-bot"),
                    ("AWS::IAM::Policy", "arn:aws:iam::aws:policy/AWSLambda_FullAccess"),
                ),
                source_ip="192.0.2.10",
                user_agent="AWS Internal",
                mfa=True,
                event_id="5eed0001-0000-4000-8000-000000000004",
            ),
        ]
        night = day - timedelta(days=3) + timedelta(hours=22, minutes=47)
        events += [
            self._event(
                name=login,
                source="signin.amazonaws.com",
                at=night - timedelta(minutes=2),
                username="bob",
                access_key_id="",
                region="us-east-1",
                parameters=None,
                resources=(),
                source_ip="198.51.100.23",
                user_agent=console,
                event_type="AwsConsoleSignIn",
                response={"ConsoleLogin": "Failure"},
                error=("", "Failed authentication"),
                additional={"LoginTo": signin, "MobileVersion": "No", "MFAUsed": "No"},
                event_id="5eed0001-0000-4000-8000-000000000005",
            ),
            self._event(
                name=login,
                source="signin.amazonaws.com",
                at=night,
                username="bob",
                access_key_id="",
                region="us-east-1",
                parameters=None,
                resources=(),
                source_ip="198.51.100.23",
                user_agent=console,
                event_type="AwsConsoleSignIn",
                response={"ConsoleLogin": "Success"},
                additional={"LoginTo": signin, "MobileVersion": "No", "MFAUsed": "No"},
                event_id="5eed0001-0000-4000-8000-000000000006",
            ),
            self._event(
                name="PutUserPolicy",
                source="iam.amazonaws.com",
                at=night + timedelta(minutes=6),
                username="bob",
                access_key_id=bob_key,
                region="us-east-1",
                parameters={
                    "userName": "bob",
                    "policyName": "temp-admin",
                    "policyDocument": json.dumps(
                        {
                            "Version": "2012-10-17",
                            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
                        }
                    ),
                },
                resources=(("AWS::IAM::User", "bob"),),
                source_ip="198.51.100.23",
                user_agent="AWS Internal",
                event_id="5eed0001-0000-4000-8000-000000000007",
            ),
        ]
        for event in events:
            if event.record.get("errorCode") == "":
                del event.record["errorCode"]  # a failed console sign-in has only a message
        return events

    # -- LookupEvents ---------------------------------------------------------------------------

    def lookup(self, body: dict[str, Any], region: str) -> dict[str, Any]:
        """LookupEvents' answer, or TrailError as CloudTrail refuses it."""
        self._seed_once()
        category = body.get("EventCategory")
        if category is not None and category != "insight":
            raise TrailError(
                "InvalidEventCategoryException", f"Event category {category} is not valid."
            )
        attributes = body.get("LookupAttributes") or []
        if not isinstance(attributes, list) or len(attributes) > 1:
            raise TrailError(
                "InvalidLookupAttributesException",
                "You can specify only one lookup attribute per request.",
            )
        wanted: tuple[str, str] | None = None
        if attributes:
            key = str(attributes[0].get("AttributeKey", ""))
            value = attributes[0].get("AttributeValue")
            if key not in LOOKUP_KEYS:
                raise TrailError(
                    "InvalidLookupAttributesException",
                    f"AttributeKey {key!r} is not valid: choose one of {', '.join(LOOKUP_KEYS)}.",
                )
            if not isinstance(value, str) or not 1 <= len(value) <= 2000:
                raise TrailError(
                    "InvalidLookupAttributesException",
                    "AttributeValue must be between 1 and 2000 characters long.",
                )
            wanted = (key, value)
        start, end = _moment(body.get("StartTime")), _moment(body.get("EndTime"))
        now = self.clock()
        if start is not None and end is not None and start > end:
            raise TrailError(
                "InvalidTimeRangeException",
                "Start time must be earlier than end time.",
            )
        if start is not None and start > now:
            raise TrailError("InvalidTimeRangeException", "Start time cannot be in the future.")
        limit = body.get("MaxResults", MAX_RESULTS)
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_RESULTS:
            raise TrailError(
                "InvalidMaxResultsException",
                f"MaxResults {limit} is not valid: it must be from 1 to {MAX_RESULTS}.",
            )
        query_key = _query_key(wanted, start, end, category)
        offset = _offset(body.get("NextToken"), query_key)
        if category == "insight":
            return {"Events": []}  # the sandbox records no Insights events
        with self._lock:
            events = list(self._events)
        found = [
            e
            for e in events
            if e.visible_in(region)
            and (wanted is None or e.matches(*wanted))
            and (start is None or e.event_time >= start)
            and (end is None or e.event_time <= end)
        ]
        found.reverse()  # the later recorded first among events of the same moment
        found.sort(key=lambda e: e.event_time, reverse=True)
        page = found[offset : offset + limit]
        answer: dict[str, Any] = {"Events": [e.to_api() for e in page]}
        if offset + limit < len(found):
            answer["NextToken"] = _token(offset + limit, query_key)
        return answer


# -- what a call was ---------------------------------------------------------------------------


def recorded_call(environ: dict[str, Any]) -> Call | None:
    """The call a request makes, when event history keeps a record of it (a management
    write): its operation and parameters. None for every other request, decided before
    the body is decoded (the simulator's PutMetricData is large and not recorded). Leaves
    the body readable for the next application."""
    credential = _CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
    if credential is None:
        return None
    service, region, key = credential["service"], credential["region"], credential["key"]
    path = environ.get("PATH_INFO", "")
    method = environ.get("REQUEST_METHOD", "GET")
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    decode: Callable[[bytes], dict[str, Any]] = _json
    parameters: dict[str, Any] = {}
    operation: str | None = None
    if target:
        operation = target.rsplit(".", 1)[-1]
    elif match := _RPC_V2_PATH.match(path):
        operation, decode = match["operation"], _cbor
    elif service in _REST_SERVICES:
        if method in ("GET", "HEAD"):
            return None  # a REST read
        found = _rest_operation(service, method, path)
        if found is not None:
            operation, parameters = found
    else:
        form = dict(parse_qsl(environ.get("QUERY_STRING", "")))
        if "x-www-form-urlencoded" in environ.get("CONTENT_TYPE", ""):
            form.update(parse_qsl(_body(environ).decode("utf-8", "replace")))
        operation = form.pop("Action", None)
        form.pop("Version", None)
        parameters, decode = dict(form), _no_body
    if not operation:
        return None
    call = Call(
        service=service,
        operation=operation,
        region=region,
        access_key_id=key,
        parameters=parameters,
        source_ip=environ.get("REMOTE_ADDR", "127.0.0.1"),
        user_agent=environ.get("HTTP_USER_AGENT", ""),
    )
    if not call.recorded:
        return None
    parameters.update(decode(_body(environ)))
    return call


def _no_body(raw: bytes) -> dict[str, Any]:
    return {}


def _event_name(call: Call) -> str:
    """CloudTrail's event name: Lambda's carry the API version they were called with."""
    if call.service != "lambda":
        return call.operation
    match = _LAMBDA_API_DATE.match(call.parameters.get("__path__", ""))
    if match is None:
        return call.operation
    suffix = match["date"].replace("-", "")
    if call.operation in ("UpdateFunctionConfiguration", "UpdateFunctionCode"):
        suffix += "v2"
    return call.operation + suffix


def resources_of(call: Call) -> tuple[tuple[str, str], ...]:
    """The resources a call names, as LookupEvents lists them."""
    found: list[tuple[str, str]] = []
    params = call.parameters
    for key, kind in _RESOURCE_PARAMETERS.get(call.service, ()):
        value = params.get(key)
        if isinstance(value, str) and value:
            found.append((kind, _lambda_name(value) if call.service == "lambda" else value))
    if call.service == "monitoring":
        names = params.get("AlarmNames")
        if isinstance(names, list):
            found += [("AWS::CloudWatch::Alarm", str(n)) for n in names]
        found += [
            ("AWS::CloudWatch::Alarm", str(v))
            for k, v in params.items()
            if k.startswith("AlarmNames.member.")
        ]
    if call.service == "lambda" and "Alias" in call.operation:
        function = params.get("FunctionName")
        alias = params.get("Name")
        if isinstance(function, str) and isinstance(alias, str):
            found.append(("AWS::Lambda::Alias", f"{_lambda_name(function)}:{alias}"))
    return tuple(found)


def redact(parameters: dict[str, Any]) -> dict[str, Any] | None:
    """Request parameters as CloudTrail writes them: lowerCamelCase keys, secrets hidden."""
    out = {
        _camel(k): (HIDDEN if _SECRET_KEY.search(k) else _redacted(v))
        for k, v in parameters.items()
        if not k.startswith("__")
    }
    return out or None


def _redacted(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            _camel(k): (HIDDEN if _SECRET_KEY.search(str(k)) else _redacted(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_redacted(v) for v in value]
    if isinstance(value, bytes):
        return HIDDEN
    return value


def _camel(key: Any) -> str:
    text = str(key)
    return text[:1].lower() + text[1:]


def _lambda_name(function: str) -> str:
    if ":function:" in function:
        function = function.split(":function:", 1)[1]
    return function.split(":", 1)[0]


@cache
def _rest_routes(service: str) -> list[tuple[str, re.Pattern[str], str, dict[str, str], int]]:
    """(method, path regex, operation, URI label -> member, literal length) from botocore."""
    from todotui.sandbox.sdk import shared_botocore_session

    model = shared_botocore_session().get_service_model(service)  # parsed once per process
    routes = []
    for name in model.operation_names:
        operation = model.operation_model(name)
        http = operation.http
        uri = http.get("requestUri", "/").split("?", 1)[0]
        labels: dict[str, str] = {}
        members = operation.input_shape.members if operation.input_shape else {}
        for member, shape in members.items():
            if shape.serialization.get("location") == "uri":
                labels[shape.serialization.get("name", member)] = member
        pattern = ""
        literal = 0
        for part in re.split(r"(\{[^}]+\})", uri):
            if part.startswith("{"):
                label = part[1:-1]
                greedy = label.endswith("+")
                label = label.rstrip("+")
                group = re.sub(r"\W", "_", label)
                pattern += f"(?P<{group}>.+)" if greedy else f"(?P<{group}>[^/]+)"
            else:
                pattern += re.escape(part)
                literal += len(part)
        routes.append((http["method"], re.compile(f"^{pattern}/?$"), name, labels, literal))
    routes.sort(key=lambda r: -r[4])
    return routes


def _rest_operation(service: str, method: str, path: str) -> tuple[str, dict[str, Any]] | None:
    from urllib.parse import unquote

    for verb, pattern, name, labels, _ in _rest_routes(service):
        if verb != method or (match := pattern.match(path)) is None:
            continue
        params: dict[str, Any] = {"__path__": path}
        for label, member in labels.items():
            value = match.groupdict().get(re.sub(r"\W", "_", label))
            if value is not None:
                params[member] = unquote(value)
        return name, params
    return None


def _body(environ: dict[str, Any]) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    raw = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(raw)
    return bytes(raw)


def _json(raw: bytes) -> dict[str, Any]:
    try:
        data = json.loads(raw or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def _cbor(raw: bytes) -> dict[str, Any]:
    """A CBOR request body (CloudWatch's rpc-v2), decoded with botocore's own CBOR reader."""
    if not raw:
        return {}
    from botocore.parsers import RpcV2CBORParser

    parser = RpcV2CBORParser()
    try:
        data = parser.parse_data_item(parser.get_peekable_stream_from_bytes(raw))
    except Exception:  # a body the sandbox cannot read: the event keeps no parameters
        return {}
    return data if isinstance(data, dict) else {}


def _error_of(status: int, headers: dict[str, str], body: bytes) -> tuple[str, str]:
    """(errorCode, errorMessage) from a refusal in any of the protocols' shapes."""
    code = headers.get("x-amzn-ErrorType", "").split(":", 1)[0]
    message = ""
    data = _json(body)
    if not data and body[:1] not in (b"{", b"<"):
        data = _cbor(body)
    if data:
        code = code or str(data.get("__type") or data.get("code") or "").rsplit("#", 1)[-1]
        message = str(data.get("message") or data.get("Message") or "")
    else:
        text = body.decode("utf-8", "replace")
        if found := re.search(r"<Code>(.*?)</Code>", text):
            code = code or found.group(1)
        if found := re.search(r"<Message>(.*?)</Message>", text, re.S):
            message = found.group(1).strip()
    return code or f"HTTP{status}", message


def _moment(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(float(value), UTC)
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise TrailError("InvalidTimeRangeException", f"{value} is not a valid time.") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _query_key(
    wanted: tuple[str, str] | None, start: datetime | None, end: datetime | None, category: Any
) -> str:
    text = json.dumps([wanted, start and start.isoformat(), end and end.isoformat(), category])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _token(offset: int, query_key: str) -> str:
    return base64.urlsafe_b64encode(f"{offset}:{query_key}".encode()).decode()


def _offset(token: Any, query_key: str) -> int:
    """Where a NextToken goes on from; it is good only for the query that gave it (as AWS's)."""
    if token is None:
        return 0
    try:
        offset, key = base64.urlsafe_b64decode(str(token).encode()).decode().split(":", 1)
        if key == query_key and int(offset) >= 0:
            return int(offset)
    except (ValueError, UnicodeDecodeError):
        pass
    raise TrailError(
        "InvalidNextTokenException",
        "The NextToken is not valid: use the one the previous call with the same parameters gave.",
    )


def _principal_id(username: str) -> str:
    digest = hashlib.sha256(username.encode()).hexdigest().upper()
    return "AIDA" + "".join(c for c in digest if c.isalnum())[:17]


def _moved(event: TrailEvent, by: timedelta) -> TrailEvent:
    """`event` as if it had happened `by` later."""
    record = json.loads(json.dumps(event.record, default=str))  # a deep copy of plain data
    record["eventTime"] = _iso(event.event_time + by)
    attributes = record.get("userIdentity", {}).get("sessionContext", {}).get("attributes", {})
    if "creationDate" in attributes:
        created = datetime.strptime(attributes["creationDate"], "%Y-%m-%dT%H:%M:%SZ")
        attributes["creationDate"] = _iso(created.replace(tzinfo=UTC) + by)
    return replace(event, event_time=event.event_time + by, record=record)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _cli_date(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%b %d, %Y %-I:%M:%S %p")
