from __future__ import annotations

import pytest
from django.test import override_settings

from accounts.models import Role
from audit.models import AuditAction, AuditEntry, AuditRecordType
from tests.factories import api_client_for, user_with_role
from webhooks.models import SubscriptionStatus, WebhookSubscription

pytestmark = pytest.mark.django_db

LIST = "/api/webhooks/"


def _org(user):
    return user.memberships.get().organization


def _create(client, org, url="https://hooks.example.org/puente", events=("referral.sent",)):
    return client.post(
        LIST,
        {"organization": str(org.pk), "url": url, "events": list(events)},
        format="json",
    )


def test_an_administrator_subscribes_their_organization_and_sees_the_secret_once(
    org_admin, receiver
):
    client = api_client_for(org_admin)
    answer = _create(client, _org(org_admin), url=receiver.url)
    assert answer.status_code == 201, answer.content
    secret = answer.json()["secret"]
    subscription = WebhookSubscription.objects.get(pk=answer.json()["id"])
    assert subscription.secret == secret and len(secret) >= 40
    assert subscription.created_by == org_admin
    listed = client.get(LIST).json()["results"]
    assert [row["id"] for row in listed] == [str(subscription.pk)]
    assert "secret" not in listed[0]
    detail = client.get(f"{LIST}{subscription.pk}/").json()
    assert "secret" not in detail and detail["deliveries"] == []
    assert secret not in client.get(f"{LIST}{subscription.pk}/").content.decode()
    assert AuditEntry.objects.filter(
        action=AuditAction.CREATE,
        record_type=AuditRecordType.WEBHOOK,
        record_id=str(subscription.pk),
        user=org_admin,
    ).exists()


def test_a_coordinator_of_the_organization_may_subscribe_it_too(db):
    coordinator = user_with_role(Role.COORDINATOR, username="coord-hooks")
    assert _create(api_client_for(coordinator), _org(coordinator)).status_code == 201


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.PROVIDER, Role.PLANNER, Role.SUPERVISOR])
def test_other_roles_are_refused_the_webhooks_api(db, role):
    user = user_with_role(role, username=f"u-{role}")
    client = api_client_for(user)
    assert client.get(LIST).status_code == 403
    assert _create(client, _org(user)).status_code == 403
    assert not WebhookSubscription.objects.exists()


def test_anonymous_visitors_are_refused(db):
    from rest_framework.test import APIClient

    assert APIClient().get(LIST).status_code in (401, 403)


def test_an_administrator_of_another_organization_cannot_see_or_touch_a_subscription(
    org_admin, other_admin
):
    created = _create(api_client_for(org_admin), _org(org_admin)).json()
    theirs = api_client_for(other_admin)
    assert theirs.get(LIST).json()["results"] == []
    for answer in (
        theirs.get(f"{LIST}{created['id']}/"),
        theirs.delete(f"{LIST}{created['id']}/"),
        theirs.post(f"{LIST}{created['id']}/pause/"),
        theirs.post(f"{LIST}{created['id']}/resume/"),
    ):
        assert answer.status_code == 404
    subscription = WebhookSubscription.objects.get(pk=created["id"])
    assert subscription.status == SubscriptionStatus.ACTIVE
    assert AuditEntry.objects.filter(
        action=AuditAction.REFUSED, user=other_admin, record_type=AuditRecordType.WEBHOOK
    ).exists()


def test_nobody_subscribes_an_organization_they_do_not_manage(org_admin, other_admin):
    answer = _create(api_client_for(other_admin), _org(org_admin))
    assert answer.status_code == 400
    assert "organization" in answer.json()
    assert not WebhookSubscription.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://example.org/x"}, "url"),
        ({"url": "not an address"}, "url"),
        ({"events": []}, "events"),
        ({"events": ["case.read"]}, "events"),
    ],
)
def test_a_bad_subscription_is_refused_naming_its_field(org_admin, body, field):
    payload = {
        "organization": str(_org(org_admin).pk),
        "url": "https://hooks.example.org/x",
        "events": ["referral.sent"],
        **body,
    }
    answer = api_client_for(org_admin).post(LIST, payload, format="json")
    assert answer.status_code == 400
    assert field in answer.json()
    assert not WebhookSubscription.objects.exists()


@override_settings(WEBHOOK_ALLOW_PRIVATE=False)
def test_a_private_address_is_refused_outside_tests(org_admin):
    answer = _create(api_client_for(org_admin), _org(org_admin), url="http://10.0.0.5/hook")
    assert answer.status_code == 400
    assert "url" in answer.json()


def test_pause_resume_and_delete_are_the_owners_and_audited(org_admin):
    client = api_client_for(org_admin)
    created = _create(client, _org(org_admin)).json()
    url = f"{LIST}{created['id']}/"
    assert client.post(f"{url}pause/").json()["status"] == "paused"
    assert client.post(f"{url}resume/").json()["status"] == "active"
    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404
    details = list(
        AuditEntry.objects.filter(
            record_type=AuditRecordType.WEBHOOK, record_id=created["id"], user=org_admin
        ).values_list("action", "detail")
    )
    assert (AuditAction.UPDATE, "paused") in details
    assert (AuditAction.UPDATE, "resumed") in details
    assert any(action == AuditAction.DELETE for action, _ in details)
