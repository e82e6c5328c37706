"""Tracing for `bench_keypress.py --trace FILE`: what the measured processes did, and when.

Python imports `sitecustomize` at start-up from PYTHONPATH; the bench puts this folder there
(tmux passes it to the cockpit, the cockpit to its sandbox child) and names the log in
TODOTUI_TRACE. Without that variable nothing is installed. Each line of the log is
`perf_counter role pid event fields...` (perf_counter is CLOCK_MONOTONIC: one clock for
every process on the machine), with these events:

- key NAME: a key, as the terminal driver hands it to the app (before the app's queue);
- frame SCREEN MS: Textual's `App._display` wrote a frame of SCREEN to the terminal;
- slow MS NAME: one event-loop callback ran longer than 8 ms (a timer's or a task's name);
- gc GENERATION MS COLLECTED: a garbage collection over 1 ms.

`bench/trace_report.py FILE` reads it.
"""

from __future__ import annotations

import gc
import os
import sys
import time

LOG_PATH = os.environ.get("TODOTUI_TRACE")
SLOW_CALLBACK = 0.008
SLOW_COLLECTION = 0.001


def _role() -> str | None:
    # sys.argv is not set yet for `python -m` when sitecustomize runs; orig_argv is
    command = sys.orig_argv[1:]
    program = command[0] if command else ""
    if program.endswith("bin/todotui"):
        return "cockpit"
    if command[:2] == ["-m", "todotui"]:
        return "sandbox"  # the demo's sandbox child
    if program.endswith("bare_app.py"):
        return "bare"
    return None


def _install(path: str, role: str) -> None:
    log = open(path, "a", buffering=1)  # noqa: SIM115 (open for the process's life)
    pid = os.getpid()

    def note(*fields: object) -> None:
        log.write(" ".join(map(str, (f"{time.perf_counter():.6f}", role, pid, *fields))) + "\n")

    started = [0.0]

    def collection(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
            return
        took = time.perf_counter() - started[0]
        if took >= SLOW_COLLECTION:
            note("gc", info["generation"], f"{took * 1000:.1f}", info["collected"])

    gc.callbacks.append(collection)
    if role == "sandbox":
        return

    import asyncio.events

    run = asyncio.events.Handle._run

    def timed_run(handle: asyncio.events.Handle) -> None:
        start = time.perf_counter()
        run(handle)
        took = time.perf_counter() - start
        if took >= SLOW_CALLBACK:
            callback = getattr(handle, "_callback", None)
            name = getattr(callback, "__qualname__", None) or type(callback).__name__
            task = getattr(callback, "__self__", None)
            if isinstance(task, asyncio.Task):
                name = task.get_name()
            note("slow", f"{took * 1000:.1f}", name.replace(" ", "_"))

    asyncio.events.Handle._run = timed_run  # type: ignore[method-assign]

    from textual import events
    from textual.app import App
    from textual.driver import Driver

    hand_over = Driver.process_message

    def keyed(driver: Driver, message: object) -> None:
        if isinstance(message, events.Key):
            note("key", message.key)
        hand_over(driver, message)  # type: ignore[arg-type]

    Driver.process_message = keyed  # type: ignore[method-assign]
    display = App._display

    def displayed(app: App[object], screen: object, renderable: object) -> None:
        start = time.perf_counter()
        display(app, screen, renderable)  # type: ignore[arg-type]
        note("frame", type(screen).__name__, f"{(time.perf_counter() - start) * 1000:.2f}")

    App._display = displayed  # type: ignore[method-assign]


if LOG_PATH and (_ROLE := _role()) is not None:
    try:
        _install(LOG_PATH, _ROLE)
    except Exception as exc:  # a bench aid must never stop the app it watches
        print(f"trace not installed: {exc!r}", file=sys.stderr)
