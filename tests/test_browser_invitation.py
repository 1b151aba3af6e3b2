"""An invitation in Chromium: the administrator invites from the invitations page linked
on the start page, the mail arrives through a real SMTP server, the invited caseworker
opens its link, chooses a password, enrols two-factor (their role requires it) and lands
on their first page, signed in; every page passes axe-core."""

from __future__ import annotations

import base64
import re

import pytest
from django_otp.oath import totp

from accounts.models import Membership, Role, TwoFactorRequirement, User
from people.models import Invitation
from tests.browser import DESKTOP, assert_accessible, block_outside_requests, sign_in
from tests.factories import OrganizationFactory, user_with_role

pytestmark = pytest.mark.browser

ADDRESS = "nueva.gestora@example.org"
LINK = re.compile(r"https?://\S+(/invitacion/[A-Za-z0-9_\-]+/)")
NEW_PASSWORD = "Puente-nueva-clave-2026"


@pytest.fixture
def world(django_db_serialized_rollback, transactional_db):
    team = OrganizationFactory(name="Equipo Norte")
    administrator = user_with_role(Role.ADMINISTRATOR, username="admin-red")
    TwoFactorRequirement.objects.create(role=Role.CASEWORKER)
    return {"team": team, "administrator": administrator}


def _code(secret: str) -> str:
    return str(totp(base64.b32decode(secret))).zfill(6)


def test_an_invited_caseworker_goes_from_the_mail_to_their_first_page(
    live_server, browser, world, mailbox
):
    page, blocked = sign_in(
        browser, live_server, world["administrator"], "/inicio/puesta-en-marcha/"
    )
    with page.expect_navigation():
        page.click("a[href='/usuarios/invitaciones/']")
    assert_accessible(page)
    page.fill("#id_email", ADDRESS)
    page.select_option("#id_organization", str(world["team"].pk))
    page.select_option("#id_role", Role.CASEWORKER)
    with page.expect_navigation():
        page.click("#invitation-send")
    invitation = Invitation.objects.get()
    assert page.locator(f"#invitation-{invitation.pk}").get_attribute("data-status") == "pending"
    assert_accessible(page)

    (message,) = mailbox.to(ADDRESS)
    path = LINK.search(mailbox.text(message)).group(1)

    invited = browser.new_page(viewport=DESKTOP)
    invited_blocked = block_outside_requests(invited)
    invited.goto(f"{live_server.url}{path}")
    assert "Equipo Norte" in invited.locator("#invitation-summary").inner_text()
    assert_accessible(invited)
    invited.fill("#id_username", "nueva.gestora")
    invited.fill("#id_first_name", "Nueva")
    invited.fill("#id_password1", NEW_PASSWORD)
    invited.fill("#id_password2", NEW_PASSWORD)
    invited.click("#invitation-accept")
    # The caseworker role requires a second factor: enrolment comes first.
    invited.wait_for_selector("#otp-qr svg")
    assert "/cuenta/doble-factor/" in invited.url
    assert_accessible(invited)
    invited.fill("#id_token", _code(invited.locator("#otp-secret").inner_text()))
    invited.click("#otp-confirm")
    invited.wait_for_url("**/inicio/")  # the home page: the caseworker's card
    assert invited.locator("a[href='/casos/']").count() > 0  # signed in, as a caseworker
    assert_accessible(invited)

    user = User.objects.get(username="nueva.gestora")
    assert Membership.objects.filter(user=user, organization=world["team"]).exists()
    # The link worked once.
    invited.goto(f"{live_server.url}{path}")
    assert invited.locator("#link-message").get_attribute("data-reason") == "used"
    assert_accessible(invited)
    assert blocked == [] and invited_blocked == []
