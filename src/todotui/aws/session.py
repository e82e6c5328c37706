"""One long-lived aiobotocore client per service, with retries and timeouts set once.

Where calls go and with which credentials is given to this object (its own session), never
through `os.environ`: the demo points it at its sandbox without touching the process.

A poller must not hang for botocore's default 60 s timeouts, nor hammer a throttled
API with the legacy 5 attempts: the Config here is the only place that decides.
Every request that leaves is counted (by service and operation), so the cockpit can
show what watching costs and tests can prove how many calls a refresh makes.
"""

from __future__ import annotations

import asyncio
import functools
import os
import threading
from collections import Counter
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported when the first client is made: not before the first frame
    from aiobotocore.session import AioSession
    from botocore.config import Config

from todotui.config import AwsTarget

#: Read-only operations never change anything; everything else is a mutation.
_READ_PREFIXES = ("Get", "Describe", "List", "Filter", "Lookup", "Query", "Scan", "Test")


#: Reads whose names say otherwise: a Logs Insights query (started, stopped) changes nothing.
_READS = frozenset({"StartQuery", "StopQuery", "StartLiveTail"})


def is_mutating(operation: str) -> bool:
    """True for an operation that changes state in AWS (PutX, UpdateX, CreateX, ...).

    Cognito prefixes its admin reads with "Admin" (AdminGetUser): judged by the verb after it.
    """
    if operation in _READS:
        return False
    return not operation.removeprefix("Admin").startswith(_READ_PREFIXES)


def api_name(operation: str) -> str:
    """ "update_function_configuration" -> "UpdateFunctionConfiguration" (API names pass through)."""
    if "_" in operation or operation.islower():
        return "".join(part.capitalize() for part in operation.split("_"))
    return operation


def single_attempt(config: Config) -> Config:
    """`config` with one attempt and no retries: what a mutation is sent with.

    botocore decides retries per client (its retry handler is registered on the client's
    events when it is made, from `Config.retries`); there is no per-call switch. A retried
    mutation whose first attempt was applied but answered 500 (or timed out) is applied
    again, so mutations go out once and the runner reads the state back instead.
    `Config.merge` replaces the whole `retries` dict, so the mode is carried over.
    """
    from botocore.config import Config

    mode = (config.retries or {}).get("mode", "standard")
    return config.merge(Config(retries={"mode": mode, "total_max_attempts": 1}))


def client_config(
    *, attempts: int = 3, connect_timeout: float = 3, read_timeout: float = 10
) -> Config:
    """Retries and timeouts for an interactive tool: fail fast, retry a little, back off."""
    from botocore.config import Config

    return Config(
        retries={"mode": "standard", "total_max_attempts": attempts},
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        max_pool_connections=10,
    )


@dataclass(frozen=True, slots=True)
class StaticCredentials:
    """Credentials handed over explicitly (the sandbox's dummy keys), not found by the chain."""

    access_key_id: str
    secret_access_key: str
    session_token: str | None = None

    def __repr__(self) -> str:
        return f"StaticCredentials({self.access_key_id!r}, ********)"


class NotConnected(RuntimeError):
    """The target is not known yet (the demo's sandbox is still starting)."""


@dataclass(frozen=True, slots=True)
class ResolvedTarget:
    """Where calls go, after flags, environment and profile have been combined."""

    region: str | None
    endpoint_url: str | None
    profile: str | None

    def describe(self) -> str:
        parts = [self.region or "(no region)"]
        if self.profile:
            parts.append(f"profile {self.profile}")
        if self.endpoint_url:
            parts.append(self.endpoint_url)
        return " · ".join(parts)


class AwsClients:
    """Lazily created, long-lived async clients sharing one session and one Config.

    Use as `async with AwsClients(target) as aws: cw = await aws.client("cloudwatch")`.

    Each service has up to two clients: `client` (reads, with the Config's retries) and
    `mutation_client` (the same Config with one attempt: see `single_attempt`).
    `client_for(service, operation)` picks by `is_mutating`, the one rule. Both share the
    request counter and every `on_every_client` handler (the read-only guard covers both), as
    does `bulk_read_client`'s blocking client, for the fleet's big reads in a worker thread.
    """

    def __init__(
        self,
        target: AwsTarget | None,
        *,
        credentials: StaticCredentials | None = None,
        session: AioSession | None = None,
        config: Config | None = None,
    ) -> None:
        """`target` None: calls wait until `point_at` says where they go (nothing is sent
        anywhere before that, so a starting demo can never reach a real account)."""
        self._given_session = session
        self._given_config = config
        self._target: ResolvedTarget | None = None
        self._ready = asyncio.Event()
        self._stack = AsyncExitStack()
        self._clients: dict[str, Any] = {}
        self._mutation_clients: dict[str, Any] = {}
        self._bulk_clients: dict[str, Any] = {}
        """Blocking clients, used from worker threads (`bulk_read_client`)."""
        self._credentials: StaticCredentials | None = None
        self._counting = threading.Lock()  # bulk clients count from their threads
        self.requests: Counter[str] = Counter()
        """Requests sent, keyed "service.Operation" (retries count once each)."""
        self._every_client_handlers: list[tuple[str, Callable[..., Any]]] = []
        if target is not None:
            self.point_at(target, credentials)

    def point_at(self, target: AwsTarget, credentials: StaticCredentials | None = None) -> None:
        """Say where calls go; allowed once, before any client exists."""
        if self._clients or self._mutation_clients or self._bulk_clients:
            raise RuntimeError("AwsClients already has clients: it cannot change target")
        if target.profile:
            self._session.set_config_variable("profile", target.profile)
        self._credentials = credentials
        if credentials is not None:
            self._session.set_credentials(
                credentials.access_key_id, credentials.secret_access_key, credentials.session_token
            )
        endpoint = target.endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or None
        region = target.region or self._session.get_config_variable("region")
        self._target = ResolvedTarget(region=region, endpoint_url=endpoint, profile=target.profile)
        self._ready.set()

    @property
    def connected(self) -> bool:
        return self._target is not None

    @property
    def target(self) -> ResolvedTarget:
        """Where calls go; raises NotConnected before `point_at`."""
        if self._target is None:
            raise NotConnected("not connected yet")
        return self._target

    async def __aenter__(self) -> AwsClients:
        await self._stack.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._clients.clear()
        self._mutation_clients.clear()
        for client in self._bulk_clients.values():
            client.close()
        self._bulk_clients.clear()
        await self._stack.__aexit__(exc_type, exc, traceback)

    async def client(self, service: str, *, region: str | None = None) -> Any:
        """The client for `service` (reads: retried), created on first use and closed with this object.

        `region` overrides the target's for services that live in one region (Cost Explorer
        answers in us-east-1 only). Before the target is known, waits for it."""
        return await self._get(service, self._clients, self._config, region)

    async def bulk_read_client(self, service: str) -> Any:
        """A blocking (plain botocore) read client, to be used only from a worker thread, for
        large requests built entirely by code (the fleet's 735 metric queries). Building,
        signing and parsing those takes 12-24 ms steps, which on the event loop a key press
        waits behind. It skips botocore's client-side parameter check (it walks every query;
        none was typed by a user, and AWS still checks each request). It counts its requests
        and carries every `on_every_client` handler (the read-only guard) like the others."""
        if self._target is None:
            await self._ready.wait()
        if service not in self._bulk_clients:
            client = await asyncio.to_thread(self._blocking_client, service)
            self._bulk_clients.setdefault(service, client)
        return self._bulk_clients[service]

    def _blocking_client(self, service: str) -> Any:
        """Made in a thread: a new botocore session parses the service's model."""
        import botocore.session

        from todotui.aws import timestamps

        session = botocore.session.get_session()
        timestamps.install(session)
        if self.target.profile:
            session.set_config_variable("profile", self.target.profile)
        if self._credentials is not None:
            session.set_credentials(
                self._credentials.access_key_id,
                self._credentials.secret_access_key,
                self._credentials.session_token,
            )
        client = session.create_client(service, **self._client_kwargs(self._bulk_config))
        self._wire(client)
        return client

    async def mutation_client(self, service: str) -> Any:
        """The client for `service` that sends each request once (no retries): for mutations."""
        return await self._get(service, self._mutation_clients, self._mutation_config)

    async def client_for(self, service: str, operation: str) -> Any:
        """The right client for `operation` ("update_table" or "UpdateTable"): a mutation is
        sent once, a read keeps the retries."""
        if is_mutating(api_name(operation)):
            return await self.mutation_client(service)
        return await self.client(service)

    def preload(self, services: tuple[str, ...]) -> None:
        """Import aiobotocore and parse these services' models now, so the first clients are
        made without it. Blocking and sends nothing: the demo calls it from a thread while
        its sandbox is still starting (aiobotocore's own warm-up of the session's loader)."""
        for service in services:
            self._session.warm_up_loader_caches(service)
        _ = self._config

    @functools.cached_property
    def _session(self) -> AioSession:
        """Made on first use: aiobotocore and botocore load then, not before the first frame."""
        from aiobotocore.session import get_session

        from todotui.aws import timestamps

        if self._given_session is not None:
            return self._given_session
        session = get_session()
        timestamps.install(session)  # a fleet refresh's 11,000 timestamps, cheaply
        return session

    @functools.cached_property
    def _config(self) -> Config:
        return self._given_config or client_config()

    @functools.cached_property
    def _mutation_config(self) -> Config:
        return single_attempt(self._config)

    @functools.cached_property
    def _bulk_config(self) -> Config:
        from botocore.config import Config

        return self._config.merge(Config(parameter_validation=False))  # a plain botocore Config

    async def _get(
        self, service: str, clients: dict[str, Any], config: Config, region: str | None = None
    ) -> Any:
        if self._target is None:
            await self._ready.wait()
        key = service if region is None or region == self.target.region else f"{service}@{region}"
        if key not in clients:
            client = await self._stack.enter_async_context(
                self._session.create_client(service, **self._client_kwargs(config, region))
            )
            self._wire(client)
            clients[key] = client
        return clients[key]

    def _client_kwargs(self, config: Config, region: str | None = None) -> dict[str, Any]:
        """Where a new client sends, and with which Config."""
        kwargs: dict[str, Any] = {"config": config, "region_name": region or self.target.region}
        if self.target.endpoint_url:
            kwargs["endpoint_url"] = self.target.endpoint_url
        return kwargs

    def _wire(self, client: Any) -> None:
        """Every client counts its requests and carries every `on_every_client` handler."""
        client.meta.events.register("before-send", self._count_request)
        for event_name, handler in self._every_client_handlers:
            client.meta.events.register(event_name, handler)

    def on_every_client(self, event_name: str, handler: Callable[..., Any]) -> None:
        """Register a botocore event handler on every client, those made so far and later ones.

        The action layer's read-only guard uses this (`before-call`), so no code path
        that goes through these clients can send a mutation while read-only is on.
        """
        self._every_client_handlers.append((event_name, handler))
        for clients in (self._clients, self._mutation_clients, self._bulk_clients):
            for client in clients.values():
                client.meta.events.register(event_name, handler)

    def _count_request(self, event_name: str = "", **kwargs: Any) -> None:
        # event_name is "before-send.<service>.<Operation>"
        _, _, key = event_name.partition(".")
        with self._counting:
            self.requests[key or "unknown"] += 1

    def requests_matching(self, operation: str) -> int:
        return sum(n for key, n in self.requests.items() if key.endswith("." + operation))
