"""The few exceptions every layer may raise, so no layer imports another just for them."""

from __future__ import annotations


class UsageError(Exception):
    """A problem with how todotui was started: one line for the user, exit status 2."""


class ConfigError(Exception):
    """A configuration problem the user can fix; the message names the key."""
