"""The caseworker's pages over HTTP: the team's cases, a new case, one case and its forms."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from accounts.models import Role
from cases.models import AlertStatus, Case, CaseStatus, Consent
from cases.services import alert_raise, case_need_add
from directory.models import RiskLevel
from matching.models import ReferralStatus
from matching.services import referral_transition
from matching.tests.conftest import _as, _case_form
from tests.factories import OrganizationFactory, case_of

pytestmark = pytest.mark.django_db


# --- the list and a new case ----------------------------------------------------


def test_the_case_list_shows_the_teams_open_cases_by_priority_only(
    client, caseworker, territory, stranger_caseworker, term
):
    low = case_of(caseworker, risk_level=RiskLevel.LOW)
    urgent = case_of(caseworker, risk_level=RiskLevel.MODERATE, urgent_safety=True)
    case_need_add(actor=caseworker, case=urgent, term=term)
    closed = case_of(caseworker, status=CaseStatus.CLOSED, close_reason="moved_away")
    foreign = case_of(stranger_caseworker)
    content = _as(client, caseworker).get(reverse("matching:case_list")).content.decode()
    assert content.index(urgent.code) < content.index(low.code)
    assert closed.code not in content and foreign.code not in content
    assert "badge-urgent" in content
    assert 'class="num open-needs">1<' in content


def test_a_caseworker_registers_a_case_through_the_service(client, caseworker, territory, term):
    client.force_login(caseworker)
    assert client.get(reverse("matching:case_new")).status_code == 200
    response = client.post(
        reverse("matching:case_new"), _case_form(needs=[str(term.pk)], urgent_safety="on")
    )
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("matching:case_detail", args=[case.pk])
    assert case.territory == territory
    assert case.urgent_safety and case.priority_score >= 10000
    assert case.vulnerability_factors == ["school_dropout", "child_labour"]
    assert [n.term for n in case.needs.all()] == [term]
    assert case.caseworker == caseworker


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"latitude": "abc"}, "latitude"),
        ({"latitude": ""}, "latitude"),
        ({"latitude": "123"}, "latitude"),
        ({"birth_date": "31-31-2020"}, "birth_date"),
        ({"risk_level": "extreme"}, "risk_level"),
        ({"needs": [str(uuid.uuid4())]}, "needs"),
        # Refused by the service: errors come back on the form's fields.
        ({"latitude": "10", "longitude": "10"}, "latitude"),
        ({"birth_date": "1990-01-01"}, "birth_date"),
    ],
)
def test_bad_case_input_is_a_form_error_on_its_field(
    client, caseworker, territory, overrides, field
):
    response = _as(client, caseworker).post(reverse("matching:case_new"), _case_form(**overrides))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert f'id="id_{field}_errors"' in response.content.decode()
    assert not Case.objects.exists()


def test_a_caseworker_in_two_teams_chooses_the_team(client, caseworker, territory):
    from accounts.services import membership_grant

    second = OrganizationFactory(name="Segundo Equipo")
    membership_grant(user=caseworker, organization=second, role=Role.CASEWORKER)
    client.force_login(caseworker)
    response = client.post(reverse("matching:case_new"), _case_form())
    assert response.status_code == 400 and "organization" in response.context["form"].errors
    response = client.post(reverse("matching:case_new"), _case_form(organization=str(second.pk)))
    assert response.status_code == 302
    assert Case.objects.get().organization == second


# --- the case page ------------------------------------------------------------------


def test_the_case_page_is_forbidden_to_other_roles_and_unknown_to_other_teams(
    client, case, provider, coordinator, stranger_caseworker
):
    url = reverse("matching:case_detail", args=[case.pk])
    assert _as(client, provider).get(url).status_code == 403
    assert _as(client, coordinator).get(url).status_code == 403
    # Another team's caseworker: the case does not exist for them.
    client.force_login(stranger_caseworker)
    assert client.get(url).status_code == 404
    assert client.get(reverse("matching:case_options", args=[case.pk])).status_code == 404
    response = client.post(
        reverse("matching:consent_add", args=[case.pk]),
        {"given_by": "madre", "scopes": ["referral"]},
    )
    assert response.status_code == 404
    assert not Consent.objects.filter(case=case).exists()


def test_the_case_page_explains_the_priority_and_shows_plan_consents_alerts_and_referrals(
    client, caseworker, provider, case, need, sent
):
    referral_transition(
        actor=provider, referral=sent, to_status=ReferralStatus.ACCEPTED, note="Cupo el lunes."
    )
    response = _as(client, caseworker).get(reverse("matching:case_detail", args=[case.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    case.refresh_from_db()
    assert f'id="priority-score">{case.priority_score}<' in content
    assert f"v{case.priority_policy.version}" in content
    assert 'class="component component-risk"' in content
    assert response.context["components"][0].code == "risk"
    assert f'data-need="{need.pk}"' in content
    assert f'id="referral-{sent.pk}"' in content
    assert "event-accepted" in content and "Cupo el lunes." in content
    assert "madre" in content  # the consent
    assert 'id="no-consent"' not in content


def test_recording_a_consent_goes_through_the_service_and_errors_stay_on_the_form(
    client, caseworker, case
):
    client.force_login(caseworker)
    url = reverse("matching:consent_add", args=[case.pk])
    response = client.post(url, {"given_by": "", "scopes": ["nonsense"]})
    assert response.status_code == 400
    assert set(response.context["consent_form"].errors) == {"given_by", "scopes"}
    response = client.post(url, {"given_by": "abuela", "scopes": ["referral"]})
    assert response.status_code == 302
    consent = Consent.objects.get(case=case)
    assert consent.given_by == "abuela" and consent.recorded_by == caseworker


def test_adding_a_need_to_the_plan(client, caseworker, case, term):
    client.force_login(caseworker)
    url = reverse("matching:need_add", args=[case.pk])
    assert client.post(url, {"term": "nonsense"}).status_code == 400
    assert client.post(url, {"term": str(term.pk)}).status_code == 302
    assert case.needs.get().term == term


def test_the_team_acknowledges_then_closes_an_alert_and_others_cannot(
    client, caseworker, provider, provider_org, case, stranger_caseworker
):
    alert = alert_raise(
        actor=provider, organization=provider_org, alert_type="neglect", severity="high", case=case
    )
    url = reverse("matching:alert_answer", args=[alert.pk])
    assert _as(client, stranger_caseworker).post(url, {"action": "close"}).status_code == 404
    assert _as(client, provider).post(url, {"action": "close"}).status_code == 403
    client.force_login(caseworker)
    assert client.post(url, {"action": "bogus"}).status_code == 302  # message, no change
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN
    assert client.post(url, {"action": "acknowledge"}).status_code == 302
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED and alert.acknowledged_by == caseworker
    response = client.post(url, {"action": "close", "next": "inbox"})
    assert response["Location"] == reverse("matching:inbox")
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CLOSED
    assert client.post(url, {"action": "close"}).status_code == 404  # no longer open


def test_the_case_team_withdraws_a_sent_referral(client, caseworker, sent, stranger_caseworker):
    url = reverse("matching:referral_withdraw", args=[sent.pk])
    assert _as(client, stranger_caseworker).post(url).status_code == 404
    client.force_login(caseworker)
    assert client.post(url, {"note": "La familia se mudó."}).status_code == 302
    sent.refresh_from_db()
    assert sent.status == ReferralStatus.WITHDRAWN
    # Twice is a 409 on the site's conflict page, naming what the referral is now,
    # with a way back to the case rather than to the form's address.
    again = client.post(url)
    assert again.status_code == 409
    page = again.content.decode()
    assert 'id="conflict-message"' in page and sent.case.code in page
    assert str(ReferralStatus.WITHDRAWN.label) in page
    assert reverse("matching:case_detail", args=[sent.case_id]) in page
