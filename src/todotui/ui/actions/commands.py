"""Every action and check in the command palette, plus undo and the journal."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from todotui.actions import ActionKind, catalog


class ActionCommands(Provider):
    """ "Action: Change DynamoDB capacity", "Check: Authentication checks", "Undo last action"..."""

    def _commands(self) -> list[tuple[str, Callable[[], object], str]]:
        desk = getattr(self.app, "desk", None)
        if desk is None:
            return []
        found: list[tuple[str, Callable[[], object], str]] = [
            (
                f"{'Check' if info.kind is ActionKind.CHECK else 'Action'}: {info.title}",
                partial(desk.open, info.id),
                info.summary,
            )
            for info in catalog()
        ]
        found += [
            (
                "Action: undo the last action",
                desk.undo_last,
                "key: u · shows the inverse plan to confirm",
            ),
            (
                "Action journal",
                desk.show_journal,
                "key: j · this session's actions, undo, verify again",
            ),
            (
                "Actions menu",
                desk.open_menu,
                "key: a · on a focused alert: the runbook's answers to it",
            ),
        ]
        return found

    async def discover(self) -> Hits:
        for text, callback, help_text in self._commands():
            yield DiscoveryHit(text, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, callback, help_text in self._commands():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), callback, help=help_text)
