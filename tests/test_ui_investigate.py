"""The investigations, driven as an operator would: feed -> alert detail -> l, t, u, s.

The app runs on a sandbox of its own (seeded), on its simulated clock; every screen's data
comes from the core's Investigator through the real clients.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, Label, Static

from support import SimClock, until
from todotui.actions import Journal
from todotui.alerts.model import AlertSource
from todotui.config import Settings
from todotui.core.cockpit import Cockpit
from todotui.sandbox.controller import Sandbox
from todotui.sandbox.provision import TEST_PASSWORD
from todotui.ui.app import make_app
from todotui.ui.screens import AlertDetailScreen
from todotui.ui.screens.investigate import (
    LogLinesScreen,
    SignInTestScreen,
    TracesScreen,
    UserActivityScreen,
)
from todotui.ui.widgets import AlertFeedView

pytestmark = pytest.mark.sandbox


@pytest.fixture(scope="module")
def box(sandbox_tier):
    with Sandbox(manual=True, period=60, seed=5, backfill=0) as running:
        yield running


@pytest.fixture(autouse=True)
def _credentials(box, monkeypatch):
    for name, value in box.env.items():
        monkeypatch.setenv(name, value)


def app_on(box: Sandbox, clock: SimClock, tmp_path: Path, **aws):
    settings = Settings().with_overrides(
        aws={"endpoint_url": box.endpoint, "region": box.region, **aws},
        cadence={"period_seconds": 60, "refresh_seconds": 600, "window_seconds": 900},
    )
    core = Cockpit(settings, clock=clock, journal=Journal(tmp_path / "journal.jsonl"))
    return make_app(core, demo_label="sandbox", close_core=True)


def idle(screen) -> bool:
    return not any(w.is_running for w in screen.app.workers if w.node is screen)


def text_of(screen, selector: str) -> str:
    return str(screen.query_one(selector).render())


async def open_alert(app, pilot, choose) -> None:
    await until(pilot, lambda: app.refreshes >= 1 and not app.refreshing, "the first refresh")
    feed = app.query_one(AlertFeedView)
    await until(pilot, lambda: any(choose(a) for a in feed.alerts), "the alert in the feed")
    await pilot.press("f")
    feed.move_cursor(row=next(i for i, a in enumerate(feed.alerts) if choose(a)))
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, AlertDetailScreen), "the alert's detail")


async def test_from_an_error_alert_the_log_lines_and_traces(box, tmp_path):
    box.set_scenario("error-burst")
    clock = SimClock(box)
    clock.tick(3)
    app = app_on(box, clock, tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await open_alert(
            app, pilot, lambda a: a.source is AlertSource.LOG and "KeyError" in a.title
        )
        hint = text_of(app.screen, ".investigate")
        assert "l log lines" in hint and "t X-Ray traces" in hint and "s test sign-in" in hint

        # l: the log lines around it, the errors pattern first; then a JSON pattern typed in.
        await pilot.press("l")
        await until(pilot, lambda: isinstance(app.screen, LogLinesScreen), "the log lines")
        screen = app.screen
        await until(pilot, lambda: screen.result is not None and idle(screen), "the lines")
        assert screen.result.pattern == app.core.settings.logs.errors
        assert screen.result.lines and "lines matching" in text_of(screen, "#status")
        pattern = screen.query_one("#pattern", Input)
        pattern.value = '{ $.level = "ERROR" }'
        await pilot.press("enter")
        await until(
            pilot,
            lambda: idle(screen) and screen.result.pattern == '{ $.level = "ERROR" }',
            "the JSON pattern's lines",
        )
        table = screen.query_one("#results", DataTable)
        assert table.row_count == len(screen.result.lines) > 0
        assert all(line.fields["level"] == "ERROR" for line in screen.result.lines)
        assert "level: ERROR" in text_of(screen, "#line-detail")
        assert "--filter-pattern" in text_of(screen, "#cli")

        # A mistake is caught before sending; AWS's own refusal is shown in its words.
        pattern.value = '{ $.level == "ERROR" }'
        await pilot.press("enter")
        await until(pilot, lambda: idle(screen) and not screen.result.sent, "the local refusal")
        assert "not sent: JSON patterns compare with =, not ==" in text_of(screen, "#status")
        pattern.value = "{ $.level = }"
        await pilot.press("enter")
        await until(
            pilot,
            lambda: idle(screen) and screen.result.pattern == "{ $.level = }",
            "AWS's refusal",
        )
        status = text_of(screen, "#status")
        assert "CloudWatch Logs refused it: InvalidParameterException:" in status
        assert table.row_count == 0
        await pilot.press("escape")
        assert isinstance(app.screen, AlertDetailScreen)

        # t: the traces in its window, failing ones among them, each with its waterfall.
        await pilot.press("t")
        await until(pilot, lambda: isinstance(app.screen, TracesScreen), "the traces")
        screen = app.screen
        await until(pilot, lambda: screen.result is not None and idle(screen), "the traces")
        result = screen.result
        assert result.error is None and result.slowest
        assert screen.query_one("#results", DataTable).row_count >= len(result.slowest)
        drawn = text_of(screen, "#waterfall")
        assert "todo-api/prod (API Gateway)" in drawn and "Invocation" in drawn
        assert "GetTraceSummaries" in text_of(screen, "#how")
        await pilot.press("escape")
        await pilot.press("escape")
        assert not isinstance(app.screen, AlertDetailScreen)
    box.set_scenario("steady")


async def test_from_a_sign_in_alert_the_trail_and_a_test_sign_in(box, tmp_path):
    box.set_scenario("auth-attack")
    clock = SimClock(box)
    clock.tick(3)
    app = app_on(box, clock, tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await open_alert(app, pilot, lambda a: a.title == "Failed sign-in · mallory@example.com")

        # u: CloudTrail by the alert's user. A Cognito end user makes no management calls, so
        # the answer is "no events by" them, said as such (not an error, not an empty table).
        await pilot.press("u")
        await until(pilot, lambda: isinstance(app.screen, UserActivityScreen), "the trail")
        screen = app.screen
        assert screen.query_one("#username", Input).value == "mallory@example.com"
        await until(
            pilot, lambda: idle(screen) and "Looking up" not in text_of(screen, "#status"), "answer"
        )
        status = text_of(screen, "#status")
        assert "no CloudTrail events by mallory@example.com" in status, status
        assert screen.query_one("#results", DataTable).row_count == 0
        assert "lookup-events" in text_of(screen, "#cli")
        await pilot.press("escape")

        # s: the runbook's test sign-in, the password typed into a masked field.
        await pilot.press("s")
        await until(pilot, lambda: isinstance(app.screen, SignInTestScreen), "the sign-in test")
        screen = app.screen
        box_ = screen.query_one("#password", Input)
        assert box_.password
        await pilot.press(*TEST_PASSWORD)
        await pilot.press("enter")
        await until(pilot, lambda: screen.outcome is not None and idle(screen), "the sign-in")
        assert screen.outcome.ok, screen.outcome.words
        assert box_.value == ""  # no copy kept in the widget
        shown = text_of(screen, "#outcome")
        assert "signed in: tokens issued" in shown and "ms" in shown
        svg = app.export_screenshot()
        everything = [
            svg,
            shown,
            text_of(screen, "#status"),
            text_of(screen, "#cli"),
            (tmp_path / "journal.jsonl").read_text(),
        ]
        assert all(TEST_PASSWORD not in text for text in everything)
        assert all(str(label.render()).find(TEST_PASSWORD) < 0 for label in screen.query(Label))
        assert all(TEST_PASSWORD not in str(s.render()) for s in screen.query(Static))

        # A wrong password: AWS's words, still nothing echoed.
        await pilot.press(*"not-the-password-1A!")
        await pilot.press("enter")
        await until(pilot, lambda: idle(screen) and not screen.outcome.ok, "the refusal")
        assert "NotAuthorizedException" in text_of(screen, "#outcome")
        assert "not-the-password-1A!" not in app.export_screenshot()
        await pilot.press("escape")
        await pilot.press("escape")

        # The journal lists both attempts (they issued tokens, or tried to), passwords masked.
        await pilot.press("j")
        await until(pilot, lambda: type(app.screen).__name__ == "JournalScreen", "the journal")
        await pilot.pause(0.2)
        shot = app.export_screenshot().replace("&#160;", " ")
        assert "Test authentication flow" in shot
        assert TEST_PASSWORD not in shot and "not-the-password-1A!" not in shot
        await pilot.press("escape")
    box.set_scenario("steady")


async def test_read_only_says_the_sign_in_test_is_not_sent(box, tmp_path):
    box.set_scenario("auth-attack")
    clock = SimClock(box)
    clock.tick(1)
    app = app_on(box, clock, tmp_path, read_only=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await open_alert(app, pilot, lambda a: a.title.startswith("Failed sign-in"))
        await pilot.press("s")
        await until(pilot, lambda: isinstance(app.screen, SignInTestScreen), "the sign-in test")
        screen = app.screen
        assert text_of(screen, "#status").startswith("Read-only mode")
        await pilot.press(*TEST_PASSWORD)
        await pilot.press("enter")
        await until(pilot, lambda: screen.outcome is not None and idle(screen), "the refusal")
        assert not screen.outcome.sent and "Nothing was sent." in text_of(screen, "#status")
        assert app.core.clients.requests_matching("AdminInitiateAuth") == 0
    box.set_scenario("steady")
