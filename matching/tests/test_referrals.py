from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import Role
from cases.models import AlertStatus, Case, ConsentScope, NeedStatus
from cases.selectors import case_list_multiple_alerts
from cases.services import alert_acknowledge, alert_raise, case_need_add, consent_record
from directory.models import RiskLevel, TaxonomyTerm
from matching.models import ReferralStatus
from matching.selectors import referral_get_for_provider, referral_list_overdue, referral_packet
from matching.services import (
    referral_create,
    referral_send,
    referral_transition,
    referrals_expire,
    referrals_flag_overdue,
)
from notifications.models import Notification
from tests.factories import ServiceAtSiteFactory, TerritoryFactory, case_of, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(caseworker):
    TerritoryFactory()
    case = case_of(caseworker, risk_level=RiskLevel.HIGH)
    consent_record(actor=caseworker, case=case, given_by="madre", scopes=[ConsentScope.REFERRAL])
    return case


@pytest.fixture
def offer(provider_org):
    return ServiceAtSiteFactory(service__organization=provider_org)


def _sent(caseworker, case, offer, **kwargs):
    need = case_need_add(
        actor=caseworker,
        case=case,
        term=TaxonomyTerm.objects.get(code="specialized.psychological_care"),
    )
    referral = referral_create(
        actor=caseworker,
        case=case,
        service=offer.service,
        service_at_site=offer,
        need=need,
        shared_note="Prefiere horario de tarde.",
    )
    return referral_send(actor=caseworker, referral=referral, **kwargs)


def test_an_illegal_transition_is_refused_with_a_clear_error(caseworker, provider, case, offer):
    referral = _sent(caseworker, case, offer)
    with pytest.raises(ValidationError) as error:
        referral_transition(actor=provider, referral=referral, to_status=ReferralStatus.COMPLETED)
    assert "Enviada" in str(error.value) and "Completada" in str(error.value)


def test_the_caseworker_cannot_accept_and_the_provider_cannot_withdraw(
    caseworker, provider, case, offer
):
    referral = _sent(caseworker, case, offer)
    with pytest.raises(PermissionDenied):
        referral_transition(actor=caseworker, referral=referral, to_status=ReferralStatus.ACCEPTED)
    with pytest.raises(PermissionDenied):
        referral_transition(actor=provider, referral=referral, to_status=ReferralStatus.WITHDRAWN)


def test_another_provider_cannot_see_or_answer_the_referral(caseworker, case, offer, other_org):
    referral = _sent(caseworker, case, offer)
    stranger = user_with_role(Role.PROVIDER, organization=other_org)
    assert referral_get_for_provider(user=stranger, referral_id=referral.pk) is None
    with pytest.raises(PermissionDenied):
        referral_transition(actor=stranger, referral=referral, to_status=ReferralStatus.ACCEPTED)


def test_rejecting_needs_a_reason_from_the_list(caseworker, provider, case, offer):
    referral = _sent(caseworker, case, offer)
    with pytest.raises(ValidationError) as error:
        referral_transition(actor=provider, referral=referral, to_status=ReferralStatus.REJECTED)
    assert "rejection_reason" in error.value.message_dict
    referral = referral_transition(
        actor=provider,
        referral=referral,
        to_status=ReferralStatus.REJECTED,
        rejection_reason="no_capacity",
        note="Sin cupos hasta marzo.",
    )
    referral.need.refresh_from_db()
    assert referral.need.status == NeedStatus.OPEN  # free for the next referral


def test_sending_without_consent_needs_a_documented_reason(caseworker, offer):
    TerritoryFactory()
    case = case_of(caseworker)
    referral = referral_create(actor=caseworker, case=case, service=offer.service)
    with pytest.raises(ValidationError) as error:
        referral_send(actor=caseworker, referral=referral)
    assert "consent" in error.value.message_dict
    referral = referral_send(
        actor=caseworker, referral=referral, consent_override_reason="Riesgo vital inminente"
    )
    assert referral.consent is None
    assert referral.consent_override_reason == "Riesgo vital inminente"
    assert "Riesgo vital" in referral.events.get(to_status="sent").note


def test_the_provider_sees_the_packet_not_the_case_file(caseworker, provider, case, offer):
    referral = _sent(caseworker, case, offer)
    packet = referral_packet(
        referral=referral_get_for_provider(user=provider, referral_id=referral.pk)
    )
    assert packet.case_code == case.code
    assert packet.age_band == "6–11"
    assert packet.needs == ["Atención psicológica"]
    assert packet.shared_note == "Prefiere horario de tarde."
    assert not hasattr(packet, "birth_date") and not hasattr(packet, "home")
    assert Notification.objects.filter(user=provider, text__contains=case.code).exists()


def test_an_overdue_answer_notifies_the_caseworker_once_and_raises_priority(
    caseworker, case, offer
):
    referral = _sent(caseworker, case, offer)
    before = Case.objects.get(pk=case.pk).priority_score
    later = referral.response_due + timedelta(days=3, hours=1)
    assert list(referral_list_overdue(now=later)) == [referral]
    assert referrals_flag_overdue(now=later) == 1
    assert referrals_flag_overdue(now=later) == 0  # once
    assert Notification.objects.filter(user=caseworker, text__contains="atrasada").count() == 1
    assert Case.objects.get(pk=case.pk).priority_score == before + 30


def test_an_unanswered_referral_expires_after_the_grace_period(caseworker, case, offer):
    referral = _sent(caseworker, case, offer)
    assert referrals_expire(now=referral.response_due + timedelta(days=15)) == 1
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.EXPIRED
    assert referral.events.last().actor is None  # the system did it


def test_a_second_open_referral_to_the_same_service_is_refused(caseworker, case, offer):
    _sent(caseworker, case, offer)
    with pytest.raises(ValidationError) as error:
        referral_create(actor=caseworker, case=case, service=offer.service)
    assert "service" in error.value.message_dict


def test_alerts_from_two_members_flag_multiple_alerts_and_raise_priority(
    caseworker, provider, provider_org, case
):
    before = case.priority_score
    school = provider_org
    alert_raise(
        actor=provider,
        organization=school,
        case=case,
        alert_type="school_absence",
        severity=RiskLevel.MODERATE,
    )
    case.refresh_from_db()
    assert case.priority_score == before + 40 and not case.multiple_alerts
    alert = alert_raise(
        actor=provider,
        organization=school,
        case=case,
        alert_type="neglect",
        severity=RiskLevel.VERY_HIGH,
        note="Llega sin almuerzo.",
    )
    case.refresh_from_db()
    assert case.multiple_alerts
    assert case.risk_level == RiskLevel.VERY_HIGH  # an alert can only raise the risk
    assert case in case_list_multiple_alerts()
    assert Notification.objects.filter(user=caseworker, text__contains=case.code).exists()
    alert_acknowledge(actor=caseworker, alert=alert, close=True)
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CLOSED
    case.refresh_from_db()
    assert not case.multiple_alerts


def test_an_alert_about_a_child_without_a_case_starts_an_intake(caseworker, provider, provider_org):
    TerritoryFactory()
    from datetime import date

    from django.contrib.gis.geos import Point

    team = caseworker.memberships.get().organization
    alert = alert_raise(
        actor=provider,
        organization=provider_org,
        alert_type="street_situation",
        severity=RiskLevel.HIGH,
        intake_organization=team,
        birth_date=date.today() - timedelta(days=10 * 365),
        sex="female",
        home=Point(-70.6, -33.45, srid=4326),
    )
    assert alert.started_intake
    assert alert.case.organization == team
    assert alert.case.admissibility == "pending"
    assert Notification.objects.filter(user=caseworker, text__contains="ingreso").exists()


def test_an_alert_without_a_case_names_the_missing_intake_fields(provider, provider_org):
    with pytest.raises(ValidationError) as error:
        alert_raise(
            actor=provider,
            organization=provider_org,
            alert_type="neglect",
            severity=RiskLevel.HIGH,
        )
    assert {"intake_organization", "birth_date", "sex", "home"} <= set(error.value.message_dict)


def test_nobody_raises_an_alert_in_the_name_of_an_organization_they_do_not_belong_to(
    provider, other_org, case
):
    with pytest.raises(PermissionDenied):
        alert_raise(
            actor=provider,
            organization=other_org,
            case=case,
            alert_type="neglect",
            severity=RiskLevel.LOW,
        )


def test_a_consent_withdrawn_no_longer_covers_referrals(caseworker, case):
    from cases.selectors import case_consent_for
    from cases.services import consent_withdraw

    consent = case_consent_for(case=case)
    assert consent is not None
    consent_withdraw(actor=caseworker, consent=consent)
    assert case_consent_for(case=case) is None
    assert timezone.now() >= consent.given_at
