"""Rollouts kept beside the journal, one per function alias, so they outlive the app.

Written whole after every change (a temporary file, then an atomic rename), so a crash
leaves the previous state, never half a record. Any cockpit or `todotui rollout` on the
same machine reads the same file.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

from todotui.rollout.model import Rollout


class RolloutStore:
    """`rollouts.json`: the latest rollout of each `function:alias` (finished ones too), per
    scope: the account, region and endpoint, so the demo's sandbox and a real account with
    the same names never see each other's rollouts."""

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()

    @staticmethod
    def key(scope: str, function: str, alias: str) -> str:
        return f"{scope} {function}:{alias}"

    def _read_all(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        return data if isinstance(data, dict) else {}

    def load(self, scope: str, function: str, alias: str) -> Rollout | None:
        """The alias's latest rollout; raises ValueError if its record is damaged."""
        with self._lock:
            record = self._read_all().get(self.key(scope, function, alias))
        if record is None:
            return None
        try:
            return Rollout.from_json(record)
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{self.path}: the rollout record is damaged ({exc})") from None

    def save(self, scope: str, rollout: Rollout) -> None:
        with self._lock:
            data = self._read_all()
            data[self.key(scope, rollout.function, rollout.alias)] = rollout.to_json()
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.path.with_suffix(".tmp")
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, ensure_ascii=False, indent=1)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.path)
