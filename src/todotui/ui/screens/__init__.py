"""Modal screens layered over the cockpit."""

from __future__ import annotations

from todotui.ui.screens.alert_detail import AlertDetailScreen
from todotui.ui.screens.help import HelpScreen
from todotui.ui.screens.timeline import TimelineScreen

__all__ = ["AlertDetailScreen", "HelpScreen", "TimelineScreen"]
