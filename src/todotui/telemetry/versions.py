"""What the cockpit knows about the alias and the versions behind it: routing and per-version health.

The alias is read on every refresh (GetAlias is a free control-plane read) and each version
it routes to is described once (published versions never change). Per-version health comes
from the `ExecutedVersion` series (`Resource=<function>:<alias>`), fetched in the same
GetMetricData call as every other pane. Pure: no IO, no AWS SDK.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from todotui.telemetry.aws_types import AliasConfiguration, FunctionConfiguration
from todotui.telemetry.catalogue import VERSION_FIELDS, version_series_id
from todotui.telemetry.series import SeriesStore


@dataclass(frozen=True, slots=True)
class AliasRouting:
    """One GetAlias answer: where the alias sends its traffic, and the revision it is at."""

    function: str
    alias: str
    primary: str
    """FunctionVersion: the version that gets whatever the additional one does not."""
    additional: str | None = None
    """The one other version with a share (AdditionalVersionWeights), if any."""
    weight: float = 0.0
    """The additional version's share, 0.0-1.0 (0 when there is none)."""
    revision_id: str | None = None
    """Changes on every update: a write that sends a stale one is refused (HTTP 412)."""

    @property
    def split(self) -> bool:
        """True when two versions share the traffic."""
        return self.additional is not None and self.weight > 0

    def routes_like(self, primary: str, additional: str | None, weight: float) -> bool:
        """Whether the alias sends its traffic as (primary, additional, weight) says."""
        if self.primary != primary:
            return False
        if additional is None or weight <= 0:
            return not self.split
        return self.additional == additional and abs(self.weight - weight) < 1e-6

    def share_of(self, version: str) -> float:
        """The configured share of invocations `version` gets (0 when it gets none)."""
        if version == self.additional:
            return self.weight
        if version == self.primary:
            return 1.0 - self.weight if self.additional else 1.0
        return 0.0

    def describe(self) -> str:
        """ "version 1" or "version 1 (90%) + version 2 (10%)"."""
        if not self.split:
            return f"version {self.primary}"
        return (
            f"version {self.primary} ({(1 - self.weight) * 100:.0f}%) + "
            f"version {self.additional} ({self.weight * 100:.0f}%)"
        )


@dataclass(frozen=True, slots=True)
class VersionInfo:
    """A published version as GetFunctionConfiguration(Qualifier=N) describes it."""

    version: str
    description: str = ""
    code_sha256: str = ""
    last_modified: str = ""
    """AWS's own timestamp text (when the version was published)."""


@dataclass(frozen=True, slots=True)
class VersionPeriod:
    """One complete CloudWatch period of one version behind the alias.

    None is "no datapoint": CloudWatch emits Invocations only when non-zero, so a missing
    value is never shown or judged as zero."""

    start: datetime
    invocations: float | None = None
    errors: float | None = None
    throttles: float | None = None
    duration_avg: float | None = None
    """Milliseconds."""
    duration_p99: float | None = None
    """Milliseconds; None where the endpoint answers no percentiles."""

    @property
    def error_pct(self) -> float | None:
        if not self.invocations:
            return None
        return 100.0 * (self.errors or 0.0) / self.invocations


@dataclass(frozen=True, slots=True)
class VersionSamples:
    """The complete periods of one version in a window, oldest first (periods it ran in only)."""

    version: str
    periods: tuple[VersionPeriod, ...] = ()
    percentiles: bool = False
    """Whether p99 was asked for (the endpoint answers percentiles)."""

    @property
    def invocations(self) -> float:
        return sum(p.invocations or 0.0 for p in self.periods)

    @property
    def errors(self) -> float:
        return sum(p.errors or 0.0 for p in self.periods)

    @property
    def throttles(self) -> float:
        return sum(p.throttles or 0.0 for p in self.periods)

    @property
    def error_pct(self) -> float | None:
        """Errors over invocations across the window (None with no invocations)."""
        calls = self.invocations
        return 100.0 * self.errors / calls if calls else None

    @property
    def duration_avg(self) -> float | None:
        """Invocation-weighted average duration across the window."""
        pairs = [(p.duration_avg, p.invocations or 0.0) for p in self.periods]
        weight = sum(n for d, n in pairs if d is not None)
        if not weight:
            return None
        return sum(d * n for d, n in pairs if d is not None) / weight

    @property
    def duration_p99(self) -> float | None:
        """The worst per-period p99 in the window (a p99 cannot be averaged)."""
        values = [p.duration_p99 for p in self.periods if p.duration_p99 is not None]
        return max(values) if values else None


# --- from AWS's answers and the series store ----------------------------------------------


def routing_from(function: str, alias: str, answer: AliasConfiguration) -> AliasRouting:
    """A GetAlias answer as routing: FunctionVersion is the primary, the one entry of
    RoutingConfig.AdditionalVersionWeights (AWS allows one) the additional version."""
    weights = (answer.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
    additional, weight = None, 0.0
    if weights:
        additional, share = min(weights.items())
        weight = float(share)
    return AliasRouting(
        function=function,
        alias=answer.get("Name") or alias,
        primary=str(answer.get("FunctionVersion", "")),
        additional=additional,
        weight=weight,
        revision_id=answer.get("RevisionId"),
    )


def info_from(version: str, answer: FunctionConfiguration) -> VersionInfo:
    """A GetFunctionConfiguration(Qualifier=N) answer as what the cockpit shows of a version."""
    return VersionInfo(
        version=str(answer.get("Version") or version),
        description=answer.get("Description", "") or "",
        code_sha256=answer.get("CodeSha256", "") or "",
        last_modified=answer.get("LastModified", "") or "",
    )


def samples_from(
    store: SeriesStore,
    version: str,
    *,
    period_seconds: int,
    complete_before: datetime | None,
    since: datetime | None = None,
    percentiles: bool = False,
) -> VersionSamples:
    """The complete periods `store` holds for `version` (its `ver{N}_*` series), oldest first.

    A period is complete when it ended at or before `complete_before` (when the last good fetch
    asked for its data; None: nothing is complete yet). Only periods with an Invocations
    datapoint are kept: CloudWatch emits none when the version did not run, and "did not run"
    is never zero errors. `since` keeps periods starting at or after it."""
    if complete_before is None:
        return VersionSamples(version, (), percentiles)
    step = timedelta(seconds=period_seconds)
    series = {field: store.held(version_series_id(version, field)) for field in VERSION_FIELDS}
    periods = tuple(
        VersionPeriod(
            start=start,
            invocations=series["invocations"].get(start),
            errors=series["errors"].get(start),
            throttles=series["throttles"].get(start),
            duration_avg=series["duration_avg"].get(start),
            duration_p99=series["duration_p99"].get(start) if percentiles else None,
        )
        for start in series["invocations"].timestamps()
        if start + step <= complete_before and (since is None or start >= since)
    )
    return VersionSamples(version, periods, percentiles)
