"""Listing verification in Chromium: the provider opens the mailed link without an
account, corrects the opening hours, and the coordinator accepts it from the review queue
linked on the start page; the card then says when and by whom it was verified."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from accounts.models import Role
from directory.models import ListingUpdate, ListingUpdateStatus, Service, ServiceAtSite
from directory.tasks import verification_requests_send_task
from tests.browser import DESKTOP, assert_accessible, block_outside_requests, sign_in
from tests.factories import OrganizationFactory, ServiceAtSiteFactory, user_with_role

pytestmark = pytest.mark.browser

ADDRESS = "contacto@crecer.example.org"
LINK = re.compile(r"https?://\S+(/verificar/[A-Za-z0-9_\-]+/)")


@pytest.fixture
def world(django_db_serialized_rollback, transactional_db):
    organization = OrganizationFactory(name="Fundación Crecer", email=ADDRESS)
    listing = ServiceAtSiteFactory(
        service__organization=organization,
        service__name="Terapia Familiar Crecer",
        service__verified_on=date.today() - timedelta(days=400),
        schedule_description="Lunes a viernes 9–13",
    )
    coordinator = user_with_role(Role.COORDINATOR, username="coordinadora")
    return {"listing": listing, "coordinator": coordinator}


def test_the_provider_corrects_through_its_link_and_the_coordinator_accepts(
    live_server, browser, world, mailbox
):
    listing = world["listing"]
    assert verification_requests_send_task.delay().get() == 1
    (message,) = mailbox.to(ADDRESS)
    path = LINK.search(mailbox.text(message)).group(1)

    provider = browser.new_page(viewport=DESKTOP)
    provider_blocked = block_outside_requests(provider)
    provider.goto(f"{live_server.url}{path}")
    assert "Terapia Familiar Crecer" in provider.locator(f"#listing-{listing.pk}").inner_text()
    assert_accessible(provider)
    provider.fill("#id_respondent", "Encargada de admisión")
    provider.fill(f"#id_{listing.pk}-schedule_description", "Martes y jueves 15–19")
    with provider.expect_navigation():
        provider.click("#verification-submit")
    assert provider.locator("#verification-thanks").is_visible()
    assert_accessible(provider)
    # One time only.
    provider.goto(f"{live_server.url}{path}")
    assert provider.locator("#link-message").get_attribute("data-reason") == "used"

    page, blocked = sign_in(browser, live_server, world["coordinator"], "/inicio/")
    with page.expect_navigation():
        page.click("a[href='/coordinacion/verificacion/']")
    update = ListingUpdate.objects.get(status=ListingUpdateStatus.PENDING)
    assert page.locator(f"#update-{update.pk}").is_visible()
    assert_accessible(page)
    with page.expect_navigation():
        page.click(f"#update-{update.pk} a")
    assert "Martes y jueves 15–19" in page.locator("#update-diff").inner_text()
    assert_accessible(page)
    with page.expect_navigation():
        page.click("#accept")
    assert page.locator("#review-queue-empty").is_visible()

    assert ServiceAtSite.objects.get(pk=listing.pk).schedule_description == "Martes y jueves 15–19"
    assert Service.objects.get(pk=listing.service_id).verified_on == date.today()
    page.goto(f"{live_server.url}/mapa/ficha/{listing.pk}/")
    assert "Encargada de admisión" in page.locator(".card-verified").inner_text()
    assert_accessible(page)
    assert blocked == [] and provider_blocked == []
