"""The command palette's cockpit commands: the same actions as the keys, searchable by name."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from todotui.ui.keys import COCKPIT_KEYS


class CockpitCommands(Provider):
    """Every cockpit key as a palette command."""

    async def discover(self) -> Hits:
        for key in COCKPIT_KEYS:
            yield DiscoveryHit(
                key.help, partial(self.app.run_action, key.action), help=f"key: {key.display}"
            )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for key in COCKPIT_KEYS:
            score = matcher.match(key.help)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(key.help),
                    partial(self.app.run_action, key.action),
                    help=f"key: {key.display}",
                )
