"""The Textual user interface. The only package that imports Textual."""

import os

# Escape closes every screen, and a terminal sends a lone ESC for it: Textual waits ESCDELAY
# ms (its default 100) for more bytes before it calls that an escape key, so every close by
# escape took 100 ms longer than any other key. 25 ms (what ncurses programs are commonly
# given) still joins the bytes of an escape sequence, which a terminal writes at once. Set
# here, before anything imports Textual (it reads the variable once); a user's own wins.
os.environ.setdefault("ESCDELAY", "25")
