"""The chart geometry the trends page draws with (``web.charts``)."""

from __future__ import annotations

from datetime import date

from web.charts import line_chart, nice_ceiling


def test_the_axis_top_is_a_round_number_above_the_peak_also_below_one():
    assert nice_ceiling(463) == (600, 200)
    top, step = nice_ceiling(0.63)
    assert top >= 0.63 and step in (0.1, 0.2, 0.5)
    assert nice_ceiling(0) == (1, 1)
    # counts keep whole steps, as the waitlist charts had them
    assert nice_ceiling(1, whole=True) == (1, 1)
    assert nice_ceiling(7, whole=True) == (8, 2)


def test_a_missing_value_breaks_the_line_instead_of_dropping_to_zero():
    rows = [
        {"day": date(2026, 1, 1), "v": 2.5},
        {"day": date(2026, 1, 2), "v": None},
        {"day": date(2026, 1, 3), "v": 1.0},
        {"day": date(2026, 1, 4), "v": 1.5},
    ]
    chart = line_chart(chart_id="c", title="T", rows=rows, series=[("v", "Value")])
    (series,) = chart.series
    assert len(series.segments) == 2
    assert [d.value for d in series.lone_dots] == [2.5]
    assert all(d.y < chart.baseline for d in series.dots)
