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
5,000-10,000 an action dialog or review opened and closed; by `gc.DEBUG_SAVEALL`), and a full
collection of the screens the cockpit keeps (100-290 ms once they are all built). So full
collections are made to wait for the operator instead (`IdleCollection`): after a second with
no key or click, at most every 15 s, one full collection, and the automatic one comes only
after 100 young-generation passes instead of 10, i.e. only in a long run of keys without a
pause. Nothing here stops the collector: cycles made after the freeze are still collected.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

FIRST_GENERATION_THRESHOLD = 10_000
"""Net allocations between young collections (CPython's default is 700)."""
FULL_COLLECTION_AFTER = 100
"""Middle-generation collections before an automatic full one (CPython's default is 10)."""
IDLE_BEFORE_COLLECTING = 1.0
"""Seconds without a key or click before a full collection may run."""
COLLECTING_EVERY = 15.0
"""Seconds at least between two idle full collections."""

_settled = False


def settle_after_start() -> None:
    """Freeze what start-up made and raise the young threshold (idempotent)."""
    global _settled
    if _settled:
        return
    _settled = True
    gc.freeze()
    _, middle, _ = gc.get_threshold()
    gc.set_threshold(FIRST_GENERATION_THRESHOLD, middle, FULL_COLLECTION_AFTER)


class IdleCollection:
    """Full collections while the operator is not pressing keys (the app asks every second)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.last_input = self.last_collection = clock()
        self.collections = 0

    def input_seen(self) -> None:
        self.last_input = self.clock()

    def collect_if_idle(self) -> bool:
        """One full collection if the operator has been idle long enough and something was
        promoted since the last (answers whether it ran)."""
        now = self.clock()
        if now - self.last_input < IDLE_BEFORE_COLLECTING:
            return False
        if now - self.last_collection < COLLECTING_EVERY or gc.get_count()[2] == 0:
            return False
        gc.collect()
        self.last_collection = self.clock()
        self.collections += 1
        return True
