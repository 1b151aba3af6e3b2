"""The coordinator's follow-up: each row opens a page of its own and offers reminders.

A reminder notifies the right people, opens where they act, is audited, and is not sent
twice of a kind within a day, not even by two coordinators clicking at the same moment.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditAction, AuditEntry, AuditRecordType
from cases.services import alert_raise
from matching.models import Referral, ReferralStatus
from matching.services import referral_transition
from matching.services.follow_up import ASK_REDIRECT, ASK_REVIEW, REMIND_PROVIDER
from matching.tests.conftest import _as
from notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def overdue(sent):
    Referral.objects.filter(pk=sent.pk).update(response_due=timezone.now() - timedelta(days=4))
    sent.refresh_from_db()
    return sent


def _reminders(detail: str) -> int:
    return AuditEntry.objects.filter(action=AuditAction.SEND, detail=detail).count()


def test_the_referral_page_shows_codes_and_figures_but_not_the_case_file(
    client, coordinator, overdue
):
    response = _as(client, coordinator).get(
        reverse("matching:referral_follow_up", args=[overdue.pk])
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert overdue.case.code in page and overdue.service.name in page
    assert 'id="days-overdue">4<' in page
    assert "Prefiere horario de tarde." not in page  # the note shared with the provider
    assert f'href="/casos/{overdue.case_id}/"' not in page
    assert 'id="remind-form"' in page and 'id="redirect-form"' in page
    assert AuditEntry.objects.filter(
        action=AuditAction.READ, record_type=AuditRecordType.REFERRAL, case_id=overdue.case_id
    ).exists()


def test_reminding_the_provider_notifies_its_staff_with_a_link_to_the_answer_once_a_day(
    client, coordinator, provider, overdue
):
    url = reverse("matching:referral_remind", args=[overdue.pk])
    client = _as(client, coordinator)
    before = Notification.objects.filter(user=provider).count()
    response = client.post(url, {"next": "list"})
    assert response.status_code == 302
    assert response["Location"] == reverse("matching:coordination") + "#overdue"
    told = Notification.objects.filter(user=provider).order_by("-created").first()
    assert Notification.objects.filter(user=provider).count() == before + 1
    assert told.link == reverse("matching:provider_referral", args=[overdue.pk])
    assert overdue.case.code in told.text
    entry = AuditEntry.objects.get(action=AuditAction.SEND, detail=REMIND_PROVIDER)
    assert entry.user == coordinator and entry.case_id == overdue.case_id
    # Again within the day: refused with a 429 that says when it was sent.
    again = client.post(url)
    assert again.status_code == 429
    assert coordinator.username in again.content.decode()
    assert Notification.objects.filter(user=provider).count() == before + 1
    assert _reminders(REMIND_PROVIDER) == 1
    # The list shows it was done, instead of the button.
    listed = client.get(reverse("matching:coordination")).content.decode()
    assert 'class="meta reminded"' in listed
    # Once the interval has passed it may go again (the log is append-only, so the
    # interval shrinks instead of the entry ageing).
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("matching.services.follow_up.REMINDER_INTERVAL", timedelta(0))
        assert client.post(url).status_code == 302
    assert _reminders(REMIND_PROVIDER) == 2


def test_asking_the_team_to_redirect_notifies_the_caseworkers_at_the_referral(
    client, coordinator, caseworker, overdue
):
    response = _as(client, coordinator).post(
        reverse("matching:referral_redirect", args=[overdue.pk])
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("matching:referral_follow_up", args=[overdue.pk])
    told = Notification.objects.filter(user=caseworker, link__contains="#referral-").get()
    assert told.link == f"/casos/{overdue.case_id}/#referral-{overdue.pk}"
    assert "4" in told.text and overdue.case.code in told.text
    assert _reminders(ASK_REDIRECT) == 1
    # The caseworker, following it, lands on the referral with its withdraw form.
    page = _as(Client(), caseworker).get(told.link.split("#")[0]).content.decode()
    assert f'id="referral-{overdue.pk}"' in page and "withdraw-form" in page


def test_an_answered_referral_is_not_reminded_and_the_page_says_why(
    client, coordinator, provider, overdue
):
    referral_transition(actor=provider, referral=overdue, to_status=ReferralStatus.ACCEPTED)
    before = Notification.objects.count()
    for name in ("matching:referral_remind", "matching:referral_redirect"):
        response = _as(client, coordinator).post(reverse(name, args=[overdue.pk]))
        assert response.status_code == 409
        assert 'id="answered"' in response.content.decode()
    assert Notification.objects.count() == before


def test_a_provider_with_no_staff_is_named_rather_than_reminded_in_vain(
    client, coordinator, provider, overdue
):
    provider.is_active = False
    provider.save()
    response = _as(client, coordinator).post(reverse("matching:referral_remind", args=[overdue.pk]))
    assert response.status_code == 400
    assert overdue.service.organization.name in response.content.decode()
    assert _reminders(REMIND_PROVIDER) == 0


def test_a_case_with_several_alerts_opens_its_page_and_the_team_is_asked_to_review(
    client, coordinator, caseworker, provider, provider_org, case
):
    for alert_type in ("neglect", "school_absence"):
        alert_raise(
            actor=provider,
            organization=provider_org,
            alert_type=alert_type,
            severity="high",
            case=case,
        )
    client = _as(client, coordinator)
    page = client.get(reverse("matching:case_follow_up", args=[case.pk]))
    assert page.status_code == 200
    assert 'id="open-alerts">2<' in page.content.decode()
    assert "neglect" not in page.content.decode()  # the types are the case file's
    response = client.post(reverse("matching:case_review", args=[case.pk]), {"next": "list"})
    assert response["Location"] == reverse("matching:coordination") + "#multiple-alerts"
    told = Notification.objects.get(user=caseworker, link=f"/casos/{case.pk}/#alerts")
    assert "2" in told.text
    assert client.post(reverse("matching:case_review", args=[case.pk])).status_code == 429
    assert _reminders(ASK_REVIEW) == 1


def test_other_roles_are_refused_and_unknown_records_are_404(
    client, caseworker, provider, planner, coordinator, overdue, case
):
    urls = [
        ("get", reverse("matching:referral_follow_up", args=[overdue.pk])),
        ("post", reverse("matching:referral_remind", args=[overdue.pk])),
        ("post", reverse("matching:referral_redirect", args=[overdue.pk])),
        ("get", reverse("matching:case_follow_up", args=[case.pk])),
        ("post", reverse("matching:case_review", args=[case.pk])),
    ]
    for user in (caseworker, provider, planner):
        for method, url in urls:
            assert getattr(_as(Client(), user), method)(url).status_code == 403, (user, url)
    assert Notification.objects.filter(text__contains="coordina").count() == 0
    missing = "00000000-0000-0000-0000-000000000000"
    coord = _as(client, coordinator)
    assert coord.get(f"/coordinacion/derivaciones/{missing}/").status_code == 404
    assert coord.post(f"/coordinacion/casos/{missing}/revisar/").status_code == 404
