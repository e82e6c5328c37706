"""The action journal: append-only JSON Lines, one `intent` before a call, one `outcome` after.

Each record is flushed and fsynced before the call it describes goes out (intent) or
before the result is reported (outcome), so a crash between the two leaves an intent
without an outcome, which `unfinished()` lists (with outcomes never verified). The writes
block (fsync): the runner calls them through `asyncio.to_thread`, awaited, so the order
holds and the event loop does not stall; a lock keeps two threads' lines whole. Secrets never reach the file: every
`Secret` is written as "********", and so is any value under a secret-looking key.
"""

from __future__ import annotations

import json
import os
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from todotui import locations
from todotui.actions.model import REDACTED, Secret

_SECRET_KEYS = ("password", "secret", "token")


def redact(value: Any, key: str = "") -> Any:
    """A JSON-ready copy of `value` with every secret replaced by "********"."""
    if isinstance(value, Secret):
        return REDACTED
    if key and any(word in key.lower() for word in _SECRET_KEYS) and isinstance(value, str):
        return REDACTED
    if isinstance(value, dict):
        return {str(k): redact(v, str(k)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One action as the journal view lists it: its intent and, if written, its outcome."""

    record_id: str
    session_id: str
    intent: dict[str, Any]
    outcome: dict[str, Any] | None
    verifications: tuple[dict[str, Any], ...] = ()

    @property
    def action_id(self) -> str:
        return self.intent.get("action", "")

    @property
    def title(self) -> str:
        return self.intent.get("title", "")

    @property
    def target(self) -> str:
        return self.intent.get("target", "")

    @property
    def time(self) -> str:
        return self.intent.get("time", "")

    @property
    def actor(self) -> str:
        """ "operator" or "rollout controller" (records from before actors were kept: operator)."""
        return self.intent.get("actor") or "operator"

    @property
    def reason(self) -> str:
        """Why the change was made, when its maker said (the controller always does)."""
        return self.intent.get("reason") or ""

    @property
    def result(self) -> str:
        """succeeded, failed, unknown, or "unfinished" when no outcome was written.

        The latest reading's status when it gave one: an unknown outcome read back as applied
        is "succeeded", read back as not applied "failed"."""
        for reading in reversed(self.verifications):
            if reading.get("result"):
                return str(reading["result"])
        if self.outcome is None:
            return "unfinished"
        return self.outcome.get("result", "unknown")

    @property
    def needs_verify(self) -> bool:
        """No outcome, or an outcome that may have changed AWS and was never read back as so."""
        if self.outcome is None and not self.verifications:
            return True
        return self.result in ("succeeded", "unknown", "unfinished") and not self.verified

    @property
    def verified(self) -> bool:
        if self.verifications:
            return bool(self.verifications[-1].get("verified"))
        return bool(self.outcome and self.outcome.get("verified"))


class Journal:
    """Appends records to one JSON Lines file (default: the user's data directory)."""

    def __init__(self, path: Path | None = None, *, session_id: str | None = None):
        self.path = path or locations.journal_file()
        self.session_id = session_id or uuid.uuid4().hex[:12]
        self._lock = threading.Lock()

    def new_record_id(self) -> str:
        return uuid.uuid4().hex

    def _append(self, record: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(redact(record), ensure_ascii=False, sort_keys=False) + "\n"
        with self._lock:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line.encode("utf-8"))
                os.fsync(fd)
            finally:
                os.close(fd)

    def write_intent(
        self,
        record_id: str,
        *,
        caller: str,
        action: str,
        title: str,
        target: str,
        parameters: dict[str, Any],
        before: list[tuple[str, str]],
        planned_after: list[tuple[str, str]],
        cli: list[str],
        undo_of: str | None = None,
        plan_state: dict[str, Any] | None = None,
        actor: str = "operator",
        reason: str = "",
    ) -> None:
        self._append(
            {
                "kind": "intent",
                "record_id": record_id,
                "session": self.session_id,
                "time": _now(),
                "caller": caller,
                "action": action,
                "title": title,
                "target": target,
                "parameters": parameters,
                "before": [list(p) for p in before],
                "planned_after": [list(p) for p in planned_after],
                "cli": cli,
                "undo_of": undo_of,
                "plan_state": plan_state or {},
                "actor": actor,
                "reason": reason,
            }
        )

    def write_outcome(
        self,
        record_id: str,
        *,
        result: str,
        verified: bool,
        after: list[tuple[str, str]],
        request_ids: list[str],
        error: str | None,
        message: str = "",
        state: dict[str, Any] | None = None,
    ) -> None:
        self._append(
            {
                "kind": "outcome",
                "record_id": record_id,
                "session": self.session_id,
                "time": _now(),
                "result": result,
                "verified": verified,
                "after": [list(p) for p in after],
                "request_ids": request_ids,
                "error": error,
                "message": message,
                "state": state or {},
            }
        )

    def write_verification(
        self,
        record_id: str,
        *,
        verified: bool,
        after: list[tuple[str, str]],
        message: str,
        result: str | None = None,
    ) -> None:
        """One reading; `result` is the action's status as this reading judges it."""
        self._append(
            {
                "kind": "verify",
                "record_id": record_id,
                "session": self.session_id,
                "time": _now(),
                "verified": verified,
                "after": [list(p) for p in after],
                "message": message,
                **({"result": result} if result else {}),
            }
        )

    def records(self) -> list[dict[str, Any]]:
        """Every record in the file, oldest first; a torn last line (a crash mid-write) is skipped."""
        if not self.path.exists():
            return []
        out = []
        with self.path.open(encoding="utf-8") as fh:
            for line in fh:
                line = line.strip()
                if not line:
                    continue
                try:
                    out.append(json.loads(line))
                except json.JSONDecodeError:
                    continue
        return out

    def entries(self, *, session_only: bool = False) -> list[JournalEntry]:
        intents: dict[str, dict[str, Any]] = {}
        outcomes: dict[str, dict[str, Any]] = {}
        verifies: dict[str, list[dict[str, Any]]] = {}
        for rec in self.records():
            rid = rec.get("record_id", "")
            kind = rec.get("kind")
            if kind == "intent":
                intents[rid] = rec
            elif kind == "outcome":
                outcomes[rid] = rec
            elif kind == "verify":
                verifies.setdefault(rid, []).append(rec)
        entries = [
            JournalEntry(
                rid, rec.get("session", ""), rec, outcomes.get(rid), tuple(verifies.get(rid, ()))
            )
            for rid, rec in intents.items()
        ]
        if session_only:
            entries = [e for e in entries if e.session_id == self.session_id]
        return entries

    def entry(self, record_id: str) -> JournalEntry | None:
        for e in self.entries():
            if e.record_id == record_id:
                return e
        return None

    def unfinished(self) -> list[JournalEntry]:
        """Every record from any session that still needs reading back: an intent with no
        outcome (the app died while the call was out), or an outcome that succeeded or is
        unknown with no verified reading (killed while verifying, or never settled)."""
        return [e for e in self.entries() if e.needs_verify]
