"""What the core tells the cockpit, as small typed Textual messages, one per event."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from todotui.core.monitor import CostMeter, Identity, Refresh


@dataclass
class Connected(Message):
    """STS said who we are: the account, region and endpoint the cockpit watches."""

    identity: Identity


@dataclass
class IdentityFailed(Message):
    """STS could not be asked (no credentials, endpoint down); `error` is one line for the user."""

    error: str


@dataclass
class RefreshFinished(Message):
    """One refresh ended, well or not; `cost` is the meter after it."""

    refresh: Refresh
    cost: CostMeter


class AlertsChanged(Message):
    """The core's alert store changed (a refresh or an action outcome): the feed redraws it."""
