from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import override_settings

from audit.models import AuditAction, AuditEntry, AuditRecordType
from notifications.models import Notification
from webhooks.models import SubscriptionStatus, WebhookDelivery, WebhookEvent
from webhooks.services import (
    webhook_event_emit,
    webhook_subscription_create,
    webhook_subscription_pause,
    webhook_subscription_resume,
)
from webhooks.signing import webhook_signature_verify

pytestmark = pytest.mark.django_db


def _subscribe(admin, url, events=(WebhookEvent.REFERRAL_SENT,)):
    return webhook_subscription_create(
        actor=admin,
        organization=admin.memberships.get().organization,
        url=url,
        events=list(events),
    )


def _emit(admin, *, event=WebhookEvent.REFERRAL_SENT, code="C-0042"):
    webhook_event_emit(
        event=event,
        organization_ids=[admin.memberships.get().organization_id],
        data={"referral_id": uuid.uuid4(), "case_code": code},
        link="/prestador/derivaciones/1/",
    )


def test_a_delivery_reaches_the_receiver_signed_with_the_subscription_secret(
    org_admin, receiver, django_capture_on_commit_callbacks, settings
):
    subscription = _subscribe(org_admin, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        _emit(org_admin)

    (got,) = receiver.received
    assert got.path == "/hooks/puente"
    assert got.headers["Content-Type"] == "application/json"
    assert got.headers["Puente-Event"] == "referral.sent"
    # The receiver's own check, written out as docs/webhooks.md tells it.
    parts = dict(p.split("=", 1) for p in got.headers["Puente-Signature"].split(","))
    assert abs(int(parts["t"]) - time.time()) < 60
    expected = hmac.new(
        subscription.secret.encode(), parts["t"].encode() + b"." + got.body, hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(parts["v1"], expected)
    assert webhook_signature_verify(
        secret=subscription.secret, header=got.headers["Puente-Signature"], body=got.body
    )
    assert not webhook_signature_verify(
        secret="another-secret", header=got.headers["Puente-Signature"], body=got.body
    )
    payload = json.loads(got.body)
    assert payload["type"] == "referral.sent"
    assert payload["id"] == got.headers["Puente-Delivery"]
    assert payload["organization_id"] == str(subscription.organization_id)
    assert payload["data"]["case_code"] == "C-0042"
    assert payload["data"]["link"] == f"{settings.SITE_URL}/prestador/derivaciones/1/"
    (delivery,) = WebhookDelivery.objects.filter(subscription=subscription)
    assert (delivery.succeeded, delivery.status_code, delivery.attempt) == (True, 200, 1)
    assert delivery.error == ""
    # The delivery is in the audit log, by subscription and case code.
    assert AuditEntry.objects.filter(
        action=AuditAction.SEND,
        record_type=AuditRecordType.WEBHOOK,
        record_id=str(subscription.pk),
        case_code="C-0042",
    ).exists()


@override_settings(CELERY_TASK_EAGER_PROPAGATES=False)
def test_a_receiver_answering_500_gets_the_same_event_again_until_it_takes_it(
    org_admin, receiver, django_capture_on_commit_callbacks
):
    subscription = _subscribe(org_admin, receiver.url)
    receiver.statuses = [500, 500]
    with django_capture_on_commit_callbacks(execute=True):
        _emit(org_admin)

    assert len(receiver.received) == 3
    assert len({r.headers["Puente-Delivery"] for r in receiver.received}) == 1
    for got in receiver.received:
        assert webhook_signature_verify(
            secret=subscription.secret, header=got.headers["Puente-Signature"], body=got.body
        )
    attempts = WebhookDelivery.objects.filter(subscription=subscription).order_by("attempt")
    assert [(d.attempt, d.status_code, d.succeeded) for d in attempts] == [
        (1, 500, False),
        (2, 500, False),
        (3, 200, True),
    ]
    assert attempts[0].error == "HTTP 500"
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 0
    assert subscription.status == SubscriptionStatus.ACTIVE


@override_settings(CELERY_TASK_EAGER_PROPAGATES=False, WEBHOOK_FAILURES_TO_PAUSE=3)
def test_a_subscription_failing_again_and_again_is_paused_and_its_owner_told(
    org_admin, receiver, mailbox, django_capture_on_commit_callbacks
):
    subscription = _subscribe(org_admin, receiver.url)
    receiver.statuses = [500] * 20
    with django_capture_on_commit_callbacks(execute=True):
        _emit(org_admin)

    assert len(receiver.received) == 3
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.FAILING
    assert subscription.consecutive_failures == 3
    assert Notification.objects.filter(user=org_admin, text__contains=receiver.url).exists()
    (message,) = mailbox.messages
    assert message["To"] == "admin-oficina@example.org"
    assert str(subscription.pk) in mailbox.text(message)
    assert AuditEntry.objects.filter(
        action=AuditAction.UPDATE,
        record_type=AuditRecordType.WEBHOOK,
        record_id=str(subscription.pk),
        user=None,
    ).exists()

    # Paused: nothing more is sent until its owner resumes it.
    with django_capture_on_commit_callbacks(execute=True):
        _emit(org_admin)
    assert len(receiver.received) == 3
    webhook_subscription_resume(actor=org_admin, subscription=subscription)
    receiver.statuses = []
    with django_capture_on_commit_callbacks(execute=True):
        _emit(org_admin)
    assert len(receiver.received) == 4


def test_an_unreachable_receiver_is_logged_with_its_error_and_duration(
    org_admin, django_capture_on_commit_callbacks, settings
):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # free once closed: nothing listens there
    subscription = _subscribe(org_admin, f"http://127.0.0.1:{port}/x")
    with (
        override_settings(CELERY_TASK_EAGER_PROPAGATES=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        _emit(org_admin)
    attempts = list(WebhookDelivery.objects.filter(subscription=subscription))
    # The first attempt and every retry, then given up (fewer than the pausing count).
    assert len(attempts) == 1 + settings.WEBHOOK_MAX_RETRIES
    assert all(d.status_code is None and not d.succeeded for d in attempts)
    assert all("Connection refused" in d.error or "refused" in d.error for d in attempts)
    assert subscription.secret not in "".join(d.error for d in attempts)


@override_settings(
    CELERY_TASK_EAGER_PROPAGATES=False, WEBHOOK_TIMEOUT_SECONDS=0.3, WEBHOOK_FAILURES_TO_PAUSE=2
)
def test_a_receiver_slower_than_the_timeout_counts_as_a_failure(
    org_admin, receiver, django_capture_on_commit_callbacks
):
    subscription = _subscribe(org_admin, receiver.url)
    receiver.delay = 1.0
    with django_capture_on_commit_callbacks(execute=True):
        _emit(org_admin)
    attempts = list(WebhookDelivery.objects.filter(subscription=subscription))
    assert len(attempts) == 2
    assert all(not d.succeeded and d.status_code is None for d in attempts)
    assert all("timed out" in d.error for d in attempts), [d.error for d in attempts]
    assert all(250 <= d.duration_ms < 1000 for d in attempts)


def test_an_organization_never_receives_another_organizations_events(
    org_admin, other_admin, django_capture_on_commit_callbacks
):
    from tests.webhook_receiver import webhook_receiver

    with webhook_receiver() as ours, webhook_receiver() as theirs:
        _subscribe(org_admin, ours.url)
        _subscribe(other_admin, theirs.url)
        with django_capture_on_commit_callbacks(execute=True):
            _emit(org_admin, code="C-0001")
        assert [json.loads(r.body)["data"]["case_code"] for r in ours.received] == ["C-0001"]
        assert theirs.received == []


def test_an_event_the_subscription_did_not_choose_is_not_sent(
    org_admin, receiver, django_capture_on_commit_callbacks
):
    _subscribe(org_admin, receiver.url, events=[WebhookEvent.ALERT_RAISED])
    with django_capture_on_commit_callbacks(execute=True):
        _emit(org_admin, event=WebhookEvent.REFERRAL_SENT)
        _emit(org_admin, event=WebhookEvent.ALERT_RAISED)
    assert [r.headers["Puente-Event"] for r in receiver.received] == ["alert.raised"]


def test_nothing_is_sent_when_the_write_rolls_back(
    org_admin, receiver, django_capture_on_commit_callbacks
):
    _subscribe(org_admin, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                _emit(org_admin)
                raise RuntimeError("the write failed")
        except RuntimeError:
            pass
    assert receiver.received == []


def test_a_subscription_paused_by_hand_receives_nothing(
    org_admin, receiver, django_capture_on_commit_callbacks
):
    subscription = _subscribe(org_admin, receiver.url)
    webhook_subscription_pause(actor=org_admin, subscription=subscription)
    with django_capture_on_commit_callbacks(execute=True):
        _emit(org_admin)
    assert receiver.received == []
    assert AuditEntry.objects.filter(
        record_type=AuditRecordType.WEBHOOK, record_id=str(subscription.pk), detail="paused"
    ).exists()


@pytest.mark.parametrize("url", ["ftp://example.org/x", "javascript:alert(1)", "example.org", ""])
def test_only_http_and_https_addresses_are_accepted(org_admin, url):
    with pytest.raises(ValidationError) as error:
        _subscribe(org_admin, url)
    assert "url" in error.value.message_dict


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/x",
        "http://localhost/x",
        "https://10.1.2.3/x",
        "http://192.168.0.10/x",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/x",
    ],
)
def test_private_and_loopback_addresses_are_refused_where_not_allowed(org_admin, url):
    with override_settings(WEBHOOK_ALLOW_PRIVATE=False), pytest.raises(ValidationError) as error:
        _subscribe(org_admin, url)
    assert "url" in error.value.message_dict


def test_a_private_address_saved_before_is_not_called_once_refused(
    org_admin, receiver, django_capture_on_commit_callbacks
):
    subscription = _subscribe(org_admin, receiver.url)
    with (
        override_settings(WEBHOOK_ALLOW_PRIVATE=False, CELERY_TASK_EAGER_PROPAGATES=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        _emit(org_admin)
    assert receiver.received == []
    deliveries = WebhookDelivery.objects.filter(subscription=subscription)
    assert deliveries.exists()
    assert all(d.error.startswith("address refused") for d in deliveries)
