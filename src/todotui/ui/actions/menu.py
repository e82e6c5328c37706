"""Pick an action: the diagnosis's fixes first, then the runbook's answers to one alert (or
every action), then the rest."""

from __future__ import annotations

from dataclasses import dataclass
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
from todotui.alerts.diagnosis import Confidence
from todotui.alerts.model import Alert
from todotui.alerts.remedy import ROLLOUT_ABORT, Finding, Suggestion

CONFIDENCE_STYLE = {
    Confidence.HIGH: "$error",
    Confidence.MEDIUM: "$warning",
    Confidence.LOW: "$text-muted",
}


@dataclass(frozen=True, slots=True)
class MenuPick:
    """What the menu returns: an action, with the diagnosis's suggestion when it was a fix."""

    action_id: str
    suggestion: Suggestion | None = None


def fix_prompt(index: int, title: str, finding: Finding) -> Content:
    fix = finding.fix
    assert fix is not None
    cause = finding.cause
    key = f"{index}" if index < 10 else " "
    label = fix.label_for(fix.resource)
    values = f" → {escape(label)}" if label else ""
    style = CONFIDENCE_STYLE[cause.level]
    return Content.from_markup(
        f"[b $accent]{key}[/]  [b]{escape(title)}[/] · {escape(fix.resource)}{values}\n"
        f"   [b $success]suggested[/] for [{style}]{escape(cause.kind.value)} "
        f"({cause.level.value})[/] [$text-muted]· values and their arithmetic in the plan[/]"
    )


def option_prompt(index: int, info: ActionInfo) -> Content:
    key = f"{index}" if index < 10 else " "
    kind = "  [$text-muted](read-only check)[/]" if info.kind is ActionKind.CHECK else ""
    return Content.from_markup(
        f"[b $accent]{key}[/]  [b]{escape(info.title)}[/]{kind}\n   [$text-muted]{escape(info.summary)}[/]"
    )


class ActionMenuScreen(ModalScreen[MenuPick | None]):
    """The diagnosis's fixes first (pre-filled), then the paired actions (for an alert), then
    the rest; enter or a digit returns a `MenuPick`."""

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
        .diagnosis { width: 1fr; margin: 1 0 0 0; }
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
        findings: tuple[Finding, ...] = (),
        unclear: str = "",
        titles: dict[str, str] | None = None,
    ) -> None:
        """`findings` are the diagnosis's causes (ranked for `alert`), `unclear` why there is
        no clear cause when there are none; `titles` name each action id a fix may use."""
        super().__init__()
        self.findings = findings
        self.unclear = unclear
        names = dict(titles or {})
        names.setdefault(ROLLOUT_ABORT, "Abort the rollout")
        fixes = [f for f in findings if f.fix is not None]
        self.fixes = [(names.get(f.fix.action_id, f.fix.action_id), f) for f in fixes if f.fix]
        self.paired = list(actions)
        self.others = list(others or [])
        self.picks: list[MenuPick] = [
            MenuPick(f.fix.action_id, f.fix) for _, f in self.fixes if f.fix is not None
        ] + [MenuPick(a.id) for a in self.paired + self.others]
        """In the order shown (the digits pick from it)."""
        self.actions = self.paired + self.others
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
            yield Label(self._diagnosis_markup(), classes="diagnosis")
            options: list[Option | None] = [
                Option(fix_prompt(i, title, f), id=f"fix-{i}")
                for i, (title, f) in enumerate(self.fixes, 1)
            ]
            start = len(options) + 1
            if options and self.paired:
                options.append(None)
            options += [
                Option(option_prompt(i, a), id=f"pick-{i}")
                for i, a in enumerate(self.paired, start)
            ]
            if self.others:
                options += [
                    None,
                    Option(
                        Content.from_markup("[b $text-muted]Every other action[/]"), disabled=True
                    ),
                ]
                start = len(self.fixes) + len(self.paired) + 1
                options += [
                    Option(option_prompt(i, a), id=f"pick-{i}")
                    for i, a in enumerate(self.others, start)
                ]
            yield OptionList(*options)
            yield Label("[b]enter[/] or [b]1-9[/] open · [b]esc[/] close", classes="hint")

    def _diagnosis_markup(self) -> str:
        if not self.findings:
            return f"[b]Diagnosis[/] [$text-muted]no clear cause: {escape(self.unclear)}[/]"
        lines = ["[b]Diagnosis[/] (most likely first)"]
        for f in self.findings[:4]:
            c = f.cause
            lines.append(
                f" [{CONFIDENCE_STYLE[c.level]}]● {escape(c.kind.value)} ({c.level.value})[/] "
                f"{escape(c.line)}"
            )
        return "\n".join(lines)

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = 0 if self.picks else None
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        number = int(str(event.option.id).rpartition("-")[2])
        self.action_pick(number)

    def action_pick(self, number: int) -> None:
        if 0 < number <= len(self.picks):
            self.dismiss(self.picks[number - 1])

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
