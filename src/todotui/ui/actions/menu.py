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
from todotui.alerts.model import Alert, Severity
from todotui.alerts.remedy import ROLLOUT_ABORT, Finding, Suggestion
from todotui.ui.restyle import KeepStylesWhenShownAgain

CONFIDENCE_STYLE = {
    Confidence.HIGH: "$error",
    Confidence.MEDIUM: "$warning",
    Confidence.LOW: "$text-muted",
}

OPTION_CACHE_SIZE = 256
"""Options kept across shows (a fix's prompt names live values, so the set can grow)."""


@dataclass(frozen=True, slots=True)
class MenuPick:
    """What the menu returns: an action, with the diagnosis's suggestion when it was a fix."""

    action_id: str
    suggestion: Suggestion | None = None


def fix_markup(index: int, title: str, finding: Finding) -> str:
    fix = finding.fix
    assert fix is not None
    cause = finding.cause
    key = f"{index}" if index < 10 else " "
    label = fix.label_for(fix.resource)
    values = f" → {escape(label)}" if label else ""
    style = CONFIDENCE_STYLE[cause.level]
    return (
        f"[b $accent]{key}[/]  [b]{escape(title)}[/] · {escape(fix.resource)}{values}\n"
        f"   [b $success]suggested[/] for [{style}]{escape(cause.kind.value)} "
        f"({cause.level.value})[/] [$text-muted]· values and their arithmetic in the plan[/]"
    )


def option_markup(index: int, info: ActionInfo) -> str:
    key = f"{index}" if index < 10 else " "
    kind = "  [$text-muted](read-only check)[/]" if info.kind is ActionKind.CHECK else ""
    return f"[b $accent]{key}[/]  [b]{escape(info.title)}[/]{kind}\n   [$text-muted]{escape(info.summary)}[/]"


class ActionMenuScreen(KeepStylesWhenShownAgain, ModalScreen[MenuPick | None]):
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

    def __init__(self) -> None:
        """Empty until `show` says what to offer (the desk builds one and reuses it)."""
        super().__init__()
        self._shown_options: tuple[tuple[str, str] | None, ...] | None = None
        self._option_cache: dict[tuple[str, str], Option] = {}
        self.show([], title="")

    def show(
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
        """Offer these actions next time the menu is pushed (the desk builds the screen once
        and reuses it: a push then restyles and recomposes nothing, and an unchanged list of
        options keeps its rendered lines). `findings` are the diagnosis's causes (ranked for
        `alert`), `unclear` why there is no clear cause when there are none; `titles` name
        each action id a fix may use."""
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
        if self.is_mounted:
            self._fill()

    def compose(self) -> ComposeResult:
        with Vertical(id="menu"):
            yield Label("", id="menu-alert", classes="alert")
            yield Label("", id="menu-topic", classes="hint")
            yield Label("", classes="diagnosis")
            yield OptionList()
            yield Label("[b]enter[/] or [b]1-9[/] open · [b]esc[/] close", classes="hint")

    def _option_markup(self) -> list[tuple[str, str] | None]:
        """(id, markup) for each option in the order shown; None for a separator."""
        entries: list[tuple[str, str] | None] = [
            (f"fix-{i}", fix_markup(i, title, f)) for i, (title, f) in enumerate(self.fixes, 1)
        ]
        start = len(entries) + 1
        if entries and self.paired:
            entries.append(None)
        entries += [(f"pick-{i}", option_markup(i, a)) for i, a in enumerate(self.paired, start)]
        if self.others:
            entries += [None, ("others", "[b $text-muted]Every other action[/]")]
            start = len(self.fixes) + len(self.paired) + 1
            entries += [
                (f"pick-{i}", option_markup(i, a)) for i, a in enumerate(self.others, start)
            ]
        return entries

    def _fill(self) -> None:
        """Put this show's content in the widgets composed once."""
        box = self.query_one("#menu", Vertical)
        box.border_title = self.title_text
        alert_label = self.query_one("#menu-alert", Label)
        topic_label = self.query_one("#menu-topic", Label)
        alert_label.display = topic_label.display = self.alert is not None
        if self.alert is None:
            alert_label.update("")
            topic_label.update("")
        else:
            severity = self.alert.severity.value
            for value in (s.value for s in Severity):
                alert_label.set_class(value == severity, f"-{value}")
            alert_label.update(escape(self.alert.title))
            topic = self.alert.topic.value if self.alert.topic else "this alert"
            topic_label.update(f"The runbook's answers to {escape(topic)}, most likely fix first.")
        self.query_one(".diagnosis", Label).update(self._diagnosis_markup())
        options = self.query_one(OptionList)
        entries = self._option_markup()
        shown = tuple(entries)
        if shown != self._shown_options:
            # the same list again (the same alert's topic) keeps the rendered lines
            self._shown_options = shown
            options.set_options(self._option(e) for e in entries)
        options.highlighted = 0 if self.picks else None
        options.scroll_home(animate=False)

    def _option(self, entry: tuple[str, str] | None) -> Option | None:
        """One option, reused across shows (it keeps its parsed prompt)."""
        if entry is None:
            return None
        option = self._option_cache.get(entry)
        if option is None:
            if len(self._option_cache) >= OPTION_CACHE_SIZE:
                self._option_cache.clear()
            option_id, markup = entry
            option = Option(
                Content.from_markup(markup), id=option_id, disabled=option_id == "others"
            )
            self._option_cache[entry] = option
        return option

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
        self._fill()
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        number = int(str(event.option.id).rpartition("-")[2])
        self.action_pick(number)

    def action_pick(self, number: int) -> None:
        if 0 < number <= len(self.picks):
            self.dismiss(self.picks[number - 1])

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
