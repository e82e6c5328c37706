"""The cockpit on a recording: the live app's screen, a replay bar, and keys to move in time.

`ReplayApp` is the cockpit app with the poll loop swapped for the core's `Player`
(`todotui.core.replay`): the same panes, feed, diagnosis and status bar, drawn from the
recorded refreshes at their recorded times. Keys: space or p pauses, `.` / `,` step a refresh
forward / back, + / - change the speed (1x to 60x), `[` / `]` seek a minute back / forward,
`g` goes to a position, a time of day or a refresh number. Anything that would act (actions,
undo, the rollout view) is refused with "replay: read-only recording".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label

from todotui.core.poller import PollEvent, Refreshed
from todotui.core.replay import READ_ONLY_MESSAGE, Player, SeekError, parse_seek
from todotui.ui.actions import ActionDesk
from todotui.ui.app import TodoTuiApp, describe_target
from todotui.ui.messages import Connected, RefreshFinished
from todotui.ui.widgets import AlertFeedView, StatusBar
from todotui.ui.widgets.replay_bar import ReplayBar, ReplayState

if TYPE_CHECKING:
    from todotui.alerts.model import Alert
    from todotui.core.cockpit import Cockpit


class ReplayDesk(ActionDesk):
    """The action desk of a replay: every way to act says why it cannot."""

    def refuse(self) -> None:
        self.app.notify(READ_ONLY_MESSAGE, title="Replay", severity="warning")

    def open_menu(self, alert: Alert | None = None) -> None:
        self.refuse()

    def abort_rollout(self) -> None:
        self.refuse()

    def open(self, action_id: str, **_: object) -> None:
        self.refuse()

    def undo_last(self) -> None:
        self.refuse()

    def undo(self, record_id: str) -> None:
        self.refuse()

    def verify(self, record_id: str) -> None:
        self.refuse()


class SeekScreen(ModalScreen[str | None]):
    """Where to go: a position (12:30), a time of day (@05:40:12) or a refresh (#42)."""

    BINDINGS = [Binding("escape", "dismiss_none", "Cancel")]

    DEFAULT_CSS = """
    SeekScreen {
        align: center middle;
        #seek { width: 64; height: auto; border: round $accent; background: $surface; padding: 1 2; }
        #seek-error { color: $error; }
        .hint { color: $text-muted; }
    }
    """

    def __init__(self, player: Player) -> None:
        super().__init__()
        self.player = player

    def compose(self) -> ComposeResult:
        with Vertical(id="seek"):
            yield Label("[b]Go to[/] in the recording")
            yield Label(
                "12:30 = 12 min 30 s in · @05:40:12 = that time (UTC) · #42 = refresh 42",
                classes="hint",
            )
            yield Input(placeholder="12:30, @05:40:12 or #42", id="seek-input")
            yield Label("", id="seek-error")

    def action_dismiss_none(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        try:
            parse_seek(event.value, *self.player.span)
        except SeekError as exc:
            self.query_one("#seek-error", Label).update(str(exc))
            return
        self.dismiss(event.value)


REPLAY_BINDINGS: list[BindingType] = [
    Binding("space", "replay_pause", "Pause", key_display="space", show=False),
    Binding("full_stop", "replay_step(1)", "Step", key_display=".", show=False),
    Binding("comma", "replay_step(-1)", "Back", key_display=",", show=False),
    Binding("left_square_bracket", "replay_seek(-60)", "-1 min", key_display="[", show=False),
    Binding("right_square_bracket", "replay_seek(60)", "+1 min", key_display="]", show=False),
    Binding("g", "replay_goto", "Go to", key_display="g", show=False),
    # what would act or poll is refused in a replay: kept off the footer
    *(
        Binding(key, action, label, show=False)
        for key, action, label in (
            ("r", "refresh_now", "Refresh"),
            ("w", "cycle_window", "Window"),
            ("a", "actions", "Actions"),
            ("u", "undo_last", "Undo"),
            ("b", "rollout", "Rollout"),
            ("c", "check", "Check"),
            ("W", "review", "Review"),
        )
    ),
]


class ReplayApp(TodoTuiApp):
    """The cockpit drawn from a recording; the poll loop is the player."""

    TITLE = "todotui replay"
    asks_aws = False
    """Investigations, the check and the review ask AWS now: not offered on a recording."""
    BINDINGS = REPLAY_BINDINGS

    def __init__(self, core: Cockpit, player: Player, *, label: str, close_core: bool) -> None:
        super().__init__(core, demo_label=label, close_core=close_core)
        self.player = player
        self.desk = self.replay_desk = ReplayDesk(self, core)
        self._drawn_generation = 0

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            if isinstance(widget, Footer):
                yield ReplayBar(id="replay-bar")
            yield widget

    def on_mount(self) -> None:
        self.player.subscribe(self._player_changed)
        self.post_message(Connected(self.player.identity))  # as recorded; STS is never asked
        problem = self.player.recording.problem
        if problem:
            self.notify(problem, title="Recording", severity="warning", timeout=15)

    def on_connected(self, message: Connected) -> None:
        """Who was watched, said as a replay (the live handler would add "plans only")."""
        message.prevent_default()
        target = describe_target(message.identity, self.demo_label)
        self.query_one(StatusBar).target = f"{target} · READ-ONLY recording"

    # The poll loop is the player -----------------------------------------------------------

    @work(exclusive=True, group="poll", name="poll", exit_on_error=False)
    async def poll(self) -> None:
        await self.player.run()

    def _poll_event(self, event: PollEvent) -> None:
        if isinstance(event, Refreshed) and self.player.seeking:
            return  # a seek draws once, at its end
        super()._poll_event(event)

    def _player_changed(self) -> None:
        player = self.player
        self.paused = player.paused or player.ended
        self.refresh_seconds = self.core.poller.refresh_seconds
        self.window_seconds = self.core.monitor.window_seconds
        if player.generation != self._drawn_generation:
            self._drawn_generation = player.generation
            self._redraw()
        self.now = self.clock()
        self.query_one(ReplayBar).show(self.replay_state())

    def _redraw(self) -> None:
        """After a step or a seek: everything from what the core now holds."""
        self.query_one(AlertFeedView).sync(self.core.alerts)
        last = self.core.poller.last
        if last is None:
            return
        self.query_one(StatusBar).last_good = self.core.poller.last_good_at
        self.post_message(RefreshFinished(last, self.core.monitor.cost))

    def replay_state(self) -> ReplayState:
        player = self.player
        notes = []
        if player.recording.problem:
            notes.append("truncated recording")
        if player.mismatches or player.divergences:
            notes.append(
                f"replay differs from the recording at {len(player.mismatches) or 1} refresh(es)"
            )
        return ReplayState(
            position_seconds=player.position_seconds,
            duration_seconds=player.duration_seconds,
            at=self.clock(),
            speed=player.speed,
            paused=player.paused,
            ended=player.ended,
            refresh=player.index,
            refreshes=len(player.frames),
            note="; ".join(notes),
        )

    # Replay keys -------------------------------------------------------------------------

    def action_replay_pause(self) -> None:
        self.player.toggle_pause()

    def action_toggle_pause(self) -> None:  # p, as live
        self.player.toggle_pause()

    def action_faster(self) -> None:  # +: play faster, not poll faster
        self.player.faster()

    def action_slower(self) -> None:
        self.player.slower()

    async def action_replay_step(self, count: int) -> None:
        await self.player.step(count)

    async def action_replay_seek(self, seconds: float) -> None:
        await self.player.seek_by(seconds)

    def action_replay_goto(self) -> None:
        async def go(answer: str | None) -> None:
            if not answer:
                return
            target = parse_seek(answer, *self.player.span)
            if isinstance(target, int):
                await self.player.seek_to_refresh(target)
            else:
                await self.player.seek(target)

        self.push_screen(SeekScreen(self.player), go)

    def action_refresh_now(self) -> None:
        self.notify("replay: refreshes come from the recording (. steps to the next)")

    def action_cycle_window(self) -> None:
        self.notify("replay: the window is the recording's")

    def action_rollout(self) -> None:
        self.replay_desk.refuse()

    def action_check(self) -> None:
        self.notify("replay: the check asks AWS now; run `todotui check` against the account")

    def action_review(self) -> None:
        self.notify("replay: the review asks AWS now; run `todotui review` against the account")


def make_replay_app(
    core: Cockpit, player: Player, *, label: str, close_core: bool = False
) -> ReplayApp:
    """The cockpit on `player`'s recording; the caller closes the core unless `close_core`."""
    return ReplayApp(core, player, label=label, close_core=close_core)
