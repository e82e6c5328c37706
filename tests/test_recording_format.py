"""The recording file's pure parts: delta-coded series, repeats, the gzip lines, truncation, seek."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from todotui.core.recording import error_from, error_json
from todotui.core.replay import SeekError, parse_seek
from todotui.reports.recording_format import (
    RecordingError,
    RecordingWriter,
    Repeats,
    SeriesDelta,
    from_json,
    from_micros,
    header_line,
    micros,
    parse_recording,
    read_recording,
    to_json,
)

T0 = datetime(2026, 12, 2, 5, 0, tzinfo=UTC)


def at(minute: int) -> datetime:
    return T0 + timedelta(minutes=minute)


def window(first: int, last: int, value: float = 1.0) -> tuple[tuple[datetime, float], ...]:
    return tuple((at(m), value + m) for m in range(first, last))


def test_series_delta_rebuilds_every_answer_exactly_and_writes_only_what_changed():
    """A full window, then incremental answers that revise the newest periods, drop one,
    add new ones, and a whole window again: each is rebuilt exactly, and an answer that
    repeats what was written costs nothing."""
    answers = [
        (at(0), at(15), {"a": window(0, 15), "b": window(0, 15, 100.0)}),
        (at(12), at(16), {"a": window(12, 16), "b": (*window(12, 15, 100.0), (at(15), 7.5))}),
        (at(13), at(17), {"a": (*window(13, 16), (at(16), 0.1)), "b": window(13, 15, 100.0)}),
        (at(13), at(17), {"a": (*window(13, 16), (at(16), 0.1)), "b": window(13, 15, 100.0)}),
        (at(2), at(17), {"a": window(2, 17, 3.0), "b": ()}),
        (at(3), at(18), {"a": (*window(3, 17, 3.0), (at(17), math.nan)), "b": ()}),
    ]
    writer, reader = SeriesDelta(), SeriesDelta()
    written = []
    for start, end, series in answers:
        frame = writer.encode(series, start, end)
        written.append(frame)
        rebuilt = reader.decode(frame, start, end)
        assert list(rebuilt) == list(series)
        for sid, points in series.items():
            got = rebuilt[sid]
            assert [t for t, _ in got] == [t for t, _ in points]
            assert all(
                a == b or (math.isnan(a) and math.isnan(b))
                for (_, a), (_, b) in zip(got, points, strict=True)
            )
    assert written[3] == {}  # the same answer again: nothing at all
    assert written[1]["s"]["b"] == {"+": [[int(at(15).timestamp()), 7.5]]}  # only the new point
    assert written[2]["s"]["b"] == {"-": [int(at(15).timestamp())]}  # the point no longer there


def test_series_off_the_grid_are_written_whole():
    odd = ((T0 + timedelta(seconds=1, microseconds=5), 1.0), (T0, 2.0))  # unsorted, fractional
    writer, reader = SeriesDelta(), SeriesDelta()
    frame = writer.encode({"x": odd}, T0, at(5))
    assert "=" in frame["s"]["x"]
    assert reader.decode(frame, T0, at(5))["x"] == odd


def test_repeats_write_same_for_an_equal_answer():
    writer, reader = Repeats(), Repeats()
    entries = [writer.encode("alarms", v) for v in ({"a": 1}, {"a": 1}, {"a": 2}, {"a": 2})]
    assert [("same" in e) for e in entries] == [False, True, False, True]
    assert [reader.decode("alarms", e) for e in entries] == [{"a": 1}, {"a": 1}, {"a": 2}, {"a": 2}]
    with pytest.raises(RecordingError):
        Repeats().decode("alarms", {"same": True})


def test_values_and_times_round_trip():
    moment = datetime(2026, 12, 2, 5, 1, 2, 345678, tzinfo=UTC)
    assert from_micros(micros(moment)) == moment
    value = {"When": moment, "List": (1, 2.5, "x"), "Nested": {"t": [moment]}}
    assert from_json(to_json(value)) == {
        "When": moment,
        "List": [1, 2.5, "x"],
        "Nested": {"t": [moment]},
    }


def test_recorded_errors_are_raised_again_in_the_same_words():
    from botocore.exceptions import ClientError, EndpointConnectionError

    from todotui.aws.errors import describe_error

    refused = ClientError(
        {
            "Error": {"Code": "Throttling", "Message": "Rate exceeded"},
            "ResponseMetadata": {"HTTPStatusCode": 400},
        },
        "GetMetricData",
    )
    down = EndpointConnectionError(endpoint_url="http://127.0.0.1:1/")
    for exc in (refused, down):
        again = error_from(error_json(exc))
        assert describe_error(again) == describe_error(exc)
    assert isinstance(
        error_from(error_json(refused)), ClientError
    )  # the percentiles retry needs it


def _write(path: Path, lines: int) -> None:
    writer = RecordingWriter(path)
    writer.write(header_line(app_version="t", stack={}, settings={}, created=T0))
    for n in range(lines):
        writer.write({"t": "refresh", "n": n, "pad": "x" * (n * 37 % 200)})
    writer.close()


def test_a_file_cut_anywhere_reads_as_its_whole_lines(tmp_path):
    """A crash can stop the file at any byte: what is read is always a prefix of what was
    written, whole lines only, and says that the file ends early."""
    path = tmp_path / "r.rec.gz"
    _write(path, 20)
    raw = path.read_bytes()
    whole = parse_recording(raw)
    assert whole.problem is None and [line["n"] for line in whole.lines] == list(range(20))
    seen_counts = set()
    header_end = None
    for cut in range(len(raw) - 1, 10, -7):
        try:
            got = parse_recording(raw[:cut])
        except RecordingError:
            header_end = cut  # before the header was whole: refused, not guessed
            continue
        assert header_end is None  # once the header is readable, every longer cut is too
        numbers = [line["n"] for line in got.lines]
        assert numbers == list(range(len(numbers)))
        assert got.problem is not None
        seen_counts.add(len(numbers))
    assert len(seen_counts) > 5  # the cuts landed on many different refreshes


def test_an_unflushed_writer_is_still_readable_line_by_line(tmp_path):
    """Each line is flushed as written: a reader sees it before the writer closes."""
    path = tmp_path / "live.rec.gz"
    writer = RecordingWriter(path)
    writer.write(header_line(app_version="t", stack={}, settings={}, created=T0))
    for n in range(3):
        writer.write({"t": "refresh", "n": n})
        got = read_recording(path)
        assert [line["n"] for line in got.lines] == list(range(n + 1))
    writer.close()
    assert read_recording(path).problem is None


def test_other_files_are_refused_with_the_reason(tmp_path):
    with pytest.raises(RecordingError, match="not a todotui recording"):
        parse_recording(b'{"hello": 1}\n')
    with pytest.raises(RecordingError, match="format version 9"):
        parse_recording(b'{"t": "header", "format": "todotui-recording", "version": 9}\n')
    with pytest.raises(RecordingError, match="not a readable gzip"):
        parse_recording(b"\x1f\x8b" + b"garbage" * 10)


def test_go_to_reads_positions_times_and_refresh_numbers():
    start, end = (
        datetime(2026, 12, 2, 5, 40, 7, tzinfo=UTC),
        datetime(2026, 12, 2, 6, 40, 7, tzinfo=UTC),
    )
    assert parse_seek("12:30", start, end, 720) == start + timedelta(minutes=12, seconds=30)
    assert parse_seek("1:00:00", start, end, 720) == end
    assert parse_seek("@06:00", start, end, 720) == datetime(2026, 12, 2, 6, 0, tzinfo=UTC)
    assert parse_seek("#42", start, end, 720) == 42
    for bad, said in (
        ("#0", "refreshes 1 to 720"),
        ("#x", "a refresh is #"),
        ("61:00", "lasts 60:00"),
        ("12:75", "write 12:30"),
        ("soon", "write 12:30"),
        ("@07:00", "runs from 05:40:07 to 06:40:07"),
        ("@25:00", "00:00 to 23:59:59"),
    ):
        with pytest.raises(SeekError, match=said):
            parse_seek(bad, start, end, 720)


def test_the_cli_refuses_bad_recordings_and_paths_in_one_line(tmp_path, capsys):
    from todotui.cli import main

    missing = tmp_path / "missing.rec.gz"
    assert main(["replay", str(missing)]) == 2
    assert "cannot read it" in capsys.readouterr().err
    text = tmp_path / "notes.txt"
    text.write_text("hello\n")
    assert main(["replay", str(text)]) == 2
    assert "not a todotui recording" in capsys.readouterr().err
    assert main(["replay", str(text), "--speed", "100"]) == 2
    assert "--speed 100: choose 1 to 60" in capsys.readouterr().err
    # a recording never overwrites a file, and needs a directory that exists
    assert main(["--demo", "--record", str(text)]) == 2
    assert "the file exists" in capsys.readouterr().err
    assert main(["--demo", "--record", str(tmp_path / "no" / "such.rec.gz")]) == 2
    assert "no directory" in capsys.readouterr().err
