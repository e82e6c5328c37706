"""What a Logs Insights query answered, typed: the rows, the statistics and how it ended.

Pure (no SDK): `aws.insights.run_query` fills these, reports read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

QueryStatus = Literal[
    "Scheduled", "Running", "Complete", "Failed", "Cancelled", "Timeout", "Unknown"
]
"""GetQueryResults' status values (AWS's QueryStatus)."""

FINISHED: frozenset[str] = frozenset({"Complete", "Failed", "Cancelled", "Timeout", "Unknown"})
"""Statuses after which a query's results no longer change."""


@dataclass(frozen=True, slots=True)
class InsightsStatistics:
    """GetQueryResults' statistics: events that matched, events and bytes read."""

    records_matched: float
    records_scanned: float
    bytes_scanned: float


@dataclass(frozen=True, slots=True)
class InsightsResult:
    """One query's outcome. `rows` are field -> value (strings, as AWS gives them; a field
    with no value is absent from its row, never an empty string or zero); `@ptr` is left out.
    `stopped` is True when the caller's timeout passed and the query was stopped: then
    `status` is "Timeout" and `rows` are whatever had arrived."""

    query_id: str
    query: str
    log_groups: tuple[str, ...]
    start: datetime
    end: datetime
    status: QueryStatus
    rows: list[dict[str, str]] = field(default_factory=list)
    statistics: InsightsStatistics | None = None
    """None when AWS sent none (not zeros)."""
    stopped: bool = False

    @property
    def complete(self) -> bool:
        return self.status == "Complete"

    @property
    def fields(self) -> list[str]:
        """Every field that appears in a row, in the order it first appears."""
        seen: dict[str, None] = {}
        for row in self.rows:
            seen.update(dict.fromkeys(row))
        return list(seen)
