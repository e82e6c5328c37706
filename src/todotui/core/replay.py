"""`todotui replay FILE`: the cockpit on a recording, with no AWS call at all.

The recorded answers go in where AWS's came out (`ReplayReads` is the Monitor's `Reads`),
so the panes, the feed and the diagnosis are built by the same code as when they were
seen. Time is the recording's: the `Player` moves the core's clock (a `ManualClock`) to
each refresh's recorded start, lets the refresh read its answers, and the clock stands at
the recorded finish when the refresh builds its panes. Between refreshes the clock runs at
the chosen speed (1x to 60x), or stands while paused; seeking back builds the state again
from the first refresh (correct before fast). Actions are off: the runner is read-only, the
UI refuses them, and a guard on every AWS client refuses any call that would leave.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from collections import Counter, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError

from todotui.actions.journal import Journal
from todotui.aws.metrics import MetricFetch
from todotui.config import Settings, StackNames
from todotui.core.clock import ManualClock
from todotui.core.cockpit import Cockpit
from todotui.core.monitor import Identity, Monitor
from todotui.core.recording import Frame, FrameCoder, RecordedRead, error_from, pane_digest
from todotui.reports.recording_format import RecordingError, read_recording
from todotui.telemetry.aws_types import LogEvent, MetricAlarm, Read, ResourceReads
from todotui.telemetry.catalogue import MetricSpec
from todotui.telemetry.versions import AliasRouting, VersionInfo

#: The speeds `faster`/`slower` step through (recorded seconds per wall second).
SPEEDS = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0)

#: How often (wall seconds) the playing clock moves on.
TICK_SECONDS = 0.2

READ_ONLY_MESSAGE = "replay: read-only recording (actions are disabled while replaying)"


class ReplayBlocked(BotoCoreError):
    """Raised before any AWS request leaves during a replay (nothing is sent)."""

    fmt = "replay: read-only recording; {operation} was not sent"


@dataclass(frozen=True, slots=True)
class Recording:
    """A recording read back: its settings, who was watched, and every whole refresh."""

    path: Path
    app_version: str
    settings: Settings
    identity: Identity | None
    region: str | None
    endpoint_url: str | None
    frames: tuple[Frame, ...]
    problem: str | None = None
    """Why the file ends early (a crash mid-write), when it does: replayed up to there."""

    @property
    def start(self) -> datetime:
        return self.frames[0].started

    @property
    def end(self) -> datetime:
        return self.frames[-1].finished

    @property
    def duration_seconds(self) -> float:
        return (self.end - self.start).total_seconds()

    @classmethod
    def load(cls, path: Path) -> Recording:
        """Read `path`; raises RecordingError when it is not a recording or holds no refresh."""
        lines = read_recording(path)
        header = lines.header
        try:
            settings = Settings.model_validate(header["settings"])
        except (KeyError, ValueError) as exc:
            raise RecordingError(f"{path}: the header's settings are not valid ({exc})") from None
        coder = FrameCoder()
        frames: list[Frame] = []
        identity: Identity | None = None
        region, endpoint = settings.aws.region, settings.aws.endpoint_url
        problem = lines.problem
        for number, line in enumerate(lines.lines, start=2):
            kind = line.get("t")
            try:
                if kind == "identity":
                    identity = Identity(**{k: line.get(k) for k in Identity.__dataclass_fields__})
                elif kind == "target":
                    region, endpoint = line.get("region"), line.get("endpoint_url")
                elif kind == "refresh":
                    frames.append(coder.frame(line))
            except (KeyError, TypeError, ValueError, RecordingError) as exc:
                problem = f"line {number} cannot be read ({exc}): replayed up to the one before"
                break
        if not frames:
            why = f" ({problem})" if problem else ""
            raise RecordingError(f"{path}: the recording holds no whole refresh{why}")
        if problem:
            problem = f"{problem}; {len(frames)} whole refreshes replayed"
        return cls(
            path=path,
            app_version=str(header.get("app", "?")),
            settings=settings,
            identity=identity,
            region=region,
            endpoint_url=endpoint,
            frames=tuple(frames),
            problem=problem,
        )


class ReplayReads:
    """The Monitor's reads, answered from one recorded refresh at a time (no IO).

    `load(frame)` queues the refresh's answers by kind and key; when the Monitor has read
    them all, the clock moves to the recorded finish and the recorded requests are counted
    (so the cost meter says what watching cost then). A read the recording does not hold
    fails as a read would, and is counted in `divergences`."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.requests: Counter[str] = Counter()
        self.divergences: list[str] = []
        self._queues: dict[tuple[str, str], deque[RecordedRead]] = {}
        self._left = 0
        self._frame: Frame | None = None

    def load(self, frame: Frame) -> None:
        self._frame = frame
        self._queues = {}
        for read in frame.reads:
            self._queues.setdefault((read.kind, read.key), deque()).append(read)
        self._left = len(frame.reads)
        self.clock.now = frame.started
        if not self._left:
            self._finish()

    def finish(self) -> None:
        """After the refresh: whatever it did not read, the clock still ends at the finish."""
        if self._frame is not None and self._left:
            self.divergences.append(
                f"refresh {self._frame.index}: {self._left} recorded reads were not asked for"
            )
            self._left = 0
            self._finish()

    def _finish(self) -> None:
        assert self._frame is not None
        self.clock.now = self._frame.finished
        self.requests.update(self._frame.requests)

    async def _take(self, kind: str, key: str = "") -> RecordedRead:
        """The next recorded answer of this kind. It lands after every read the refresh
        started at the same moment has started (as AWS's answers do, over the network):
        each read suspends once, so what a read computes before asking (the versions the
        metric fetch covers) is computed from the state before any answer, as it was live."""
        await asyncio.sleep(0)
        queue = self._queues.get((kind, key))
        if not queue:
            index = self._frame.index if self._frame else "?"
            what = f"{kind} {key}".strip()
            self.divergences.append(f"refresh {index}: asked for {what}, not recorded")
            raise ReplayBlocked(operation=f"{what} (not in the recording)")
        read = queue.popleft()
        self._left -= 1
        if self._left == 0:
            self._finish()
        if read.error is not None:
            raise error_from(read.error)
        return read

    async def prepare(self) -> None:
        return None

    async def metrics(
        self,
        specs: tuple[MetricSpec, ...],
        *,
        start: datetime,
        end: datetime,
        period_seconds: int,
    ) -> MetricFetch:
        read = await self._take("metrics")
        fetch: MetricFetch = read.answer
        if [spec.id for spec in specs] != list(fetch.results):
            self.divergences.append("metrics asked for other series than were recorded")
        if (fetch.start, fetch.end) != (start, end):
            self.divergences.append(
                f"metrics asked for {start:%H:%M:%S}-{end:%H:%M:%S}, recorded"
                f" {fetch.start:%H:%M:%S}-{fetch.end:%H:%M:%S}"
            )
        return fetch

    async def alarms(self, names: Sequence[str]) -> dict[str, MetricAlarm]:
        answer: dict[str, MetricAlarm] = (await self._take("alarms")).answer
        return answer

    async def log_events(
        self, log_group: str, *, pattern: str, start_ms: int, limit: int
    ) -> list[LogEvent]:
        events: list[LogEvent] = (await self._take("logs", pattern)).answer
        return events

    async def resources(self, stack: StackNames) -> ResourceReads:
        reads: ResourceReads = (await self._take("resources")).answer
        return reads

    async def alias(self, stack: StackNames) -> Read[AliasRouting]:
        read: Read[AliasRouting] = (await self._take("alias")).answer
        return read

    async def version_info(self, stack: StackNames, version: str) -> Read[VersionInfo]:
        read: Read[VersionInfo] = (await self._take("version", version)).answer
        return read


def replay_settings(recording: Recording) -> Settings:
    """The recorded settings, read-only, pointed where the recording was made (never called)."""
    aws = {"region": recording.region, "endpoint_url": recording.endpoint_url}
    return recording.settings.with_overrides(aws={**aws, "read_only": True, "profile": None})


def replay_cockpit(recording: Recording, *, data_dir: Path | None = None) -> Cockpit:
    """A core for `recording`: its clock at the start, read-only, its rollout driver idle,
    a journal of its own (the operator's is neither read nor written), and a guard on every
    AWS client that refuses any request before it is sent."""
    data_dir = data_dir or Path(tempfile.mkdtemp(prefix="todotui-replay-"))
    clock = ManualClock(recording.start)
    core = Cockpit(
        replay_settings(recording), clock=clock, journal=Journal(data_dir / "journal.jsonl")
    )
    core.rollouts.autodrive = False
    core.clients.on_every_client("before-call", _refuse_call)
    return core


def _refuse_call(model: Any = None, **_: Any) -> None:
    name = getattr(model, "name", "a request")
    raise ReplayBlocked(operation=name)


class Player:
    """Plays a recording into a replay core: pause, step, speed and seek.

    Listeners (`subscribe`) hear after every change of position or state; `seeking` is True
    while a seek rebuilds state (the UI draws once, at the end, not every refresh)."""

    def __init__(self, core: Cockpit, recording: Recording) -> None:
        if not isinstance(core.clock, ManualClock):
            raise TypeError("a replay core runs on a ManualClock (see replay_cockpit)")
        self.core = core
        self.recording = recording
        self.clock: ManualClock = core.clock
        self.frames = recording.frames
        self.index = 0
        """Refreshes applied so far (the next one to apply is `frames[index]`)."""
        self.paused = False
        self.speed = SPEEDS[0]
        self.seeking = False
        self.generation = 0
        """Moves on with every step or seek: the UI redraws everything when it has."""
        self.reads = ReplayReads(self.clock)
        self.mismatches: set[int] = set()
        """Refreshes whose rebuilt panes differ from those recorded (by digest)."""
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._listeners: list[Callable[[], None]] = []
        self.identity = recording.identity or Identity(
            account=None,
            arn=None,
            region=recording.region,
            endpoint_url=recording.endpoint_url,
            profile=None,
        )
        core.monitor.reads = self.reads

    # -- state ----------------------------------------------------------------------------------

    @property
    def start(self) -> datetime:
        return self.recording.start

    @property
    def end(self) -> datetime:
        return self.recording.end

    @property
    def span(self) -> tuple[datetime, datetime, int]:
        """(start, end, refreshes): what "go to" is checked against."""
        return self.start, self.end, len(self.frames)

    @property
    def position_seconds(self) -> float:
        return (self.clock() - self.start).total_seconds()

    @property
    def duration_seconds(self) -> float:
        return self.recording.duration_seconds

    @property
    def ended(self) -> bool:
        return self.index >= len(self.frames) and self.clock() >= self.end

    @property
    def divergences(self) -> list[str]:
        return self.reads.divergences

    def subscribe(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def _changed(self) -> None:
        for listener in list(self._listeners):
            listener()

    # -- what the operator controls -------------------------------------------------------------

    def toggle_pause(self) -> None:
        if self.ended and self.paused:
            return  # at the end: seek or step back first
        self.paused = not self.paused
        self._wake.set()
        self._changed()

    def faster(self) -> None:
        self.speed = next((s for s in SPEEDS if s > self.speed), SPEEDS[-1])
        self._changed()

    def slower(self) -> None:
        self.speed = next((s for s in reversed(SPEEDS) if s < self.speed), SPEEDS[0])
        self._changed()

    async def step(self, count: int = 1) -> None:
        """Pause, and stand just after the next refresh (count > 0) or the one before."""
        self.paused = True
        if count > 0:
            number = min(len(self.frames), self.index + count)
        else:
            number = max(1, self.index + count)
        await self._go(number, self.frames[number - 1].finished)

    async def seek_by(self, seconds: float) -> None:
        await self.seek(self.clock() + timedelta(seconds=seconds))

    async def seek(self, when: datetime, *, pause: bool | None = None) -> None:
        """Stand at `when` (within the recording) with every refresh started by then applied;
        going back builds the state again from the first refresh."""
        when = min(max(when, self.start), self.end)
        if pause is not None:
            self.paused = pause
        number = max(1, sum(1 for frame in self.frames if frame.started <= when))
        await self._go(number, when)

    async def seek_to_refresh(self, number: int) -> None:
        """Stand just after refresh `number` (1-based) was applied, paused."""
        number = min(max(number, 1), len(self.frames))
        self.paused = True
        await self._go(number, self.frames[number - 1].finished)

    async def _go(self, number: int, when: datetime) -> None:
        """The first `number` refreshes applied (from the start again if more are), then the
        clock at `when` (never before the last applied refresh finished)."""
        async with self._lock:
            self.seeking = True
            try:
                if number < self.index:
                    self._reset()
                while self.index < number:
                    # the digest is checked where the seek lands (the panes then drawn)
                    await self._apply(self.frames[self.index], check=self.index == number - 1)
                self.clock.now = max(when, self.frames[number - 1].finished)
            finally:
                self.seeking = False
                self.generation += 1
        self._wake.set()
        self._changed()

    # -- playing --------------------------------------------------------------------------------

    async def begin(self) -> None:
        """The first refresh, at once (the screen is never empty)."""
        async with self._lock:
            if self.index == 0:
                await self._apply(self.frames[0])
        self._changed()

    async def run(self) -> None:
        """Play until cancelled: the clock moves `speed` recorded seconds per wall second."""
        await self.begin()
        loop = asyncio.get_running_loop()
        last = loop.time()
        while True:
            if self.paused or self.ended:
                if self.ended and not self.paused:
                    self.paused = True
                    self._changed()
                self._wake.clear()
                await self._wake.wait()
                last = loop.time()
                continue
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), TICK_SECONDS)
            now = loop.time()
            elapsed, last = now - last, now
            if self.paused:
                continue
            async with self._lock:
                await self._advance_to(self.clock() + timedelta(seconds=elapsed * self.speed))
            self._changed()

    async def _advance_to(self, when: datetime) -> None:
        when = min(when, self.end)
        while self.index < len(self.frames) and self.frames[self.index].started <= when:
            await self._apply(self.frames[self.index])
        if when > self.clock():
            self.clock.now = when

    async def _apply(self, frame: Frame, *, check: bool = True) -> None:
        core, monitor = self.core, self.core.monitor
        self.reads.load(frame)  # the clock is at the refresh's recorded start
        if monitor.window_seconds != frame.window_seconds:
            monitor.window_seconds = frame.window_seconds
        if core.poller.refresh_seconds != frame.refresh_seconds:
            core.poller.refresh_seconds = frame.refresh_seconds
        if monitor.watched_versions != frozenset(frame.watched):
            monitor.watch_versions(frame.watched)
        if frame.noted_alias is not None and frame.noted_at is not None:
            monitor.alias, monitor.alias_error = frame.noted_alias, None
            monitor.alias_read_at = frame.noted_at  # as `note_alias` left it, live
        if core.poller.identity is None:
            core.poller.identity = self.identity  # STS is never asked
        refresh = await core.poller.refresh_once()
        self.reads.finish()
        self.index = frame.index + 1
        if check and frame.panes_digest and pane_digest(refresh.panes) != frame.panes_digest:
            self.mismatches.add(frame.index)

    def _reset(self) -> None:
        """A fresh Monitor, an empty feed and poller, the clock at the start: state as before
        the first refresh. The core, its clients and the UI's subscriptions stay."""
        core = self.core
        monitor = Monitor(core.settings, clients=core.clients, clock=self.clock, alerts=core.alerts)
        divergences = self.reads.divergences
        self.reads = ReplayReads(self.clock)
        self.reads.divergences = divergences
        monitor.reads = self.reads
        core.monitor = core.poller.monitor = core.rollouts.monitor = monitor
        core.alerts.clear()
        poller = core.poller
        poller.refreshes = poller.failures = 0
        poller.last = poller.last_good_at = None
        self.index = 0
        self.clock.now = self.start


class SeekError(ValueError):
    """A position the seek prompt cannot read; the message says what it takes."""


def parse_seek(text: str, start: datetime, end: datetime, refreshes: int) -> datetime | int:
    """Where "go to" goes: "12:30" or "1:02:03" (into the recording), "@05:40:12" (that time
    of day, UTC, on the recording's day), "#42" (refresh 42, 1-based). Returns the moment,
    or the refresh number; raises SeekError with what it accepts."""
    text = text.strip()
    count = refreshes
    duration = (end - start).total_seconds()
    if text.startswith("#"):
        try:
            number = int(text[1:])
        except ValueError:
            raise SeekError(f"{text!r}: a refresh is # and a number, 1 to {count}") from None
        if not 1 <= number <= count:
            raise SeekError(f"refresh {number}: the recording has refreshes 1 to {count}")
        return number
    at_time = text.startswith("@")
    fields = text.lstrip("@").split(":")
    try:
        values = [int(f) for f in fields]
    except ValueError:
        values = []
    if not 2 <= len(values) <= 3 or any(v < 0 for v in values) or any(v > 59 for v in values[1:]):
        raise SeekError(f"{text!r}: write 12:30 (into the recording), @05:40:12 (UTC) or #42")
    if at_time:
        hours, minutes, seconds = [*values, 0][:3]
        if hours > 23:
            raise SeekError(f"{text!r}: a time of day is 00:00 to 23:59:59")
        moment = start.replace(hour=hours, minute=minutes, second=seconds, microsecond=0)
        if moment < start.replace(microsecond=0) or moment > end:
            raise SeekError(
                f"{text!r}: the recording runs from {start:%H:%M:%S} to {end:%H:%M:%S} UTC"
            )
        return max(moment, start)
    if len(values) == 2:
        offset = values[0] * 60 + values[1]
    else:
        offset = values[0] * 3600 + values[1] * 60 + values[2]
    if offset > duration:
        raise SeekError(
            f"{text!r}: the recording lasts {int(duration) // 60}:{int(duration) % 60:02d}"
        )
    return start + timedelta(seconds=offset)
