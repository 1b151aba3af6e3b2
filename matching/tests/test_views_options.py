"""A case's referral options page over HTTP: the ranked options, and referring from it."""

from __future__ import annotations

import json
import uuid

import pytest
from django.urls import reverse

from cases.models import Case, CaseStatus
from matching.models import Referral, ReferralStatus
from matching.tests.conftest import _as
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_options_list_eligible_and_excluded_services_with_map_data(
    client, caseworker, case, need, consent, offer, excluded_offer
):
    response = _as(client, caseworker).get(
        reverse("matching:case_options", args=[case.pk]) + f"?need={need.pk}"
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert 'id="eligible-options"' in content and 'id="excluded-options"' in content
    eligible = content.index(f'id="option-{offer.pk}"')
    excluded = content.index(f'id="option-{excluded_offer.pk}"')
    assert eligible < content.index('id="excluded-options"') < excluded
    assert "option-excluded" in content[excluded - 200 : excluded]
    data = response.context["map_data"]
    assert data["home"] == {"lat": pytest.approx(-33.45), "lon": pytest.approx(-70.6)}
    by_id = {o["id"]: o for o in data["options"]}
    assert by_id[str(offer.pk)]["eligible"] is True
    assert by_id[str(offer.pk)]["reasons"]
    assert by_id[str(excluded_offer.pk)]["eligible"] is False
    assert by_id[str(excluded_offer.pk)]["excluded_because"]
    assert 'id="options-map-data"' in content
    parsed = json.loads(
        content.split('id="options-map-data" type="application/json">')[1].split("</script>")[0]
    )
    assert len(parsed["options"]) == 2
    # Consent is on record: no override field.
    assert "consent_override_reason" not in content


def test_referring_creates_and_sends_the_referral_in_one_post(
    client, caseworker, case, need, consent, offer, provider
):
    client.force_login(caseworker)
    url = reverse("matching:case_options", args=[case.pk]) + f"?need={need.pk}"
    response = client.post(url, {"service_at_site": str(offer.pk), "shared_note": "Tardes."})
    assert response.status_code == 302
    assert response["Location"] == reverse("matching:case_detail", args=[case.pk])
    referral = Referral.objects.get()
    assert referral.status == ReferralStatus.SENT
    assert referral.need == need and referral.service_at_site == offer
    assert referral.shared_note == "Tardes." and referral.consent == consent
    assert Notification.objects.filter(user=provider).exists()
    # The same service again: the service refuses, the page says why.
    response = client.post(url, {"service_at_site": str(offer.pk)})
    assert response.status_code == 400
    assert response.context["orphan_form"].non_field_errors()
    assert Referral.objects.count() == 1


def test_referring_without_consent_needs_a_reason_and_leaves_no_draft_behind(
    client, caseworker, case, need, offer
):
    client.force_login(caseworker)
    url = reverse("matching:case_options", args=[case.pk]) + f"?need={need.pk}"
    page = client.get(url).content.decode()
    assert f'id="id_{offer.pk}_consent_override_reason"' in page
    response = client.post(url, {"service_at_site": str(offer.pk)})
    assert response.status_code == 400
    assert f'id="id_{offer.pk}_consent_override_reason_errors"' in response.content.decode()
    assert not Referral.objects.exists()
    response = client.post(
        url,
        {"service_at_site": str(offer.pk), "consent_override_reason": "Urgencia: orden judicial."},
    )
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert referral.status == ReferralStatus.SENT and referral.consent is None
    assert referral.consent_override_reason == "Urgencia: orden judicial."


def test_referring_from_a_closed_case_shows_why_it_cannot(
    client, caseworker, case, need, consent, offer
):
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.CLOSED, close_reason="moved_away")
    response = _as(client, caseworker).post(
        reverse("matching:case_options", args=[case.pk]) + f"?need={need.pk}",
        {"service_at_site": str(offer.pk)},
    )
    assert response.status_code == 400
    assert response.context["orphan_form"].non_field_errors()
    assert 'class="errors form-errors"' in response.content.decode()
    assert not Referral.objects.exists()


@pytest.mark.parametrize("choice", ["excluded", "random", "garbage"])
def test_referring_to_something_not_eligible_is_a_form_error(
    client, caseworker, case, need, consent, excluded_offer, choice
):
    value = {
        "excluded": str(excluded_offer.pk),
        "random": str(uuid.uuid4()),
        "garbage": "x",
    }[choice]
    response = _as(client, caseworker).post(
        reverse("matching:case_options", args=[case.pk]) + f"?need={need.pk}",
        {"service_at_site": value},
    )
    assert response.status_code == 400
    assert 'class="errors form-errors"' in response.content.decode()
    assert not Referral.objects.exists()
