"""Fetch everything for one refresh and turn it into panes and alerts.

No Textual here: the poller schedules refreshes, the UI renders what they leave behind. `refresh()` makes one GetMetricData call for every series on screen
(incremental after the first fill), polls alarms, error log lines and failed sign-ins, re-reads resource
facts on their slower cadence, and never raises on an AWS or network error: the
returned `Refresh` says what failed, and the panes say how old their data is.

The alias is read (GetAlias) on every refresh alongside the other reads; the versions it
routes to, and those a rollout watches, have their `ExecutedVersion` series in that same
GetMetricData call, and each is described once (GetFunctionConfiguration, Qualifier=N).

Every read goes through `self.reads` (`todotui.core.reads`): AWS by default, teed to a file by
`--record`, answered from the file by `todotui replay`, so a replay builds panes here too.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any

from botocore.exceptions import ClientError

from todotui.alerts.alarms import AlarmTransitions
from todotui.alerts.diagnosis import Evidence, evidence_from
from todotui.alerts.feed import AlertFeed, BreachDetector, ConnectionWatch
from todotui.alerts.logs import LogWatch, SignInWatch
from todotui.alerts.model import Alert, AlertSource, Severity
from todotui.aws.errors import AWS_ERRORS, describe_error, describe_missing_setup
from todotui.aws.session import AwsClients
from todotui.config import Settings
from todotui.core.clock import utc_now
from todotui.core.reads import LiveReads, Reads
from todotui.telemetry.aws_types import MetricAlarm
from todotui.telemetry.catalogue import (
    MetricSpec,
    catalogue,
    is_published_version,
    version_specs,
)
from todotui.telemetry.model import PaneSnapshot, ResourceFacts
from todotui.telemetry.panes import FetchStatus, build_panes
from todotui.telemetry.resources import nothing_read, resource_facts
from todotui.telemetry.series import SeriesStore, align_down, period_grid
from todotui.telemetry.versions import AliasRouting, VersionInfo, VersionSamples, samples_from

#: Periods re-read on every incremental refresh: the newest is incomplete and gets revised.
OVERLAP_PERIODS = 3

#: AWS list price: GetMetricData is billed per metric requested.
USD_PER_1000_METRICS = 0.01
#: AWS list price for other CloudWatch API requests (DescribeAlarms), beyond the free tier.
USD_PER_1000_CLOUDWATCH_REQUESTS = 0.01

#: How far back the cost meter looks.
COST_WINDOW = timedelta(minutes=5)

#: The catalogue series a fix is sized from (peak demand, p99 of concurrency): handed to a
#: diagnosis over the window.
EVIDENCE_SERIES = (
    "ddb_consumed_rcu",
    "ddb_consumed_wcu",
    "ddb_read_throttles",
    "ddb_write_throttles",
    "lambda_concurrency",
)


async def _nothing() -> None:
    """Stands in for a read that is not due this refresh."""


class MonitorError(Exception):
    """A startup problem in one line for the user (no credentials, no region, unreachable)."""


@dataclass(frozen=True, slots=True)
class Identity:
    """Who and where the cockpit is watching, for the header."""

    account: str | None
    arn: str | None
    region: str | None
    endpoint_url: str | None
    profile: str | None


@dataclass(frozen=True, slots=True)
class CostMeter:
    """What watching costs, from the requests actually sent over the last few minutes.

    Assumptions (AWS list prices, us-east-1): GetMetricData costs $0.01 per 1,000 metrics
    requested (every query in every call counts, pages included); other CloudWatch API
    requests (DescribeAlarms) cost $0.01 per 1,000 beyond the free tier of 1 million a month,
    counted here as if the free tier were used up. Lambda, DynamoDB, STS and CloudWatch Logs
    FilterLogEvents calls carry no per-request charge and are counted in
    `requests_per_minute` but not priced.
    """

    requests_per_minute: float
    metrics_per_minute: float
    usd_per_hour: float

    def plus(self, other: CostMeter) -> CostMeter:
        """Both meters together (the dashboard's and the fleet view's)."""
        return CostMeter(
            self.requests_per_minute + other.requests_per_minute,
            self.metrics_per_minute + other.metrics_per_minute,
            self.usd_per_hour + other.usd_per_hour,
        )


@dataclass(frozen=True, slots=True)
class Refresh:
    """The outcome of one refresh."""

    panes: dict[str, PaneSnapshot]
    alerts: tuple[Alert, ...]
    """Feed entries new or updated by this refresh, as they now stand in the alert store."""
    ok: bool
    """True when the metric fetch succeeded."""
    error: str | None
    """Why the metric fetch failed, in AWS's words."""
    started_at: datetime
    finished_at: datetime
    requests: int
    """AWS requests sent during this refresh (all services, retries included)."""
    metrics_requested: int
    """Metrics requested from GetMetricData (what AWS bills for)."""
    problems: tuple[str, ...] = ()
    """Other reads that failed this refresh (alarms, logs, resources, alias, versions), in
    AWS's words."""
    alias: AliasRouting | None = None
    """The alias's routing as last read (kept from an earlier refresh when this read failed)."""
    alias_error: str | None = None
    """Why the alias could not be read this refresh (AWS's words), or that it does not exist."""


@dataclass(frozen=True, slots=True)
class _Usage:
    at: datetime
    requests: int
    metrics: int
    priced_requests: int


class Monitor:
    """Fetches telemetry for the configured stack and keeps the state the UI draws.

    Lives as long as the cockpit core: its buffers, cursors and alarm states survive any
    failure of the loop that calls `refresh`.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        clients: AwsClients | None = None,
        clock: Callable[[], datetime] = utc_now,
        alerts: AlertFeed | None = None,
        reads: Reads | None = None,
    ) -> None:
        """`reads`: where refreshes get their data (default: AWS through `clients`; a
        recording wraps it, a replay answers instead)."""
        self.settings = settings
        self._owns_clients = clients is None
        self._clients = clients if clients is not None else AwsClients(settings.aws)
        self.reads: Reads = reads if reads is not None else LiveReads(self._clients)
        self._clock = clock
        self._period = settings.cadence.period_seconds
        self._window = max(settings.cadence.window_seconds, self._period)
        self._store = SeriesStore(self._retention_seconds())
        self._covered_from: datetime | None = None
        self._last_end: datetime | None = None
        self._fetch = FetchStatus()
        self._resources = ResourceFacts()
        self._resources_due: datetime | None = None
        self._alarms = AlarmTransitions(settings.stack)
        self._logs = LogWatch(settings.stack.log_group, pattern=settings.logs.errors)
        self._sign_ins = SignInWatch(
            settings.stack.log_group, pattern=settings.logs.failed_sign_ins
        )
        self._breaches = BreachDetector()
        self._connection = ConnectionWatch(lambda: self._clients.target.describe())
        self._reported_problems: set[str] = set()
        self._percentiles: bool | None = None
        """Ask for Duration p99: CloudWatch answers percentiles; other endpoints (moto) may not.
        Decided at the first refresh, when the target is known; a fetch that fails with p99
        in it switches them off and is retried at once without."""
        self._usage: deque[_Usage] = deque()
        self.refresh_seconds = settings.cadence.refresh_seconds
        """The cadence the caller polls at (settable): staleness and the cost estimate use it."""
        self._refresh_lock = asyncio.Lock()
        self.feed = alerts if alerts is not None else AlertFeed()
        """The alert store (the core's, shared with action outcomes); the UI renders it."""
        self.panes: dict[str, PaneSnapshot] = {}
        """The panes as of the last refresh (see `snapshot()` to re-judge staleness)."""
        self.alias: AliasRouting | None = None
        """The alias's routing as last read (GetAlias, every refresh). A failed read keeps the
        last good one; None before the first answer, or when AWS says there is no such alias."""
        self.alias_error: str | None = None
        """Why the last alias read failed (AWS's words), or that the alias does not exist."""
        self.alias_read_at: datetime | None = None
        """When `alias` was read (the last answer from AWS, "no such alias" included)."""
        self._watched: frozenset[str] = frozenset()
        self._previous_primary: str | None = None
        """The alias's primary version before it last moved (seen by this Monitor), if it did."""
        self._versions_covered: frozenset[str] = frozenset()
        """The versions whose series the last good fetch asked for (the window holds them)."""
        self._version_info: dict[str, VersionInfo] = {}
        self._version_info_errors: dict[str, str] = {}

    # --- lifecycle ------------------------------------------------------------------

    async def __aenter__(self) -> Monitor:
        if self._owns_clients:
            await self._clients.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._owns_clients:
            await self._clients.__aexit__(exc_type, exc, traceback)

    @property
    def clients(self) -> AwsClients:
        return self._clients

    @property
    def resources(self) -> ResourceFacts:
        """The latest resource facts (memory, limits, table capacity)."""
        return self._resources

    @property
    def alarms(self) -> dict[str, MetricAlarm]:
        """The latest DescribeAlarms record of each configured alarm, by name."""
        return self._alarms.alarms

    @property
    def points_held(self) -> int:
        """Datapoints held in the series buffers (flat once the window is full)."""
        return self._store.point_count()

    def held_series(self, series_id: str) -> dict[datetime, float]:
        """One series' datapoints as held now, by period start (a copy; no IO): what the
        incident recorder keeps beyond the window."""
        buffer = self._store.held(series_id)
        return {t: v for t in buffer.timestamps() if (v := buffer.get(t)) is not None}

    @property
    def specs(self) -> tuple[MetricSpec, ...]:
        """The series the next refresh fetches: the catalogue and each of `versions`' series."""
        return self._specs_for(self.versions)

    def _specs_for(self, versions: Iterable[str]) -> tuple[MetricSpec, ...]:
        if self._percentiles is None:
            self._percentiles = self._clients.target.endpoint_url is None
        stack, percentiles = self.settings.stack, self._percentiles
        per_version = (
            s for v in versions for s in version_specs(stack, v, percentiles=percentiles)
        )
        return (*catalogue(stack, percentiles=percentiles), *per_version)

    # --- versions behind the alias ----------------------------------------------------

    @property
    def versions(self) -> tuple[str, ...]:
        """The versions whose series the next refresh fetches, by number: those the alias
        routed to when last read, and the watched ones (published version numbers only)."""
        routed = {self.alias.primary, self.alias.additional} if self.alias else set()
        routed.add(self._previous_primary)
        wanted = {v for v in routed | self._watched if v and is_published_version(v)}
        return tuple(sorted(wanted, key=int))

    @property
    def watched_versions(self) -> frozenset[str]:
        return self._watched

    def watch_versions(self, versions: Iterable[str]) -> None:
        """Keep fetching these versions (replacing the last set) whether or not the alias routes
        to them: a rollout's stable and candidate. Anything but a version number is ignored.
        A version new to the fetch is filled over the whole window by the next refresh."""
        self._watched = frozenset(v for v in versions if is_published_version(v))

    def version_info(self, version: str) -> VersionInfo | None:
        """What GetFunctionConfiguration said of `version` (read once, when it first appeared
        in `versions`); None until then, or while the read fails (retried each refresh)."""
        return self._version_info.get(version)

    def version_samples(self, version: str, *, since: datetime | None = None) -> VersionSamples:
        """The complete periods held for `version` behind the alias, oldest first, from `since`
        (periods starting at or after it) to now; only periods it ran in (an Invocations
        datapoint). Complete: ended before the last good fetch asked for its data."""
        as_of = self._fetch.as_of
        return samples_from(
            self._store,
            version,
            period_seconds=self._period,
            complete_before=None if as_of is None else min(as_of, self._clock()),
            since=since,
            percentiles=bool(self._percentiles),
        )

    # --- the window -----------------------------------------------------------------

    @property
    def window_seconds(self) -> int:
        return self._window

    @window_seconds.setter
    def window_seconds(self, seconds: int) -> None:
        """A larger window is filled by the next refresh; a smaller one forgets the rest."""
        self._window = max(int(seconds), self._period)
        self._store.retention = timedelta(seconds=self._retention_seconds())
        now = self._clock()
        self._store.prune(now)
        if self._covered_from is not None:
            self._covered_from = max(self._covered_from, now - self._store.retention)

    def _retention_seconds(self) -> int:
        return self._window + OVERLAP_PERIODS * self._period

    # --- connecting -----------------------------------------------------------------

    async def identity(self) -> Identity:
        """Who we are (STS) and where; raises MonitorError with one clear line if we cannot connect."""
        target = self._clients.target
        if not target.region:
            # Nothing can be sent without a region; still say whether credentials are missing
            # too. The clients' own session resolves them (same chain, profile and injected
            # keys the calls would use; no request is sent beyond what the chain itself does).
            try:
                credentials = await self._clients._session.get_credentials()
            except AWS_ERRORS as exc:
                raise MonitorError(describe_error(exc)) from None
            raise MonitorError(
                describe_missing_setup(no_region=True, no_credentials=credentials is None)
            )
        try:
            sts = await self._clients.client("sts")
            answer = await sts.get_caller_identity()
        except AWS_ERRORS as exc:
            raise MonitorError(describe_error(exc)) from None
        return Identity(
            account=answer.get("Account"),
            arn=answer.get("Arn"),
            region=target.region,
            endpoint_url=target.endpoint_url,
            profile=target.profile,
        )

    # --- refreshing -----------------------------------------------------------------

    async def refresh(self) -> Refresh:
        """Fetch, merge, judge. Never raises on AWS or network errors; calls never overlap."""
        async with self._refresh_lock:
            return await self._refresh()

    async def _refresh(self) -> Refresh:
        started = self._clock()
        requests_before = sum(self.reads.requests.values())
        priced_before = self._priced_requests()

        await self.reads.prepare()
        resources_due = self._resources_due is None or started >= self._resources_due
        alias_read = asyncio.ensure_future(self._refresh_alias())
        first_alias = self.alias_read_at is None
        (alias_problems, alias_setup), metrics, alarms, logs, _ = await asyncio.gather(
            alias_read,
            self._refresh_metrics(started, after=alias_read if first_alias else None),
            self._poll_alarms(started),
            self._poll_logs(started),
            self._refresh_resources(started) if resources_due else _nothing(),
        )
        (metric_error, metrics_requested), (alarm_alerts, alarm_error), (log_alerts, log_errors) = (
            metrics,
            alarms,
            logs,
        )
        if metric_error is None and not set(self.versions) <= self._versions_covered:
            # The alias moved to a version this fetch did not ask for (a deploy, a rollback):
            # its series now, not a refresh later: the deploy is when its split matters most.
            metric_error, more = await self._refresh_metrics(started)
            metrics_requested += more

        finished = self._clock()
        new_alerts: list[Alert] = []
        if metric_error is None:
            last_good = self._fetch.last_good_at
            self._fetch = FetchStatus(last_good_at=finished, as_of=started, error=None)
            alert = self._connection.succeeded(finished, last_good=last_good)
            if alert:
                self._reported_problems.clear()  # after an outage, report what still fails
        else:
            self._fetch = replace(self._fetch, error=metric_error)
            alert = self._connection.failed(metric_error, finished)
        if alert:
            new_alerts.append(alert)
        new_alerts += alarm_alerts + log_alerts

        problems = [p for p in (alarm_error, *log_errors) if p] + alias_problems
        if metric_error is None:  # during an outage the connection alert says it all
            new_alerts += self._problem_alerts(problems, finished, Severity.WARN)
            new_alerts += self._problem_alerts(alias_setup, finished, Severity.INFO)
        problems += alias_setup
        if resources_due:
            problems += list(self._resources.problems)
            if metric_error is None:
                new_alerts += self._problem_alerts(
                    list(self._resources.problems), finished, Severity.INFO
                )

        self.panes = self.snapshot(finished)
        new_alerts += self._breaches.check(self.panes, finished)
        updated = tuple(self.feed.extend(new_alerts))

        requests = sum(self.reads.requests.values()) - requests_before
        self._record_usage(
            finished, requests, metrics_requested, self._priced_requests() - priced_before
        )
        return Refresh(
            panes=self.panes,
            alerts=updated,
            ok=metric_error is None,
            error=metric_error,
            started_at=started,
            finished_at=finished,
            requests=requests,
            metrics_requested=metrics_requested,
            problems=tuple(problems),
            alias=self.alias,
            alias_error=self.alias_error,
        )

    def snapshot(self, now: datetime | None = None) -> dict[str, PaneSnapshot]:
        """The panes rebuilt from what is held, judged at `now` (no IO): staleness while paused."""
        return build_panes(
            self._store,
            settings=self.settings,
            now=now or self._clock(),
            window_seconds=self._window,
            fetch=self._fetch,
            resources=self._resources,
            refresh_seconds=self.refresh_seconds,
        )

    def evidence(
        self, now: datetime | None = None, *, panes: dict[str, PaneSnapshot] | None = None
    ) -> Evidence:
        """What a diagnosis reads (no IO): the panes judged at `now`, the resource facts, each
        version's samples over the window, the series a fix is sized from, and the feed's log
        entries seen within the last `suggestions.evidence_seconds`. `panes` are the last
        refresh's (`self.panes`), when the caller has them: not built a second time."""
        now = now or self._clock()
        stack = self.settings.stack
        grid = period_grid(now, self._window, self._period)
        return evidence_from(
            panes=panes if panes is not None else self.snapshot(now),
            resources=self._resources,
            versions=[
                self.version_samples(v, since=now - timedelta(seconds=self._window))
                for v in self.versions
            ],
            alerts=self.feed.entries,
            now=now,
            window_seconds=min(self.settings.suggestions.evidence_seconds, self._window),
            period_seconds=self._period,
            alias=self.alias,
            function=stack.function_name,
            table=stack.table_name,
            api=stack.api_name,
            user_pool=stack.user_pool_name,
            series={sid: tuple(self._store.on_grid(sid, grid)) for sid in EVIDENCE_SERIES},
            series_start=grid[0] if grid else None,
            alias_name=stack.alias,
        )

    def fetch_range(
        self, now: datetime, versions: Iterable[str] | None = None
    ) -> tuple[datetime, datetime]:
        """The aligned [start, end) the next metric fetch asks for: the window, or the newest
        periods. The whole window when `versions` (default: `self.versions`) has one the last
        fetch did not ask for, so its series fill."""
        step = timedelta(seconds=self._period)
        newest = align_down(now, self._period)
        end = newest + step
        window_start = newest - step * (self._window // self._period - 1)
        wanted = set(self.versions if versions is None else versions)
        if (
            self._covered_from is None
            or self._last_end is None
            or window_start < self._covered_from
            or not wanted <= self._versions_covered
        ):
            return window_start, end
        return max(window_start, min(self._last_end, end) - step * OVERLAP_PERIODS), end

    async def _refresh_metrics(
        self, now: datetime, *, after: asyncio.Future[Any] | None = None
    ) -> tuple[str | None, int]:
        """One GetMetricData for the catalogue and every version in `versions`.

        The versions are those known when the fetch starts (the alias as last read): a version
        the concurrent GetAlias finds new is fetched, over the whole window, next refresh.
        `after`: wait for that read first (the first refresh, before any routing is known)."""
        if after is not None:
            await asyncio.wait({after})
        versions = self.versions
        start, end = self.fetch_range(now, versions)
        full = (
            self._covered_from is None
            or start < self._covered_from
            or not set(versions) <= self._versions_covered
        )
        try:
            try:
                fetched = await self.reads.metrics(
                    self._specs_for(versions),
                    start=start,
                    end=end,
                    period_seconds=self._period,
                )
            except ClientError:
                if not self._percentiles:
                    raise
                self._percentiles = False
                fetched = await self.reads.metrics(
                    self._specs_for(versions),
                    start=start,
                    end=end,
                    period_seconds=self._period,
                )
        except AWS_ERRORS as exc:
            return describe_error(exc), 0
        self._store.merge(
            {sid: result.points for sid, result in fetched.results.items()},
            now=now,
            status={sid: result.status for sid, result in fetched.results.items()},
            messages={sid: result.messages for sid, result in fetched.results.items()},
        )
        self._covered_from = (
            start if full or self._covered_from is None else min(self._covered_from, start)
        )
        self._covered_from = max(self._covered_from, now - self._store.retention)
        self._last_end = end
        self._versions_covered = frozenset(versions)
        return None, fetched.metrics_requested

    def note_alias(self, routing: AliasRouting) -> None:
        """A GetAlias answer read outside a refresh (after an alias write): newer than the last."""
        self.alias, self.alias_error, self.alias_read_at = routing, None, self._clock()

    async def _refresh_alias(self) -> tuple[list[str], list[str]]:
        """GetAlias, then GetFunctionConfiguration for each version in `versions` not yet
        described. Returns (failed reads, setup problems such as a missing alias), one line each."""
        stack = self.settings.stack
        read = await self.reads.alias(stack)
        failed: list[str] = []
        setup: list[str] = []
        if read.answer is not None:
            before = self.alias
            if before is not None and before.primary != read.answer.primary:
                # Where the alias pointed before it moved: what a rollback goes back to, so its
                # series stay in the fetch and a diagnosis can compare the two.
                self._previous_primary = before.primary
            self.alias, self.alias_error, self.alias_read_at = read.answer, None, self._clock()
        elif read.error_code == "ResourceNotFoundException":
            # AWS says there is no such alias (or function): no routing, rather than an old one.
            region = self._clients.target.region or "this region"
            self.alias, self.alias_read_at = None, self._clock()
            self.alias_error = (
                f"alias {stack.alias} of function {stack.function_name} not found in {region}"
                f" ({read.error})"
            )
            setup.append(self.alias_error)
        else:
            self.alias_error = f"GetAlias {stack.function_name}:{stack.alias}: {read.error}"
            failed.append(self.alias_error)

        new = [v for v in self.versions if v not in self._version_info]
        infos = await asyncio.gather(*(self.reads.version_info(stack, v) for v in new))
        for version, info in zip(new, infos, strict=True):
            if info.answer is not None:
                self._version_info[version] = info.answer
                self._version_info_errors.pop(version, None)
            else:
                self._version_info_errors[version] = (
                    f"GetFunctionConfiguration {stack.function_name}:{version}: {info.error}"
                )
        failed += [self._version_info_errors[v] for v in new if v in self._version_info_errors]
        return failed, setup

    async def _poll_alarms(self, now: datetime) -> tuple[list[Alert], str | None]:
        try:
            found = await self.reads.alarms(self._alarms.names)
        except AWS_ERRORS as exc:
            return [], f"DescribeAlarms: {describe_error(exc)}"
        return self._alarms.update(found, now), None

    async def _poll_logs(self, now: datetime) -> tuple[list[Alert], list[str]]:
        """Error lines and failed sign-ins, fetched concurrently; each failure in AWS's words."""
        results = await asyncio.gather(
            self._poll_watch(self._logs, now), self._poll_watch(self._sign_ins, now)
        )
        alerts = [a for found, _ in results for a in found]
        return alerts, [error for _, error in results if error]

    async def _poll_watch(self, watch: LogWatch, now: datetime) -> tuple[list[Alert], str | None]:
        try:
            events = await self.reads.log_events(
                watch.log_group,
                pattern=watch.pattern,
                start_ms=watch.start_ms(now, self._window),
                limit=watch.max_events,
            )
        except AWS_ERRORS as exc:
            what = f" ({watch.label})" if watch.label else ""
            return [], f"FilterLogEvents {watch.log_group}{what}: {describe_error(exc)}"
        return watch.take(events), None

    async def _refresh_resources(self, now: datetime) -> None:
        reads = await self.reads.resources(self.settings.stack)
        facts = resource_facts(reads, self.settings.stack, now=now)
        if nothing_read(facts) and self._resources.fetched_at is not None:
            # The endpoint is unreachable: keep the last facts, try again next refresh.
            self._resources = replace(self._resources, problems=facts.problems)
            return
        self._resources = facts
        self._resources_due = now + timedelta(
            seconds=self.settings.cadence.resource_refresh_seconds
        )

    def _problem_alerts(
        self, problems: list[str], now: datetime, severity: Severity
    ) -> list[Alert]:
        """One feed entry per distinct failing read (not one per refresh)."""
        alerts = []
        for problem in problems:
            if problem in self._reported_problems:
                continue
            self._reported_problems.add(problem)
            alerts.append(
                Alert(
                    key=f"problem:{problem}",
                    source=AlertSource.CONNECTION,
                    severity=severity,
                    title=problem[:200],
                    body=f"{problem}\n\nThe cockpit keeps running; the affected figures show as unknown.",
                    first_seen=now,
                    last_seen=now,
                )
            )
        return alerts

    # --- cost -----------------------------------------------------------------------

    def _priced_requests(self) -> int:
        """CloudWatch requests other than GetMetricData (priced per request, not per metric)."""
        return sum(
            n
            for key, n in self.reads.requests.items()
            if key.startswith("cloudwatch.") and key != "cloudwatch.GetMetricData"
        )

    def _record_usage(self, at: datetime, requests: int, metrics: int, priced: int) -> None:
        self._usage.append(_Usage(at, requests, metrics, priced))
        while self._usage and self._usage[0].at < at - COST_WINDOW:
            self._usage.popleft()

    @property
    def cost(self) -> CostMeter:
        """Requests and metrics per minute over the last five minutes, and their price per hour.

        With one refresh in the window, its figures are scaled by the configured cadence; with
        more, the refreshes after the oldest are divided by the time since it, so pausing
        lowers the rate and bursts of manual refreshes raise it.
        """
        now = self._clock()
        recent = [u for u in self._usage if u.at >= now - COST_WINDOW]
        if not recent:
            return CostMeter(0.0, 0.0, 0.0)
        span = (now - recent[0].at).total_seconds()
        if len(recent) == 1 or span < self.refresh_seconds:
            counted, minutes = recent, len(recent) * self.refresh_seconds / 60
        else:
            counted, minutes = recent[1:], span / 60
        requests = sum(u.requests for u in counted) / minutes
        metrics = sum(u.metrics for u in counted) / minutes
        priced = sum(u.priced_requests for u in counted) / minutes
        usd_per_hour = (
            (metrics * USD_PER_1000_METRICS + priced * USD_PER_1000_CLOUDWATCH_REQUESTS) * 60 / 1000
        )
        return CostMeter(
            requests_per_minute=requests, metrics_per_minute=metrics, usd_per_hour=usd_per_hour
        )
