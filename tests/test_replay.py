"""Record and replay: a session recorded on the sandbox replays the same panes at the same times.

The live half is the real cockpit core on the session's sandbox, its clock the sandbox's
simulated time; the replay half is the same core code on the recording, with no client.
"""

from __future__ import annotations

import gzip
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from support import SimClock
from todotui.actions import Journal
from todotui.actions.runner import PlanError
from todotui.config import Settings
from todotui.core.cockpit import Cockpit
from todotui.core.monitor import CostMeter
from todotui.core.recording import Recorder, pane_digest
from todotui.core.replay import Player, Recording, ReplayBlocked, replay_cockpit
from todotui.reports.recording_format import RecordingError
from todotui.telemetry.model import PaneSnapshot

pytestmark = pytest.mark.sandbox


@dataclass(frozen=True)
class Seen:
    """One live refresh as the cockpit showed it."""

    at: datetime
    panes: dict[str, PaneSnapshot]
    alerts: tuple[tuple[str, str, int], ...]
    cost: CostMeter
    ok: bool
    alias: tuple[Any, ...] = ()


def settings_for(sandbox: Any) -> Settings:
    return Settings().with_overrides(
        aws={"endpoint_url": sandbox.endpoint, "region": sandbox.region},
        cadence={"period_seconds": 60, "refresh_seconds": 60, "window_seconds": 900},
    )


def alerts_of(core: Cockpit) -> tuple[tuple[str, str, int], ...]:
    return tuple((a.key, a.title, a.count) for a in core.alerts.entries)


async def record_session(
    sandbox: Any,
    tmp_path: Path,
    refreshes: int = 8,
    spike_at: int = 4,
    between: Callable[[Cockpit, int], Awaitable[None]] | None = None,
) -> tuple[Path, list[Seen]]:
    """`refreshes` refreshes a simulated minute apart, the traffic spiking from `spike_at` on
    (so alarms, breaches and log lines arrive), recorded; returns the file and what was seen."""
    clock = SimClock(sandbox)
    settings = settings_for(sandbox)
    path = tmp_path / "session.rec.gz"
    seen: list[Seen] = []
    async with Cockpit(settings, clock=clock, journal=Journal(tmp_path / "j.jsonl")) as core:
        recorder = Recorder(path, settings, created=clock())
        recorder.attach(core.monitor, core.poller.subscribe)
        for n in range(refreshes):
            if n == spike_at:
                sandbox.set_scenario("spike")
            if between is not None:
                await between(core, n)
            clock.tick()
            refresh = await core.poller.refresh_once()
            monitor = core.monitor
            seen.append(
                Seen(
                    refresh.finished_at,
                    dict(refresh.panes),
                    alerts_of(core),
                    monitor.cost,
                    refresh.ok,
                    (monitor.alias, monitor.alias_read_at, monitor.versions),
                )
            )
        recorder.close()
    return path, seen


@pytest.fixture
def aws_env(steady_sandbox, monkeypatch):
    for name, value in steady_sandbox.env.items():
        monkeypatch.setenv(name, value)
    return steady_sandbox


@pytest.fixture
async def recorded(aws_env, tmp_path):
    return await record_session(aws_env, tmp_path)


async def test_a_recorded_session_replays_the_same_panes_at_the_same_times(recorded, tmp_path):
    path, seen = recorded
    recording = Recording.load(path)
    assert len(recording.frames) == len(seen) and recording.problem is None
    async with replay_cockpit(recording, data_dir=tmp_path / "replay") as core:
        player = Player(core, recording)
        for n, live in enumerate(seen):
            await player.step()
            assert player.index == n + 1
            assert core.clock() == live.at
            assert core.monitor.panes == live.panes, f"refresh {n}"
            assert alerts_of(core) == live.alerts, f"refresh {n}"
            assert core.monitor.cost == live.cost
            assert core.poller.last is not None and core.poller.last.ok == live.ok
        assert player.divergences == [] and player.mismatches == set()
        # every refresh's panes differ from the others': a replay off by one cannot pass
        assert len({pane_digest(s.panes) for s in seen}) == len(seen)
        # the spike was seen, and replayed: not a recording of nothing
        assert any(s.alerts for s in seen[4:])
        # no AWS call at all: no request counted, no client ever made
        assert sum(core.clients.requests.values()) == 0
        assert not core.clients._clients and not core.clients._mutation_clients


async def test_an_alias_read_between_refreshes_is_replayed_where_it_was(aws_env, tmp_path):
    """After an alias write (10% to the candidate) the rollout driver reads the alias back
    (`note_alias`) between refreshes, and the next refresh fetches the candidate's series at
    once; the replay holds that read at the same refresh, so it asks for the same series
    (an unrecorded one would be a divergence) and builds the same panes."""
    from todotui.aws.versions import fetch_alias

    lam = aws_env.client("lambda")
    names, candidate = aws_env.names, aws_env.stack.candidate_version

    async def write_alias(core: Cockpit, n: int) -> None:
        if n != 2:
            return
        lam.update_alias(
            FunctionName=names.function_name,
            Name=names.alias,
            RoutingConfig={"AdditionalVersionWeights": {candidate: 0.1}},
        )
        read = await fetch_alias(core.clients, core.settings.stack)
        assert read.answer is not None
        core.monitor.note_alias(read.answer)

    path, seen = await record_session(
        aws_env, tmp_path, refreshes=4, spike_at=99, between=write_alias
    )
    recording = Recording.load(path)
    assert [f.noted_alias is not None for f in recording.frames] == [False, False, True, False]
    async with replay_cockpit(recording, data_dir=tmp_path / "replay") as core:
        player = Player(core, recording)
        for live in seen:
            await player.step()
            monitor = core.monitor
            assert (monitor.alias, monitor.alias_read_at, monitor.versions) == live.alias
            assert monitor.panes == live.panes
        assert player.divergences == [] and player.mismatches == set()
        assert candidate in seen[2].alias[2] and candidate not in seen[1].alias[2]


async def test_seek_and_step_land_on_the_right_refresh(recorded, tmp_path):
    path, seen = recorded
    recording = Recording.load(path)
    async with replay_cockpit(recording, data_dir=tmp_path / "replay") as core:
        player = Player(core, recording)
        await player.seek_to_refresh(6)
        assert player.index == 6 and core.monitor.panes == seen[5].panes
        await player.step(-1)  # back: state built again from the start
        assert player.index == 5 and core.clock() == seen[4].at
        assert core.monitor.panes == seen[4].panes and alerts_of(core) == seen[4].alerts
        await player.step()
        assert player.index == 6 and core.monitor.panes == seen[5].panes
        # seek by time: halfway between two refreshes stands after the earlier one
        between = seen[1].at + (seen[2].at - seen[1].at) / 2
        await player.seek(between)
        assert player.index == 2 and core.clock() == between
        assert core.monitor.panes == seen[1].panes and alerts_of(core) == seen[1].alerts
        await player.seek_by(10_000)  # past the end: the end
        assert player.index == len(seen) and core.clock() == recording.end
        assert player.ended
        await player.seek_by(-10_000)  # before the start: the first refresh
        assert player.index == 1 and core.monitor.panes == seen[0].panes
        assert player.mismatches == set() and sum(core.clients.requests.values()) == 0


async def test_actions_are_refused_in_replay_and_nothing_is_sent(recorded, tmp_path):
    path, _ = recorded
    recording = Recording.load(path)
    async with replay_cockpit(recording, data_dir=tmp_path / "replay") as core:
        player = Player(core, recording)
        await player.step()
        assert core.runner.read_only
        # a plan needs live state: the read is refused before it leaves, in plain words
        with pytest.raises(PlanError, match="replay: read-only recording"):
            await core.runner.prepare("lambda-memory", {"memory_mb": "1024"})
        # and a read that would leave is refused before it is sent
        with pytest.raises(ReplayBlocked, match="replay: read-only recording"):
            lam = await core.clients.client("lambda")
            await lam.get_alias(FunctionName="todo-api", Name="PROD")
        assert sum(core.clients.requests.values()) == 0


async def test_a_truncated_recording_replays_up_to_its_last_whole_refresh(recorded, tmp_path):
    path, seen = recorded
    data = path.read_bytes()
    cut = tmp_path / "crashed.rec.gz"
    # the file as a crash mid-write would leave it: most of it, no gzip trailer
    cut.write_bytes(data[: int(len(data) * 0.8)])
    recording = Recording.load(cut)
    assert recording.problem is not None and "ends mid-write" in recording.problem
    whole = len(recording.frames)
    assert 1 <= whole < len(seen)
    async with replay_cockpit(recording, data_dir=tmp_path / "replay") as core:
        player = Player(core, recording)
        await player.seek_to_refresh(whole)
        assert core.monitor.panes == seen[whole - 1].panes
        assert core.clock() == seen[whole - 1].at


def test_what_is_not_a_recording_is_refused_clearly(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello\n")
    with pytest.raises(RecordingError, match="not a todotui recording"):
        Recording.load(text)
    empty = tmp_path / "empty.rec.gz"
    with gzip.open(empty, "wt") as f:
        f.write('{"t": "header", "format": "todotui-recording", "version": 1, "settings": {}}\n')
    with pytest.raises(RecordingError, match="no whole refresh"):
        Recording.load(empty)
    with pytest.raises(RecordingError, match="cannot read it"):
        Recording.load(tmp_path / "missing.rec.gz")


# -- the replay bar and its keys, driven by Pilot ----------------------------------------------


async def test_the_replay_bar_keys_pause_step_speed_seek_and_refuse_actions(recorded, tmp_path):
    from support import shows_last_refresh, until
    from todotui.core.replay import READ_ONLY_MESSAGE
    from todotui.ui.replay_app import make_replay_app
    from todotui.ui.widgets import MetricPane
    from todotui.ui.widgets.replay_bar import ReplayBar, clock_text

    path, seen = recorded
    recording = Recording.load(path)
    core = replay_cockpit(recording, data_dir=tmp_path / "replay")
    await core.__aenter__()
    player = Player(core, recording)
    player.paused = True
    app = make_replay_app(core, player, label="replay session", close_core=True)

    def bar() -> str:
        return str(app.query_one(ReplayBar).render())

    def on_screen(n: int) -> bool:
        """The panes drawn are refresh n's (0-based), as the live cockpit drew them."""
        return player.index == n + 1 and all(
            pane.snapshot == seen[n].panes[pane.key] for pane in app.query(MetricPane)
        )

    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: player.index == 1 and shows_last_refresh(app), "refresh 1")
        assert on_screen(0)
        assert "REPLAY · PAUSED" in bar() and f"refresh 1/{len(seen)}" in bar()
        await pilot.press("full_stop", "full_stop")
        await until(pilot, lambda: on_screen(2), "two steps forward")
        await pilot.press("comma")
        await until(pilot, lambda: on_screen(1), "a step back")
        assert f"refresh 2/{len(seen)}" in bar() and "1×" in bar()
        await pilot.press("plus", "plus")
        assert player.speed == 5 and "5×" in bar()
        await pilot.press("minus")
        assert player.speed == 2 and "2×" in bar()
        before = core.clock()
        await pilot.press("right_square_bracket")
        await until(pilot, lambda: core.clock() == before + (seen[1].at - seen[0].at), "+1 min")
        assert on_screen(2)  # a minute on: the next refresh (they are a simulated minute apart)
        await pilot.press("left_square_bracket")
        await until(pilot, lambda: on_screen(1), "-1 min")
        await pilot.press("g")
        await pilot.press(*"#5", "enter")
        await until(pilot, lambda: on_screen(4), "go to refresh 5")
        position = clock_text((seen[4].at - seen[0].at).total_seconds())
        duration = clock_text((seen[-1].at - seen[0].at).total_seconds())
        assert f"{position} / {duration}" in bar() and f"refresh 5/{len(seen)}" in bar()
        # acting is refused, in words, and nothing opens
        await pilot.press("a")
        await pilot.pause()
        assert len(app.screen_stack) == 1
        assert any(READ_ONLY_MESSAGE in str(n.message) for n in app._notifications)
        # the check and the review ask AWS now: not on a recording, said so, nothing opens
        for key in ("c", "W"):
            await pilot.press(key)
            await pilot.pause()
            assert len(app.screen_stack) == 1
        assert sum("asks AWS now" in str(n.message) for n in app._notifications) == 2
        # play at 60x to the end
        for _ in range(5):
            await pilot.press("plus")
        assert player.speed == 60
        await pilot.press("space")
        await until(pilot, lambda: player.ended and on_screen(len(seen) - 1), "the end")
        assert "REPLAY · END" in bar()
        assert sum(core.clients.requests.values()) == 0
