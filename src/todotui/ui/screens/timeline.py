"""The incident timeline (`t`): everything the session saw on one time axis, oldest at the top.

Read like a log of the incident, top to bottom; the newest event is at the bottom, where the
cursor starts and stays while it is there. Above the list, one lane per kind on a shared axis
shows when things happened relative to each other and the span of the impact. Digits hide
or show a kind, `enter` reads an event in full, `e` writes the post-mortem draft.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from itertools import groupby
from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult, RenderResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.markup import escape
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import DataTable, Label, Static

from todotui.alerts.model import Severity
from todotui.reports.timeline import EventKind, Impact, TimelineEvent
from todotui.ui.keys import TIMELINE_KEYS
from todotui.ui.restyle import KeepStylesWhenShownAgain
from todotui.ui.widgets.alert_feed import SEVERITY_LABEL
from todotui.ui.widgets.footer import CockpitFooter
from todotui.ui.widgets.redraw import update_if_changed

if TYPE_CHECKING:
    from todotui.core.cockpit import Cockpit

#: The kinds in lane order, each with its digit key.
KINDS: tuple[EventKind, ...] = (
    EventKind.BREACH,
    EventKind.ALARM,
    EventKind.LOG,
    EventKind.DIAGNOSIS,
    EventKind.DEPLOY,
    EventKind.ROLLOUT,
    EventKind.ACTION,
    EventKind.CONNECTION,
)

_MARK = {Severity.CRIT: "●", Severity.WARN: "●", Severity.INFO: "◆", Severity.OK: "○"}
_WORST = {Severity.CRIT: 3, Severity.WARN: 2, Severity.OK: 1, Severity.INFO: 0}
SHORT_SCREEN = 40
"""Below this many lines the time axis shows only the lanes that have events."""
LANE_LABEL = 12
"""Columns the lane names take, left of the axis."""


def offset(seconds: float) -> str:
    """ "+4m05s" after the origin, "-0m47s" before it (hours when it is long)."""
    whole = round(seconds)
    sign = "-" if whole < 0 else "+"
    hours, rest = divmod(abs(whole), 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{sign}{hours}h{minutes:02d}m"
    return f"{sign}{minutes}m{secs:02d}s"


_TICK_MINUTES = (1, 2, 5, 10, 15, 30, 60, 120, 360, 720, 1440)


def ticks(first: datetime, last: datetime, width: int) -> list[datetime]:
    """Round times of day across [first, last], at least a dozen columns apart on `width`."""
    total = max((last - first).total_seconds(), 1.0)
    minutes = next((m for m in _TICK_MINUTES if m * 60 / total * width >= 12), _TICK_MINUTES[-1])
    step = timedelta(minutes=minutes)
    epoch = datetime(1970, 1, 1, tzinfo=first.tzinfo)
    moment = epoch + ((first - epoch) // step) * step
    if moment < first:
        moment += step
    out = []
    while moment <= last:
        out.append(moment)
        moment += step
    return out


class KindStyles(Widget):
    """Component classes with each kind's and severity's colour, from the theme."""

    COMPONENT_CLASSES = {f"tl--{k.value}" for k in EventKind} | {
        f"tl--sev-{s.value}" for s in Severity
    }

    def kind_style(self, kind: EventKind) -> Style:
        return self.get_component_rich_style(f"tl--{kind.value}", partial=True)

    def severity_style(self, severity: Severity) -> Style:
        return self.get_component_rich_style(f"tl--sev-{severity.value}", partial=True)


_STYLES_CSS = """
    & > .tl--breach { color: $warning; text-style: bold; }
    & > .tl--alarm { color: $error; text-style: bold; }
    & > .tl--log { color: $foreground; text-style: dim; }
    & > .tl--diagnosis { color: $primary-lighten-2; text-style: bold; }
    & > .tl--deploy { color: $primary; text-style: bold; }
    & > .tl--rollout { color: $primary; }
    & > .tl--action { color: $success; text-style: bold; }
    & > .tl--connection { color: $foreground; text-style: dim italic; }
    & > .tl--sev-crit { color: $error; text-style: bold; }
    & > .tl--sev-warn { color: $warning; text-style: bold; }
    & > .tl--sev-info { color: $primary; }
    & > .tl--sev-ok { color: $success; text-style: bold; }
"""


class TimelineStrip(KindStyles):
    """One lane per kind shown on one time axis; the impact's span on a lane of its own."""

    DEFAULT_CSS = (
        """
    TimelineStrip {
        height: auto;
        width: 1fr;
"""
        + _STYLES_CSS
        + """
    }
    """
    )

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.events: Sequence[TimelineEvent] = ()
        self.kinds: tuple[EventKind, ...] = KINDS
        self.impact: Impact | None = None
        self.now: datetime | None = None
        self.cursor: datetime | None = None

    def show(
        self,
        events: Sequence[TimelineEvent],
        kinds: tuple[EventKind, ...],
        impact: Impact | None,
        now: datetime,
        cursor: datetime | None,
    ) -> None:
        """Draw these; the strip's height changes only with the number of lanes."""
        layout = kinds != self.kinds
        self.events, self.kinds, self.impact, self.now, self.cursor = (
            events,
            kinds,
            impact,
            now,
            cursor,
        )
        self.refresh(layout=layout)

    def get_content_height(self, container: object, viewport: object, width: int) -> int:
        return len(self.kinds) + 3

    def _span(self) -> tuple[datetime, datetime] | None:
        if not self.events:
            return None
        first = self.events[0].at
        last = max(self.events[-1].at, self.now or self.events[-1].at)
        if last - first < timedelta(minutes=5):
            last = first + timedelta(minutes=5)
        return first, last

    def render(self) -> RenderResult:
        width = max(self.size.width - LANE_LABEL, 10)
        span = self._span()
        out = Text(no_wrap=True, overflow="ellipsis")
        if span is None:
            out.append("Nothing recorded yet: events appear here as the session sees them.")
            return out
        first, last = span
        total = (last - first).total_seconds()

        def column(moment: datetime) -> int:
            share = (moment - first).total_seconds() / total
            return min(width - 1, max(0, int(share * (width - 1))))

        muted = Style(dim=True)
        # the cursor's column, over the lanes
        top = [" "] * width
        if self.cursor is not None:
            top[column(self.cursor)] = "▼"
        out.append(" " * LANE_LABEL)
        out.append("".join(top), style=Style(bold=True))
        out.append("\n")
        for kind in self.kinds:
            lane: list[tuple[str, Style]] = [("·", muted)] * width
            worst: dict[int, Severity] = {}
            for event in self.events:
                if event.kind is kind:
                    col = column(event.at)
                    known = worst.get(col)
                    if known is None or _WORST[event.severity] > _WORST[known]:
                        worst[col] = event.severity
            for col, severity in worst.items():
                lane[col] = (_MARK[severity], self.severity_style(severity))
            out.append(f"{kind.value:<{LANE_LABEL - 1}} ", style=self.kind_style(kind))
            # one span per run of one style (a lane is mostly dots): a dozen spans, not a
            # span per column, which is most of what drawing the strip cost
            for style, run in groupby(lane, key=lambda cell: cell[1]):
                out.append("".join(char for char, _ in run), style=style)
            out.append("\n")
        # the impact, first breach to recovery (or now)
        impact_lane = [" "] * width
        impact = self.impact
        if impact is not None and impact.start is not None:
            end = impact.end or self.now or last
            for col in range(column(impact.start), column(end) + 1):
                impact_lane[col] = "━"
        out.append(f"{'impact':<{LANE_LABEL - 1}} ", style=self.kind_style(EventKind.ALARM))
        out.append("".join(impact_lane), style=self.severity_style(Severity.CRIT))
        out.append("\n")
        # the axis: a time of day at round minutes, far enough apart to read
        axis = [" "] * width
        for moment in ticks(first, last, width):
            col = column(moment)
            if col + 5 <= width and all(c == " " for c in axis[max(0, col - 1) : col + 6]):
                axis[col : col + 5] = f"{moment:%H:%M}"
        out.append(" " * LANE_LABEL)
        out.append("".join(axis), style=muted)
        return out


_COLUMNS = ("time", "since", "kind", "severity", "title")


class TimelineTable(DataTable[object], KindStyles):
    """The events, oldest first; rows keyed by the event's key."""

    COMPONENT_CLASSES = DataTable.COMPONENT_CLASSES | KindStyles.COMPONENT_CLASSES

    DEFAULT_CSS = (
        """
    TimelineTable {
        height: 1fr;
        background: $surface;
        overflow-x: hidden;
"""
        + _STYLES_CSS
        + """
    }
    """
    )

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.shown: tuple[TimelineEvent, ...] = ()
        self.origin: datetime | None = None
        """What T+ counts from: the first breach, else the first event shown."""

    def on_mount(self) -> None:
        self.add_column("time UTC", key="time", width=8)
        self.add_column("T+", key="since", width=7)
        self.add_column("kind", key="kind", width=10)
        self.add_column("lvl", key="severity", width=4)
        self.add_column("event", key="title")

    def show(self, events: tuple[TimelineEvent, ...], origin: datetime | None = None) -> None:
        """Draw `events`, their T+ counted from `origin` (the first breach; else the first
        event). When the rows shown are still the first ones (the timeline grew), changed rows
        are updated in place and new ones added; otherwise (a filter, an event that landed
        earlier) the rows are drawn again with the cursor kept on its event."""
        origin = origin or (events[0].at if events else None)
        if events == self.shown and origin == self.origin:
            return
        current = self.current
        at_bottom = not self.shown or self.cursor_row >= len(self.shown) - 1
        keys = [e.key for e in self.shown]
        if origin == self.origin and [e.key for e in events[: len(keys)]] == keys:
            for old, new in zip(self.shown, events, strict=False):
                if old != new:
                    for column, value in zip(_COLUMNS, self._cells(new, origin), strict=True):
                        self.update_cell(new.key, column, value)
            added = events[len(keys) :]
        else:
            self.clear()
            added = events
        for event in added:
            self.add_row(*self._cells(event, origin), key=event.key)
        self.shown, self.origin = events, origin
        if not events:
            return
        if at_bottom:
            self.move_cursor(row=len(events) - 1, scroll=True)
        elif current is not None:
            row = next((i for i, e in enumerate(events) if e.key == current.key), None)
            if row is not None and row != self.cursor_row:
                self.move_cursor(row=row, scroll=True)

    def _cells(self, event: TimelineEvent, origin: datetime | None) -> list[object]:
        since = offset((event.at - origin).total_seconds()) if origin else ""
        severity = self.severity_style(event.severity)
        return [
            Text(f"{event.at:%H:%M:%S}"),
            Text(since, style="dim"),
            Text(event.kind.value, style=self.kind_style(event.kind)),
            Text(SEVERITY_LABEL[event.severity], style=severity),
            Text(event.title, style=severity if event.severity is Severity.CRIT else ""),
        ]

    @property
    def current(self) -> TimelineEvent | None:
        if not self.shown or not 0 <= self.cursor_row < len(self.shown):
            return None
        return self.shown[self.cursor_row]


class EventDetailScreen(ModalScreen[None]):
    """One event in full: when, what kind, where it came from, its whole text."""

    BINDINGS = [Binding("escape,q,enter", "dismiss", "Close")]

    DEFAULT_CSS = """
    EventDetailScreen {
        align: center middle;
        #event-detail {
            width: 80%;
            max-width: 120;
            height: auto;
            max-height: 80%;
            border: round $primary;
            background: $surface;
            padding: 1 2;
        }
        #event-detail.-crit { border: round $error; }
        #event-detail.-warn { border: round $warning; }
        #event-detail.-ok { border: round $success; }
        .title { text-style: bold; width: 1fr; margin: 0 0 1 0; }
        .facts { color: $text-muted; margin: 0 0 1 0; }
        VerticalScroll { height: auto; max-height: 30; background: $boost; padding: 0 1; }
        .hint { color: $text-muted; margin: 1 0 0 0; }
    }
    """

    def __init__(self, event: TimelineEvent) -> None:
        super().__init__()
        self.event = event

    def compose(self) -> ComposeResult:
        event = self.event
        with Vertical(id="event-detail", classes=f"-{event.severity.value}") as box:
            box.border_title = f"{event.kind.value} · {event.at:%Y-%m-%d %H:%M:%S} UTC"
            yield Label(
                f"[b]{SEVERITY_LABEL[event.severity]}[/]  {escape(event.title)}", classes="title"
            )
            yield Label(escape(f"source: {event.source or 'unknown'}"), classes="facts")
            with VerticalScroll():
                yield Static(event.detail or "(no further text)", markup=False)
            yield Label("[b]esc[/] close", classes="hint")

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)


_DASHBOARD_KEYS = (
    Binding("p", "app.toggle_pause", show=False),
    Binding("r", "app.refresh_now", show=False),
    Binding("plus,equals_sign", "app.faster", show=False),
    Binding("minus", "app.slower", show=False),
    Binding("w", "app.cycle_window", show=False),
    Binding("u", "app.undo_last", show=False),
    Binding("f", "dashboard('focus_feed')", show=False),
    Binding("a", "dashboard('actions')", show=False),
)
"""Dashboard keys that still work here without crowding the footer (the palette has them);
those about the dashboard's own widgets go back to it first."""


class TimelineScreen(KeepStylesWhenShownAgain, Screen[None]):
    """Lanes on a time axis, the events in order, the impact in one line; `e` exports."""

    BINDINGS = [
        *(key.binding() for key in TIMELINE_KEYS if key.action != "toggle_kind"),
        *(
            Binding(str(i), f"toggle_kind({i})", kind.value, show=False)
            for i, kind in enumerate(KINDS, start=1)
        ),
        *_DASHBOARD_KEYS,
    ]

    DEFAULT_CSS = """
    TimelineScreen {
        layout: vertical;
        #timeline-title {
            width: 1fr;
            height: 1;
            padding: 0 1;
            background: $panel;
            text-wrap: nowrap;
            text-overflow: ellipsis;
        }
        #timeline-kinds { width: 1fr; height: auto; padding: 0 1; }
        #strip-box, #events-box {
            border: round $primary 50%;
            border-title-color: $text;
            border-title-style: bold;
            padding: 0 1;
        }
        #strip-box { height: auto; }
        #events-box { height: 1fr; }
        #timeline-impact { width: 1fr; height: auto; padding: 0 1; }
        #timeline-export {
            width: 1fr;
            height: auto;
            padding: 0 1;
            background: $success 15%;
            color: $text;
            display: none;
        }
        #timeline-export.-error { background: $error 20%; }
    }
    """

    class Changed(Message):
        """The recorder has something new: redraw."""

    def __init__(self, core: Cockpit) -> None:
        super().__init__()
        self.core = core
        self.hidden: set[EventKind] = set()
        self.exported: str | None = None
        """The path of the last draft written from here."""
        self._unsubscribe: Callable[[], None] | None = None
        self._events: tuple[TimelineEvent, ...] = ()

    def compose(self) -> ComposeResult:
        yield Label("", id="timeline-title")
        yield Static("", id="timeline-kinds")
        with Vertical(id="strip-box") as strip:
            strip.border_title = "Time axis · ● problem  ◆ information  ○ recovery or success"
            yield TimelineStrip(id="strip")
        yield Static("", id="timeline-impact")
        yield Static("", id="timeline-export")
        with Vertical(id="events-box") as box:
            box.border_title = "Events · oldest first, newest at the bottom · enter reads one"
            yield TimelineTable(id="timeline-events")
        yield CockpitFooter()

    def on_mount(self) -> None:
        self._listen()
        self.query_one(TimelineTable).focus()

    def reopen(self) -> None:
        """Opened again (the app installs this screen once): as a new one would start, all
        kinds shown, no export notice, the cursor on the newest event; the rows already drawn
        stay and only the new events are added."""
        if not self.is_mounted:
            return
        self.hidden.clear()
        self.exported = None
        notice = self.query_one("#timeline-export", Static)
        notice.display = False
        notice.remove_class("-error")
        table = self.query_one(TimelineTable)
        if table.row_count:
            table.move_cursor(row=table.row_count - 1, scroll=True)
        table.focus()

    def on_screen_resume(self) -> None:
        self._listen()

    def _listen(self) -> None:
        """Shown: follow the recorder (again) and draw what it has now."""
        if self._unsubscribe is None:
            self._unsubscribe = self.core.timeline.subscribe(self._recorded)
        self.show()

    def _recorded(self) -> None:
        self.post_message(self.Changed())

    def on_screen_suspend(self) -> None:
        """Closed (not merely under an event's detail): stop following the recorder."""
        if self not in self.app.screen_stack:
            self._stop_listening()

    def on_unmount(self) -> None:
        self._stop_listening()

    def _stop_listening(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def on_timeline_screen_changed(self, _message: Changed) -> None:
        self.show()

    def on_resize(self) -> None:
        if self.is_mounted:
            self.show()

    @property
    def events(self) -> tuple[TimelineEvent, ...]:
        """The events shown (the kinds not hidden), oldest first."""
        return tuple(e for e in self._events if e.kind not in self.hidden)

    def show(self) -> None:
        recorder = self.core.timeline
        self._events = recorder.events()
        impact = recorder.impact()
        now = self.core.clock()
        shown = self.events
        kinds = tuple(k for k in KINDS if k not in self.hidden)
        if self.size.height < SHORT_SCREEN:  # lanes with nothing on them make room for rows
            present = {e.kind for e in shown}
            kinds = tuple(k for k in kinds if k in present) or kinds[:1]
        table = self.query_one(TimelineTable)
        table.show(shown, impact.start)
        current = table.current
        self.query_one(TimelineStrip).show(
            shown, kinds, impact, now, current.at if current else None
        )
        span = (
            f"{self._events[0].at:%H:%M:%S} → {self._events[-1].at:%H:%M:%S} UTC"
            if self._events
            else "nothing yet"
        )
        hidden = f" · {len(self._events) - len(shown)} hidden" if self.hidden else ""
        update_if_changed(
            self.query_one("#timeline-title", Label),
            f"[b]Incident timeline[/] · {len(self._events)} events{hidden} · {span}"
            f" · session since {recorder.started_at:%H:%M:%S} UTC",
        )
        update_if_changed(self.query_one("#timeline-kinds", Static), self._kinds_line())
        update_if_changed(self.query_one("#timeline-impact", Static), impact_line(impact, now))

    def _kinds_line(self) -> str:
        parts = []
        counts = {k: 0 for k in KINDS}
        for event in self._events:
            counts[event.kind] = counts.get(event.kind, 0) + 1
        for i, kind in enumerate(KINDS, start=1):
            if kind in self.hidden:
                parts.append(f"[dim][b]{i}[/b] [s]{kind.value}[/s] ({counts[kind]})[/]")
            else:
                parts.append(f"[b]{i}[/b] [{_KIND_COLOUR[kind]}]{kind.value}[/] ({counts[kind]})")
        return "Show: " + "  ".join(parts) + "   [$text-muted]0 all[/]"

    # -- keys -----------------------------------------------------------------------------------

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        table = self.query_one(TimelineTable)
        current = table.current
        strip = self.query_one(TimelineStrip)
        if current is not None and strip.cursor != current.at:
            strip.cursor = current.at
            strip.refresh()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_detail()

    def action_detail(self) -> None:
        current = self.query_one(TimelineTable).current
        if current is not None:
            self.app.push_screen(EventDetailScreen(current))

    def action_toggle_kind(self, digit: int) -> None:
        kind = KINDS[digit - 1]
        self.hidden ^= {kind}
        self.show()

    def action_all_kinds(self) -> None:
        self.hidden.clear()
        self.show()

    def action_back(self) -> None:
        self.dismiss(None)

    async def action_dashboard(self, action: str) -> None:
        """Back to the dashboard, then its key (the feed, the actions menu live there)."""
        app = self.app
        self.dismiss(None)
        await app.run_action(action)

    def action_export(self) -> None:
        self.run_worker(
            self._export(), name="timeline:export", group="timeline", exit_on_error=False
        )

    async def _export(self) -> None:
        notice = self.query_one("#timeline-export", Static)
        try:
            path = await self.core.timeline.export()
        except OSError as exc:
            notice.set_class(True, "-error")
            notice.update(escape(f"Could not write the post-mortem draft: {exc}"))
            notice.display = True
            self.notify(str(exc), title="Post-mortem not written", severity="error")
            return
        self.exported = str(path)
        notice.set_class(False, "-error")
        notice.update(
            f"[b]Post-mortem draft written:[/] {escape(str(path))}  "
            "[$text-muted](Markdown: fill in the summary and the root cause)[/]"
        )
        notice.display = True
        self.notify(str(path), title="Post-mortem draft written", timeout=8)


_KIND_COLOUR = {
    EventKind.BREACH: "b $warning",
    EventKind.ALARM: "b $error",
    EventKind.LOG: "dim",
    EventKind.DIAGNOSIS: "b $primary-lighten-2",
    EventKind.DEPLOY: "b $primary",
    EventKind.ROLLOUT: "$primary",
    EventKind.ACTION: "b $success",
    EventKind.CONNECTION: "dim i",
}


_SCREEN_FIGURES = {
    "Peak Lambda error rate": "peak error rate",
    "Lambda errors": "errors",
    "DynamoDB throttled requests": "DynamoDB throttled",
    "Lambda throttles": "Lambda throttles",
    "Peak p99 latency": "p99 peak",
    "Peak maximum duration": "max duration peak",
}
"""The impact figures on the screen's line (the post-mortem draft has them all)."""


def impact_line(impact: Impact, now: datetime) -> str:
    """The impact in one line: its span, then the main figures ("no data" said as such)."""
    if impact.start is None:
        head = "[b $success]No threshold breached this session[/]"
    elif impact.ongoing:
        head = (
            f"[b $error]Impact ongoing[/] since {impact.start:%H:%M:%S} UTC "
            f"({offset((now - impact.start).total_seconds()).lstrip('+')})"
        )
    else:
        assert impact.end is not None
        head = (
            f"[b $warning]Impact[/] {impact.start:%H:%M:%S} → {impact.end:%H:%M:%S} UTC "
            f"({offset((impact.end - impact.start).total_seconds()).lstrip('+')}), recovered"
        )
    parts = [head]
    for figure in impact.figures:
        label = _SCREEN_FIGURES.get(figure.label)
        if label is None:
            continue
        if figure.value is None:
            parts.append(f"{label} [$text-muted]no data[/]")
            continue
        value = figure.value
        text = f"{value:.1f}%" if figure.unit == "%" else f"{value:,.0f}{figure.unit}"
        parts.append(f"{label} [b]{escape(text)}[/]")
    return " · ".join(parts)
