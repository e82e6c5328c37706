"""Time from launching `todotui --demo` to its first frame and to its first data.

    .venv/bin/python bench/bench_startup.py [--runs 3] [--compiled] [--only warm|cold]

Runs the real command in a tmux session (as a user would), reads the screen with
`tmux capture-pane` every 20 ms, and reports when the cockpit first draws (the footer's
key list is on screen) and when the panes first show data (no pane says "loading").
The sandbox it starts is stopped by the app on quit; the tmux session is killed by name.

Each stage's time comes from the start-up trace the app and its sandbox child write when
TODOTUI_STARTUP_TRACE names a file (see src/todotui/startup_trace.py); all times are seconds
since the launch, on the machine's monotonic clock. The code run is the one on PYTHONPATH
if set (a worktree), else the installed one.

Where PYTHONDONTWRITEBYTECODE is set (this machine's sandboxes set it), every launch compiles
todotui's own modules again; `--compiled` keeps their bytecode in a temporary
PYTHONPYCACHEPREFIX (after one launch that is not counted), as an installed copy would have it.
The load average printed is the machine's: other work on the two cores shows in the figures.

The demo keeps its provisioned sandbox stack in todotui's cache directory and loads it on the
next start (src/todotui/sandbox/snapshot.py). Each launch here gets its own XDG_CACHE_HOME:
a *cold* one is empty (a first start on this machine, or after an upgrade: the stack is
provisioned, then kept), a *warm* one holds what an uncounted launch kept (every later start).
Cold and warm launches alternate, and their medians are printed side by side.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SESSION = f"todotui-bench-startup-{os.getpid()}"
"""Per run of this script: two benchmarks at once never kill each other's session."""


def screen() -> str:
    result = subprocess.run(
        ["tmux", "capture-pane", "-p", "-t", SESSION], capture_output=True, text=True
    )
    return result.stdout


KINDS = ("cold", "warm")
STAGES = (
    ("cli main", "interpreter + CLI module imported (no pydantic)"),
    ("app built", "app object exists (the skeleton: no settings or core yet)"),
    ("first frame", "first frame drawn (app's own mark)"),
    ("settings read", "settings read, pydantic + core imported (thread, after the frame)"),
    ("core attached", "core built and attached: every key works"),
    ("core's AWS SDK loaded", "aiobotocore + first refresh's models loaded (thread)"),
    ("sandbox main", "sandbox child: interpreter + CLI up"),
    ("sandbox imports done", "sandbox child: moto + server modules imported"),
    ("sandbox server up", "sandbox server listening"),
    ("stack provisioned", "stack provisioned (cold) or loaded from the cache (warm)"),
    ("sandbox announced", "sandbox endpoint printed"),
    ("sandbox endpoint read", "cockpit read the endpoint"),
    ("history backfilled", "history backfilled (5 min of periods, one step)"),
    ("sandbox ready for the core", "cockpit told the sandbox is ready"),
    ("first refresh done", "first refresh done"),
    ("backfill traces written", "backfill's last traces written (after a live tick)"),
    ("hourly history published", "hourly history (9 days) published"),
)


def read_trace(path: Path, start: float) -> dict[str, float]:
    """The first time each stage was marked, in seconds since `start`."""
    stages: dict[str, float] = {}
    if not path.exists():
        return stages
    for line in path.read_text(encoding="utf-8").splitlines():
        at, _pid, stage = line.split(" ", 2)
        stages.setdefault(stage, float(at) - start)
    return stages


def one_run(timeout: float, cache: Path, pycache: Path | None = None) -> dict[str, float]:
    todotui = str(Path(sys.executable).with_name("todotui"))
    subprocess.run(["tmux", "kill-session", "-t", SESSION], capture_output=True)
    trace = Path(tempfile.mkdtemp(prefix="todotui-bench-")) / "trace"
    env = [f"TODOTUI_STARTUP_TRACE={trace}", f"XDG_CACHE_HOME={cache}"]
    if os.environ.get("PYTHONPATH"):  # a tmux server started elsewhere does not pass it on
        env.append(f"PYTHONPATH={os.environ['PYTHONPATH']}")
    if pycache is not None:
        env = ["-u", "PYTHONDONTWRITEBYTECODE", *env, f"PYTHONPYCACHEPREFIX={pycache}"]
    start = time.monotonic()
    subprocess.run(
        [
            *("tmux", "new-session", "-d", "-s", SESSION, "-x", "160", "-y", "48"),
            f"env {' '.join(env)} {todotui} --demo",
        ],
        check=True,
        cwd=ROOT,
    )
    first_frame = first_data = None
    try:
        while time.monotonic() - start < timeout:
            text = screen()
            now = time.monotonic() - start
            if first_frame is None and "Refresh" in text and "palette" in text:
                first_frame = now
            if first_frame is not None and "Error rate" in text and "loading" not in text:
                first_data = now
                break
            time.sleep(0.02)
    finally:
        subprocess.run(["tmux", "send-keys", "-t", SESSION, "q"], capture_output=True)
        time.sleep(2)
        subprocess.run(["tmux", "kill-session", "-t", SESSION], capture_output=True)
    stages = read_trace(trace, start)
    shutil.rmtree(trace.parent, ignore_errors=True)
    if first_frame is not None:
        stages["screen: first frame"] = first_frame
    if first_data is not None:
        stages["screen: first data"] = first_data
    return stages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="launches of each kind")
    parser.add_argument("--timeout", type=float, default=90.0)
    parser.add_argument(
        "--compiled",
        action="store_true",
        help="keep todotui's bytecode between launches (one uncounted launch writes it)",
    )
    parser.add_argument(
        "--only", choices=KINDS, help="only warm or only cold launches (default: both)"
    )
    args = parser.parse_args()
    if not shutil.which("tmux"):
        sys.exit("tmux is needed (apt-get install -y tmux)")
    kinds = (args.only,) if args.only else KINDS
    scratch = Path(tempfile.mkdtemp(prefix="todotui-bench-cache-"))
    pycache = scratch / "pyc" if args.compiled else None
    warm_cache = scratch / "warm"
    if pycache is not None or "warm" in kinds:
        one_run(args.timeout, warm_cache, pycache)  # uncounted: writes bytecode, keeps a stack
    runs: dict[str, dict[str, list[float]]] = {kind: defaultdict(list) for kind in kinds}
    try:
        for run in range(args.runs):
            for kind in kinds:
                cache = warm_cache if kind == "warm" else scratch / f"cold-{run}"
                stages = one_run(args.timeout, cache, pycache)
                for stage, at in stages.items():
                    runs[kind][stage].append(at)
                frame, data = stages.get("screen: first frame"), stages.get("screen: first data")
                print(
                    f"run {run + 1} {kind}: first frame "
                    f"{frame if frame is None else f'{frame:.2f} s'}, "
                    f"first data {data if data is None else f'{data:.2f} s'}",
                    flush=True,
                )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    bytecode = "bytecode kept" if pycache else "bytecode as the environment has it"
    print(
        f"\nmedian of {args.runs} runs of each, seconds since launch ({bytecode}; "
        f"load {os.getloadavg()[0]:.2f}):"
    )
    print("  " + "".join(f"{kind:>6}" for kind in kinds))
    rows = [(stage, label) for stage, label in STAGES]
    rows += [("screen: first frame", "on screen: first frame (footer drawn)")]
    rows += [("screen: first data", "on screen: first data (no pane loading)")]
    for stage, label in rows:
        cells = []
        for kind in kinds:
            times = runs[kind].get(stage)
            figure = f"{statistics.median(times):6.2f}" if times else "     -"
            cells.append(figure + ("*" if times and len(times) < args.runs else " "))
        print(f"  {''.join(cells)}  {label}")
    print("  (* not every run reached that stage)")


if __name__ == "__main__":
    main()
