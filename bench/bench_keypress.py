"""Key press to screen update, p50 and p99, while the cockpit polls every second, beside a
bare Textual app of the same shape measured in the same run.

    .venv/bin/python bench/bench_keypress.py [--presses 100] [--only help,journal] [--fleet 100]
                                             [--poll] [--fps 60] [--trace FILE]

Runs the real `todotui --demo --scenario error-burst` in tmux (160x48; the scenario raises
alerts, so the alert detail has one to open), speeds polling up to every second with `+`,
then `--presses` times each: toggles pause (`p`: the status bar says PAUSED, then LIVE),
and opens and closes every screen (help, the action menu, an action dialog, the journal,
the rollout view, the check, the weekly review, the timeline, the fleet view, the alert
detail), timing each key from `tmux send-keys` until `tmux capture-pane` shows the change:
both are commands on one tmux control-mode client, and a look that misses the change is
followed by the next as soon as tmux reports the app's output (`--poll` instead runs a
capture-pane process every 10 ms, as this bench did before: ~4 ms a look, ~10 ms p50 and
much of the tail were the harness's own).
Then the same for `bench/bare_app.py`: `p` flips a label; `?`/escape push and pop a fresh
see-through ModalScreen (the yardstick: opens' ratios are against its push); `i` pushes an
installed opaque one; `o` shows a box on an overlay layer of the same screen, no push (the
floors of the ways to show a screen); and `?` once more with the cockpit's input driver
(`todotui.ui.driver`: a lone ESC is escape at once), which is what closes by escape owe to
it, so closes' ratios are against that pop (Textual's driver's is shown too). Each
row is `--presses` opens and as many closes (or twice that many in-place presses). This
measures what a user sees, terminal included; one look's cost (printed) is part of every
figure. With `--fleet N` the demo runs with a sandbox fleet of N functions (and
its tables) driven beside the stack, and the fleet view ranks them all. With `--trace FILE`
every process logs its keys, frames, slow callbacks and collections (`bench/trace/`), and
the slowest presses are shown with what they waited for (`bench/trace_report.py`): how the
cockpit's last slow presses were explained. The tmux sessions are killed by name at the end.
"""

from __future__ import annotations

import argparse
import os
import re
import select
import shlex
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SESSION = "todotui-bench-keys"
BARE_SESSION = "todotui-bench-bare"

Condition = Callable[[str], bool]


def shows(text: str) -> Condition:
    return lambda s: text in s


def lacks(text: str) -> Condition:
    return lambda s: text not in s


@dataclass(frozen=True)
class Switch:
    """One screen: the keys that lead to it untimed, the key that opens it, what shows it,
    and the key that closes it."""

    name: str
    open_key: str
    mark: str
    close_key: str = "Escape"
    before: tuple[str, ...] = ()
    before_mark: str = ""
    pattern: bool = False

    def is_open(self, s: str) -> bool:
        return bool(re.search(self.mark, s)) if self.pattern else self.mark in s


# with alerts in the feed the feed has focus, and a offers the highlighted alert's actions
MENU = r"█▀ (Runbook actions for this alert|Actions · every runbook remediation)"
SWITCHES: tuple[Switch, ...] = (
    Switch("help", "?", "todotui · help"),
    Switch("action menu", "a", MENU, pattern=True),
    # every action dialog has this box, whichever action 1 is (the diagnosis's fixes come first)
    Switch("action dialog", "1", "Plan · live state", before=("a",), before_mark=MENU),
    Switch("journal", "j", "Action journal · this session"),
    Switch("rollout view", "b", "ROLLOUT "),
    Switch("check", "c", "Morning health check · last"),
    Switch("review", "W", "Weekly review "),
    Switch("timeline", "t", "Incident timeline ·"),
    Switch("fleet view", "F", "Key figures (last 3 periods)"),
    # last: f leaves the feed focused, which changes what a gives
    Switch("alert detail", "Enter", r"─ \w+ alert ─", before=("f",), pattern=True),
)

# the bare app's three ways to show a box (bench/bare_app.py); the first is the yardstick
BARE_SWITCHES: tuple[Switch, ...] = (
    Switch("bare modal push", "?", "bare · modal"),
    Switch("bare installed opaque push", "i", "bare · installed"),
    Switch("bare overlay layer", "o", "bare · overlay"),
)


class Tmux:
    """One tmux session: started detached, looked at by `capture-pane -p` processes (the
    `--poll` harness: each look is a new tmux client, a few ms of its own)."""

    def __init__(self, session: str) -> None:
        self.session = session

    def start(self, command: str) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.session], capture_output=True)
        for attempt in range(3):  # killing the last session stops the tmux server: a session
            started = subprocess.run(  # asked for while it stops is refused; ask again
                ["tmux", "new-session", "-d", "-s", self.session, "-x", "160", "-y", "48", command],
                capture_output=True,
                cwd=ROOT,
            )
            if started.returncode == 0:
                return
            time.sleep(0.5 * (attempt + 1))
        raise RuntimeError(f"tmux new-session failed: {started.stderr.decode().strip()}")

    def stop(self) -> None:
        self.send("q")
        time.sleep(1.5)
        subprocess.run(["tmux", "kill-session", "-t", self.session], capture_output=True)

    def screen(self) -> str:
        return subprocess.run(
            ["tmux", "capture-pane", "-p", "-t", self.session], capture_output=True, text=True
        ).stdout

    def send(self, key: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", self.session, key], check=True)

    def settle(self, deadline: float) -> None:
        """Wait until the screen may have changed: here, a fixed 10 ms."""
        time.sleep(min(0.01, max(0.0, deadline - time.perf_counter())))

    def wait_for(self, condition: Condition, timeout: float = 60.0) -> float:
        start = time.perf_counter()
        while time.perf_counter() - start < timeout:
            if condition(self.screen()):
                return time.perf_counter() - start
            self.settle(start + timeout)
        raise TimeoutError("the screen did not change")

    def press(self, key: str, condition: Condition, timeout: float = 10.0) -> float:
        start = time.perf_counter()
        self.send(key)
        while True:
            if condition(self.screen()):
                return time.perf_counter() - start
            if time.perf_counter() - start > timeout:
                raise TimeoutError(f"no screen update after {key!r}")
            self.changed(start + timeout)

    def changed(self, deadline: float) -> None:
        """Between looks while a press waits: the poll harness looks again at once."""


class ControlTmux(Tmux):
    """The same session driven through one tmux control-mode client (`tmux -C attach`):
    keys and looks are commands on one pipe, no process per look, and after a look that
    does not show the change the harness waits for tmux's `%output` (the app wrote to
    the terminal) instead of polling, so a look costs well under a millisecond and a
    figure is the app's time plus one look. The control client sets no size, so the
    window stays 160x48."""

    proc: subprocess.Popen[bytes] | None = None

    def start(self, command: str) -> None:
        super().start(command)
        self.proc = subprocess.Popen(
            ["tmux", "-C", "attach-session", "-t", self.session],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            bufsize=0,
        )
        self._buffer = b""
        self._output = False
        self._reply()  # attaching is itself a command: its (empty) reply comes first
        size = self.command(
            f"display-message -p -t {self.session} '#{{window_width}}x#{{window_height}}'"
        )
        if size != ["160x48"]:
            raise RuntimeError(f"the control client resized the window to {size}")

    def stop(self) -> None:
        super().stop()
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    def _line(self, deadline: float | None) -> bytes | None:
        assert self.proc is not None and self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._buffer:
            wait = None if deadline is None else max(0.0, deadline - time.perf_counter())
            ready, _, _ = select.select([fd], [], [], wait)
            if not ready:
                return None
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                raise EOFError("the tmux control client went away")
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line

    def _note(self, line: bytes) -> None:
        if line.startswith(b"%output") or line.startswith(b"%extended-output"):
            self._output = True
        elif line.startswith(b"%exit"):
            raise EOFError("the tmux session ended")

    def command(self, text: str) -> list[str]:
        """Run one tmux command on the control client; its output lines, or raise."""
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write(text.encode() + b"\n")
        try:
            return self._reply()
        except RuntimeError as exc:
            raise RuntimeError(f"tmux {text!r}: {exc}") from None

    def _reply(self) -> list[str]:
        while True:  # notifications may come before the reply's %begin
            line = self._line(None)
            assert line is not None
            if line.startswith(b"%begin"):
                break
            self._note(line)
        body: list[str] = []
        while True:
            line = self._line(None)
            assert line is not None
            if line.startswith(b"%end"):
                return body
            if line.startswith(b"%error"):
                raise RuntimeError(" ".join(body))
            body.append(line.decode("utf-8", "replace"))

    def screen(self) -> str:
        self._output = False
        return "\n".join(self.command(f"capture-pane -p -t {self.session}"))

    def send(self, key: str) -> None:
        self.command(f"send-keys -t {self.session} {tmux_quote(key)}")

    def changed(self, deadline: float) -> None:
        """Wait for the app to write to its terminal (or the deadline), then look again."""
        while not self._output:
            line = self._line(deadline)
            if line is None:
                return
            self._note(line)

    settle = changed


def tmux_quote(key: str) -> str:
    """A key name as one tmux command argument (the keys here have no double quote)."""
    return f'"{key}"' if "'" in key else f"'{key}'"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def in_place(tmux: Tmux, presses: int, paused: str, live: str) -> list[float]:
    times = []
    for _ in range(presses):
        times.append(tmux.press("p", shows(paused)))
        times.append(tmux.press("p", shows(live)))
        time.sleep(0.05)
    return times


def switch(tmux: Tmux, sw: Switch, presses: int) -> tuple[list[float], list[float]]:
    opened, closed = [], []
    for _ in range(presses):
        for key in sw.before:
            tmux.send(key)
        if sw.before_mark:
            tmux.wait_for(lambda s: bool(re.search(sw.before_mark, s)), timeout=10)
        opened.append(tmux.press(sw.open_key, sw.is_open))
        time.sleep(0.05)  # a user reads before closing; lets the screen settle
        closed.append(tmux.press(sw.close_key, lambda s: not sw.is_open(s)))
        time.sleep(0.05)
    return opened, closed


def row(name: str, latencies: list[float] | None, bare: list[float] | None) -> str:
    def cell(values: list[float] | None) -> str:
        if not values:
            return f"{'—':>8} {'—':>8}"
        ms = [x * 1000 for x in values]
        return f"{percentile(ms, 0.5):8.1f} {percentile(ms, 0.99):8.1f}"

    ratio = ""
    if latencies and bare:
        ratio = f"{percentile(latencies, 0.5) / percentile(bare, 0.5):6.2f}×"
    return f"  {name:40} {cell(latencies)}   {cell(bare)}   {ratio}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=100)
    parser.add_argument("--only", default="", help="comma-separated screen names (default all)")
    parser.add_argument(
        "--fleet",
        type=int,
        default=0,
        metavar="N",
        help="run the demo with a sandbox fleet of N functions (todotui --demo --fleet N)",
    )
    parser.add_argument(
        "--no-bare",
        action="store_true",
        help="skip the bare app (for comparing two trees of todotui, run after run)",
    )
    parser.add_argument(
        "--fps",
        type=int,
        metavar="N",
        help="run the cockpit with TEXTUAL_FPS=N (default: its own, todotui.ui.COCKPIT_FPS;"
        " Textual's is 60), to compare frame caps; the bare app keeps Textual's",
    )
    parser.add_argument(
        "--trace",
        type=Path,
        metavar="FILE",
        help="log keys, frames, callbacks over 8 ms and collections of every process to FILE"
        " (bench/trace/), then show the slowest presses and what they waited for",
    )
    parser.add_argument(
        "--poll",
        action="store_true",
        help="look with a capture-pane process every 10 ms (the older, costlier harness)",
    )
    args = parser.parse_args()
    harness: type[Tmux] = Tmux if args.poll else ControlTmux
    wanted = {n.strip() for n in args.only.split(",") if n.strip()}
    switches = [s for s in SWITCHES if not wanted or s.name in wanted]
    todotui = str(Path(sys.executable).with_name("todotui"))
    results: dict[str, list[float]] = {}
    # a fleet run has its own session name: another run of the bare mode is not killed by it
    app = harness(f"{SESSION}-fleet" if args.fleet else SESSION)
    # tmux runs the command in its server's environment: name the PYTHONPATH (a worktree's
    # source) explicitly so the app measured is the one this interpreter would import
    pythonpath = os.environ.get("PYTHONPATH", "")
    if args.trace:
        args.trace.unlink(missing_ok=True)
        trace = str(ROOT / "bench" / "trace")
        pythonpath = f"{trace}:{pythonpath}" if pythonpath else trace
    prefix = f"env PYTHONPATH={shlex.quote(pythonpath)} " if pythonpath else ""
    if args.trace:
        prefix += f"TODOTUI_TRACE={shlex.quote(str(args.trace.resolve()))} "
    fps = f"env TEXTUAL_FPS={args.fps} " if args.fps else ""
    fleet = f" --fleet {args.fleet}" if args.fleet else ""
    app.start(f"{fps}{prefix}{todotui} --demo --scenario error-burst{fleet}")
    try:
        app.wait_for(lambda s: "Error rate" in s and "loading" not in s, timeout=120)
        for _ in range(6):  # to the 1 s cadence; a + pressed while a refresh lands may be
            app.send("+")  # drawn late, so look after each one rather than count them
            if "every 1 s" in app.screen():
                break
            time.sleep(0.5)
        app.wait_for(shows("every 1 s"))
        time.sleep(2)
        results["in-place (p pause/resume)"] = in_place(app, args.presses, "PAUSED", "LIVE")
        for sw in switches:
            try:
                opened, closed = switch(app, sw, args.presses)
            except TimeoutError as exc:
                print(f"  {sw.name}: {exc}; the screen:\n{app.screen()}", file=sys.stderr)
                app.send("Escape")
                app.send("Escape")
                time.sleep(1)
                continue
            results[f"{sw.name} open"] = opened
            results[f"{sw.name} close"] = closed
        capture_start = time.perf_counter()
        for _ in range(20):
            app.screen()
        capture_ms = (time.perf_counter() - capture_start) / 20 * 1000
    finally:
        app.stop()
    if args.no_bare:
        print(f"todotui only ({args.presses} presses each), p50 / p99 ms through tmux:")
        for name, latencies in results.items():
            print(row(name, latencies, None))
        show_trace(args.trace)
        return
    bare = harness(BARE_SESSION)
    bare_results: dict[str, tuple[list[float], list[float]]] = {}
    bare.start(f"{sys.executable} {ROOT / 'bench' / 'bare_app.py'}")
    try:
        bare.wait_for(shows("bare LIVE"), timeout=60)
        time.sleep(1)
        bare_in_place = in_place(bare, args.presses, "bare PAUSED", "bare LIVE")
        for sw in BARE_SWITCHES:
            bare_results[sw.name] = switch(bare, sw, args.presses)
    finally:
        bare.stop()
    bare_open, bare_close = bare_results[BARE_SWITCHES[0].name]
    # the same bare modal push with the cockpit's input driver and escape delay: what
    # `todotui.ui.driver` buys a close by escape, apart from anything else the cockpit does
    prompt = harness(BARE_SESSION)
    prompt.start(
        f"env {prefix.removeprefix('env ')}TEXTUAL_DRIVER=todotui.ui.driver:PromptEscapeDriver"
        f" {sys.executable} {ROOT / 'bench' / 'bare_app.py'}"
    )
    try:
        prompt.wait_for(shows("bare LIVE"), timeout=60)
        time.sleep(1)
        bare_results["bare modal push, cockpit's driver"] = switch(
            prompt, BARE_SWITCHES[0], args.presses
        )
    finally:
        prompt.stop()
    members = (
        f"; a fleet of {args.fleet} functions and {max(1, min(20, args.fleet // 5))} tables"
        if args.fleet
        else ""
    )
    print(
        f"key presses while polling every 1 s{members}; {args.presses} opens and {args.presses}"
        f" closes per screen, {args.presses * 2} in-place presses; ms through tmux"
        f" ({'a capture-pane process every 10 ms' if args.poll else 'one control-mode client'});"
        f" the cockpit at {args.fps or 'its own'} frames a second at most, the bare app at"
        " Textual's 60"
    )
    print(f"  {'':40} {'todotui':>17}   {'bare Textual':>17}   p50")
    print(f"  {'':40} {'p50':>8} {'p99':>8}   {'p50':>8} {'p99':>8}   ratio")
    # A close is held against the bare close on the cockpit's driver: Textual's own handles a
    # lone escape at its input thread's next 100 ms tick (p50 ~110 ms), which would flatter
    # every close's ratio with what the driver, not the screen, does.
    prompt_close = bare_results["bare modal push, cockpit's driver"][1]
    for name, latencies in results.items():
        reference = bare_in_place if name.startswith("in-place") else None
        if name.endswith(" open"):
            reference = bare_open
        elif name.endswith(" close"):
            reference = prompt_close
        print(row(name, latencies, reference))
    print(row(f"{BARE_SWITCHES[0].name} close, Textual's driver", None, bare_close))
    for name, (opened, closed) in bare_results.items():
        if name != BARE_SWITCHES[0].name:
            print(row(f"{name} open", None, opened))
            print(row(f"{name} close", None, closed))
    print(
        f"(one look at the screen costs {capture_ms:.1f} ms; at least one is inside every figure)"
    )
    show_trace(args.trace)


def show_trace(path: Path | None) -> None:
    """The slowest presses of a traced run and what they waited for (bench/trace_report.py)."""
    if path is None:
        return
    sys.path.insert(0, str(ROOT / "bench"))
    from trace_report import report

    print(f"\ntrace ({path}; figures there include the tracing's own cost):")
    print(report(path))


if __name__ == "__main__":
    main()
