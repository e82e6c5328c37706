"""The timeline screen driven with the keys: t opens it, digits filter, enter reads, e exports."""

from __future__ import annotations

import asyncio
from pathlib import Path

from support import SimClock, until
from test_drills import cockpit, refresh, start
from todotui.reports.timeline import EventKind
from todotui.ui.screens import TimelineScreen
from todotui.ui.screens.timeline import (
    KINDS,
    EventDetailScreen,
    TimelineStrip,
    TimelineTable,
)

SIZE = (160, 48)


async def test_open_filter_read_and_export(steady_sandbox, tmp_path, monkeypatch):
    box = steady_sandbox
    for name, value in box.env.items():
        monkeypatch.setenv(name, value)
    clock = SimClock(box)
    app = cockpit(box, clock, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app)
        clock.tick()
        await refresh(pilot, app)
        await pilot.press("t")
        await until(pilot, lambda: isinstance(app.screen, TimelineScreen), "the timeline")
        screen = app.screen
        assert isinstance(screen, TimelineScreen)
        table = screen.query_one(TimelineTable)
        await until(pilot, lambda: app.focused is table, "the events focused")
        assert table.shown == screen.events == app.core.timeline.events()
        if table.shown:
            assert table.current == table.shown[-1], "the cursor starts on the newest event"

        # a digit hides its kind (from the list and the lanes), 0 shows every kind again
        log_digit = str(KINDS.index(EventKind.LOG) + 1)
        await pilot.press(log_digit)
        assert all(e.kind is not EventKind.LOG for e in table.shown)
        assert EventKind.LOG not in screen.query_one(TimelineStrip).kinds
        await pilot.press("0")
        assert table.shown == app.core.timeline.events()

        if table.shown:
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, EventDetailScreen), "the detail")
            detail = app.screen
            assert isinstance(detail, EventDetailScreen) and detail.event == table.current
            await pilot.press("escape")
            await until(pilot, lambda: app.screen is screen, "back on the timeline")

        await pilot.press("e")
        await until(pilot, lambda: screen.exported is not None, "the post-mortem draft")
        path = Path(screen.exported or "")
        assert path.parent == app.core.export_dir and path.suffix == ".md"
        text = await asyncio.to_thread(path.read_text, encoding="utf-8")
        assert text.startswith("# Post-mortem draft")
        notice = str(screen.query_one("#timeline-export").render())
        assert str(path) in notice  # the screen says where the file went

        # a second export never overwrites the first
        first = screen.exported
        await pilot.press("e")
        await until(pilot, lambda: screen.exported != first, "the second draft")
        for written in (first, screen.exported):
            assert await asyncio.to_thread(Path(written or "").exists)

        await pilot.press("escape")
        await until(pilot, lambda: len(app.screen_stack) == 1, "back on the dashboard")
