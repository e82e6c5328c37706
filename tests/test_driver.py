"""The cockpit's terminal driver: escape is handled when the parser's wait is due, and
escape sequences still arrive whole (speed is measured in bench/bench_keypress.py)."""

from __future__ import annotations

import os
import threading
import time
from types import SimpleNamespace

import pytest
from textual import events
from textual._xterm_parser import XTermParser
from textual.message import Message

from todotui.config import Settings
from todotui.core.cockpit import Cockpit
from todotui.ui.app import TodoTuiApp
from todotui.ui.driver import IDLE_WAKE_SECONDS, PromptEscapeDriver, lone_escape_read, wake_in
from todotui.ui.pacing import KeyPause


def test_the_input_thread_sleeps_only_until_a_lone_escape_is_due():
    parser = XTermParser()
    assert wake_in(parser) == IDLE_WAKE_SECONDS  # nothing pending: LinuxDriver's own tick
    assert list(parser.feed("\x1b")) == []  # a lone ESC: the parser waits for more bytes
    wait = wake_in(parser)
    assert 0 <= wait < IDLE_WAKE_SECONDS
    time.sleep(wait)
    keys = [e.key for e in parser.tick() if isinstance(e, events.Key)]
    assert keys == ["escape"]
    assert wake_in(parser) == IDLE_WAKE_SECONDS


def test_an_escape_read_alone_is_the_escape_key_without_waiting_for_more_bytes():
    parser = XTermParser()
    assert list(parser.feed("\x1b")) == []
    lone_escape_read(parser, "\x1b", more_to_read=False)
    assert [e.key for e in parser.tick() if isinstance(e, events.Key)] == ["escape"]


def test_an_escape_with_bytes_still_to_read_waits_for_them():
    parser = XTermParser()
    assert list(parser.feed("\x1b")) == []
    lone_escape_read(parser, "\x1b", more_to_read=True)  # the rest of a sequence is there
    assert list(parser.tick()) == []
    keys = [e.key for e in parser.feed("[A") if isinstance(e, events.Key)]
    assert keys == ["up"]  # one arrow key, not escape and two letters


def test_a_read_that_ends_in_a_letter_is_left_as_it_was():
    parser = XTermParser()
    keys = [e.key for e in parser.feed("q") if isinstance(e, events.Key)]
    lone_escape_read(parser, "q", more_to_read=False)
    assert keys == ["q"] and list(parser.tick()) == []
    assert wake_in(parser) == IDLE_WAKE_SECONDS


class Recording(PromptEscapeDriver):
    """The real driver reading a pipe instead of the terminal; keys are kept, not posted."""

    def __init__(self, fileno: int, *, escape_at_once: bool = True) -> None:
        self.fileno = fileno
        self.escape_at_once = escape_at_once
        self._debug = False
        self.exit_event = threading.Event()
        self.keys: list[str] = []
        self.key_pause = KeyPause()
        self._app = SimpleNamespace(key_pause=self.key_pause)  # what the driver asks of the app

    def process_message(self, message: Message) -> None:
        if isinstance(message, events.Key):
            self.keys.append(message.key)


@pytest.mark.parametrize("escape_at_once", [True, False], ids=["at once", "after ESCDELAY"])
def test_the_driver_reads_a_lone_escape_and_whole_sequences_from_its_input(escape_at_once):
    read, write = os.pipe()
    driver = Recording(read, escape_at_once=escape_at_once)
    thread = threading.Thread(target=driver.run_input_thread)
    thread.start()
    try:
        read_from = time.monotonic()
        os.write(write, b"\x1b[A")  # the up arrow: one sequence, not escape then "[A"
        os.write(write, b"q")
        deadline = time.monotonic() + 5
        while len(driver.keys) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        os.write(write, b"\x1b")  # escape alone: handled at once, or after the wait
        while len(driver.keys) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        driver.exit_event.set()
        thread.join(timeout=5)
        os.close(write)
        os.close(read)
    assert driver.keys == ["up", "q", "escape"]
    # the app hears of a key when it is read: redraws that can wait give way to it at once
    assert driver.key_pause.last_key >= read_from


def test_the_cockpit_runs_on_the_prompt_driver_unless_told_otherwise(monkeypatch):
    app = TodoTuiApp(Cockpit(Settings()))
    assert app.driver_class is PromptEscapeDriver
    monkeypatch.setattr(
        "textual.constants.DRIVER", "textual.drivers.headless_driver:HeadlessDriver"
    )
    from textual.drivers.headless_driver import HeadlessDriver

    assert TodoTuiApp(Cockpit(Settings())).driver_class is HeadlessDriver
