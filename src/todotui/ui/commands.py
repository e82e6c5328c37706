"""The command palette's key commands: the same actions as the keys, searchable by name."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import ClassVar

from textual.command import DiscoveryHit, Hit, Hits, Provider

from todotui.ui.keys import COCKPIT_KEYS, CockpitKey


class KeyCommands(Provider):
    """Every key of `KEYS` as a palette command, run where the keys run (`on_screen`: the
    screen's own actions, else the app's)."""

    KEYS: ClassVar[Sequence[CockpitKey]] = ()
    on_screen: ClassVar[bool] = False

    def _run(self, action: str) -> Callable[[], Awaitable[object]]:
        target = self.screen if self.on_screen else self.app
        return partial(target.run_action, action)

    async def discover(self) -> Hits:
        for key in self.KEYS:
            yield DiscoveryHit(key.help, self._run(key.action), help=f"key: {key.display}")

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for key in self.KEYS:
            score = matcher.match(key.help)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(key.help),
                    self._run(key.action),
                    help=f"key: {key.display}",
                )


class CockpitCommands(KeyCommands):
    """Every cockpit key as a palette command."""

    KEYS = COCKPIT_KEYS
