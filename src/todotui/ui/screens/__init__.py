"""Modal screens layered over the cockpit."""

from __future__ import annotations

from todotui.ui.screens.alert_detail import AlertDetailScreen
from todotui.ui.screens.help import HelpScreen

__all__ = ["AlertDetailScreen", "HelpScreen"]
