"""A referral to a service not yet on Puente, in Chromium: the caseworker sends it, the
service's team opens the letter's link without an account, accepts, says the child
started and completes with feedback, and the caseworker sees the loop closed."""

from __future__ import annotations

import re

import pytest
from django.contrib.gis.geos import Point

from accounts.models import Role
from cases.models import ConsentScope
from cases.services import case_need_add, consent_record
from directory.models import RiskLevel, TaxonomyTerm
from matching.models import ReferralStatus
from tests.browser import DESKTOP, assert_accessible, block_outside_requests, screenshot, sign_in
from tests.factories import (
    OrganizationFactory,
    ServiceAtSiteFactory,
    TerritoryFactory,
    case_of,
    user_with_role,
)

pytestmark = pytest.mark.browser

PSY = "specialized.psychological_care"
ADDRESS = "admision@lomas.example.org"
LINK = re.compile(r"https?://\S+(/derivacion-externa/[A-Za-z0-9_\-]+/)")


@pytest.fixture
def world(django_db_serialized_rollback, transactional_db):
    territory = TerritoryFactory(name="Comuna Norte")
    term = TaxonomyTerm.objects.get(code=PSY)
    outside = OrganizationFactory(name="Centro Comunitario Las Lomas")
    offer = ServiceAtSiteFactory(
        service__organization=outside,
        service__name="Taller Parental Las Lomas",
        service__email=ADDRESS,
        site__point=Point(-70.601, -33.45, srid=4326),
        site__territory=territory,
    )
    offer.service.categories.add(term)
    caseworker = user_with_role(Role.CASEWORKER, username="gestora")
    case = case_of(caseworker, risk_level=RiskLevel.HIGH, territory=territory)
    need = case_need_add(actor=caseworker, case=case, term=term)
    consent_record(actor=caseworker, case=case, given_by="madre", scopes=[ConsentScope.REFERRAL])
    return {"caseworker": caseworker, "case": case, "need": need, "offer": offer}


def test_the_letters_link_answers_the_referral_and_the_caseworker_sees_the_loop_closed(
    live_server, browser, world, mailbox
):
    case, offer = world["case"], world["offer"]
    page, blocked = sign_in(
        browser,
        live_server,
        world["caseworker"],
        f"/casos/{case.pk}/opciones/?need={world['need'].pk}",
    )
    option = page.locator(f"#option-{offer.pk}")
    option.locator("summary").click()
    # The form says where the letter goes before anything is sent.
    assert ADDRESS in option.locator(".outside-notice").inner_text()
    option.locator("textarea[name=shared_note]").fill("Prefiere horario de tarde.")
    with page.expect_navigation():
        option.locator(".refer-button").click()
    referral = case.referrals.get()
    assert page.locator(f"#link-state-{referral.pk}").get_attribute("data-state") == "sent"

    (message,) = mailbox.to(ADDRESS)
    path = LINK.search(mailbox.text(message)).group(1)

    # The service's team: no account, only the packet and the answers.
    team = browser.new_page(viewport=DESKTOP)
    team_blocked = block_outside_requests(team)
    team.goto(f"{live_server.url}{path}")
    assert team.locator("#case-code").inner_text() == case.code
    assert "Prefiere horario de tarde." in team.locator("#packet").inner_text()
    assert world["need"].term.name in team.locator("#packet-needs").inner_text()
    assert team.locator("a[href^='/casos/']").count() == 0
    assert_accessible(team)
    screenshot(team, "external-referral.png")

    with team.expect_navigation():
        team.click("#move-accepted button")
    assert team.locator("#referral-status").get_attribute("data-status") == "accepted"
    with team.expect_navigation():
        team.click("#place-button")
    assert team.locator("#referral-status").get_attribute("data-status") == "in_service"
    team.fill("#id_completed_feedback", "Asistió a las ocho sesiones; la familia sigue el plan.")
    with team.expect_navigation():
        team.click("#move-completed button")
    # Used up: the page says there is nothing more to answer.
    assert team.locator("#link-message").get_attribute("data-reason") == "closed"

    referral.refresh_from_db()
    assert referral.status == ReferralStatus.COMPLETED

    page.reload()
    article = page.locator(f"#referral-{referral.pk}")
    assert article.get_attribute("data-status") == "completed"
    assert "ocho sesiones" in page.locator(f"#feedback-{referral.pk}").inner_text()
    assert page.locator(f"#link-state-{referral.pk}").get_attribute("data-state") == "answered"

    # The printable letter: on paper only the letter, no navigation or buttons.
    page.goto(f"{live_server.url}/derivaciones/{referral.pk}/carta/")
    assert page.locator("#letter-code").inner_text() == case.code
    assert_accessible(page)
    page.emulate_media(media="print")
    assert page.locator(".topbar").is_hidden()
    assert page.locator(".letter-tools").is_hidden()
    assert page.locator("#letter").is_visible()
    assert blocked == [] and team_blocked == []
