"""`todotui --demo` starts its sandbox before the heavy imports, and still refuses bad input.

The import checks run a fresh interpreter (this one has everything loaded already); the
settings check runs the real command, whose sandbox child is started and must be stopped.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from todotui.cli import EXIT_USAGE, main
from todotui.demo import StartingSandbox
from todotui.startup_trace import mark, wait_for

ROOT = Path(__file__).resolve().parent.parent


def _loaded_after(statement: str) -> set[str]:
    """The top-level packages a fresh interpreter holds after running `statement`."""
    code = f"import sys; {statement}; print(' '.join(sorted({{m.split('.')[0] for m in sys.modules}})))"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    return set(out.stdout.split())


def test_the_cli_and_the_demo_launcher_import_no_pydantic_sdk_or_ui():
    loaded = _loaded_after(
        "import todotui.cli, todotui.demo, todotui.sandbox.controller, todotui.sandbox.scenarios"
    )
    assert not loaded & {"pydantic", "botocore", "aiobotocore", "boto3", "moto", "textual", "rich"}


def test_the_parser_of_every_command_is_built_without_pydantic():
    loaded = _loaded_after("import todotui.cli; todotui.cli.build_parser()")
    assert "pydantic" not in loaded


def _children() -> set[int]:
    """Pids of this process's live children (Linux /proc)."""
    mine = str(os.getpid())
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[1] == mine and fields[0] != "Z":
            found.add(int(entry.name))
    return found


@pytest.mark.sandbox
def test_invalid_settings_with_demo_are_one_line_and_the_started_sandbox_is_stopped(
    tmp_path, capsys
):
    bad = tmp_path / "settings.toml"
    bad.write_text("[cadence]\nrefresh_seconds = 0.1\n", encoding="utf-8")
    before = _children()
    assert main(["--demo", "--config", str(bad)]) == EXIT_USAGE
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"todotui: {bad}: cadence.refresh_seconds") and "\n" not in err
    assert _children() <= before  # the sandbox child started first is gone again


@pytest.mark.sandbox
def test_a_missing_settings_file_with_demo_says_so(tmp_path, capsys):
    missing = tmp_path / "nope.toml"
    assert main(["--demo", "--config", str(missing)]) == EXIT_USAGE
    assert capsys.readouterr().err.strip() == f"todotui: {missing}: no such file"


def test_a_stage_can_be_waited_for_from_another_thread():
    stage = "test stage (never marked elsewhere)"
    assert not wait_for(stage, 0)
    seen: list[bool] = []
    waiter = threading.Thread(target=lambda: seen.append(wait_for(stage, 30)))
    waiter.start()
    mark(stage)
    waiter.join(timeout=30)
    assert seen == [True]


@pytest.mark.sandbox
def test_an_auto_sandbox_says_when_its_metrics_are_in_and_sends_the_last_traces_after():
    """The demo's first refresh goes on the child's line; the backfill's last traces follow a
    live tick, and until then the status still counts them as history to come."""
    from datetime import UTC, datetime, timedelta

    from todotui.sandbox.controller import Sandbox

    with Sandbox(period=1, backfill=5, history_days=0) as sandbox:
        early = sandbox.wait_for_history(metrics_only=True)
        assert early["ticks"] >= 5  # the backfilled periods' datapoints are in
        later = sandbox.wait_for_history(timeout=60)  # traces sent after the first live tick
        assert later["backfill_remaining"] == 0
        xray = sandbox.client("xray")
        end = datetime.now(UTC) + timedelta(minutes=1)
        summaries = xray.get_trace_summaries(StartTime=end - timedelta(minutes=10), EndTime=end)
        assert summaries["TraceSummaries"]


def _catches_sigterm(pid: int | None) -> bool:
    """Whether process `pid` has a SIGTERM handler of its own (Linux /proc: SigCgt)."""
    if pid is None:
        return False
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    caught = next(line for line in status.splitlines() if line.startswith("SigCgt:"))
    return bool(int(caught.split()[1], 16) >> (signal.SIGTERM - 1) & 1)


@pytest.mark.sandbox
def test_a_cockpit_quit_during_start_up_does_not_wait_for_the_sandbox():
    """q pressed on the skeleton: the cockpit's loop ends while the sandbox is still coming
    up (it used to wait ~3 s for it), and the child ends on its SIGTERM, mid-start-up,
    rather than finishing its start or being killed after the stop timeout."""
    starting = StartingSandbox("steady", read_only=True)
    try:
        while not _catches_sigterm(starting.sandbox.pid):  # the child's own start-up began
            time.sleep(0.02)

        async def quit_early() -> None:
            waiting = asyncio.create_task(starting.target())
            await asyncio.sleep(0.05)  # the core waits on the start-up, as at the first frame
            waiting.cancel()

        asyncio.run(quit_early())  # returns: nothing joins the start-up on the way out
        assert starting.sandbox.endpoint == ""  # it is not up yet
        child = starting.sandbox._process  # the Popen, to read how it ended
        assert child is not None
        starting.stop()
        assert child.returncode == 128 + signal.SIGTERM  # its own exit, on the signal
        assert not any(t.name == "sandbox-start" and t.is_alive() for t in threading.enumerate())
    finally:
        starting.stop()
