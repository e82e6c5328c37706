"""Key press to screen update, p50 and p99, while the cockpit polls every second.

    .venv/bin/python bench/bench_keypress.py [--presses 100]

Runs the real `todotui --demo` in tmux (160x48), speeds polling up to every second with
`+`, then, `--presses` times each: toggles pause (`p`: the status bar says PAUSED, then
LIVE), and opens and closes the help screen (`?`, escape: a modal over the dashboard),
timing each key from `tmux send-keys` until `tmux capture-pane` shows the change. This measures what
a user sees, terminal included; capture-pane's own cost (a few ms) is part of the figure,
so the true latency is a little lower. The tmux session is killed by name at the end.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SESSION = "todotui-bench-keys"
HELP_TITLE = "todotui · help"


def screen() -> str:
    return subprocess.run(
        ["tmux", "capture-pane", "-p", "-t", SESSION], capture_output=True, text=True
    ).stdout


def wait_for(condition, timeout: float = 60.0) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if condition(screen()):
            return time.perf_counter() - start
    raise TimeoutError("the screen did not change")


def press(key: str, condition) -> float:
    start = time.perf_counter()
    subprocess.run(["tmux", "send-keys", "-t", SESSION, key], check=True)
    while True:
        if condition(screen()):
            return time.perf_counter() - start
        if time.perf_counter() - start > 10:
            raise TimeoutError(f"no screen update after {key!r}")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=100)
    args = parser.parse_args()
    todotui = str(Path(sys.executable).with_name("todotui"))
    subprocess.run(["tmux", "kill-session", "-t", SESSION], capture_output=True)
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", SESSION, "-x", "160", "-y", "48", f"{todotui} --demo"],
        check=True,
        cwd=ROOT,
    )
    try:
        wait_for(lambda s: "Error rate" in s and "loading" not in s, timeout=120)
        for _ in range(2):
            subprocess.run(["tmux", "send-keys", "-t", SESSION, "+"], check=True)
        wait_for(lambda s: "every 1 s" in s)
        time.sleep(2)
        pause, modal = [], []
        for _ in range(args.presses):
            pause.append(press("p", lambda s: "PAUSED" in s))
            pause.append(press("p", lambda s: "LIVE" in s))
            time.sleep(0.05)
        for _ in range(args.presses):
            modal.append(press("?", lambda s: HELP_TITLE in s))
            modal.append(press("Escape", lambda s: HELP_TITLE not in s))
            time.sleep(0.05)
        print(f"key presses while polling every 1 s ({args.presses * 2} of each kind):")
        for name, latencies in (
            ("pause/resume (status bar)", pause),
            ("help open/close (modal)", modal),
        ):
            ms = [x * 1000 for x in latencies]
            print(
                f"  {name:28} p50 {percentile(ms, 0.5):6.1f} ms   p99 {percentile(ms, 0.99):6.1f} ms"
                f"   max {max(ms):6.1f} ms   mean {statistics.mean(ms):6.1f} ms"
            )
        start = time.perf_counter()
        for _ in range(20):
            screen()
        print(f"(one capture-pane costs {(time.perf_counter() - start) / 20 * 1000:.1f} ms)")
    finally:
        subprocess.run(["tmux", "send-keys", "-t", SESSION, "q"], capture_output=True)
        time.sleep(2)
        subprocess.run(["tmux", "kill-session", "-t", SESSION], capture_output=True)


if __name__ == "__main__":
    main()
