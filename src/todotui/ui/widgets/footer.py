"""The key footer, rebuilt only when the keys it shows change.

Textual's `Footer` recomposes all its keys whenever its screen's bindings are "updated",
which Textual signals on every screen push and pop and every focus change, even when the
same keys come back. Each rebuild mounts ~15 `FooterKey`s and restyles each one twice (a
`FooterKey` starts compact, then the footer's data binding makes it not compact): measured
with pyinstrument over a bench_keypress run, that was the largest single cost of opening
and closing a screen (about a quarter of the app's CPU).
"""

from __future__ import annotations

from collections.abc import Hashable

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class CockpitFooter(Footer):
    """Looks and works as Textual's `Footer`; skips rebuilds that would draw the same keys."""

    _drawn: Hashable = None
    """What the keys composed last showed (None: nothing composed yet)."""

    def _shown(self) -> Hashable:
        """Everything `Footer.compose` draws from: each shown key, its label, whether it is
        enabled, and its tooltip; and the compact style."""
        keys = tuple(
            (binding.key, binding.action, binding.description, enabled, tooltip, binding.group)
            for (_, binding, enabled, tooltip) in self.screen.active_bindings.values()
            if binding.show
        )
        return keys, self.compact, self.show_command_palette

    def compose(self) -> ComposeResult:
        self._drawn = self._shown() if self._bindings_ready else None
        for widget in super().compose():
            if isinstance(widget, FooterKey) and not widget.has_class("-command-palette"):
                # Start a bound key with the footer's own compact value, so its data binding
                # changes nothing (no class change, no restyle) when it mounts. (The palette
                # key is not bound: it keeps FooterKey's own default, as in Textual's Footer.)
                widget.set_reactive(FooterKey.compact, self.compact)
            yield widget

    def bindings_changed(self, screen: Screen) -> None:
        if (
            self._drawn is not None
            and self.is_attached
            and screen is self.screen
            and self._shown() == self._drawn
        ):
            return  # the same keys: nothing to redraw
        super().bindings_changed(screen)
