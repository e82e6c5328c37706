"""Time from launching `todotui --demo` to its first frame and to its first data.

    .venv/bin/python bench/bench_startup.py [--runs 3]

Runs the real command in a tmux session (as a user would), reads the screen with
`tmux capture-pane` every 20 ms, and reports when the cockpit first draws (the footer's
key list is on screen) and when the panes first show data (no pane says "loading").
The sandbox it starts is stopped by the app on quit; the tmux session is killed by name.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SESSION = "todotui-bench-startup"


def screen() -> str:
    result = subprocess.run(
        ["tmux", "capture-pane", "-p", "-t", SESSION], capture_output=True, text=True
    )
    return result.stdout


def one_run(timeout: float) -> tuple[float | None, float | None]:
    todotui = str(Path(sys.executable).with_name("todotui"))
    subprocess.run(["tmux", "kill-session", "-t", SESSION], capture_output=True)
    start = time.perf_counter()
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", SESSION, "-x", "160", "-y", "48", f"{todotui} --demo"],
        check=True,
        cwd=ROOT,
    )
    first_frame = first_data = None
    try:
        while time.perf_counter() - start < timeout:
            text = screen()
            now = time.perf_counter() - start
            if first_frame is None and "Quit" in text and "Refresh" in text:
                first_frame = now
            if first_frame is not None and "Error rate" in text and "loading" not in text:
                first_data = now
                break
            time.sleep(0.02)
    finally:
        subprocess.run(["tmux", "send-keys", "-t", SESSION, "q"], capture_output=True)
        time.sleep(2)
        subprocess.run(["tmux", "kill-session", "-t", SESSION], capture_output=True)
    return first_frame, first_data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=90.0)
    args = parser.parse_args()
    if not shutil.which("tmux"):
        sys.exit("tmux is needed (apt-get install -y tmux)")
    frames, datas = [], []
    for run in range(args.runs):
        frame, data = one_run(args.timeout)
        print(
            f"run {run + 1}: first frame {frame if frame is None else f'{frame:.2f} s'}, "
            f"first data {data if data is None else f'{data:.2f} s'}"
        )
        if frame is not None:
            frames.append(frame)
        if data is not None:
            datas.append(data)
    if frames:
        print(f"median first frame: {statistics.median(frames):.2f} s")
    if datas:
        print(f"median first data:  {statistics.median(datas):.2f} s")


if __name__ == "__main__":
    main()
