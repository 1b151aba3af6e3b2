"""Horizontal bar charts drawn on the server, for figures by territory, team or reason.

Like ``web.charts`` (the line charts) the geometry is computed here and a template writes
the ``<svg>``; the page puts the figures as a table beside it. A figure withheld under the
'<5' rule draws no bar: its place says "n<5" (or "<5"), never a length that would tell it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from gaps.selectors import Shown
from gaps.selectors.suppression import figure_text
from web.charts import Tick, nice_ceiling

WIDTH = 640
#: Room for the row labels on the left and the values after the longest bar.
LABEL_WIDTH = 190
VALUE_ROOM = 64
TOP, BOTTOM = 10, 30
BAR_HEIGHT = 12
BAR_GAP = 3
ROW_GAP = 10
#: Characters of a row label before it is cut (the table beside has the whole name).
LABEL_CHARACTERS = 26
#: At most this many rows are drawn (the busiest first); the table lists them all.
BAR_ROWS = 20


@dataclass(frozen=True)
class Bar:
    series: int
    x: float
    y: float
    width: float
    height: float
    text: str
    text_x: float
    text_y: float
    withheld: bool


@dataclass(frozen=True)
class BarRow:
    label: str
    title: str
    label_y: float
    bars: list[Bar]


@dataclass(frozen=True)
class Reference:
    """A vertical line at a value worth comparing with, e.g. the field work's typical figure."""

    x: float
    label: str
    text_x: float


@dataclass(frozen=True)
class BarChart:
    id: str
    title: str
    summary: str
    series: list[str] = field(default_factory=list)
    rows: list[BarRow] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    reference: Reference | None = None
    drawn: int = 0
    total: int = 0
    width: int = WIDTH
    height: int = 0
    left: int = LABEL_WIDTH
    right_edge: int = WIDTH - VALUE_ROOM
    top: int = TOP
    baseline: float = 0.0

    @property
    def empty(self) -> bool:
        return not self.rows

    @property
    def partial(self) -> bool:
        return self.drawn < self.total


def _cut(label: str) -> str:
    return label if len(label) <= LABEL_CHARACTERS else label[: LABEL_CHARACTERS - 1] + "…"


def _number(value: Shown) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def bar_chart(
    *,
    chart_id: str,
    title: str,
    items: Sequence[tuple[str, Sequence[Shown]]],
    series: Sequence[str],
    scale: float = 1.0,
    unit: str = "",
    decimals: int = 1,
    reference: tuple[float, str] | None = None,
    limit: int = BAR_ROWS,
) -> BarChart:
    """Bars of ``items`` ((label, one value per series)), drawn in the order given.

    ``scale`` multiplies the values for drawing and writing (100 for shares, with
    ``unit`` " %"); ``reference`` draws a line at a value (in the items' units).
    """
    total = len(items)
    chosen = list(items)[:limit]
    numbers = [_number(value) for _label, values in chosen for value in values]
    if all(value is None for _label, values in chosen for value in values):
        return BarChart(
            id=chart_id, title=title, summary=_("No figures for this period."), total=total
        )
    peak = max([v * scale for v in numbers if v is not None] + [0.0])
    if reference is not None:
        peak = max(peak, reference[0] * scale)
    top_value, step = nice_ceiling(peak)
    plot = WIDTH - LABEL_WIDTH - VALUE_ROOM
    band = len(series) * (BAR_HEIGHT + BAR_GAP) - BAR_GAP + ROW_GAP

    def x_of(value: float) -> float:
        return round(LABEL_WIDTH + plot * min(value / top_value, 1.0), 1)

    def _written(value: float) -> str:
        return figure_text(value * scale, decimals) + unit

    rows: list[BarRow] = []
    for index, (label, values) in enumerate(chosen):
        row_top = TOP + index * band
        bars = []
        for number, value in enumerate(values):
            y = row_top + number * (BAR_HEIGHT + BAR_GAP)
            drawn = _number(value)
            width = 0.0 if drawn is None else round(x_of(drawn * scale) - LABEL_WIDTH, 1)
            text = figure_text(value) if drawn is None else _written(drawn)
            bars.append(
                Bar(
                    series=number,
                    x=LABEL_WIDTH,
                    y=y,
                    width=width,
                    height=BAR_HEIGHT,
                    text=text,
                    text_x=round(LABEL_WIDTH + width + 4, 1),
                    text_y=y + BAR_HEIGHT - 2,
                    withheld=drawn is None and isinstance(value, str) and value != "",
                )
            )
        middle = row_top + (len(series) * (BAR_HEIGHT + BAR_GAP) - BAR_GAP) / 2 + 4
        rows.append(BarRow(label=_cut(label), title=label, label_y=round(middle, 1), bars=bars))
    baseline = TOP + len(chosen) * band - ROW_GAP + 4
    count = round(top_value / step)
    places = max(0, -math.floor(math.log10(step))) if step < 1 else 0
    ticks = [
        Tick(position=x_of(i * step), label=figure_text(float(i * step), places))
        for i in range(count + 1)
    ]
    line = None
    if reference is not None:
        x = x_of(reference[0] * scale)
        line = Reference(x=x, label=reference[1], text_x=min(x + 4, WIDTH - VALUE_ROOM))
    return BarChart(
        id=chart_id,
        title=title,
        summary=_bar_summary(series=series, chosen=chosen, total=total, write=_written),
        series=list(series),
        rows=rows,
        ticks=ticks,
        reference=line,
        drawn=len(chosen),
        total=total,
        height=int(baseline + BOTTOM),
        baseline=baseline,
    )


def _bar_summary(
    *,
    series: Sequence[str],
    chosen: Sequence[tuple[str, Sequence[Shown]]],
    total: int,
    write: Callable[[float], str],
) -> str:
    """The chart in a sentence: where the first series is highest and lowest."""
    shown = [(label, _number(values[0])) for label, values in chosen if values]
    numbers = [(label, value) for label, value in shown if value is not None]
    withheld = sum(1 for _label, value in shown if value is None)
    parts: list[str] = []
    if len(numbers) == 1:
        parts.append(
            _("%(what)s: %(value)s in %(name)s.")
            % {"what": series[0], "name": numbers[0][0], "value": write(numbers[0][1])}
        )
    elif numbers:
        high = max(numbers, key=lambda item: item[1])
        low = min(numbers, key=lambda item: item[1])
        parts.append(
            _("%(what)s: highest in %(high)s (%(high_value)s), lowest in %(low)s (%(low_value)s).")
            % {
                "what": series[0],
                "high": high[0],
                "high_value": write(high[1]),
                "low": low[0],
                "low_value": write(low[1]),
            }
        )
    if withheld:
        parts.append(_("%(count)s not drawn: fewer than 5 cases or none.") % {"count": withheld})
    if total > len(chosen):
        parts.append(
            _("The %(drawn)s with most cases are drawn of %(total)s; the table lists them all.")
            % {"drawn": len(chosen), "total": total}
        )
    return " ".join(parts)
