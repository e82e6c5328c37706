"""Where `todotui --demo`'s start-up time goes: `TODOTUI_STARTUP_TRACE=FILE` appends one line
per stage (`<CLOCK_MONOTONIC seconds> <pid> <stage>`) to FILE, from the cockpit and from its
sandbox child alike (the clock is the machine's, so both processes' lines compare).

Unset (the default), `mark` writes nothing. `bench/bench_startup.py` reads the file.

A stage is also something to wait for, traced or not: the demo loads the core's AWS SDK in a
thread once the first frame is drawn (`wait_for("first frame")`), not while it is drawn.
"""

from __future__ import annotations

import os
import threading
import time

TRACE_ENV = "TODOTUI_STARTUP_TRACE"

_reached: dict[str, threading.Event] = {}
_reached_lock = threading.Lock()


def _event(stage: str) -> threading.Event:
    with _reached_lock:
        return _reached.setdefault(stage, threading.Event())


def wait_for(stage: str, timeout: float) -> bool:
    """Block until `stage` is marked in this process (True), or `timeout` seconds pass."""
    return _event(stage).wait(timeout)


def mark(stage: str) -> None:
    """Record that `stage` was reached now (written only if TRACE_ENV names a file)."""
    _event(stage).set()
    path = os.environ.get(TRACE_ENV)
    if not path:
        return
    line = f"{time.monotonic():.6f} {os.getpid()} {stage}\n"
    try:
        with open(path, "a", encoding="utf-8") as trace:  # one short append: lines never mix
            trace.write(line)
    except OSError:
        pass  # a trace that cannot be written must never stop the cockpit
