"""The plain data the cockpit shows: the contract between fetching and rendering.

`aws` fetches, `telemetry` turns responses into these values, `ui` renders them.
A missing value is `None` with a `DataState` saying why; it is never 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum


class DataState(Enum):
    """Why a figure looks the way it does. Four failure modes, never shown as zero."""

    OK = "ok"
    LOADING = "loading"
    """Nothing fetched yet."""
    NO_DATA = "no data"
    """The query succeeded and CloudWatch has no datapoints for the window."""
    PARTIAL = "partial"
    """CloudWatch answered PartialData, or some of the series behind a figure are missing."""
    ERROR = "error"
    """The last fetch failed; `detail` has AWS's words."""
    STALE = "stale"
    """The newest good data is older than two refreshes."""


class Health(Enum):
    """How a figure compares with its thresholds."""

    UNKNOWN = "unknown"
    OK = "ok"
    WARN = "warn"
    CRIT = "crit"


@dataclass(frozen=True, slots=True)
class Reading:
    """One figure on screen: a value (or None), its unit, its state and its age."""

    value: float | None
    unit: str = ""
    state: DataState = DataState.LOADING
    health: Health = Health.UNKNOWN
    as_of: datetime | None = None
    """Timestamp of the newest datapoint behind the value."""
    detail: str = ""
    """Why the state is not OK (AWS's error text, 'function X not found', ...)."""


@dataclass(frozen=True, slots=True)
class PaneSnapshot:
    """Everything one metric pane draws."""

    key: str
    """Stable id: "concurrency", "errors", "latency", "dynamodb", "traffic"."""
    title: str
    primary: Reading
    secondary: tuple[tuple[str, Reading], ...] = ()
    """Labelled related figures: ("max", ...), ("limit", ...), ("5XX", ...)."""
    history: tuple[float | None, ...] = ()
    """The primary figure per period across the window, oldest first; None is a gap."""
    history_label: str = ""
    fetched_at: datetime | None = None
    """When the last successful fetch for this pane completed."""

    @property
    def health(self) -> Health:
        return self.primary.health

    @property
    def state(self) -> DataState:
        return self.primary.state


@dataclass(frozen=True, slots=True)
class ResourceFacts:
    """Slow-changing facts about the monitored resources, read on the slower cadence.

    None means unknown (not read yet, or the read failed: see `problems`), never zero.
    """

    fetched_at: datetime | None = None
    memory_mb: int | None = None
    timeout_s: int | None = None
    reserved_concurrency: int | None = None
    """The function's reserved concurrency; None when it has none (or it is unknown)."""
    account_concurrency: int | None = None
    """The account's concurrent-executions limit; None when GetAccountSettings failed."""
    unreserved_concurrency: int | None = None
    billing_mode: str | None = None
    """PROVISIONED or PAY_PER_REQUEST."""
    read_capacity: int | None = None
    write_capacity: int | None = None
    decreases_today: int | None = None
    table_status: str | None = None
    function_missing: str = ""
    """E.g. "function todo-handler not found in us-west-2"; empty when it exists."""
    table_missing: str = ""
    problems: tuple[str, ...] = ()
    """Reads that failed, in AWS's words ("GetAccountSettings: ...")."""

    @property
    def concurrency_limit(self) -> tuple[int | None, str]:
        """The limit the function's concurrency runs into, and which limit it is."""
        if self.reserved_concurrency is not None:
            return self.reserved_concurrency, "reserved concurrency"
        if self.account_concurrency is not None:
            return self.account_concurrency, "account concurrency"
        return None, "concurrency limit"
