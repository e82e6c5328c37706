"""Logs Insights: start a query, poll GetQueryResults until it ends, return it typed.

The caller's timeout is the operator's patience, not AWS's (AWS lets a query run 60 minutes):
when it passes the query is stopped, so it stops scanning (and costing), and what had arrived
is returned with status "Timeout". AWS errors propagate as botocore ClientError (callers
word them with `todotui.aws.errors.describe_error`); bad input raises ValueError before any
call.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from botocore.exceptions import ClientError

from todotui.reports.insights_types import (
    FINISHED,
    InsightsResult,
    InsightsStatistics,
    QueryStatus,
)

MAX_LOG_GROUPS = 50
MAX_QUERY_LENGTH = 10000


async def run_query(
    logs_client: Any,
    log_groups: Sequence[str],
    query: str,
    start: datetime,
    end: datetime,
    *,
    poll_interval: float = 0.5,
    timeout: float = 30.0,  # noqa: ASYNC109 (the signature others call; it also stops the query)
) -> InsightsResult:
    """Run `query` over `log_groups` (names or ARNs) from `start` to `end` (aware datetimes;
    AWS takes whole epoch seconds, so both are truncated to the second)."""
    groups = tuple(log_groups)
    _check(groups, query, start, end, poll_interval, timeout)
    start_s, end_s = int(start.timestamp()), int(end.timestamp())
    where: dict[str, Any] = (
        {"logGroupIdentifiers": list(groups)}
        if any(g.startswith("arn:") for g in groups)
        else {"logGroupNames": list(groups)}
    )
    started = await logs_client.start_query(
        **where, startTime=start_s, endTime=end_s, queryString=query
    )
    query_id = str(started["queryId"])
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    answer: dict[str, Any] = {}
    while True:
        answer = await _all_results(logs_client, query_id)
        if answer.get("status") in FINISHED:
            break
        if loop.time() >= deadline:
            try:
                await logs_client.stop_query(queryId=query_id)
            except ClientError as exc:  # it may have ended meanwhile: its results still count
                if exc.response.get("Error", {}).get("Code") != "InvalidParameterException":
                    raise
            return _result(query_id, query, groups, start, end, answer, "Timeout", stopped=True)
        await asyncio.sleep(min(poll_interval, max(deadline - loop.time(), 0.0)))
    status = cast(QueryStatus, str(answer.get("status", "Unknown")))
    return _result(query_id, query, groups, start, end, answer, status)


async def _all_results(logs_client: Any, query_id: str) -> dict[str, Any]:
    """GetQueryResults, following nextToken (AWS pages results past 10,000 rows)."""
    answer = dict(await logs_client.get_query_results(queryId=query_id))
    results = list(answer.get("results", []))
    while answer.get("nextToken") and answer.get("status") in FINISHED:
        page = await logs_client.get_query_results(queryId=query_id, nextToken=answer["nextToken"])
        results += page.get("results", [])
        answer = {**answer, "nextToken": page.get("nextToken")}
    answer["results"] = results
    return answer


def _result(
    query_id: str,
    query: str,
    groups: tuple[str, ...],
    start: datetime,
    end: datetime,
    answer: dict[str, Any],
    status: QueryStatus,
    *,
    stopped: bool = False,
) -> InsightsResult:
    rows = [
        {
            str(c["field"]): str(c["value"])
            for c in line
            if c.get("field") != "@ptr" and "value" in c
        }
        for line in answer.get("results", [])
    ]
    raw = answer.get("statistics")
    statistics = None
    if raw:
        statistics = InsightsStatistics(
            records_matched=float(raw.get("recordsMatched", 0.0)),
            records_scanned=float(raw.get("recordsScanned", 0.0)),
            bytes_scanned=float(raw.get("bytesScanned", 0.0)),
        )
    return InsightsResult(
        query_id=query_id,
        query=query,
        log_groups=groups,
        start=start,
        end=end,
        status=status,
        rows=rows,
        statistics=statistics,
        stopped=stopped,
    )


def _check(
    groups: tuple[str, ...],
    query: str,
    start: datetime,
    end: datetime,
    poll_interval: float,
    timeout: float,
) -> None:
    if not groups or len(groups) > MAX_LOG_GROUPS:
        raise ValueError(f"a query names from 1 to {MAX_LOG_GROUPS} log groups, not {len(groups)}")
    if not all(isinstance(g, str) and g for g in groups):
        raise ValueError("every log group must be a non-empty name or ARN")
    if not query.strip():
        raise ValueError("the query is empty")
    if len(query) > MAX_QUERY_LENGTH:
        raise ValueError(f"the query is longer than AWS's {MAX_QUERY_LENGTH} characters")
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be timezone-aware (naive times are ambiguous)")
    if end < start:
        raise ValueError(f"the end ({end.isoformat()}) is before the start ({start.isoformat()})")
    if poll_interval <= 0 or timeout <= 0:
        raise ValueError("poll_interval and timeout must be positive")
