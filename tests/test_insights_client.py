"""run_query's polling, paging and timeout. The sandbox evaluates a query at once (it is
Complete on the first poll), so a query that is still Running, or never ends, is played here
by a stand-in for AWS's logs client that answers as AWS's API reference describes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import ClientError

from todotui.aws.insights import run_query

END = datetime(2026, 1, 8, tzinfo=UTC)
START = END - timedelta(days=7)


class Logs:
    """Running for `running_polls` polls, then `final` (Complete unless said), paged by `page`."""

    def __init__(self, rows, *, running_polls=0, final="Complete", page=10_000, stop_error=None):
        self.rows = rows
        self.running_polls = running_polls
        self.final = final
        self.page = page
        self.stop_error = stop_error
        self.calls: list[tuple[str, dict]] = []

    async def start_query(self, **kwargs):
        self.calls.append(("start_query", kwargs))
        return {"queryId": "q-1"}

    async def get_query_results(self, **kwargs):
        self.calls.append(("get_query_results", kwargs))
        polls = sum(1 for c, k in self.calls if c == "get_query_results" and "nextToken" not in k)
        if polls <= self.running_polls:
            return {"status": "Running", "results": self._lines(self.rows[:1]), "statistics": {}}
        offset = int(kwargs.get("nextToken", 0))
        answer = {
            "status": self.final,
            "results": self._lines(self.rows[offset : offset + self.page]),
            "statistics": {"recordsMatched": 3.0, "recordsScanned": 10.0, "bytesScanned": 99.0},
        }
        if offset + self.page < len(self.rows):
            answer["nextToken"] = str(offset + self.page)
        return answer

    async def stop_query(self, **kwargs):
        self.calls.append(("stop_query", kwargs))
        if self.stop_error:
            raise ClientError({"Error": {"Code": self.stop_error, "Message": "no"}}, "StopQuery")
        return {"success": True}

    @staticmethod
    def _lines(rows):
        return [
            [{"field": k, "value": v} for k, v in row.items()] + [{"field": "@ptr", "value": "p"}]
            for row in rows
        ]


ROWS = [
    {"@timestamp": f"2026-01-0{i} 00:00:00.000", "@duration": str(9000 - i)} for i in range(1, 6)
]


async def test_polls_until_complete_and_follows_pages():
    logs = Logs(ROWS, running_polls=2, page=2)
    result = await run_query(logs, ["/aws/lambda/todo-handler"], "fields @duration", START, END,
                             poll_interval=0.01)  # fmt: skip
    assert result.status == "Complete" and not result.stopped
    assert result.rows == ROWS  # every page, no @ptr
    assert result.statistics is not None and result.statistics.records_scanned == 10.0
    start = logs.calls[0][1]
    assert start == {
        "logGroupNames": ["/aws/lambda/todo-handler"],
        "startTime": int(START.timestamp()),
        "endTime": int(END.timestamp()),
        "queryString": "fields @duration",
    }
    assert [c for c, _ in logs.calls].count("get_query_results") == 3 + 2  # 3 polls, 2 more pages


async def test_arns_go_as_identifiers():
    logs = Logs(ROWS)
    arn = "arn:aws:logs:us-west-2:111122223333:log-group:/aws/lambda/todo-handler"
    await run_query(logs, [arn], "fields @duration", START, END)
    assert logs.calls[0][1]["logGroupIdentifiers"] == [arn]


async def test_timeout_stops_the_query_and_keeps_what_arrived():
    logs = Logs(ROWS, running_polls=10**6)
    result = await run_query(logs, ["g"], "fields @duration", START, END,
                             poll_interval=0.01, timeout=0.05)  # fmt: skip
    assert result.status == "Timeout" and result.stopped and not result.complete
    assert ("stop_query", {"queryId": "q-1"}) in logs.calls
    assert result.rows == ROWS[:1]
    assert result.statistics is None  # AWS sent none: not zeros


async def test_a_query_that_ended_meanwhile_is_still_a_timeout_not_an_error():
    logs = Logs(ROWS, running_polls=10**6, stop_error="InvalidParameterException")
    result = await run_query(logs, ["g"], "q", START, END, poll_interval=0.01, timeout=0.03)
    assert result.stopped


@pytest.mark.parametrize("final", ["Failed", "Cancelled", "Timeout"])
async def test_ends_on_any_final_status(final):
    result = await run_query(Logs(ROWS, final=final), ["g"], "q", START, END)
    assert result.status == final and not result.stopped and not result.complete


@pytest.mark.parametrize(
    ("groups", "query", "start", "end", "words"),
    [
        ([], "q", START, END, "1 to 50"),
        (["g"] * 51, "q", START, END, "1 to 50"),
        ([""], "q", START, END, "non-empty"),
        (["g"], "  ", START, END, "empty"),
        (["g"], "x" * 10001, START, END, "10000"),
        (["g"], "q", START.replace(tzinfo=None), END, "timezone-aware"),
        (["g"], "q", END, START, "before the start"),
    ],
)
async def test_bad_input_never_reaches_aws(groups, query, start, end, words):
    logs = Logs(ROWS)
    with pytest.raises(ValueError, match=words):
        await run_query(logs, groups, query, start, end)
    assert logs.calls == []
