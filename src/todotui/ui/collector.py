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

Nothing here stops the collector: cycles made after the freeze are still collected.
"""

from __future__ import annotations

import gc

FIRST_GENERATION_THRESHOLD = 10_000
"""Net allocations between young collections (CPython's default is 700)."""

_settled = False


def settle_after_start() -> None:
    """Freeze what start-up made and raise the young threshold (idempotent)."""
    global _settled
    if _settled:
        return
    _settled = True
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(FIRST_GENERATION_THRESHOLD, middle, oldest)
