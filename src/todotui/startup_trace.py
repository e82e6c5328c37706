"""Where `todotui --demo`'s start-up time goes: `TODOTUI_STARTUP_TRACE=FILE` appends one line
per stage (`<CLOCK_MONOTONIC seconds> <pid> <stage>`) to FILE, from the cockpit and from its
sandbox child alike (the clock is the machine's, so both processes' lines compare).

Unset (the default), `mark` is one dictionary lookup. `bench/bench_startup.py` reads the file.
"""

from __future__ import annotations

import os
import time

TRACE_ENV = "TODOTUI_STARTUP_TRACE"


def mark(stage: str) -> None:
    """Record that `stage` was reached now (nothing happens unless TRACE_ENV names a file)."""
    path = os.environ.get(TRACE_ENV)
    if not path:
        return
    line = f"{time.monotonic():.6f} {os.getpid()} {stage}\n"
    try:
        with open(path, "a", encoding="utf-8") as trace:  # one short append: lines never mix
            trace.write(line)
    except OSError:
        pass  # a trace that cannot be written must never stop the cockpit
