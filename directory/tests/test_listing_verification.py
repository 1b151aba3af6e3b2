"""Providers verify their own listings: the request by mail with a one-time link, the
answer through it, the coordinator's review queue, reminders and escalation."""

from __future__ import annotations

import hashlib
import re
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry, AuditRecordType
from directory.models import ListingUpdate, ListingUpdateStatus, Service, VerificationRequest
from directory.selectors.verification import (
    organization_list_verification_due,
    service_verified_since,
    verification_schedule_get,
)
from directory.tasks import verification_requests_follow_up_task, verification_requests_send_task
from directory.verification import (
    VerificationLinkUnusable,
    listing_update_accept,
    listing_update_refuse,
    verification_answer_by_link,
    verification_answer_signed_in,
    verification_request_issue,
)
from notifications.models import Notification
from tests.factories import ServiceAtSiteFactory, signed_in

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://\S+/verificar/([A-Za-z0-9_\-]+)/")
ADDRESS = "contacto@fundacion-crecer.example.org"


@pytest.fixture
def listing(provider_org):
    provider_org.email = ADDRESS
    provider_org.save()
    return ServiceAtSiteFactory(
        service__organization=provider_org,
        service__name="Terapia Familiar",
        service__verified_on=date.today() - timedelta(days=400),
        schedule_description="Lunes a viernes 9-13",
    )


def _client() -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _url(token: str) -> str:
    return reverse("verification:link", kwargs={"token": token})


def _form_data(sas, respondent="Directora", **changes):
    values = {
        "schedule_description": sas.schedule_description,
        "capacity": sas.capacity,
        "declared_capacity_status": sas.declared_capacity_status,
        "declared_wait_days": "",
        "email": sas.service.email,
        "min_age": "",
        "max_age": "",
        "address_1": sas.site.address_1,
        "city": sas.site.city,
        **changes,
    }
    data = {f"{sas.pk}-{k}": ("" if v is None else v) for k, v in values.items()}
    data["respondent"] = respondent
    return data


@pytest.fixture
def mailed(listing, mailbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sent = verification_requests_send_task.delay().get()
    assert sent == 1
    (message,) = mailbox.to(ADDRESS)
    token = LINK.search(mailbox.text(message)).group(1)
    return token, message


def test_the_daily_job_mails_a_one_time_link_whose_token_is_kept_hashed(mailed, mailbox, listing):
    token, message = mailed
    request = VerificationRequest.objects.get(organization=listing.service.organization)
    assert request.token_digest == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(VerificationRequest.objects.filter(pk=request.pk).values().get())
    assert listing.service.organization.name in str(message["Subject"])
    # No second request while one is open.
    assert verification_requests_send_task.delay().get() == 0


def test_a_service_with_capacity_is_asked_sooner_than_yearly(provider_org):
    provider_org.email = ADDRESS
    provider_org.save()
    schedule = verification_schedule_get()
    recent = date.today() - timedelta(days=schedule.interval_with_capacity_days + 5)
    sas = ServiceAtSiteFactory(service__organization=provider_org, service__verified_on=recent)
    assert list(organization_list_verification_due(today=date.today())) == [provider_org]
    sas.capacity = 0
    sas.save()
    assert list(organization_list_verification_due(today=date.today())) == []


def test_the_provider_confirms_through_the_link_and_the_listing_is_verified_at_once(
    mailed, listing
):
    token, _message = mailed
    url = reverse("verification:link", kwargs={"token": token})
    page = _client().get(url)
    assert page.status_code == 200 and "Terapia Familiar" in page.content.decode()
    assert page["Cache-Control"] == "no-store"
    response = _client().post(url, _form_data(listing))
    assert response.status_code == 200
    service = Service.objects.get(pk=listing.service_id)
    assert service.verified_on == date.today()
    assert "Directora" in service.verified_by_label
    assert service_verified_since(service=service).days == 0
    assert not ListingUpdate.objects.filter(status=ListingUpdateStatus.PENDING).exists()
    # Nothing in the audit log carries the token.
    assert not AuditEntry.objects.filter(path__contains=token).exists()


def test_a_correction_waits_for_the_coordinator_who_accepts_it(mailed, listing, coordinator):
    token, _message = mailed
    url = reverse("verification:link", kwargs={"token": token})
    _client().post(url, _form_data(listing, schedule_description="Martes 15-19", capacity=4))
    listing.refresh_from_db()
    assert listing.schedule_description == "Lunes a viernes 9-13"  # not published yet
    update = ListingUpdate.objects.get(status=ListingUpdateStatus.PENDING)
    assert set(update.changed_fields) == {"schedule_description", "capacity"}

    client = signed_in(coordinator)
    queue = client.get(reverse("verification:review_queue"))
    assert queue.status_code == 200 and "Terapia Familiar" in queue.content.decode()
    review = reverse("verification:review_update", kwargs={"update_id": update.pk})
    assert client.get(review).status_code == 200
    assert client.post(review, {"action": "accept"}).status_code == 302
    listing.refresh_from_db()
    assert (listing.schedule_description, listing.capacity) == ("Martes 15-19", 4)
    assert listing.history.first().history_user == coordinator
    update.refresh_from_db()
    assert update.status == ListingUpdateStatus.ACCEPTED
    assert update.history.count() >= 2
    assert Service.objects.get(pk=listing.service_id).verified_on == date.today()
    assert AuditEntry.objects.filter(
        record_type=AuditRecordType.LISTING_VERIFICATION, user=coordinator, detail="accepted"
    ).exists()
    # A second review of the same update loses the race with a 409.
    assert client.post(review, {"action": "accept"}).status_code == 409


def test_the_coordinator_edits_before_accepting(mailed, listing, coordinator):
    token, _message = mailed
    verification_answer_by_link(
        token=token,
        respondent="Encargada",
        answers={listing.pk: {"schedule_description": "Martes 15-19"}},
    )
    update = ListingUpdate.objects.get(status=ListingUpdateStatus.PENDING)
    listing_update_accept(
        actor=coordinator, update=update, edited={"schedule_description": "Martes 15-18"}
    )
    listing.refresh_from_db()
    assert listing.schedule_description == "Martes 15-18"


def test_a_refusal_needs_a_note_and_mails_it_to_the_contact(
    mailed, listing, coordinator, mailbox, django_capture_on_commit_callbacks
):
    token, _message = mailed
    verification_answer_by_link(
        token=token, respondent="Encargada", answers={listing.pk: {"city": "Otra Ciudad"}}
    )
    update = ListingUpdate.objects.get(status=ListingUpdateStatus.PENDING)
    client = signed_in(coordinator)
    review = reverse("verification:review_update", kwargs={"update_id": update.pk})
    blank = client.post(review, {"action": "refuse", "note": "  "})
    assert blank.status_code == 400 and "note" in blank.context["refuse_form"].errors
    with pytest.raises(ValidationError) as error:
        listing_update_refuse(actor=coordinator, update=update, note="")
    assert "note" in error.value.message_dict
    with django_capture_on_commit_callbacks(execute=True):
        listing_update_refuse(actor=coordinator, update=update, note="La sede sigue en Río Claro.")
    listing.refresh_from_db()
    assert listing.site.city == "Río Claro"
    assert any("sigue en Río Claro" in mailbox.text(m) for m in mailbox.to(ADDRESS))


def test_a_used_link_is_refused(mailed, listing):
    token, _message = mailed
    url = reverse("verification:link", kwargs={"token": token})
    _client().post(url, _form_data(listing))
    again = _client().get(url)
    assert again.status_code == 410
    assert again.context["reason"] == "used"
    with pytest.raises(VerificationLinkUnusable):
        verification_answer_by_link(token=token, respondent="x", answers={listing.pk: {}})


def test_an_expired_link_is_refused(mailed, listing):
    token, _message = mailed
    VerificationRequest.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    response = _client().get(reverse("verification:link", kwargs={"token": token}))
    assert response.status_code == 410 and response.context["reason"] == "expired"


def test_an_unknown_token_is_refused_and_audited(db):
    response = _client().get(reverse("verification:link", kwargs={"token": "no-such-token"}))
    assert response.status_code == 404
    assert AuditEntry.objects.filter(
        record_type=AuditRecordType.LISTING_VERIFICATION, path="/verificar/…/"
    ).exists()


def test_a_link_cannot_answer_for_another_organizations_listing(mailed, other_org):
    token, _message = mailed
    foreign = ServiceAtSiteFactory(service__organization=other_org)
    with pytest.raises(PermissionDenied):
        verification_answer_by_link(
            token=token, respondent="x", answers={foreign.pk: {"schedule_description": "Nunca"}}
        )
    foreign.refresh_from_db()
    assert foreign.schedule_description == ""
    # The refused answer did not spend the link.
    assert VerificationRequest.objects.get().answered_at is None


def test_a_bad_value_names_the_field_instead_of_failing(mailed, listing):
    token, _message = mailed
    url = reverse("verification:link", kwargs={"token": token})
    response = _client().post(url, _form_data(listing, capacity="-3", min_age=10, max_age=5))
    assert response.status_code == 400
    (_row, form) = response.context["forms"][0]
    assert "capacity" in form.errors and "max_age" in form.errors


def test_a_provider_cannot_review(mailed, listing, provider):
    token, _message = mailed
    verification_answer_by_link(token=token, respondent="x", answers={listing.pk: {"capacity": 1}})
    update = ListingUpdate.objects.get(status=ListingUpdateStatus.PENDING)
    client = signed_in(provider)
    assert client.get(reverse("verification:review_queue")).status_code == 403
    review = reverse("verification:review_update", kwargs={"update_id": update.pk})
    assert client.post(review, {"action": "accept"}).status_code == 403
    with pytest.raises(PermissionDenied):
        listing_update_accept(actor=provider, update=update)
    update.refresh_from_db()
    assert update.status == ListingUpdateStatus.PENDING


def test_signed_in_provider_staff_verify_their_own_listings_at_once(listing, provider):
    client = signed_in(provider)
    organization = listing.service.organization
    assert client.get(reverse("verification:mine")).status_code == 302
    url = reverse("verification:signed_in", kwargs={"organization_id": organization.pk})
    data = _form_data(listing, schedule_description="Sábados 10-13")
    del data["respondent"]
    assert client.post(url, data).status_code == 302
    listing.refresh_from_db()
    assert listing.schedule_description == "Sábados 10-13"
    service = Service.objects.get(pk=listing.service_id)
    assert service.verified_on == date.today() and service.verified_by == provider


def test_provider_staff_cannot_verify_another_organization(listing, provider, other_org):
    foreign = ServiceAtSiteFactory(service__organization=other_org)
    client = signed_in(provider)
    url = reverse("verification:signed_in", kwargs={"organization_id": other_org.pk})
    assert client.get(url).status_code == 404
    with pytest.raises(PermissionDenied):
        verification_answer_signed_in(
            actor=provider, organization=other_org, answers={foreign.pk: {}}
        )
    # Nor slip another organization's listing into its own answer.
    with pytest.raises(PermissionDenied):
        verification_answer_signed_in(
            actor=provider, organization=listing.service.organization, answers={foreign.pk: {}}
        )


def test_unanswered_requests_are_reminded_with_a_fresh_link_then_escalated(
    mailed, listing, coordinator, mailbox, django_capture_on_commit_callbacks
):
    old_token, _message = mailed
    schedule = verification_schedule_get()
    request = VerificationRequest.objects.get()
    later = timezone.now() + timedelta(days=schedule.remind_after_days, minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert verification_requests_follow_up_task.delay().get() == [0, 0]
        VerificationRequest.objects.update(created=request.created - (later - timezone.now()))
        assert verification_requests_follow_up_task.delay().get() == [1, 0]
    reminder = mailbox.to(ADDRESS)[-1]
    new_token = LINK.search(mailbox.text(reminder)).group(1)
    assert new_token != old_token
    assert _client().get(_url(old_token)).status_code == 404
    assert _client().get(_url(new_token)).status_code == 200
    VerificationRequest.objects.update(
        created=timezone.now() - timedelta(days=schedule.escalate_after_days + 1)
    )
    assert verification_requests_follow_up_task.delay().get() == [0, 1]
    assert Notification.objects.filter(user=coordinator).exists()
    assert verification_requests_follow_up_task.delay().get() == [0, 0]


def test_two_answers_with_the_same_link_end_with_one_success(mailed, listing):
    token, _message = mailed
    verification_answer_by_link(token=token, respondent="a", answers={listing.pk: {}})
    with pytest.raises(VerificationLinkUnusable):
        verification_answer_by_link(token=token, respondent="b", answers={listing.pk: {}})
    assert VerificationRequest.objects.get().respondent == "a"


def test_reissuing_renews_the_open_request_instead_of_duplicating(listing):
    first = verification_request_issue(organization=listing.service.organization)
    second = verification_request_issue(organization=listing.service.organization)
    assert first.request.pk == second.request.pk and first.token != second.token
    assert VerificationRequest.objects.count() == 1
