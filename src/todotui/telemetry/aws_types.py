"""The shapes of the AWS answers the cockpit reads, as typed dicts (only the fields it uses).

aws/ returns these; alerts/ and telemetry/ interpret them. They live in the pure layer so
that interpreting an answer never depends on the code (or the SDK) that fetched it.

No imports beyond typing: the pure layers (alerts/, telemetry/) read these types without
depending on botocore or aiobotocore.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypedDict, TypeVar


class Dimension(TypedDict):
    Name: str
    Value: str


class MetricStatMetric(TypedDict, total=False):
    Namespace: str
    MetricName: str
    Dimensions: list[Dimension]


class MetricStat(TypedDict, total=False):
    Metric: MetricStatMetric
    Period: int
    Stat: str


class MetricDataQuery(TypedDict, total=False):
    """One query of a metric-math alarm: an expression, or a metric it names."""

    Id: str
    Expression: str
    MetricStat: MetricStat
    ReturnData: bool


class MetricAlarm(TypedDict, total=False):
    """The fields of DescribeAlarms' MetricAlarms the cockpit reads (AWS sends more)."""

    AlarmName: str
    AlarmDescription: str
    AlarmActions: list[str]
    StateValue: str
    StateReason: str
    StateUpdatedTimestamp: datetime
    Namespace: str
    MetricName: str
    Dimensions: list[Dimension]
    Statistic: str
    ExtendedStatistic: str
    Period: int
    EvaluationPeriods: int
    Threshold: float
    ComparisonOperator: str
    TreatMissingData: str
    Metrics: list[MetricDataQuery]


class LogEvent(TypedDict, total=False):
    """One matching event as FilterLogEvents returns it."""

    eventId: str
    timestamp: int
    """Milliseconds since the epoch."""
    message: str
    logStreamName: str


class FunctionConfiguration(TypedDict, total=False):
    MemorySize: int
    Timeout: int
    Version: str
    Description: str
    CodeSha256: str
    LastModified: str


class AliasRoutingConfiguration(TypedDict, total=False):
    AdditionalVersionWeights: dict[str, float]


class AliasConfiguration(TypedDict, total=False):
    """GetAlias's answer (the fields the cockpit reads)."""

    Name: str
    FunctionVersion: str
    RoutingConfig: AliasRoutingConfiguration
    RevisionId: str


class FunctionConcurrency(TypedDict, total=False):
    ReservedConcurrentExecutions: int


class AccountLimit(TypedDict, total=False):
    ConcurrentExecutions: int
    UnreservedConcurrentExecutions: int


class AccountSettings(TypedDict, total=False):
    AccountLimit: AccountLimit


class ProvisionedThroughput(TypedDict, total=False):
    ReadCapacityUnits: int
    WriteCapacityUnits: int
    NumberOfDecreasesToday: int


class BillingModeSummary(TypedDict, total=False):
    BillingMode: str


class TableDescription(TypedDict, total=False):
    TableStatus: str
    ProvisionedThroughput: ProvisionedThroughput
    BillingModeSummary: BillingModeSummary


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Read(Generic[T]):
    """One read's answer, or why it failed: AWS's error code and its words."""

    answer: T | None = None
    error_code: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True, slots=True)
class ResourceReads:
    """One round of the slow-changing reads, each succeeding or failing on its own."""

    region: str | None
    function: Read[FunctionConfiguration]
    concurrency: Read[FunctionConcurrency]
    account: Read[AccountSettings]
    table: Read[TableDescription]
