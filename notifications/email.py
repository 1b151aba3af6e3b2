"""Mail: queued after the transaction commits, sent by a Celery worker with retries.

Every message Puente sends goes through ``email_queue``: nothing mails from a request,
so a slow or absent SMTP server never slows a page, and a message of a rolled-back
write never leaves. Messages name cases by their code and link back to Puente; they
never carry case contents (the caller's duty, checked in each caller's tests).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction

from notifications.delivery import email_deliver_task


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
    subject_line = " ".join(str(subject).split())  # a header cannot hold a line break
    for address in dict.fromkeys(a.strip() for a in to if a and a.strip()):
        message = {
            "to": address,
            "subject": subject_line,
            "body": str(body),
            "html_body": str(html_body),
            "reply_to": list(reply_to),
            "kind": kind,
        }
        transaction.on_commit(lambda m=message: email_deliver_task.delay(**m))  # type: ignore[misc]
