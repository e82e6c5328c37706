"""A Sparkline that knows the difference between zero and no data.

Textual's Sparkline scales from the series' minimum and cannot draw a gap. A
missing period must never look like a zero, so this one draws from a zero
baseline and shows periods without data as a faint dotted line.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.color import Color as RichColor
from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.style import Style
from textual.app import RenderResult as TextualRenderResult
from textual.reactive import reactive
from textual.renderables._blend_colors import blend_colors
from textual.widgets import Sparkline

BARS = "▁▂▃▄▅▆▇█"
GAP = "·"


def column_values(data: Sequence[float | None], width: int) -> list[float | None]:
    """One value per column: the maximum of the periods it covers, None where all are gaps.

    With fewer periods than columns each period is stretched over several columns.
    """
    count = len(data)
    if count == 0 or width <= 0:
        return []
    columns: list[float | None] = []
    for column in range(width):
        start = column * count // width
        end = max(start + 1, (column + 1) * count // width)
        present = [value for value in data[start:end] if value is not None]
        columns.append(max(present) if present else None)
    return columns


class GapSparkline:
    """Rich renderable: bars from a zero baseline (or the minimum when negative), gaps dotted."""

    def __init__(
        self,
        data: Sequence[float | None],
        *,
        width: int,
        height: int,
        min_color: RichColor,
        max_color: RichColor,
        gap_style: Style,
    ) -> None:
        self.data = data
        self.width = width
        self.height = max(1, height)
        self.min_color = min_color
        self.max_color = max_color
        self.gap_style = gap_style

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        columns = column_values(self.data, self.width)
        present = [value for value in columns if value is not None]
        if not present:
            for row in range(self.height):
                text = GAP * self.width if row == self.height - 1 else " " * self.width
                yield Segment(text, self.gap_style)
                if row < self.height - 1:
                    yield Segment.line()
            return
        low = min(0.0, min(present))
        extent = (max(present) - low) or 1.0
        eighths = len(BARS) * self.height
        # One level and one style per column, computed once: a chart redraws every refresh.
        styles: dict[int, Style] = {}
        bars: list[tuple[int, Style] | None] = []
        for value in columns:
            if value is None:
                bars.append(None)
                continue
            ratio = (value - low) / extent
            # At least one eighth, so a zero still draws a floor that a gap does not.
            level = max(1, round(ratio * eighths))
            shade = round(ratio * 16)
            if shade not in styles:
                styles[shade] = Style.from_color(
                    blend_colors(self.min_color, self.max_color, shade / 16)
                )
            bars.append((level, styles[shade]))
        blank = Style()
        for row in reversed(range(self.height)):
            row_low, row_high = row * len(BARS), (row + 1) * len(BARS)
            run_text, run_style = "", None
            for bar in bars:
                if bar is None:
                    char, style = (GAP if row == 0 else " "), self.gap_style
                elif bar[0] <= row_low:
                    char, style = " ", blank
                else:
                    level, style = bar
                    char = "█" if level >= row_high else BARS[level - row_low - 1]
                if style is run_style:
                    run_text += char
                else:
                    if run_text:
                        yield Segment(run_text, run_style)
                    run_text, run_style = char, style
            if run_text:
                yield Segment(run_text, run_style)
            if row > 0:
                yield Segment.line()


class HistoryChart(Sparkline):
    """The history of a pane's primary figure across the window; None entries are gaps."""

    COMPONENT_CLASSES = Sparkline.COMPONENT_CLASSES | {"history-chart--gap"}

    # Sparkline types its data as floats only; this chart also draws None, as a gap.
    data: reactive[Sequence[float | None] | None] = reactive[Sequence[float | None] | None](None)  # type: ignore[assignment]
    """Sparkline's data, with None for a period that has no datapoint (drawn as a gap)."""

    DEFAULT_CSS = """
    HistoryChart {
        height: 3;
        min-height: 1;
    }
    HistoryChart > .history-chart--gap {
        color: $text-muted 40%;
    }
    """

    def render(self) -> TextualRenderResult:
        _, base = self.background_colors
        min_color = base + self.get_component_styles("sparkline--min-color").color
        max_color = base + self.get_component_styles("sparkline--max-color").color
        gap_color = base + self.get_component_styles("history-chart--gap").color
        return GapSparkline(
            list(self.data or ()),
            width=self.size.width,
            height=self.size.height,
            min_color=min_color.rich_color,
            max_color=max_color.rich_color,
            gap_style=Style.from_color(gap_color.rich_color),
        )
