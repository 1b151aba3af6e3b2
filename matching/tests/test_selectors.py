"""The reads matching's pages and API call, each on its own: who sees which record, in
what order, and that an unknown or foreign id is ``None`` rather than an error.

The page and API tests cover them end to end; these pin each one.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from cases.models import AlertStatus, CaseStatus
from cases.services import alert_raise, case_need_add
from directory.models import RiskLevel, TaxonomyTerm
from matching.models import Referral, ReferralStatus
from matching.selectors import (
    alert_get_for_case_team,
    alert_organizations,
    case_get_for_alert_by_code,
    case_list_open,
    case_need_get,
    case_need_list,
    case_referral_history,
    case_worklist,
    notification_unread_ids,
    organization_find,
    policy_versions,
    referral_inbox_for_provider,
    referral_latest_for_provider,
    service_at_site_get,
)
from matching.services import policy_publish, referral_create, referral_transition
from notifications.models import Notification
from tests.factories import ServiceAtSiteFactory, case_of

pytestmark = pytest.mark.django_db


def test_the_worklist_has_the_teams_open_cases_most_urgent_first_with_open_needs_counted(
    caseworker, territory, term, stranger_caseworker
):
    low = case_of(caseworker, risk_level=RiskLevel.LOW)
    urgent = case_of(caseworker, risk_level=RiskLevel.MODERATE, urgent_safety=True)
    case_need_add(actor=caseworker, case=urgent, term=term)
    case_of(caseworker, status=CaseStatus.CLOSED, close_reason="moved_away")
    foreign = case_of(stranger_caseworker)
    rows = list(case_worklist(user=caseworker))
    assert rows == [urgent, low]
    assert [row.open_needs for row in rows] == [1, 0]
    assert case_list_open(user=caseworker, limit=1) == [urgent]
    assert case_list_open(user=stranger_caseworker, limit=10) == [foreign]


def test_a_need_is_found_on_its_own_case_only(caseworker, case, need, term):
    other = case_of(caseworker)
    assert case_need_get(case=case, need_id=need.pk) == need
    assert case_need_get(case=other, need_id=need.pk) is None
    assert case_need_get(case=case, need_id=uuid.uuid4()) is None
    leaf = TaxonomyTerm.objects.filter(children__isnull=True).exclude(pk=term.pk).first()
    second = case_need_add(actor=caseworker, case=case, term=leaf)
    assert list(case_need_list(case=case)) == [need, second]


def test_the_referral_history_is_newest_first_with_its_events_in_order(
    caseworker, provider, case, sent
):
    referral_transition(actor=provider, referral=sent, to_status=ReferralStatus.ACCEPTED)
    later = referral_create(actor=caseworker, case=case, service=ServiceAtSiteFactory().service)
    history = list(case_referral_history(case=case))
    assert history == [later, sent]
    assert [e.to_status for e in history[1].events.all()] == ["draft", "sent", "accepted"]


def test_an_alert_is_found_only_by_its_team_and_only_while_open(
    caseworker, provider, provider_org, case, stranger_caseworker
):
    alert = alert_raise(
        actor=provider, organization=provider_org, alert_type="neglect", severity="high", case=case
    )
    assert alert_get_for_case_team(user=caseworker, alert_id=alert.pk) == alert
    assert alert_get_for_case_team(user=stranger_caseworker, alert_id=alert.pk) is None
    assert alert_get_for_case_team(user=provider, alert_id=alert.pk) is None
    alert.status = AlertStatus.CLOSED
    alert.save()
    assert alert_get_for_case_team(user=caseworker, alert_id=alert.pk) is None


def test_alerts_are_raised_for_ones_own_organizations_on_any_case_not_anonymised(
    provider, provider_org, other_org, caseworker, case
):
    assert list(alert_organizations(user=provider)) == [provider_org]
    assert case_get_for_alert_by_code(code=case.code) == case
    closed = case_of(caseworker, status=CaseStatus.CLOSED, close_reason="moved_away")
    assert case_get_for_alert_by_code(code=closed.code) == closed
    anonymised = case_of(caseworker, anonymised_at=timezone.now())
    assert case_get_for_alert_by_code(code=anonymised.code) is None
    assert organization_find(organization_id=other_org.pk) == other_org
    assert organization_find(organization_id=uuid.uuid4()) is None


def test_the_provider_inbox_puts_answers_still_owed_first_and_filters_by_status(
    caseworker, provider, case, sent, offer, stranger_provider
):
    answered = Referral.objects.create(
        case=case_of(caseworker),
        service=offer.service,
        status=ReferralStatus.ACCEPTED,
        created_by=caseworker,
        sent_at=timezone.now() + timedelta(minutes=1),
    )
    assert list(referral_inbox_for_provider(user=provider)) == [sent, answered]
    assert list(referral_inbox_for_provider(user=provider, status="accepted")) == [answered]
    assert referral_latest_for_provider(user=provider, limit=10) == [answered, sent]
    assert referral_latest_for_provider(user=provider, status="sent", limit=10) == [sent]
    assert referral_latest_for_provider(user=provider, limit=1) == [answered]
    assert not referral_inbox_for_provider(user=stranger_provider).exists()
    assert referral_latest_for_provider(user=stranger_provider, limit=10) == []


def test_a_service_site_is_looked_up_with_its_service(offer):
    assert service_at_site_get(service_at_site_id=offer.pk).service == offer.service
    assert service_at_site_get(service_at_site_id=uuid.uuid4()) is None


def test_unread_notifications_are_ones_own(caseworker, provider):
    mine = Notification.objects.create(user=caseworker, text="a")
    Notification.objects.create(user=provider, text="b")
    Notification.objects.create(user=caseworker, text="c", read_at=timezone.now())
    assert notification_unread_ids(user=caseworker) == [mine.pk]


def test_the_policy_versions_are_newest_first(coordinator):
    published = policy_publish(actor=coordinator, change_note="Prueba.", waiting_cap=300)
    assert [p.version for p in policy_versions()] == [published.version, 1]
