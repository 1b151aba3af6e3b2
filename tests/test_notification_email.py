"""Notifications by email: at once or in the daily digest as each person chose, in their
language, with a case code and a link and never the case's contents."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts.models import Role, User
from cases.models import CaseIdentity, FollowUp
from cases.services import alert_raise
from cases.services.follow_up import follow_ups_notify_due
from matching.services import referral_create_and_send
from notifications.models import Delivery, Notification, NotificationKind, NotificationSettings
from notifications.services import (
    notification_digest_send,
    notification_send,
    notification_settings_update,
)
from notifications.tasks import notification_digest_task
from tests.concurrency import at_once
from tests.factories import referral_world, user_with_role

CHILD = "Valentina Soto Pérez"
NOTE = "La madre relata golpes en el colegio"


def _world() -> dict[str, Any]:
    world = referral_world()
    User.objects.filter(pk=world["caseworker"].pk).update(email="gestora@example.org")
    User.objects.filter(pk=world["provider"].pk).update(email="prestadora@example.org")
    for key in ("caseworker", "provider"):
        world[key].refresh_from_db()
    CaseIdentity.objects.create(case=world["case"], full_name=CHILD, national_id="11.111.111-1")
    return world


def _raise_alert(world: dict[str, Any], *, note: str = NOTE) -> None:
    raiser = user_with_role(Role.CASEWORKER)
    alert_raise(
        actor=raiser,
        organization=raiser.memberships.get().organization,
        alert_type="school_absence",
        severity="high",
        note=note,
        case=world["case"],
    )


@pytest.mark.django_db
def test_an_alert_is_mailed_at_once_with_the_case_code_and_a_link_to_puente(
    mailbox, django_capture_on_commit_callbacks
):
    world = _world()
    with django_capture_on_commit_callbacks(execute=True):
        _raise_alert(world)
    (message,) = mailbox.to("gestora@example.org")
    body = mailbox.text(message)
    assert world["case"].code in message["Subject"]
    assert world["case"].code in body
    assert f"{settings.SITE_URL}/casos/{world['case'].pk}/" in body
    assert f"{settings.SITE_URL}/cuenta/avisos/" in body
    told = Notification.objects.get(user=world["caseworker"], kind=NotificationKind.ALERT_RAISED)
    assert told.delivery == Delivery.IMMEDIATE and told.emailed_at is not None


@pytest.mark.django_db
def test_the_mail_is_written_in_the_persons_language(mailbox, django_capture_on_commit_callbacks):
    world = _world()
    notification_settings_update(user=world["caseworker"], deliveries={}, language="en")
    with django_capture_on_commit_callbacks(execute=True):
        _raise_alert(world)
    (message,) = mailbox.to("gestora@example.org")
    assert "Open it in Puente" in mailbox.text(message)

    notification_settings_update(user=world["caseworker"], deliveries={}, language="es")
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        _raise_alert(world)  # the sender's language does not matter: the recipient's does
    with translation.override("es"):
        spanish = gettext("Open it in Puente: %(url)s") % {"url": ""}
    assert spanish in mailbox.text(mailbox.to("gestora@example.org")[-1])


@pytest.mark.django_db
def test_a_person_without_email_or_inactive_or_who_chose_puente_only_gets_no_mail(
    mailbox, django_capture_on_commit_callbacks
):
    no_address = user_with_role(Role.CASEWORKER)
    inactive = user_with_role(Role.CASEWORKER, email="baja@example.org", is_active=False)
    quiet = user_with_role(Role.CASEWORKER, email="quieta@example.org")
    notification_settings_update(
        user=quiet, deliveries={NotificationKind.ALERT_RAISED: Delivery.NONE}, language="es"
    )
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(
            users=[no_address, inactive, quiet],
            text="Nueva alerta en el caso C-1.",
            kind=NotificationKind.ALERT_RAISED,
            case_code="C-1",
        )
    assert mailbox.messages == []
    assert Notification.objects.filter(delivery=Delivery.NONE).count() == 3
    # The inbox still has each one's notice.
    assert Notification.objects.filter(user=quiet).exists()


@pytest.mark.django_db
def test_the_digest_sends_each_person_one_mail_of_what_waited_and_nothing_twice(
    mailbox, django_capture_on_commit_callbacks
):
    world = _world()
    second = user_with_role(
        Role.PROVIDER,
        organization=world["eligible"].service.organization,
        email="otra@example.org",
    )
    with django_capture_on_commit_callbacks(execute=True):
        referral = referral_create_and_send(
            actor=world["caseworker"], case=world["case"], service=world["eligible"].service
        )
    # A referral arriving waits for the digest by default: nothing is mailed yet.
    assert mailbox.messages == []
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(
            users=[world["provider"]],
            text="x",
            kind=NotificationKind.REFERRAL_OVERDUE,
            case_code=world["case"].code,
            link=f"/prestador/derivaciones/{referral.pk}/",
        )
    # What the second provider already read in Puente is not mailed.
    Notification.objects.filter(user=second).update(read_at=timezone.now())

    with django_capture_on_commit_callbacks(execute=True):
        assert notification_digest_task.delay().get() == 1
    (digest,) = mailbox.messages
    assert digest["To"] == "prestadora@example.org"
    body = mailbox.text(digest)
    assert body.count(world["case"].code) == 2
    assert f"{settings.SITE_URL}/prestador/derivaciones/{referral.pk}/" in body
    assert "2" in digest["Subject"]
    assert not Notification.objects.filter(delivery=Delivery.DIGEST, emailed_at__isnull=True)
    assert NotificationSettings.objects.get(user=world["provider"]).last_digest_at is not None

    with django_capture_on_commit_callbacks(execute=True):
        assert notification_digest_task.delay().get() == 0
    assert len(mailbox.messages) == 1


@pytest.mark.django_db
def test_a_kind_chosen_at_once_is_mailed_when_it_arrives_not_in_the_digest(
    mailbox, django_capture_on_commit_callbacks
):
    world = _world()
    notification_settings_update(
        user=world["provider"],
        deliveries={NotificationKind.REFERRAL_RECEIVED: Delivery.IMMEDIATE},
        language="es",
    )
    with django_capture_on_commit_callbacks(execute=True):
        referral_create_and_send(
            actor=world["caseworker"], case=world["case"], service=world["eligible"].service
        )
    (message,) = mailbox.to("prestadora@example.org")
    assert world["case"].code in mailbox.text(message)
    with django_capture_on_commit_callbacks(execute=True):
        assert notification_digest_send() == 0
    assert len(mailbox.messages) == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_digests_at_once_mail_each_notice_once(mailbox):
    people = [user_with_role(Role.CASEWORKER, email=f"p{i}@example.org") for i in range(3)]
    for person in people:
        notification_send(users=[person], text="t", kind=NotificationKind.TASK_DUE, case_code="C-9")
    sent = at_once(notification_digest_send, times=2)
    assert sum(sent) == 3
    assert sorted(str(m["To"]) for m in mailbox.messages) == [p.email for p in people]


@pytest.mark.django_db
def test_a_follow_up_falling_due_tells_the_team_once(mailbox, django_capture_on_commit_callbacks):
    world = _world()
    today = timezone.localdate()
    follow_up = FollowUp.objects.create(case=world["case"], kind="call", due_on=today)
    FollowUp.objects.create(case=world["case"], kind="call", due_on=today + timedelta(days=5))
    assert follow_ups_notify_due(today=today) == 1
    assert follow_ups_notify_due(today=today) == 0
    (told,) = Notification.objects.filter(kind=NotificationKind.TASK_DUE)
    assert told.user == world["caseworker"]
    assert told.link.endswith(f"#follow-up-{follow_up.pk}")
    # In the digest by default: the morning summary carries it.
    with django_capture_on_commit_callbacks(execute=True):
        assert notification_digest_send() == 1
    assert world["case"].code in mailbox.text(mailbox.to("gestora@example.org")[0])


@pytest.mark.django_db
def test_no_email_carries_the_childs_name_or_a_notes_text(
    mailbox, django_capture_on_commit_callbacks
):
    world = _world()
    for person in (world["caseworker"], world["provider"]):
        notification_settings_update(
            user=person,
            deliveries={kind: Delivery.IMMEDIATE for kind in NotificationKind.values[:7]},
            language="es",
        )
    with django_capture_on_commit_callbacks(execute=True):
        _raise_alert(world)
        referral_create_and_send(
            actor=world["caseworker"],
            case=world["case"],
            service=world["eligible"].service,
            shared_note=NOTE,
        )
    notification_settings_update(
        user=world["caseworker"],
        deliveries={NotificationKind.ALERT_RAISED: Delivery.DIGEST},
        language="en",
    )
    with django_capture_on_commit_callbacks(execute=True):
        _raise_alert(world, note=f"{CHILD}: {NOTE}")
        notification_digest_send()
    assert len(mailbox.messages) >= 3
    for message in mailbox.messages:
        whole = message.as_string() + mailbox.text(message)
        for secret in (CHILD, "Valentina", NOTE, "11.111.111-1"):
            assert secret not in whole
