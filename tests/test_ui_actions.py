"""Action dialogs as an operator drives them, on the cockpit against the session's sandbox.

Each test reads the sandbox's state with plain boto3 before and after, and counts the
mutating requests the app's AWS clients sent. What a test changes it puts back (through
the app's own undo where that is the point, and with boto3 in `finally` regardless).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from textual import events
from textual.command import CommandInput, CommandList, CommandPalette
from textual.pilot import Pilot
from textual.widgets import Checkbox, DataTable, Input, Label
from textual.worker import WorkerState

from support import Clock, Forwarder, until
from todotui.actions import Journal, OutcomeStatus
from todotui.alerts.model import AlertSource, Severity
from todotui.aws.session import is_mutating
from todotui.config import Settings
from todotui.core.cockpit import Cockpit
from todotui.ui.actions import ActionDialog, ActionMenuScreen, DialogStage, JournalScreen, PlanView
from todotui.ui.actions.form import ActionForm
from todotui.ui.app import TodoTuiApp, make_app
from todotui.ui.widgets import AlertFeedView, StatusBar

pytestmark = pytest.mark.sandbox

SIZE = (160, 48)


def cockpit(
    sandbox,
    tmp_path: Path,
    *,
    read_only: bool = False,
    clock: Clock | None = None,
    endpoint: str | None = None,
) -> TodoTuiApp:
    settings = Settings().with_overrides(
        aws={
            "endpoint_url": endpoint or sandbox.endpoint,
            "region": sandbox.region,
            "read_only": read_only,
        },
        cadence={"period_seconds": 60, "refresh_seconds": 600, "window_seconds": 900},
    )
    clock = clock or Clock(datetime.fromisoformat(sandbox.status()["sim_time"]))
    core = Cockpit(
        settings,
        clock=clock,
        journal=Journal(tmp_path / "journal.jsonl"),
        verify_poll_interval=0.05,
    )
    return make_app(core, demo_label="sandbox", close_core=True)


@pytest.fixture
def env(sandbox, monkeypatch):
    for name, value in sandbox.env.items():
        monkeypatch.setenv(name, value)
    return sandbox


async def started(pilot: Pilot, app: TodoTuiApp) -> None:
    await until(
        pilot, lambda: app.refreshes >= 1 and app.desk.runner is not None, "the first refresh"
    )


def mutations(app: TodoTuiApp) -> dict[str, int]:
    assert app.monitor is not None
    return {
        k: n for k, n in app.monitor.clients.requests.items() if is_mutating(k.rpartition(".")[2])
    }


def busy(screen) -> bool:
    """True while one of this screen's own workers (plan, run, verify) is still to start or going."""
    return any(
        w.state in (WorkerState.PENDING, WorkerState.RUNNING)
        for w in screen.app.workers
        if w.node is screen
    )


def palette_searched(app: TodoTuiApp, query: str) -> bool:
    """The command palette has taken in every key of `query`, searched for it, and highlights a hit."""
    palette = app.screen
    if not isinstance(palette, CommandPalette):
        return False
    field = palette.query_one(CommandInput)
    return (
        field.value == query
        and field.message_queue_size == 0  # its Changed message has reached the palette...
        and palette.message_queue_size == 0  # ...which has started the search for it...
        and not busy(palette)  # ...and the search is over
        and palette.query_one(CommandList).highlighted is not None
    )


def dialog(app: TodoTuiApp) -> ActionDialog:
    assert isinstance(app.screen, ActionDialog), f"expected an action dialog, got {app.screen!r}"
    return app.screen


async def open_action(pilot: Pilot, app: TodoTuiApp, action_id: str) -> ActionDialog:
    """Through the keys: `a` opens every action, the digit picks one."""
    await pilot.press("a")
    await until(pilot, lambda: isinstance(app.screen, ActionMenuScreen), "the action menu")
    menu = app.screen
    assert isinstance(menu, ActionMenuScreen)
    # The digits count the diagnosis's fixes first (what earlier tests left in the shared
    # sandbox may give it some), so find the action's own row, not a pre-filled fix.
    number = [(p.action_id, p.suggestion) for p in menu.picks].index((action_id, None)) + 1
    if number < 10:
        await pilot.press(str(number))
    else:
        menu.action_pick(number)

    def loaded() -> bool:
        return isinstance(app.screen, ActionDialog) and app.screen.stage is not DialogStage.LOADING

    await until(pilot, loaded, "the fields")
    await until(pilot, lambda: not busy(dialog(app)), "the first plan")
    return dialog(app)


async def fill(pilot: Pilot, box: ActionDialog, name: str, text: str) -> None:
    field = box.query_one(f"#input-{name}", Input)
    field.focus()
    await pilot.press("end", "ctrl+u", *text) if text else await pilot.press("end", "ctrl+u")
    await settle(pilot, box)


async def settle(pilot: Pilot, box: ActionDialog) -> None:
    """Wait for the debounced re-plan (and any run) to finish."""
    await pilot.pause(0.5)
    await until(pilot, lambda: not busy(box), "the dialog's workers")


async def outcome_of(pilot: Pilot, box: ActionDialog) -> None:
    await until(
        pilot,
        lambda: box.stage is not DialogStage.RUNNING and box.outcome is not None,
        "the outcome",
    )
    await settle(pilot, box)


def capacity(sandbox) -> tuple[int, int]:
    pt = sandbox.client("dynamodb").describe_table(TableName=sandbox.names.table_name)["Table"][
        "ProvisionedThroughput"
    ]
    return pt["ReadCapacityUnits"], pt["WriteCapacityUnits"]


def feed_actions(app: TodoTuiApp):
    return [a for a in app.query_one(AlertFeedView).alerts if a.source is AlertSource.ACTION]


async def test_capacity_dialog_validates_beside_fields_executes_and_undo_restores(env, tmp_path):
    sandbox = env
    before = capacity(sandbox)
    app = cockpit(sandbox, tmp_path)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, app)
            await pilot.press("j")  # before any action: the journal says so
            await until(pilot, lambda: isinstance(app.screen, JournalScreen), "the journal")
            empty = app.screen
            assert empty.query_one(".empty").display and not empty.query_one(DataTable).row_count
            await pilot.press("escape")
            await until(pilot, lambda: app.screen is app.screen_stack[0], "the dashboard")
            box = await open_action(pilot, app, "dynamodb-capacity")
            form = box.query_one(ActionForm)
            # The live state fills the fields.
            assert form.values()["read"] == str(before[0]) and form.values()["write"] == str(
                before[1]
            )
            sent_before = mutations(app)

            for text, message in (
                ("abc", "not a whole number"),
                ("0", "must be at least 1"),
                ("12GB", "without a unit"),
                ("", "required"),
            ):
                await fill(pilot, box, "read", text)
                assert message in form.messages.get("read", ""), (text, form.messages)
                assert box.plan is None
                await pilot.press("y")  # focus is in the field: types, never executes
            assert mutations(app) == sent_before, "invalid input sent nothing"

            await fill(pilot, box, "read", "20")
            await fill(pilot, box, "write", "21")
            assert form.messages == {}
            text = box.query_one(PlanView).text
            assert f"Read capacity   {before[0]} units/s" in text and "20 units/s" in text
            assert "aws dynamodb update-table --table-name todos-table" in text
            assert "ReadCapacityUnits=20,WriteCapacityUnits=21" in text
            assert capacity(sandbox) == before, "planning sends nothing"

            await pilot.press("enter")  # plan & go to confirm: low risk, the Execute button
            await pilot.press("y", "y", "enter")  # a double submit sends once
            await outcome_of(pilot, box)
            await pilot.press("y")  # and a finished dialog does not run again
            await settle(pilot, box)
            assert box.outcome.status is OutcomeStatus.SUCCEEDED and box.outcome.verified
            assert capacity(sandbox) == (20, 21)
            assert {k: n for k, n in mutations(app).items() if k not in sent_before} == {
                "dynamodb.UpdateTable": 1
            }
            done = feed_actions(app)
            assert len(done) == 1 and done[0].severity is Severity.OK
            assert "done, verified" in done[0].title and box.outcome.request_ids[0] in done[0].body

            await pilot.press("escape")
            await until(
                pilot, lambda: not isinstance(app.screen, ActionDialog), "the dialog to close"
            )

            # Undo last: a decrease, so the inverse wants the table's name typed.
            await pilot.press("u")
            await until(pilot, lambda: isinstance(app.screen, ActionDialog), "the undo dialog")
            undo = dialog(app)
            assert undo.plan is not None and undo.plan.undo_of == box.outcome.record_id
            assert undo.plan.after == (
                ("Read capacity", f"{before[0]} units/s"),
                ("Write capacity", f"{before[1]} units/s"),
            )
            await pilot.press(*"todos", "enter")
            await settle(pilot, undo)
            assert "type 'todos-table' to confirm" in str(
                undo.query_one("#confirm-message").render()
            )
            assert capacity(sandbox) == (20, 21), "a wrong name sends nothing"
            await pilot.press("ctrl+u", *"todos-table", "enter")
            await outcome_of(pilot, undo)
            assert undo.outcome.ok and capacity(sandbox) == before
            assert len(feed_actions(app)) == 2
            await pilot.press("escape")

            await pilot.press("j")
            await until(pilot, lambda: isinstance(app.screen, JournalScreen), "the journal")
            journal = app.screen
            assert journal is empty, "the journal is kept and shows the journal as it is now"
            table = journal.query_one(DataTable)
            assert table.row_count == 2 and not journal.query_one(".empty").display
            assert "Undo: Change DynamoDB capacity" in str(table.get_row_at(0)[1])  # newest first
            assert [e.result for e in journal.entries.values()] == ["succeeded", "succeeded"]
            assert [e.title for e in journal.entries.values()] == [
                "Change DynamoDB capacity",
                "Undo: Change DynamoDB capacity",
            ]
            # "Verify again" on the highlighted (newest) action reads the state back and journals it.
            newest = journal.selected
            await pilot.press("v")
            await until(
                pilot,
                lambda: (
                    sum(
                        1
                        for r in Journal(tmp_path / "journal.jsonl").records()
                        if r["kind"] == "verify" and r["record_id"] == newest.record_id
                    )
                    >= 2
                ),
                "a second verification record",
            )
    finally:
        if capacity(sandbox) != before:
            sandbox.client("dynamodb").update_table(
                TableName=sandbox.names.table_name,
                ProvisionedThroughput={
                    "ReadCapacityUnits": before[0],
                    "WriteCapacityUnits": before[1],
                },
            )


async def test_read_only_shows_the_plan_and_refuses_to_execute(env, tmp_path):
    sandbox = env
    before = capacity(sandbox)
    app = cockpit(sandbox, tmp_path, read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, app)
        assert "READ-ONLY" in app.query_one(StatusBar).target
        box = await open_action(pilot, app, "dynamodb-capacity")
        assert "READ-ONLY MODE" in str(box.query_one(".readonly").render())
        await fill(pilot, box, "read", str(before[0] + 30))
        assert "aws dynamodb update-table" in box.query_one(PlanView).text
        await pilot.press("enter", "y")
        await settle(pilot, box)
        assert "read-only mode: nothing was sent" in str(box.query_one("#confirm-message").render())
        # Around the dialog too: the action layer refuses whatever the UI asks.
        outcome = await app.desk.runner.run(box.plan)
        assert outcome.status is OutcomeStatus.REFUSED
        assert mutations(app) == {}
        assert feed_actions(app) == []
    assert capacity(sandbox) == before


async def test_stale_telemetry_needs_an_explicit_override(env, tmp_path):
    sandbox = env
    lam = sandbox.client("lambda")
    memory = lam.get_function_configuration(FunctionName=sandbox.names.function_name)["MemorySize"]
    clock = Clock(datetime.fromisoformat(sandbox.status()["sim_time"]))
    app = cockpit(sandbox, tmp_path, clock=clock)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, app)
            await pilot.press("p")  # paused: the panes age
            clock.now += timedelta(minutes=30)
            box = await open_action(pilot, app, "lambda-memory")
            await fill(pilot, box, "memory_mb", str(memory + 64))
            assert box.plan.stale_warning and "last good refresh was 30m" in box.plan.stale_warning
            assert "Telemetry is stale" in box.query_one(PlanView).text
            override = box.query_one("#stale-override", Checkbox)
            assert override.display
            await pilot.press("enter", "y")
            await settle(pilot, box)
            assert "confirm again with the override" in str(
                box.query_one("#confirm-message").render()
            )
            assert mutations(app) == {}
            override.value = True
            await pilot.press("y")
            await outcome_of(pilot, box)
            assert box.outcome.ok
            assert (
                lam.get_function_configuration(FunctionName=sandbox.names.function_name)[
                    "MemorySize"
                ]
                == memory + 64
            )
            await pilot.press("escape")
            # Undo from the journal view.
            await pilot.press("j")
            await until(pilot, lambda: isinstance(app.screen, JournalScreen), "the journal")
            await pilot.press("u")
            await until(pilot, lambda: isinstance(app.screen, ActionDialog), "the undo dialog")
            undo = dialog(app)
            app.screen.query_one("#stale-override", Checkbox).value = True
            await pilot.press("y")
            await outcome_of(pilot, undo)
            assert undo.outcome.ok
            assert (
                lam.get_function_configuration(FunctionName=sandbox.names.function_name)[
                    "MemorySize"
                ]
                == memory
            )
    finally:
        lam.update_function_configuration(
            FunctionName=sandbox.names.function_name, MemorySize=memory
        )


async def test_password_is_masked_and_appears_nowhere(env, tmp_path, caplog):
    sandbox = env
    caplog.set_level(logging.DEBUG)
    idp = sandbox.client("cognito-idp")
    pool = sandbox.stack.user_pool_id
    user = "h6-reset@example.com"
    password = "Sw0rdfish!Q7zK"
    idp.admin_create_user(UserPoolId=pool, Username=user, MessageAction="SUPPRESS")
    app = cockpit(sandbox, tmp_path)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, app)
            box = await open_action(pilot, app, "cognito-set-password")
            assert box.query_one("#input-password", Input).password
            await fill(pilot, box, "username", user)
            await fill(pilot, box, "password", password)
            await fill(pilot, box, "permanent", "yes")
            assert box.plan is not None, box.query_one(ActionForm).messages
            screens = [app.export_screenshot()]
            plan_text = box.query_one(PlanView).text
            assert "read -rs NEW_PASSWORD" in plan_text and '"$NEW_PASSWORD"' in plan_text
            await pilot.press("enter", *user, "enter")
            await outcome_of(pilot, box)
            assert box.outcome.ok, box.outcome
            screens.append(app.export_screenshot())
            await pilot.press("escape", "j")
            await until(pilot, lambda: isinstance(app.screen, JournalScreen), "the journal")
            screens.append(app.export_screenshot())
        assert idp.admin_get_user(UserPoolId=pool, Username=user)["UserStatus"] == "CONFIRMED"
        journal = (tmp_path / "journal.jsonl").read_text(encoding="utf-8")
        assert "cognito-set-password" in journal and "********" in journal
        for where, text in [("journal", journal), ("plan", plan_text), ("logs", caplog.text)] + [
            (f"screen {i}", s) for i, s in enumerate(screens)
        ]:
            assert password not in text, f"the password leaked into the {where}"
        assert all(password not in str(n.message) for n in app._notifications)
    finally:
        idp.admin_delete_user(UserPoolId=pool, Username=user)


async def test_every_action_is_in_the_command_palette(env, tmp_path):
    from todotui.actions import catalog
    from todotui.ui.actions import ActionCommands

    app = cockpit(env, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, app)
        provider = ActionCommands(app.screen)
        titles = [text for text, _, _ in provider._commands()]
        for info in catalog():
            assert any(info.title in t for t in titles), info.title
        # And through the palette itself, by typing.
        await pilot.press("ctrl+p")
        await until(
            pilot,
            lambda: (
                isinstance(app.screen, CommandPalette) and isinstance(app.focused, CommandInput)
            ),
            "the command palette",
        )
        await pilot.press(*"rollback the alias")
        await until(
            pilot,
            lambda: palette_searched(app, "rollback the alias"),
            "the palette's hits for what was typed",
        )
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ActionDialog), "the rollback dialog")
        assert dialog(app).info.id == "rollback"


async def test_a_check_shows_its_report_and_sends_nothing(env, tmp_path):
    from todotui.ui.actions import CheckScreen

    app = cockpit(env, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, app)
        app.desk.open("auth-checks")
        await until(
            pilot,
            lambda: isinstance(app.screen, CheckScreen) and app.screen.report is not None,
            "the report",
        )
        report = app.screen.report
        assert report.rows and not report.errors
        shown = str(app.screen.query_one("#report").render())
        assert report.rows[0].label in shown and "aws cognito-idp" in shown
        assert mutations(app) == {}


def text_of(box: ActionDialog, selector: str) -> str:
    return str(box.query_one(selector).render())


async def test_a_plan_the_resource_outran_is_refused_and_rebuilt_in_the_dialog(env, tmp_path):
    sandbox = env
    lam = sandbox.client("lambda")
    name = sandbox.names.function_name
    memory = lam.get_function_configuration(FunctionName=name)["MemorySize"]
    app = cockpit(sandbox, tmp_path)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, app)
            box = await open_action(pilot, app, "lambda-memory")
            await fill(pilot, box, "memory_mb", str(memory + 64))
            assert box.plan is not None and box.plan.before == (("Memory", f"{memory} MB"),)
            # Someone else changes the function while the operator reads the plan.
            lam.update_function_configuration(FunctionName=name, MemorySize=memory + 128)
            await pilot.press("enter", "y")
            await settle(pilot, box)
            assert "the resource changed since the plan" in text_of(box, "#confirm-message")
            assert mutations(app) == {}, "nothing was sent"
            assert box.outcome is not None and box.outcome.status is OutcomeStatus.REFUSED
            assert feed_actions(app) == [], "a refusal stays in its dialog"
            # The dialog planned again from the live state, with the operator's value kept.
            assert box.stage is DialogStage.READY and box.plan is not None
            assert box.plan.before == (("Memory", f"{memory + 128} MB"),)
            assert box.plan.after == (("Memory", f"{memory + 64} MB"),)
            assert f"{memory + 128} MB" in box.query_one(PlanView).text
            await pilot.press("y")  # confirming the new plan sends it
            await outcome_of(pilot, box)
            assert box.outcome.ok and box.outcome.verified
            assert lam.get_function_configuration(FunctionName=name)["MemorySize"] == memory + 64
    finally:
        lam.update_function_configuration(FunctionName=name, MemorySize=memory)


async def test_the_steps_advance_while_the_action_runs_and_verifies(env, tmp_path):
    sandbox = env
    lam = sandbox.client("lambda")
    name, alias = sandbox.names.function_name, sandbox.names.alias
    app = cockpit(sandbox, tmp_path)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, app)
            box = await open_action(pilot, app, "provisioned-concurrency")
            assert "▸ plan" in text_of(box, "#steps")
            await fill(pilot, box, "executions", "5")
            assert box.plan is not None
            assert text_of(box, "#steps").startswith("✓ plan  ▸ confirm  · send")
            await pilot.press("enter", "y")
            # Allocation takes simulated time: verify keeps reading and says what it sees.
            await until(
                pilot,
                lambda: "waiting for READY" in text_of(box, "#progress-text"),
                "verify to wait",
            )
            assert box.stage is DialogStage.RUNNING
            assert text_of(box, "#steps") == "✓ plan  ✓ confirm  ✓ send  ▸ verify  · journal"
            assert "IN_PROGRESS" in text_of(box, "#progress-text")
            sandbox.tick(2)
            await outcome_of(pilot, box)
            assert box.outcome.ok and box.outcome.verified
            assert text_of(box, "#steps") == "✓ plan  ✓ confirm  ✓ send  ✓ verify  ✓ journal"
            assert (
                lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier=alias)["Status"]
                == "READY"
            )
    finally:
        if lam.list_provisioned_concurrency_configs(FunctionName=name)[
            "ProvisionedConcurrencyConfigs"
        ]:
            lam.delete_provisioned_concurrency_config(FunctionName=name, Qualifier=alias)


def poll_loop_running(app: TodoTuiApp) -> bool:
    return any(w.name == "poll" and w.state is WorkerState.RUNNING for w in app.workers)


async def test_a_dead_poll_loop_restarts_on_the_same_core_and_verify_again_still_works(
    env, tmp_path
):
    """The runner outlives the poll worker: what it executed before a crash it can still verify
    (a backup is verified by the ARN its execution returned, which only the runner holds)."""
    sandbox = env
    app = cockpit(sandbox, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, app)
        core = app.core
        runner, monitor = core.runner, core.monitor
        box = await open_action(pilot, app, "dynamodb-backup")
        await pilot.press("enter", "y")
        await outcome_of(pilot, box)
        assert box.outcome.ok and box.outcome.verified
        record_id = box.outcome.record_id
        await pilot.press("escape")

        crashed: list[object] = []

        def buggy_listener(event: object) -> None:
            if not crashed:
                crashed.append(event)
                raise RuntimeError("a listener bug")

        core.poller.subscribe(buggy_listener)
        await pilot.press("r")
        await until(
            pilot, lambda: bool(crashed) and not poll_loop_running(app), "the poll loop to die"
        )
        await until(pilot, lambda: poll_loop_running(app), "the poll loop to start again")
        refreshes = app.refreshes
        await pilot.press("r")
        await until(pilot, lambda: app.refreshes > refreshes, "a refresh after the restart")
        assert app.core.runner is runner and app.core.monitor is monitor  # nothing was rebuilt

        await pilot.press("j")
        await until(pilot, lambda: isinstance(app.screen, JournalScreen), "the journal")
        await pilot.press("v")

        def verified_again() -> bool:
            entry = Journal(tmp_path / "journal.jsonl").entry(record_id)
            return entry is not None and len(entry.verifications) >= 2

        await until(pilot, verified_again, "verify again")
        entry = Journal(tmp_path / "journal.jsonl").entry(record_id)
        assert entry.verifications[-1]["verified"] is True
        assert "matches the plan" in entry.verifications[-1]["message"]


async def test_an_earlier_sessions_unverified_action_shows_not_verified_and_v_verifies_it(
    env, tmp_path
):
    """An outcome never read back (the app was killed while verifying) is listed from any
    session, and verify again works from the journal record alone."""
    sandbox = env
    name = sandbox.names.function_name
    memory = sandbox.client("lambda").get_function_configuration(FunctionName=name)["MemorySize"]
    earlier = Journal(tmp_path / "journal.jsonl", session_id="earlier")
    earlier.write_intent(
        "rec-earlier",
        caller="someone",
        action="lambda-memory",
        title="Change Lambda memory size",
        target=f"lambda {name}",
        parameters={"memory_mb": memory},
        before=[("Memory", f"{memory - 64} MB")],
        planned_after=[("Memory", f"{memory} MB")],
        cli=[],
    )
    earlier.write_outcome(
        "rec-earlier", result="succeeded", verified=False, after=[], request_ids=[], error=None
    )
    app = cockpit(sandbox, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, app)
        await pilot.press("j")
        await until(pilot, lambda: isinstance(app.screen, JournalScreen), "the journal")
        table = app.screen.query_one(DataTable)
        assert str(table.get_cell("rec-earlier", "verified")) == "not verified"
        await pilot.press("v")

        def verified_again() -> bool:
            entry = Journal(tmp_path / "journal.jsonl").entry("rec-earlier")
            return entry is not None and bool(entry.verifications)

        await until(pilot, verified_again, "verify again")
    entry = Journal(tmp_path / "journal.jsonl").entry("rec-earlier")
    assert entry is not None and entry.verified and not entry.needs_verify


async def test_a_dialog_that_cannot_read_the_live_state_says_so_and_reads_again(env, tmp_path):
    sandbox = env
    relay = Forwarder(int(sandbox.endpoint.rsplit(":", 1)[1]))
    await relay.start()
    app = cockpit(sandbox, tmp_path, endpoint=relay.url)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, app)
            await relay.stop()  # the endpoint goes away between the refresh and the dialog
            box = await open_action(pilot, app, "dynamodb-capacity")
            hint = str(box.query_one(".confirm-hint").render())
            assert "Could not read the live state" in hint and "cannot reach" in hint
            assert "Press r to read it again" in hint
            assert box.form is None and mutations(app) == {}

            await relay.start()
            await pilot.press("r")
            await until(pilot, lambda: box.form is not None and not busy(box), "the fields")
            assert "Could not read" not in str(box.query_one(".confirm-hint").render())
            assert box.query_one("#input-read", Input).value.isdigit()  # the live value
    finally:
        await relay.stop()


async def test_a_pasted_two_line_value_is_refused_beside_the_field_not_cut(env, tmp_path):
    from textual import events

    app = cockpit(env, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, app)
        box = await open_action(pilot, app, "dynamodb-capacity")
        field = box.query_one("#input-read", Input)
        field.focus()
        field.value = ""
        await pilot.pause()
        field.post_message(events.Paste("50\n60"))
        await settle(pilot, box)
        assert field.value == "50\n60"  # kept whole, not cut to its first line
        row = box.query_one("#field-read")
        assert "one line" in row.message and box.plan is None
        assert mutations(app) == {}


async def test_a_reopened_dialog_starts_clean_and_each_action_shows_its_own_form(env, tmp_path):
    """The desk keeps one dialog per action (no compose on a reopen): what was typed, the
    errors beside it and the plan of the last opening are gone, the live values are back,
    and another action's dialog has its own fields, never these."""
    sandbox = env
    before = capacity(sandbox)
    app = cockpit(sandbox, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, app)
        first = await open_action(pilot, app, "dynamodb-capacity")
        await fill(pilot, first, "read", "abc")
        assert "not a whole number" in first.query_one(ActionForm).messages.get("read", "")
        assert first.plan is None
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, ActionDialog), "the dialog closed")

        memory = await open_action(pilot, app, "lambda-memory")
        assert memory is not first
        assert "#input-read" not in [f"#{w.id}" for w in memory.query(Input)]
        assert memory.query_one("#dialog").border_title == memory.info.title
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, ActionDialog), "the dialog closed")

        again = await open_action(pilot, app, "dynamodb-capacity")
        assert again is first, "the same dialog, installed once"
        form = again.query_one(ActionForm)
        assert len(again.query(ActionForm)) == 1
        assert form.values()["read"] == str(before[0]), "the live value, not the typed one"
        # As a new dialog: the live values want no change (said beside the field), no error
        # of the last opening's typing, no outcome, nothing typed in the confirmation.
        assert "not a whole number" not in str(form.messages)
        assert "nothing to change" in form.messages.get("read", "")
        assert again.outcome is None
        assert again.query_one("#confirm-input", Input).value == ""
        assert not again.query_one("#stale-override", Checkbox).value
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, ActionDialog), "the dialog closed")
    assert capacity(sandbox) == before


async def test_a_reopened_dialog_shows_the_live_value_changed_since_in_the_same_form(env, tmp_path):
    """Reopened, the dialog reads the live state again: a memory size changed elsewhere (the
    aws CLI, a colleague) is what its field shows, in the same form refilled (building it again
    was most of a reopen), with nothing typed before and no message marked as an error."""
    sandbox = env
    lam = sandbox.client("lambda")
    name = sandbox.names.function_name
    before = lam.get_function_configuration(FunctionName=name)["MemorySize"]
    app = cockpit(sandbox, tmp_path)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, app)
            first = await open_action(pilot, app, "lambda-memory")
            form = first.query_one(ActionForm)
            assert form.values()["memory_mb"] == str(before)
            await fill(pilot, first, "memory_mb", "12")
            assert "memory_mb" in form.messages
            await pilot.press("escape")
            await until(pilot, lambda: not isinstance(app.screen, ActionDialog), "closed")

            lam.update_function_configuration(FunctionName=name, MemorySize=before + 128)
            again = await open_action(pilot, app, "lambda-memory")
            assert again is first and again.query_one(ActionForm) is form, "refilled, not rebuilt"
            await until(
                pilot, lambda: form.values()["memory_mb"] == str(before + 128), "the new live value"
            )
            assert "12" not in form.values().values()
            assert "1 MB steps" in str(again.query_one(".field-help", Label).content)
            assert not form.row("memory_mb").has_class("-error")
            await pilot.press("escape")
            await until(pilot, lambda: not isinstance(app.screen, ActionDialog), "closed")
    finally:
        lam.update_function_configuration(FunctionName=name, MemorySize=before)


async def test_what_is_typed_before_a_reopened_dialogs_fields_are_read_is_kept(
    env, tmp_path, monkeypatch
):
    """Reopened, the dialog's first field has the focus at once: a value typed before the
    live state is read is kept when it arrives (not overwritten by the live value), and it
    is what the plan is made of."""
    sandbox = env
    before = capacity(sandbox)
    app = cockpit(sandbox, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, app)
        box = await open_action(pilot, app, "dynamodb-capacity")
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, ActionDialog), "closed")
        await pilot.pause(0.5)  # past the reset after a close

        gate = asyncio.Event()  # the live state is read only once the test has typed
        read_fields = app.core.runner.fields

        async def fields_after_the_gate(action_id):
            await gate.wait()
            return await read_fields(action_id)

        monkeypatch.setattr(app.core.runner, "fields", fields_after_the_gate)
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, ActionMenuScreen), "the action menu")
        picks = [(p.action_id, p.suggestion) for p in app.screen.picks]
        await pilot.press(str(picks.index(("dynamodb-capacity", None)) + 1))
        await until(pilot, lambda: app.screen is box, "the dialog again")
        assert box.stage is DialogStage.LOADING
        assert box.focused is box.query_one("#input-table", Input)  # the first field
        await pilot.press("tab", *str(before[0] + 3))  # the next one: read capacity
        assert box.stage is DialogStage.LOADING, "typed before the fields were read"
        gate.set()
        await settle(pilot, box)
        assert box.query_one(ActionForm).values() == {
            "table": sandbox.names.table_name,
            "read": str(before[0] + 3),
            "write": str(before[1]),
        }
        assert box.plan is not None
        assert ("Read capacity", f"{before[0] + 3} units/s") in box.plan.after
    assert capacity(sandbox) == before, "nothing was sent"


async def test_an_escape_at_once_closes_a_reopened_dialog(env, tmp_path):
    """Reopened, the dialog's last form is still being removed while the new one is read: an
    escape pressed at once must close it (a key sent to a widget on its way out is lost, and
    the operator would have to press it again, not knowing whether it was heard)."""
    app = cockpit(env, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, app)
        box = await open_action(pilot, app, "dynamodb-capacity")
        box.query_one("#input-read", Input).focus()  # as after typing in it
        await pilot.pause()
        for attempt in range(3):
            await pilot.press("escape")
            await until(pilot, lambda: not isinstance(app.screen, ActionDialog), "closed")
            await pilot.press("a")
            await until(pilot, lambda: isinstance(app.screen, ActionMenuScreen), "the menu")
            menu = app.screen
            assert isinstance(menu, ActionMenuScreen)
            number = [(p.action_id, p.suggestion) for p in menu.picks].index(
                ("dynamodb-capacity", None)
            ) + 1
            # the two keys back to back, as a terminal delivers a quick "1, escape": the
            # escape is in the queue before the dialog has read its fields
            app.post_message(events.Key(str(number), str(number)))
            await pilot.pause(0.02)
            app.post_message(events.Key("escape", None))
            await until(
                pilot,
                lambda: not isinstance(app.screen, ActionDialog),
                f"the dialog closed by the escape pressed at once (attempt {attempt + 1})",
                timeout=10,  # a lost escape never closes it: this only ends the wait
            )
            box = await open_action(pilot, app, "dynamodb-capacity")
            box.query_one("#input-read", Input).focus()
            await pilot.pause()
        await pilot.press("escape")


async def test_quitting_just_after_a_dialog_closes_does_not_crash_the_app(env, tmp_path):
    """A closed dialog sets itself back for its next opening a moment later; quitting in that
    moment closes the kept dialog's widgets in any order, and the reset used to raise
    NoMatches out of the app on its way out (seen in CI)."""
    app = cockpit(env, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, app)
        box = await open_action(pilot, app, "dynamodb-capacity")
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, ActionDialog), "closed")
        await box.query_one("#progress").remove()  # a widget gone first, as on quit
        box._closing = True  # ... and the dialog being closed, as Textual's shutdown does
        await pilot.pause(0.5)  # past the reset's timer
        box._closing = False
    assert app.return_code in (None, 0)  # run_test re-raises what crashed the app
