"""The matching pages over HTTP: each works for its role, refuses the others, never 500s."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from cases.models import Alert, AlertStatus, Case, CaseStatus, Consent, ConsentScope
from cases.services import alert_raise, case_need_add, consent_record
from directory.models import RiskLevel
from matching.models import PriorityPolicy, Referral, ReferralStatus
from matching.services import referral_create, referral_send, referral_transition
from notifications.models import Notification
from tests.factories import (
    OrganizationFactory,
    ServiceAtSiteFactory,
    case_of,
    user_with_role,
)

pytestmark = pytest.mark.django_db


# --- data -------------------------------------------------------------------------------


@pytest.fixture
def consent(caseworker, case):
    return consent_record(
        actor=caseworker, case=case, given_by="madre", scopes=[ConsentScope.REFERRAL]
    )


@pytest.fixture
def offer(provider_org, term):
    sas = ServiceAtSiteFactory(service__organization=provider_org, service__name="Apoyo Psico")
    sas.service.categories.add(term)
    return sas


@pytest.fixture
def excluded_offer(term):
    """Near the child and for the need, but only for adolescents: the case is 8."""
    sas = ServiceAtSiteFactory(service__name="Solo Adolescentes", service__eligibility__min_age=14)
    sas.service.categories.add(term)
    return sas


@pytest.fixture
def sent(caseworker, case, need, consent, offer):
    referral = referral_create(
        actor=caseworker,
        case=case,
        service=offer.service,
        service_at_site=offer,
        need=need,
        shared_note="Prefiere horario de tarde.",
    )
    return referral_send(actor=caseworker, referral=referral)


@pytest.fixture
def stranger_caseworker(other_org):
    return user_with_role(Role.CASEWORKER, organization=other_org, username="otro-gestor")


@pytest.fixture
def stranger_provider(other_org):
    return user_with_role(Role.PROVIDER, organization=other_org, username="otra-prestadora")


def _as(client, user):
    client.force_login(user)
    return client


def _case_form(**overrides):
    data = {
        "birth_date": (date.today() - timedelta(days=7 * 365)).isoformat(),
        "sex": "male",
        "latitude": "-33.45",
        "longitude": "-70.6",
        "risk_level": "high",
        "access_route": "referral",
        "vulnerability_factors": ["school_dropout", "child_labour"],
    }
    data.update(overrides)
    return data


# --- refusals ----------------------------------------------------------------------------

ROLE_PAGES = {
    "matching:case_list": "caseworker",
    "matching:case_new": "caseworker",
    "matching:provider_inbox": "provider",
    "matching:coordination": "coordinator",
    "matching:policy": "coordinator",
}


@pytest.mark.parametrize("name", list(ROLE_PAGES))
def test_a_role_page_asks_an_anonymous_visitor_to_sign_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize(("name", "role"), list(ROLE_PAGES.items()))
def test_each_role_page_opens_for_its_role_and_is_forbidden_to_the_others(
    client, name, role, caseworker, provider, coordinator, planner, administrator
):
    users = {
        "caseworker": caseworker,
        "provider": provider,
        "coordinator": coordinator,
        "planner": planner,
        "administrator": administrator,
    }
    for user_role, user in users.items():
        client.force_login(user)
        expected = 200 if user_role == role else 403
        assert client.get(reverse(name)).status_code == expected, (name, user_role)


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


def test_unknown_and_malformed_ids_are_404_not_500(client, caseworker, provider, case):
    client.force_login(caseworker)
    assert client.get(f"/casos/{uuid.uuid4()}/").status_code == 404
    assert client.get("/casos/not-a-uuid/").status_code == 404
    options = reverse("matching:case_options", args=[case.pk])
    assert client.get(options + "?need=nonsense").status_code == 404
    assert client.get(options + f"?need={uuid.uuid4()}").status_code == 404
    client.force_login(provider)
    assert client.get(f"/prestador/derivaciones/{uuid.uuid4()}/").status_code == 404
    assert client.get("/prestador/derivaciones/123/").status_code == 404


# --- caseworker: the list and a new case ----------------------------------------------------


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


# --- caseworker: the case page ------------------------------------------------------------------


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
    # Twice is a message, not an error page.
    assert client.post(url).status_code == 302


# --- caseworker: options and referring --------------------------------------------------------


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


# --- inbox ------------------------------------------------------------------------------------


def test_the_inbox_lists_unread_notifications_and_the_teams_open_alerts(
    client, caseworker, provider, provider_org, case
):
    alert = alert_raise(
        actor=provider, organization=provider_org, alert_type="neglect", severity="high", case=case
    )
    notification = Notification.objects.get(user=caseworker)
    client.force_login(caseworker)
    content = client.get(reverse("matching:inbox")).content.decode()
    assert f'data-notification="{notification.pk}"' in content
    assert f'data-alert="{alert.pk}"' in content and case.code in content
    url = reverse("matching:notification_read")
    assert client.post(url, {"notification": "x"}).status_code == 302
    assert client.post(url, {"notification": notification.pk}).status_code == 302
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert 'id="no-notifications"' in client.get(reverse("matching:inbox")).content.decode()


def test_mark_all_read_touches_only_ones_own_notifications(client, caseworker, provider):
    mine = Notification.objects.create(user=caseworker, text="a")
    theirs = Notification.objects.create(user=provider, text="b")
    _as(client, caseworker).post(reverse("matching:notification_read"))
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.read_at is not None and theirs.read_at is None
    client.force_login(caseworker)
    client.post(reverse("matching:notification_read"), {"notification": theirs.pk})
    theirs.refresh_from_db()
    assert theirs.read_at is None


# --- provider ----------------------------------------------------------------------------------


def test_the_provider_inbox_lists_packets_and_filters_by_status(
    client, provider, sent, case, stranger_provider
):
    client.force_login(provider)
    response = client.get(reverse("matching:provider_inbox"))
    content = response.content.decode()
    assert response.status_code == 200
    assert case.code in content and "Prefiere horario de tarde." in content
    assert 'data-status="sent"' in content
    assert case.code in client.get("/prestador/derivaciones/?status=sent").content.decode()
    assert case.code not in client.get("/prestador/derivaciones/?status=accepted").content.decode()
    response = client.get("/prestador/derivaciones/?status=bogus")
    assert response.status_code == 400 and "status" in response.context["form"].errors
    assert case.code not in (
        _as(client, stranger_provider).get(reverse("matching:provider_inbox")).content.decode()
    )


def test_the_packet_page_shows_the_minimum_and_never_the_case_file(
    client, caseworker, provider, case, sent, term
):
    other_offer = ServiceAtSiteFactory(service__name="Otro Programa Secreto")
    referral_create(actor=caseworker, case=case, service=other_offer.service)
    response = _as(client, provider).get(reverse("matching:provider_referral", args=[sent.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert case.code in content and term.name in content
    assert "Prefiere horario de tarde." in content
    assert 'id="age-band">6–11<' in content
    assert case.birth_date.isoformat() not in content
    assert case.birth_date.strftime("%d/%m/%Y") not in content
    assert "-33.45" not in content and "-70.6" not in content
    assert "Otro Programa Secreto" not in content
    assert 'id="move-accepted"' in content and 'id="move-rejected"' in content


def test_another_provider_and_the_case_team_cannot_open_the_packet(
    client, caseworker, sent, stranger_provider
):
    url = reverse("matching:provider_referral", args=[sent.pk])
    assert _as(client, stranger_provider).get(url).status_code == 404
    assert _as(client, stranger_provider).post(url, {"to_status": "accepted"}).status_code == 404
    assert _as(client, caseworker).get(url).status_code == 403
    sent.refresh_from_db()
    assert sent.status == ReferralStatus.SENT


def test_the_provider_rejects_with_a_reason(client, provider, sent):
    client.force_login(provider)
    url = reverse("matching:provider_referral", args=[sent.pk])
    response = client.post(
        url, {"to_status": "rejected", "rejection_reason": "no_capacity", "note": "Sin cupos."}
    )
    assert response.status_code == 302
    sent.refresh_from_db()
    assert sent.status == ReferralStatus.REJECTED and sent.rejection_reason == "no_capacity"


# --- coordination ------------------------------------------------------------------------------


def test_the_dashboard_lists_overdue_referrals_and_cases_with_multiple_alerts_only(
    client, coordinator, provider, provider_org, sent, case
):
    Referral.objects.filter(pk=sent.pk).update(response_due=timezone.now() - timedelta(days=3))
    for alert_type in ("neglect", "school_absence"):
        alert_raise(
            actor=provider,
            organization=provider_org,
            alert_type=alert_type,
            severity="high",
            case=case,
        )
    response = _as(client, coordinator).get(reverse("matching:coordination"))
    assert response.status_code == 200
    content = response.content.decode()
    assert response.context["overdue"][0]["code"] == case.code
    assert response.context["overdue"][0]["days"] == 3
    assert response.context["multiple"][0]["code"] == case.code
    assert response.context["multiple"][0]["alerts"] == 2
    # Codes and figures only: no case contents, no link to the case file.
    assert "Prefiere horario de tarde." not in content
    assert reverse("matching:case_detail", args=[case.pk]) not in content


def test_the_policy_page_shows_the_history_and_publishes_the_next_version(client, coordinator):
    current = PriorityPolicy.objects.order_by("-version").first()
    client.force_login(coordinator)
    response = client.get(reverse("matching:policy"))
    assert response.status_code == 200
    assert response.context["form"]["waiting_cap"].value() == current.waiting_cap
    assert f'data-version="{current.version}"' in response.content.decode()
    data = {
        name: response.context["form"][name].value()
        for name in response.context["form"].fields
        if name != "change_note"
    }
    response = client.post(reverse("matching:policy"), {**data, "waiting_cap": 300})
    assert response.status_code == 400
    assert "change_note" in response.context["form"].errors
    response = client.post(
        reverse("matching:policy"), {**data, "band_points": 100, "change_note": "Prueba"}
    )
    assert response.status_code == 400
    assert "band_points" in response.context["form"].errors
    response = client.post(
        reverse("matching:policy"), {**data, "waiting_cap": "many", "change_note": "Prueba"}
    )
    assert response.status_code == 400 and "waiting_cap" in response.context["form"].errors
    response = client.post(
        reverse("matching:policy"), {**data, "alert_cap": 10**20, "change_note": "Prueba"}
    )
    assert response.status_code == 400 and "alert_cap" in response.context["form"].errors
    assert PriorityPolicy.objects.count() == 1
    response = client.post(
        reverse("matching:policy"),
        {**data, "waiting_cap": 300, "change_note": "Menos peso a la espera."},
    )
    assert response.status_code == 302
    latest = PriorityPolicy.objects.order_by("-version").first()
    assert latest.version == current.version + 1
    assert latest.waiting_cap == 300 and latest.created_by == coordinator
    assert latest.change_note == "Menos peso a la espera."
    page = client.get(reverse("matching:policy")).content.decode()
    assert f'data-version="{latest.version}"' in page and "Menos peso a la espera." in page


# --- alerts ------------------------------------------------------------------------------------


def test_any_member_raises_an_alert_by_case_code_and_learns_nothing_of_the_case(
    client, provider, provider_org, case, caseworker
):
    client.force_login(provider)
    assert client.get(reverse("matching:alert_raise")).status_code == 200
    response = client.post(
        reverse("matching:alert_raise"),
        {
            "organization": str(provider_org.pk),
            "alert_type": "neglect",
            "severity": "very_high",
            "note": "Llega sin almuerzo.",
            "case_code": case.code.lower(),
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("matching:alert_sent")
    alert = Alert.objects.get()
    assert alert.case == case and alert.raised_by == provider
    confirmation = client.get(response["Location"]).content.decode()
    assert 'id="alert-confirmation"' in confirmation
    assert case.code not in confirmation
    assert Notification.objects.filter(user=caseworker, text__contains=case.code).exists()


def test_an_alert_without_a_case_starts_an_intake_with_the_chosen_team(
    client, planner, caseworker, territory
):
    team = caseworker.memberships.get().organization
    planner_org = planner.memberships.get().organization
    response = _as(client, planner).post(
        reverse("matching:alert_raise"),
        {
            "organization": str(planner_org.pk),
            "alert_type": "school_absence",
            "severity": "moderate",
            "intake_organization": str(team.pk),
            "birth_date": (date.today() - timedelta(days=10 * 365)).isoformat(),
            "sex": "female",
            "latitude": "-33.45",
            "longitude": "-70.6",
        },
    )
    assert response.status_code == 302
    alert = Alert.objects.get()
    assert alert.started_intake and alert.case.organization == team


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        ({"case_code": "C-NOTACODE"}, {"case_code"}),
        ({}, {"intake_organization", "birth_date", "sex", "latitude", "longitude"}),
        ({"birth_date": "yesterday"}, {"birth_date"}),
        ({"case_code": "C-NOTACODE", "sex": "male"}, {"__all__"}),
    ],
)
def test_bad_alert_input_is_a_form_error(client, provider, provider_org, data, fields):
    response = _as(client, provider).post(
        reverse("matching:alert_raise"),
        {"organization": str(provider_org.pk), "alert_type": "neglect", "severity": "high", **data},
    )
    assert response.status_code == 400
    assert fields <= set(response.context["form"].errors)
    assert not Alert.objects.exists()


def test_an_intake_outside_every_territory_is_an_error_on_the_location(
    client, provider, provider_org, caseworker, territory
):
    response = _as(client, provider).post(
        reverse("matching:alert_raise"),
        {
            "organization": str(provider_org.pk),
            "alert_type": "neglect",
            "severity": "high",
            "intake_organization": str(caseworker.memberships.get().organization_id),
            "birth_date": (date.today() - timedelta(days=3 * 365)).isoformat(),
            "sex": "male",
            "latitude": "10",
            "longitude": "10",
        },
    )
    assert response.status_code == 400
    assert "latitude" in response.context["form"].errors


def test_an_alert_on_behalf_of_someone_elses_organization_or_a_closed_case_is_refused(
    client, provider, provider_org, other_org, caseworker, territory
):
    closed = case_of(caseworker, status=CaseStatus.CLOSED, close_reason="moved_away")
    client.force_login(provider)
    base = {"alert_type": "neglect", "severity": "high"}
    response = client.post(
        reverse("matching:alert_raise"),
        {**base, "organization": str(other_org.pk), "case_code": closed.code},
    )
    assert response.status_code == 400
    assert {"organization", "case_code"} <= set(response.context["form"].errors)


def test_an_administrator_without_network_role_cannot_raise_alerts(client, administrator):
    assert _as(client, administrator).get(reverse("matching:alert_raise")).status_code == 403


# --- navigation ---------------------------------------------------------------------------------


def test_the_navigation_offers_each_role_its_pages(
    client, caseworker, provider, coordinator, administrator
):
    expected = {
        caseworker: {"cases", "inbox", "alert"},
        provider: {"provider", "inbox", "alert"},
        coordinator: {"coordination", "policy", "inbox", "alert"},
        administrator: set(),
    }
    for user, navs in expected.items():
        content = _as(client, user).get(reverse("matching:alert_sent")).content.decode()
        found = {n for n in ("cases", "provider", "coordination", "policy", "inbox", "alert")}
        found = {n for n in found if f'data-nav="{n}"' in content}
        assert found == navs, user.username
        assert content.count('data-nav="alert"') == (1 if navs else 0)


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
