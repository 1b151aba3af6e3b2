"""Line charts drawn as inline SVG on the server, shared by the pages that chart history.

No script and no library: the geometry is computed here, ``templates/_chart.html`` writes the
``<svg>`` and, beside it, the figures as a table (the chart's text alternative) whose columns
each page's own table template gives.

Shared by the waitlists and gaps pages; works for any non-negative numbers and for
missing values: a ``None`` is a gap in the line (a figure not measured, or withheld because
it would reveal a small count), never a zero.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _

WIDTH = 640
HEIGHT = 260
# Room for the axis labels: left for the values, bottom for the days.
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 14, 34


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    value: float
    day: date


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    #: Each unbroken run of dots as a polyline's "x,y x,y …".
    segments: list[str]
    dots: list[Dot]

    @property
    def points(self) -> str:
        return " ".join(f"{d.x},{d.y}" for d in self.dots)

    @property
    def lone_dots(self) -> list[Dot]:
        """Dots with no neighbour in their run: a line of one point is invisible."""
        return [d for d, run in zip(self.dots, self._run_lengths(), strict=True) if run == 1]

    def _run_lengths(self) -> list[int]:
        lengths: list[int] = []
        for segment in self.segments:
            count = len(segment.split())
            lengths.extend([count] * count)
        return lengths


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    summary: str
    rows: list[Mapping[str, Any]]
    series: list[Series] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right_edge: int = WIDTH - RIGHT
    top: int = TOP
    baseline: int = HEIGHT - BOTTOM

    @property
    def empty(self) -> bool:
        return not self.rows


def nice_ceiling(value: float, *, whole: bool = False) -> tuple[float, float]:
    """The top of the axis and its step: 1, 2 or 5 times a power of ten, four steps or so.

    With ``whole`` the step is a whole number (counts: no tick at 0.5 children).
    """
    if not value > 0 or not math.isfinite(value):
        return 1, 1
    raw = value / 4
    power = 10.0 ** math.floor(math.log10(raw))
    step = power
    for factor in (1, 2, 5, 10):
        step = factor * power
        if whole:
            step = max(float(int(step)), 1.0)
        if step * 4 >= value:
            break
    top = step * math.ceil(round(value / step, 9))
    return top, step


def _decimals(step: float) -> int:
    return max(0, -math.floor(math.log10(step))) if step < 1 else 0


def number_label(value: float, *, decimals: int = 0) -> str:
    return formats.number_format(round(value, decimals), decimal_pos=decimals)


def _short(day: date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def _value(row: Mapping[str, Any], key: str) -> float | None:
    value = row.get(key)
    if value is None or isinstance(value, str):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def line_chart(
    *,
    chart_id: str,
    title: str,
    rows: Sequence[Mapping[str, Any]],
    series: Sequence[tuple[str, str]],
    value_label: Callable[[float], str] | None = None,
    whole_numbers: bool = False,
) -> Chart:
    """One chart of ``rows`` (dicts with ``day`` and the series' keys), oldest day first.

    Values are non-negative numbers or ``None`` (a gap). ``value_label`` writes a value for
    the summary (default: the axis' precision); ``whole_numbers`` keeps the axis' steps
    whole, for counts.
    """
    rows = list(rows)
    drawable = [row for row in rows if any(_value(row, key) is not None for key, _l in series)]
    if not drawable:
        return Chart(id=chart_id, title=title, summary=_("No figures for this period."), rows=[])
    first, last = rows[0]["day"], rows[-1]["day"]
    span = max((last - first).days, 1)
    peak = max(_value(row, key) or 0.0 for row in rows for key, _label in series)
    top_value, step = nice_ceiling(peak, whole=whole_numbers)
    decimals = _decimals(step)
    write = value_label or (lambda v: number_label(v, decimals=max(decimals, 0)))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x_of(day: date) -> float:
        if first == last:
            return LEFT + plot_w / 2
        return round(LEFT + plot_w * (day - first).days / span, 1)

    def y_of(value: float) -> float:
        return round(TOP + plot_h * (1 - value / top_value), 1)

    drawn = []
    for key, label in series:
        dots: list[Dot] = []
        segments: list[str] = []
        run: list[Dot] = []
        for row in rows:
            value = _value(row, key)
            if value is None:
                if run:
                    segments.append(" ".join(f"{d.x},{d.y}" for d in run))
                    run = []
                continue
            dot = Dot(x=x_of(row["day"]), y=y_of(value), value=value, day=row["day"])
            dots.append(dot)
            run.append(dot)
        if run:
            segments.append(" ".join(f"{d.x},{d.y}" for d in run))
        drawn.append(Series(key=key, label=label, segments=segments, dots=dots))
    count = round(top_value / step)
    y_ticks = [
        Tick(position=y_of(i * step), label=number_label(i * step, decimals=decimals))
        for i in range(count + 1)
    ]
    days = [first] if first == last else [first, first + (last - first) / 2, last]
    x_ticks = [Tick(position=x_of(day), label=_short(day)) for day in days]
    main_key, main_label = series[0]
    measured = [row for row in rows if _value(row, main_key) is not None]
    if measured:
        highest = max(measured, key=lambda row: _value(row, main_key) or 0.0)
        summary = _(
            "%(what)s from %(first)s to %(last)s: %(start)s on the first day, %(end)s on the "
            "last, highest %(peak)s on %(peak_day)s."
        ) % {
            "what": main_label,
            "first": _short(measured[0]["day"]),
            "last": _short(measured[-1]["day"]),
            "start": write(_value(measured[0], main_key) or 0.0),
            "end": write(_value(measured[-1], main_key) or 0.0),
            "peak": write(_value(highest, main_key) or 0.0),
            "peak_day": _short(highest["day"]),
        }
    else:
        summary = _("%(what)s is not shown for this period.") % {"what": main_label}
    return Chart(
        id=chart_id,
        title=title,
        summary=summary,
        rows=rows,
        series=drawn,
        y_ticks=y_ticks,
        x_ticks=x_ticks,
    )
