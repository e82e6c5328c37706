"""The Textual user interface. The only package that imports Textual."""

import os

# Escape closes every screen, and a terminal sends a lone ESC for it: Textual waits ESCDELAY
# ms (its default 100) for more bytes before it calls that an escape key. 25 ms (what
# ncurses programs are commonly given) still joins the bytes of an escape sequence, which a
# terminal writes at once. It only shortens a close together with the cockpit's driver
# (`todotui.ui.driver`), which wakes when that wait is due. Set here, before anything
# imports Textual (it reads the variable once); a user's own value wins.
os.environ.setdefault("ESCDELAY", "25")
