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
