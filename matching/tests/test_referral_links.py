"""Referrals to a service whose organization has no one on Puente: the letter, its link,
and the answers given through it, which close the loop as any provider's do."""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone, translation

from audit.models import AuditAction, AuditEntry
from cases.models import ConsentScope
from cases.services import consent_record
from matching.models import ReferralLink, ReferralLinkState, ReferralStatus
from matching.services import (
    referral_answer_by_link,
    referral_create,
    referral_link_email,
    referral_link_revoke,
    referral_send,
)
from notifications.models import Notification
from tests.factories import OrganizationFactory, ServiceAtSiteFactory, case_of

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://\S+/derivacion-externa/([A-Za-z0-9_\-]+)/")
ADDRESS = "admision@centro-comunitario.example.org"


@pytest.fixture
def outside_offer(term):
    """A service in the directory whose organization has nobody on Puente."""
    organization = OrganizationFactory(name="Centro Comunitario Las Lomas")
    sas = ServiceAtSiteFactory(
        service__organization=organization, service__name="Taller Parental", service__email=ADDRESS
    )
    sas.service.categories.add(term)
    return sas


@pytest.fixture
def silent_offer(term):
    """The same, with no email address in the directory."""
    organization = OrganizationFactory(name="Junta Vecinal Sin Correo")
    sas = ServiceAtSiteFactory(service__organization=organization, service__name="Club de Tareas")
    sas.service.categories.add(term)
    return sas


def _send(caseworker, case, need, offer, note="Prefiere horario de tarde."):
    referral = referral_create(
        actor=caseworker,
        case=case,
        service=offer.service,
        service_at_site=offer,
        need=need,
        shared_note=note,
    )
    return referral_send(actor=caseworker, referral=referral)


@pytest.fixture
def mailed(
    caseworker, case, need, consent, outside_offer, mailbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        referral = _send(caseworker, case, need, outside_offer)
    (message,) = mailbox.to(ADDRESS)
    token = LINK.search(mailbox.text(message)).group(1)
    return referral, token, message


def _client() -> Client:
    """A browser that asked for English (the tests read English text)."""
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _url(token: str) -> str:
    return reverse("matching:external_referral", kwargs={"token": token})


def test_sending_mails_the_services_address_a_letter_whose_link_opens_the_packet(
    mailed, mailbox, case
):
    referral, token, message = mailed
    body = mailbox.text(message)
    assert case.code in str(message["Subject"]) and case.code in body
    # A case code and a link: never the case's contents.
    assert "Prefiere horario" not in body
    link = ReferralLink.objects.get(referral=referral)
    assert link.token_digest == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(ReferralLink.objects.filter(pk=link.pk).values().get())
    assert link.sent_to == ADDRESS
    assert link.expires_at - link.created == timedelta(days=14)

    with translation.override("en"):
        response = _client().get(_url(token))
    assert response.status_code == 200
    page = response.content.decode()
    assert case.code in page and "Prefiere horario de tarde." in page
    assert referral.need.term.name in page
    # The packet only: neither the birth date nor the home.
    assert case.birth_date.isoformat() not in page
    assert response["Cache-Control"] == "no-store"
    link.refresh_from_db()
    assert link.first_viewed_at is not None
    assert link.state() == ReferralLinkState.VIEWED


@override_settings(REFERRAL_LINK_DAYS=3)
def test_the_link_lasts_the_days_the_setting_says(
    caseworker, case, need, consent, outside_offer, mailbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        referral = _send(caseworker, case, need, outside_offer)
    link = referral.links.get()
    assert link.expires_at - link.created == timedelta(days=3)


def test_a_service_with_staff_on_puente_gets_no_letter(
    caseworker, case, need, consent, offer, provider, mailbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        referral = _send(caseworker, case, need, offer)
    assert mailbox.messages == []
    assert not referral.links.exists()


def test_accept_place_and_complete_through_the_link_close_the_loop_for_the_case_team(
    mailed, caseworker
):
    referral, token, _message = mailed
    client = _client()
    response = client.post(_url(token), {"to_status": "accepted", "note": "Los llamamos."})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED and referral.responded_at is not None

    assert client.post(_url(token), {"to_status": "place"}).status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.IN_SERVICE

    response = client.post(_url(token), {"to_status": "completed", "feedback": "Asistió a todo."})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.COMPLETED
    assert referral.feedback == "Asistió a todo."
    assert referral.need.status == "met"
    # The same events and notifications as a signed-in provider's answers.
    moves = list(referral.events.values_list("to_status", "actor"))
    assert moves[-3:] == [("accepted", None), ("in_service", None), ("completed", None)]
    assert (
        Notification.objects.filter(user=caseworker, text__contains=referral.case.code).count() >= 2
    )
    details = list(
        AuditEntry.objects.filter(record_id=str(referral.pk), detail__startswith="link=")
        .order_by("at", "id")
        .values_list("action", "detail")
    )
    assert [a for a, _d in details].count(AuditAction.TRANSITION) == 3
    assert any(d.endswith("to=completed") for _a, d in details)
    # Every use is in the log, and no entry holds the token.
    assert not AuditEntry.objects.filter(path__contains=token).exists()
    assert not AuditEntry.objects.filter(detail__contains=token).exists()

    # Used up: the referral is closed, the link says so.
    with translation.override("en"):
        response = client.get(_url(token))
    assert response.status_code == 410
    assert "closed" in response.content.decode()
    link = referral.links.get()
    assert link.state() == ReferralLinkState.ANSWERED


def test_a_rejection_needs_its_reason_and_then_closes_the_referral(mailed):
    referral, token, _message = mailed
    client = _client()
    with translation.override("en"):
        response = client.post(_url(token), {"to_status": "rejected"})
    assert response.status_code == 400
    assert "Choose why the referral is rejected." in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT

    response = client.post(
        _url(token), {"to_status": "rejected", "rejection_reason": "no_capacity"}
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.REJECTED
    assert referral.rejection_reason == "no_capacity"
    assert AuditEntry.objects.filter(
        record_id=str(referral.pk), action=AuditAction.TRANSITION, detail__endswith="to=rejected"
    ).exists()


def test_a_second_answer_gets_a_clear_409(mailed):
    referral, token, _message = mailed
    assert _client().post(_url(token), {"to_status": "accepted"}).status_code == 302
    with translation.override("en"):
        response = _client().post(
            _url(token), {"to_status": "rejected", "rejection_reason": "no_capacity"}
        )
    assert response.status_code == 409
    assert "someone answered it first" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED


def test_a_wrong_token_finds_nothing_and_is_refused_in_the_log(mailed):
    _referral, token, _message = mailed
    with translation.override("en"):
        response = _client().get(_url(token[:-2] + "xx"))
    assert response.status_code == 404
    assert "not valid" in response.content.decode()
    assert AuditEntry.objects.filter(
        action=AuditAction.REFUSED, path="/derivacion-externa/…/"
    ).exists()


def test_an_expired_link_says_so_and_answers_nothing(mailed):
    referral, token, _message = mailed
    ReferralLink.objects.filter(referral=referral).update(expires_at=timezone.now())
    with translation.override("en"):
        response = _client().post(_url(token), {"to_status": "accepted"})
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT
    assert referral.links.get().state() == ReferralLinkState.EXPIRED


def test_a_revoked_link_stops_working_and_the_case_page_shows_it(mailed, caseworker):
    referral, token, _message = mailed
    client = _client()
    client.force_login(caseworker)
    response = client.post(reverse("matching:referral_link_revoke", args=[referral.pk]))
    assert response.status_code == 302
    with translation.override("en"):
        page = _client().get(_url(token))
        assert page.status_code == 410
        assert "withdrew this link" in page.content.decode()
        case_page = client.get(reverse("matching:case_detail", args=[referral.case_id]))
    assert 'data-state="revoked"' in case_page.content.decode()


def test_a_resend_mails_a_new_link_and_the_old_one_stops_working(
    mailed, caseworker, mailbox, django_capture_on_commit_callbacks
):
    referral, token, _message = mailed
    client = _client()
    client.force_login(caseworker)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("matching:referral_link_resend", args=[referral.pk]))
    assert response.status_code == 302
    _first, second = mailbox.to(ADDRESS)
    new = LINK.search(mailbox.text(second)).group(1)
    assert new != token
    assert _client().get(_url(token)).status_code == 410
    assert _client().get(_url(new)).status_code == 200
    assert referral.links.filter(revoked_at__isnull=True).count() == 1


def test_another_teams_caseworker_can_neither_revoke_nor_resend_nor_print(
    mailed, stranger_caseworker
):
    referral, token, _message = mailed
    client = _client()
    client.force_login(stranger_caseworker)
    for name in ("referral_link_revoke", "referral_link_resend", "referral_letter"):
        assert client.post(reverse(f"matching:{name}", args=[referral.pk])).status_code == 404
    assert _client().get(_url(token)).status_code == 200
    assert (
        AuditEntry.objects.filter(
            action=AuditAction.REFUSED, record_id=str(referral.pk), user=stranger_caseworker
        ).count()
        == 3
    )
    with pytest.raises(PermissionDenied):
        referral_link_email(actor=stranger_caseworker, referral=referral)


def test_the_link_of_one_referral_cannot_move_another(
    mailed, caseworker, outside_offer, term, mailbox, django_capture_on_commit_callbacks
):
    referral, _token, _message = mailed
    other_case = case_of(caseworker)
    consent_record(
        actor=caseworker, case=other_case, given_by="padre", scopes=[ConsentScope.REFERRAL]
    )
    with django_capture_on_commit_callbacks(execute=True):
        other = _send(caseworker, other_case, None, outside_offer)
    from matching.services import referral_transition

    with pytest.raises(PermissionDenied):
        referral_transition(
            actor=None, referral=other, to_status="accepted", link=referral.links.get()
        )
    other.refresh_from_db()
    assert other.status == ReferralStatus.SENT
    # And through the service for answers, the link's own referral is the one moved.
    referral_answer_by_link(link=referral.links.get(), to_status="accepted")
    other.refresh_from_db()
    referral.refresh_from_db()
    assert (referral.status, other.status) == (ReferralStatus.ACCEPTED, ReferralStatus.SENT)


def test_a_signed_in_provider_of_another_organization_gains_nothing_from_the_link_page(
    mailed, stranger_provider
):
    referral, _token, _message = mailed
    client = _client()
    client.force_login(stranger_provider)
    response = client.get(reverse("matching:provider_referral", args=[referral.pk]))
    assert response.status_code == 404


@override_settings(REFERRAL_LINK_RATE_LIMIT="3/minute")
def test_a_link_used_too_often_is_slowed_down(mailed):
    _referral, token, _message = mailed
    cache.clear()  # the counts of earlier tests in this minute
    client = _client()
    codes = [client.get(_url(token)).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


@override_settings(REFERRAL_LINK_IP_RATE_LIMIT="2/minute")
def test_one_address_guessing_tokens_is_slowed_down(db):
    cache.clear()  # the counts of earlier tests in this minute
    client = _client()
    codes = [client.get(_url(f"guess{n}")).status_code for n in range(3)]
    assert codes == [404, 404, 429]


def test_the_token_never_reaches_the_log(mailed, caplog):
    referral, token, _message = mailed
    caplog.set_level(logging.DEBUG)
    _client().get(_url(token + "x"))
    _client().post(_url(token), {"to_status": "accepted"})
    _client().post(_url(token), {"to_status": "accepted"})  # a 409
    ReferralLink.objects.filter(referral=referral).update(expires_at=timezone.now())
    _client().get(_url(token))  # a 410
    assert caplog.records
    assert all(token not in record.getMessage() for record in caplog.records)


def test_without_an_address_the_form_says_so_and_the_letter_is_printed_with_its_link_once(
    caseworker, case, need, consent, silent_offer, mailbox, django_capture_on_commit_callbacks
):
    client = _client()
    client.force_login(caseworker)
    options = reverse("matching:case_options", args=[case.pk])
    with translation.override("en"):
        page = client.get(f"{options}?need={need.pk}").content.decode()
    assert "has no one on Puente and the directory has no email address" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"{options}?need={need.pk}",
            {"service_at_site": str(silent_offer.pk), "shared_note": ""},
        )
    referral = case.referrals.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("matching:referral_letter", args=[referral.pk])
    assert mailbox.messages == []
    letter_url = reverse("matching:referral_letter", args=[referral.pk])
    with translation.override("en"):
        letter = client.get(letter_url).content.decode()
    assert case.code in letter and "no email address" in letter
    assert "/derivacion-externa/" not in letter
    printed = client.post(letter_url)
    assert printed["Cache-Control"] == "no-store"
    token = LINK.search(printed.content.decode()).group(1)
    assert printed.content.decode().count(token) == 1
    # Shown once: the page again shows no link, and a new letter replaces this one's.
    assert token not in client.get(letter_url).content.decode()
    assert _client().get(_url(token)).status_code == 200
    again = LINK.search(client.post(letter_url).content.decode()).group(1)
    assert _client().get(_url(token)).status_code == 410
    assert _client().get(_url(again)).status_code == 200
    assert ReferralLink.objects.get(referral=referral, revoked_at__isnull=True).channel == "print"


def test_the_case_page_shows_the_links_state_as_it_moves(mailed, caseworker):
    referral, token, _message = mailed
    client = _client()
    client.force_login(caseworker)
    case_url = reverse("matching:case_detail", args=[referral.case_id])

    def state() -> str:
        page = client.get(case_url).content.decode()
        return re.search(rf'id="link-state-{referral.pk}" data-state="(\w+)"', page).group(1)

    assert state() == "sent"
    _client().get(_url(token))
    assert state() == "viewed"
    _client().post(_url(token), {"to_status": "accepted"})
    assert state() == "answered"
    ReferralLink.objects.filter(referral=referral).update(expires_at=timezone.now())
    assert state() == "expired"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_answers_at_once_end_in_one_success_and_one_409(
    caseworker, case, need, consent, outside_offer, mailbox
):
    from tests.concurrency import at_once

    referral = _send(caseworker, case, need, outside_offer)
    (message,) = mailbox.to(ADDRESS)
    token = LINK.search(mailbox.text(message)).group(1)
    codes = at_once(lambda: _client().post(_url(token), {"to_status": "accepted"}).status_code)
    assert sorted(codes) == [302, 409]
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED
    assert referral.events.filter(to_status="accepted").count() == 1


def test_a_referrer_of_any_role_but_caseworker_is_refused_the_letter(mailed, provider):
    referral, _token, _message = mailed
    client = _client()
    client.force_login(provider)
    assert client.get(reverse("matching:referral_letter", args=[referral.pk])).status_code == 403


def test_an_answer_after_the_link_was_revoked_changes_nothing(mailed, caseworker):
    referral, token, _message = mailed
    holder = _client()
    assert holder.get(_url(token)).status_code == 200
    referral_link_revoke(actor=caseworker, referral=referral)
    response = holder.post(_url(token), {"to_status": "accepted"})
    assert response.status_code == 410
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT
    assert AuditEntry.objects.filter(
        action=AuditAction.REFUSED, record_id=str(referral.pk), detail__endswith="revoked"
    ).exists()


def test_the_api_tells_the_case_team_the_links_state_and_resends_or_revokes_it(
    mailed, caseworker, mailbox, django_capture_on_commit_callbacks
):
    from tests.factories import api_client_for

    referral, token, _message = mailed
    client = api_client_for(caseworker)
    url = f"/api/referrals/{referral.pk}/link/"
    answer = client.get(url).json()
    assert answer["outside"] is True and answer["state"] == "sent" and answer["sent_to"] == ADDRESS
    assert token not in str(answer)
    with django_capture_on_commit_callbacks(execute=True):
        resent = client.post(url, {"action": "resend"}, format="json")
    assert resent.status_code == 200 and token not in resent.content.decode()
    assert len(mailbox.to(ADDRESS)) == 2
    assert _client().get(_url(token)).status_code == 410
    revoked = client.post(url, {"action": "revoke"}, format="json").json()
    assert revoked["state"] == "revoked"
    assert client.post(url, {"action": "destroy"}, format="json").status_code == 400


def test_the_api_refuses_the_link_of_another_teams_referral(mailed, stranger_caseworker):
    from tests.factories import api_client_for

    referral, token, _message = mailed
    client = api_client_for(stranger_caseworker)
    url = f"/api/referrals/{referral.pk}/link/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "revoke"}, format="json").status_code == 404
    assert _client().get(_url(token)).status_code == 200


def test_the_api_says_clearly_when_there_is_no_address_to_mail(
    caseworker, case, need, consent, silent_offer
):
    from tests.factories import api_client_for

    referral = _send(caseworker, case, need, silent_offer)
    client = api_client_for(caseworker)
    response = client.post(
        f"/api/referrals/{referral.pk}/link/", {"action": "resend"}, format="json"
    )
    assert response.status_code == 400
    assert "email" in response.json()
    assert not referral.links.exists()
