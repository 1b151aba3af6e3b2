"""What the gaps tests share: hand-made snapshots and referrals for the pages, signing in,
and hand-made networks for the indicators."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from django.contrib.gis.geos import Point

from accounts.models import Role
from directory.models import TaxonomyTerm, TerritoryLevel
from gaps.models import GapHotspot, GapSnapshot, NetworkSnapshot
from gaps.network import network_indicators
from matching.models import Referral, ReferralStatus
from tests.factories import (
    CaseFactory,
    OrganizationFactory,
    ServiceAtSiteFactory,
    TerritoryFactory,
    box,
    gap_cell,
    user_with_role,
)

PSY = "specialized.psychological_care"
DAY_1, DAY_2 = date(2026, 10, 1), date(2026, 11, 1)
START, END = date(2026, 7, 1), date(2026, 9, 30)
NAN = math.nan


# --- hand-made data ---------------------------------------------------------------------------


@pytest.fixture
def inventory():
    """A comuna and its two sectors, two snapshots of psychological care, two hotspots."""
    comuna = TerritoryFactory(
        name="Comuna Prueba", code="C1", level=TerritoryLevel.MUNICIPALITY, depth=1
    )
    north = TerritoryFactory(
        name="Sector Norte",
        code="C1-N",
        level=TerritoryLevel.SECTOR,
        depth=2,
        parent=comuna,
        geometry=box(-70.7, -33.45, -70.5, -33.4),
    )
    south = TerritoryFactory(
        name="Sector Sur",
        code="C1-S",
        level=TerritoryLevel.SECTOR,
        depth=2,
        parent=comuna,
        geometry=box(-70.7, -33.5, -70.5, -33.45),
    )
    term = TaxonomyTerm.objects.get(code=PSY)
    lorenz = {"lorenz_x": [0.0, 0.4, 1.0], "lorenz_y": [0.0, 0.0, 1.0]}
    first = GapSnapshot.objects.create(day=DAY_1, equity={PSY: {"gini": 0.5, **lorenz}})
    second = GapSnapshot.objects.create(day=DAY_2, equity={PSY: {"gini": 0.6, **lorenz}})
    gap_cell(first, comuna, term, children=1000, active_needs=9, slots=10, unmet_cases=3)
    gap_cell(
        second,
        north,
        term,
        children=600,
        active_needs=3,
        slots=12,
        accessibility=0.02,
        waiting=2,
        waitlist_pressure=2 / 12,
        median_wait_days=10.0,
        rejected_no_capacity=1,
    )
    gap_cell(
        second,
        south,
        term,
        children=400,
        active_needs=7,
        accessibility=0.0,
        zero_access_share=1.0,
        shortfall_slots=8.0,
        unmet_cases=6,
    )
    gap_cell(
        second,
        comuna,
        term,
        children=1000,
        active_needs=10,
        slots=12,
        accessibility=0.012,
        zero_access_share=0.4,
        shortfall_slots=0.0,
        unmet_cases=6,
        waiting=2,
        waitlist_pressure=2 / 12,
        median_wait_days=10.0,
        rejected_no_capacity=1,
    )
    GapHotspot.objects.create(
        snapshot=second,
        category=term,
        size=7,
        centroid=Point(-70.6, -33.47, srid=4326),
        suggested_site=Point(-70.60123, -33.47456, srid=4326),
        radius_m=420.4,
    )
    GapHotspot.objects.create(
        snapshot=second,
        category=term,
        size=3,
        centroid=Point(-70.65, -33.42, srid=4326),
        suggested_site=Point(-70.65111, -33.42222, srid=4326),
        radius_m=150.0,
    )
    return {"comuna": comuna, "north": north, "south": south, "term": term, "second": second}


@pytest.fixture
def referrals():
    """A team referring 6 children to a big provider and 2 to a small one, in the third quarter."""
    team = OrganizationFactory(name="Equipo Derivador")
    big = OrganizationFactory(name="Proveedor Grande")
    small = OrganizationFactory(name="Proveedor Chico")
    author = user_with_role(Role.CASEWORKER, organization=team)
    case = CaseFactory(organization=team)
    big_service = ServiceAtSiteFactory(service__organization=big).service
    small_service = ServiceAtSiteFactory(service__organization=small).service
    sent = datetime(2026, 8, 10, 15, tzinfo=UTC)
    statuses = [ReferralStatus.ACCEPTED] * 5 + [ReferralStatus.REJECTED]
    for status in statuses:
        Referral.objects.create(
            case=case,
            service=big_service,
            status=status,
            created_by=author,
            sent_at=sent,
            response_due=sent + timedelta(days=3),
            responded_at=sent + timedelta(days=1),
        )
    for status in (ReferralStatus.ACCEPTED, ReferralStatus.SENT):
        Referral.objects.create(
            case=case,
            service=small_service,
            status=status,
            created_by=author,
            sent_at=sent,
            response_due=sent + timedelta(days=3),
            responded_at=sent + timedelta(days=1) if status != ReferralStatus.SENT else None,
        )
    return {"team": team, "big": big, "small": small}


@pytest.fixture
def network_snapshot(referrals):
    """A nightly snapshot as the job stores it: ``NetworkIndicators.as_dict()``."""
    team, big, small = referrals["team"].pk, referrals["big"].pk, referrals["small"].pk
    bystander = OrganizationFactory(name="Institución Aislada").pk
    result = network_indicators(
        senders=[team] * 8,
        receivers=[big] * 6 + [small] * 2,
        accepted=[True] * 5 + [False, True, False],
        completed=[False] * 8,
        overdue=[False] * 7 + [True],
        days_to_attention=[float("nan")] * 8,
        organizations=[team, big, small, bystander],
    )
    return NetworkSnapshot.objects.create(
        start=date(2025, 11, 1), end=date(2026, 11, 1), indicators=result.as_dict()
    )


def signed_in(client, user):
    client.force_login(user)
    return client


def indicators(
    pairs, *, organizations, accepted=None, completed=None, overdue=None, days=None, **options
):
    """Indicators for ``pairs`` of (sender, receiver); flags default to False, days to NaN."""
    count = len(pairs)
    return network_indicators(
        senders=[s for s, _ in pairs],
        receivers=[r for _, r in pairs],
        accepted=np.zeros(count, bool) if accepted is None else np.array(accepted, bool),
        completed=np.zeros(count, bool) if completed is None else np.array(completed, bool),
        overdue=np.zeros(count, bool) if overdue is None else np.array(overdue, bool),
        days_to_attention=np.full(count, NAN) if days is None else np.array(days, float),
        organizations=organizations,
        **options,
    )


__all__ = ["END", "NAN", "PSY", "START", "indicators", "signed_in"]
