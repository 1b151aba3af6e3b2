"""How current the service map is: listings verified within the year to a period's end.

Stored in the quarterly management report under ``"listings"`` (beside the network's and
the case file's figures), so a past quarter keeps the figure it had.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from directory.selectors.verification import services_active_count, services_verified_within
from gaps.models import ManagementReport

YEAR_DAYS = 365


def listing_verification_indicators(*, end: date) -> dict[str, Any]:
    """Active listings, and those verified in the year to ``end`` (inclusive)."""
    active = services_active_count()
    verified = services_verified_within(since=end - timedelta(days=YEAR_DAYS - 1), until=end)
    return {
        "active": active,
        "verified_within_year": verified,
        "share": round(verified / active, 3) if active else None,
    }


def listing_verification_for_period(*, start: date, end: date) -> dict[str, Any]:
    """A stored report's figure for the period, else computed now."""
    report = ManagementReport.objects.filter(start=start, end=end).first()
    if report is not None and isinstance(report.indicators.get("listings"), dict):
        return dict(report.indicators["listings"])
    return listing_verification_indicators(end=end)
