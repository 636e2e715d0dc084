"""Bar-chart geometry for the report's inline SVG; templates/reports/_charts.html draws it.

Pure arithmetic, no markup: the template writes the SVG (escaped, translated), this module
decides where each bar and label goes. Charts carry their numbers as text next to the bars,
so they read on paper in black and white and without the colour of the screen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

ROW_HEIGHT = 22
BAR_HEIGHT = 14
CHAR_WIDTH = 7  # average width of a 12px sans-serif character, to size the label column
LABEL_MAX = 28  # characters; longer labels are shortened (the full text is in the bar's title)
PLOT_WIDTH = 420
VALUE_WIDTH = 56
PAD = 6

COLUMN_PLOT_HEIGHT = 160
COLUMN_MIN_WIDTH = 12
COLUMN_MAX_WIDTH = 40
AXIS_LABEL_SPACING = 48  # px between time labels under the columns, so they never overlap


@dataclass(frozen=True)
class Item:
    label: str
    value: float
    text: str  # the value as printed beside the bar, e.g. "12" or "75%"


@dataclass(frozen=True)
class Bar:
    item: Item
    short_label: str
    x: float
    y: float
    width: float
    height: float
    label_x: float
    label_y: float
    value_x: float
    value_y: float
    show_label: bool = True
    show_value: bool = True


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    baseline: tuple[float, float, float, float]  # x1, y1, x2, y2 of the axis line


def _short(label: str) -> str:
    return label if len(label) <= LABEL_MAX else label[: LABEL_MAX - 1] + "…"


def horizontal_bars(items: Sequence[Item], *, maximum: float | None = None) -> Chart:
    """One row per item: its label on the left, the bar, the value printed after the bar.

    `maximum` fixes the scale (1.0 for shares); otherwise the largest value fills the plot.
    """
    label_width = PAD + CHAR_WIDTH * max((len(_short(i.label)) for i in items), default=0)
    top = max((i.value for i in items), default=0.0)
    scale = PLOT_WIDTH / (maximum or top or 1.0)
    bars = []
    for row, item in enumerate(items):
        y = PAD + row * ROW_HEIGHT
        width = max(0.0, item.value) * scale
        middle = y + BAR_HEIGHT / 2
        bars.append(
            Bar(
                item=item,
                short_label=_short(item.label),
                x=label_width + PAD,
                y=y,
                width=round(width, 1),
                height=BAR_HEIGHT,
                label_x=label_width,
                label_y=middle,
                value_x=round(label_width + PAD + width + 4, 1),
                value_y=middle,
            )
        )
    height = 2 * PAD + len(items) * ROW_HEIGHT
    axis_x = label_width + PAD
    return Chart(
        width=int(axis_x + PLOT_WIDTH + VALUE_WIDTH),
        height=height,
        bars=bars,
        baseline=(axis_x, PAD / 2, axis_x, height - PAD / 2),
    )


def columns(items: Sequence[Item]) -> Chart:
    """One column per item along a time axis, labels under every few columns so they fit."""
    count = len(items)
    width = min(COLUMN_MAX_WIDTH, max(COLUMN_MIN_WIDTH, 720 / max(count, 1)))
    top = max((i.value for i in items), default=0.0) or 1.0
    every = max(1, round(AXIS_LABEL_SPACING / width + 0.49))
    value_room = 16  # above the tallest column, for its printed value
    base = value_room + COLUMN_PLOT_HEIGHT
    bars = []
    for n, item in enumerate(items):
        height = max(0.0, item.value) / top * COLUMN_PLOT_HEIGHT
        x = PAD + n * width
        middle = x + width / 2
        bars.append(
            Bar(
                item=item,
                short_label=item.label,
                x=round(x + 1, 1),
                y=round(base - height, 1),
                width=round(width - 2, 1),
                height=round(height, 1),
                label_x=round(middle, 1),
                label_y=base + 14,
                value_x=round(middle, 1),
                value_y=round(base - height - 4, 1),
                show_label=n % every == 0,
                show_value=width >= 22,  # room for two digits above the column
            )
        )
    return Chart(
        width=int(2 * PAD + count * width),
        height=int(base + 22),
        bars=bars,
        baseline=(PAD, base, PAD + count * width, base),
    )
