"""A case-review meeting in Chromium: the coordinator proposes a round, compares, confirms."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from accounts.models import Role
from directory.models import RiskLevel, TaxonomyTerm
from tests.browser import screenshot, sign_in
from tests.factories import (
    OrganizationFactory,
    ServiceAtSiteFactory,
    TerritoryFactory,
    case_of,
    user_with_role,
)
from waitlists.models import (
    AllocationRound,
    Enrolment,
    EnrolmentStatus,
    RoundStatus,
    WaitlistEntry,
    WaitlistSnapshot,
)

pytestmark = pytest.mark.browser

PSY = "specialized.psychological_care"


@pytest.fixture
def world(django_db_serialized_rollback, transactional_db):
    """Three children waiting in one territory for psychological care, two free slots."""
    territory = TerritoryFactory(name="Comuna Norte")
    term = TaxonomyTerm.objects.get(code=PSY)
    provider_org = OrganizationFactory(name="Fundación Proveedora")
    caseworker = user_with_role(Role.CASEWORKER, username="gestora")
    coordinator = user_with_role(Role.COORDINATOR, username="coordinadora")
    near = ServiceAtSiteFactory(
        service__organization=provider_org,
        service__name="Apoyo Psicológico Infantil",
        site__name="Sede Centro",
        site__point=Point(-70.601, -33.45, srid=4326),
        site__territory=territory,
        capacity=1,
    )
    far = ServiceAtSiteFactory(
        service__organization=provider_org,
        service__name="Terapia Familiar",
        site__name="Sede Poniente",
        site__point=Point(-70.65, -33.45, srid=4326),
        site__territory=territory,
        capacity=1,
    )
    for sas in (near, far):
        sas.service.categories.add(term)
    cases = [
        case_of(caseworker, risk_level=level, territory=territory)
        for level in (RiskLevel.VERY_HIGH, RiskLevel.HIGH, RiskLevel.LOW)
    ]
    for case in cases:
        WaitlistEntry.objects.create(case=case, service=near.service)
    today = timezone.localdate()
    for back in range(30, 0, -1):
        WaitlistSnapshot.objects.create(
            day=today - timedelta(days=back),
            service=near.service,
            category_codes=["specialized", PSY],
            waiting=min(3, 1 + (30 - back) // 10),
            slots=1,
            enrolled=1,
            inflow=0,
            outflow=0,
        )
    return {"coordinator": coordinator, "territory": territory, "term": term, "cases": cases}


def test_a_coordinator_proposes_a_round_compares_it_and_confirms_it(live_server, browser, world):
    page, blocked = sign_in(browser, live_server, world["coordinator"], "/coordinacion/listas/")

    # The network's waitlists, and the trend of the total drawn without a script library.
    assert page.locator("tr.waitlist-row").count() == 1
    assert page.locator("#chart-network svg.chart-svg polyline").count() == 2
    assert page.locator("#chart-network-data tr.history-row").count() == 30
    screenshot(page, "waitlists-network.png")

    # Propose a round for the territory and the category.
    with page.expect_navigation():
        page.click("a[href='/coordinacion/rondas/']")
    page.select_option("#id_territory", str(world["territory"].pk))
    page.select_option("#id_category", world["term"].code)
    with page.expect_navigation():
        page.click("#propose-button")
    round = AllocationRound.objects.get()
    assert page.url.endswith(f"/coordinacion/rondas/{round.pk}/")
    assert page.locator(".message-success").count() == 1

    # The proposal beside the comparison with first-come-first-served and nearest slot.
    assert page.locator("#proposal-table tr.proposal-row").count() == 3
    assert page.locator("tr.proposal-row[data-placed=yes]").count() == 2
    top = world["cases"][0]
    assert page.locator("tr.proposal-row").first.get_attribute("data-code") == top.code
    methods = page.locator("#comparison-table tr.comparison-row")
    assert [methods.nth(i).get_attribute("data-method") for i in range(3)] == [
        "allocate",
        "fcfs",
        "greedy",
    ]
    served = page.locator("tr[data-method=allocate] td.served").inner_text()
    assert served.strip() == "2"
    assert page.locator("tr[data-method=allocate] td.mean-distance").inner_text().strip() != "—"
    screenshot(page, "allocation-round.png")

    # Confirm: the children are enrolled, the round is read-only.
    with page.expect_navigation():
        page.click("#confirm-button")
    assert page.locator(".message-success").count() == 1
    assert page.locator("#round-status").get_attribute("data-status") == "confirmed"
    assert page.locator("#confirm-button").count() == 0
    round.refresh_from_db()
    assert round.status == RoundStatus.CONFIRMED
    assert Enrolment.objects.filter(status=EnrolmentStatus.ACTIVE).count() == 2
    assert blocked == []
