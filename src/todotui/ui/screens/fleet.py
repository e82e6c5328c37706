"""The fleet view (`F`): every member ranked by health, worst first, and one member's panes.

One DataTable row a member (a unicode-block sparkline in a cell: cheap for 100 rows);
`enter` opens `MemberScreen`, the dashboard's own metric panes for that member from a
Monitor of its own (read-only: actions stay on the configured stack).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid
from textual.screen import Screen
from textual.widgets import DataTable, Label

from todotui.telemetry.fleet import Member, MemberHealth, sparkline
from todotui.telemetry.model import Health
from todotui.ui.lifecycle import working
from todotui.ui.pacing import when_keys_pause
from todotui.ui.restyle import KeepStylesWhenShownAgain
from todotui.ui.widgets import MetricPane
from todotui.ui.widgets.footer import CockpitFooter

if TYPE_CHECKING:
    from collections.abc import Mapping

    from textual.timer import Timer

    from todotui.core.cockpit import Cockpit
    from todotui.core.fleet import FleetRefresh
    from todotui.core.monitor import Monitor
    from todotui.telemetry.model import PaneSnapshot

HEALTH_TEXT = {
    Health.CRIT: ("CRIT", "bold white on red"),
    Health.WARN: ("WARN", "bold black on yellow"),
    Health.UNKNOWN: ("? ", "bold"),
    Health.OK: ("ok", "green"),
}
KIND_TEXT = {"function": "λ", "table": "DDB", "api": "API"}


def _num(value: float | None, fmt: str = "{:.0f}", unit: str = "") -> str:
    return "no data" if value is None else fmt.format(value) + unit


def figures_text(row: MemberHealth) -> str:
    """The row's key figures; a missing one says "no data", never 0."""
    f = row.figures
    kind = row.member.kind
    if kind == "function":
        return (
            f"{_num(f.get('invocations'))} inv · err {_num(f.get('error_pct'), '{:.1f}', '%')}"
            f" · thr {_num(f.get('throttles'))} · avg {_num(f.get('duration_avg_ms'), unit=' ms')}"
            f" · max {_num(f.get('duration_max_ms'), unit=' ms')}"
        )
    if kind == "table":
        return (
            f"read {_num(f.get('read_per_s'), '{:.1f}', '/s')}"
            f" ({_num(_pct(f.get('read_ratio')), unit='%')})"
            f" · write {_num(f.get('write_per_s'), '{:.1f}', '/s')}"
            f" ({_num(_pct(f.get('write_ratio')), unit='%')}) · thr {_num(f.get('throttles'))}"
        )
    return (
        f"{_num(f.get('requests'))} req · 5XX {_num(f.get('5xx_pct'), '{:.1f}', '%')}"
        f" · {_num(f.get('latency_ms'), unit=' ms')}"
    )


def _pct(ratio: float | None) -> float | None:
    return None if ratio is None else 100 * ratio


class FleetScreen(KeepStylesWhenShownAgain, Screen[None]):
    """Every fleet member ranked worst first; refreshed at the fleet's cadence while open."""

    BINDINGS = [
        Binding("enter", "open_member", "Open", show=True),
        Binding("r", "refresh_fleet", "Refresh"),
        Binding("d", "rediscover", "Rediscover"),
        Binding("escape,F", "back", "Back", key_display="esc"),
    ]
    DEFAULT_CSS = """
    FleetScreen #fleet-summary { height: 2; padding: 0 1; }
    FleetScreen DataTable { height: 1fr; }
    """

    def __init__(self, core: Cockpit) -> None:
        super().__init__()
        self.core = core
        self.refreshes = 0
        """Fleet refreshes drawn (tests wait on it)."""
        self._shown: FleetRefresh | None = None
        self._every: Timer

    def compose(self) -> ComposeResult:
        yield Label("Fleet: reading every member's series…", id="fleet-summary")
        table: DataTable[str | Text] = DataTable(id="fleet-table", cursor_type="row")
        table.add_columns(
            "Health", "Kind", "Member", "Why", "Key figures (last 3 periods)", "Trend"
        )
        yield table
        yield CockpitFooter()

    def on_mount(self) -> None:
        if self.core.fleet.last is not None:
            self._show(self.core.fleet.last)
        self.refresh_fleet()
        self._every = self.set_interval(
            self.core.settings.fleet.refresh_seconds, self.refresh_fleet
        )

    def reopen(self) -> None:
        """Shown again (the app keeps one): the last fleet refresh at once, worst first, and a
        new one asked for unless that one is still the newest there is (closing a new screen
        each time pruned its whole table)."""
        if not self.is_mounted:
            return  # the first open: on_mount does it
        last = self.core.fleet.last
        if last is not None and last is not self._shown:
            self._show(last)
        table = self.query_one(DataTable)
        if table.row_count and table.cursor_row:
            table.move_cursor(row=0, animate=False)
        # Once the opening is drawn: the request for every member's series (one query each,
        # 735 at 100 functions) is built on the event loop, which the frame would wait behind.
        self.call_after_refresh(self._read_if_stale)

    def _read_if_stale(self) -> None:
        """A read still out since the last opening is left to land, not cancelled and sent
        again; a ranking as new as a read would bring is not read again."""
        if (
            not working(self, "fleet")
            and not self.core.fleet.fresh()
            and self in self.app.screen_stack
        ):
            self.refresh_fleet()

    def on_screen_resume(self) -> None:
        self._every.resume()

    def on_screen_suspend(self) -> None:
        """Closed, or under a member's screen: the fleet is not read while nobody sees it."""
        self._every.pause()

    @work(exclusive=True, group="fleet")
    async def refresh_fleet(self) -> None:
        self._landed(await self.core.fleet.refresh())

    @work(exclusive=True, group="fleet")
    async def rediscover(self) -> None:
        await self.core.fleet.discover()
        self._landed(await self.core.fleet.refresh())

    def _landed(self, result: FleetRefresh) -> None:
        """A read landed: redrawing 123 rows is a 20-35 ms frame, so it waits for a pause in
        the keys (`todotui.ui.pacing`); the newest read is the one drawn."""
        when_keys_pause(self.app, "fleet", lambda: self._show(result))

    def _show(self, result: FleetRefresh) -> None:
        self._shown = result
        table = self.query_one(DataTable)
        cursor = self.selected_key
        table.clear()
        for row in result.rows:
            label, style = HEALTH_TEXT[row.health]
            table.add_row(
                Text(label, style=style),
                KIND_TEXT[row.member.kind],
                row.member.label,
                "; ".join(row.reasons) or "",
                figures_text(row),
                Text(sparkline(row.spark), style="red" if row.health is Health.CRIT else ""),
                key=f"{row.member.kind}:{row.member.name}",
            )
        if cursor is not None and cursor in table.rows:
            table.move_cursor(row=table.get_row_index(cursor))
        counts = {h: sum(1 for r in result.rows if r.health is h) for h in Health}
        summary = (
            f"{len(result.rows)} members · {counts[Health.CRIT]} critical · "
            f"{counts[Health.WARN]} warn · {counts[Health.UNKNOWN]} no data   "
            f"refresh: {result.calls} GetMetricData calls, {result.metrics} metrics, "
            f"≈${result.usd_per_hour:.2f}/h every {self.core.settings.fleet.refresh_seconds:g}s "
            f"(counted in the status bar's meter)"
        )
        extra = [f"fetch failed: {result.error}"] if result.error else []
        extra += list(result.notes)
        self.query_one("#fleet-summary", Label).update(
            summary + ("\n" + " · ".join(extra) if extra else "")
        )
        self.refreshes += 1

    @property
    def selected_key(self) -> str | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def selected_member(self) -> Member | None:
        key = self.selected_key
        for member in self.core.fleet.members:
            if f"{member.kind}:{member.name}" == key:
                return member
        return None

    def on_data_table_row_selected(self, _event: DataTable.RowSelected) -> None:
        self.action_open_member()

    def action_open_member(self) -> None:
        member = self.selected_member()
        if member is not None:
            self.app.push_screen(MemberScreen(self.core, member))

    def action_refresh_fleet(self) -> None:
        self.refresh_fleet()

    def action_rediscover(self) -> None:
        self.rediscover()

    def action_back(self) -> None:
        self.app.pop_screen()


#: The dashboard's panes, as on the main screen.
PANES = (
    ("concurrency", "Lambda concurrency"),
    ("errors", "Error rate"),
    ("latency", "Latency"),
    ("dynamodb", "DynamoDB throttling"),
    ("traffic", "Traffic"),
)


class MemberScreen(Screen[None]):
    """The familiar panes for one member, from a Monitor re-pointed at it (read-only)."""

    BINDINGS = [
        Binding("r", "refresh_member", "Refresh"),
        Binding("escape", "back", "Back to the fleet", key_display="esc"),
    ]
    DEFAULT_CSS = """
    MemberScreen #member-title { height: 2; padding: 0 1; }
    MemberScreen #member-panes {
        grid-size: 6 2; grid-columns: 1fr; grid-rows: 1fr 1fr; grid-gutter: 0 1; height: 1fr;
    }
    """

    def __init__(self, core: Cockpit, member: Member) -> None:
        super().__init__()
        self.core = core
        self.member = member
        self.monitor: Monitor = core.member_monitor(member)
        self.refreshes = 0

    def compose(self) -> ComposeResult:
        stack = self.monitor.settings.stack
        own = {"function": "λ", "table": "DynamoDB", "api": "API"}[self.member.kind]

        def part(kind: str, name: str) -> str:
            return f"{kind} {name}" if kind == own else f"{kind} {name} (the stack's)"

        yield Label(
            f"[b]{KIND_TEXT[self.member.kind]} {self.member.label}[/b]  read-only view: "
            "actions stay on the configured stack\n"
            f"[$text-muted]panes: {part('λ', f'{stack.function_name}:{stack.alias}')} · "
            f"{part('DynamoDB', stack.table_name)} · {part('API', stack.api_name)}[/]",
            id="member-title",
        )
        with Grid(id="member-panes"):
            for key, title in PANES:
                yield MetricPane(key, title)
        yield CockpitFooter()

    def on_mount(self) -> None:
        self.refresh_member()
        self.set_interval(self.core.settings.cadence.refresh_seconds, self.refresh_member)

    def refresh_member(self) -> None:
        """A refresh unless one is under way: a slow one is never cancelled by the next tick
        (on a busy fleet it could otherwise never finish)."""
        if not working(self, "member"):
            self._refresh_member()

    @work(group="member")
    async def _refresh_member(self) -> None:
        refresh = await self.monitor.refresh()
        when_keys_pause(self.app, "member", lambda: self._show(refresh.panes))  # as the dashboard

    def _show(self, panes: Mapping[str, PaneSnapshot]) -> None:
        for pane in self.query(MetricPane):
            snapshot = panes.get(pane.key)
            if snapshot is not None and snapshot != pane.snapshot:
                pane.snapshot = snapshot
        self.refreshes += 1

    def action_refresh_member(self) -> None:
        self.refresh_member()

    def action_back(self) -> None:
        self.app.pop_screen()
