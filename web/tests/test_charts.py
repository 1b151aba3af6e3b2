"""The chart geometry every report page draws with."""

from __future__ import annotations

from datetime import date

import pytest

from web.charts import line_chart, nice_ceiling


@pytest.mark.parametrize(
    ("peak", "expected"), [(0, (1, 1)), (1, (1, 1)), (4, (4, 1)), (7, (8, 2)), (130, (150, 50))]
)
def test_the_axis_top_is_a_round_number_above_the_peak(peak, expected):
    assert nice_ceiling(peak, whole=True) == expected


def test_a_chart_of_one_day_draws_a_dot_and_of_none_says_so():
    one = line_chart(
        chart_id="c",
        title="t",
        rows=[{"day": date(2025, 3, 1), "waiting": 3, "slots": 2}],
        series=[("waiting", "W"), ("slots", "S")],
        whole_numbers=True,
    )
    assert not one.empty and len(one.series[0].dots) == 1
    assert one.y_ticks[0].label == "0"
    none = line_chart(chart_id="c", title="t", rows=[], series=[("waiting", "W")])
    assert none.empty and none.summary
