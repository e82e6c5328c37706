"""The rollout view's keys as command palette entries (the screen's own provider)."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from todotui.ui.keys import ROLLOUT_KEYS


class RolloutCommands(Provider):
    """Every rollout key, searchable by what it does ("Rollout: abort ...")."""

    async def discover(self) -> Hits:
        for key in ROLLOUT_KEYS:
            yield DiscoveryHit(
                key.help, partial(self.screen.run_action, key.action), help=f"key: {key.display}"
            )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for key in ROLLOUT_KEYS:
            score = matcher.match(key.help)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(key.help),
                    partial(self.screen.run_action, key.action),
                    help=f"key: {key.display}",
                )
