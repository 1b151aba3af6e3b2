"""What a caseworker and a coordinator see of what needs them, in Chromium.

The caseworker: the count beside "Bandeja", the grave new alert at the top of a paged
inbox, a filter that narrows it. The coordinator: a row of the overdue list that opens
its page and reminds the provider, once. The new-case form: an empty submit names every
missing field and registers nothing.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Role
from cases.models import Alert, AlertStatus, Case
from cases.services import alert_raise
from matching.models import Referral
from matching.services import referral_create_and_send
from matching.views.inbox import ALERTS_PER_PAGE
from notifications.models import Notification
from tests.browser import assert_accessible, screenshot, sign_in
from tests.factories import referral_world, user_with_role

pytestmark = pytest.mark.browser


@pytest.fixture
def world(django_db_serialized_rollback, transactional_db):
    return referral_world()


def test_the_caseworker_sees_the_count_and_the_grave_new_alert_first(live_server, browser, world):
    caseworker, provider, case = world["caseworker"], world["provider"], world["case"]
    organization = provider.memberships.get().organization
    # Many alerts already seen, raised over the last hours; then, a minute ago, the grave one.
    for i in range(ALERTS_PER_PAGE + 5):
        alert = alert_raise(
            actor=provider,
            organization=organization,
            alert_type="school_absence",
            severity="moderate",
            case=case,
        )
        Alert.objects.filter(pk=alert.pk).update(
            status=AlertStatus.ACKNOWLEDGED, created=timezone.now() - timedelta(hours=i + 1)
        )
    grave = alert_raise(
        actor=provider,
        organization=organization,
        alert_type="physical_abuse",
        severity="very_high",
        case=case,
    )
    Notification.objects.filter(user=caseworker).exclude(text__contains="Physical").update(
        read_at=timezone.now()
    )
    unread = Notification.objects.filter(user=caseworker, read_at__isnull=True).count()
    page, blocked = sign_in(browser, live_server, caseworker, "/casos/")
    # The navigation says how much is new, to the eye and to a screen reader.
    count = page.locator("a[data-nav='inbox'] .nav-count")
    assert count.locator("[aria-hidden='true']").inner_text() == str(unread + 1)
    assert str(unread + 1) in count.locator(".visually-hidden").inner_text()
    page.click("a[data-nav='inbox']")
    page.wait_for_selector("#alert-table")
    first = page.locator("#alert-table tbody tr").first
    assert first.get_attribute("data-alert") == str(grave.pk)
    assert first.get_attribute("data-severity") == "very_high"
    assert page.locator("#alert-table tbody tr").count() == ALERTS_PER_PAGE
    screenshot(page, "inbox.png")
    assert_accessible(page)
    # The next page, then a filter by type that leaves only the grave one.
    page.click("nav.pager a[rel='next']")
    page.wait_for_selector("#alert-table")
    assert page.locator(f"tr[data-alert='{grave.pk}']").count() == 0
    page.select_option("#id_alert_type", "physical_abuse")
    page.click("#alert-filter button[type='submit']")
    page.wait_for_selector("#alert-table")
    assert page.locator("#alert-table tbody tr").count() == 1
    # Seen from the inbox: the count goes down and the filter stays.
    page.click(f"tr[data-alert='{grave.pk}'] button.alert-ack")
    page.wait_for_selector("#alert-filter")
    assert "alert_type=physical_abuse" in page.url
    assert page.locator(f"tr[data-alert='{grave.pk}']").get_attribute("data-status") == (
        AlertStatus.ACKNOWLEDGED
    )
    assert not blocked


def test_the_coordinator_opens_an_overdue_row_and_reminds_the_provider_once(
    live_server, browser, world
):
    caseworker, case = world["caseworker"], world["case"]
    referral = referral_create_and_send(
        actor=caseworker,
        case=case,
        service=world["eligible"].service,
        service_at_site=world["eligible"],
    )
    Referral.objects.filter(pk=referral.pk).update(response_due=timezone.now() - timedelta(days=3))
    coordinator = user_with_role(Role.COORDINATOR, username="coordinadora-bandeja")
    page, blocked = sign_in(browser, live_server, coordinator, "/coordinacion/")
    row = page.locator(f"tr.overdue-row[data-code='{case.code}']")
    row.locator("a.follow-up-link").click()
    page.wait_for_selector("#referral-facts")
    assert page.locator("#days-overdue").inner_text() == "3"
    assert_accessible(page)
    page.click("#remind-form button")
    page.wait_for_selector("#referral-facts")
    assert page.locator("#remind-form button").is_disabled()
    assert page.locator("#reminders li.reminder").count() == 1
    # The provider was told twice about this referral: when it was sent, and now.
    links = Notification.objects.filter(user=world["provider"]).values_list("link", flat=True)
    assert list(links).count(f"/prestador/derivaciones/{referral.pk}/") == 2
    # Back on the list, the row says it was done rather than offering it again.
    page.goto(f"{live_server.url}/coordinacion/")
    row = page.locator(f"tr.overdue-row[data-code='{case.code}']")
    assert row.locator(".reminded").count() == 1
    assert row.locator("button.remind-provider").count() == 0
    assert not blocked


def test_an_empty_new_case_names_every_missing_field(live_server, browser, world):
    page, blocked = sign_in(browser, live_server, world["caseworker"], "/casos/nuevo/")
    for name in ("sex", "risk_level", "access_route"):
        assert page.locator(f"#id_{name}").input_value() == "", name
    before = Case.objects.count()
    page.click("#case-form button[type='submit']")
    page.wait_for_selector("#missing-fields")
    missing = page.locator("#missing-fields li").all_inner_texts()
    assert len(missing) == 6, missing
    assert Case.objects.count() == before
    assert page.locator("#id_risk_level").input_value() == ""
    assert not blocked
