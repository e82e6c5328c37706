"""A Linux/macOS terminal driver whose escape key lands as soon as it is due.

A terminal sends a lone ESC for the escape key, and also starts every arrow, function key
and mouse report with one; Textual's parser tells them apart by waiting ESCDELAY for more
bytes (see `todotui.ui`, which makes that 25 ms). But Textual's `LinuxDriver` only checks
that wait when its input thread wakes, and it wakes once every 100 ms when no bytes come:
measured through tmux, escape closed a screen at p50 ~140 ms in the cockpit and in a bare
Textual app alike, whatever ESCDELAY said. This driver's input thread sleeps only until
the parser's wait is due, so escape is handled ESCDELAY after it arrives. And an ESC that
came alone, with nothing after it to read, is the escape key at once (a terminal writes an
escape sequence's bytes together; crossterm, under Helix and others, decides so too),
unless the user set ESCDELAY (`todotui.ui.ESCAPE_AT_ONCE`). It also tells the app when
input was read (`todotui.ui.pacing`). Everything else is `LinuxDriver`'s own.
"""

from __future__ import annotations

import os
import selectors
from codecs import getincrementaldecoder

from textual._parser import ParseError
from textual._time import get_time
from textual._xterm_parser import XTermParser
from textual.drivers.linux_driver import LinuxDriver

from todotui.ui import ESCAPE_AT_ONCE

IDLE_WAKE_SECONDS = 0.1
"""How long the input thread sleeps when nothing is pending (LinuxDriver's own figure; it
also bounds how late the thread sees the app's exit)."""


def wake_in(parser: XTermParser) -> float:
    """Seconds until the parser's pending escape wait is due (at most IDLE_WAKE_SECONDS).

    `_timeout_time` is the parser's own deadline (Textual's private attribute: when it is
    absent the driver falls back to LinuxDriver's fixed tick)."""
    due = getattr(parser, "_timeout_time", None)
    if due is None:
        return IDLE_WAKE_SECONDS
    return min(IDLE_WAKE_SECONDS, max(0.0, due - get_time()))


def lone_escape_read(parser: XTermParser, data: str, more_to_read: bool) -> None:
    """A read that ended in ESC with nothing after it waiting: the escape key, due now.

    The parser then hands it over at its next `tick` instead of waiting ESCDELAY for the
    rest of a sequence that is not coming (`_timeout_time`, as in `wake_in`)."""
    if data.endswith("\x1b") and not more_to_read and getattr(parser, "_timeout_time", None):
        parser._timeout_time = get_time()


class PromptEscapeDriver(LinuxDriver):
    """`LinuxDriver`, with an input loop that wakes when the escape wait is due."""

    escape_at_once = ESCAPE_AT_ONCE

    def run_input_thread(self) -> None:
        """Wait for input and dispatch events (LinuxDriver's loop; only the waits differ)."""
        selector = selectors.SelectSelector()
        selector.register(self.fileno, selectors.EVENT_READ)
        fileno = self.fileno
        parser = XTermParser(self._debug)
        decode = getincrementaldecoder("utf-8")().decode
        # todotui's app: redraws that can wait give way to a key from the moment it is read,
        # not only once the event loop reaches it (`todotui.ui.pacing`)
        key_pause = getattr(self._app, "key_pause", None)

        def process(events: list[tuple[selectors.SelectorKey, int]], final: bool = False) -> None:
            for index, (_key, mask) in enumerate(events):
                if mask & selectors.EVENT_READ:
                    last = index == len(events) - 1
                    data = decode(os.read(fileno, 1024 * 4), final=final and last)
                    if not data:
                        break  # stdin is piped and ended
                    if key_pause is not None:
                        key_pause.key_seen()
                    for event in parser.feed(data):
                        self.process_message(event)
                    if self.escape_at_once and last:
                        lone_escape_read(parser, data, bool(selector.select(0)))
            for event in parser.tick():
                self.process_message(event)

        try:
            while not self.exit_event.is_set():
                process(selector.select(wake_in(parser)))
            selector.unregister(self.fileno)
            process(selector.select(IDLE_WAKE_SECONDS), final=True)
        finally:
            selector.close()
            try:
                for _event in parser.feed(""):
                    pass
            except (EOFError, ParseError):
                pass
