"""What every key does, and what the words on a pane mean."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from todotui.ui.keys import ALERT_KEYS, COCKPIT_KEYS, ROLLOUT_KEYS, TIMELINE_KEYS
from todotui.ui.restyle import KeepStylesWhenShownAgain

PANE_STATES: tuple[tuple[str, str], ...] = (
    ("loading…", "nothing fetched yet"),
    ("no data", "CloudWatch answered, with no datapoints in the window"),
    ("partial", "CloudWatch answered PartialData, or a series behind the figure is missing"),
    ("error: …", "the last fetch failed; AWS's own words follow"),
    ("stale (43s)", "the newest good data is older than two refreshes"),
)


def help_text() -> str:
    """The help page as Textual markup: keys, then pane states, then colours."""
    lines = ["[b $accent]Keys[/]  [$text-muted](also in the command palette: ctrl+p)[/]", ""]
    lines += [
        f"  [b $accent]{escape(key.display):>5}[/]   {escape(key.help)}" for key in COCKPIT_KEYS
    ]
    lines += ["", "[b $accent]On an alert[/]  [$text-muted](f, then enter)[/]", ""]
    lines += [
        f"  [b $accent]{escape(key.display):>5}[/]   {escape(key.help)}" for key in ALERT_KEYS
    ]
    lines += ["", "[b $accent]On the rollout view[/]  [$text-muted](b)[/]", ""]
    lines += [
        f"  [b $accent]{escape(key.display):>5}[/]   {escape(key.help.removeprefix('Rollout: '))}"
        for key in ROLLOUT_KEYS
    ]
    lines += ["", "[b $accent]On the timeline[/]  [$text-muted](t)[/]", ""]
    lines += [
        f"  [b $accent]{escape(key.display):>5}[/]   {escape(key.help.removeprefix('Timeline: '))}"
        for key in TIMELINE_KEYS
    ]
    lines += ["", "[b $accent]On a pane[/]", ""]
    lines += [
        f"  [b $warning]{escape(shown):<12}[/] {escape(meaning)}" for shown, meaning in PANE_STATES
    ]
    lines += [
        "",
        "  A gap in a history chart ([$text-muted]·[/]) is a period without data, never a zero.",
        "  Colours follow the thresholds in your settings: "
        "[b $success]ok[/], [b $warning]warn[/], [b $error]critical[/].",
        "  Ages: [i]as of 12s ago[/] is the newest datapoint; [i]last good[/] is the last refresh that worked.",
    ]
    return "\n".join(lines)


class HelpScreen(KeepStylesWhenShownAgain, ModalScreen[None]):
    """Keys and pane states; escape or ? closes it."""

    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close")]

    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
        background: $background;
        #help {
            width: 96;
            max-width: 95%;
            height: auto;
            max-height: 90%;
            border: round $accent;
            border-title-style: bold;
            background: $surface;
            padding: 1 2;
        }
        .hint { color: $text-muted; margin: 1 0 0 0; }
    }
    """

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help") as box:
            box.border_title = "todotui · help"
            yield Static(help_text())
            yield Label("[b]esc[/] close", classes="hint")

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)
