"""Which layout fits the terminal: the regular one, or a compact one that still shows every
pane's value and the alert feed, and that says what it left out when even that cannot fit.

`plan_layout(width, height, panes)` is pure (the app applies it on every resize), so what
each size shows is decided here, in one place, and tested without a screen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

REGULAR_MIN = (80, 30)
"""The regular layout (big digits, tall charts, captions) from this width and height on."""

FULL_COMPACT = (80, 24)
"""From this size on nothing is left out: below the regular size, the compact layout."""

CHROME_LINES = 3
"""Compact: the status bar's one line, the diagnosis line and the footer's one."""

FEED_MIN = 5
"""The feed's smallest useful height: its borders, the column header and two alerts."""

FEED_WITH_CHARTS = 11
"""Compact panes get a chart only while the feed keeps this many lines (eight alerts)."""

MAX_CHART_LINES = 3
"""A compact pane's chart grows to this many lines at most."""

NOTICE_LINES = 1


@dataclass(frozen=True)
class LayoutPlan:
    compact: bool
    """False: the regular layout, everything as designed. True: the compact one below."""
    shown: tuple[str, ...]
    """The panes drawn, in screen order."""
    hidden: tuple[str, ...] = ()
    """The panes left out."""
    columns: int = 3
    """Compact: 3 (three panes over two wider ones), 2 or 1 pane to a row."""
    details: bool = True
    """Compact: each pane's secondary figures, on a line under its value."""
    chart_lines: int = 0
    """Compact: lines of history chart in each pane (0: none)."""
    feed: bool = True
    """The alert feed is drawn."""
    feed_only: bool = False
    """The feed takes the panes' place (the operator pressed f where both do not fit)."""
    notice: str = ""
    """One line: what is left out and how to see it; "" when nothing is."""

    @property
    def pane_height(self) -> int:
        """Lines one compact pane takes: its borders, the value, details and chart."""
        return 3 + int(self.details) + self.chart_lines


def row_sizes(count: int, columns: int) -> list[int]:
    """Panes in each row: three over two for 3 columns (as the regular layout), else even."""
    if columns == 3:
        return [min(count, 3), count - 3] if count > 3 else [count]
    return [min(columns, count - start) for start in range(0, count, columns)]


def plan_layout(
    width: int, height: int, panes: Sequence[tuple[str, str]], *, feed_only: bool = False
) -> LayoutPlan:
    """The layout for a `width` x `height` terminal; `panes` are (key, title) in screen order.

    What gives way, first to last: the regular layout (for the compact one), chart lines;
    then, below 80x24 and named in a notice: charts, each pane's secondary figures, whole
    rows of panes from the bottom up, and last the feed (f brings it back, `feed_only`).
    """
    keys = tuple(key for key, _ in panes)
    if width >= REGULAR_MIN[0] and height >= REGULAR_MIN[1]:
        return LayoutPlan(compact=False, shown=keys)

    columns = 3 if width >= 60 else 2 if width >= 36 else 1
    rows = row_sizes(len(keys), columns)
    room = max(0, height - CHROME_LINES)

    for chart_lines in range(MAX_CHART_LINES, 0, -1):
        plan = LayoutPlan(compact=True, shown=keys, columns=columns, chart_lines=chart_lines)
        if room - len(rows) * plan.pane_height >= FEED_WITH_CHARTS:
            return plan

    # From here on something is left out, and a line of the screen says what.
    room -= NOTICE_LINES
    titles = dict(panes)
    for details in (True, False):
        plan = LayoutPlan(compact=True, shown=keys, columns=columns, details=details)
        if room - len(rows) * plan.pane_height >= FEED_MIN:
            return _noticed(plan, titles)

    bare = LayoutPlan(compact=True, shown=keys, columns=columns, details=False)
    for kept in range(len(rows) - 1, 0, -1):
        if room - kept * bare.pane_height >= FEED_MIN:
            count = sum(rows[:kept])
            plan = replace(bare, shown=keys[:count], hidden=keys[count:])
            return _noticed(plan, titles)

    # Not one row of panes fits beside the feed: the panes that fit, and f for the feed.
    if feed_only:
        return _noticed(replace(bare, shown=(), hidden=keys, feed_only=True), titles)
    kept = max(1, min(len(rows), room // bare.pane_height))
    count = sum(rows[:kept])
    plan = replace(bare, shown=keys[:count], hidden=keys[count:], feed=False)
    return _noticed(plan, titles)


def _noticed(plan: LayoutPlan, titles: dict[str, str]) -> LayoutPlan:
    """The plan with its notice: the weightiest loss first, then what to do, then the rest
    (a narrow terminal cuts the line from its end)."""
    full = "{}×{}".format(*FULL_COMPACT)
    count = len(plan.hidden)
    panes = f"{count} pane{'s' if count != 1 else ''}"
    names = ", ".join(titles.get(key, key) for key in plan.hidden)
    if plan.feed_only:
        return replace(
            plan, notice=f"Feed only, {panes} hidden · f again for the panes, or enlarge to {full}"
        )
    also = "charts" if plan.details else "charts, pane details"
    if not plan.feed:
        head = f"Alert feed and {panes} hidden" if count else "Alert feed hidden"
        advice = f"press f for the feed, or enlarge to {full}"
    elif count:
        head, advice = f"{panes} hidden", f"enlarge to {full}, or press f for the feed"
    else:
        head = "Charts hidden" if plan.details else "Charts and pane details hidden"
        advice, also = f"enlarge to {full} to see them", ""
    rest = "; ".join(part for part in (names, f"also {also}" if also else "") if part)
    notice = " · ".join(part for part in (head, advice, rest) if part)
    return replace(plan, notice=notice[:1].upper() + notice[1:])
