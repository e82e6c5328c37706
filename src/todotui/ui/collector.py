"""Python's cyclic garbage collector, tuned for a cockpit that must answer keys at once.

With CPython's defaults (collect generation 0 every 700 net allocations) a running cockpit
holds ~260,000 tracked objects (the SDK's service models, the panes' history, the screens it
keeps), and drawing a screen allocates tens of thousands of short-lived strips and segments:
every second or two that added up to a full collection, and each one stopped the event loop
for 150-200 ms (measured with `gc.callbacks` while opening the action dialog and the weekly
review: 9 full collections in 12 dialog opens, 1.4 s of collecting). A key pressed then
waited for it. Two changes, made once the first refresh has been shown:

- `gc.freeze()`: everything alive then (imports, models, clients, the installed screens)
  moves to the permanent generation, which no collection scans again. Those objects live as
  long as the process; whatever cyclic garbage start-up left (the collector is off during
  the demo's start-up) stays too, once, a few hundred kilobytes at most.
- a larger first threshold: drawing's short-lived objects are freed by reference counting
  long before 10,000 allocations, so far fewer survive into the older generations, and a
  full collection becomes rare (none in the same 12 opens) instead of every second or two.

What remains is cyclic garbage the drawing itself makes (Textual's strips cache their own
crops, so each one drawn is a small cycle: ~470 objects a second while idle, 2,000 a refresh,
5,000-10,000 an action dialog or review opened and closed; by `gc.DEBUG_SAVEALL`). CPython
collects it whenever an allocation crosses a threshold, which is as likely to be in the
middle of a key's frame as anywhere: in the instrumented `bench_keypress.py --fleet 100`
runs, middle-generation collections took 4 ms at p50 and up to 46 ms, and the slowest closes
of the fleet view were a key that waited for one (or, four minutes into a run of keys with no
pause, for the one full collection: 293-310 ms, ~115,000 objects freed).

So while the cockpit runs, collections happen at safe points (`SafePointCollector`), not
inside a frame: the automatic collector is off, and ten times a second the app asks for the
collection CPython would have made by now (same thresholds, same generations), made only
when the keys have paused (`todotui.ui.pacing.KeyPause`: a key's frame is drawn by then), or
at once if the young generation has grown tenfold (keys that never pause must not grow the
heap without bound). A full collection waits for the operator to stop for a second (at most
every 15 s), or comes at a pause in the keys after 100 middle-generation ones, as before.
Nothing stops collecting: every cycle is still collected, and the automatic collector is on
again when the app exits.
"""

from __future__ import annotations

import gc

from todotui.ui.pacing import KeyPause

FIRST_GENERATION_THRESHOLD = 10_000
"""Net allocations between young collections (CPython's default is 700)."""
FULL_COLLECTION_AFTER = 100
"""Middle-generation collections before a full one (CPython's default is 10)."""
IDLE_BEFORE_COLLECTING = 1.0
"""Seconds without a key or click before a full collection may run."""
COLLECTING_EVERY = 15.0
"""Seconds at least between two idle full collections."""
LOOK_EVERY = 0.1
"""Seconds between the app's looks at what is due."""
OVERDUE = 10
"""A young generation this many thresholds past due is collected even under the keys."""

_frozen = False


def settle_after_start() -> None:
    """Freeze what start-up made and raise the young threshold (once a process)."""
    global _frozen
    if _frozen:
        return
    _frozen = True
    gc.freeze()
    _, middle, _ = gc.get_threshold()
    gc.set_threshold(FIRST_GENERATION_THRESHOLD, middle, FULL_COLLECTION_AFTER)


class SafePointCollector:
    """The cyclic collector, run between keys instead of inside a frame."""

    def __init__(self, keys: KeyPause) -> None:
        self.keys = keys
        self.last_full = keys.clock()
        self.running = False
        self.collections = [0, 0, 0]
        """Collections made here, by generation (tests and the bench read it)."""

    def start(self) -> None:
        """Start-up is over: freeze it, and collect only at safe points from now on."""
        settle_after_start()
        if not self.running:
            self.running = True
            gc.disable()

    def stop(self) -> None:
        """The app is leaving: the automatic collector takes over again."""
        if self.running:
            self.running = False
            gc.enable()

    def look(self) -> int | None:
        """Make the collection that is due, if the keys allow it now (answers its
        generation, or None)."""
        if not self.running:
            return None
        now = self.keys.clock()
        young, middle, old = gc.get_count()
        first, second, third = gc.get_threshold()
        idle = now - self.keys.last_key >= IDLE_BEFORE_COLLECTING
        if idle and now - self.last_full >= COLLECTING_EVERY and (old or middle or young):
            generation = 2
        elif young < first:
            return None
        elif self.keys.wait(now) > 0 and young < OVERDUE * first:
            return None  # a key's frame is still being drawn
        else:
            generation = 2 if old >= third else 1 if middle >= second else 0
        gc.collect(generation)
        if generation == 2:
            self.last_full = self.keys.clock()
        self.collections[generation] += 1
        return generation
