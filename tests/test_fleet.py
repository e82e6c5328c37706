"""The fleet: settings and ranking on hand-made figures, then a sandbox fleet of 100 functions
and 20 tables discovered by tag and by name, ranked (the members with incidents first), the
two-call limit counted at the server, and the fleet view driven with Pilot."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from botocore.validate import ParamValidationDecorator

from fault_proxy import FaultProxy
from support import SimClock, until
from todotui.aws.session import AwsClients, StaticCredentials
from todotui.config import AwsTarget, ConfigError, Settings, load_settings
from todotui.core.fleet import FleetWatch
from todotui.sandbox import DUMMY_ACCESS_KEY_ID, DUMMY_SECRET_ACCESS_KEY
from todotui.sandbox.controller import Sandbox
from todotui.telemetry.fleet import (
    Member,
    fleet_specs,
    named_members,
    rank,
    series_id,
    sparkline,
    within_budget,
)
from todotui.telemetry.model import Health

T0 = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)

# -- pure: settings, specs, ranking ---------------------------------------------------------


def test_fleet_settings_from_toml(tmp_path):
    path = tmp_path / "todotui.toml"
    path.write_text(
        '[fleet]\nfunctions = ["orders", "billing:LIVE"]\ntables = ["orders-table"]\n'
        'apis = ["orders-api"]\ntag = "team=payments"\ninclude_stack = false\n'
    )
    fleet = load_settings(path).fleet
    assert fleet.tag_filter == ("team", "payments")
    members = named_members(fleet, Settings().stack)
    assert [m.label for m in members] == [
        "orders:PROD",
        "billing:LIVE",
        "orders-table",
        "orders-api",
    ]


@pytest.mark.parametrize(
    ("toml", "says"),
    [
        ('functions = ["bad name"]', "a function name is 1-64"),
        ('functions = ["fn:7"]', "not only digits"),
        ('tables = ["x"]', "a table name is 3-255"),
        ('tag = "no-equals"', "key=value"),
        ('functions = ["a", "a:PROD"]', "named twice: a"),
        (
            "functions = [" + ", ".join(f'"f{i}"' for i in range(167)) + "]",
            "1002 GetMetricData queries a refresh; two calls hold 1000",
        ),
    ],
)
def test_bad_fleet_settings_say_why(tmp_path, toml, says):
    path = tmp_path / "todotui.toml"
    path.write_text(f"[fleet]\n{toml}\n")
    with pytest.raises(ConfigError, match="fleet") as caught:
        load_settings(path)
    assert says in str(caught.value)


def test_the_budget_keeps_members_in_order_and_says_who_is_left_out():
    members = [Member("function", f"f{i}", "PROD") for i in range(170)]
    kept, left = within_budget(members)
    assert len(kept) == 166 and [m.name for m in left] == ["f166", "f167", "f168", "f169"]
    assert len(fleet_specs(kept)) == 996


def _points(values):
    return tuple((T0 + timedelta(minutes=i), float(v)) for i, v in enumerate(values))


def test_ranking_puts_the_worst_first_and_no_data_above_healthy():
    members = (
        Member("function", "healthy", "PROD"),
        Member("function", "failing", "PROD"),
        Member("function", "silent", "PROD"),
        Member("table", "hot"),
    )
    results = {
        series_id(0, "function", "inv"): _points([100] * 5),
        series_id(0, "function", "err"): _points([0] * 5),
        series_id(0, "function", "thr"): _points([0] * 5),
        series_id(0, "function", "dur"): _points([100] * 5),
        series_id(1, "function", "inv"): _points([100] * 5),
        series_id(1, "function", "err"): _points([0, 0, 20, 30, 40]),
        series_id(1, "function", "thr"): _points([0] * 5),
        series_id(1, "function", "dur"): _points([100] * 5),
        series_id(3, "table", "rcu"): _points([540] * 5),  # 9/s of 10: 90%
        series_id(3, "table", "prcu"): _points([10] * 5),
        series_id(3, "table", "rthr"): _points([0] * 5),
    }
    rows = rank(members, results, Settings().thresholds, 60)
    assert [(r.member.name, r.health) for r in rows] == [
        ("failing", Health.CRIT),
        ("hot", Health.WARN),
        ("silent", Health.UNKNOWN),
        ("healthy", Health.OK),
    ]
    failing = rows[0]
    assert failing.figures["error_pct"] == pytest.approx(30.0)
    assert failing.reasons == ("errors 30% ≥ 5%",)
    assert failing.spark == (0, 0, 20, 30, 40)  # the series behind the reason
    assert rows[2].reasons == ("no data",) and rows[2].figures["invocations"] is None


def test_sparkline_scales_to_the_row_and_keeps_gaps():
    assert sparkline([0, 4, None, 8]) == "▁▄ █"
    assert sparkline([0, 0]) == "▁▁"
    assert sparkline([]) == ""


# -- the sandbox fleet ------------------------------------------------------------------------

INCIDENT_MEMBERS = {"fleet-fn-007", "fleet-fn-023", "fleet-fn-042", "fleet-table-03"}


@pytest.fixture(scope="module")
def fleet_sandbox(sandbox_tier):
    with Sandbox(manual=True, period=60, seed=3, backfill=0, fleet=100) as running:
        SimClock(running).tick(6)
        yield running


def clients_for(endpoint: str, region: str) -> AwsClients:
    return AwsClients(
        AwsTarget(endpoint_url=endpoint, region=region),
        credentials=StaticCredentials(DUMMY_ACCESS_KEY_ID, DUMMY_SECRET_ACCESS_KEY),
    )


def fleet_settings(**fleet) -> Settings:
    return Settings().with_overrides(fleet=fleet, cadence={"period_seconds": 60})


async def test_the_sandbox_fleet_is_discovered_by_tag_and_ranked(fleet_sandbox):
    status = fleet_sandbox.status()
    assert set(status["fleet"]["incidents"]) == INCIDENT_MEMBERS
    settings = fleet_settings(tag="fleet=sandbox", include_stack=False)
    async with clients_for(fleet_sandbox.endpoint, fleet_sandbox.region) as clients:
        watch = FleetWatch(settings, clients, SimClock(fleet_sandbox))
        result = await watch.refresh()
        assert clients.requests["resource-groups-tagging-api.GetResources"] == 2  # 120, 100 a page
    kinds = [m.kind for m in watch.members]
    assert kinds.count("function") == 100 and kinds.count("table") == 20
    assert {m.alias for m in watch.members if m.kind == "function"} == {"PROD"}
    assert result.error is None and result.notes == ()
    assert (result.calls, result.metrics) == (2, 720)
    top = result.rows[:4]
    assert {r.member.name for r in top} == INCIDENT_MEMBERS
    assert all(r.health is Health.CRIT for r in top), [(r.member.name, r.reasons) for r in top]
    assert all(r.health is not Health.CRIT for r in result.rows[4:])
    why = {r.member.name: " ".join(r.reasons) for r in top}
    assert "errors" in why["fleet-fn-007"] and "throttles" in why["fleet-fn-023"]
    assert "avg" in why["fleet-fn-042"] and "read" in why["fleet-table-03"]
    healthy = next(r for r in result.rows if r.member.name == "fleet-fn-000")
    assert healthy.figures["invocations"] and len(healthy.spark) == 6


async def test_named_members_with_the_stack_in_one_call(fleet_sandbox):
    settings = fleet_settings(
        functions=["fleet-fn-042:PROD", "fleet-fn-001"], tables=["fleet-table-01"]
    )
    async with clients_for(fleet_sandbox.endpoint, fleet_sandbox.region) as clients:
        result = await FleetWatch(settings, clients, SimClock(fleet_sandbox)).refresh()
        assert "resource-groups-tagging-api.GetResources" not in clients.requests
    labels = [r.member.label for r in result.rows]
    assert labels[0] == "fleet-fn-042:PROD"  # its latency incident
    assert set(labels) == {
        "fleet-fn-042:PROD", "fleet-fn-001:PROD", "fleet-table-01",
        "todo-handler:PROD", "todos-table", "todo-api",
    }  # fmt: skip
    assert (result.calls, result.metrics) == (1, 3 * 6 + 2 * 6 + 3)
    stack_fn = next(r for r in result.rows if r.member.name == "todo-handler")
    assert stack_fn.health is Health.OK and stack_fn.figures["invocations"]


async def test_two_get_metric_data_calls_reach_the_server_for_the_whole_fleet(fleet_sandbox):
    port = urlsplit(fleet_sandbox.endpoint).port
    settings = fleet_settings(tag="fleet=sandbox")  # 100 functions, 21 tables, the stack's API
    async with FaultProxy(port) as proxy, clients_for(proxy.url, fleet_sandbox.region) as clients:
        watch = FleetWatch(settings, clients, SimClock(fleet_sandbox))
        await watch.discover()
        before = proxy.sent("GetMetricData")
        result = await watch.refresh()
        again = await watch.refresh()
    assert len(watch.members) == 123
    assert proxy.sent("GetMetricData") - before == 4  # two a refresh, two refreshes
    assert result.calls == again.calls == 2 and result.metrics == 123 * 6 - 3
    assert result.usd_per_hour == pytest.approx(735 * 120 * 0.01 / 1000)
    # They went through the bulk client (blocking, in a thread; botocore's client-side check
    # skipped for queries built by code); counted with the others; every other client keeps
    # the check.
    assert clients.requests["cloudwatch.GetMetricData"] == 4

    def checks(client) -> bool:  # botocore wraps its serializer in the check when it is on
        return isinstance(client._serializer, ParamValidationDecorator)

    async with clients_for(fleet_sandbox.endpoint, fleet_sandbox.region) as fresh:
        assert not checks(await fresh.bulk_read_client("cloudwatch"))
        assert checks(await fresh.client("cloudwatch"))
        assert checks(await fresh.mutation_client("lambda"))
        # and a guard on every client (read-only, replay) covers the bulk one too
        refused: list[str] = []

        def refuse(model=None, **_):
            refused.append(model.name)
            raise RuntimeError("refused before sending")

        fresh.on_every_client("before-call", refuse)
        bulk = await fresh.bulk_read_client("cloudwatch")
        with pytest.raises(RuntimeError, match="refused before sending"):
            await asyncio.to_thread(bulk.list_metrics)
        assert refused == ["ListMetrics"]


async def test_a_refused_discovery_is_a_note_and_the_named_members_still_refresh(fleet_sandbox):
    port = urlsplit(fleet_sandbox.endpoint).port
    settings = fleet_settings(tag="fleet=sandbox", include_stack=False, functions=["fleet-fn-007"])
    async with FaultProxy(port) as proxy:
        proxy.throttle("GetResources")
        async with clients_for(proxy.url, fleet_sandbox.region) as clients:
            result = await FleetWatch(settings, clients, SimClock(fleet_sandbox)).refresh()
    assert [r.member.name for r in result.rows] == ["fleet-fn-007"]
    assert len(result.notes) == 1 and "discovery by tag fleet=sandbox failed" in result.notes[0]


# -- the fleet view ---------------------------------------------------------------------------


async def test_the_fleet_view_ranks_and_enter_opens_the_worst_member(fleet_sandbox):
    from textual.widgets import DataTable

    from todotui.core.cockpit import Cockpit
    from todotui.ui.app import make_app
    from todotui.ui.screens.fleet import FleetScreen, MemberScreen
    from todotui.ui.widgets import MetricPane

    settings = Settings().with_overrides(
        aws={"endpoint_url": fleet_sandbox.endpoint, "region": fleet_sandbox.region},
        cadence={"period_seconds": 60, "refresh_seconds": 600},
        fleet={"tag": "fleet=sandbox"},
    )
    clock = SimClock(fleet_sandbox)
    core = Cockpit(
        settings,
        clock=clock,
        credentials=StaticCredentials(DUMMY_ACCESS_KEY_ID, DUMMY_SECRET_ACCESS_KEY),
    )
    app = make_app(core, demo_label="sandbox", close_core=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.refreshes >= 1, "the dashboard's first refresh")
        await pilot.press("F")
        await until(pilot, lambda: isinstance(app.screen, FleetScreen), "the fleet view")
        fleet = app.screen
        assert isinstance(fleet, FleetScreen)
        await until(pilot, lambda: fleet.refreshes >= 1, "the fleet's first refresh")
        table = fleet.query_one(DataTable)
        assert table.row_count == 123
        top = [str(table.get_row_at(i)[2]) for i in range(4)]
        assert {name.split(":")[0] for name in top} == INCIDENT_MEMBERS
        assert "2 GetMetricData calls, 735 metrics" in str(
            fleet.query_one("#fleet-summary").render()
        )
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, MemberScreen), "the member's panes")
        member = app.screen
        assert isinstance(member, MemberScreen) and member.member.label == top[0]
        await until(pilot, lambda: member.refreshes >= 1, "the member's first refresh")
        assert all(p.snapshot is not None for p in member.query(MetricPane))
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is fleet, "back to the fleet")
        await pilot.press("down", "down")
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, FleetScreen), "the dashboard")
        # Opened again at once: the same view, the last ranking from the top, and no read
        # (nothing newer to read: the same periods would be sent for again).
        drawn, reads = fleet.refreshes, core.fleet.last
        await pilot.press("F")
        await until(pilot, lambda: app.screen is fleet, "the fleet view again")
        assert table.row_count == 123 and table.cursor_row == 0
        assert str(table.get_row_at(0)[2]) == top[0]
        await pilot.pause(0.3)
        assert fleet.refreshes == drawn and core.fleet.last is reads
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, FleetScreen), "the dashboard")
        # A period later: opened again, the last ranking at once, then a new read. (Only the
        # cockpit's clock moves: the module's sandbox is shared, its time is not ours to move.)
        clock.advance(60)
        await pilot.press("F")
        await until(pilot, lambda: app.screen is fleet, "the fleet view a period later")
        assert str(table.get_row_at(0)[2]) == top[0]
        await until(pilot, lambda: fleet.refreshes > drawn, "the fleet read again")
        assert core.fleet.last is not reads


def fast_and_moto(sandbox, queries, expression):
    """The sandbox's answer to `queries` over its last ten simulated minutes twice: as asked
    (its one-pass path) and with a metric math `expression` added (which moto answers), each
    as {id: (timestamps, values)} without the expression's own result."""
    cloudwatch = sandbox.client("cloudwatch")
    end = datetime.fromisoformat(sandbox.status()["sim_time"])
    window = {"StartTime": end - timedelta(minutes=10), "EndTime": end}

    def answer(extra):
        results = cloudwatch.get_metric_data(MetricDataQueries=queries + extra, **window)
        return {
            r["Id"]: (r["Timestamps"], r["Values"])
            for r in results["MetricDataResults"]
            if r["Id"] != "e1"  # moto returns an expression whatever its ReturnData
        }

    return answer([]), answer([{"Id": "e1", "Expression": expression, "ReturnData": False}])


def test_the_sandbox_answers_fleet_queries_as_moto_does(fleet_sandbox):
    """The sandbox's one-pass GetMetricData (sandbox/fast_metrics.py) against moto's own: the
    same queries with a metric math expression added take moto's path; values must agree."""
    members = [Member("function", f"fleet-fn-{i:03d}", "PROD") for i in (0, 7, 23, 42)]
    members.append(Member("table", "fleet-table-03"))
    queries = [spec.query(60) for spec in fleet_specs(members)]
    fast, moto = fast_and_moto(fleet_sandbox, queries, "m0_inv * 2")
    assert set(fast) == set(moto) == {q["Id"] for q in queries}
    assert fast == moto
    assert all(len(points[1]) == 6 for points in fast.values())  # six simulated minutes


def test_the_sandbox_answers_the_dashboards_queries_as_moto_does(fleet_sandbox):
    """Beside a fleet the dashboard's own request takes the one-pass path too (moto's scan of
    every fleet datapoint per query and period outlasts a client's timeout): its several-
    dimension queries (per operation, per version) and a query with no
    dimensions (moto takes the metric over every dimension) agree with moto's answer."""
    from todotui.stack_names import StackNames
    from todotui.telemetry.catalogue import LAMBDA, catalogue, version_specs

    stack = StackNames()
    specs = (*catalogue(stack), *version_specs(stack, "1"))
    queries = [spec.query(60) for spec in specs]
    queries.append(
        {
            "Id": "m_account_concurrency",
            "MetricStat": {
                "Metric": {"Namespace": LAMBDA, "MetricName": "ConcurrentExecutions"},
                "Period": 60,
                "Stat": "Maximum",
            },
        }
    )
    fast, moto = fast_and_moto(fleet_sandbox, queries, "m_account_concurrency * 2")
    assert set(fast) == set(moto) == {q["Id"] for q in queries}
    assert fast == moto
    assert all(len(fast[s.id][1]) == 6 for s in specs if not s.id.startswith("ver"))
    assert len(fast["m_account_concurrency"][1]) == 6


async def test_the_fleet_cost_joins_the_meter_and_falls_away_once_the_view_is_closed(
    fleet_sandbox,
):
    """The fleet's GetMetricData metrics, per minute over the meter's five minutes: one
    refresh priced at the fleet's cadence (30 s: 735 metrics twice a minute), a second a
    cadence later the same, and nothing once five minutes pass without one."""
    from todotui.core.monitor import CostMeter

    settings = fleet_settings(tag="fleet=sandbox")
    clock = SimClock(fleet_sandbox)
    async with clients_for(fleet_sandbox.endpoint, fleet_sandbox.region) as clients:
        watch = FleetWatch(settings, clients, clock)
        assert watch.cost() == CostMeter(0.0, 0.0, 0.0)
        await watch.refresh()
        first = watch.cost()
        assert first.metrics_per_minute == pytest.approx(735 * 2)
        assert first.requests_per_minute == pytest.approx(2 * 2)
        assert first.usd_per_hour == pytest.approx(735 * 120 * 0.01 / 1000)
        clock.now += timedelta(seconds=30)
        await watch.refresh()
        assert watch.cost().metrics_per_minute == pytest.approx(735 * 2)
        clock.now += timedelta(minutes=2)  # the view closed: the rate falls
        assert watch.cost().metrics_per_minute == pytest.approx(735 / 2.5)
        clock.now += timedelta(minutes=4)
        assert watch.cost() == CostMeter(0.0, 0.0, 0.0)
    dashboard = CostMeter(10.0, 40.0, 0.024)
    both = dashboard.plus(first)
    assert both.metrics_per_minute == pytest.approx(40 + 735 * 2)
    assert both.usd_per_hour == pytest.approx(0.024 + first.usd_per_hour)
