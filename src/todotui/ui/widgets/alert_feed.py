"""The alert feed: the core's alert store drawn as rows, newest first.

It renders the store and keeps no alerts of its own: folding, bounding and eviction are
the store's. Rows are keyed by the alert's de-duplication key and updated in place when an
entry changes; selecting a row asks for its full text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.text import Text
from textual.cache import LRUCache
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets.data_table import RowKey

from todotui.alerts.feed import AlertFeed
from todotui.alerts.model import Alert, Severity

SEVERITY_LABEL = {
    Severity.CRIT: "CRIT",
    Severity.WARN: "WARN",
    Severity.INFO: "info",
    Severity.OK: "ok",
}


@dataclass(frozen=True, order=True)
class FeedTime:
    """A feed timestamp: sorts as the store ranks it (instant, then arrival), draws as the
    time of day, so rows with the same second keep the store's order."""

    when: datetime
    arrival: int = 0

    def __rich__(self) -> Text:
        return Text(self.when.strftime("%H:%M:%S"))


#: Textual's DataTable keys its render caches by an update count that every change of a cell
#: moves on, so entries of earlier counts are never read again, yet each cache keeps up to
#: 1,000 (10,000 cells) of them: measured, a cockpit's feed held +6,800 Segments and +500
#: Strips after 1,300 refreshes, megabytes by 10,000. One frame needs at most every visible
#: cell and line; these bounds keep a few screens of them.
RENDER_CACHE_BOUNDS = {
    "_cell_render_cache": 1000,
    "_row_render_cache": 200,
    "_row_renderable_cache": 200,
    "_line_cache": 200,
}


class AlertFeedView(DataTable[object]):
    """Alerts, newest first. `sync(store)` draws the store; it posts `AlertFeedView.Chosen`."""

    COMPONENT_CLASSES = DataTable.COMPONENT_CLASSES | {
        "alert-feed--crit",
        "alert-feed--warn",
        "alert-feed--info",
        "alert-feed--ok",
    }

    DEFAULT_CSS = """
    AlertFeedView {
        height: 1fr;
        background: $surface;
        overflow-x: hidden;  /* a long line is read in full with enter, not by scrolling */
        & > .alert-feed--crit { color: $error; text-style: bold; }
        & > .alert-feed--warn { color: $warning; text-style: bold; }
        & > .alert-feed--info { color: $primary; }
        & > .alert-feed--ok { color: $success; }
    }
    """

    class Chosen(Message):
        """The operator selected an alert to read in full."""

        def __init__(self, alert: Alert) -> None:
            super().__init__()
            self.alert = alert

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self._alerts: dict[str, Alert] = {}
        """What each row shows now (the store's entries as of the last sync)."""

    def on_mount(self) -> None:
        for name, bound in RENDER_CACHE_BOUNDS.items():
            cache = getattr(self, name, None)
            if isinstance(cache, LRUCache):
                cache.maxsize = min(cache.maxsize, bound)
        self.add_column("time", key="time", width=8)
        self.add_column("sev", key="severity", width=4)
        self.add_column("source", key="source", width=10)
        self.add_column("what", key="title")
        self.add_column("×", key="count", width=5)

    @property
    def alerts(self) -> list[Alert]:
        """The alerts shown, newest first (what the rows say, in order)."""
        return [self._alerts[str(row.key.value)] for row in self.ordered_rows]

    def sync(self, store: AlertFeed) -> None:
        """Draw the store: new entries added, changed ones updated in place, evicted ones gone."""
        entries = {alert.key: alert for alert in store.entries}
        changed = False
        for key in [key for key in self._alerts if key not in entries]:
            self.remove_row(key)
            del self._alerts[key]
            changed = True
        for key, alert in entries.items():
            known = self._alerts.get(key)
            if known is alert:
                continue
            self._alerts[key] = alert
            cells = self._cells(alert, store.rank(alert))
            if known is None:
                self.add_row(*cells.values(), key=key)
            else:
                for column, value in cells.items():
                    self.update_cell(key, column, value)
            changed = True
        if changed:
            self.sort("time", reverse=True)

    def _cells(self, alert: Alert, rank: tuple[datetime, int]) -> dict[str, object]:
        style = self.get_component_rich_style(f"alert-feed--{alert.severity.value}", partial=True)
        return {
            "time": FeedTime(*rank),
            "severity": Text(SEVERITY_LABEL[alert.severity], style=style),
            "source": Text(alert.source.value, style="dim"),
            "title": Text(alert.title, style=style if alert.severity is Severity.CRIT else ""),
            "count": Text(f"×{alert.count}" if alert.count > 1 else "", style="bold"),
        }

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        alert = self._alerts.get(str(event.row_key.value))
        if alert is not None:
            self.post_message(self.Chosen(alert))

    def alert_at(self, row_key: RowKey) -> Alert | None:
        return self._alerts.get(str(row_key.value))
