from __future__ import annotations

import pytest
from django.utils import translation

from accounts.models import Role
from audit.models import AuditAction, AuditEntry, AuditRecordType
from tests.factories import signed_in, user_with_role
from webhooks.models import SubscriptionStatus, WebhookSubscription
from webhooks.services import webhook_subscription_create

pytestmark = pytest.mark.django_db

ADMIN = "/admin/webhooks/webhooksubscription/"


def _subscription(admin, url="https://hooks.example.org/puente"):
    return webhook_subscription_create(
        actor=admin,
        organization=admin.memberships.get().organization,
        url=url,
        events=["referral.sent"],
    )


def test_an_administrator_adds_a_subscription_in_the_admin_and_sees_its_secret_once(org_admin):
    client = signed_in(org_admin)
    org = org_admin.memberships.get().organization
    with translation.override("en"):
        answer = client.post(
            f"{ADMIN}add/",
            {
                "organization": str(org.pk),
                "url": "https://hooks.example.org/puente",
                "events": ["referral.sent", "alert.raised"],
                "description": "Sistema de la oficina",
            },
            follow=True,
        )
    assert answer.status_code == 200
    subscription = WebhookSubscription.objects.get()
    assert subscription.events == ["referral.sent", "alert.raised"]
    assert subscription.secret in answer.content.decode()
    assert (
        subscription.secret not in client.get(f"{ADMIN}{subscription.pk}/change/").content.decode()
    )
    assert AuditEntry.objects.filter(
        action=AuditAction.CREATE, record_type=AuditRecordType.WEBHOOK, user=org_admin
    ).exists()


def test_the_admin_refuses_a_bad_address_naming_the_field(org_admin):
    org = org_admin.memberships.get().organization
    answer = signed_in(org_admin).post(
        f"{ADMIN}add/",
        {"organization": str(org.pk), "url": "ftp://example.org/x", "events": ["referral.sent"]},
    )
    assert answer.status_code == 200
    assert "url" in answer.context["adminform"].form.errors
    assert not WebhookSubscription.objects.exists()


def test_an_administrator_sees_only_their_organizations_subscriptions(org_admin, other_admin):
    ours = _subscription(org_admin, url="https://ours.example.org/h")
    theirs = _subscription(other_admin, url="https://theirs.example.org/h")
    client = signed_in(org_admin)
    page = client.get(ADMIN).content.decode()
    assert "ours.example.org" in page and "theirs.example.org" not in page
    assert client.get(f"{ADMIN}{ours.pk}/change/").status_code == 200
    assert client.get(f"{ADMIN}{theirs.pk}/change/").status_code == 404
    assert client.post(f"{ADMIN}{theirs.pk}/delete/", {"post": "yes"}).status_code == 404
    assert WebhookSubscription.objects.filter(pk=theirs.pk).exists()


def test_an_administrator_cannot_add_a_subscription_for_another_organization(
    org_admin, other_admin
):
    answer = signed_in(org_admin).post(
        f"{ADMIN}add/",
        {
            "organization": str(other_admin.memberships.get().organization_id),
            "url": "https://hooks.example.org/x",
            "events": ["referral.sent"],
        },
    )
    assert answer.status_code == 200
    assert "organization" in answer.context["adminform"].form.errors
    assert not WebhookSubscription.objects.exists()


def test_provider_staff_are_refused_the_webhooks_admin(org_admin):
    _subscription(org_admin)
    provider = user_with_role(Role.PROVIDER, username="prestadora-hooks")
    assert signed_in(provider).get(ADMIN).status_code == 403


def test_a_caseworker_is_sent_to_the_admin_login(org_admin):
    caseworker = user_with_role(Role.CASEWORKER, username="gestora-hooks")
    answer = signed_in(caseworker).get(ADMIN)
    assert answer.status_code == 302 and "/admin/login/" in answer["Location"]


def test_pause_resume_and_delete_from_the_admin_are_audited(org_admin):
    subscription = _subscription(org_admin)
    client = signed_in(org_admin)
    client.post(ADMIN, {"action": "pause_selected", "_selected_action": [str(subscription.pk)]})
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.PAUSED
    client.post(ADMIN, {"action": "resume_selected", "_selected_action": [str(subscription.pk)]})
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.ACTIVE
    client.post(f"{ADMIN}{subscription.pk}/delete/", {"post": "yes"})
    assert not WebhookSubscription.objects.exists()
    actions = set(
        AuditEntry.objects.filter(
            record_type=AuditRecordType.WEBHOOK, record_id=str(subscription.pk), user=org_admin
        ).values_list("detail", "action")
    )
    assert ("paused", AuditAction.UPDATE) in actions
    assert ("resumed", AuditAction.UPDATE) in actions
    assert any(a == AuditAction.DELETE for _, a in actions)


def test_deleting_several_from_the_list_is_audited_for_each(org_admin, other_admin):
    first = _subscription(org_admin, url="https://one.example.org/h")
    second = _subscription(org_admin, url="https://two.example.org/h")
    theirs = _subscription(other_admin, url="https://theirs.example.org/h")
    signed_in(org_admin).post(
        ADMIN,
        {
            "action": "delete_selected",
            "_selected_action": [str(first.pk), str(second.pk), str(theirs.pk)],
            "post": "yes",
        },
    )
    assert list(WebhookSubscription.objects.all()) == [theirs]
    deleted = set(
        AuditEntry.objects.filter(
            action=AuditAction.DELETE, record_type=AuditRecordType.WEBHOOK
        ).values_list("record_id", flat=True)
    )
    assert deleted == {str(first.pk), str(second.pk)}
