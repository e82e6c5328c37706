"""The rollout view: one alias's blue-green rollout, its keys, and the dialog that starts one."""

from __future__ import annotations

from todotui.ui.rollout.screen import RolloutScreen
from todotui.ui.rollout.start import StartChoice, StartRolloutScreen
from todotui.ui.rollout.widgets import ConfirmScreen, TimelinePlot

__all__ = ["ConfirmScreen", "RolloutScreen", "StartChoice", "StartRolloutScreen", "TimelinePlot"]
