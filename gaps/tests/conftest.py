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


__all__ = ["END", "NAN", "PSY", "START", "indicators", "signed_in", "utc"]


# --- the case file's indicators -----------------------------------------------------------------


def utc(year, month, day, hour=16):
    """16:00 UTC is midday in Santiago all year: whole days between two of them, DST or not."""
    return datetime(year, month, day, hour, tzinfo=UTC)


@pytest.fixture
def casework():
    """Cases with known dates for the third quarter of 2026 (``START``-``END``).

    Team A works in the north (a1-a5 admitted and served) and the south (d1-d6 closed);
    team B has a6 in the north, a case closed as not admitted in the south, and r1-r5 in
    the north, closed in the third quarter of 2025 (the re-entry cohort).
    """
    from cases.models import AdmissibilityDecision, Case, CaseClosure, CaseReopening
    from cases.services.admissibility import case_admissibility_decide
    from cases.services.closure import case_close, case_reopen
    from cases.services.follow_up import follow_up_record, follow_up_schedule
    from matching.models import ReferralEvent
    from waitlists.models import Enrolment

    north = TerritoryFactory(name="Sector Norte", code="CW-N")
    south = TerritoryFactory(name="Sector Sur", code="CW-S")
    team_a = OrganizationFactory(name="Equipo Norte")
    team_b = OrganizationFactory(name="Equipo Sur")
    worker_a = user_with_role(Role.CASEWORKER, organization=team_a)
    worker_b = user_with_role(Role.CASEWORKER, organization=team_b)
    site = ServiceAtSiteFactory()
    workers = {team_a.pk: worker_a, team_b.pk: worker_b}

    def case(team, territory, *, requested, created=None):
        made = CaseFactory(
            organization=team, territory=territory, admissibility="pending", requested_at=requested
        )
        Case.objects.filter(pk=made.pk).update(created=created or requested)
        made.refresh_from_db()
        return made

    def admit(made, at):
        case_admissibility_decide(
            actor=workers[made.organization_id], case=made, admissibility="admitted"
        )
        AdmissibilityDecision.objects.filter(case=made).update(decided_at=at)

    def close(made, at, reason):
        case_close(actor=workers[made.organization_id], case=made, reason=reason)
        Case.objects.filter(pk=made.pk).update(closed_at=at)
        CaseClosure.objects.filter(case=made, status="closed").update(decided_at=at)
        made.refresh_from_db()

    def reopen(made, at):
        case_reopen(actor=workers[made.organization_id], case=made, reason="Nueva alerta")
        CaseReopening.objects.filter(case=made, reopened_at__gt=at).update(reopened_at=at)
        made.refresh_from_db()

    def in_service(made, at):
        referral = Referral.objects.create(
            case=made,
            service=site.service,
            status=ReferralStatus.IN_SERVICE,
            created_by=workers[made.organization_id],
            sent_at=at - timedelta(days=1),
        )
        ReferralEvent.objects.create(
            referral=referral, from_status="waiting", to_status="in_service", at=at
        )

    def enrol(made, at):
        Enrolment.objects.create(case=made, service_at_site=site, started_at=at)

    reported = utc(2026, 8, 1)
    admitted = []
    for days in [2, 4, 6, 8, 10]:
        made = case(team_a, north, requested=reported)
        admit(made, reported + timedelta(days=days))
        admitted.append(made)
    a6 = case(team_b, north, requested=reported)
    admit(a6, reported + timedelta(days=3))
    for made, days in zip(admitted, [20, 30, 40, 50, 60], strict=True):
        enrol(made, reported + timedelta(days=days))
    in_service(admitted[4], reported + timedelta(days=15))
    in_service(a6, reported + timedelta(days=7))

    opened = utc(2026, 3, 1)
    for days in [130, 140, 150, 160, 200]:
        made = case(team_a, south, requested=opened)
        admit(made, opened + timedelta(days=1))
        close(made, opened + timedelta(days=days), "moved_away")
    d6 = case(team_a, south, requested=utc(2026, 1, 1))
    close(d6, utc(2026, 2, 1), "moved_away")
    reopen(d6, utc(2026, 4, 1))
    close(d6, utc(2026, 8, 1), "aged_out")
    refused = case(team_b, south, requested=utc(2026, 8, 1))
    case_admissibility_decide(
        actor=worker_b, case=refused, admissibility="not_admitted", reason="No corresponde"
    )
    Case.objects.filter(pk=refused.pk).update(closed_at=utc(2026, 8, 5))

    cohort = []
    for _number in range(5):
        made = case(team_b, north, requested=utc(2025, 1, 1))
        close(made, utc(2025, 8, 1), "moved_away")
        cohort.append(made)
    reopen(cohort[0], utc(2026, 3, 1))
    reopen(cohort[1], utc(2026, 3, 1))
    reopen(cohort[2], utc(2026, 9, 1))  # 13 months later: not a re-entry within 12

    def follow_up(made, due, done=None):
        planned = follow_up_schedule(
            actor=workers[made.organization_id], case=made, kind="call", due_on=due
        )
        if done is not None:
            follow_up_record(
                actor=workers[made.organization_id],
                follow_up=planned,
                result="better",
                done_on=done,
            )

    follow_up(admitted[0], date(2026, 8, 10), date(2026, 8, 10))
    follow_up(admitted[1], date(2026, 8, 10), date(2026, 8, 9))
    follow_up(admitted[2], date(2026, 8, 10), date(2026, 8, 10))
    follow_up(admitted[3], date(2026, 8, 10), date(2026, 8, 12))  # late
    follow_up(admitted[4], date(2026, 8, 10))  # never made
    follow_up(admitted[0], date(2026, 9, 20), date(2026, 9, 19))
    follow_up(admitted[0], date(2026, 10, 1), date(2026, 10, 1))  # due after the period
    return {
        "north": north,
        "south": south,
        "team_a": team_a,
        "team_b": team_b,
        "worker_a": worker_a,
        "admitted": admitted,
        "a6": a6,
        "case": case,
        "admit": admit,
        "enrol": enrol,
        "in_service": in_service,
        "follow_up": follow_up,
    }
