"""What the poll worker tells the cockpit: small typed messages, one per event."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from todotui.monitor import CostMeter, Identity, Refresh


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
