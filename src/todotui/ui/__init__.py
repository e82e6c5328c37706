"""The Textual user interface. The only package that imports Textual."""

import os

# Escape closes every screen, and a terminal sends a lone ESC for it: Textual waits ESCDELAY
# ms (its default 100) for more bytes before it calls that an escape key. The cockpit's
# driver (`todotui.ui.driver`) does not wait for an ESC that came alone with nothing after
# it (a terminal writes an escape sequence's bytes at once), and waits 25 ms (what ncurses
# programs are commonly given) for one that did not. A user who sets ESCDELAY (over a slow
# SSH link, where a sequence's bytes may come apart) gets that wait for every ESC. Set
# here, before anything imports Textual (it reads the variable once).
ESCAPE_AT_ONCE = "ESCDELAY" not in os.environ
"""No ESCDELAY of the user's: a lone ESC, nothing after it, is the escape key at once."""
os.environ.setdefault("ESCDELAY", "25")

# Textual draws at most MAX_FPS frames a second (TEXTUAL_FPS, default 60): a change made within
# a frame of the last one waits for the next, up to 16.7 ms. An operator's second key in quick
# succession (p, then p again; escape, then a) lands just after the first one's frame, so that
# wait was every in-place key's p50 and two frames of it their p99 (33 ms through tmux, the same
# as a bare Textual app's: bench/bench_keypress.py). At 120 a frame costs nothing more (only what
# changed is drawn, and nothing draws while nothing changes); the wait is halved. A user's own
# TEXTUAL_FPS is kept.
COCKPIT_FPS = 120
"""Frames a second the cockpit may draw, unless the user set TEXTUAL_FPS."""
os.environ.setdefault("TEXTUAL_FPS", str(COCKPIT_FPS))
