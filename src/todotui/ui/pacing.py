"""Redraws that can wait a moment give way to the operator's keys.

A refresh that lands redraws what it changed: the dashboard's panes (a ~20 ms frame) or the
fleet view's 123-row table (20-35 ms: Textual's DataTable renders every visible cell again
after any change). A key pressed during that frame waits for it: in the instrumented
`bench_keypress.py --fleet 100` runs, the slowest closes of the fleet view were an escape
that came as a fleet read landed. The figures are minted every 5-60 s, so they lose nothing
by waiting until the keys pause for `KEY_PAUSE` (a key's own frame is drawn by then, and the
next key is rarely that close behind), and never longer than `MOST_HELD` (a held arrow key
must not freeze the panes). When no key is near, an update is drawn at once, as before.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

KEY_PAUSE = 0.02
"""Seconds without a key after which a held redraw is drawn."""
MOST_HELD = 1.0
"""Seconds a redraw waits at most, however fast the keys come."""

Update = Callable[[], object]
SetTimer = Callable[[float, Callable[[], None]], object]


class KeyPause:
    """When the operator's last key came, and how long an update should still wait for it."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.last_key = -math.inf

    def key_seen(self) -> None:
        """A key or click arrived (called from the terminal's input thread as well: it sees
        a key before the event loop does; one float store)."""
        self.last_key = self.clock()

    def wait(self, held_since: float) -> float:
        """Seconds until an update held since `held_since` is due (0: draw it now)."""
        due = min(self.last_key + KEY_PAUSE, held_since + MOST_HELD)
        return max(0.0, due - self.clock())


class HeldUpdates:
    """The newest update of each kind, drawn together once the keys pause.

    A newer update of a kind replaces the one held (a refresh that landed during the wait is
    already old): nothing is drawn twice, nothing older is drawn after something newer."""

    def __init__(self, pause: KeyPause, set_timer: SetTimer) -> None:
        self.pause = pause
        self._set_timer = set_timer
        self._held: dict[str, Update] = {}
        self._since: float | None = None
        self.deferred = 0
        """Updates that waited for a pause (tests and the bench read it)."""

    def hold(self, kind: str, update: Update) -> None:
        """Draw `update` now if no key is near, else when the keys pause."""
        if self._since is None and self.pause.wait(self.pause.clock()) == 0:
            update()
            return
        self._held[kind] = update
        if self._since is None:
            self._since = self.pause.clock()
            self.deferred += 1
            self._set_timer(self.pause.wait(self._since), self._due)

    def _due(self) -> None:
        assert self._since is not None
        wait = self.pause.wait(self._since)
        if wait > 0:  # another key came meanwhile
            self._set_timer(wait, self._due)
            return
        held, self._held, self._since = self._held, {}, None
        for update in held.values():
            update()


def when_keys_pause(app: object, kind: str, update: Update) -> None:
    """`update` through the cockpit app's `HeldUpdates` (`app.held`); at once in an app
    without one."""
    held = getattr(app, "held", None)
    if isinstance(held, HeldUpdates):
        held.hold(kind, update)
    else:
        update()
