"""The trends page: each snapshot drawn, a gap in the line where a count is suppressed."""

from __future__ import annotations

import pytest
from django.urls import reverse

from gaps.tests.conftest import PSY, signed_in

pytestmark = pytest.mark.django_db


def test_the_trends_draw_each_snapshot_and_leave_a_gap_where_a_count_is_suppressed(
    client, planner, inventory
):
    response = signed_in(client, planner).get(
        reverse("gaps:trends"), {"category": PSY, "territory": str(inventory["comuna"].pk)}
    )
    assert response.status_code == 200
    charts = {block["chart"].id: block for block in response.context["charts"]}
    shortfall = charts["chart-shortfall"]
    # unmet cases: 3 (suppressed) on the first day, 6 on the second: one dot, no line back to 3
    unmet = shortfall["chart"].series[1]
    assert [d.value for d in unmet.dots] == [6.0]
    assert [values[1] for _day, values in shortfall["table"]] == ["<5", 6]
    html = response.content.decode()
    assert 'id="chart-accessibility"' in html and 'id="chart-lorenz"' in html
    gini = response.context["equity"]["gini"]["chart"]
    assert [d.value for d in gini.series[0].dots] == [0.5, 0.6]
    lorenz = response.context["equity"]["lorenz"]
    assert lorenz.rows == [(0.0, 0.0), (40.0, 0.0), (100.0, 100.0)]
    assert "0.600" in lorenz.summary


def test_the_trends_page_refuses_an_unknown_territory_with_a_400(client, planner, inventory):
    response = signed_in(client, planner).get(
        reverse("gaps:trends"), {"category": PSY, "territory": "not-a-territory"}
    )
    assert response.status_code == 400
    assert "id_territory_errors" in response.content.decode()
