"""This session's actions from the journal, with undo and "verify again" where they apply.

Unfinished records are listed too, from any session, because someone must find out what
happened to them: an intent with no outcome (the app died while the call was out), or an
outcome never read back as verified (unknown, or killed while verifying). `v` verifies
them again from the journal record alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, Static

from todotui.actions import JournalEntry
from todotui.ui.restyle import KeepStylesWhenShownAgain


class JournalAsk(Enum):
    UNDO = "undo"
    """Plan the inverse of the action, to be confirmed in its own dialog."""
    VERIFY = "verify"
    """Read the resource back again and journal what was seen."""


@dataclass(frozen=True, slots=True)
class JournalRequest:
    """What the operator asked for on one journal record (what the journal screen returns)."""

    asked: JournalAsk
    record_id: str


_RESULT_STYLE = {
    "succeeded": "bold green",
    "failed": "bold red",
    "unknown": "bold yellow",
    "unfinished": "bold yellow",
    "refused": "dim",
}


def entry_time(entry: JournalEntry) -> str:
    try:
        return datetime.fromisoformat(entry.time).strftime("%H:%M:%S")
    except ValueError:
        return entry.time[:8]


def can_undo(entry: JournalEntry) -> bool:
    return entry.result == "succeeded" and bool(
        ((entry.outcome or {}).get("state") or {}).get("undo")
    )


def needs_verify(entry: JournalEntry) -> bool:
    """Outcome unknown, intent unfinished, or sent but never verified."""
    return entry.needs_verify


def _pairs(label: str, pairs: Sequence[Sequence[object]]) -> list[str]:
    """(label, value) rows as the journal holds them (JSON arrays)."""
    if not pairs:
        return []
    width = max(len(str(p[0])) for p in pairs)
    return [f"[b $accent]{label}[/]"] + [
        f"  {escape(str(k).ljust(width))}  {escape(str(v))}" for k, v in pairs
    ]


def entry_markup(entry: JournalEntry, *, this_session: bool) -> str:
    """Everything the journal says about one action (secrets were redacted before writing)."""
    intent, outcome = entry.intent, entry.outcome or {}
    lines = [
        f"[b]{escape(entry.title)}[/] on {escape(entry.target)}  [$text-muted]record {entry.record_id[:12]}[/]"
    ]
    who = intent.get("caller", "?")
    actor = "" if entry.actor == "operator" else f" · made by the {entry.actor}"
    lines.append(
        f"[$text-muted]{escape(entry.time)} · by {escape(str(who))}{escape(actor)}"
        + ("" if this_session else " · from an earlier session")
        + "[/]"
    )
    if entry.reason:
        lines.append(f"[b $accent]Why[/]  {escape(entry.reason)}")
    if intent.get("undo_of"):
        lines.append(f"[$text-muted]undoes record {escape(str(intent['undo_of'])[:12])}[/]")
    params = intent.get("parameters") or {}
    if params:
        lines.append(
            "[b $accent]Parameters[/]  " + escape(", ".join(f"{k}={v}" for k, v in params.items()))
        )
    lines += _pairs("Before", intent.get("before") or [])
    lines += _pairs("Planned after", intent.get("planned_after") or [])
    observed = entry.verifications[-1].get("after") if entry.verifications else outcome.get("after")
    lines += _pairs("Read back", observed or [])
    if entry.outcome is None:
        lines.append(
            "[b $warning]No outcome was written: the app stopped while the call was out. "
            "Check the resource (verify again, or the CLI below).[/]"
        )
    else:
        lines.append(
            f"[b]Result[/] {escape(entry.result)}"
            + (" · verified" if entry.verified else " · not verified")
        )
        if outcome.get("error"):
            lines.append(f"[$error]{escape(str(outcome['error']))}[/]")
        message = (
            entry.verifications[-1].get("message")
            if entry.verifications
            else outcome.get("message")
        )
        if message:
            lines.append(f"[$text-muted]{escape(str(message))}[/]")
        if outcome.get("request_ids"):
            lines.append(f"[$text-muted]request id {escape(', '.join(outcome['request_ids']))}[/]")
    if intent.get("cli"):
        lines += ["[b $accent]aws CLI[/]", *(escape(line) for line in intent["cli"])]
    return "\n".join(lines)


def _verified_cell(entry: JournalEntry) -> Text:
    if entry.verified:
        return Text("yes", style="green")
    if needs_verify(entry):
        return Text("not verified", style="bold yellow")
    return Text("no", style="dim")


class JournalScreen(KeepStylesWhenShownAgain, ModalScreen[JournalRequest | None]):
    """The journal as a table; `u` undoes, `v` verifies again, esc closes."""

    BINDINGS = [
        Binding("escape,q,j", "dismiss_none", "Close"),
        Binding("u", "undo", "Undo"),
        Binding("v", "verify", "Verify again"),
    ]

    DEFAULT_CSS = """
    JournalScreen {
        align: center middle;
        #journal {
            width: 96%;
            max-width: 150;
            height: 90%;
            border: thick $accent;
            border-title-style: bold;
            background: $surface;
            padding: 0 1;
        }
        .summary { color: $text-muted; width: 1fr; }
        DataTable { height: auto; max-height: 40%; min-height: 3; margin: 1 0 0 0; }
        #entry-box { height: 1fr; margin: 1 0 0 0; border: round $primary 60%; border-title-color: $text; padding: 0 1; }
        .keys { color: $text-muted; height: 1; }
        .empty { color: $text-muted; margin: 1 0; }
    }
    """

    def __init__(
        self,
        entries: list[JournalEntry],
        *,
        session_id: str,
        journal_path: str,
        can_verify: Callable[[str], bool] = lambda _record_id: False,
    ) -> None:
        super().__init__()
        self.entries = {e.record_id: e for e in entries}
        self.session_id = session_id
        self.journal_path = journal_path
        self.can_verify = can_verify

    def compose(self) -> ComposeResult:
        with Vertical(id="journal") as box:
            box.border_title = "Action journal · this session"
            yield Label(
                f"Append-only, secrets redacted: {escape(self.journal_path)}", classes="summary"
            )
            yield Label("No actions yet in this session. Press a to pick one.", classes="empty")
            yield DataTable(cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="entry-box") as entry_box:
                entry_box.border_title = "Selected action"
                yield Static("", id="entry")
            yield Label(
                "[b]↑↓[/] choose · [b]u[/] undo · [b]v[/] verify again · [b]esc[/] close",
                classes="keys",
            )

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key, label, width in (
            ("time", "time", 8),
            ("action", "action", None),
            ("target", "target", None),
            ("result", "result", 10),
            ("verified", "verified", 12),
            ("undo", "undo", 4),
        ):
            table.add_column(label, key=key, width=width)
        self._fill()
        table.focus()

    def reopen(self, entries: list[JournalEntry]) -> None:
        """Shown again (the desk keeps one): the journal as it is now, newest first, the
        newest highlighted, as a new screen would show it (a new one was composed, table and
        all, on each open)."""
        self.entries = {e.record_id: e for e in entries}
        if self.is_mounted:
            self._fill()

    def _fill(self) -> None:
        table = self.query_one(DataTable)
        table.clear()
        self.query_one(".empty").display = not self.entries
        for entry in reversed(list(self.entries.values())):
            earlier = entry.session_id != self.session_id
            result = Text(
                entry.result + (" *" if earlier else ""), style=_RESULT_STYLE.get(entry.result, "")
            )
            table.add_row(
                entry_time(entry),
                Text(entry.title + (" (controller)" if entry.actor != "operator" else "")),
                Text(entry.target, style="dim"),
                result,
                _verified_cell(entry),
                Text("yes") if can_undo(entry) else Text("—", style="dim"),
                key=entry.record_id,
            )
        table.move_cursor(row=0, animate=False)
        self.query_one("#entry-box").scroll_home(animate=False)
        if self.entries:
            self._show(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        else:
            self.query_one("#entry", Static).update("")

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show(event.row_key.value)

    def _show(self, record_id: str | None) -> None:
        entry = self.entries.get(record_id or "")
        if entry is not None:
            self.query_one("#entry", Static).update(
                entry_markup(entry, this_session=entry.session_id == self.session_id)
            )

    @property
    def selected(self) -> JournalEntry | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.entries.get(key or "")

    def action_undo(self) -> None:
        entry = self.selected
        if entry is None:
            return
        if not can_undo(entry):
            self.notify(f"{entry.title}: no undo ({entry.result})", severity="warning", timeout=3)
            return
        self.dismiss(JournalRequest(JournalAsk.UNDO, entry.record_id))

    def action_verify(self) -> None:
        entry = self.selected
        if entry is None:
            return
        if not self.can_verify(entry.record_id):
            self.notify(
                "Its action is not known here: check it with the CLI shown, or a fresh plan.",
                severity="warning",
                timeout=4,
            )
            return
        self.dismiss(JournalRequest(JournalAsk.VERIFY, entry.record_id))

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
