"""The recording file: gzip'd JSON lines, one line per refresh, written as it arrives.

Pure (no IO beyond the file itself, no AWS types). A recording is a header line
(`{"t": "header", "format": "todotui-recording", "version": 1, ...}`), then `identity` and
`target` lines when they are known, then one `refresh` line per refresh. Each line is
compressed into the same gzip stream and sync-flushed, so a crash loses at most the refresh
being written: `read_recording` returns every whole line and says where the file broke off.

Two encoders keep it small: `SeriesDelta` writes only the datapoints a GetMetricData answer
adds or changes since the last one written (each incremental fetch re-reads the newest few
periods, the first fills the whole window), and `Repeats` writes "same as last time" for an
answer equal to the previous one of its kind (alarms, resource facts, the alias).
"""

from __future__ import annotations

import itertools
import json
import math
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

FORMAT = "todotui-recording"
VERSION = 1

Points = tuple[tuple[datetime, float], ...]
"""One series as GetMetricData answered it: (timestamp, value), oldest first."""

_GZIP_MAGIC = b"\x1f\x8b"


class RecordingError(Exception):
    """The file is not a recording this version can replay; the message says why."""


# -- values: JSON with datetimes --------------------------------------------------------------


def to_json(value: Any) -> Any:
    """`value` as JSON data: datetimes become {"$d": ISO 8601}, tuples lists."""
    if isinstance(value, datetime):
        return {"$d": value.isoformat()}
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    return value


def from_json(value: Any) -> Any:
    """The inverse of `to_json` (lists stay lists)."""
    if isinstance(value, dict):
        if len(value) == 1 and "$d" in value:
            return datetime.fromisoformat(value["$d"])
        return {k: from_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_json(v) for v in value]
    return value


def micros(moment: datetime) -> int:
    """An aware datetime as whole microseconds since the epoch (exact, unlike a float)."""
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_micros(value: int) -> datetime:
    seconds, us = divmod(int(value), 1_000_000)
    return datetime.fromtimestamp(seconds, UTC).replace(microsecond=us)


# -- series: only what is new -----------------------------------------------------------------


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


class SeriesDelta:
    """Delta coding of successive GetMetricData answers; one instance encodes, another decodes.

    Both sides hold the points written so far (by series, by epoch second) and forget those
    before each answer's start in the same way, so an answer is: the ids (when they changed),
    and per series the points added or changed ("+"), the timestamps held but no longer in
    the answer ("-"), or, when that would not rebuild it exactly, the whole series ("=").
    """

    def __init__(self) -> None:
        self._held: dict[str, dict[int, float]] = {}
        self._ids: list[str] | None = None

    def _window(self, sid: str, start: int, end: int) -> dict[int, float]:
        return {ts: v for ts, v in self._held.get(sid, {}).items() if start <= ts < end}

    def _forget_before(self, start: int) -> None:
        for sid, held in self._held.items():
            self._held[sid] = {ts: v for ts, v in held.items() if ts >= start}

    def encode(
        self, series: Mapping[str, Points], start: datetime, end: datetime
    ) -> dict[str, Any]:
        lo, hi = _seconds(start), _seconds(end)
        ids = list(series)
        out: dict[str, Any] = {}
        if ids != self._ids:
            out["ids"] = ids
            self._ids = ids
        changes: dict[str, Any] = {}
        for sid, points in series.items():
            change = self._encode_one(sid, points, lo, hi)
            if change:
                changes[sid] = change
        if changes:
            out["s"] = changes
        self._forget_before(lo)
        return out

    def _encode_one(self, sid: str, points: Points, lo: int, hi: int) -> dict[str, Any]:
        whole = [_whole_seconds(t) for t, _ in points]
        stamps = [s for s in whole if s is not None]
        exact = (
            len(stamps) == len(points)
            and all(lo <= s < hi for s in stamps)
            and all(a < b for a, b in itertools.pairwise(stamps))
        )
        if not exact:  # off the grid, out of range or out of order: the whole series, as is
            self._held[sid] = {}
            return {"=": [[to_json(t), v] for t, v in points]}
        held = self._window(sid, lo, hi)
        answer = {s: v for s, (_, v) in zip(stamps, points, strict=True)}
        added = [[s, v] for s, v in answer.items() if s not in held or not _same(held[s], v)]
        removed = [s for s in held if s not in answer]
        kept = self._held.setdefault(sid, {})
        for s in removed:
            del kept[s]
        kept.update(answer)
        change: dict[str, Any] = {}
        if added:
            change["+"] = added
        if removed:
            change["-"] = removed
        return change

    def decode(self, frame: Mapping[str, Any], start: datetime, end: datetime) -> dict[str, Points]:
        lo, hi = _seconds(start), _seconds(end)
        if "ids" in frame:
            self._ids = list(frame["ids"])
        if self._ids is None:
            raise RecordingError("a metric answer without its series ids (not written in order)")
        changes = frame.get("s", {})
        result: dict[str, Points] = {}
        for sid in self._ids:
            change = changes.get(sid, {})
            if "=" in change:
                self._held[sid] = {}
                result[sid] = tuple((from_json(t), float(v)) for t, v in change["="])
                continue
            kept = self._held.setdefault(sid, {})
            for s in change.get("-", ()):
                kept.pop(int(s), None)
            for s, v in change.get("+", ()):
                kept[int(s)] = float(v)
            result[sid] = tuple(
                (from_seconds(s), v) for s, v in sorted(self._window(sid, lo, hi).items())
            )
        self._forget_before(lo)
        return result


def _seconds(moment: datetime) -> int:
    return micros(moment) // 1_000_000


def _whole_seconds(moment: datetime) -> int | None:
    if moment.tzinfo is None or moment.utcoffset() or moment.microsecond:
        return None
    return _seconds(moment)


def from_seconds(value: int) -> datetime:
    return datetime.fromtimestamp(int(value), UTC)


# -- answers that repeat ----------------------------------------------------------------------


class Repeats:
    """ "Same as last time" for answers of one kind (and key) equal to the previous one."""

    def __init__(self) -> None:
        self._last: dict[str, Any] = {}

    def encode(self, key: str, value: Any) -> dict[str, Any]:
        """`{"same": true}` when `value` (JSON data) equals the last one under `key`."""
        if key in self._last and self._last[key] == value:
            return {"same": True}
        self._last[key] = value
        return {"v": value}

    def decode(self, key: str, entry: Mapping[str, Any]) -> Any:
        if entry.get("same"):
            if key not in self._last:
                raise RecordingError(f"{key}: 'same as last time' with nothing before it")
            return self._last[key]
        self._last[key] = entry.get("v")
        return self._last[key]


# -- the file ---------------------------------------------------------------------------------


class RecordingWriter:
    """Appends JSON lines to a gzip stream, flushed to the OS after each line."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[bytes] = path.open("wb")
        self._zip = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        self.raw_bytes = 0
        """Bytes of JSON written (what the file would hold uncompressed)."""
        self.lines = 0

    @property
    def closed(self) -> bool:
        return self._file.closed

    def write(self, line: Mapping[str, Any]) -> None:
        data = (json.dumps(line, separators=(",", ":"), allow_nan=True) + "\n").encode()
        self.raw_bytes += len(data)
        self.lines += 1
        self._file.write(self._zip.compress(data) + self._zip.flush(zlib.Z_SYNC_FLUSH))
        self._file.flush()

    @property
    def compressed_bytes(self) -> int:
        return self._file.tell()

    def close(self) -> None:
        """End the gzip stream (a file not closed is still read up to its last whole line)."""
        if not self._file.closed:
            self._file.write(self._zip.flush())
            self._file.close()


@dataclass(frozen=True, slots=True)
class RecordingLines:
    """What a recording file holds: its header, then every whole line after it."""

    header: dict[str, Any]
    lines: tuple[dict[str, Any], ...]
    problem: str | None = None
    """Where and why the file broke off (a crash mid-write), when it did."""


def read_recording(path: Path) -> RecordingLines:
    """Every whole line of the recording at `path`; raises RecordingError if it has none."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RecordingError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    return parse_recording(raw, name=str(path))


def parse_recording(raw: bytes, *, name: str = "recording") -> RecordingLines:
    problem: str | None = None
    if raw.startswith(_GZIP_MAGIC):
        unzip = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            text = unzip.decompress(raw)
        except zlib.error as exc:
            raise RecordingError(f"{name}: not a readable gzip file ({exc})") from None
        if not unzip.eof:
            problem = "the file ends mid-write (the recording stopped without closing it)"
    else:
        text = raw
    chunks = text.split(b"\n")
    if chunks and chunks[-1]:
        problem = problem or "the file ends mid-line"
    lines: list[dict[str, Any]] = []
    for number, chunk in enumerate(chunks[:-1], start=1):
        try:
            lines.append(json.loads(chunk))
        except ValueError:
            problem = (
                f"line {number} is not whole JSON: the recording is read up to line {number - 1}"
            )
            break
    if not lines:
        raise RecordingError(f"{name}: not a todotui recording (no header line)")
    header = lines[0]
    if header.get("t") != "header" or header.get("format") != FORMAT:
        raise RecordingError(f"{name}: not a todotui recording (no {FORMAT} header)")
    if header.get("version") != VERSION:
        raise RecordingError(
            f"{name}: recording format version {header.get('version')!r};"
            f" this todotui reads version {VERSION}"
        )
    return RecordingLines(header=header, lines=tuple(lines[1:]), problem=problem)


def header_line(
    *, app_version: str, stack: Mapping[str, Any], settings: Mapping[str, Any], created: datetime
) -> dict[str, Any]:
    """The first line: what was recorded, by which version, with which settings."""
    return {
        "t": "header",
        "format": FORMAT,
        "version": VERSION,
        "app": app_version,
        "created": created.isoformat(),
        "stack": dict(stack),
        "settings": dict(settings),
    }
