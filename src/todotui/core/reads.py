"""The reads a refresh makes, behind one seam: live (AWS), recorded, or replayed.

The Monitor asks a `Reads` for everything it builds panes from (GetMetricData, alarms, log
lines, resource facts, the alias and its versions). `LiveReads` sends them through the
core's `AwsClients`; `todotui.core.recording` wraps it to write what came back, and
`todotui.core.replay` answers from a recording, so a replay runs the same pane builder.
Metric, alarm and log reads raise AWS's errors (the Monitor words them); the others return
a `Read` holding the error, as `todotui.aws` does.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from todotui.aws.alarms import fetch_alarms
from todotui.aws.errors import AWS_ERRORS
from todotui.aws.logs import fetch_log_events
from todotui.aws.metrics import MetricFetch, fetch_metrics
from todotui.aws.resources import fetch_resources
from todotui.aws.session import AwsClients
from todotui.aws.versions import fetch_alias, fetch_version_info
from todotui.stack_names import StackNames
from todotui.telemetry.aws_types import LogEvent, MetricAlarm, Read, ResourceReads
from todotui.telemetry.catalogue import MetricSpec
from todotui.telemetry.versions import AliasRouting, VersionInfo


class Reads(Protocol):
    """Where a refresh's data comes from."""

    @property
    def requests(self) -> Mapping[str, int]:
        """Requests sent so far, keyed "service.Operation" (what the cost meter counts)."""
        ...

    async def prepare(self) -> None:
        """Before the concurrent reads of a refresh (live: create the clients one at a time)."""
        ...

    async def metrics(
        self,
        specs: tuple[MetricSpec, ...],
        *,
        start: datetime,
        end: datetime,
        period_seconds: int,
    ) -> MetricFetch: ...

    async def alarms(self, names: Sequence[str]) -> dict[str, MetricAlarm]: ...

    async def log_events(
        self, log_group: str, *, pattern: str, start_ms: int, limit: int
    ) -> list[LogEvent]: ...

    async def resources(self, stack: StackNames) -> ResourceReads: ...

    async def alias(self, stack: StackNames) -> Read[AliasRouting]: ...

    async def version_info(self, stack: StackNames, version: str) -> Read[VersionInfo]: ...


class LiveReads:
    """The reads sent to AWS through the core's clients."""

    def __init__(self, clients: AwsClients) -> None:
        self.clients = clients

    @property
    def requests(self) -> Mapping[str, int]:
        return self.clients.requests

    async def prepare(self) -> None:
        """Create clients one at a time before the concurrent reads (creation is not re-entrant)."""
        for service in ("cloudwatch", "logs", "lambda", "dynamodb"):
            with contextlib.suppress(*AWS_ERRORS):  # the read that needs it says so
                await self.clients.client(service)

    async def metrics(
        self,
        specs: tuple[MetricSpec, ...],
        *,
        start: datetime,
        end: datetime,
        period_seconds: int,
    ) -> MetricFetch:
        cloudwatch = await self.clients.client("cloudwatch")
        return await fetch_metrics(
            cloudwatch, specs, start=start, end=end, period_seconds=period_seconds
        )

    async def alarms(self, names: Sequence[str]) -> dict[str, MetricAlarm]:
        cloudwatch = await self.clients.client("cloudwatch")
        return await fetch_alarms(cloudwatch, names)

    async def log_events(
        self, log_group: str, *, pattern: str, start_ms: int, limit: int
    ) -> list[LogEvent]:
        logs = await self.clients.client("logs")
        return await fetch_log_events(
            logs, log_group, pattern=pattern, start_ms=start_ms, limit=limit
        )

    async def resources(self, stack: StackNames) -> ResourceReads:
        return await fetch_resources(self.clients, stack)

    async def alias(self, stack: StackNames) -> Read[AliasRouting]:
        return await fetch_alias(self.clients, stack)

    async def version_info(self, stack: StackNames, version: str) -> Read[VersionInfo]:
        return await fetch_version_info(self.clients, stack, version)
