"""Allocation rounds: proposal beside the baselines, confirmation all or nothing."""

from __future__ import annotations

import pytest
from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied, ValidationError

from directory.models import RiskLevel, TaxonomyTerm
from matching.models import ReferralStatus
from tests.factories import ServiceAtSiteFactory, TerritoryFactory, case_of
from waitlists.models import Enrolment, EntryStatus, RoundStatus, WaitlistEntry
from waitlists.rounds import (
    allocation_round_confirm,
    allocation_round_propose,
    allocation_round_rows,
)

pytestmark = pytest.mark.django_db

PSY = "specialized.psychological_care"


@pytest.fixture
def world(caseworker, provider_org):
    territory = TerritoryFactory()
    term = TaxonomyTerm.objects.get(code=PSY)
    near = ServiceAtSiteFactory(
        service__organization=provider_org,
        site__point=Point(-70.601, -33.45, srid=4326),
        site__territory=territory,
        capacity=1,
    )
    far = ServiceAtSiteFactory(
        service__organization=provider_org,
        site__point=Point(-70.65, -33.45, srid=4326),
        site__territory=territory,
        capacity=1,
    )
    for sas in (near, far):
        sas.service.categories.add(term)
    cases = {
        level: case_of(caseworker, risk_level=level, territory=territory)
        for level in (RiskLevel.VERY_HIGH, RiskLevel.HIGH, RiskLevel.LOW)
    }
    for case in cases.values():
        WaitlistEntry.objects.create(case=case, service=near.service)
    return territory, term, near, far, cases


def test_a_round_serves_the_highest_priorities_and_compares_with_the_baselines(coordinator, world):
    territory, term, _near, _far, cases = world
    round = allocation_round_propose(actor=coordinator, territory=territory, category=term)
    served = {cid for cid, sid in round.proposal.items() if sid}
    assert served == {str(cases[RiskLevel.VERY_HIGH].pk), str(cases[RiskLevel.HIGH].pk)}
    assert round.comparison["allocate"]["served"] == 2
    assert round.comparison["waiting"] == 3 and round.comparison["free_slots"] == 2
    assert {"fcfs", "greedy"} <= set(round.comparison)
    rows = allocation_round_rows(round=round)
    assert rows[0]["case_code"] == cases[RiskLevel.VERY_HIGH].code


def test_confirming_enrols_everyone_proposed_in_one_go(coordinator, world):
    territory, term, _near, far, _cases = world
    round = allocation_round_propose(actor=coordinator, territory=territory, category=term)
    assert allocation_round_confirm(actor=coordinator, round=round) == 2
    round.refresh_from_db()
    assert round.status == RoundStatus.CONFIRMED
    assert Enrolment.objects.filter(status="active").count() == 2
    placed_elsewhere = Enrolment.objects.get(service_at_site=far)
    # Not on that service's list: the meeting's decision became a referral in service.
    assert placed_elsewhere.referral.status == ReferralStatus.IN_SERVICE
    assert not WaitlistEntry.objects.filter(
        case=placed_elsewhere.case, status=EntryStatus.WAITING
    ).exists()
    with pytest.raises(ValidationError):
        allocation_round_confirm(actor=coordinator, round=round)


def test_a_slot_taken_since_the_proposal_leaves_nothing_half_done(coordinator, world):
    territory, term, _near, far, _cases = world
    round = allocation_round_propose(actor=coordinator, territory=territory, category=term)
    far.capacity = 0
    far.save()
    with pytest.raises(ValidationError) as error:
        allocation_round_confirm(actor=coordinator, round=round)
    assert "round" in error.value.message_dict
    assert not Enrolment.objects.exists()
    round.refresh_from_db()
    assert round.status == RoundStatus.PROPOSED


def test_only_coordinators_run_rounds(caseworker, world):
    territory, term, *_ = world
    with pytest.raises(PermissionDenied):
        allocation_round_propose(actor=caseworker, territory=territory, category=term)
