"""Writes of the network jobs: the nightly network snapshot and the management report.

Both compute first (reads only, possibly minutes) and then write in one short
transaction that replaces the period's earlier row: a job killed while computing leaves
the previous row untouched, and no half-written row is ever visible.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from datetime import time as clock
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gaps.casework import casework_cohort, casework_indicators_for_period
from gaps.listings import listing_verification_indicators
from gaps.models import ManagementReport, NetworkSnapshot
from gaps.network import NetworkIndicators, network_indicators_for_period

#: The nightly snapshot looks back a year, ending with its day.
NETWORK_SNAPSHOT_DAYS = 365
#: Pairs kept in a stored snapshot, the busiest first. At 5,000 organizations a year of
#: referrals has ~1,000,000 pairs (~150 MB of JSON per night); no page draws that many,
#: and every other figure is computed from all of them before the cut.
NETWORK_MAX_PAIRS = 5000

_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)


def period_bounds(*, start: date, end: date) -> tuple[datetime, datetime]:
    """``[start 00:00, end + 1 day 00:00)`` in the project's time zone: whole local days."""
    zone = timezone.get_current_timezone()
    return (
        datetime.combine(start, clock.min, tzinfo=zone),
        datetime.combine(end + timedelta(days=1), clock.min, tzinfo=zone),
    )


def quarter_parse(*, quarter: str) -> tuple[date, date]:
    """First and last day of a quarter written ``2026Q3`` (or ``2026-Q3``)."""
    found = _QUARTER.match(quarter.strip())
    if not found:
        raise ValueError(
            _("“%(value)s” is not a quarter; write it like 2026Q3.") % {"value": quarter}
        )
    year, number = int(found.group(1)), int(found.group(2))
    return _quarter_days(year=year, number=number)


def quarter_last_completed(*, today: date) -> tuple[date, date]:
    """The last quarter that ended before ``today``."""
    number = (today.month - 1) // 3 + 1
    year, number = (today.year - 1, 4) if number == 1 else (today.year, number - 1)
    return _quarter_days(year=year, number=number)


def _quarter_days(*, year: int, number: int) -> tuple[date, date]:
    first = date(year, 3 * number - 2, 1)
    following = date(year + 1, 1, 1) if number == 4 else date(year, 3 * number + 1, 1)
    return first, following - timedelta(days=1)


def indicators_for_storage(indicators: NetworkIndicators) -> dict[str, Any]:
    """``as_dict()`` with ``per_pair`` cut to the busiest :data:`NETWORK_MAX_PAIRS` pairs."""
    data = indicators.as_dict()
    pairs = data["per_pair"]
    data["per_pair_total"] = len(pairs)
    if len(pairs) > NETWORK_MAX_PAIRS:
        # Stable sort: ties keep the organizations' order, so re-runs store the same pairs.
        data["per_pair"] = sorted(pairs, key=lambda p: -p["sent"])[:NETWORK_MAX_PAIRS]
    return data


def casework_indicators_for_days(
    *, start: date, end: date, today: date | None = None
) -> dict[str, Any]:
    """The case file's indicators of the days ``start`` to ``end`` (inclusive), raw.

    With the re-entry cohort's days under ``"cohort"``, as stored in a management report.
    """
    first, last = casework_cohort(start=start, end=end)
    since, until = period_bounds(start=start, end=end)
    cohort_since, cohort_until = period_bounds(start=first, end=last)
    data = casework_indicators_for_period(
        start=since,
        end=until,
        cohort_start=cohort_since,
        cohort_end=cohort_until,
        first_day=start,
        last_day=end,
        today=today or timezone.localdate(),
    )
    data["cohort"] = {"start": first.isoformat(), "end": last.isoformat()}
    return data


def network_snapshot_take(
    *, day: date | None = None, progress: Callable[[str], None] | None = None
) -> NetworkSnapshot:
    """The network indicators of the year ending with ``day`` (default: yesterday), stored.

    Idempotent per day: a re-run replaces that day's snapshot.
    """
    say = progress or (lambda _m: None)
    end = day or timezone.localdate() - timedelta(days=1)
    start = end - timedelta(days=NETWORK_SNAPSHOT_DAYS - 1)
    say(_("reading referrals and computing"))
    since, until = period_bounds(start=start, end=end)
    data = indicators_for_storage(network_indicators_for_period(start=since, end=until))
    say(_("saving"))
    return _network_snapshot_store(start=start, end=end, indicators=data)


@transaction.atomic
def _network_snapshot_store(
    *, start: date, end: date, indicators: dict[str, Any]
) -> NetworkSnapshot:
    # The lock queues two runs for the same period here rather than failing one of them
    # on the unique period after both deleted.
    list(NetworkSnapshot.objects.select_for_update().filter(start=start, end=end))
    NetworkSnapshot.objects.filter(start=start, end=end).delete()
    return NetworkSnapshot.objects.create(start=start, end=end, indicators=indicators)


def management_report_take(
    *, start: date, end: date, progress: Callable[[str], None] | None = None
) -> ManagementReport:
    """The management indicators of the days ``start`` to ``end`` (inclusive), stored.

    Idempotent per period: a re-run replaces that period's report.
    """
    if start > end:
        raise ValueError(
            _("The first day (%(start)s) is after the last (%(end)s).")
            % {"start": start, "end": end}
        )
    say = progress or (lambda _m: None)
    started = time.monotonic()
    say(_("reading referrals and computing"))
    since, until = period_bounds(start=start, end=end)
    data = indicators_for_storage(network_indicators_for_period(start=since, end=until))
    say(_("reading the case files and computing"))
    # Beside the network's figures, under a key of its own: the network's readers ignore it.
    data["casework"] = casework_indicators_for_days(start=start, end=end)
    # How current the service map was at the period's end (issue 20).
    data["listings"] = listing_verification_indicators(end=end)
    say(_("saving"))
    return _management_report_store(
        start=start, end=end, indicators=data, seconds=round(time.monotonic() - started, 2)
    )


@transaction.atomic
def _management_report_store(
    *, start: date, end: date, indicators: dict[str, Any], seconds: float
) -> ManagementReport:
    list(ManagementReport.objects.select_for_update().filter(start=start, end=end))
    ManagementReport.objects.filter(start=start, end=end).delete()
    return ManagementReport.objects.create(
        start=start, end=end, indicators=indicators, seconds=seconds
    )
