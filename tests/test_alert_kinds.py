"""Alerts are told apart as they arrive: simultaneous, successive, complex (seeds/003)."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import Role
from cases.models import AlertKind, AlertType, CaseCloseReason
from cases.services import alert_acknowledge, alert_raise
from cases.services.closure import case_closure_request
from directory.models import RiskLevel
from tests.factories import OrganizationFactory, referral_world, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db) -> dict[str, Any]:
    return referral_world()


def _raise(user: Any, case: Any, alert_type: str = AlertType.NEGLECT, severity: str = "high"):
    return alert_raise(
        actor=user,
        organization=user.memberships.get().organization,
        alert_type=alert_type,
        severity=severity,
        case=case,
    )


def test_one_alert_of_one_concern_is_of_no_special_kind(world):
    assert _raise(world["provider"], world["case"]).kinds == []


def test_two_organizations_within_the_window_make_it_simultaneous(world):
    case = world["case"]
    _raise(world["provider"], case)
    # The same organization again is not another voice.
    assert AlertKind.SIMULTANEOUS not in _raise(world["provider"], case).kinds
    school = user_with_role(Role.PROVIDER, organization=OrganizationFactory(name="Escuela"))
    assert AlertKind.SIMULTANEOUS in _raise(school, case).kinds


def test_an_alert_after_a_closure_or_after_a_closed_alert_is_successive(world):
    case, caseworker = world["case"], world["caseworker"]
    first = _raise(world["provider"], case)
    alert_acknowledge(actor=caseworker, alert=first, close=True)
    assert AlertKind.SUCCESSIVE in _raise(world["provider"], case).kinds
    case_closure_request(actor=caseworker, case=case, reason=CaseCloseReason.MOVED_AWAY)
    case.refresh_from_db()
    assert AlertKind.SUCCESSIVE in _raise(world["provider"], case).kinds


def test_several_concerns_or_a_very_high_severity_make_it_complex(world):
    case = world["case"]
    _raise(world["provider"], case, AlertType.NEGLECT)
    assert AlertKind.COMPLEX in _raise(world["provider"], case, AlertType.SCHOOL_ABSENCE).kinds
    fresh = _raise(world["provider"], world["case"], AlertType.NEGLECT, RiskLevel.VERY_HIGH)
    assert AlertKind.COMPLEX in fresh.kinds


def test_the_inbox_and_the_case_page_show_the_kind_of_each_alert(world):
    from django.test import Client
    from django.urls import reverse

    case = world["case"]
    _raise(world["provider"], case, AlertType.NEGLECT, RiskLevel.VERY_HIGH)
    client = Client()
    client.force_login(world["caseworker"])
    for url in (reverse("matching:inbox"), reverse("matching:case_detail", args=[case.pk])):
        page = client.get(url).content.decode()
        assert 'class="badge badge-kind kind-complex"' in page, url
