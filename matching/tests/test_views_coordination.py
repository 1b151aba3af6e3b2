"""Local coordination's pages over HTTP: the follow-up dashboard and the policy."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.services import alert_raise
from matching.models import PriorityPolicy, Referral
from matching.tests.conftest import _as

pytestmark = pytest.mark.django_db


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
    assert f'href="{reverse("matching:case_detail", args=[case.pk])}' not in content
    # Each row opens its own follow-up page instead.
    assert reverse("matching:referral_follow_up", args=[sent.pk]) in content
    assert reverse("matching:case_follow_up", args=[case.pk]) in content


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
