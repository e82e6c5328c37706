"""The rollout view (`b`): one alias's blue-green rollout, what it is doing, and why.

The core's `RolloutDriver` decides and acts; this screen shows its record, its last
analysis, the alias's routing and both versions' figures, and turns keys into its
methods (each returns the words to say). It redraws when the driver says the rollout
changed, after every refresh, and once a second for the countdowns.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.markup import escape
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Label, Static

from todotui.actions import Outcome, PlanError
from todotui.core.poller import PollEvent, Refreshed
from todotui.rollout.analysis import AnalysisRun
from todotui.rollout.drift import Fix
from todotui.rollout.model import Phase, Rollout
from todotui.telemetry.series import align_down
from todotui.telemetry.versions import VersionInfo
from todotui.ui.keys import ROLLOUT_KEYS
from todotui.ui.restyle import KeepStylesWhenShownAgain
from todotui.ui.rollout.commands import RolloutCommands
from todotui.ui.rollout.start import PUBLISH, StartChoice, StartRolloutScreen, steps_words
from todotui.ui.rollout.view import (
    analysis_lines,
    budget_words,
    comparison_rows,
    comparison_table,
    countdown_words,
    event_lines,
    phase_badge,
    phase_of,
    plan_lines,
    routing_words,
    share_estimate,
    share_words,
    step_words,
    timing_words,
    version_words,
    weight_since,
    when,
)
from todotui.ui.rollout.widgets import ConfirmScreen, TimelinePlot
from todotui.ui.widgets.footer import CockpitFooter
from todotui.ui.widgets.redraw import set_border_title, update_if_changed

if TYPE_CHECKING:
    from todotui.core.cockpit import Cockpit
    from todotui.core.rollouts import ActResult, RolloutDriver
    from todotui.ui.actions import ActionDesk

EVENTS_SHOWN = 40
"""Events listed beside the plot (the newest; the plot marks every one)."""

PLAN_ROOM = 7
"""Lines the step plan may take before a long plan is cut around the current step."""

VERSIONS_DESCRIBED = 6
"""The newest published versions described (one GetFunctionConfiguration each, once)."""


_DASHBOARD_KEYS = (
    Binding("w", "app.cycle_window", show=False),
    Binding("plus,equals_sign", "app.faster", show=False),
    Binding("minus", "app.slower", show=False),
    Binding("u", "app.undo_last", show=False),
)
"""Dashboard keys that still work here but would crowd the footer (the palette has them)."""


class RolloutScreen(KeepStylesWhenShownAgain, Screen[None]):
    """Header, abort banner, drift, stable vs candidate, step plan, analysis, timeline."""

    BINDINGS = [*(key.binding() for key in ROLLOUT_KEYS), *_DASHBOARD_KEYS]
    COMMANDS = {RolloutCommands}

    DEFAULT_CSS = """
    RolloutScreen {
        layout: vertical;
        #rollout-title {
            width: 1fr;
            height: 1;
            padding: 0 1;
            background: $panel;
            text-wrap: nowrap;
            text-overflow: ellipsis;
        }
        #abort-banner {
            display: none;
            width: 1fr;
            height: auto;
            margin: 1 1 0 1;
            padding: 1 2;
            background: $error;
            color: $text;
        }
        #rollout-problem {
            display: none;
            width: 1fr;
            height: auto;
            margin: 0 1;
            padding: 0 1;
            color: $error;
            text-style: bold;
        }
        #drift {
            display: none;
            width: 1fr;
            height: auto;
            margin: 0 1;
            padding: 0 1;
            background: $warning 15%;
            color: $warning;
            border-left: thick $warning;
        }
        #rollout-body { height: 1fr; padding: 0 1; }
        #header-box, #compare-box, #plan-box, #analysis-box, #timeline-box, #events-box {
            height: auto;
            border: round $primary 50%;
            border-title-color: $text;
            border-title-style: bold;
            padding: 0 1;
        }
        #header { width: 1fr; height: auto; }
        #row-compare { height: auto; }
        #row-timeline { height: 1fr; min-height: 10; }
        #compare-box { width: auto; min-width: 60; height: 10; }
        #compare { width: auto; height: auto; text-wrap: nowrap; }
        #plan-box { width: 1fr; height: 10; }
        #plan { width: 1fr; height: auto; text-wrap: nowrap; text-overflow: ellipsis; }
        #analysis { width: 1fr; height: auto; }
        #budget { width: 1fr; height: auto; margin: 1 0 0 0; color: $text-muted; }
        #timeline-box { width: 1fr; height: 1fr; }
        #events-box { width: 1fr; height: 1fr; }
        #events { width: 1fr; height: 1fr; text-wrap: nowrap; text-overflow: ellipsis; }
        #rollout-status {
            width: 1fr;
            height: 1;
            padding: 0 1;
            background: $boost;
            text-wrap: nowrap;
            text-overflow: ellipsis;
        }
        &.-aborting #header-box { border: round $error; }
        &.-idle #analysis-box, &.-idle #row-timeline { display: none; }
        &.-narrow {
            #row-compare, #row-timeline { layout: vertical; }
            #compare-box, #plan-box { height: auto; }
            #compare-box, #plan-box, #events-box { width: 1fr; }
            #row-timeline { height: auto; }
            #timeline-box, #events-box { height: auto; }
            #events { height: auto; max-height: 8; }
        }
        /* Short terminals: each box keeps its titled top line and loses the rest of its
           frame, so more of the rollout fits before the body scrolls. */
        &.-short {
            #header-box, #compare-box, #plan-box, #analysis-box, #timeline-box, #events-box {
                border: none;
                border-top: round $primary 50%;
                padding: 0;
            }
            #compare-box, #plan-box { height: auto; }
            #budget { margin: 0; }
            #abort-banner { margin: 0 1; padding: 0 1; }
        }
    }
    """

    class Changed(Message):
        """The rollout, the alias or the figures behind them changed: redraw."""

    def __init__(self, core: Cockpit, desk: ActionDesk, *, target: str = "") -> None:
        super().__init__()
        self.core = core
        self.desk = desk
        self.target = target
        """Where the calls go (the dashboard's status line), for the title."""
        self.published: list[str] | None = None
        """The function's published versions, when read (shown while idle)."""
        self.last_result: ActResult | None = None
        self._busy: str | None = None
        self._unsubscribe: list[Callable[[], None]] = []
        self._seen: tuple[str, Phase, bool] | None = None
        """The rollout as last drawn (id, phase, abort pending): what changed on its own."""
        self._table_key: object = None
        self._ticker: Timer | None = None

    @property
    def driver(self) -> RolloutDriver:
        return self.core.rollouts

    @property
    def busy(self) -> str | None:
        """What a key started and is still doing ("aborting"), or None."""
        return self._busy

    # -- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        function, alias = self.driver.stack
        yield Label("", id="rollout-title")
        yield Static("", id="abort-banner")
        yield Static("", id="rollout-problem")
        yield Static("", id="drift")
        with VerticalScroll(id="rollout-body"):
            with Vertical(id="header-box") as header:
                header.border_title = f"λ {function}:{alias}"
                yield Static("", id="header")
            with Horizontal(id="row-compare"):
                with Vertical(id="compare-box") as compare:
                    compare.border_title = "Stable vs candidate"
                    yield Static("", id="compare")
                with Vertical(id="plan-box") as plan:
                    plan.border_title = "Step plan"
                    yield Static("", id="plan")
            with Vertical(id="analysis-box") as analysis:
                analysis.border_title = "Analysis · why"
                yield Static("", id="analysis")
                yield Static("", id="budget")
            with Horizontal(id="row-timeline"):
                with Vertical(id="timeline-box") as timeline:
                    timeline.border_title = "Timeline · weight, error %, latency"
                    yield TimelinePlot(id="timeline")
                with Vertical(id="events-box") as events:
                    events.border_title = "Events · newest first"
                    yield Static("", id="events")
        yield Label("", id="rollout-status")
        yield CockpitFooter()

    def on_mount(self) -> None:
        self._ticker = self.set_interval(1, self._second, pause=True)
        self._open()

    def on_screen_resume(self) -> None:
        self._open()

    def _open(self) -> None:
        """Shown (again): listen, tick, draw, read the versions. The desk installs this screen
        once and pushes it on each `b`, so an open composes and styles nothing; it starts
        as a new one would (no last result, versions read again)."""
        if self._unsubscribe or not self.is_mounted:
            return  # already live (a dialog over it closed), or not composed yet
        self._unsubscribe = [
            self.driver.subscribe(self._driver_changed),
            self.core.poller.subscribe(self._poll_event),
        ]
        self.last_result, self._busy, self._seen = None, None, None
        if self._ticker is not None:
            self._ticker.resume()
        self._fit(*self.app.size)
        self.show()
        self._load_versions()

    def on_screen_suspend(self) -> None:
        """Closed (not merely covered by one of its dialogs): stop as a removed screen would,
        its listeners, its tick and its workers."""
        if self in self.app.screen_stack:
            return
        self._close()

    def on_unmount(self) -> None:
        self._close()

    def _close(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []
        if self._ticker is not None:
            self._ticker.pause()
        self.workers.cancel_node(self)

    def on_resize(self) -> None:
        self._fit(*self.size)

    def _fit(self, width: int, height: int) -> None:
        """Below 130 columns the side-by-side rows stack (the body scrolls instead); below 40
        lines the boxes lose their frames and the footer its spacing."""
        self.set_class(width < 130, "-narrow")
        self.set_class(height < 40, "-short")
        self.query_one(Footer).compact = width < 130

    # -- what makes it redraw --------------------------------------------------------------------

    def _driver_changed(self) -> None:
        self.post_message(self.Changed())

    def _poll_event(self, event: PollEvent) -> None:
        if isinstance(event, Refreshed):
            self.post_message(self.Changed())

    def on_rollout_screen_changed(self, _message: Changed) -> None:
        self.show()
        r = self.driver.rollout
        if r is None or r.phase.finished:
            self._load_versions()
        self._say_what_changed(r)

    def _say_what_changed(self, r: Rollout | None) -> None:
        """What the controller (or another cockpit) did on its own gets said too: the abort
        countdown rings the bell once, a phase it changed is a notification and the status."""
        seen = (r.id, r.phase, r.pending_abort is not None) if r is not None else None
        before, self._seen = self._seen, seen
        if r is None or before is None or before[0] != r.id or self._busy:
            return
        if r.pending_abort is not None and not before[2]:
            self.app.bell()
        if r.phase is not before[1] and r.events:
            from todotui.core.rollouts import ActResult

            ok = r.phase not in (Phase.ABORTED, Phase.DEGRADED)
            self._say(ActResult(ok, f"rollout {r.phase.value}: {r.events[-1].text}"))

    def _second(self) -> None:
        """Countdowns tick (the driver itself aborts when one comes due)."""
        self.show()

    @work(exclusive=True, group="rollout-versions", exit_on_error=False, name="rollout:versions")
    async def _load_versions(self) -> None:
        """The published versions (the rollback action's own list), and what each newest few
        is: read once each, where the Monitor has not described it (it only reads the
        versions the alias routes to or a rollout watches)."""
        try:
            fields = await self.core.runner.fields("rollback")
        except PlanError:
            return  # the idle view says "not read"; the start dialog says why in AWS's words
        self.published = sorted(
            {c for f in fields if f.name == "version" for c in f.choices}, key=int
        )
        await self.describe(sorted(self.published, key=int, reverse=True)[:VERSIONS_DESCRIBED])
        self.show()

    async def describe(self, versions: list[str]) -> dict[str, VersionInfo]:
        """Each version's description, CodeSha256 and publish time (read by the core)."""
        return await self.driver.describe_versions(versions)

    def version_info(self, version: str) -> VersionInfo | None:
        return self.driver.version_info(version)

    def last_run(self, r: Rollout | None) -> AnalysisRun | None:
        """The driver's latest analysis, if it judged this rollout's current attempt (a retry
        starts afresh: the analysis before it no longer says anything about it)."""
        run = self.driver.last_run
        if r is None or run is None or r.first_shift_at is None or run.at < r.first_shift_at:
            return None
        return run

    # -- drawing ----------------------------------------------------------------------------------

    def show(self) -> None:
        """Draw everything from the driver's state as it is now."""
        driver, now = self.driver, self.core.clock()
        r = driver.rollout
        settings = self.core.settings.rollouts
        grace = (
            driver.grace_seconds
            if driver.grace_seconds is not None
            else settings.abort_grace_seconds
        )
        function, alias = driver.stack
        phase = phase_of(r)
        aborting = r is not None and r.pending_abort is not None
        title = (
            f"[b]ROLLOUT[/]  {phase_badge(phase, aborting=aborting)}"
            f"  λ {escape(function)}:{escape(alias)}"
        )
        if self.target:
            title += f"  [$text-muted]·  {escape(self.target)}[/]"
        update_if_changed(self.query_one("#rollout-title", Label), title)
        self.set_class(r is not None and r.pending_abort is not None, "-aborting")
        self.set_class(r is None, "-idle")
        self._show_banner(r, now)
        problem = self.query_one("#rollout-problem", Static)
        problem.display = bool(driver.problem)
        update_if_changed(problem, f"✖ {escape(driver.problem or '')}")
        self._show_drift()
        self._show_header(r, now, grace)
        if self._seen is None and r is not None:
            self._seen = (r.id, r.phase, r.pending_abort is not None)
        self._show_compare(r, now)
        self._show_plan(r, now)
        run = self.last_run(r)
        update_if_changed(self.query_one("#analysis", Static), "\n".join(analysis_lines(run, r)))
        budget = budget_words(
            run,
            r,
            failure_budget=settings.failure_budget,
            interval_seconds=settings.analysis_interval_seconds,
            now=now,
        )
        update_if_changed(self.query_one("#budget", Static), budget)
        self.query_one("#budget").display = bool(budget)
        latency_limit = (
            settings.max_p99_ms
            if r is not None and r.samples and self.driver.samples(r.stable).percentiles
            else settings.max_average_ms
        )
        self.query_one(TimelinePlot).show(
            r, now, settings.analysis_interval_seconds, (settings.max_error_pct, latency_limit)
        )
        events = event_lines(r.events, limit=EVENTS_SHOWN) if r else []
        update_if_changed(
            self.query_one("#events", Static),
            "\n".join(events)
            or "[$text-muted]No rollout yet: steps, verdicts, alarms and"
            " operator actions are listed here with their times.[/]",
        )
        self._show_status()

    def _show_banner(self, r: Rollout | None, now: datetime) -> None:
        banner = self.query_one("#abort-banner", Static)
        pending = r.pending_abort if r else None
        banner.display = pending is not None
        if pending is not None:
            update_if_changed(banner, countdown_words(pending, now))

    def _show_drift(self) -> None:
        box = self.query_one("#drift", Static)
        drift = self.driver.drift
        box.display = bool(drift)
        lines = [
            f"[b]⚠ {escape(d.text)}[/]\n   [b reverse] f [/] fix: {escape(d.fix_words)}"
            if i == 0
            else f"[b]⚠ {escape(d.text)}[/]  [$text-muted](f fixes this once the one above is)[/]"
            for i, d in enumerate(drift)
        ]
        update_if_changed(box, "\n".join(lines))

    def _show_header(self, r: Rollout | None, now: datetime, grace: float) -> None:
        driver, monitor = self.driver, self.core.monitor
        settings = self.core.settings.rollouts
        routing = driver.routing
        header = self.query_one("#header", Static)
        if r is None:
            function, alias = driver.stack
            primary = routing.primary if routing else None
            preset = settings.preset
            plans = driver.strategies()
            plan = escape(steps_words(plans[preset])) if preset in plans else ""
            lines = [
                f"No rollout on [b]{escape(function)}:{escape(alias)}[/]: nothing is shifting"
                " traffic, nothing is being judged.",
                f"alias routing   {routing_words(routing, monitor.alias_error)}",
                "published versions, newest first:",
            ]
            versions = sorted(self.published or [], key=int, reverse=True)
            if self.published is None:
                lines.append("  [$text-muted]reading…[/]")
            elif not versions:
                lines.append("  [$text-muted]none: publish $LATEST first (s offers it)[/]")
            newest = next((v for v in versions if v != primary), None)
            for version in versions[:VERSIONS_DESCRIBED]:
                role = "serving" if version == primary else ""
                note = (
                    "  [$text-muted]← serving all traffic[/]"
                    if version == primary
                    else "  [$text-muted]← s offers it first[/]"
                    if version == newest
                    else ""
                )
                line = version_words(role, version, self.version_info(version))
                lines.append(f"  {line}{note}")
            if len(versions) > VERSIONS_DESCRIBED:
                lines.append(f"  [$text-muted]… and {len(versions) - VERSIONS_DESCRIBED} older[/]")
            lines += [
                "",
                f"[b reverse] s [/] start one: choose a published version (or publish $LATEST"
                f" first) and a strategy  [$text-muted](default {escape(preset)}: {plan})[/]",
            ]
            update_if_changed(header, "\n".join(lines))
            return
        since = weight_since(r)
        configured = routing.share_of(r.candidate) if routing else r.weight
        estimate = share_estimate(
            r,
            driver.samples(r.candidate, since=since),
            driver.samples(r.stable, since=since),
            configured,
        )
        who = ""
        if r.phase.active and not driver.driving and r.owner:
            who = f"  [b $warning]driven by {escape(r.owner.rsplit(':', 1)[0])}[/] (this cockpit shows it)"
        lines = [
            f"{phase_badge(r.phase, aborting=r.pending_abort is not None)}  strategy [b]{escape(r.strategy)}[/]  ·  {step_words(r, now)}"
            f"  ·  started {when(r.started_at)} by {escape(r.started_by or '?')}{who}",
            version_words("stable", r.stable, self.version_info(r.stable)),
            version_words("candidate", r.candidate, self.version_info(r.candidate)),
        ]
        share = share_words(r, estimate, configured)
        if share:
            since_words = f" [$text-muted](since {when(since)})[/]" if since else ""
            lines.append(f"{share}{since_words}")
        else:
            lines.append(f"alias routing   {routing_words(routing, monitor.alias_error)}")
        timing = timing_words(
            r,
            now,
            failure_budget=settings.failure_budget,
            interval_seconds=settings.analysis_interval_seconds,
            grace_seconds=grace,
        )
        if timing:
            lines.append(timing)
        if r.reason:
            lines.append(f"[b {_reason_style(r.phase)}]{escape(r.reason)}[/]")
        update_if_changed(header, "\n".join(lines))

    def _show_compare(self, r: Rollout | None, now: datetime) -> None:
        driver = self.driver
        box = self.query_one("#compare-box")
        stable: str | None
        candidate: str | None
        if r is not None:
            stable, candidate = r.stable, r.candidate
            controller = driver.controller
            if r.phase.active and controller is not None:
                # The analysis's own window: from the start of the period it opens in.
                period = self.core.settings.cadence.period_seconds
                since = (
                    align_down(controller.analysis_since(now), period) if r.first_shift_at else None
                )
                what = f"analysis window, since {when(since)}" if since else "no traffic yet"
            else:
                since = r.first_shift_at
                what = f"the whole rollout, since {when(since)}" if since else "never shifted"
        else:
            routing = driver.routing
            stable = routing.primary if routing else None
            candidate = routing.additional if routing and routing.split else None
            since, what = None, "the cockpit's window"
        set_border_title(box, f"Stable vs candidate · {what}")
        table = self.query_one("#compare", Static)
        if stable is None:
            update_if_changed(table, "[$text-muted]The alias has not been read yet.[/]")
            return
        run = self.last_run(r)
        rows = comparison_rows(
            driver.samples(stable, since=since),
            driver.samples(candidate, since=since) if candidate else None,
            run,
        )
        update_if_changed(
            table, "\n".join(comparison_table(rows, stable=stable, candidate=candidate))
        )

    def _show_plan(self, r: Rollout | None, now: datetime) -> None:
        box = self.query_one("#plan-box")
        plan = self.query_one("#plan", Static)
        if r is None:
            set_border_title(box, "Step plan")
            update_if_changed(
                plan,
                "[$text-muted]No rollout. Strategies:[/]\n"
                + "\n".join(
                    f"[b]{escape(name)}[/]  [$text-muted]{escape(steps_words(steps))}[/]"
                    for name, steps in self.driver.strategies().items()
                ),
            )
            return
        set_border_title(box, f"Step plan · {r.strategy} · step {r.step_label}")
        update_if_changed(plan, "\n".join(plan_lines(r, now, room=PLAN_ROOM)))

    def _show_status(self) -> None:
        status = self.query_one("#rollout-status", Label)
        if self._busy:
            text = f"[b $accent]…[/] {escape(self._busy)}"
        elif self.last_result is None:
            text = "[$text-muted]Keys act on the rollout at once; each says here what it did.[/]"
        else:
            mark = "[b $success]✔[/]" if self.last_result.ok else "[b $error]✖[/]"
            text = f"{mark} {escape(self.last_result.message)}"
        update_if_changed(status, text)

    # -- acting ---------------------------------------------------------------------------------

    def _act(self, doing: str, act: Callable[[], Awaitable[ActResult]]) -> None:
        if self._busy:
            self.notify(
                f"Still {self._busy}: wait for it to finish.", severity="warning", timeout=3
            )
            return
        self._busy = doing
        self._show_status()
        self.run_worker(
            self._acting(act), name=f"rollout:{doing}", group="rollout", exit_on_error=False
        )

    def _when_yes(
        self, doing: str, act: Callable[[], Awaitable[ActResult]]
    ) -> Callable[[bool | None], None]:
        """A confirmation's callback: act only on yes."""

        def answered(yes: bool | None) -> None:
            if yes:
                self._act(doing, act)

        return answered

    async def _acting(self, act: Callable[[], Awaitable[ActResult]]) -> None:
        try:
            result = await act()
        finally:
            self._busy = None
            r = self.driver.rollout
            self._seen = (r.id, r.phase, r.pending_abort is not None) if r else None
        self._say(result)

    def _say(self, result: ActResult) -> None:
        self.last_result = result
        self.notify(
            escape(result.message),
            title="Rollout" if result.ok else "Rollout: not done",
            severity="information" if result.ok else "error",
            timeout=6,
        )
        self.show()

    def _refuse(self, message: str) -> None:
        from todotui.core.rollouts import ActResult

        self._say(ActResult(False, message))

    def action_start(self) -> None:
        r = self.driver.rollout
        if r is not None and not r.phase.finished:
            self._refuse(
                f"a rollout of version {r.candidate} is {r.phase.value}: promote or abort it first"
            )
            return
        function, alias = self.driver.stack
        try:
            strategies = self.driver.strategies()
        except ValueError as exc:  # a bad custom plan in the settings file
            self._refuse(str(exc))
            return
        screen = StartRolloutScreen(
            self.core.runner,
            routing=self.driver.routing,
            strategies=strategies,
            preset=self.core.settings.rollouts.preset,
            describe=self.describe,
            function=function,
            alias=alias,
        )
        self.app.push_screen(screen, self._start_chosen)

    def _start_chosen(self, choice: StartChoice | str | None) -> None:
        if choice == PUBLISH:
            self.desk.open("publish-version", on_close=self._published_closed)
            return
        if not isinstance(choice, StartChoice):
            return
        self._act(
            f"starting the rollout of version {choice.candidate} ({choice.strategy})",
            lambda: self.driver.start(choice.candidate, strategy=choice.strategy),
        )

    def _published_closed(self, outcome: Outcome | None) -> None:
        """After publishing $LATEST, back to choosing: the new version is the default."""
        if outcome is not None and outcome.ok:
            self.published = None
            self.action_start()

    def action_promote(self) -> None:
        self._act("promoting to the next step", lambda: self.driver.promote())

    def action_promote_full(self) -> None:
        r = self.driver.rollout
        if r is None or not r.phase.active:
            self._refuse(
                "no rollout to promote"
                if r is None
                else f"the rollout is {r.phase.value}: nothing to promote"
            )
            return
        skipped = [s.describe() for s in r.steps[r.step_index :] if s.weight != 1.0]
        body = (
            f"Version {escape(r.candidate)} takes [b]all[/] of {escape(r.alias)}'s traffic now,"
            f" weights cleared; version {escape(r.stable)} gets none.\n"
            + (
                f"Skipped: {escape(', '.join(skipped))}."
                if skipped
                else "No steps are left to skip."
            )
            + "\nUndo is an abort or a rollback to the stable version."
        )
        self.app.push_screen(
            ConfirmScreen(
                "Promote fully",
                f"Promote version {r.candidate} fully, skipping every step left?",
                body,
                yes="promote fully",
                no="keep the plan",
            ),
            self._when_yes("promoting fully", lambda: self.driver.promote(full=True)),
        )

    def action_pause_resume(self) -> None:
        r = self.driver.rollout
        if r is not None and r.phase is Phase.PAUSED:
            self._act("resuming", self.driver.resume)
        else:
            self._act("pausing", self.driver.pause)

    def action_hold(self) -> None:
        self._act("holding the automatic abort", self.driver.hold)

    def action_abort(self) -> None:
        """Two keys at most, x then y (or enter): restoring stable is the safe direction."""
        r = self.driver.rollout
        if r is None or r.phase.finished:
            self._refuse(
                "no rollout to abort"
                if r is None
                else f"the rollout is {r.phase.value}: nothing to abort"
            )
            return
        counting = (
            f"\nThe automatic abort is counting down: {escape(r.pending_abort.reason)}"
            if r.pending_abort
            else ""
        )
        body = (
            f"All of {escape(r.alias)}'s traffic goes back to [b]version {escape(r.stable)}[/]"
            f" (stable), weights cleared; version {escape(r.candidate)} keeps existing."
            f"{counting}\nr retries the same plan from step 1 afterwards."
        )
        self.app.push_screen(
            ConfirmScreen(
                "Abort the rollout",
                f"Abort: all traffic back to version {r.stable}?",
                body,
                yes="abort now",
                no="keep going",
                danger=True,
            ),
            self._when_yes("aborting", self.driver.abort),
        )

    def action_retry(self) -> None:
        self._act("retrying from step 1", self.driver.retry)

    def action_fix_drift(self) -> None:
        drift = self.driver.drift
        if not drift:
            self._refuse("no drift: the alias is where the rollout (or nobody) left it")
            return
        first = drift[0]
        routing = self.driver.routing
        if first.fix is Fix.RESTORE_PRIMARY and routing is not None:
            self.desk.open("rollback", values={"version": routing.primary}, on_close=self._fixed)
        else:
            self.desk.open("publish-version", on_close=self._fixed)

    def _fixed(self, _outcome: Outcome | None) -> None:
        self.core.poller.request_refresh()  # the drift goes once the alias is read again

    def action_back(self) -> None:
        self.app.pop_screen()


def _reason_style(phase: Phase) -> str:
    return {
        Phase.PAUSED: "$warning",
        Phase.DEGRADED: "$error",
        Phase.ABORTED: "$error",
        Phase.PROMOTED: "$success",
    }.get(phase, "$text-muted")
