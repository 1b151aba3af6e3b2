"""Mail: queued after the transaction commits, sent by a Celery worker with retries.

Every message Puente sends goes through ``email_queue``: nothing mails from a request,
so a slow or absent SMTP server never slows a page, and a message of a rolled-back
write never leaves. Messages name cases by their code and link back to Puente; they
never carry case contents (the caller's duty, checked in each caller's tests).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from notifications.delivery import email_deliver_batch_task, email_deliver_task


def email_queue(
    *,
    to: Sequence[str],
    subject: str,
    body: str,
    html_body: str = "",
    reply_to: Sequence[str] = (),
    kind: str = "",
) -> None:
    """Send one message to ``to`` (each address gets its own copy: no address is shown
    to another recipient) once the current transaction commits.

    ``kind`` names the message in the worker's log (``invitation``, ``referral``…),
    never its recipient or contents.
    """
    for message in _messages(
        to=to, subject=subject, body=body, html_body=html_body, reply_to=reply_to, kind=kind
    ):
        transaction.on_commit(lambda m=message: email_deliver_task.delay(**m))  # type: ignore[misc]


def _messages(
    *,
    to: Sequence[str],
    subject: str,
    body: str,
    html_body: str = "",
    reply_to: Sequence[str] = (),
    kind: str = "",
) -> list[dict[str, Any]]:
    subject_line = " ".join(str(subject).split())  # a header cannot hold a line break
    return [
        {
            "to": address,
            "subject": subject_line,
            "body": str(body),
            "html_body": str(html_body),
            "reply_to": list(reply_to),
            "kind": kind,
        }
        for address in dict.fromkeys(a.strip() for a in to if a and a.strip())
    ]


@dataclass(frozen=True)
class Mail:
    """One message of ``email_queue_many``: to one person, in their own words."""

    to: str
    subject: str
    body: str
    kind: str = ""


# Messages per worker task: one SMTP connection carries this many.
BATCH_SIZE = 100


def email_queue_many(*, mails: Iterable[Mail]) -> None:
    """Send many messages once the current transaction commits, over one SMTP connection
    per ``BATCH_SIZE`` (a notice to a whole team, the morning's digests). Each message
    deferred by the server is then retried alone, as ``email_queue``'s are."""
    messages = [
        message
        for mail in mails
        for message in _messages(to=[mail.to], subject=mail.subject, body=mail.body, kind=mail.kind)
    ]
    for start in range(0, len(messages), BATCH_SIZE):
        batch = messages[start : start + BATCH_SIZE]
        transaction.on_commit(lambda b=batch: email_deliver_batch_task.delay(messages=b))  # type: ignore[misc]
