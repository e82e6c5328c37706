"""What every action is made of, and the context it runs in.

An `Action` reads live state and validates (`plan`), makes its AWS calls (`execute`),
reads state back (`observe`) and names its inverse (`undo`). The runner owns the
life cycle around it: confirmation, read-only, single flight, journal, verify loop.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from botocore.exceptions import ClientError

from todotui.actions.model import CheckReport, Field, Pairs, Plan
from todotui.aws.errors import error_code
from todotui.aws.session import AwsClients
from todotui.config import Settings


class CallLog:
    """Makes AWS calls for one step and keeps every request id AWS answered with.

    A mutating operation goes through the clients' single-attempt client (sent once, never
    retried: a retry after a 500 or a timeout may apply the change twice); reads are retried."""

    def __init__(self, clients: AwsClients):
        self._clients = clients
        self.request_ids: list[str] = []

    async def __call__(self, service: str, operation: str, **params: Any) -> dict[str, Any]:
        client = await self._clients.client_for(service, operation)
        try:
            response = await getattr(client, operation)(**params)
        except ClientError as exc:
            rid = exc.response.get("ResponseMetadata", {}).get("RequestId")
            if rid:
                self.request_ids.append(rid)
            raise
        rid = response.get("ResponseMetadata", {}).get("RequestId")
        if rid:
            self.request_ids.append(rid)
        return response


class StackResolver:
    """Turns the configured names into the ids AWS wants (API id, user pool id, topic ARN).

    Looked up once and kept: these ids do not change while the app runs.
    """

    def __init__(self, settings: Settings, clients: AwsClients):
        self._settings = settings
        self._clients = clients
        self._cache: dict[str, str] = {}

    async def _paginate(
        self, service: str, operation: str, key: str, **params: Any
    ) -> list[dict[str, Any]]:
        client = await self._clients.client(service)
        items: list[dict[str, Any]] = []
        async for page in client.get_paginator(operation).paginate(**params):
            items.extend(page.get(key, []))
        return items

    async def rest_api_id(self) -> str:
        name = self._settings.stack.api_name
        if "api" not in self._cache:
            apis = await self._paginate("apigateway", "get_rest_apis", "items")
            ids = [a["id"] for a in apis if a.get("name") == name]
            if not ids:
                raise LookupError(f"no REST API named {name!r}")
            self._cache["api"] = ids[0]
        return self._cache["api"]

    async def user_pool_id(self) -> str:
        name = self._settings.stack.user_pool_name
        if "pool" not in self._cache:
            pools = await self._paginate(
                "cognito-idp", "list_user_pools", "UserPools", MaxResults=60
            )
            ids = [p["Id"] for p in pools if p.get("Name") == name]
            if not ids:
                raise LookupError(f"no Cognito user pool named {name!r}")
            self._cache["pool"] = ids[0]
        return self._cache["pool"]

    async def user_pool_client_id(self) -> str:
        name = self._settings.stack.user_pool_client_name
        if "client" not in self._cache:
            pool = await self.user_pool_id()
            clients = await self._paginate(
                "cognito-idp",
                "list_user_pool_clients",
                "UserPoolClients",
                UserPoolId=pool,
                MaxResults=60,
            )
            ids = [c["ClientId"] for c in clients if c.get("ClientName") == name]
            if not ids:
                raise LookupError(f"no app client named {name!r} in user pool {pool}")
            self._cache["client"] = ids[0]
        return self._cache["client"]

    async def topic_arn(self) -> str:
        name = self._settings.stack.alerts_topic
        if "topic" not in self._cache:
            topics = await self._paginate("sns", "list_topics", "Topics")
            arns = [t["TopicArn"] for t in topics if t["TopicArn"].rsplit(":", 1)[-1] == name]
            if not arns:
                raise LookupError(f"no SNS topic named {name!r}")
            self._cache["topic"] = arns[0]
        return self._cache["topic"]


@dataclass
class ActionContext:
    settings: Settings
    clients: AwsClients
    resolver: StackResolver
    export_dir: Path
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    limits_cache: dict[str, Any] = field(default_factory=dict, repr=False)
    """Service quotas read once per run of the app (DescribeLimits, account concurrency)."""

    @property
    def stack(self):
        return self.settings.stack

    @property
    def limits(self):
        return self.settings.limits

    async def cached_limit(self, key: str, load: Callable[[], Awaitable[Any]]) -> Any:
        """`load()`'s answer the first time, then the same answer: quotas do not move while we run.

        A `load` that raises is not remembered: the next call asks AWS again."""
        if key not in self.limits_cache:
            self.limits_cache[key] = await load()
        return self.limits_cache[key]

    def call_log(self) -> CallLog:
        return CallLog(self.clients)

    async def read(self, service: str, operation: str, **params: Any) -> dict[str, Any]:
        client = await self.clients.client(service)
        return await getattr(client, operation)(**params)


@dataclass(frozen=True, slots=True)
class Observation:
    """State read back after a call: does it match the plan yet, and what was seen."""

    matches: bool
    pairs: Pairs
    final: bool = False
    """True when waiting longer cannot help (e.g. provisioned concurrency FAILED)."""
    message: str = ""


@dataclass(frozen=True, slots=True)
class UndoSpec:
    """The inverse of a finished action: which action, with which field values."""

    action_id: str
    values: dict[str, str]


class Action:
    """One remediation. Subclasses fill in the class attributes and the four steps."""

    id: ClassVar[str]
    title: ClassVar[str]
    summary: ClassVar[str]
    mutates_aws: ClassVar[bool] = True
    """False for actions that only read AWS (an export to a local file)."""
    verify_timeout: ClassVar[float] = 60.0
    """How long verification may wait for AWS to settle, before saying "not yet"."""

    async def fields(self, ctx: ActionContext) -> list[Field]:
        raise NotImplementedError

    async def plan(self, ctx: ActionContext, values: dict[str, str]) -> Plan:
        raise NotImplementedError

    async def execute(self, ctx: ActionContext, plan: Plan, calls: CallLog) -> dict[str, Any]:
        """Make the calls; return facts verify/undo need (e.g. a backup ARN)."""
        raise NotImplementedError

    async def observe(self, ctx: ActionContext, plan: Plan, result: dict[str, Any]) -> Observation:
        raise NotImplementedError

    def undo(self, plan: Plan, result: dict[str, Any]) -> UndoSpec | None:
        return None


class Check:
    """A read-only look (the runbook's investigation commands) with a report."""

    id: ClassVar[str]
    title: ClassVar[str]
    summary: ClassVar[str]

    async def run(self, ctx: ActionContext, calls: CallLog) -> CheckReport:
        raise NotImplementedError


def is_not_found(exc: BaseException, *codes: str) -> bool:
    return error_code(exc) in (codes or ("ResourceNotFoundException",))


def utc_stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%d-%H%M%S")
