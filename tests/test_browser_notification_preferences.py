"""A provider chooses, in Chromium, how each kind of notice reaches them, and the next
referral to their team arrives by mail at once."""

from __future__ import annotations

import pytest

from accounts.models import User
from matching.services import referral_create_and_send
from notifications.models import Delivery, NotificationKind, NotificationSettings
from tests.browser import assert_accessible, screenshot, sign_in
from tests.factories import referral_world

pytestmark = pytest.mark.browser


@pytest.fixture
def world(django_db_serialized_rollback, transactional_db):
    world = referral_world()
    User.objects.filter(pk=world["provider"].pk).update(email="prestadora@example.org")
    world["provider"].refresh_from_db()
    return world


def test_the_provider_chooses_referrals_at_once_and_the_next_one_is_mailed(
    live_server, browser, world, mailbox
):
    provider = world["provider"]
    page, blocked = sign_in(browser, live_server, provider, "/inicio/")
    page.click("a[data-nav='notification-preferences']")
    page.wait_for_selector("#preferences-form")
    assert "prestadora@example.org" in page.locator("#email-state").inner_text()
    # The defaults: alerts at once, a referral arriving in the digest.
    assert page.is_checked("#id_alert_raised_0")
    assert page.is_checked("#id_referral_received_1")
    assert_accessible(page)
    screenshot(page, "notification-preferences.png")

    page.check("#id_referral_received_0")
    page.select_option("#id_language", "en")
    with page.expect_navigation():
        page.click("#preferences-save")
    assert page.locator(".messages").count() == 1
    assert page.is_checked("#id_referral_received_0")
    assert_accessible(page)
    saved = NotificationSettings.objects.get(user=provider)
    assert saved.delivery_for(NotificationKind.REFERRAL_RECEIVED) == Delivery.IMMEDIATE
    assert saved.language == "en"

    referral_create_and_send(
        actor=world["caseworker"], case=world["case"], service=world["eligible"].service
    )
    (message,) = mailbox.to("prestadora@example.org")
    body = mailbox.text(message)
    assert world["case"].code in body and "Open it in Puente" in body
    assert blocked == []
