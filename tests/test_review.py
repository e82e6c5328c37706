"""The weekly review: its pure assembly, its sections against the sandbox, `todotui review`'s
JSON schema and exit codes, and the cockpit's review screen."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime, timedelta

import boto3
import pytest

from support import SimClock, until
from todotui.aws.session import StaticCredentials
from todotui.config import Settings
from todotui.core.cockpit import Cockpit
from todotui.core.review import SECTION_KEYS, WeeklyReview, slow_query
from todotui.reports.cost_types import CostDay, CostSeries
from todotui.reports.review import (
    SCHEMA,
    CostReview,
    Review,
    Section,
    auth_review,
    cost_review,
    review_json,
    trail_review,
)
from todotui.reports.trail_types import TrailEvent
from todotui.verbs.review import EXIT_CANNOT_TELL, EXIT_PARTIAL, EXIT_SHOWN, run_review

DAY = date(2026, 11, 20)
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


# -- pure -------------------------------------------------------------------------------------


def series(days: int, lambda_cost: float = 1.0, api_cost: float = 7.0) -> CostSeries:
    out = []
    for i in range(days):
        day = DAY - timedelta(days=days // 2) + timedelta(days=i)
        by_service = {"AWS Lambda": lambda_cost, "Amazon API Gateway": api_cost * (1 + (i >= 7))}
        if i == 9:
            del by_service["AWS Lambda"]  # no line that day: no data, never a zero
        out.append(CostDay(day, by_service, estimated=i == days - 1))
    return CostSeries("BlendedCost", tuple(out))


def test_cost_review_sums_the_week_and_compares_with_the_week_before():
    data = cost_review(series(14), DAY, 7)
    assert data.days == tuple(DAY + timedelta(days=i) for i in range(7))
    api, lam = data.services  # costliest first
    assert api.service == "Amazon API Gateway" and api.week_total == pytest.approx(98.0)
    assert api.previous_week_total == pytest.approx(49.0) and api.change_pct == pytest.approx(100)
    assert lam.daily[2] is None and lam.week_total == pytest.approx(6.0)
    assert data.daily_totals[2] == pytest.approx(14.0)
    assert data.week_total == pytest.approx(104.0)
    assert data.estimated_days == (DAY + timedelta(days=6),)


def test_without_a_week_before_the_change_is_no_data_not_zero():
    only_week = CostSeries("BlendedCost", series(14).days[7:])
    data = cost_review(only_week, DAY, 7)
    assert data.previous_week_total is None and data.change_pct is None
    assert all(s.change_pct is None for s in data.services)


def event(name: str, minutes: int, **kwargs) -> TrailEvent:
    defaults = {
        "event_id": f"{name}-{minutes}",
        "name": name,
        "source": "iam.amazonaws.com",
        "time": NOW - timedelta(minutes=minutes),
        "username": "alice",
        "access_key_id": "AKIA1",
    }
    return TrailEvent(**{**defaults, **kwargs})


def test_trail_review_keeps_what_deserves_a_look_and_folds_repeats():
    monitored = {"todo-handler": "function todo-handler"}
    events = [
        event("CreateUser", 50, request_parameters={"userName": "deploy-bot"}),
        event("CreateUser", 50, request_parameters={"userName": "deploy-bot"}),  # same id
        event("ConsoleLogin", 40, mfa_used="Yes", console_result="Success"),
        event("ConsoleLogin", 30, mfa_used="No", console_result="Success", username="bob"),
        event("PutUserPolicy", 20, request_parameters={"userName": "bob", "policyName": "x"}),
        *(
            event(
                "UpdateAlias20150331",
                m,
                source="lambda.amazonaws.com",
                resources=(("AWS::Lambda::Function", "todo-handler"),),
            )
            for m in (10, 5)
        ),
        event("CreateTable", 4, resources=(("AWS::DynamoDB::Table", "other"),)),
        event("CreateUser", 60 * 24 * 9),  # outside the window
    ]
    review = trail_review(events, monitored, NOW - timedelta(days=7), NOW)
    kinds = [(f.kind, f.event.name, f.count) for f in review.findings]
    assert kinds == [
        ("monitored resource changed", "UpdateAlias20150331", 2),
        ("IAM policy change", "PutUserPolicy", 1),
        ("console sign-in without MFA", "ConsoleLogin", 1),
        ("user created", "CreateUser", 1),
    ]
    folded = review.findings[0]
    assert folded.first == NOW - timedelta(minutes=10) and folded.event.time == NOW - timedelta(
        minutes=5
    )
    assert review.findings[0].detail == "function todo-handler"
    assert review.findings[2].event.username == "bob"


def test_auth_review_counts_failures_per_user():
    lines = [
        (1_000, json.dumps({"message": "Authentication:", "user": "m", "result": "FAILED",
                            "sourceIp": "203.0.113.7"})),
        (2_000, json.dumps({"message": "Authentication:", "user": "m", "result": "FAILED",
                            "sourceIp": "203.0.113.8"})),
        (3_000, json.dumps({"message": "Authentication:", "user": "a", "result": "FAILED"})),
        (4_000, json.dumps({"message": "Authentication:", "user": "a", "result": "SUCCEEDED"})),
        (5_000, "not json"),
    ]  # fmt: skip
    data = auth_review(lines, '{ $.result = "FAILED" }', truncated=False)
    assert [(u.user, u.failures, u.source_ips) for u in data.users] == [
        ("m", 2, ("203.0.113.7", "203.0.113.8")),
        ("a", 1, ()),
    ]
    assert data.events_read == 5
    assert data.users[0].last == datetime.fromtimestamp(2, UTC)


def test_review_json_has_the_documented_schema():
    cost = Section(
        "cost", "Cost", "Cost Explorer", ("aws ce ...",), "ok", cost_review(series(14), DAY, 7)
    )
    failed = Section("cloudtrail", "CloudTrail", "CloudTrail", ("aws ...",), "failed", error="X: y")
    out = review_json(Review(NOW - timedelta(days=7), NOW, 7, NOW, (cost, failed)))
    assert out["schema"] == SCHEMA and out["window"]["days"] == 7
    first, second = out["sections"]
    assert set(first) == {"key", "title", "source", "queries", "status", "error", "notes", "data"}
    assert first["data"]["services"][1]["daily"][2] is None
    assert set(first["data"]) >= {"days", "services", "week_total", "change_pct"}
    assert second == {
        "key": "cloudtrail",
        "title": "CloudTrail",
        "source": "CloudTrail",
        "queries": ["aws ..."],
        "status": "failed",
        "error": "X: y",
        "notes": [],
        "data": None,
    }
    json.dumps(out)  # plain JSON all the way down


# -- against the sandbox --------------------------------------------------------------------------


def sandbox_settings(sandbox, read_only: bool = False, **stack: str) -> Settings:
    return Settings().with_overrides(
        aws={"endpoint_url": sandbox.endpoint, "region": sandbox.region, "read_only": read_only},
        stack=stack,
    )


def sandbox_core(sandbox, clock, read_only: bool = False, **stack: str) -> Cockpit:
    return Cockpit(
        sandbox_settings(sandbox, read_only, **stack),
        clock=clock,
        credentials=StaticCredentials("testing", "testing"),
    )


@pytest.fixture(scope="module")
def reviewed(sandbox_tier, sandbox):
    """A week's review of the shared sandbox after an attack on sign-ins, a slow dependency and
    an operator's memory change (put back at the end)."""
    lam = boto3.client(
        "lambda",
        endpoint_url=sandbox.endpoint,
        region_name=sandbox.region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    memory = lam.get_function_configuration(FunctionName="todo-handler")["MemorySize"]
    try:
        lam.update_function_configuration(FunctionName="todo-handler", MemorySize=memory + 128)
        sandbox.set_scenario("auth-attack")
        sandbox.tick(4)
        sandbox.set_scenario("slow-dependency")
        sandbox.tick(5)
    finally:
        sandbox.set_scenario("steady")
        lam.update_function_configuration(FunctionName="todo-handler", MemorySize=memory)
    clock = SimClock(sandbox)
    yield sandbox, clock


async def review_of(sandbox, clock, **stack: str) -> Review:
    async with sandbox_core(sandbox, clock, **stack) as core:
        return await WeeklyReview(core.settings, core.clients, core.clock).run()


async def test_every_section_has_data_in_the_sandbox(reviewed):
    sandbox, clock = reviewed
    review = await review_of(sandbox, clock)
    assert [s.key for s in review.sections] == list(SECTION_KEYS)
    assert review.failed == (), [s.error for s in review.failed]

    cost = review.section("cost")
    assert cost is not None and isinstance(cost.data, CostReview)
    assert {"AWS Lambda", "Amazon API Gateway", "Amazon DynamoDB"} <= {
        s.service for s in cost.data.services
    }
    assert cost.data.week_total > 0 and cost.data.previous_week_total is not None
    assert cost.queries[0].startswith("aws ce get-cost-and-usage --region us-east-1")

    trail = review.section("cloudtrail")
    assert trail is not None
    kinds = {(f.kind, f.event.username) for f in trail.data.findings}
    assert {
        ("user created", "alice"),
        ("access key created", "alice"),
        ("IAM policy change", "bob"),
        ("console sign-in without MFA", "bob"),
        ("monitored resource changed", "todotui-operator"),
    } <= kinds
    memory_changes = [
        f
        for f in trail.data.findings
        if f.event.name.startswith("UpdateFunctionConfiguration")
        and f.event.username == "todotui-operator"
    ]
    assert memory_changes and memory_changes[0].detail == "function todo-handler"

    slow = review.section("slow_requests")
    assert slow is not None and slow.queries == (slow_query(5000, 20),)
    assert slow.data.rows, "the slow dependency's requests take over 5 s"
    durations = [r.duration_ms for r in slow.data.rows]
    assert durations == sorted(durations, reverse=True) and min(durations) > 5000
    assert all(r.request_id for r in slow.data.rows)

    auth = review.section("authentication")
    assert auth is not None
    top = auth.data.users[0]
    assert top.user == "mallory@example.com" and top.failures >= 20
    assert "203.0.113.77" in top.source_ips or "203.0.113.78" in top.source_ips


async def test_a_section_that_fails_says_why_and_the_others_still_show(reviewed):
    sandbox, clock = reviewed
    review = await review_of(sandbox, clock, log_group="/aws/lambda/no-such-function")
    failed = {s.key: s.error for s in review.failed}
    assert set(failed) == {"slow_requests", "authentication"}
    assert all("ResourceNotFoundException" in error for error in failed.values())
    assert review.section("cost").status == "ok" and review.section("cloudtrail").status == "ok"


# -- todotui review -------------------------------------------------------------------------------


async def test_the_verbs_json_follows_the_schema_and_exits_0(reviewed):
    sandbox, clock = reviewed
    out = io.StringIO()
    settings = sandbox_settings(sandbox, read_only=True)  # a review changes nothing
    core = sandbox_core(sandbox, clock, read_only=True)
    code = await run_review(settings, 7, as_json=True, out=out, core=core)
    assert code == EXIT_SHOWN
    answer = json.loads(out.getvalue())
    assert answer["schema"] == "todotui.review/1"
    assert [s["key"] for s in answer["sections"]] == list(SECTION_KEYS)
    cost = answer["sections"][0]["data"]
    assert len(cost["days"]) == 7 and all(len(s["daily"]) == 7 for s in cost["services"])
    assert isinstance(cost["week_total"], float)
    findings = answer["sections"][1]["data"]["findings"]
    assert {"kind", "event_name", "time", "username", "resources", "detail", "count"} <= set(
        findings[0]
    )
    assert answer["sections"][2]["data"]["threshold_ms"] == 5000
    assert answer["sections"][3]["data"]["users"][0]["user"] == "mallory@example.com"


async def test_the_verb_exits_1_when_a_section_failed_and_prints_the_tables(reviewed):
    sandbox, clock = reviewed
    out = io.StringIO()
    stack = {"log_group": "/aws/lambda/no-such-function"}
    code = await run_review(
        sandbox_settings(sandbox, **stack),
        7,
        as_json=False,
        out=out,
        core=sandbox_core(sandbox, clock, **stack),
    )
    assert code == EXIT_PARTIAL
    text = out.getvalue()
    assert "Cost by service" in text and "AWS Lambda" in text
    assert "Failed: ResourceNotFoundException" in text


async def test_the_verb_cannot_tell_when_the_endpoint_is_down(capsys):
    settings = Settings().with_overrides(
        aws={"endpoint_url": "http://127.0.0.1:9", "region": "us-west-2"}
    )
    out = io.StringIO()
    core = Cockpit(settings, credentials=StaticCredentials("testing", "testing"))
    code = await run_review(settings, 7, as_json=True, out=out, core=core)
    assert code == EXIT_CANNOT_TELL
    answer = json.loads(out.getvalue())
    assert answer["schema"] == SCHEMA and "127.0.0.1:9" in answer["error"]
    assert "cannot tell" in capsys.readouterr().err


def test_the_cli_cannot_tell_without_credentials(capsys):
    from todotui.cli import main

    assert main(["--region", "us-west-2", "review", "--json"]) == EXIT_CANNOT_TELL
    err = capsys.readouterr().err
    assert "cannot tell" in err and "credentials" in err


def test_the_cli_refuses_a_bad_day_count(capsys):
    from todotui.cli import main

    assert main(["--region", "us-west-2", "review", "--days", "40"]) == 2
    assert "--days 40" in capsys.readouterr().err


# -- the cockpit's screen -------------------------------------------------------------------------


async def test_w_opens_the_review_and_every_section_loads(reviewed):
    from todotui.ui.app import make_app
    from todotui.ui.screens.review import ReviewScreen, ReviewSection

    sandbox, clock = reviewed
    app = make_app(sandbox_core(sandbox, clock), demo_label="sandbox", close_core=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("p")  # no polling needed for this
        await pilot.press("W")
        await until(pilot, lambda: isinstance(app.screen, ReviewScreen), "the review screen")
        screen = app.screen
        views = list(screen.query(ReviewSection))
        assert [v.border_title for v in views] == [
            "Cost by service",
            "CloudTrail events worth a look",
            "Slowest requests",
            "Sign-in failures by user",
        ]
        await until(pilot, lambda: all(not v.loading_now for v in views), "every section")
        assert all(v.section.status == "ok" for v in views)
        body = str(views[0].query_one(".body").render())
        assert body  # the cost table drew
        await pilot.press("end")
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, ReviewScreen), "back")


async def test_closing_the_review_while_a_section_loads_keeps_its_answer_coming(reviewed):
    """Escape while Cost Explorer has not answered: its answer still lands, on the closed
    screen, and W shows the review whole with nothing sent again (a close used to cancel
    the fetch, and each W sent all ~30 requests anew, the billed one among them)."""
    from fault_proxy import FaultProxy
    from todotui.ui.app import make_app
    from todotui.ui.screens.review import ReviewScreen

    sandbox, clock = reviewed
    async with FaultProxy(int(sandbox.endpoint.rsplit(":", 1)[1])) as proxy:
        settings = sandbox_settings(sandbox).with_overrides(aws={"endpoint_url": proxy.url})
        core = Cockpit(settings, clock=clock, credentials=StaticCredentials("testing", "testing"))
        app = make_app(core, demo_label="sandbox", close_core=True)
        async with app.run_test(size=(160, 48)) as pilot:
            await pilot.press("p")  # no polling needed for this
            proxy.hold("GetCostAndUsage")
            await pilot.press("W")
            await until(pilot, lambda: proxy.sent("GetCostAndUsage") == 1, "the cost asked for")
            review = app.screen
            assert isinstance(review, ReviewScreen)
            cost = review.sections()[0]
            assert cost.key == "cost" and cost.loading_now
            await pilot.press("escape")
            await until(pilot, lambda: app.screen is not review, "the review closed")
            sent = sum(proxy.requests.values())
            proxy.release("GetCostAndUsage")
            await until(pilot, lambda: not cost.loading_now, "the cost, on the closed review")
            assert cost.section is not None and cost.section.status == "ok"
            await pilot.press("W")
            assert app.screen is review and all(not v.loading_now for v in review.sections())
            await pilot.pause(0.3)
            assert sum(proxy.requests.values()) == sent
            assert proxy.sent("GetCostAndUsage") == 1


async def test_a_section_reloading_hides_its_last_answer_and_redraws_only_a_changed_one():
    """Reopened, a section shows nothing of the last review until this one's answer lands;
    an answer equal to the one drawn shows again as drawn (its Rich table is measured and
    drawn in full by each update: tens of ms on the event loop, during the operator's keys),
    and a different one is drawn."""
    from textual.app import App
    from textual.geometry import Region
    from textual.widgets import Static

    from todotui.ui.screens.review import ReviewSection
    from todotui.ui.widgets.spinner import Spinner

    class Host(App[None]):
        def compose(self):
            yield ReviewSection("cost")

    costs = Section(
        "cost", "Cost by service", "Cost Explorer", ("aws ce get-cost-and-usage",), "ok",
        data=cost_review(series(14), DAY, 7),
    )  # fmt: skip
    app = Host()
    async with app.run_test(size=(160, 40)) as pilot:
        view = app.query_one(ReviewSection)
        body = view.query_one(".body", Static)
        updates: list[object] = []
        original = body.update
        body.update = lambda *a, **k: (updates.append(a), original(*a, **k))[1]  # type: ignore[method-assign]

        def drawn() -> str:
            return "\n".join(strip.text for strip in body.render_lines(Region(0, 0, *body.size)))

        spinner = view.query_one(Spinner)
        assert spinner.animating  # loading from the start
        view.show(costs)
        await pilot.pause()
        assert "Amazon API Gateway" in drawn() and len(updates) == 1
        assert not spinner.animating  # hidden, its timer stops too
        view.start_loading(clear=True)
        await pilot.pause()
        assert view.loading_now and not body.display  # nothing of the last review shows
        assert spinner.animating
        view.show(costs)  # fetched again, the same answer
        await pilot.pause()
        assert body.display and len(updates) == 1 and "Amazon API Gateway" in drawn()
        view.start_loading(clear=True)
        view.show(Section("cost", "Cost by service", "Cost Explorer", (), "failed", error="Nope"))
        await pilot.pause()
        assert len(updates) == 2 and "Failed: Nope" in drawn()
        assert view.has_class("-failed")
