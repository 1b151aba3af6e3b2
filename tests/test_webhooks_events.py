"""The apps' services emit their webhook events: enrolments, offers and alerts reach
the systems of the organizations whose scope they are, and no other."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from accounts.models import Role
from cases.models import AlertType
from cases.services import alert_raise
from directory.models import RiskLevel
from matching.models import Referral, ReferralStatus
from tests.factories import OrganizationFactory, ServiceAtSiteFactory, case_of, user_with_role
from tests.webhook_receiver import webhook_receiver
from waitlists.models import EnrolmentStatus
from waitlists.services import enrolment_end, referral_place
from webhooks.models import WebhookEvent
from webhooks.services import webhook_subscription_create
from webhooks.signing import webhook_signature_verify

pytestmark = pytest.mark.django_db

ALL_EVENTS = list(WebhookEvent.values)


def _subscribe(organization, url):
    admin = user_with_role(Role.ADMINISTRATOR, organization=organization)
    return webhook_subscription_create(
        actor=admin, organization=organization, url=url, events=ALL_EVENTS
    )


def _accepted(*, case, site, creator):
    return Referral.objects.create(
        case=case,
        service=site.service,
        service_at_site=site,
        status=ReferralStatus.ACCEPTED,
        created_by=creator,
        sent_at=timezone.now(),
    )


def _events(box, hook):
    for got in box.received:
        assert webhook_signature_verify(
            secret=hook.secret, header=got.headers["Puente-Signature"], body=got.body
        )
    return [json.loads(got.body) for got in box.received]


def test_enrolments_and_offers_reach_the_provider_and_the_case_team(
    caseworker, provider, provider_org, django_capture_on_commit_callbacks, settings
):
    site = ServiceAtSiteFactory(service__organization=provider_org, capacity=1)
    team_org = caseworker.memberships.get().organization
    with (
        webhook_receiver() as provider_box,
        webhook_receiver() as team_box,
        webhook_receiver() as bystander_box,
    ):
        provider_hook = _subscribe(provider_org, provider_box.url)
        team_hook = _subscribe(team_org, team_box.url)
        _subscribe(OrganizationFactory(name="Ajena"), bystander_box.url)
        holder_case = case_of(caseworker)
        waiting_case = case_of(caseworker, risk_level=RiskLevel.HIGH)
        with django_capture_on_commit_callbacks(execute=True):
            enrolment = referral_place(
                actor=provider,
                referral=_accepted(case=holder_case, site=site, creator=caseworker),
            ).enrolment
            referral_place(
                actor=provider,
                referral=_accepted(case=waiting_case, site=site, creator=caseworker),
            )
        with django_capture_on_commit_callbacks(execute=True):
            enrolment_end(
                actor=provider,
                enrolment=enrolment,
                status=EnrolmentStatus.COMPLETED,
                feedback="Bien.",
            )

        for box, hook, link in (
            (provider_box, provider_hook, f"{settings.SITE_URL}/prestador/cupos/"),
            (team_box, team_hook, f"{settings.SITE_URL}/casos/{holder_case.pk}/listas/"),
        ):
            events = _events(box, hook)
            types = [e["type"] for e in events]
            assert types == ["enrolment.started", "enrolment.ended", "offer.made"], types
            started, ended, offered = events
            assert started["data"]["enrolment_id"] == str(enrolment.pk)
            assert started["data"]["case_code"] == holder_case.code
            assert started["data"]["link"] == link
            assert ended["data"]["status"] == EnrolmentStatus.COMPLETED
            assert "Bien." not in json.dumps(ended)
            assert offered["data"]["case_code"] == waiting_case.code
        assert bystander_box.received == []


def test_an_alert_reaches_the_case_teams_system_only(
    caseworker, provider, provider_org, django_capture_on_commit_callbacks
):
    case = case_of(caseworker)
    team_org = caseworker.memberships.get().organization
    with webhook_receiver() as team_box, webhook_receiver() as provider_box:
        team_hook = _subscribe(team_org, team_box.url)
        _subscribe(provider_org, provider_box.url)
        with django_capture_on_commit_callbacks(execute=True):
            alert = alert_raise(
                actor=provider,
                organization=provider_org,
                alert_type=AlertType.NEGLECT,
                severity=RiskLevel.HIGH,
                note="El niño llega sin almuerzo",
                case=case,
            )
        (event,) = _events(team_box, team_hook)
        assert event["type"] == "alert.raised"
        assert event["data"]["alert_id"] == str(alert.pk)
        assert event["data"]["case_code"] == case.code
        assert "almuerzo" not in json.dumps(event)
        # The raising organization learns nothing through its webhook.
        assert provider_box.received == []
