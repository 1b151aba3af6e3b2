"""Every read and write of cases, referrals and alerts leaves an audit entry, pages and API."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Role
from audit.models import AuditAction, AuditEntry, AuditRecordType
from cases.models import ConsentScope
from cases.services import alert_raise, consent_record
from matching.models import Referral, ReferralStatus
from matching.services import referral_create, referral_send
from matching.views.common import OVERRIDE_REASON_CHARS
from tests.factories import ServiceAtSiteFactory, case_of, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def offer(provider_org, term):
    sas = ServiceAtSiteFactory(service__organization=provider_org)
    sas.service.categories.add(term)
    return sas


@pytest.fixture
def sent(caseworker, case, need, offer):
    consent_record(actor=caseworker, case=case, given_by="madre", scopes=[ConsentScope.REFERRAL])
    referral = referral_create(
        actor=caseworker, case=case, service=offer.service, service_at_site=offer, need=need
    )
    return referral_send(actor=caseworker, referral=referral)


@pytest.fixture
def stranger(other_org):
    return user_with_role(Role.CASEWORKER, organization=other_org, username="otro-gestor")


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def entries(**filters):
    return list(AuditEntry.objects.filter(**filters).order_by("at", "id"))


# --- pages ---------------------------------------------------------------------------------


def test_reading_the_case_page_records_who_what_when_and_from_where(client, caseworker, case):
    client.force_login(caseworker)
    response = client.get(
        reverse("matching:case_detail", args=[case.pk]) + "?x=1", REMOTE_ADDR="192.0.2.9"
    )
    assert response.status_code == 200
    [entry] = entries(case_id=case.pk)
    assert (entry.user, entry.action, entry.record_type, entry.record_id) == (
        caseworker,
        AuditAction.READ,
        AuditRecordType.CASE,
        str(case.pk),
    )
    assert (entry.case_code, entry.ip, entry.path) == (case.code, "192.0.2.9", f"/casos/{case.pk}/")


def test_the_case_list_records_one_entry_with_its_row_count(client, caseworker, territory):
    for _ in range(3):
        case_of(caseworker)
    client.force_login(caseworker)
    client.get(reverse("matching:case_list"))
    [entry] = entries(action=AuditAction.LIST)
    assert entry.record_type == AuditRecordType.CASE and entry.detail == "rows=3 page=1"
    assert entry.case_id is None


def test_another_team_gets_a_404_the_log_a_refusal_and_the_owner_sees_it(
    client, caseworker, stranger, case
):
    client.force_login(stranger)
    assert client.get(reverse("matching:case_detail", args=[case.pk])).status_code == 404
    [refusal] = entries(action=AuditAction.REFUSED)
    assert (refusal.user, refusal.case_id, refusal.case_code) == (stranger, case.pk, case.code)
    # An id that exists nowhere is recorded too, tied to no case.
    missing = uuid.uuid4()
    client.get(reverse("matching:case_detail", args=[missing]))
    assert AuditEntry.objects.get(record_id=str(missing)).case_id is None

    client.force_login(caseworker)
    response = client.get(reverse("matching:case_detail", args=[case.pk]))
    accesses = response.context["accesses"]
    assert [a.action for a in accesses] == [AuditAction.READ, AuditAction.REFUSED]
    content = response.content.decode()
    assert 'id="access-table"' in content and "otro-gestor" in content


def test_consents_needs_and_alert_answers_are_recorded_only_when_they_succeed(
    client, caseworker, provider, provider_org, case, term
):
    client.force_login(caseworker)
    consent_url = reverse("matching:consent_add", args=[case.pk])
    assert client.post(consent_url, {"given_by": ""}).status_code == 400
    assert not entries(action=AuditAction.CREATE)
    assert (
        client.post(consent_url, {"given_by": "abuela", "scopes": ["referral"]}).status_code == 302
    )
    client.post(reverse("matching:need_add", args=[case.pk]), {"term": str(term.pk)})
    alert = alert_raise(
        actor=provider, organization=provider_org, alert_type="neglect", severity="high", case=case
    )
    client.post(reverse("matching:alert_answer", args=[alert.pk]), {"action": "close"})
    written = [
        (e.action, e.record_type, e.case_id) for e in entries(action__in=["create", "update"])
    ]
    assert written == [
        (AuditAction.CREATE, AuditRecordType.CONSENT, case.pk),
        (AuditAction.CREATE, AuditRecordType.NEED, case.pk),
        (AuditAction.UPDATE, AuditRecordType.ALERT, case.pk),
    ]


def test_a_referral_sent_without_consent_records_the_override_and_its_reason_cut_short(
    client, caseworker, case, need, offer
):
    reason = "Riesgo inminente; la familia no responde. " * 20
    client.force_login(caseworker)
    url = reverse("matching:case_options", args=[case.pk]) + f"?need={need.pk}"
    response = client.post(
        url, {"service_at_site": str(offer.pk), "consent_override_reason": reason}
    )
    assert response.status_code == 302
    referral = Referral.objects.get(case=case)
    send, override = entries(record_type=AuditRecordType.REFERRAL)
    assert (send.action, send.record_id, send.detail) == (
        AuditAction.SEND,
        str(referral.pk),
        "without consent",
    )
    assert override.action == AuditAction.CONSENT_OVERRIDE and override.case_id == case.pk
    assert override.detail == reason.strip()[:OVERRIDE_REASON_CHARS]


def test_a_referral_with_consent_records_no_override(client, caseworker, case, need, offer):
    consent = consent_record(
        actor=caseworker, case=case, given_by="madre", scopes=[ConsentScope.REFERRAL]
    )
    client.force_login(caseworker)
    url = reverse("matching:case_options", args=[case.pk]) + f"?need={need.pk}"
    assert client.post(url, {"service_at_site": str(offer.pk)}).status_code == 302
    [send] = entries(record_type=AuditRecordType.REFERRAL)
    assert send.action == AuditAction.SEND and send.detail == f"consent={consent.pk}"


def test_sending_without_consent_or_reason_is_refused_on_the_reason_field(
    client, caseworker, case, need, offer
):
    client.force_login(caseworker)
    url = reverse("matching:case_options", args=[case.pk]) + f"?need={need.pk}"
    response = client.post(
        url, {"service_at_site": str(offer.pk), "consent_override_reason": "   "}
    )
    assert response.status_code == 400
    [(_rank, form)] = [
        (row["rank"], row["form"]) for row in response.context["rows"] if row["form"].is_bound
    ]
    assert form.errors["consent_override_reason"]  # the field, not the whole form
    assert not Referral.objects.exists()
    assert not entries(record_type=AuditRecordType.REFERRAL)


def test_the_provider_packet_and_inbox_are_recorded_and_another_provider_refused(
    client, provider, sent, case, other_org
):
    client.force_login(provider)
    client.get(reverse("matching:provider_inbox"))
    client.get(reverse("matching:provider_referral", args=[sent.pk]))
    listed, read = entries(user=provider)
    assert (listed.action, listed.record_type, listed.detail) == (
        "list",
        "referral",
        "rows=1 page=1",
    )
    assert (read.action, read.record_id, read.case_id) == ("read", str(sent.pk), case.pk)

    other = user_with_role(Role.PROVIDER, organization=other_org)
    client.force_login(other)
    assert client.get(reverse("matching:provider_referral", args=[sent.pk])).status_code == 404
    [refusal] = entries(user=other)
    assert (refusal.action, refusal.case_id) == (AuditAction.REFUSED, case.pk)


def test_withdrawing_a_referral_is_recorded(client, caseworker, sent):
    client.force_login(caseworker)
    client.post(reverse("matching:referral_withdraw", args=[sent.pk]), {"note": ""})
    [moved] = entries(action=AuditAction.TRANSITION)
    assert moved.record_id == str(sent.pk) and moved.detail == "to=withdrawn"


def test_raising_an_alert_and_reading_the_inbox_are_recorded(
    client, caseworker, provider, provider_org, case
):
    client.force_login(provider)
    response = client.post(
        reverse("matching:alert_raise"),
        {
            "organization": str(provider_org.pk),
            "alert_type": "neglect",
            "severity": "high",
            "note": "Llega sin almorzar.",
            "case_code": case.code,
        },
    )
    assert response.status_code == 302
    [raised] = entries(action=AuditAction.CREATE)
    assert (raised.user, raised.record_type, raised.case_id) == (provider, "alert", case.pk)
    assert "almorzar" not in raised.detail
    client.force_login(caseworker)
    client.get(reverse("matching:inbox"))
    [listed] = entries(action=AuditAction.LIST)
    assert listed.record_type == AuditRecordType.ALERT and listed.detail == "rows=1 page=1"


def test_the_waitlists_page_of_a_case_is_a_recorded_read(client, caseworker, stranger, case):
    client.force_login(caseworker)
    assert client.get(reverse("waitlists:case_waitlists", args=[case.pk])).status_code == 200
    [read] = entries(action=AuditAction.READ)
    assert (read.record_type, read.case_id) == (AuditRecordType.WAITLIST, case.pk)
    client.force_login(stranger)
    assert client.get(reverse("waitlists:case_waitlists", args=[case.pk])).status_code == 404
    assert entries(action=AuditAction.REFUSED, case_id=case.pk)


# --- API -------------------------------------------------------------------------------------


def test_the_api_records_reads_lists_writes_and_refusals(caseworker, stranger, case):
    api = api_for(caseworker)
    assert api.get("/api/cases/").status_code == 200
    assert api.get(f"/api/cases/{case.pk}/").status_code == 200
    assert (
        api.patch(f"/api/cases/{case.pk}/", {"risk_level": "low"}, format="json").status_code == 200
    )
    assert api_for(stranger).get(f"/api/cases/{case.pk}/").status_code == 404
    got = [(e.username, e.action, e.case_id) for e in entries()]
    assert got == [
        (caseworker.username, "list", None),
        (caseworker.username, "read", case.pk),
        (caseworker.username, "update", case.pk),
        (stranger.username, "refused", case.pk),
    ]
    assert entries(action="read")[0].path == f"/api/cases/{case.pk}/"


def test_the_api_refuses_a_send_without_consent_or_reason_naming_the_field(
    caseworker, case, need, offer
):
    api = api_for(caseworker)
    payload = {"case_id": str(case.pk), "service_at_site_id": str(offer.pk)}
    refused = api.post("/api/referrals/", payload, format="json")
    assert refused.status_code == 400
    assert refused.json()["consent_override_reason"][0]
    assert not Referral.objects.exists()

    draft = api.post("/api/referrals/", {**payload, "send": False}, format="json").json()
    move = api.post(
        f"/api/referrals/{draft['id']}/transition/", {"to_status": "sent"}, format="json"
    )
    assert move.status_code == 400 and "consent_override_reason" in move.json()
    assert Referral.objects.get().status == ReferralStatus.DRAFT

    too_long = api.post(
        f"/api/referrals/{draft['id']}/transition/",
        {"to_status": "sent", "consent_override_reason": "x" * 2001},
        format="json",
    )
    assert too_long.status_code == 400 and "consent_override_reason" in too_long.json()


def test_the_api_send_with_an_override_is_recorded(caseworker, case, need, offer):
    api = api_for(caseworker)
    response = api.post(
        "/api/referrals/",
        {
            "case_id": str(case.pk),
            "service_at_site_id": str(offer.pk),
            "consent_override_reason": "Urgencia: madre hospitalizada.",
        },
        format="json",
    )
    assert response.status_code == 201
    actions = [e.action for e in entries(record_type=AuditRecordType.REFERRAL)]
    assert actions == [AuditAction.SEND, AuditAction.CONSENT_OVERRIDE]
    assert (
        entries(action=AuditAction.CONSENT_OVERRIDE)[0].detail == "Urgencia: madre hospitalizada."
    )


def test_the_api_packet_read_and_a_strangers_transition_are_recorded(provider, sent, other_org):
    assert api_for(provider).get(f"/api/provider/referrals/{sent.pk}/").status_code == 200
    other = user_with_role(Role.PROVIDER, organization=other_org)
    response = api_for(other).post(
        f"/api/referrals/{sent.pk}/transition/", {"to_status": "accepted"}, format="json"
    )
    assert response.status_code == 404
    assert [(e.username, e.action) for e in entries(record_type="referral")] == [
        (provider.username, "read"),
        (other.username, "refused"),
    ]
