"""`todotui --record FILE`: every refresh's reads written as they arrive, and read back.

`RecordingReads` wraps the Monitor's `Reads` (the seam where fetched data enters it) and
keeps each answer, or the error it raised, in the order the refresh asked; `Recorder`
writes them as one line when the poller reports the refresh, with its times, the cadence
and window it ran at, the versions it watched and the requests it sent. `decode_frames`
turns the lines back into the same answers for `todotui.core.replay`. The file format
itself (gzip'd JSON lines, delta-coded series) is `todotui.reports.recording_format`.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, is_dataclass
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from todotui import __version__
from todotui.aws.errors import AWS_ERRORS, describe_error
from todotui.aws.metrics import MetricFetch, SeriesResult
from todotui.config import Settings, StackNames
from todotui.core.monitor import Monitor
from todotui.core.poller import Connected, PollEvent, Refreshed
from todotui.core.reads import Reads
from todotui.reports.recording_format import (
    RecordingError,
    RecordingWriter,
    Repeats,
    SeriesDelta,
    from_json,
    from_micros,
    header_line,
    micros,
    to_json,
)
from todotui.telemetry.aws_types import LogEvent, MetricAlarm, Read, ResourceReads
from todotui.telemetry.catalogue import MetricSpec
from todotui.telemetry.model import PaneSnapshot
from todotui.telemetry.versions import AliasRouting, VersionInfo


class RecordedFailure(BotoCoreError):
    """A read that failed when it was recorded, raised again in replay in the same words."""

    fmt = "{said}"


# -- errors -----------------------------------------------------------------------------------


def error_json(exc: BaseException) -> dict[str, Any]:
    """What a failed read raised: AWS's error document for a ClientError (the Monitor
    retries a GetMetricData refused for its percentiles), else the words it was said in."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return {
            "code": error.get("Code"),
            "message": error.get("Message"),
            "status": exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode"),
            "op": exc.operation_name,
        }
    return {"said": describe_error(exc)}


def error_from(data: Mapping[str, Any]) -> Exception:
    """The exception `error_json` described (the Monitor words it as it did when recorded)."""
    if "said" in data:
        return RecordedFailure(said=data["said"])
    error = {k: v for k, v in (("Code", data["code"]), ("Message", data["message"])) if v}
    response: dict[str, Any] = {"Error": error}
    if data.get("status") is not None:
        response["ResponseMetadata"] = {"HTTPStatusCode": data["status"]}
    refused: Exception = ClientError(response, str(data.get("op") or "Unknown"))
    return refused


# -- answers ----------------------------------------------------------------------------------


def _answer_json(answer: Any) -> Any:
    """A raw AWS answer without its ResponseMetadata (request ids and dates: noise here)."""
    if isinstance(answer, Mapping):
        answer = {k: v for k, v in answer.items() if k != "ResponseMetadata"}
    return to_json(answer)


def _read_json(read: Read[Any], *, flat: bool = False) -> dict[str, Any]:
    answer = asdict(read.answer) if flat and read.answer is not None else read.answer
    out: dict[str, Any] = {"a": _answer_json(answer)}
    if read.error is not None:
        out["e"] = read.error
        out["c"] = read.error_code
    return out


def _read_from(data: Mapping[str, Any], kind: type | None = None) -> Read[Any]:
    answer = from_json(data.get("a"))
    if kind is not None and answer is not None:
        answer = kind(**answer)
    return Read(answer=answer, error_code=data.get("c"), error=data.get("e"))


def _resources_json(reads: ResourceReads) -> dict[str, Any]:
    return {
        "region": reads.region,
        "function": _read_json(reads.function),
        "concurrency": _read_json(reads.concurrency),
        "account": _read_json(reads.account),
        "table": _read_json(reads.table),
    }


def _resources_from(data: Mapping[str, Any]) -> ResourceReads:
    return ResourceReads(
        data.get("region"),
        _read_from(data["function"]),
        _read_from(data["concurrency"]),
        _read_from(data["account"]),
        _read_from(data["table"]),
    )


@dataclass(frozen=True, slots=True)
class RecordedRead:
    """One read of a refresh as recorded: its kind, its key (the log pattern, the version),
    what it asked (`asked`: the metric range, the log cursor) and the answer or the error."""

    kind: str
    key: str = ""
    answer: Any = None
    error: Mapping[str, Any] | None = None
    asked: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Frame:
    """One recorded refresh."""

    index: int
    started: datetime
    finished: datetime
    window_seconds: int
    refresh_seconds: float
    watched: tuple[str, ...]
    requests: Mapping[str, int]
    """Requests the refresh sent, by "service.Operation" (what the cost meter counted)."""
    reads: tuple[RecordedRead, ...]
    panes_digest: str = ""
    """`pane_digest` of the panes the refresh built, to check a replay rebuilds them."""
    noted_alias: AliasRouting | None = None
    """The alias as read between refreshes (after an alias write), when it was: the Monitor
    held this, not what the last refresh read, when this refresh began."""
    noted_at: datetime | None = None


class FrameCoder:
    """Encodes reads as frame entries and back; one instance per direction, in file order
    (the delta coders hold what was written before)."""

    def __init__(self) -> None:
        self.series = SeriesDelta()
        self.repeats = Repeats()
        self._decoded: dict[str, Any] = {}
        """The last answer read of each kind and key: a "same" entry is that object again
        (nothing the Monitor does with an answer changes it)."""

    # -- writing ------------------------------------------------------------------------------

    def metrics(
        self, asked: Mapping[str, Any], fetch: MetricFetch | None, exc: BaseException | None
    ) -> dict[str, Any]:
        entry: dict[str, Any] = {"k": "metrics", **asked}
        if fetch is None:
            entry["err"] = error_json(exc) if exc is not None else {"said": "no answer"}
            return entry
        entry.update(
            {"calls": fetch.calls, "mr": fetch.metrics_requested, "msg": list(fetch.messages)}
        )
        results = fetch.results
        entry.update(
            self.series.encode(
                {sid: r.points for sid, r in results.items()}, fetch.start, fetch.end
            )
        )
        odd = {
            sid: {"st": r.status, "m": list(r.messages)}
            for sid, r in results.items()
            if r.status != "Complete" or r.messages
        }
        if odd:
            entry["odd"] = odd
        return entry

    def simple(
        self, kind: str, key: str, value: Any, exc: BaseException | None, **asked: Any
    ) -> dict[str, Any]:
        entry: dict[str, Any] = {"k": kind, **({"key": key} if key else {}), **asked}
        if exc is not None:
            entry["err"] = error_json(exc)
        else:
            entry.update(self.repeats.encode(f"{kind}:{key}", value))
        return entry

    # -- reading ------------------------------------------------------------------------------

    def read(self, entry: Mapping[str, Any]) -> RecordedRead:
        kind, key = entry["k"], entry.get("key", "")
        if kind == "metrics":
            asked = {"start": entry["start"], "end": entry["end"], "p": entry["p"]}
            if "err" in entry:
                return RecordedRead(kind, error=entry["err"], asked=asked)
            start, end = from_micros(entry["start"]), from_micros(entry["end"])
            points = self.series.decode(entry, start, end)
            odd = entry.get("odd", {})
            results = {
                sid: SeriesResult(
                    id=sid,
                    points=pts,
                    status=odd.get(sid, {}).get("st", "Complete"),
                    messages=tuple(odd.get(sid, {}).get("m", ())),
                )
                for sid, pts in points.items()
            }
            fetch = MetricFetch(
                start=start,
                end=end,
                results=results,
                calls=entry["calls"],
                metrics_requested=entry["mr"],
                messages=tuple(entry.get("msg", ())),
            )
            return RecordedRead(kind, answer=fetch, asked=asked)
        asked = {k: v for k, v in entry.items() if k not in ("k", "key", "err", "v", "same")}
        if "err" in entry:
            return RecordedRead(kind, key, error=entry["err"], asked=asked)
        slot = f"{kind}:{key}"
        value = self.repeats.decode(slot, entry)
        if entry.get("same") and slot in self._decoded:
            return RecordedRead(kind, key, answer=self._decoded[slot], asked=asked)
        if kind == "alarms":
            answer: Any = {name: from_json(alarm) for name, alarm in value.items()}
        elif kind == "logs":
            answer = from_json(value)
        elif kind == "resources":
            answer = _resources_from(value)
        elif kind == "alias":
            answer = _read_from(value, AliasRouting)
        elif kind == "version":
            answer = _read_from(value, VersionInfo)
        else:
            raise RecordingError(f"a read of an unknown kind {kind!r}")
        self._decoded[slot] = answer
        return RecordedRead(kind, key, answer=answer, asked=asked)

    def frame(self, line: Mapping[str, Any]) -> Frame:
        return Frame(
            index=int(line["n"]),
            started=from_micros(line["started"]),
            finished=from_micros(line["finished"]),
            window_seconds=int(line["window"]),
            refresh_seconds=float(line["every"]),
            watched=tuple(line.get("watched", ())),
            requests=dict(line.get("req", {})),
            reads=tuple(self.read(entry) for entry in line["reads"]),
            panes_digest=line.get("panes", ""),
            noted_alias=AliasRouting(**line["noted"]["alias"]) if "noted" in line else None,
            noted_at=from_micros(line["noted"]["at"]) if "noted" in line else None,
        )


def pane_digest(panes: Mapping[str, PaneSnapshot]) -> str:
    """A short fingerprint of pane values (times as instants, so a time zone object's
    spelling does not count): equal panes, equal digests."""

    def plain(value: Any) -> Any:
        if isinstance(value, datetime):
            return micros(value)
        if isinstance(value, Enum):
            return value.value
        if is_dataclass(value) and not isinstance(value, type):
            return {f: plain(getattr(value, f)) for f in value.__dataclass_fields__}
        if isinstance(value, Mapping):
            return {str(k): plain(v) for k, v in sorted(value.items())}
        if isinstance(value, (list, tuple)):
            return [plain(v) for v in value]
        return value

    text = json.dumps(plain(dict(panes)), sort_keys=True, default=repr)
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


# -- the tee ----------------------------------------------------------------------------------


class RecordingReads:
    """The Monitor's reads, passed through, each answer (or error) kept for the recorder."""

    def __init__(self, inner: Reads, recorder: Recorder) -> None:
        self.inner = inner
        self.recorder = recorder

    @property
    def requests(self) -> Mapping[str, int]:
        return self.inner.requests

    async def prepare(self) -> None:
        self.recorder.begin(self.inner.requests)
        await self.inner.prepare()

    async def metrics(
        self,
        specs: tuple[MetricSpec, ...],
        *,
        start: datetime,
        end: datetime,
        period_seconds: int,
    ) -> MetricFetch:
        asked = {"start": micros(start), "end": micros(end), "p": period_seconds}
        try:
            fetch = await self.inner.metrics(
                specs, start=start, end=end, period_seconds=period_seconds
            )
        except AWS_ERRORS as exc:
            self.recorder.keep(self.recorder.coder.metrics(asked, None, exc))
            raise
        self.recorder.keep(self.recorder.coder.metrics(asked, fetch, None))
        return fetch

    async def alarms(self, names: Sequence[str]) -> dict[str, MetricAlarm]:
        try:
            found = await self.inner.alarms(names)
        except AWS_ERRORS as exc:
            self.recorder.keep(self.recorder.coder.simple("alarms", "", None, exc))
            raise
        self.recorder.keep(
            self.recorder.coder.simple(
                "alarms", "", {n: _answer_json(a) for n, a in found.items()}, None
            )
        )
        return found

    async def log_events(
        self, log_group: str, *, pattern: str, start_ms: int, limit: int
    ) -> list[LogEvent]:
        asked = {"g": log_group, "from": start_ms, "lim": limit}
        try:
            events = await self.inner.log_events(
                log_group, pattern=pattern, start_ms=start_ms, limit=limit
            )
        except AWS_ERRORS as exc:
            self.recorder.keep(self.recorder.coder.simple("logs", pattern, None, exc, **asked))
            raise
        self.recorder.keep(
            self.recorder.coder.simple("logs", pattern, to_json(events), None, **asked)
        )
        return events

    async def resources(self, stack: StackNames) -> ResourceReads:
        reads = await self.inner.resources(stack)
        self.recorder.keep(
            self.recorder.coder.simple("resources", "", _resources_json(reads), None)
        )
        return reads

    async def alias(self, stack: StackNames) -> Read[AliasRouting]:
        read = await self.inner.alias(stack)
        self.recorder.keep(
            self.recorder.coder.simple("alias", "", _read_json(read, flat=True), None)
        )
        return read

    async def version_info(self, stack: StackNames, version: str) -> Read[VersionInfo]:
        read = await self.inner.version_info(stack, version)
        self.recorder.keep(
            self.recorder.coder.simple("version", version, _read_json(read, flat=True), None)
        )
        return read


class Recorder:
    """Writes a recording of one cockpit's refreshes to `path` (flushed after each one).

    `attach(monitor, poller.subscribe)`: the Monitor's reads are wrapped, and each Refreshed
    event writes that refresh's line; Connected writes who the cockpit watched."""

    def __init__(self, path: Path, settings: Settings, *, created: datetime) -> None:
        self.settings = settings
        self.coder = FrameCoder()
        self._reads: list[dict[str, Any]] = []
        self._counts_at_start: Counter[str] = Counter()
        self._monitor: Monitor | None = None
        self._alias_left: tuple[AliasRouting | None, datetime | None] = (None, None)
        """The alias as the last refresh left it: a different one at the next is a note."""
        self._noted: dict[str, Any] | None = None
        self._target_written = False
        self.frames = 0
        self.problem: str | None = None
        """Why writing stopped (disk full, file gone), once it has: the cockpit goes on."""
        try:
            self.writer = RecordingWriter(path)
            self.writer.write(
                header_line(
                    app_version=__version__,
                    stack=settings.stack.as_dict(),
                    settings=settings.model_dump(mode="json"),
                    created=created,
                )
            )
        except OSError as exc:
            raise RecordingError(f"cannot record to {path}: {exc.strerror or exc}") from None

    def attach(self, monitor: Monitor, subscribe: Any) -> None:
        self._monitor = monitor
        monitor.reads = RecordingReads(monitor.reads, self)
        subscribe(self.on_event)

    # -- from the tee ---------------------------------------------------------------------------

    def begin(self, requests: Mapping[str, int]) -> None:
        self._reads = []
        self._counts_at_start = Counter(requests)
        monitor = self._monitor
        self._noted = None
        if monitor is None or monitor.alias is None or monitor.alias_read_at is None:
            return
        if (monitor.alias, monitor.alias_read_at) != self._alias_left:
            self._noted = {"alias": asdict(monitor.alias), "at": micros(monitor.alias_read_at)}

    def keep(self, entry: dict[str, Any]) -> None:
        self._reads.append(entry)

    # -- from the poller ------------------------------------------------------------------------

    def on_event(self, event: PollEvent) -> None:
        monitor = self._monitor
        if monitor is None:
            return
        if isinstance(event, Connected):
            identity = asdict(event.identity)
            self._write({"t": "identity", **identity})
        elif isinstance(event, Refreshed):
            if not self._target_written and monitor.clients.connected:
                target = monitor.clients.target
                self._write(
                    {"t": "target", "region": target.region, "endpoint_url": target.endpoint_url}
                )
                self._target_written = True
            refresh = event.refresh
            sent = Counter(monitor.reads.requests)
            sent.subtract(self._counts_at_start)
            self._write(
                {
                    "t": "refresh",
                    "n": self.frames,
                    "started": micros(refresh.started_at),
                    "finished": micros(refresh.finished_at),
                    "window": monitor.window_seconds,
                    "every": monitor.refresh_seconds,
                    "watched": sorted(monitor.watched_versions, key=int),
                    "req": {k: n for k, n in sorted(sent.items()) if n > 0},
                    "panes": pane_digest(refresh.panes),
                    "reads": self._reads,
                    **({"noted": self._noted} if self._noted else {}),
                }
            )
            self._alias_left = (monitor.alias, monitor.alias_read_at)
            self._reads = []
            self.frames += 1

    def _write(self, line: Mapping[str, Any]) -> None:
        if self.problem is not None or self.writer.closed:
            return
        try:
            self.writer.write(line)
        except OSError as exc:
            self.problem = f"recording stopped: {exc.strerror or exc}"

    def close(self) -> None:
        try:
            self.writer.close()
        except OSError as exc:
            self.problem = self.problem or f"recording not closed cleanly: {exc.strerror or exc}"
