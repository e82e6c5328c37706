"""Start a rollout: choose a published version and a strategy, see what will happen, confirm.

The versions are read live (the rollback action's own list, through the action runner, so
read-only mode and the request count apply); the default is the newest version that is not
the alias's primary. `$LATEST` is never a candidate: the list offers publishing it first,
through the publish-version action dialog (CodeSha256-guarded).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets import Button, Label, OptionList, Static
from textual.widgets.option_list import Option

from todotui.actions import ActionRunner, PlanError
from todotui.rollout.steps import Step, StepKind, duration_words, promotion_seconds
from todotui.telemetry.versions import AliasRouting, VersionInfo
from todotui.ui.rollout.view import published

Describe = Callable[[list[str]], Awaitable[dict[str, VersionInfo]]]
"""Reads what each version is (the rollout view's, which asks AWS once per version)."""

SHOWN = 8
"""The newest versions described in the list (older ones show their number only)."""

PUBLISH = "publish-latest"
"""The option (and the dismissal) that asks to publish $LATEST first."""


@dataclass(frozen=True, slots=True)
class StartChoice:
    """What the operator confirmed: roll `candidate` out with the plan called `strategy`."""

    candidate: str
    strategy: str


def step_word(step: Step) -> str:
    if step.kind is StepKind.WEIGHT:
        assert step.weight is not None
        return f"{step.weight * 100:g}%"
    if step.kind is StepKind.PAUSE:
        assert step.seconds is not None
        return f"pause {duration_words(step.seconds)}"
    return "wait for you" if step.kind is StepKind.WAIT else "analyse"


def steps_words(steps: tuple[Step, ...]) -> str:
    """ "10% → pause 5m → 100%": a plan in a line. A long linear plan (a weight, the same
    pause, again and again) is said once: "10% → 20% → … → 90%, pause 1m after each → 100%"."""
    body, last = steps[:-1], steps[-1]
    weights, pauses = body[0::2], body[1::2]
    linear = (
        len(steps) > 7
        and all(s.kind is StepKind.WEIGHT for s in weights)
        and len(pauses) == len(weights)
        and len({(s.kind, s.seconds) for s in pauses}) == 1
        and pauses[0].kind is StepKind.PAUSE
    )
    if linear:
        shown = [step_word(s) for s in weights]
        rises = " → ".join([*shown[:2], "…", shown[-1]] if len(shown) > 4 else shown)
        return f"{rises}, {step_word(pauses[0])} after each → {step_word(last)}"
    return " → ".join(step_word(s) for s in steps)


def eta_words(steps: tuple[Step, ...]) -> str:
    eta = promotion_seconds(steps)
    if eta is None:
        return "ETA: needs you (a step waits for a person or a passing analysis)"
    if eta == 0:
        return "ETA: at once"
    return f"ETA {duration_words(eta)} if every analysis passes"


def newest_candidate(versions: list[str], primary: str | None) -> str | None:
    """The newest published version that is not the alias's primary."""
    others = [v for v in versions if v != primary]
    return max(others, key=int) if others else None


class StartRolloutScreen(ModalScreen[StartChoice | str | None]):
    """Dismisses with a `StartChoice`, with `PUBLISH` (publish $LATEST first), or None."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("l", "publish", "Publish $LATEST first"),
    ]

    DEFAULT_CSS = """
    StartRolloutScreen {
        align: center middle;
        #start {
            width: 110;
            max-width: 96%;
            height: auto;
            max-height: 96%;
            border: thick $accent;
            border-title-style: bold;
            border-title-color: $text;
            background: $surface;
            padding: 0 1;
        }
        .now { width: 1fr; color: $text-muted; }
        .section { text-style: bold; color: $accent; margin: 1 0 0 0; }
        OptionList { height: auto; max-height: 12; border: round $primary 50%; }
        OptionList:focus { border: round $accent; }
        #summary { width: 1fr; height: auto; margin: 1 0 0 0; padding: 0 1; background: $boost; }
        #start-row { height: auto; margin: 1 0 0 0; }
        #go { min-width: 20; }
        .keys { color: $text-muted; width: 1fr; height: 1; }
        #start-problem { color: $error; text-style: bold; width: 1fr; display: none; }
    }
    """

    def __init__(
        self,
        runner: ActionRunner,
        *,
        routing: AliasRouting | None,
        strategies: dict[str, tuple[Step, ...]],
        preset: str,
        describe: Describe,
        function: str,
        alias: str,
    ) -> None:
        super().__init__()
        self.runner = runner
        self.routing = routing
        self.strategies = strategies
        self.preset = preset if preset in strategies else next(iter(strategies))
        self.describe = describe
        self.infos: dict[str, VersionInfo] = {}
        """What each version is (description, CodeSha256, publish time), once read."""
        self.function = function
        self.alias = alias
        self.versions: list[str] | None = None
        self.candidate: str | None = None
        self.strategy = self.preset

    def compose(self) -> ComposeResult:
        primary = self.routing.primary if self.routing else None
        with Vertical(id="start") as box:
            box.border_title = f"Start a rollout · {self.function}:{self.alias}"
            if primary:
                yield Label(
                    f"{escape(self.alias)} sends all its traffic to version {escape(primary)}"
                    " (it stays the stable version). The candidate gets traffic step by step;"
                    f" x aborts back to version {escape(primary)} at any time.",
                    classes="now",
                )
            yield Label("1 · Candidate version (published; never $LATEST)", classes="section")
            yield OptionList(
                Option("reading the published versions…", disabled=True), id="versions"
            )
            yield Label("2 · Strategy", classes="section")
            yield OptionList(
                *(self._strategy_option(name, steps) for name, steps in self.strategies.items()),
                id="strategies",
            )
            yield Static("", id="summary")
            yield Label("", id="start-problem")
            with Vertical(id="start-row"):
                yield Button("Start rollout", id="go", variant="success", disabled=True)
            yield Label(
                "[b]enter[/] choose & next · [b]tab[/] move · [b]l[/] publish $LATEST first"
                " · [b]esc[/] cancel (nothing is sent)",
                classes="keys",
            )

    def _strategy_option(self, name: str, steps: tuple[Step, ...]) -> Option:
        preset = "  [$text-muted](default)[/]" if name == self.preset else ""
        prompt = Content.from_markup(
            f"[b]{escape(name)}[/]{preset}\n  {escape(steps_words(steps))}"
            f"  [$text-muted]·  {escape(eta_words(steps))}[/]"
        )
        return Option(prompt, id=name)

    def on_mount(self) -> None:
        strategies = self.query_one("#strategies", OptionList)
        strategies.highlighted = list(self.strategies).index(self.preset)
        self.query_one("#versions", OptionList).focus()
        self._update_summary()
        self._load_versions()

    @work(exclusive=True, group="start", exit_on_error=False, name="rollout:versions")
    async def _load_versions(self) -> None:
        listing = self.query_one("#versions", OptionList)
        try:
            fields = await self.runner.fields("rollback")
        except PlanError as exc:
            listing.clear_options()
            listing.add_option(Option(self._publish_prompt(), id=PUBLISH))
            problem = self.query_one("#start-problem", Label)
            problem.update(f"Could not read the published versions: {escape(str(exc))}")
            problem.display = True
            return
        versions = sorted({c for f in fields if f.name == "version" for c in f.choices}, key=int)
        self.infos = await self.describe(sorted(versions, key=int, reverse=True)[:SHOWN])
        self.versions = versions
        primary = self.routing.primary if self.routing else None
        listing.clear_options()
        for version in sorted(versions, key=int, reverse=True):
            listing.add_option(self._version_option(version, primary))
        listing.add_option(Option(self._publish_prompt(), id=PUBLISH))
        self.candidate = newest_candidate(versions, primary)
        ids = [o.id for o in listing.options]
        listing.highlighted = ids.index(self.candidate) if self.candidate else ids.index(PUBLISH)
        self._update_summary()

    def _publish_prompt(self) -> Content:
        return Content.from_markup(
            "[b $accent]Publish $LATEST as a new version first…[/]"
            "  [$text-muted](the publish-version dialog; CodeSha256-guarded)[/]"
        )

    def _version_option(self, version: str, primary: str | None) -> Option:
        info = self.infos.get(version)
        facts = ""
        if info is not None:
            description = escape(info.description) or "[i](no description)[/]"
            facts = (
                f"  {description}  [$text-muted]· sha {escape(info.code_sha256[:12])}"
                f" · {published(info)}[/]"
            )
        serving = version == primary
        tag = "  [$text-muted](serving: stays stable)[/]" if serving else ""
        return Option(
            Content.from_markup(f"[b]version {escape(version)}[/]{tag}{facts}"),
            id=version,
            disabled=serving,
        )

    @on(OptionList.OptionHighlighted)
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        option_id = event.option.id
        if event.option_list.id == "versions":
            self.candidate = option_id if option_id and option_id != PUBLISH else None
        elif option_id:
            self.strategy = option_id
        self._update_summary()

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option_list.id == "versions":
            if event.option.id == PUBLISH:
                self.dismiss(PUBLISH)
                return
            self.query_one("#strategies", OptionList).focus()
        else:
            go = self.query_one("#go", Button)
            if not go.disabled:
                go.focus()

    def _update_summary(self) -> None:
        summary = self.query_one("#summary", Static)
        go = self.query_one("#go", Button)
        steps = self.strategies[self.strategy]
        if self.candidate is None:
            summary.update(
                "[$text-muted]Choose a published version to roll out"
                " (or publish $LATEST first: l).[/]"
            )
            go.disabled = True
            return
        stable = self.routing.primary if self.routing else "?"
        summary.update(
            f"Roll [b $accent]version {escape(self.candidate)}[/] onto"
            f" [b]{escape(self.function)}:{escape(self.alias)}[/] with"
            f" [b]{escape(self.strategy)}[/]: {escape(steps_words(steps))}.\n"
            f"Stable stays [b $primary]version {escape(stable)}[/]. {escape(eta_words(steps))}:"
            " each pause ends only on a passing analysis; a failing one counts down to an abort."
        )
        go.disabled = self.runner.read_only
        go.label = "Start (read-only)" if self.runner.read_only else "Start rollout"

    @on(Button.Pressed, "#go")
    def _go(self, event: Button.Pressed) -> None:
        event.stop()
        if self.candidate is not None:
            self.dismiss(StartChoice(self.candidate, self.strategy))

    def action_publish(self) -> None:
        self.dismiss(PUBLISH)

    def action_cancel(self) -> None:
        self.dismiss(None)
