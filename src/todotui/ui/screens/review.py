"""The weekly review in the cockpit (`W`): four sections, each loading on its own.

Each section is fetched by its own worker through the core (`core.review.WeeklyReview`), so
a slow Logs Insights query or a refused Cost Explorer call never holds up the others; each
shows a loading indicator until its answer, then its table, its source and the exact calls
it made. `r` fetches them all again; escape closes, and answers still on their way land on
the closed screen. Opened again within five minutes of a fetch that has not failed, it shows
that review, answered or still landing (its window's end says when it was fetched).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Label, Static

from todotui.core.review import SECTION_KEYS, TITLES, WeeklyReview
from todotui.reports.review import Section
from todotui.ui.lifecycle import going_away
from todotui.ui.restyle import KeepStylesWhenShownAgain
from todotui.ui.text.review import section_body, section_footer, section_summary
from todotui.ui.widgets.footer import CockpitFooter
from todotui.ui.widgets.spinner import Spinner

if TYPE_CHECKING:
    from todotui.core.cockpit import Cockpit


class ReviewSection(Vertical):
    """One section: a loading indicator until its answer arrives, then the answer.

    A section's body is a Rich table, measured and drawn in full on every update (tens of ms
    for the cost table, on the event loop). A review fetched again mostly answers what the
    last one did, so an answer equal to the one shown is shown again as drawn, not redrawn."""

    DEFAULT_CSS = """
    ReviewSection {
        height: auto;
        border: round $primary;
        border-title-style: bold;
        padding: 0 1;
        margin: 0 0 1 0;
        Spinner { height: 3; }
        .body { width: 1fr; height: auto; }
        .footer { width: 1fr; height: auto; color: $text-muted; margin: 1 0 0 0; }
    }
    ReviewSection.-failed { border: round $error; }
    """

    def __init__(self, key: str) -> None:
        super().__init__(id=f"review-{key}")
        self.key = key
        self.section: Section | None = None
        self._drawn: Section | None = None
        """The answer the body and footer hold (hidden while a new one loads)."""
        self.border_title = TITLES[key]
        self.border_subtitle = "loading…"

    def compose(self) -> ComposeResult:
        yield Spinner()
        yield Static("", classes="body")
        yield Static("", classes="footer")

    @property
    def loading_now(self) -> bool:
        return self.section is None

    def start_loading(self, *, clear: bool = False) -> None:
        """Loading again; `clear` hides the last answer too (a reopen: nothing stale shows)."""
        self.section = None
        if clear:
            self._show_answer(False)
        self.remove_class("-failed")
        self.border_subtitle = "loading…"
        self.query_one(Spinner).spinning = True

    def show(self, section: Section) -> None:
        self.section = section
        self.query_one(Spinner).spinning = False
        drawn = self._drawn
        if drawn is None or _body_of(drawn) != _body_of(section):
            self.query_one(".body", Static).update(section_body(section))
        if drawn is None or _footer_of(drawn) != _footer_of(section):
            self.query_one(".footer", Static).update(section_footer(section))
        self._drawn = section
        self._show_answer(True)
        self.set_class(section.status == "failed", "-failed")
        self.border_subtitle = section_summary(section)

    def _show_answer(self, shown: bool) -> None:
        self.query_one(".body", Static).display = shown
        self.query_one(".footer", Static).display = shown


def _body_of(section: Section) -> tuple[object, ...]:
    """What `section_body` draws from."""
    return (section.status, section.error, section.data)


def _footer_of(section: Section) -> tuple[object, ...]:
    """What `section_footer` draws from."""
    return (section.source, section.queries, section.notes)


FRESH_SECONDS = 300
"""How long a review fetched is shown again as it is: a week's figures barely move in
minutes (Cost Explorer's data is refreshed at least daily; CloudTrail delivers an event minutes
after the call), and each fetch is ~30 requests, one a billed Cost Explorer call ($0.01), with
its tables drawn anew. `r` fetches."""


class ReviewScreen(KeepStylesWhenShownAgain, Screen[None]):
    """The weekly review; escape goes back to the dashboard."""

    BINDINGS = [
        Binding("escape,q", "close", "Back"),
        Binding("r", "reload", "Reload"),
        Binding("j", "scroll_down", "Down", show=False),
        Binding("k", "scroll_up", "Up", show=False),
    ]

    DEFAULT_CSS = """
    ReviewScreen {
        #review-title { width: 1fr; text-style: bold; padding: 0 1; background: $boost; }
        #review-scroll { padding: 0 1; }
    }
    """

    def __init__(self, core: Cockpit, *, days: int | None = None) -> None:
        super().__init__()
        self.core = core
        self.days = days
        self.review: WeeklyReview | None = None
        self._fetched: WeeklyReview | None = None
        """The review whose sections were asked for (after its first frame)."""

    def compose(self) -> ComposeResult:
        yield Label("Weekly review", id="review-title")
        with VerticalScroll(id="review-scroll"):
            for key in SECTION_KEYS:
                yield ReviewSection(key)
        yield CockpitFooter()

    def on_mount(self) -> None:
        self.action_reload()

    def reopen(self) -> None:
        """Opened again (the app installs this screen once): the last review as it is while it
        is fresh (asked for within `FRESH_SECONDS`, no section failed; answers still on their
        way land here), else every section loads anew, the last answers hidden, the window
        ending now."""
        if not self.is_mounted:
            return  # the first open: on_mount fetches
        if not self._fresh():
            self._reload(clear=True)
        self.query_one("#review-scroll", VerticalScroll).scroll_home(animate=False)

    def _fresh(self) -> bool:
        review = self.review
        if review is None or self._fetched is not review:
            return False  # never asked for: closed before its first frame
        age = (self.core.clock() - review.end).total_seconds()
        answered = [view.section for view in self.sections()]
        return 0 <= age < FRESH_SECONDS and not any(
            section is not None and section.status == "failed" for section in answered
        )

    def sections(self) -> list[ReviewSection]:
        return list(self.query(ReviewSection))

    def action_reload(self) -> None:
        self._reload()

    def _reload(self, *, clear: bool = False) -> None:
        """Every section loading; the fetch starts once that is drawn (its ~30 requests are
        built and signed on the event loop, which the opening's frame would wait behind)."""
        core = self.core
        review = WeeklyReview(core.settings, core.clients, core.clock, days=self.days)
        self.review = review
        self.query_one("#review-title", Label).update(
            f"[b]Weekly review[/]  {review.start:%Y-%m-%d %H:%M} → {review.end:%Y-%m-%d %H:%M} UTC"
            f" · {review.days} days   [$text-muted]r reload · esc back[/]"
        )
        self.workers.cancel_group(self, "review")
        for view in self.sections():
            view.start_loading(clear=clear)
        self.call_after_refresh(self._fetch, review)

    def _fetch(self, review: WeeklyReview) -> None:
        if review is not self.review or self not in self.app.screen_stack:
            return  # reloaded since, or closed before its first frame: nobody to answer
        self._fetched = review
        for view in self.sections():
            self._load(view, review)

    @work(group="review", exit_on_error=False)
    async def _load(self, view: ReviewSection, review: WeeklyReview) -> None:
        try:
            section = await review.section(view.key)
        except Exception as exc:  # a bug must not leave the section loading for ever: say it
            error = f"{type(exc).__name__}: {exc}"
            section = Section(view.key, TITLES[view.key], "todotui", (), "failed", error=error)
        if review is self.review and not going_away(view):  # a reload has its own coming
            view.show(section)

    def action_scroll_down(self) -> None:
        self.query_one("#review-scroll", VerticalScroll).scroll_down()

    def action_scroll_up(self) -> None:
        self.query_one("#review-scroll", VerticalScroll).scroll_up()

    def action_close(self) -> None:
        """Close; a fetch under way goes on (cancelling it would drop its requests' answers and
        connections, and the next `W` would send all ~30 again)."""
        self.dismiss(None)
