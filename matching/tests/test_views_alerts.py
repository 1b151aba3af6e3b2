"""Raising an alert over HTTP: any member of the network, learning nothing of the case."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse

from cases.models import Alert, CaseStatus
from matching.tests.conftest import _as
from notifications.models import Notification
from tests.factories import case_of

pytestmark = pytest.mark.django_db


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


def test_an_alert_on_behalf_of_someone_elses_organization_or_an_unknown_case_is_refused(
    client, provider, provider_org, other_org, caseworker, territory
):
    client.force_login(provider)
    base = {"alert_type": "neglect", "severity": "high"}
    response = client.post(
        reverse("matching:alert_raise"),
        {**base, "organization": str(other_org.pk), "case_code": "C-NOEXISTE"},
    )
    assert response.status_code == 400
    assert {"organization", "case_code"} <= set(response.context["form"].errors)


def test_an_alert_on_a_closed_case_is_accepted_and_opens_the_case_again(
    client, provider, provider_org, caseworker, territory
):
    closed = case_of(caseworker, status=CaseStatus.CLOSED, close_reason="moved_away")
    client.force_login(provider)
    response = client.post(
        reverse("matching:alert_raise"),
        {
            "alert_type": "neglect",
            "severity": "high",
            "organization": str(provider_org.pk),
            "case_code": closed.code,
        },
    )
    assert response.status_code == 302
    closed.refresh_from_db()
    assert closed.status == CaseStatus.OPEN and closed.reopenings.count() == 1
    # The raiser learns only that the alert arrived, not that the case was closed.
    assert closed.code not in client.get(response["Location"]).content.decode()


def test_an_administrator_without_network_role_cannot_raise_alerts(client, administrator):
    assert _as(client, administrator).get(reverse("matching:alert_raise")).status_code == 403
