"""The downloads' dates are bounded like every query string's (web/params.py), by name."""

from __future__ import annotations

import pytest
from django.urls import reverse

from gaps.tests.conftest import signed_in

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("name", "query", "field"),
    [
        ("gaps:inventory_download", {"day": "9999-12-31"}, "day"),
        ("gaps:network_download", {"start": "0001-01-01", "end": "2026-01-01"}, "start"),
        ("gaps:network_download", {"start": "2026-01-01", "end": "9999-12-31"}, "end"),
    ],
)
def test_a_download_day_outside_the_calendar_bounds_is_a_400_naming_it(
    client, planner, name, query, field
):
    response = signed_in(client, planner).get(reverse(name, args=["csv"]), query)
    assert response.status_code == 400
    assert response.content.decode().startswith(f"{field}: ")
