"""The rollout view's keys as command palette entries (the screen's own provider)."""

from __future__ import annotations

from todotui.ui.commands import KeyCommands
from todotui.ui.keys import ROLLOUT_KEYS


class RolloutCommands(KeyCommands):
    """Every rollout key, searchable by what it does ("Rollout: abort ...")."""

    KEYS = ROLLOUT_KEYS
    on_screen = True
