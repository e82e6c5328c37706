"""Pick an action: every one, or the runbook's answers to one alert (most likely fix first)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from todotui.actions import ActionInfo, ActionKind
from todotui.alerts.model import Alert


def option_prompt(index: int, info: ActionInfo) -> Content:
    key = f"{index}" if index < 10 else " "
    kind = "  [$text-muted](read-only check)[/]" if info.kind is ActionKind.CHECK else ""
    return Content.from_markup(
        f"[b $accent]{key}[/]  [b]{escape(info.title)}[/]{kind}\n   [$text-muted]{escape(info.summary)}[/]"
    )


class ActionMenuScreen(ModalScreen[str | None]):
    """The paired actions first (for an alert), then the rest; enter or a digit returns an action id."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "dismiss_none", "Close"),
        *(Binding(str(n), f"pick({n})", show=False) for n in range(1, 10)),
    ]

    DEFAULT_CSS = """
    ActionMenuScreen {
        align: center middle;
        #menu {
            width: 100;
            max-width: 95%;
            height: auto;
            max-height: 90%;
            border: thick $accent;
            border-title-style: bold;
            background: $surface;
            padding: 0 1;
        }
        .alert { text-style: bold; width: 1fr; }
        .alert.-crit { color: $error; }
        .alert.-warn { color: $warning; }
        .hint { color: $text-muted; }
        OptionList { height: auto; max-height: 36; margin: 1 0; border: none; }
    }
    """

    def __init__(
        self,
        actions: list[ActionInfo],
        *,
        title: str,
        alert: Alert | None = None,
        others: list[ActionInfo] | None = None,
    ) -> None:
        super().__init__()
        self.paired = list(actions)
        self.others = list(others or [])
        self.actions = self.paired + self.others
        """In the order shown (the digits pick from it)."""
        self.title_text = title
        self.alert = alert

    def compose(self) -> ComposeResult:
        with Vertical(id="menu") as box:
            box.border_title = self.title_text
            if self.alert is not None:
                yield Label(escape(self.alert.title), classes=f"alert -{self.alert.severity.value}")
                topic = self.alert.topic.value if self.alert.topic else "this alert"
                yield Label(
                    f"The runbook's answers to {escape(topic)}, most likely fix first.",
                    classes="hint",
                )
            options: list[Option | None] = [
                Option(option_prompt(i, a), id=a.id) for i, a in enumerate(self.paired, 1)
            ]
            if self.others:
                options += [
                    None,
                    Option(
                        Content.from_markup("[b $text-muted]Every other action[/]"), disabled=True
                    ),
                ]
                start = len(self.paired) + 1
                options += [
                    Option(option_prompt(i, a), id=a.id) for i, a in enumerate(self.others, start)
                ]
            yield OptionList(*options)
            yield Label("[b]enter[/] or [b]1-9[/] open · [b]esc[/] close", classes="hint")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = 0 if self.actions else None
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_pick(self, number: int) -> None:
        if 0 < number <= len(self.actions):
            self.dismiss(self.actions[number - 1].id)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
