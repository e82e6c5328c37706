"""An action's inputs: one row per `Field`, its message shown right beside it.

Every field is a text `Input` (choices get completion and are listed under the field),
so an operator can type `$LATEST` or `12GB` and read the action layer's own message
about it instead of being silently boxed in. Secrets use a masked input and their
value never leaves this widget except in `values()`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.markup import escape
from textual.suggester import SuggestFromList
from textual.widget import Widget
from textual.widgets import Input, Label

from todotui.actions import FORM, Field, FieldKind

BOOL_CHOICES = ("yes", "no")
_CHOICES_SHOWN = 8


def choices_hint(field: Field) -> str:
    """The field's valid choices in a line (the first few when there are many)."""
    options = BOOL_CHOICES if field.kind is FieldKind.BOOL else tuple(c for c in field.choices if c)
    if not options:
        return ""
    shown = ", ".join(options[:_CHOICES_SHOWN])
    more = f" … (+{len(options) - _CHOICES_SHOWN})" if len(options) > _CHOICES_SHOWN else ""
    return f"one of: {shown}{more}"


class FieldInput(Input):
    """An Input that keeps a pasted value whole: Textual's keeps only the first line of a
    paste, and a value cut without a word must never be planned. Validation refuses the
    line break beside the field instead."""

    def _on_paste(self, event: events.Paste) -> None:
        if event.text:
            if self.selection.is_empty:
                self.insert_text_at_cursor(event.text)
            else:
                self.replace(event.text, *self.selection)
        event.stop()
        event.prevent_default()  # Textual's own handler would insert the first line again


class FieldRow(Vertical):
    """Label, input, help and the field's message (error or note) under it."""

    DEFAULT_CSS = """
    FieldRow {
        height: auto;
        margin: 0 0 1 0;
        /* Labels are as wide as the row and wrap: a message is never cut at the box's edge. */
        & > Label { width: 1fr; }
        & > .field-label { text-style: bold; }
        & > .field-label.-optional { text-style: none; }
        & > Input { width: 1fr; }
        & > .field-help { color: $text-muted; }
        & > .field-message { display: none; }
        &.-error > .field-message { display: block; color: $error; text-style: bold; }
        &.-error > Input { border: tall $error; }
        &.-note > .field-message { display: block; color: $warning; }
    }
    """

    def __init__(self, field: Field) -> None:
        super().__init__(id=f"field-{field.name}", classes="field-row")
        self.field = field

    def compose(self) -> ComposeResult:
        field = self.field
        optional = "" if field.required else "  [dim](optional)[/]"
        yield Label(
            f"{escape(field.label)}{optional}",
            classes="field-label" + ("" if field.required else " -optional"),
        )
        choices = (
            BOOL_CHOICES if field.kind is FieldKind.BOOL else tuple(c for c in field.choices if c)
        )
        yield FieldInput(
            value=field.default,
            password=field.kind is FieldKind.SECRET,
            placeholder="(hidden)" if field.kind is FieldKind.SECRET else field.label,
            suggester=SuggestFromList(choices, case_sensitive=True) if choices else None,
            id=f"input-{field.name}",
        )
        hints = [h for h in (field.help, choices_hint(field)) if h]
        if hints:
            yield Label(escape(" · ".join(hints)), classes="field-help")
        yield Label("", classes="field-message")

    @property
    def input(self) -> Input:
        return self.query_one(Input)

    @property
    def message(self) -> str:
        """The message beside the field right now ("" when none)."""
        if not (self.has_class("-error") or self.has_class("-note")):
            return ""
        return str(self.query_one(".field-message", Label).content)

    def show_message(self, text: str, *, error: bool = True) -> None:
        self.set_class(bool(text) and error, "-error")
        self.set_class(bool(text) and not error, "-note")
        self.query_one(".field-message", Label).update(
            escape(("✗ " if error else "• ") + text) if text else ""
        )


class ActionForm(Widget):
    """The fields of one action. `values()` reads them; `show_errors` places each message."""

    DEFAULT_CSS = """
    ActionForm {
        height: auto;
        & > Label { width: 1fr; }
        & > .form-message { display: none; color: $error; text-style: bold; margin: 0 0 1 0; }
        & > .form-message.-shown { display: block; }
        & > .form-message.-note { color: $warning; text-style: none; }
        & > .no-fields { color: $text-muted; }
    }
    """

    def __init__(self, fields: list[Field], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.fields = list(fields)

    def compose(self) -> ComposeResult:
        yield Label("", classes="form-message")
        if not self.fields:
            yield Label("No inputs: the plan is read from the live state.", classes="no-fields")
        for field in self.fields:
            yield FieldRow(field)

    def values(self) -> dict[str, str]:
        return {row.field.name: row.input.value for row in self.query(FieldRow)}

    def values_typed(self) -> dict[str, str]:
        """The fields with a value in them while blank (`blank`): what was typed since."""
        return {name: value for name, value in self.values().items() if value}

    def set_values(self, values: Mapping[str, str]) -> None:
        for row in self.query(FieldRow):
            if row.field.name in values:
                row.input.value = values[row.field.name]

    def same_shape(self, fields: list[Field]) -> bool:
        """Whether `fields` differ from this form's in their defaults only (live values read
        again): then `refill` shows them without building a widget."""
        return [replace(f, default="") for f in fields] == [
            replace(f, default="") for f in self.fields
        ]

    def refill(self, fields: list[Field]) -> None:
        """`fields` (of `same_shape`) with their new defaults; messages cleared. Reopening the
        action dialog: building its form again was most of an open after its first."""
        self.fields = list(fields)
        with self.prevent(Input.Changed):  # a value read is not a value typed
            for row, field in zip(self.query(FieldRow), fields, strict=True):
                row.field = field
                row.input.value = field.default
        self.clear_errors()

    def blank(self) -> None:
        """Nothing of the last opening: no value, no message (while the fields are read)."""
        with self.prevent(Input.Changed):
            for row in self.query(FieldRow):
                row.input.value = ""
        self.clear_errors()

    def row(self, name: str) -> FieldRow:
        return self.query_one(f"#field-{name}", FieldRow)

    def show_errors(self, errors: Mapping[str, str], *, as_notes: bool = False) -> None:
        """Each message beside its field; unknown keys (and `_form`) above the fields."""
        names = {row.field.name for row in self.query(FieldRow)}
        for row in self.query(FieldRow):
            row.show_message(errors.get(row.field.name, ""), error=not as_notes)
        general = [msg for key, msg in errors.items() if key == FORM or key not in names]
        banner = self.query_one(".form-message", Label)
        banner.update(escape(" · ".join(general)))
        banner.set_class(bool(general), "-shown")
        banner.set_class(as_notes, "-note")

    def clear_errors(self) -> None:
        self.show_errors({})

    @property
    def messages(self) -> dict[str, str]:
        """Field name -> the message shown beside it (for tests and screen readers)."""
        return {row.field.name: row.message for row in self.query(FieldRow) if row.message}

    def set_enabled(self, enabled: bool) -> None:
        for row in self.query(FieldRow):
            row.input.disabled = not enabled
