from __future__ import annotations

import pytest
from django.db import transaction
from django.test import override_settings

from notifications.email import email_queue

pytestmark = pytest.mark.django_db


def test_a_queued_message_reaches_the_smtp_server_once_the_write_commits(
    mailbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        email_queue(
            to=["ana@example.org"],
            subject="Nueva derivación\npara su equipo",
            body="Caso C-0001: https://puente.example.org/d/1/",
            kind="referral",
        )
        assert mailbox.messages == []

    (message,) = mailbox.messages
    assert message["To"] == "ana@example.org"
    assert message["Subject"] == "Nueva derivación para su equipo"
    assert "C-0001" in mailbox.text(message)


def test_nothing_is_sent_when_the_write_rolls_back(mailbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                email_queue(to=["ana@example.org"], subject="x", body="y")
                raise RuntimeError("the write failed")
        except RuntimeError:
            pass
    assert mailbox.messages == []


def test_each_recipient_gets_a_copy_of_its_own_and_blank_or_repeated_addresses_are_dropped(
    mailbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        email_queue(
            to=["a@example.org", " ", "b@example.org", "a@example.org"], subject="s", body="b"
        )
    assert sorted(str(m["To"]) for m in mailbox.messages) == ["a@example.org", "b@example.org"]


def test_a_message_the_server_defers_is_sent_again_and_arrives(
    mailbox, django_capture_on_commit_callbacks
):
    mailbox.refusals = ["451 4.3.0 try again later"]
    # Eager tasks raise celery's Retry after running the retry; a worker would not.
    with (
        override_settings(CELERY_TASK_EAGER_PROPAGATES=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        email_queue(to=["ana@example.org"], subject="s", body="b")
    assert [str(m["To"]) for m in mailbox.messages] == ["ana@example.org"]


def test_a_permanent_refusal_is_given_up_without_raising(
    mailbox, django_capture_on_commit_callbacks
):
    mailbox.refusals = ["550 5.1.1 no such user"]
    with django_capture_on_commit_callbacks(execute=True):
        email_queue(to=["nadie@example.org"], subject="s", body="b")
    assert mailbox.messages == []


def test_a_batch_goes_over_one_connection_and_a_deferred_message_is_retried_alone(
    mailbox, django_capture_on_commit_callbacks
):
    from notifications.email import Mail, email_queue_many

    mailbox.refusals = ["451 4.3.0 try again later"]  # the first message, once
    with (
        override_settings(CELERY_TASK_EAGER_PROPAGATES=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        email_queue_many(
            mails=[Mail(to=f"p{i}@example.org", subject="s", body=f"C-{i}") for i in range(3)]
        )
    # Each arrives once: the deferred one alone (at once here, tasks being eager).
    assert sorted(str(m["To"]) for m in mailbox.messages) == [
        "p0@example.org",
        "p1@example.org",
        "p2@example.org",
    ]


def test_a_batch_gives_up_a_permanently_refused_message_and_sends_the_rest(
    mailbox, django_capture_on_commit_callbacks
):
    from notifications.email import Mail, email_queue_many

    mailbox.refusals = ["550 5.1.1 no such user"]
    with django_capture_on_commit_callbacks(execute=True):
        email_queue_many(
            mails=[Mail(to=f"p{i}@example.org", subject="s", body="b") for i in range(3)]
        )
    assert sorted(str(m["To"]) for m in mailbox.messages) == ["p1@example.org", "p2@example.org"]


def test_the_digest_and_the_follow_ups_due_are_on_the_beat_schedule():
    from django.conf import settings

    from config.celery import app

    app.loader.import_default_modules()
    for entry in ("notifications-daily-digest", "cases-notify-follow-ups-due"):
        assert settings.CELERY_BEAT_SCHEDULE[entry]["task"] in app.tasks
