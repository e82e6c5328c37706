"""Logs Insights' API in the sandbox: StartQuery, GetQueryResults, StopQuery, DescribeQueries.

moto answers StartQuery with every line and ignores the query. Here the query is parsed
(`insights.parse_query`, refused with MalformedQueryException when it is outside the subset)
and evaluated over the events read through the sandbox's own FilterLogEvents, as any client
would read them: that way the events are the ones FilterLogEvents shows (the same time range
semantics, streams and ids), and nothing depends on moto's internals. A query is evaluated
when it starts, so GetQueryResults finds it Complete; StopQuery on it answers
`success: false`, as AWS does for a query that is no longer running.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from todotui.sandbox.insights import MalformedQuery, QueryOutcome, parse_query

TARGETS = frozenset(
    f"Logs_20140328.{name}"
    for name in ("StartQuery", "GetQueryResults", "StopQuery", "DescribeQueries")
)
MAX_LOG_GROUPS = 50
MAX_START_LIMIT = 100_000
MAX_PAGE = 10_000


class InsightsError(Exception):
    """A refusal in AWS's words: HTTP status, error code, message, and extra body fields."""

    def __init__(
        self, status: int, code: str, message: str, extra: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra or {}


@dataclass(slots=True)
class _Stored:
    query_id: str
    query_string: str
    groups: list[str]
    created_ms: int
    outcome: QueryOutcome


class InsightsApi:
    """The queries started in this sandbox, by id (kept for its life, as AWS keeps them 7 days)."""

    def __init__(self, client: Callable[[str, str], Any], clock: Callable[[], datetime]) -> None:
        self._client = client
        self._clock = clock
        self._lock = threading.Lock()
        self._queries: dict[str, _Stored] = {}
        self._accounts: dict[str, str] = {}

    def answer(self, target: str, body: dict[str, Any], region: str) -> dict[str, Any]:
        operation = target.rsplit(".", 1)[-1]
        if operation == "StartQuery":
            return self._start(body, region)
        if operation == "GetQueryResults":
            return self._results(body)
        if operation == "StopQuery":
            self._find(body)
            return {"success": False}
        return self._describe(body)

    # -- StartQuery ---------------------------------------------------------------------------

    def _start(self, body: dict[str, Any], region: str) -> dict[str, Any]:
        groups = _log_groups(body)
        language = body.get("queryLanguage") or "CWLI"
        if language != "CWLI":
            raise InsightsError(
                400,
                "InvalidParameterException",
                f"the sandbox runs Logs Insights QL (CWLI) queries only, not {language}",
            )
        start, end = body.get("startTime"), body.get("endTime")
        for name, value in (("startTime", start), ("endTime", end)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise InsightsError(
                    400, "InvalidParameterException", f"{name} must be epoch seconds, not {value!r}"
                )
        assert isinstance(start, int) and isinstance(end, int)
        if end < start:
            raise InsightsError(
                400, "InvalidParameterException", "End time should not be before the start time"
            )
        limit = body.get("limit")
        if limit is not None and (
            isinstance(limit, bool)
            or not isinstance(limit, int)
            or not 1 <= limit <= MAX_START_LIMIT
        ):
            raise InsightsError(
                400,
                "InvalidParameterException",
                f"limit must be from 1 to {MAX_START_LIMIT}, not {limit!r}",
            )
        text = body.get("queryString")
        if not isinstance(text, str):
            raise InsightsError(400, "InvalidParameterException", "queryString is required")
        try:
            query = parse_query(text)
        except MalformedQuery as refused:
            raise InsightsError(
                400,
                "MalformedQueryException",
                refused.message,
                {
                    "queryCompileError": {
                        "location": {
                            "startCharOffset": refused.start,
                            "endCharOffset": refused.end,
                        },
                        "message": refused.message,
                    }
                },
            ) from None
        events = [e for group in groups for e in self._events(group, start, end, region)]
        outcome = query.run(events, account=self._account(region), limit=limit)
        stored = _Stored(
            str(uuid.uuid4()), text, groups, int(self._clock().timestamp() * 1000), outcome
        )
        with self._lock:
            self._queries[stored.query_id] = stored
        return {"queryId": stored.query_id}

    def _events(self, group: str, start: int, end: int, region: str) -> list[dict[str, Any]]:
        """Every event of `group` from `start` to `end` (epoch seconds, both included)."""
        start_ms, end_ms = start * 1000, end * 1000 + 999
        logs = self._client("logs", region)
        try:
            pages = logs.get_paginator("filter_log_events").paginate(
                logGroupName=group, startTime=start_ms, endTime=end_ms
            )
            events = [e for page in pages for e in page.get("events", [])]
        except ClientError as exc:
            error = exc.response.get("Error", {})
            if error.get("Code") == "ResourceNotFoundException":
                raise InsightsError(
                    400, "ResourceNotFoundException", f"Log group '{group}' does not exist"
                ) from None
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 400)
            raise InsightsError(
                int(status), str(error.get("Code", "")), str(error.get("Message", ""))
            ) from None
        return [
            {**e, "logGroupName": group}
            for e in events
            if start_ms <= int(e.get("timestamp", 0)) <= end_ms
        ]

    def _account(self, region: str) -> str:
        if region not in self._accounts:
            try:
                identity = self._client("sts", region).get_caller_identity()
                self._accounts[region] = str(identity["Account"])
            except ClientError:
                self._accounts[region] = "123456789012"  # moto's default account
        return self._accounts[region]

    # -- GetQueryResults, StopQuery, DescribeQueries -------------------------------------------

    def _find(self, body: dict[str, Any]) -> _Stored:
        query_id = str(body.get("queryId", ""))
        with self._lock:
            stored = self._queries.get(query_id)
        if stored is None:
            raise InsightsError(
                400, "ResourceNotFoundException", f"Query does not exist: {query_id}"
            )
        return stored

    def _results(self, body: dict[str, Any]) -> dict[str, Any]:
        stored = self._find(body)
        outcome = stored.outcome
        page = body.get("maxItems") or MAX_PAGE
        token = body.get("nextToken")
        offset = 0
        if token is not None:
            if not isinstance(token, str) or not token.isdigit():
                raise InsightsError(400, "InvalidParameterException", "The nextToken is invalid")
            offset = int(token)
        rows = outcome.results[offset : offset + int(page)]
        answer: dict[str, Any] = {
            "queryLanguage": "CWLI",
            "results": rows,
            "statistics": {
                "recordsMatched": float(outcome.records_matched),
                "recordsScanned": float(outcome.records_scanned),
                "bytesScanned": float(outcome.bytes_scanned),
            },
            "status": "Complete",
        }
        if offset + len(rows) < len(outcome.results):
            answer["nextToken"] = str(offset + len(rows))
        return answer

    def _describe(self, body: dict[str, Any]) -> dict[str, Any]:
        group = body.get("logGroupName")
        status = body.get("status")
        with self._lock:
            stored = sorted(self._queries.values(), key=lambda q: q.created_ms, reverse=True)
        queries = [
            {
                "queryLanguage": "CWLI",
                "queryId": q.query_id,
                "queryString": q.query_string,
                "status": "Complete",
                "createTime": q.created_ms,
                "logGroupName": q.groups[0],
            }
            for q in stored
            if (group is None or group in q.groups) and status in (None, "Complete")
        ]
        return {"queries": queries[: int(body.get("maxResults") or 1000)]}


def _log_groups(body: dict[str, Any]) -> list[str]:
    """The groups a StartQuery names (exactly one of its three ways), as names."""
    given = [k for k in ("logGroupName", "logGroupNames", "logGroupIdentifiers") if body.get(k)]
    if len(given) != 1:
        raise InsightsError(
            400,
            "InvalidParameterException",
            "Exactly one of logGroupName, logGroupNames or logGroupIdentifiers must be given"
            if given
            else "Query must specify either logGroupName, logGroupNames or logGroupIdentifiers",
        )
    value = body[given[0]]
    names = [value] if isinstance(value, str) else list(value)
    if not names or len(names) > MAX_LOG_GROUPS or not all(isinstance(n, str) for n in names):
        raise InsightsError(
            400,
            "InvalidParameterException",
            f"{given[0]} must name from 1 to {MAX_LOG_GROUPS} log groups",
        )
    return [_group_name(n) for n in names]


def _group_name(identifier: str) -> str:
    """A log group's name from its name or ARN (`arn:aws:logs:region:account:log-group:NAME:*`)."""
    if identifier.startswith("arn:") and ":log-group:" in identifier:
        name = identifier.split(":log-group:", 1)[1]
        return name[:-2] if name.endswith(":*") else name
    return identifier
