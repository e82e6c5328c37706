"""One typed settings model: which stack to watch, how to judge it, how often to look.

Defaults are the runbook's resource names and alarm thresholds, so a fresh install
watches the Todo stack; every name can be changed in a TOML file, so the same app
works for any Lambda + API Gateway + DynamoDB + Cognito stack.
"""

from __future__ import annotations

import re
from argparse import Namespace
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from todotui.errors import ConfigError as ConfigError  # re-exported: raised by load_settings
from todotui.stack_names import StackNames as StackNames  # re-exported: a section of Settings
from todotui.stack_names import read_settings_toml, settings_path


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class Thresholds(_Section):
    """When a pane turns amber (warn) or red (critical)."""

    error_rate_warn_pct: float = Field(1.0, ge=0, le=100)
    """Lambda errors / invocations, percent, that deserves attention."""
    error_rate_crit_pct: float = Field(5.0, ge=0, le=100)
    """Lambda errors / invocations, percent, that is an incident."""
    duration_warn_ms: float = Field(3000.0, gt=0)
    """Average Lambda duration that deserves attention."""
    duration_crit_ms: float = Field(8000.0, gt=0)
    """Average Lambda duration that is an incident (the runbook's alarm threshold)."""
    concurrency_warn_ratio: float = Field(0.7, gt=0, le=1)
    """Concurrency as a share of the applicable limit that deserves attention."""
    concurrency_crit_ratio: float = Field(0.9, gt=0, le=1)
    """Concurrency as a share of the applicable limit that is an incident."""
    throttles_crit: float = Field(1.0, ge=0)
    """Throttled requests (Lambda or DynamoDB) per period that are an incident."""
    capacity_warn_ratio: float = Field(0.8, gt=0)
    """Consumed / provisioned DynamoDB capacity that deserves attention."""
    api_5xx_crit_pct: float = Field(5.0, ge=0, le=100)
    """API Gateway 5XX responses, percent of requests, that are an incident."""

    @model_validator(mode="after")
    def _warn_below_crit(self) -> Thresholds:
        pairs = [
            ("error_rate_warn_pct", "error_rate_crit_pct"),
            ("duration_warn_ms", "duration_crit_ms"),
            ("concurrency_warn_ratio", "concurrency_crit_ratio"),
        ]
        for warn, crit in pairs:
            if getattr(self, warn) > getattr(self, crit):
                raise ValueError(f"{warn} must not exceed {crit}")
        return self


class Cadence(_Section):
    """How often to look, and at what granularity."""

    refresh_seconds: float = Field(5.0, ge=0.5, le=3600)
    """Seconds between metric refreshes."""
    period_seconds: int = Field(60, ge=1, le=3600)
    """CloudWatch period of the series on screen (60 = standard resolution)."""
    resource_refresh_seconds: float = Field(60.0, ge=5, le=3600)
    """Seconds between reads of slow-changing facts (capacity, memory, limits)."""
    window_seconds: int = Field(900, ge=60, le=86400)
    """The time window shown when the app opens."""


class LogPatterns(_Section):
    """The CloudWatch Logs filter patterns the alert feed polls the function's log group with
    (FilterLogEvents; AWS's filter pattern syntax)."""

    errors: str = Field('?ERROR ?"Task timed out"', min_length=1, max_length=1024)
    """Error lines: Lambda's "[ERROR]" lines and its "Task timed out after N seconds" line
    (which has no ERROR in it)."""
    failed_sign_ins: str = Field(
        '{ $.message = "Authentication:*" && $.result = "FAILED" }', min_length=1, max_length=1024
    )
    """Failed sign-ins: the app's `Authentication:` JSON lines whose result is FAILED; the feed
    shows one entry per user."""


class Limits(_Section):
    """How far a remediation may move a value before it needs a typed confirmation, and what
    it costs. Hard ceilings come from AWS (quotas read once, else AWS's documented defaults)."""

    change_factor: float = Field(10.0, gt=1)
    """A new value more than this many times the live one, or below 1/this of it, is high risk:
    confirmed by typing the resource's name."""
    max_added_cost_per_hour: float = Field(5.0, ge=0)
    """A change that adds more than this (USD per hour, at the list prices below) is high risk."""
    dynamodb_read_unit_hour_usd: float = Field(0.00013, ge=0)
    """Price of one provisioned read capacity unit for an hour (AWS list price, us-east-1,
    standard table class). Set your region's price for closer estimates."""
    dynamodb_write_unit_hour_usd: float = Field(0.00065, ge=0)
    """Price of one provisioned write capacity unit for an hour (AWS list price, us-east-1,
    standard table class)."""
    alarm_absurd_factor: float = Field(1000.0, gt=1)
    """An alarm threshold more than this many times above both the metric's 30-day maximum and
    the current threshold (or as far below the minimum) is refused: the alarm could never fire."""
    lambda_provisioned_gb_hour_usd: float = Field(0.015, ge=0)
    """Price of one GB of Lambda provisioned concurrency kept warm for an hour (AWS list price,
    us-east-1, x86: $0.0000041667 per GB-second)."""
    dynamodb_table_max_capacity: int = Field(40000, ge=1)
    """Per-table read (and write) capacity ceiling used when DescribeLimits cannot be read:
    AWS's documented default quota."""


class Suggestions(_Section):
    """How a diagnosis turns the evidence into the value a fix's dialog arrives filled with.

    Every suggestion shows its arithmetic; one that a ceiling here cuts says so."""

    evidence_seconds: int = Field(300, ge=60, le=86400)
    """The recent span a diagnosis weighs log lines over ("87% of the last 5 min's errors"):
    shorter than the window, so an earlier incident's lines do not outvote the current one's."""
    capacity_headroom: float = Field(1.5, ge=1, le=10)
    """Peak demand over the window (consumed plus throttled) is multiplied by this, rounded up."""
    capacity_lookahead_seconds: int = Field(600, ge=0, le=86400)
    """While demand is still rising period on period, a capacity is sized for where its trend
    reaches this far ahead (0: size for the peak seen so far)."""
    capacity_ceiling: int = Field(1000, ge=1)
    """A suggested read or write capacity never goes above this without saying so (units/s)."""
    memory_ceiling_mb: int = Field(3008, ge=128, le=10240)
    """A suggested memory size never goes above this without saying so."""
    concurrency_headroom: float = Field(1.2, ge=1, le=10)
    """The p99 of concurrency over the window is multiplied by this for provisioned or
    reserved concurrency, rounded up."""
    concurrency_ceiling: int = Field(200, ge=1)
    """A suggested provisioned or reserved concurrency never goes above this without saying so."""


class Rollouts(_Section):
    """How a blue-green rollout on the alias is judged and paced (`todotui rollout`, the `b` view)."""

    preset: str = "canary10-5m"
    """The strategy offered first: canary10-5m, canary10-15m, linear10-every-1m, linear10-every-3m,
    all-at-once, or one of `custom` below."""
    custom: dict[str, tuple[str, ...]] = {}
    """Your own strategies, name -> steps: "10%" sets the weight, "pause 5m" waits that long,
    "pause" waits for a person to promote, "analyse" waits for a passing analysis. The last
    weight step must be "100%"."""
    analysis_interval_seconds: float = Field(60.0, ge=1, le=3600)
    """How often the candidate is judged (each judgement is one interval of the failure budget)."""
    analysis_window_seconds: float = Field(300.0, ge=1, le=86400)
    """How far back each judgement looks (never before the current weight was set)."""
    max_error_pct: float = Field(5.0, ge=0, le=100)
    """Absolute: the candidate's error % above this fails (critical: spends the whole budget)."""
    max_p99_ms: float = Field(3000.0, gt=0)
    """Absolute: the candidate's p99 duration above this fails. Where the endpoint has no
    percentiles, `max_average_ms` applies to the average instead."""
    max_average_ms: float = Field(2000.0, gt=0)
    """Absolute: the candidate's average duration above this fails (endpoints without p99)."""
    error_margin_pct: float = Field(1.0, ge=0, le=100)
    """Relative: the candidate's error % may exceed stable's by at most this many points."""
    latency_tolerance_pct: float = Field(10.0, ge=0)
    """Statistical: how much slower than stable (per-period latency, Mann-Whitney U) the
    candidate may be before a significant difference fails."""
    confidence: float = Field(0.98, gt=0.5, lt=1)
    """Statistical: the confidence a difference must reach to count (Kayenta's default)."""
    min_samples: int = Field(5, ge=3, le=1000)
    """Statistical: per-period values each version needs before the comparison may decide."""
    min_invocations: int = Field(20, ge=1)
    """Error-rate rules are inconclusive until the candidate ran this many invocations."""
    failure_budget: int = Field(2, ge=1, le=100)
    """Failed judgements (cumulative, as Flagger's threshold) that abort the rollout."""
    inconclusive_limit: int = Field(5, ge=1, le=1000)
    """Inconclusive judgements in a row at a gate before the rollout waits for a person."""
    stale_limit: int = Field(3, ge=1, le=1000)
    """Intervals of stale telemetry the rollout holds through before it waits for a person."""
    abort_grace_seconds: float = Field(20.0, ge=0, le=3600)
    """An automatic abort waits this long on screen, where one key cancels it (0 = at once)."""


class Review(_Section):
    """The weekly review (`todotui review`, the cockpit's `w`)."""

    days: int = Field(7, ge=1, le=31)
    """Days the review covers (compared with as many days before)."""
    slow_request_ms: float = Field(5000.0, gt=0)
    """A request slower than this (Lambda's REPORT Duration) is listed (the runbook's 5000)."""
    slow_request_limit: int = Field(20, ge=1, le=1000)
    """Slow requests listed at most, slowest first."""


class AwsTarget(_Section):
    """Where to send AWS calls. All None means the standard credential chain and region."""

    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    read_only: bool = False
    """Refuse every mutating action; plans and CLI previews are still shown."""
    read_only_profiles: tuple[str, ...] = ()
    """Profiles that are always read-only (e.g. ["prod-readonly", "audit"])."""

    @property
    def effective_read_only(self) -> bool:
        """Read-only by flag or file, or because the profile in use is listed as read-only."""
        return self.read_only or (
            self.profile is not None and self.profile in self.read_only_profiles
        )


_FUNCTION_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_ALIAS_NAME = re.compile(r"^(?!^[0-9]+$)[A-Za-z0-9_-]{1,128}$")
_TABLE_NAME = re.compile(r"^[A-Za-z0-9_.-]{3,255}$")
_API_NAME = re.compile(r"^[^\x00-\x1f]{1,1024}$")
_TAG = re.compile(r"^(?P<key>[^=]{1,128})=(?P<value>[^=]{0,256})$")

FLEET_QUERY_BUDGET = 1000
"""Two GetMetricData calls of 500 queries: every series of the fleet, each refresh."""
FLEET_QUERIES = {"function": 6, "table": 6, "api": 3}
"""Queries per member kind (see `todotui.telemetry.fleet`: the figures the ranking needs)."""


class Fleet(_Section):
    """Many functions, tables and APIs watched side by side (the `F` view): named here, or
    discovered by a tag. Every series of the whole fleet comes from at most two GetMetricData
    calls per refresh, so the fleet is capped at what 1,000 queries hold."""

    functions: tuple[str, ...] = ()
    """Lambda functions as "name" or "name:alias" (the alias `enter` opens; default below)."""
    tables: tuple[str, ...] = ()
    """DynamoDB tables by name."""
    apis: tuple[str, ...] = ()
    """REST APIs by name (CloudWatch's ApiName). Never discovered by tag: the tagging API
    lists stages, not the ApiName dimension."""
    tag: str | None = None
    """"key=value": every Lambda function and DynamoDB table carrying this tag is a member too
    (Resource Groups Tagging API GetResources, once at start and on `d` in the fleet view)."""
    default_alias: str = "PROD"
    """The alias of a function named without one, or discovered by the tag."""
    include_stack: bool = True
    """The configured stack's function, tables and API are members too."""
    refresh_seconds: float = Field(30.0, ge=5, le=3600)
    """Seconds between fleet refreshes while the fleet view is open."""
    window_periods: int = Field(15, ge=3, le=120)
    """Periods fetched per refresh (the sparkline); health is judged on the last three."""

    @model_validator(mode="after")
    def _valid_names(self) -> Fleet:
        problems: list[str] = []
        for entry in self.functions:
            name, _, alias = entry.partition(":")
            if not _FUNCTION_NAME.fullmatch(name):
                problems.append(
                    f"functions: {entry!r}: a function name is 1-64 letters, digits, - or _"
                )
            if ":" in entry and not _ALIAS_NAME.fullmatch(alias):
                problems.append(
                    f"functions: {entry!r}: an alias is 1-128 letters, digits, - or _ "
                    "(not only digits: that is a version)"
                )
        for table in self.tables:
            if not _TABLE_NAME.fullmatch(table):
                problems.append(
                    f"tables: {table!r}: a table name is 3-255 letters, digits, _, - or ."
                )
        for api in self.apis:
            if not _API_NAME.fullmatch(api):
                problems.append(f"apis: {api!r}: 1-1024 characters, no control characters")
        if self.tag is not None and not _TAG.fullmatch(self.tag):
            problems.append(f"tag: {self.tag!r}: write it as key=value (a key of 1-128 characters)")
        if not _ALIAS_NAME.fullmatch(self.default_alias):
            problems.append(f"default_alias: {self.default_alias!r}: not an alias name")
        for kind, names in (("functions", self.functions), ("tables", self.tables)):
            seen = [n.partition(":")[0] for n in names]
            twice = sorted({n for n in seen if seen.count(n) > 1})
            if twice:
                problems.append(f"{kind}: named twice: {', '.join(twice)}")
        queries = (
            len(self.functions) * FLEET_QUERIES["function"]
            + len(self.tables) * FLEET_QUERIES["table"]
            + len(self.apis) * FLEET_QUERIES["api"]
        )
        if queries > FLEET_QUERY_BUDGET:
            problems.append(
                f"{queries} GetMetricData queries a refresh; two calls hold {FLEET_QUERY_BUDGET} "
                f"(6 a function, 6 a table, 3 an API): name fewer members"
            )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def tag_filter(self) -> tuple[str, str] | None:
        """The tag as (key, value), or None."""
        if self.tag is None:
            return None
        key, _, value = self.tag.partition("=")
        return key, value


class Settings(_Section):
    """Everything the app needs to know, resolved from defaults, the file and flags."""

    stack: StackNames = StackNames()
    thresholds: Thresholds = Thresholds()
    cadence: Cadence = Cadence()
    logs: LogPatterns = LogPatterns()
    limits: Limits = Limits()
    rollouts: Rollouts = Rollouts()
    suggestions: Suggestions = Suggestions()
    review: Review = Review()
    fleet: Fleet = Fleet()
    aws: AwsTarget = AwsTarget()

    def with_overrides(self, **sections: dict[str, Any]) -> Settings:
        """A copy with some fields of some sections replaced (None values are ignored)."""
        data = self.model_dump()
        for section, values in sections.items():
            data[section].update({k: v for k, v in values.items() if v is not None})
        return _validate(data, source="command line")


def _validate(data: dict[str, Any], source: str) -> Settings:
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            key = ".".join(str(part) for part in err["loc"]) or "(top level)"
            problems.append(f"{key}: {err['msg']}")
        raise ConfigError(f"{source}: " + "; ".join(problems)) from None


def load_settings(path: Path | None) -> Settings:
    """Read settings from a TOML file; a missing default file means all defaults."""
    if path is None or not path.exists():
        return Settings()
    return _validate(read_settings_toml(path), source=str(path))


def resolve_settings(args: Namespace) -> Settings:
    """Defaults, then the settings file (`--config`, else the default path), then flags.

    `args` is the CLI's parsed namespace; a flag left unset (None) keeps the file's value.
    """
    settings = load_settings(settings_path(args))
    return settings.with_overrides(
        aws={
            "profile": getattr(args, "profile", None),
            "region": getattr(args, "region", None),
            "endpoint_url": getattr(args, "endpoint_url", None),
            "read_only": getattr(args, "read_only", None),
        },
        cadence={"refresh_seconds": getattr(args, "refresh", None)},
    )


def settings_toml(settings: Settings) -> str:
    """`settings` as a TOML settings file: `load_settings` of it gives the same Settings.

    An unset (None) value is a commented-out line, `# profile = (not set)`.
    """
    lines: list[str] = []
    for section, values in settings.model_dump().items():
        if lines:
            lines.append("")
        lines.append(f"[{section}]")
        for key, value in values.items():
            if value is None:
                lines.append(f"# {key} = (not set)")
            else:
                lines.append(f"{key} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)  # 60, 1.0, 1e-05, inf: all TOML
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        items = ", ".join(f"{_toml_string(str(k))} = {_toml_value(v)}" for k, v in value.items())
        return "{ " + items + " }" if items else "{}"
    raise TypeError(f"no TOML form for {type(value).__name__}")


_TOML_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


def _toml_string(text: str) -> str:
    """A TOML basic string: quote, backslash and control characters escaped."""
    out = []
    for char in text:
        if char in _TOML_ESCAPES:
            out.append(_TOML_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'
