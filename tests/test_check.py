"""`todotui check`: the judgement on hand-made figures, then the whole check on a sandbox with
its hourly history (steady healthy, spike degraded, endpoint down and missing data: cannot
tell), its JSON schema, one GetMetricData counted at the server, and the cockpit's `c`."""

from __future__ import annotations

import io
import json
import socket
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from textual.widgets import DataTable

from fault_proxy import FaultProxy
from support import SimClock, until
from todotui.aws.session import AwsClients, StaticCredentials
from todotui.cli import main
from todotui.config import AwsTarget, Settings, StackNames
from todotui.core.check import run_check
from todotui.reports.check import (
    SCHEMA_VERSION,
    CheckReport,
    SeriesPoints,
    SinceError,
    Status,
    Verdict,
    Window,
    parse_since,
    plan_check,
    window_value,
)
from todotui.sandbox import DUMMY_ACCESS_KEY_ID, DUMMY_SECRET_ACCESS_KEY
from todotui.sandbox.controller import Sandbox
from todotui.verbs.check import write_report

DAY = 86400
NOW = datetime(2026, 3, 4, 9, 30, 20, tzinfo=UTC)

# -- pure: windows, buckets, --since ----------------------------------------------------------


def test_since_accepts_windows_that_divide_a_day_or_whole_days():
    assert parse_since("30m") == 1800
    assert parse_since("24h") == DAY
    assert parse_since("7d") == 7 * DAY
    assert parse_since("1H") == 3600
    for bad in ("7m", "5m", "90 s", "2w", "8d", "25h", "5h", "", "abc", "0h"):
        with pytest.raises(SinceError, match="--since"):
            parse_since(bad)


def test_the_three_windows_are_whole_buckets_of_one_span():
    plan = plan_check(StackNames(), since_seconds=DAY, now=NOW, percentiles=True)
    end = NOW.replace(second=0)
    assert plan.end == end and plan.now == Window(end - timedelta(days=1), end)
    assert plan.day_before == Window(end - timedelta(days=2), end - timedelta(days=1))
    assert plan.week_before == Window(end - timedelta(days=8), end - timedelta(days=7))
    assert plan.start == plan.week_before.start and plan.period_seconds == DAY
    assert plan.buckets == 8
    assert any(s.stat == "p99" for s in plan.specs)
    week = plan_check(StackNames(), since_seconds=7 * DAY, now=NOW, percentiles=True)
    assert week.period_seconds == DAY and week.buckets == 14
    assert not week.percentiles  # daily p99s do not add up to a weekly one
    assert not any(s.stat == "p99" for s in week.specs)


def test_window_values_add_up_what_adds_up():
    w = Window(NOW, NOW + timedelta(days=2))
    points = SeriesPoints(
        ((NOW, 10.0), (NOW + timedelta(days=1), 30.0), (NOW - timedelta(days=1), 99.0))
    )
    assert window_value(points, w, "Sum") == 40.0
    assert window_value(points, w, "Maximum") == 30.0
    assert window_value(points, w, "Average") == 20.0
    assert window_value(points, w, "p99") is None  # two buckets: no honest percentile
    assert window_value(SeriesPoints(()), w, "Sum") is None  # nothing came back: no data, not 0


def test_the_cli_refuses_a_bad_since_before_any_call(capsys):
    assert main(["--endpoint-url", "http://127.0.0.1:9", "check", "--since", "7m"]) == 2
    err = capsys.readouterr().err
    assert "--since 7m" in err and "divides a day" in err


# -- on the sandbox -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def history_sandbox(sandbox_tier):
    with Sandbox(manual=True, period=60, seed=7, backfill=0, history_days=9) as running:
        yield running


def clients_for(endpoint: str, region: str) -> AwsClients:
    return AwsClients(
        AwsTarget(endpoint_url=endpoint, region=region),
        credentials=StaticCredentials(DUMMY_ACCESS_KEY_ID, DUMMY_SECRET_ACCESS_KEY),
    )


async def check(
    sb, now: datetime, *, endpoint: str | None = None, stack: StackNames | None = None
) -> CheckReport:
    settings = Settings(stack=stack or StackNames())
    async with clients_for(endpoint or sb.endpoint, sb.region) as clients:
        return await run_check(clients, settings, since_seconds=DAY, now=now)


async def test_steady_is_healthy_with_a_day_and_a_week_before(history_sandbox):
    clock = SimClock(history_sandbox)
    clock.tick(5)
    report = await check(history_sandbox, clock.now)
    assert report.verdict is Verdict.HEALTHY, report.summary
    assert report.exit_code == 0
    lines = {line.key: line for line in report.lines}
    for key in ("invocations", "api_requests", "error_rate", "avg_latency", "read_capacity"):
        line = lines[key]
        assert line.status is Status.OK and line.value is not None and line.value > 0
        assert line.day_before is not None and line.week_before is not None
    assert lines["lambda_throttles"].value == 0  # published zeros, not missing data
    # The hours between the hourly history and the start are there too (minutes, not a gap):
    # only the window's first, partial hour is missing (hourly datapoints are stamped at :00).
    invocations = lines["invocations"]
    assert invocations.value is not None and invocations.day_before is not None
    assert invocations.value >= 0.93 * invocations.day_before
    p99 = lines["p99_latency"]  # moto serves no percentiles: said, not guessed, not judged
    assert p99.status is Status.NO_DATA and not p99.judged and "percentiles" in p99.reason
    assert [a.state for a in report.alarms] == ["OK", "OK", "OK"]
    assert report.requests == {
        "cloudwatch.DescribeAlarms": 1,
        "cloudwatch.GetMetricData": 1,
        "dynamodb.DescribeTable": 1,
    }


async def test_a_day_earlier_is_the_hourly_history_the_sandbox_published(history_sandbox):
    """The -1 d window lies wholly in the start-up history: each of its 24 hours is one hourly
    datapoint, read back with GetMetricStatistics (a different path through moto; Lambda's
    series only, since moto's GetMetricStatistics also matches ApiName+Stage for ApiName)."""
    clock = SimClock(history_sandbox)
    report = await check(history_sandbox, clock.now)
    cloudwatch = history_sandbox.client("cloudwatch")
    for line_key, metric, namespace, dims in (
        (
            "invocations",
            "Invocations",
            "AWS/Lambda",
            [{"Name": "FunctionName", "Value": "todo-handler"}],
        ),
        ("errors", "Errors", "AWS/Lambda", [{"Name": "FunctionName", "Value": "todo-handler"}]),
    ):
        for window, attribute in (
            (report.plan.day_before, "day_before"),
            (report.plan.week_before, "week_before"),
        ):
            points = cloudwatch.get_metric_statistics(
                Namespace=namespace,
                MetricName=metric,
                Dimensions=dims,
                StartTime=window.start,
                EndTime=window.end,
                Period=3600,
                Statistics=["Sum"],
            )["Datapoints"]
            hourly = [p for p in points if p["Timestamp"].minute == 0]
            assert len(hourly) == len(points) == 24  # one per hour, nothing finer
            published = sum(p["Sum"] for p in points)
            line = next(line for line in report.lines if line.key == line_key)
            assert getattr(line, attribute) == pytest.approx(published)
            if line_key == "invocations":  # the daily shape, not a constant
                assert max(p["Sum"] for p in points) > 1.3 * min(p["Sum"] for p in points)


async def test_exactly_one_get_metric_data_reaches_the_server(history_sandbox):
    port = urlsplit(history_sandbox.endpoint).port
    async with FaultProxy(port) as proxy:
        report = await check(history_sandbox, SimClock(history_sandbox).now, endpoint=proxy.url)
    assert proxy.sent("GetMetricData") == 1
    assert report.requests["cloudwatch.GetMetricData"] == 1
    assert sum(proxy.requests.values()) == report.requests_total == 3


async def test_the_json_schema(history_sandbox):
    report = await check(history_sandbox, SimClock(history_sandbox).now)
    out = io.StringIO()
    write_report(report, out, as_json=True)
    doc = json.loads(out.getvalue())
    assert doc["schema_version"] == SCHEMA_VERSION == 1
    assert doc["verdict"] in ("healthy", "degraded", "unknown")
    assert doc["exit_code"] == {"healthy": 0, "degraded": 1, "unknown": 2}[doc["verdict"]]
    assert isinstance(doc["summary"], str) and isinstance(doc["target"], str)
    datetime.fromisoformat(doc["generated_at"])
    assert doc["since_seconds"] == DAY
    assert set(doc["windows"]) == {"now", "day_before", "week_before"}
    for window in doc["windows"].values():
        assert datetime.fromisoformat(window["end"]) > datetime.fromisoformat(window["start"])
    line_keys = {
        "key": str,
        "name": str,
        "unit": str,
        "threshold_text": str,
        "status": str,
        "judged": bool,
        "reason": str,
        "source": str,
    }
    numbers = (
        "value",
        "threshold",
        "day_before",
        "week_before",
        "change_day_pct",
        "change_week_pct",
    )
    for line in doc["lines"]:
        assert set(line) == set(line_keys) | set(numbers)
        for key, kind in line_keys.items():
            assert isinstance(line[key], kind), key
        for key in numbers:
            assert line[key] is None or isinstance(line[key], int | float), key
        assert line["status"] in ("ok", "breached", "no-data")
    assert {line["key"] for line in doc["lines"]} >= {
        "invocations",
        "api_requests",
        "errors",
        "error_rate",
        "api_5xx_rate",
        "p99_latency",
        "avg_latency",
        "lambda_throttles",
        "ddb_throttles",
        "read_capacity",
        "write_capacity",
    }
    for alarm in doc["alarms"]:
        assert set(alarm) == {"name", "state", "status", "reason", "updated"}
    assert doc["requests"]["by_operation"]["cloudwatch.GetMetricData"] == 1
    assert doc["requests"]["total"] == sum(doc["requests"]["by_operation"].values())
    assert isinstance(doc["metrics_requested"], int) and isinstance(doc["problems"], list)


async def test_endpoint_down_cannot_tell(history_sandbox):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    report = await check(history_sandbox, SimClock(history_sandbox).now, endpoint=closed)
    assert report.verdict is Verdict.UNKNOWN and report.exit_code == 2
    assert report.summary.startswith("cannot tell")
    assert all(line.value is None for line in report.lines)
    assert all(line.status is Status.NO_DATA for line in report.lines)
    assert any("GetMetricData" in p for p in report.problems)


async def test_a_report_stands_for_a_new_check_until_its_minute_ends(history_sandbox):
    """What lets the cockpit's `c` show the last report again instead of sending a check:
    the same minute, younger than the cadence, and nothing went wrong."""
    at = SimClock(history_sandbox).now.replace(second=10, microsecond=0)
    report = await check(history_sandbox, at)
    assert report.current_at(at + timedelta(seconds=45), 60)  # the same minute
    assert not report.current_at(at + timedelta(seconds=50), 60)  # a new minute: new windows
    assert not report.current_at(at + timedelta(seconds=30), 20)  # the cadence came round
    stack = StackNames(function_name="nobody-home", api_name="no-such-api", table_name="no-table")
    failed = await check(history_sandbox, at, stack=stack)
    assert failed.problems and not failed.current_at(at, 60)  # a problem: ask again


async def test_missing_data_cannot_tell(history_sandbox):
    stack = StackNames(function_name="nobody-home", api_name="no-such-api", table_name="no-table")
    report = await check(history_sandbox, SimClock(history_sandbox).now, stack=stack)
    assert report.exit_code == 2
    lines = {line.key: line for line in report.lines}
    assert lines["invocations"].value is None and lines["invocations"].status is Status.NO_DATA
    assert lines["error_rate"].value is None  # no data is never a 0% error rate
    assert any("DescribeTable" in p for p in report.problems)


async def test_the_check_screen_opens_from_the_dashboard(history_sandbox):
    from todotui.core.cockpit import Cockpit
    from todotui.ui.app import make_app
    from todotui.ui.screens.check import CheckScreen

    clock = SimClock(history_sandbox)
    settings = Settings().with_overrides(
        aws={"endpoint_url": history_sandbox.endpoint, "region": history_sandbox.region},
        cadence={"period_seconds": 60, "refresh_seconds": 600, "window_seconds": 900},
    )
    credentials = StaticCredentials(DUMMY_ACCESS_KEY_ID, DUMMY_SECRET_ACCESS_KEY)
    core = Cockpit(settings, clock=clock, credentials=credentials)
    app = make_app(core, demo_label="sandbox", close_core=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.refreshes >= 1, "the first refresh")
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, CheckScreen), "the check screen")
        screen = app.screen
        assert isinstance(screen, CheckScreen)
        await until(pilot, lambda: screen.report is not None, "the check's figures")
        assert screen.report is not None and screen.report.verdict is Verdict.HEALTHY
        table = screen.query_one("#check-figures")
        assert table.row_count == len(screen.report.lines)
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, CheckScreen), "the dashboard")


async def test_closed_while_checking_the_answer_still_lands_and_c_sends_nothing_again(
    history_sandbox,
):
    """Escape before the check answers: it goes on, and `c` while it is still out shows it
    coming, with no second check sent; its answer is drawn when it lands. `c` within the
    same minute shows that report; `r` runs it again; a minute on, `c` does."""
    from todotui.core.cockpit import Cockpit
    from todotui.ui.app import make_app
    from todotui.ui.screens.check import CheckScreen

    port = int(history_sandbox.endpoint.rsplit(":", 1)[1])
    async with FaultProxy(port) as proxy:
        settings = Settings().with_overrides(
            aws={"endpoint_url": proxy.url, "region": history_sandbox.region},
            cadence={"period_seconds": 60, "refresh_seconds": 600, "window_seconds": 900},
        )
        credentials = StaticCredentials(DUMMY_ACCESS_KEY_ID, DUMMY_SECRET_ACCESS_KEY)
        core = Cockpit(settings, clock=SimClock(history_sandbox), credentials=credentials)
        app = make_app(core, demo_label="sandbox", close_core=True)
        async with app.run_test(size=(160, 48)) as pilot:
            await until(pilot, lambda: app.refreshes >= 1, "the first refresh")
            await pilot.press("p")  # the dashboard's own GetMetricData calls stop
            before = proxy.sent("GetMetricData")
            proxy.hold("GetMetricData")
            await pilot.press("c")
            await until(pilot, lambda: proxy.sent("GetMetricData") == before + 1, "the check")
            screen = app.screen
            assert isinstance(screen, CheckScreen)
            await pilot.press("escape")
            await until(pilot, lambda: app.screen is not screen, "the dashboard")
            await pilot.press("c")
            assert app.screen is screen and screen.report is None
            assert screen.query_one("#check-loading").display  # still checking, and says so
            proxy.release("GetMetricData")
            await until(pilot, lambda: screen.report is not None, "the check's figures")
            assert proxy.sent("GetMetricData") == before + 1
            table = screen.query_one("#check-figures", DataTable)
            assert table.row_count == len(screen.report.lines)  # type: ignore[union-attr]
            assert not screen.query_one("#check-loading").display
            first = screen.report
            # At once again: a check now would say the same (the same minute, within the
            # cockpit's cadence), so this one shows as it is, nothing sent.
            await pilot.press("escape")
            await until(pilot, lambda: app.screen is not screen, "the dashboard")
            await pilot.press("c")
            await pilot.pause(0.2)
            assert app.screen is screen and screen.report is first and table.display
            assert proxy.sent("GetMetricData") == before + 1
            # r runs it again; its equal figures come back as drawn (a rebuilt table is
            # laid out anew).
            cleared: list[object] = []
            original = table.clear
            table.clear = lambda *a, **k: (cleared.append(a), original(*a, **k))[1]  # type: ignore[method-assign]
            await pilot.press("r")
            await until(pilot, lambda: screen.report is not first, "the check run again")
            assert proxy.sent("GetMetricData") == before + 2 and cleared == []
            assert table.display and table.row_count == len(screen.report.lines)  # type: ignore[union-attr]
            # A minute on, c runs it again, and nothing of the last one shows while it runs.
            await pilot.press("escape")
            await until(pilot, lambda: app.screen is not screen, "the dashboard")
            core.clock.advance(60)  # type: ignore[attr-defined]
            proxy.hold("GetMetricData")
            await pilot.press("c")
            await until(pilot, lambda: proxy.sent("GetMetricData") == before + 3, "a new minute")
            assert screen.report is None and not table.display
            proxy.release("GetMetricData")
            await until(pilot, lambda: screen.report is not None, "the new minute's figures")
            assert table.display


def test_the_command_prints_json_and_exits_with_the_verdict(history_sandbox, monkeypatch, capsys):
    """`todotui check --json` as a user runs it (the wall clock: the history covers it)."""
    for name, value in history_sandbox.env.items():
        monkeypatch.setenv(name, value)
    code = main(["check", "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == doc["exit_code"] == 0, doc["summary"]
    assert doc["requests"]["by_operation"]["cloudwatch.GetMetricData"] == 1


async def test_spike_is_degraded(history_sandbox):
    """Last: it leaves the module's sandbox in the spike (and its alarms in ALARM)."""
    clock = SimClock(history_sandbox)
    history_sandbox.set_scenario("spike")
    clock.tick(12)
    report = await check(history_sandbox, clock.now)
    assert report.verdict is Verdict.DEGRADED, report.summary
    assert report.exit_code == 1
    breached = {line.key for line in report.lines if line.status is Status.BREACHED}
    breached |= {a.name for a in report.alarms if a.status is Status.BREACHED}
    assert breached, report.summary
    assert report.summary.startswith("degraded: ")


# -- the sandbox's long history: roll-up without double counts ------------------------------------


@pytest.mark.parametrize(("period", "retention_hours"), [(60, 3), (5, 1)])
def test_each_hour_rolls_up_once_after_its_minutes_are_gone(period, retention_hours):
    """Fine datapoints are counted into their hour; the hour is published only once every one
    of them is older than the prune boundary, and never stamped inside the cockpit's 3 h."""
    from todotui.sandbox import history as h
    from todotui.sandbox.model import Stat

    start = datetime(2026, 5, 1, 10, 17, tzinfo=UTC)
    long = h.LongHistory(f"acct-{period}", "xx-test-1", start=start)
    retention = timedelta(hours=retention_hours)
    dims = (("FunctionName", "fn"),)
    fine: dict[datetime, float] = {}
    rolled: list = []
    at = start
    while at < start + timedelta(hours=9):
        long.note("AWS/Lambda", "Invocations", dims, at, Stat(1, 10.0, 10, 10), "Count")
        hour = h.align_down(at, 3600)
        fine[hour] = fine.get(hour, 0.0) + 10.0
        at += timedelta(seconds=period)
        before = long.fine_before(at, retention)
        assert before <= at - timedelta(hours=retention_hours)  # the retention is kept
        count = long.roll_up(at, before)
        if count:
            new = h._STORES[(f"acct-{period}", "xx-test-1")][-count:]
            for datum in new:
                stamp = datum.timestamp.replace(tzinfo=UTC)
                assert stamp + timedelta(hours=1) <= before  # its minutes are all pruned
                assert stamp <= at - h.CLEARANCE  # outside every pane's window
                rolled.append((stamp, datum.sum))
    stamps = [stamp for stamp, _ in rolled]
    assert len(stamps) == len(set(stamps)) >= 3  # each hour once
    for stamp, total in rolled:
        assert total == fine[stamp]  # the hour's minutes, all of them, once
    assert stamps[0] == h.align_down(start, 3600)  # the first hour with minutes in it
    assert h.history_end(start) <= stamps[0]  # after the start-up history: no overlap
