"""The read-only guard: below the UI and the runner, on the AWS clients themselves.

Registered on every client's `before-call` event, it raises before any mutating
operation leaves the process while read-only is on. The runner refuses earlier with
a friendlier message; this is the backstop no key path or bug can get around.
"""

from __future__ import annotations

from typing import Any

from todotui.aws.session import AwsClients, is_mutating


class ReadOnlyViolation(RuntimeError):
    """A mutating AWS call was attempted while read-only mode is on; it was not sent."""


class ReadOnlyGuard:
    """Blocks mutating calls on every client of an `AwsClients` while `enabled`."""

    def __init__(self, enabled: bool = True):
        self.enabled = enabled
        self.blocked: list[str] = []
        """Operations refused so far ("service.Operation"), for tests and the status line."""

    def install(self, clients: AwsClients) -> ReadOnlyGuard:
        clients.on_every_client("before-call", self._before_call)
        return self

    def _before_call(self, model: Any = None, event_name: str = "", **kwargs: Any) -> None:
        if not self.enabled or model is None:
            return
        if is_mutating(model.name):
            service = model.service_model.service_name if model.service_model else "?"
            self.blocked.append(f"{service}.{model.name}")
            raise ReadOnlyViolation(
                f"read-only mode: {service} {model.name} was not sent (start without --read-only to act)"
            )
