"""Line charts of the daily waitlist snapshots, drawn as inline SVG on the server.

No script and no library: the geometry is computed here, the template writes the
``<svg>``. Every chart comes with its figures as a table, its text alternative.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _

WIDTH = 640
HEIGHT = 260
# Room for the axis labels: left for the counts, bottom for the days.
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 14, 34


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    value: int
    day: date


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    points: str  # the polyline's "x,y x,y …"
    dots: list[Dot]


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


def nice_ceiling(value: float) -> tuple[int, int]:
    """The top of the axis and its step: 1, 2 or 5 times a power of ten, four steps or so."""
    if value <= 0:
        return 1, 1
    raw = value / 4
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        step = max(int(factor * power), 1)
        if step * 4 >= value:
            break
    top = step * math.ceil(value / step)
    return top, step


def _short(day: date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def line_chart(
    *,
    chart_id: str,
    title: str,
    rows: Sequence[Mapping[str, Any]],
    series: Sequence[tuple[str, str]],
) -> Chart:
    """One chart of ``rows`` (dicts with ``day`` and the series' keys), oldest day first."""
    rows = list(rows)
    if not rows:
        return Chart(id=chart_id, title=title, summary=_("No figures for this period."), rows=[])
    first, last = rows[0]["day"], rows[-1]["day"]
    span = max((last - first).days, 1)
    peak = max(int(row[key] or 0) for row in rows for key, _label in series)
    top_value, step = nice_ceiling(peak)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x_of(day: date) -> float:
        if first == last:
            return LEFT + plot_w / 2
        return round(LEFT + plot_w * (day - first).days / span, 1)

    def y_of(value: int) -> float:
        return round(TOP + plot_h * (1 - value / top_value), 1)

    drawn = []
    for key, label in series:
        dots = [
            Dot(
                x=x_of(row["day"]),
                y=y_of(int(row[key] or 0)),
                value=int(row[key] or 0),
                day=row["day"],
            )
            for row in rows
        ]
        drawn.append(
            Series(key=key, label=label, points=" ".join(f"{d.x},{d.y}" for d in dots), dots=dots)
        )
    y_ticks = [
        Tick(position=y_of(v), label=formats.number_format(v))
        for v in range(0, top_value + 1, step)
    ]
    days = [first] if first == last else [first, first + (last - first) / 2, last]
    x_ticks = [Tick(position=x_of(day), label=_short(day)) for day in days]
    main_key, main_label = series[0]
    highest = max(rows, key=lambda row: int(row[main_key] or 0))
    summary = _(
        "%(what)s from %(first)s to %(last)s: %(start)s on the first day, %(end)s on the "
        "last, highest %(peak)s on %(peak_day)s."
    ) % {
        "what": main_label,
        "first": _short(first),
        "last": _short(last),
        "start": formats.number_format(int(rows[0][main_key] or 0)),
        "end": formats.number_format(int(rows[-1][main_key] or 0)),
        "peak": formats.number_format(int(highest[main_key] or 0)),
        "peak_day": _short(highest["day"]),
    }
    return Chart(
        id=chart_id,
        title=title,
        summary=summary,
        rows=rows,
        series=drawn,
        y_ticks=y_ticks,
        x_ticks=x_ticks,
    )
