"""A referral sent and answered reaches both organizations' systems, signed."""

from __future__ import annotations

import json

import pytest

from accounts.models import Role
from matching.models import ReferralStatus
from matching.services import referral_create_and_send, referral_transition
from tests.factories import referral_world, user_with_role
from tests.webhook_receiver import webhook_receiver
from webhooks.models import WebhookEvent
from webhooks.services import webhook_subscription_create
from webhooks.signing import webhook_signature_verify

pytestmark = pytest.mark.django_db

NOTE = "La madre pide que no se llame al colegio"


def test_a_referral_sent_and_answered_produces_two_signed_deliveries(
    django_capture_on_commit_callbacks, settings
):
    world = referral_world()
    case = world["case"]
    service = world["eligible"].service
    provider_org, team_org = service.organization, case.organization
    provider_admin = user_with_role(Role.ADMINISTRATOR, organization=provider_org)
    team_admin = user_with_role(Role.ADMINISTRATOR, organization=team_org)

    with webhook_receiver() as provider_box, webhook_receiver() as team_box:
        provider_hook = webhook_subscription_create(
            actor=provider_admin,
            organization=provider_org,
            url=provider_box.url,
            events=[WebhookEvent.REFERRAL_SENT, WebhookEvent.REFERRAL_ANSWERED],
        )
        team_hook = webhook_subscription_create(
            actor=team_admin,
            organization=team_org,
            url=team_box.url,
            events=[WebhookEvent.REFERRAL_SENT, WebhookEvent.REFERRAL_ANSWERED],
        )
        with django_capture_on_commit_callbacks(execute=True):
            referral = referral_create_and_send(
                actor=world["caseworker"],
                case=case,
                service=service,
                service_at_site=world["eligible"],
                need=world["need"],
                shared_note=NOTE,
            )
        with django_capture_on_commit_callbacks(execute=True):
            referral_transition(
                actor=world["provider"], referral=referral, to_status=ReferralStatus.ACCEPTED
            )

        # The provider hears of the referral sent to it; the sending team of its answer.
        (sent,) = provider_box.received
        (answered,) = team_box.received
        for got, hook in ((sent, provider_hook), (answered, team_hook)):
            assert webhook_signature_verify(
                secret=hook.secret, header=got.headers["Puente-Signature"], body=got.body
            )
            assert not webhook_signature_verify(
                secret=(team_hook if hook is provider_hook else provider_hook).secret,
                header=got.headers["Puente-Signature"],
                body=got.body,
            )
            assert NOTE not in got.body.decode()
        sent_body, answered_body = json.loads(sent.body), json.loads(answered.body)
        assert sent_body["type"] == "referral.sent"
        assert sent_body["data"]["referral_id"] == str(referral.pk)
        assert sent_body["data"]["case_code"] == case.code
        assert sent_body["data"]["link"] == (
            f"{settings.SITE_URL}/prestador/derivaciones/{referral.pk}/"
        )
        assert answered_body["type"] == "referral.answered"
        assert answered_body["data"]["status"] == "accepted"
        assert answered_body["data"]["case_code"] == case.code
        assert answered_body["data"]["link"] == f"{settings.SITE_URL}/casos/{case.pk}/"
