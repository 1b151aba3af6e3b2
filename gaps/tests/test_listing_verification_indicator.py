"""The quarterly report counts the listings verified within the year to its end."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from directory.models import ServiceStatus
from gaps.listings import listing_verification_for_period
from gaps.services import management_report_take
from tests.factories import ServiceFactory, signed_in

pytestmark = pytest.mark.django_db

START, END = date(2026, 7, 1), date(2026, 9, 30)


@pytest.fixture
def listings():
    ServiceFactory(verified_on=END - timedelta(days=10))
    ServiceFactory(verified_on=END - timedelta(days=364))  # the year's first day
    ServiceFactory(verified_on=END - timedelta(days=365))  # a day too old
    ServiceFactory(verified_on=None)
    ServiceFactory(verified_on=END, status=ServiceStatus.DEFUNCT)  # not an active listing


def test_the_report_stores_the_listings_verified_within_the_year(listings):
    report = management_report_take(start=START, end=END)
    assert report.indicators["listings"] == {"active": 4, "verified_within_year": 2, "share": 0.5}
    # A later verification does not change the stored quarter.
    ServiceFactory(verified_on=END)
    assert listing_verification_for_period(start=START, end=END)["verified_within_year"] == 2


def test_the_network_page_shows_it(listings, planner):
    management_report_take(start=START, end=END)
    page = signed_in(planner).get(
        "/brechas/red/", {"start": START.isoformat(), "end": END.isoformat()}
    )
    assert page.status_code == 200
    assert 'data-verified="2"' in page.content.decode()
